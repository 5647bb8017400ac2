"""FNXL tagging prompts from the FNXL train sample, batched by the reference's rule (finlora_eval.fnxl)."""
from __future__ import annotations

from typing import Any

from finlora_eval import fnxl as reference_fnxl
from finlora_train.data.files import Row, data_file
from finlora_train.data.options import DataOptions


def build(params: dict[str, Any], options: DataOptions) -> list[Row]:
    return reference_fnxl.prompts(data_file(options, params["path"]))
