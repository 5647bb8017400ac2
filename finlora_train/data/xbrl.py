"""The XBRL analysis train files of an `xbrlkit build --format finlora` folder, merged in the order listed."""
from __future__ import annotations

from typing import Any

from finlora_train.data.files import Row, read_jsonl, xbrl_file
from finlora_train.data.options import DataOptions


def build(params: dict[str, Any], options: DataOptions) -> list[Row]:
    return [row for relative in params["paths"] for row in read_jsonl(xbrl_file(options, relative))]
