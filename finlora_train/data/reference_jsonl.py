"""A training file of the reference benchmark (train/*.jsonl), copied as it is."""
from __future__ import annotations

from typing import Any

from finlora_train.data.files import Row, data_file, read_jsonl
from finlora_train.data.options import DataOptions


def build(params: dict[str, Any], options: DataOptions) -> list[Row]:
    return read_jsonl(data_file(options, params["path"]))
