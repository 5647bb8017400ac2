"""Duplicate facts: same concept, period, dimensions and unit.

Consistent duplicates (equal once rounded to the least precise `decimals`;
equal text for non-numeric facts) collapse to the most precise one.
Inconsistent groups are reported and left out: never silently picked.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable

from xbrlkit import exact
from xbrlkit.model import INF, Fact


@dataclass(frozen=True)
class DuplicateGroup:
    facts: tuple[Fact, ...]

    @property
    def concept(self) -> str:
        return str(self.facts[0].concept)

    def describe(self, shown: int = 5) -> str:
        """One line: the aspects and the first `shown` values with their decimals and lines."""
        first = self.facts[0]
        values = ", ".join(f"{f.value.strip()[:30]!r} (decimals {f.decimals}, line {f.line})"
                           for f in self.facts[:shown])
        more = f" and {len(self.facts) - shown} more" if len(self.facts) > shown else ""
        return f"{self.concept} {first.start_date or ''}..{first.end_date} {list(first.dimensions)[:3]}: {values}{more}"


@dataclass(frozen=True)
class Deduplicated:
    facts: tuple[Fact, ...]
    """One fact per aspect key, in document order; inconsistent groups left out."""
    collapsed: int
    """How many consistent duplicate facts were dropped."""
    inconsistent: tuple[DuplicateGroup, ...]


def deduplicate(facts: Iterable[Fact]) -> Deduplicated:
    groups: dict[tuple, list[Fact]] = defaultdict(list)
    for fact in facts:
        groups[fact.aspect_key()].append(fact)
    kept: list[Fact] = []
    inconsistent: list[DuplicateGroup] = []
    collapsed = 0
    for group in groups.values():
        candidates = [f for f in group if not f.is_nil] or group[:1]
        if _consistent(candidates):
            kept.append(max(candidates, key=_precision))
            collapsed += len(group) - 1
        else:
            inconsistent.append(DuplicateGroup(tuple(group)))
    kept.sort(key=lambda f: (f.line or 0))
    return Deduplicated(tuple(kept), collapsed, tuple(inconsistent))


def _precision(fact: Fact) -> float:
    if fact.decimals == INF:
        return float("inf")
    return fact.decimals if fact.decimals is not None else float("-inf")


def _consistent(facts: list[Fact]) -> bool:
    if len(facts) == 1:
        return True
    if facts[0].numeric is None:
        return len({" ".join(f.value.split()) for f in facts}) == 1
    least = min(facts, key=_precision).decimals
    if least is None or least == INF:
        return len({f.numeric for f in facts}) == 1
    return len({exact.rounded(f.numeric, least) for f in facts}) == 1
