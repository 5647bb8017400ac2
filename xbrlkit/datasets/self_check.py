"""Self-check of generated values against the filing's calculation linkbase.

Where the linkbase says parent = sum(weight x child) and every child is
reported for the same period, the parent's answer should equal that sum
within rounding. The build summary reports how many answers agree.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from xbrlkit.model import INF, CalculationArc, Fact


@dataclass(frozen=True)
class Check:
    concept: str
    tag: str
    role: str
    reported: Decimal
    computed: Decimal
    agrees: bool


def check(answers: dict[str, Fact], facts: tuple[Fact, ...], arcs: tuple[CalculationArc, ...]) -> list[Check]:
    """One check per (answer, calculation role) whose children are all reported for the answer's period."""
    children: dict[tuple[str, str], list[CalculationArc]] = defaultdict(list)
    for arc in arcs:
        children[(arc.parent, arc.role)].append(arc)
    checks = []
    for concept, fact in answers.items():
        tag = str(fact.concept)
        same_period = {str(f.concept): f for f in facts
                       if not f.dimensions and f.unit == fact.unit and f.numeric is not None
                       and (f.period_type, f.start_date, f.end_date) == (fact.period_type, fact.start_date, fact.end_date)}
        for (parent, role), items in sorted(children.items()):
            if parent != tag or not all(arc.child in same_period for arc in items):
                continue
            terms = [same_period[arc.child] for arc in items]
            computed = sum((arc.weight * term.numeric for arc, term in zip(items, terms)), Decimal(0))
            checks.append(Check(concept, tag, role, fact.numeric, computed,
                                abs(computed - fact.numeric) <= _tolerance([fact, *terms])))
    return checks


def _tolerance(facts: list[Fact]) -> Decimal:
    """Half a unit of the least precise decimals, per term (rounding can add up)."""
    finite = [f.decimals for f in facts if f.decimals not in (None, INF)]
    if not finite:
        return Decimal(0)
    return Decimal(len(facts)) * Decimal("0.5") * Decimal(10) ** -min(finite)
