"""The prompt context of a question: the filing's us-gaap facts for the question's period, as text.

Two styles. `finlora` writes each fact as an XML element the way the
instance does (contextRef, unitRef, decimals), like the reference benchmark.
`rich` writes one readable line per fact with its unit, decimals and period,
so a model can apply the decimals attribute. Text blocks are dropped, long
text values cut, and facts are added in concept order until the character
budget is spent; the facts a question is about are always kept.
"""
from __future__ import annotations

from typing import Iterable, Literal
from xml.sax.saxutils import escape, quoteattr

from xbrlkit.model import INF, Fact

Style = Literal["finlora", "rich"]
MAX_TEXT = 200


def render(facts: Iterable[Fact], required: Iterable[Fact], style: Style, max_chars: int) -> str:
    """Render the us-gaap facts of the periods of `required` (undimensioned), within `max_chars`."""
    required = list(required)
    periods = {(f.period_type, f.start_date, f.end_date) for f in required}
    pool = [f for f in facts if f.concept.prefix == "us-gaap" and not f.dimensions and not f.is_nil
            and (f.period_type, f.start_date, f.end_date) in periods
            and not f.concept.local_name.endswith("TextBlock")]
    chosen = {id(f): f for f in required}
    used = sum(len(_line(f, style)) + 1 for f in chosen.values())
    for fact in sorted(pool, key=lambda f: str(f.concept)):
        line = _line(fact, style)
        if id(fact) in chosen or used + len(line) + 1 > max_chars:
            continue
        chosen[id(fact)] = fact
        used += len(line) + 1
    return "\n".join(_line(f, style) for f in sorted(chosen.values(), key=lambda f: (str(f.concept), f.end_date)))


def _value(fact: Fact) -> str:
    if fact.numeric is not None:
        return format(fact.numeric, "f")
    text = " ".join(fact.value.split())
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + "..."


def _line(fact: Fact, style: Style) -> str:
    if style == "finlora":
        attributes = f"contextRef={quoteattr(fact.context_id)}"
        if fact.unit:
            attributes += f" unitRef={quoteattr(fact.unit)}"
        if fact.decimals is not None:
            attributes += f" decimals={quoteattr(str(fact.decimals))}"
        return f"<{fact.concept} {attributes}>{escape(_value(fact))}</{fact.concept}>"
    period = (f"{fact.start_date} to {fact.end_date}" if fact.period_type == "duration"
              else f"as of {fact.end_date}" if fact.period_type == "instant" else "forever")
    parts = [f"{fact.concept}: {_value(fact)}"]
    if fact.unit:
        parts.append(fact.unit)
    if fact.decimals is not None:
        parts.append("(exact)" if fact.decimals == INF else f"(decimals {fact.decimals})")
    return " ".join(parts) + f", {period}"
