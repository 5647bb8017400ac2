"""The exceptions finlora_eval raises for bad input and missing data."""
from __future__ import annotations

from finlora_common.errors import UserError


class EvalError(UserError):
    """Bad input, a missing file or a failed check of an evaluation."""


class DataUnavailable(EvalError):
    """A dataset's test rows cannot be found: reported as unavailable when the whole suite runs."""
