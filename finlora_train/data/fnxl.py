"""FNXL tagging prompts from the FNXL train sample, batched by the reference's rule (finlora_eval.fnxl)."""
from __future__ import annotations

from typing import Any

from finlora_eval import fnxl as reference_fnxl
from finlora_eval.errors import EvalError
from finlora_train.data.files import Row, data_file
from finlora_train.data.options import DataOptions
from finlora_train.errors import TrainError


def build(params: dict[str, Any], options: DataOptions) -> list[Row]:
    path = data_file(options, params["path"])
    try:
        return reference_fnxl.prompts(path)
    except EvalError as exc:
        raise TrainError(exc.message, exc.path, exc.hint) from None
