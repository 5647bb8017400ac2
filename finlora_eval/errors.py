"""The exceptions finlora_eval raises for bad input and missing data."""
from __future__ import annotations

from pathlib import Path


class EvalError(Exception):
    """Bad input, a missing file or a failed check: says what is wrong, where, and what to do.

    The CLI prints `str(error)` as a single line and exits with status 2.
    """

    def __init__(self, message: str, path: str | Path | None = None, hint: str | None = None):
        self.message = message
        self.path = str(path) if path is not None else None
        self.hint = hint
        super().__init__(str(self))

    def __str__(self) -> str:
        text = f"{self.path}: {self.message}" if self.path else self.message
        return f"{text} ({self.hint})" if self.hint else text


class DataUnavailable(EvalError):
    """A dataset's test rows cannot be found: reported as unavailable when the whole suite runs."""
