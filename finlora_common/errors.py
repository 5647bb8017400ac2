"""The one base of every error a user can fix: what is wrong, where (file and line), and what to do."""
from __future__ import annotations

from pathlib import Path


class UserError(Exception):
    """Bad input, a missing file or a failed check; each package raises its own subclass.

    The command lines print `str(error)` as a single line and exit with status 2.
    """

    def __init__(self, message: str, path: str | Path | None = None, line: int | None = None,
                 hint: str | None = None):
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
