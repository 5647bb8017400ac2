"""The one exception type xbrlkit raises for bad input."""
from __future__ import annotations

from pathlib import Path


class XbrlError(Exception):
    """Bad or unreadable input: says what is wrong, where, and what to do.

    The CLI prints `str(error)` as a single line and exits with status 2.
    """

    def __init__(self, message: str, path: str | Path | None = None, line: int | None = None, hint: str | None = None):
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        self.hint = hint
        super().__init__(str(self))

    def __str__(self) -> str:
        where = ""
        if self.path:
            where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: "
        text = f"{where}{self.message}"
        return f"{text} ({self.hint})" if self.hint else text
