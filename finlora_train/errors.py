"""The exception finlora_train raises for bad input, missing data and failed checks."""
from finlora_eval.errors import EvalError


class TrainError(EvalError):
    """Same shape as finlora_eval's errors (what, where, what to do), so both CLIs print them alike."""
