"""The one exception type xbrlkit raises for bad input."""
from __future__ import annotations

from finlora_common.errors import UserError


class XbrlError(UserError):
    """Bad or unreadable input: says what is wrong, where, and what to do."""
