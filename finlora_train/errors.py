"""The exception finlora_train raises for bad input, missing data and failed checks."""
from finlora_common.errors import UserError


class TrainError(UserError):
    """Bad input, a missing file or a failed check of a training run."""
