"""Gold news headlines as Yes/No rows, one per (headline, question): the train part of finlora_eval.headline's split,
so that no headline the evaluation asks about is trained on."""
from __future__ import annotations

from typing import Any

from finlora_eval import headline
from finlora_train.data.files import Row, data_file
from finlora_train.data.options import DataOptions
from finlora_train.errors import TrainError


def build(params: dict[str, Any], options: DataOptions) -> list[Row]:
    return headline.rows(data_file(options, params["path"]), "train", TrainError)


def held_out(params: dict[str, Any], options: DataOptions) -> list[Row]:
    """The test part: what the evaluation asks, which a mix with other categories must not train on either."""
    return headline.rows(data_file(options, params["path"]), "test", TrainError)
