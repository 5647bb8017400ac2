"""Contexts and units read from `xbrli:context` / `xbrli:unit` XML elements.

Used by the fast reader for plain and inline instances alike (inline XBRL
keeps them in `ix:resources`, in the same xbrli vocabulary).
"""
from __future__ import annotations

from pathlib import Path

from lxml import etree

from xbrlkit.errors import XbrlError
from xbrlkit.model import Context, PeriodType
from xbrlkit.read import periods, units
from xbrlkit.read.namespaces import XBRLDI, XBRLI


def read_context(element: etree._Element, path: Path) -> Context:
    context_id = element.get("id", "")
    where = f"context {context_id!r}"
    period = element.find(f"{{{XBRLI}}}period")
    if period is None:
        raise XbrlError(f"{where} has no period", path, element.sourceline)
    instant = period.findtext(f"{{{XBRLI}}}instant")
    start, end = period.findtext(f"{{{XBRLI}}}startDate"), period.findtext(f"{{{XBRLI}}}endDate")
    if instant is not None:
        period_type: PeriodType = "instant"
        start_date, end_date = None, periods.parse_end(instant, where)
    elif start is not None and end is not None:
        period_type = "duration"
        start_date, end_date = periods.parse_start(start, where), periods.parse_end(end, where)
    elif period.find(f"{{{XBRLI}}}forever") is not None:
        period_type, start_date, end_date = "forever", None, None
    else:
        raise XbrlError(f"{where} has an incomplete period", path, period.sourceline)
    dims = []
    for member in element.iter(f"{{{XBRLDI}}}explicitMember", f"{{{XBRLDI}}}typedMember"):
        axis = member.get("dimension", "").strip()
        if member.tag == f"{{{XBRLDI}}}explicitMember":
            dims.append((axis, (member.text or "").strip()))
        else:
            dims.append((axis, typed_member_text(member)))
    return Context(context_id, period_type, start_date, end_date, tuple(sorted(dims)))


def typed_member_text(member: etree._Element) -> str:
    """A typed dimension member as the text of its value element."""
    return "".join(member.itertext()).strip()


def read_unit(element: etree._Element) -> str:
    divide = element.find(f"{{{XBRLI}}}divide")
    if divide is None:
        return units.normalise(m.text or "" for m in element.findall(f"{{{XBRLI}}}measure"))
    numerator = divide.find(f"{{{XBRLI}}}unitNumerator")
    denominator = divide.find(f"{{{XBRLI}}}unitDenominator")
    return units.normalise(
        (m.text or "" for m in numerator.iter(f"{{{XBRLI}}}measure")) if numerator is not None else (),
        (m.text or "" for m in denominator.iter(f"{{{XBRLI}}}measure")) if denominator is not None else (),
    )
