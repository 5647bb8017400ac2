"""Gold news headlines (tab-separated, one label column per question) as Yes/No rows, one per (headline, question)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from finlora_train.data.files import Row, data_file, read_csv
from finlora_train.data.options import DataOptions
from finlora_train.data.prompt import layout
from finlora_train.errors import TrainError


def _cell(row: dict[str, str], column: str, number: int, path: Path) -> str:
    value = row.get(column)
    if value is None:
        raise TrainError(f"row {number}: no value in column {column!r}", path)
    return value.strip()


def build(params: dict[str, Any], options: DataOptions) -> list[Row]:
    path = data_file(options, params["path"])
    questions = params["questions"]
    columns = {q[key] for q in questions for key in ("column", "if_yes", "if_no") if key in q}
    rows = []
    for number, row in enumerate(read_csv(path, delimiter="\t"), start=2):
        headline = _cell(row, params["text_column"], number, path)
        yes = {column: _cell(row, column, number, path) not in params["no_values"] for column in columns}
        for question in questions:
            if "if_yes" in question and not yes[question["if_yes"]] or "if_no" in question and yes[question["if_no"]]:
                continue
            rows.append({"context": layout(question["question"] + params["choices"], headline),
                         "target": "Yes" if yes[question["column"]] else "No"})
    return rows
