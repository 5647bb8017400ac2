"""XBRL period values as calendar dates.

XBRL reads a date-only end date or instant as the end of that day, which
Arelle stores as the following midnight (2023-09-30 -> 2023-10-01T00:00).
Users think in calendar days, so ends are reported as the last day covered.
"""
from __future__ import annotations

import datetime as dt

from xbrlkit.errors import XbrlError

_ONE_DAY = dt.timedelta(days=1)


def calendar_end(moment: dt.datetime) -> dt.date:
    """The last calendar day a period ending at `moment` covers."""
    if moment.time() == dt.time(0, 0):
        return (moment - _ONE_DAY).date()
    return moment.date()


def parse_start(text: str, where: str) -> dt.date:
    return _parse(text, where, end=False).date()


def parse_end(text: str, where: str) -> dt.date:
    return calendar_end(_parse(text, where, end=True))


def _parse(text: str, where: str, *, end: bool) -> dt.datetime:
    value = text.strip()
    try:
        if "T" in value:
            return dt.datetime.fromisoformat(value.rstrip("Z"))
        day = dt.datetime.combine(dt.date.fromisoformat(value), dt.time())
    except ValueError as exc:
        raise XbrlError(f"invalid period date {value!r} in {where}") from exc
    return day + _ONE_DAY if end else day
