"""Reading a text file as UTF-8: an unreadable file or a byte that is not UTF-8 is one error naming the file, and
the line and column of the bad byte."""
from __future__ import annotations

from pathlib import Path

from finlora_common.errors import UserError


def read_text(path: Path, error: type[UserError] = UserError) -> str:
    """The file's text; `error` when it cannot be read or is not UTF-8."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise error(f"cannot read: {exc.strerror}", path) from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line_start = raw.rfind(b"\n", 0, exc.start) + 1
        column = len(raw[line_start:exc.start].decode("utf-8")) + 1  # everything before the bad byte decodes
        raise error(f"not UTF-8 text: byte 0x{raw[exc.start]:02x} at column {column}", path,
                    raw.count(b"\n", 0, exc.start) + 1, hint="save the file as UTF-8") from None
