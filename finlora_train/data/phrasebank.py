"""Financial PhraseBank (`sentence@label` lines) as sentiment rows, minus the lines of fpb_test."""
from __future__ import annotations

from typing import Any

from finlora_common.prompt import layout
from finlora_train.data.files import Row, data_file, line_numbers, read_text
from finlora_train.data.options import DataOptions
from finlora_train.errors import TrainError


def build(params: dict[str, Any], options: DataOptions) -> list[Row]:
    path = data_file(options, params["path"])
    skip = line_numbers(data_file(options, params["exclude_lines"]))
    rows = []
    # CRLF line endings: splitlines() keeps the 0-based numbering of the overlap list.
    for number, line in enumerate(read_text(path, params["encoding"]).splitlines()):
        if number in skip:
            continue
        sentence, at, label = line.rpartition("@")
        if not at:
            raise TrainError(f"line {number + 1}: not `sentence@label`", path)
        rows.append({"context": layout(params["instruction"], sentence), "target": label})
    return rows
