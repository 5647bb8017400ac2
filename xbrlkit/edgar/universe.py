"""`--tickers`: a comma-separated list of tickers and universe names, expanded per fiscal year.

`DJIA` stands for the universe's reference members in every year; `DJIA@pit`
for its point-in-time members, those on 31 December of each fiscal year. The
universes are data, in `universes.yaml` beside this module.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Mapping

from finlora_common.yamlfile import read_yaml
from xbrlkit.errors import XbrlError

Selection = dict[str, tuple[int, ...]]
"""Ticker -> the fiscal years wanted for it (empty when no years were given), in first-mention order."""

POINT_IN_TIME = "@pit"
_FILE = Path(str(files("xbrlkit.edgar").joinpath("universes.yaml")))


@dataclass(frozen=True)
class Change:
    date: dt.date
    added: tuple[str, ...]
    removed: tuple[str, ...]


@dataclass(frozen=True)
class Universe:
    name: str
    as_of: dt.date
    members: tuple[str, ...]
    """The members on `as_of`."""
    changes: tuple[Change, ...]
    edgar_tickers: Mapping[str, str]
    """Former ticker -> the ticker its registrant has on EDGAR today."""

    def members_on(self, day: dt.date) -> tuple[str, ...]:
        """The members on `day`, sorted, as today's EDGAR tickers."""
        members = set(self.members)
        for change in sorted(self.changes, key=lambda c: c.date):
            if self.as_of < change.date <= day:
                members = self._apply(members, change.removed, change.added, change)
        for change in sorted(self.changes, key=lambda c: c.date, reverse=True):
            if day < change.date <= self.as_of:
                members = self._apply(members, change.added, change.removed, change)
        return tuple(sorted(self.edgar_tickers.get(t, t) for t in members))

    def _apply(self, members: set[str], leaving: tuple[str, ...], joining: tuple[str, ...], change: Change) -> set[str]:
        if not set(leaving) <= members or set(joining) & members:
            raise XbrlError(f"universe {self.name}: the change of {change.date} does not fit the membership",
                            _FILE)
        return (members - set(leaving)) | set(joining)


def universes() -> dict[str, Universe]:
    """The universes of `universes.yaml`, by upper-case name."""
    data = read_yaml(_FILE, XbrlError)
    return {name.upper(): Universe(
        name=name, as_of=spec["as_of"], members=tuple(spec["members"]),
        changes=tuple(Change(c["date"], tuple(c["added"]), tuple(c["removed"])) for c in spec["changes"]),
        edgar_tickers=dict(spec.get("edgar_tickers", {}))) for name, spec in data.items()}


def select(spec: str, years: tuple[int, int] | None) -> Selection:
    """Expand `spec` ("AAPL,MSFT", "DJIA", "DJIA@pit,NVDA") for the fiscal years `years` (first, last)."""
    wanted = tuple(range(years[0], years[1] + 1)) if years else ()
    known = universes()
    selection: dict[str, list[int]] = {}
    for item in (part.strip().upper() for part in spec.split(",")):
        if not item:
            continue
        name, pit, rest = item.partition(POINT_IN_TIME.upper())
        if rest or (pit and name not in known):
            raise XbrlError(f"--tickers: {item!r} is not a universe (known: {', '.join(sorted(known))})")
        if pit and not years:
            raise XbrlError(f"--tickers {item}: point-in-time membership needs --years")
        if pit:
            for year in wanted:
                for ticker in known[name].members_on(dt.date(year, 12, 31)):
                    selection.setdefault(ticker, []).append(year)
        else:
            for ticker in known[name].members if name in known else (name,):
                selection.setdefault(ticker, []).extend(wanted)
    if not selection:
        raise XbrlError("--tickers names no ticker")
    return {ticker: tuple(sorted(set(years_))) for ticker, years_ in selection.items()}
