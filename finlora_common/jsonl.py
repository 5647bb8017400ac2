"""Rows as JSON Lines: one object per line, UTF-8 as it is, written atomically, read with errors naming the line."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable

from finlora_common.atomic import atomic_path
from finlora_common.errors import UserError


def read_jsonl(path: Path, required: tuple[str, ...] = (), error: type[UserError] = UserError) -> list[dict]:
    """The objects of a JSONL file (blank lines skipped); a line that is not an object with `required` keys is
    `error`, naming the file and line."""
    rows = []
    try:
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise error(f"line {number}: not JSON ({exc.msg})", path) from None
                if not isinstance(row, dict) or any(key not in row for key in required):
                    raise error(f"line {number}: a row needs {' and '.join(required) or 'to be an object'}", path)
                rows.append(row)
    except OSError as exc:
        raise error(f"cannot read: {exc.strerror}", path) from None
    return rows


def write_jsonl(rows: Iterable[dict], path: str | Path, keys: tuple[str, ...] | None = None) -> None:
    """One JSON object per line (only `keys`, in that order, when given); the file appears only when complete."""
    with atomic_path(path) as temporary, temporary.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row if keys is None else {k: row[k] for k in keys}, ensure_ascii=False) + "\n")
