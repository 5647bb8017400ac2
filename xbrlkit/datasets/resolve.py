"""Resolving catalog concepts to the facts of one filing's fiscal year.

The fiscal year is the filing's required context: the period of its
`dei:DocumentType` fact (for a 10-K, the fiscal-year duration). Flow concepts
take facts of exactly that duration, stock concepts the instant at its end.
Only undimensioned, non-nil USD facts answer. A concept resolves to the first
candidate tag reported there; a tag whose duplicates disagree stops the search
(reported, never guessed).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from xbrlkit.datasets.catalog import Catalog, Concept
from xbrlkit.dedupe import Deduplicated
from xbrlkit.model import Fact, Filing


@dataclass(frozen=True)
class FiscalPeriod:
    year: int
    start: dt.date
    end: dt.date

    def matches(self, fact: Fact, kind: str) -> bool:
        if kind == "flow":
            return fact.period_type == "duration" and (fact.start_date, fact.end_date) == (self.start, self.end)
        return fact.period_type == "instant" and fact.end_date == self.end


@dataclass(frozen=True)
class Resolution:
    period: FiscalPeriod
    resolved: dict[str, Fact]
    """Concept name -> the fact that answers it."""
    unresolved: dict[str, str]
    """Concept name -> why no fact answers it."""


class NotResolvable(Exception):
    """The filing has no fiscal-year period to ask about (the reason is the message)."""


def fiscal_period(filing: Filing) -> FiscalPeriod:
    if filing.fiscal_year_focus is None:
        raise NotResolvable("no dei:DocumentFiscalYearFocus")
    required = next((f for f in filing.facts if str(f.concept) == "dei:DocumentType" and not f.dimensions), None)
    if required is None or required.period_type != "duration" or required.start_date is None:
        raise NotResolvable("no dei:DocumentType fact with a duration context")
    days = (required.end_date - required.start_date).days + 1
    if not 350 <= days <= 380:
        raise NotResolvable(f"document period is {days} days, not a fiscal year ({filing.form_type})")
    return FiscalPeriod(filing.fiscal_year_focus, required.start_date, required.end_date)


def resolve(filing: Filing, deduped: Deduplicated, catalog: Catalog) -> Resolution:
    period = fiscal_period(filing)
    candidates: dict[tuple[str, str], Fact] = {}
    elsewhere: dict[str, str] = {}  # tag -> how it is reported, when it cannot answer
    for fact in deduped.facts:
        tag = str(fact.concept)
        if fact.dimensions or fact.is_nil or fact.unit != "USD" or fact.numeric is None:
            elsewhere.setdefault(tag, "only by dimension (e.g. per class or segment), never in total"
                                 if fact.dimensions else "only nil or not in USD")
            continue
        matched = False
        for kind in ("flow", "stock"):
            if period.matches(fact, kind):
                candidates[(kind, tag)] = fact
                matched = True
        if not matched:
            elsewhere[tag] = f"only for other periods than fiscal year {period.year}"
    conflicting = {(kind, group.concept) for group in deduped.inconsistent for kind in ("flow", "stock")
                   if not group.facts[0].dimensions and period.matches(group.facts[0], kind)}
    resolved, unresolved = {}, {}
    for concept in catalog.concepts:
        outcome = _first_reported(concept, candidates, conflicting, elsewhere)
        if isinstance(outcome, Fact):
            resolved[concept.name] = outcome
        else:
            unresolved[concept.name] = outcome
    return Resolution(period, resolved, unresolved)


def _first_reported(concept: Concept, candidates: dict, conflicting: set, elsewhere: dict[str, str]) -> Fact | str:
    for tag in concept.tags:
        if (concept.kind, tag) in conflicting:
            return f"inconsistent duplicate facts for {tag}"
        fact = candidates.get((concept.kind, tag))
        if fact is not None:
            return fact
    reported = [f"{tag} {elsewhere[tag]}" for tag in concept.tags if tag in elsewhere]
    if reported:
        return "reported " + "; ".join(reported)
    return "none of its tags is reported"
