"""XBRL period values as calendar dates.

XBRL reads a date-only end date or instant as the end of that day, which
Arelle stores as the following midnight (2023-09-30 -> 2023-10-01T00:00).
Users think in calendar days, so ends are reported as the last day covered.
"""
from __future__ import annotations

import datetime as dt

_ONE_DAY = dt.timedelta(days=1)


def calendar_end(moment: dt.datetime) -> dt.date:
    """The last calendar day a period ending at `moment` covers."""
    if moment.time() == dt.time(0, 0):
        return (moment - _ONE_DAY).date()
    return moment.date()


def parse_start(text: str) -> dt.datetime:
    """The moment a period starting on `text` (a date or dateTime) begins."""
    return _parse(text, end=False)


def parse_end(text: str) -> dt.datetime:
    """The moment a period ending on (or an instant at) `text` ends: a date-only end is the following midnight."""
    return _parse(text, end=True)


def _parse(text: str, *, end: bool) -> dt.datetime:
    """Raises ValueError naming the text when it is not an xs:date or xs:dateTime."""
    value = text.strip()
    try:
        if "T" in value:
            return dt.datetime.fromisoformat(value.rstrip("Z")).replace(tzinfo=None)
        day = dt.datetime.combine(dt.date.fromisoformat(value), dt.time())
    except ValueError:
        raise ValueError(f"invalid period date {value[:40]!r}") from None
    return day + _ONE_DAY if end else day
