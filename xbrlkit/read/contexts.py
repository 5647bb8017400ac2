"""Contexts and units read from `xbrli:context` / `xbrli:unit` XML elements.

Used by the fast reader for plain and inline instances alike (inline XBRL
keeps them in `ix:resources`, in the same xbrli vocabulary). A context or unit
that cannot be read, or an id given twice, is an error of the document: every
fact that refers to it would be in doubt.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable, TypeVar

from lxml import etree

from xbrlkit.errors import XbrlError
from xbrlkit.model import Context, PeriodType
from xbrlkit.read import periods, units
from xbrlkit.read.namespaces import XBRLDI, XBRLI

_Item = TypeVar("_Item")


def read_all(root: etree._Element, path: Path) -> tuple[dict[str, Context], dict[str, str]]:
    """The document's contexts and units by id."""
    contexts = _by_id(root.iter(f"{{{XBRLI}}}context"), "context", lambda c: read_context(c, path), path)
    units_by_id = _by_id(root.iter(f"{{{XBRLI}}}unit"), "unit", lambda u: read_unit(u, path), path)
    return contexts, units_by_id


def _by_id(elements, kind: str, read: Callable[[etree._Element], _Item], path: Path) -> dict[str, _Item]:
    found: dict[str, _Item] = {}
    lines: dict[str, int | None] = {}
    for element in elements:
        item_id = element.get("id", "")
        if item_id in found:
            raise XbrlError(f"two {kind}s have the id {item_id!r} (lines {lines[item_id]} and {element.sourceline})",
                            path, element.sourceline, hint=f"a {kind} id must be unique in the document")
        found[item_id], lines[item_id] = read(element), element.sourceline
    return found


def read_context(element: etree._Element, path: Path) -> Context:
    context_id = element.get("id", "")
    where = f"context {context_id!r}"
    period = element.find(f"{{{XBRLI}}}period")
    if period is None:
        raise XbrlError(f"{where} has no period", path, element.sourceline)
    instant = period.findtext(f"{{{XBRLI}}}instant")
    start, end = period.findtext(f"{{{XBRLI}}}startDate"), period.findtext(f"{{{XBRLI}}}endDate")
    try:
        if instant is not None:
            period_type: PeriodType = "instant"
            start_date, end_date = None, periods.calendar_end(periods.parse_end(instant))
        elif start is not None and end is not None:
            period_type = "duration"
            begins, ends = periods.parse_start(start), periods.parse_end(end)
            if ends <= begins:
                raise ValueError(f"endDate {end.strip()} is not after startDate {start.strip()}")
            start_date, end_date = begins.date(), periods.calendar_end(ends)
        elif period.find(f"{{{XBRLI}}}forever") is not None:
            period_type, start_date, end_date = "forever", None, None
        else:
            raise ValueError("incomplete period (needs instant, startDate and endDate, or forever)")
    except ValueError as exc:
        raise XbrlError(f"{where}: {exc}", path, period.sourceline) from None
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


def read_unit(element: etree._Element, path: Path) -> str:
    divide = element.find(f"{{{XBRLI}}}divide")
    if divide is None:
        measures = [m.text or "" for m in element.findall(f"{{{XBRLI}}}measure")]
        if not any(m.strip() for m in measures):
            raise XbrlError(f"unit {element.get('id', '')!r} has no measure", path, element.sourceline)
        return units.normalise(measures)
    parts = [divide.find(f"{{{XBRLI}}}unitNumerator"), divide.find(f"{{{XBRLI}}}unitDenominator")]
    measures = [[m.text or "" for m in part.iter(f"{{{XBRLI}}}measure")] if part is not None else [] for part in parts]
    if not all(any(m.strip() for m in side) for side in measures):
        raise XbrlError(f"unit {element.get('id', '')!r}: xbrli:divide needs a unitNumerator and a unitDenominator, "
                        "each with a measure", path, divide.sourceline)
    return units.normalise(*measures)
