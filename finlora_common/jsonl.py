"""Rows as JSON Lines: one object per line, UTF-8 as it is, written atomically, read with errors naming the file and
line (bad UTF-8, bad JSON, a missing key, a value of the wrong type)."""
from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path

from finlora_common.atomic import atomic_path
from finlora_common.errors import UserError
from finlora_common.textfile import read_text

JSON_TYPES = {type(None): "null", bool: "true or false", int: "a number", float: "a number", str: "a string",
              list: "a list", dict: "an object"}
"""How a JSON value's Python type is named to users."""


def read_jsonl(path: Path, required: Mapping[str, type] | None = None,
               error: type[UserError] = UserError) -> list[dict]:
    """The objects of a UTF-8 JSONL file (blank lines skipped), each with the `required` keys holding values of their
    type (e.g. {"context": str}); anything else is `error`, naming the file and line."""
    required = required or {}
    rows = []
    for number, line in enumerate(read_text(path, error).split("\n"), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise error(f"not JSON ({exc.msg} at column {exc.colno})", path, number) from None
        if not isinstance(row, dict) or any(key not in row for key in required):
            raise error(f"a row needs {' and '.join(required) or 'to be an object'}", path, number)
        for key, kind in required.items():
            if not isinstance(row[key], kind):
                raise error(f"{key} must be {JSON_TYPES[kind]}, not {JSON_TYPES[type(row[key])]}", path, number)
        rows.append(row)
    return rows


def write_jsonl(rows: Iterable[dict], path: str | Path, keys: tuple[str, ...] | None = None) -> None:
    """One JSON object per line (only `keys`, in that order, when given); the file appears only when complete."""
    with atomic_path(path) as temporary, temporary.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row if keys is None else {k: row[k] for k in keys}, ensure_ascii=False) + "\n")
