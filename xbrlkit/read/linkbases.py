"""Calculation linkbases beside an instance (`*_cal.xml`): the summation arcs the fast reader gives a `Filing`."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from xbrlkit.errors import XbrlError
from xbrlkit.model import CalculationArc
from xbrlkit.read import safexml
from xbrlkit.read.namespaces import LINK, SUMMATION_ARCROLES, XLINK


def calculation_arcs(instance: Path) -> tuple[CalculationArc, ...]:
    """The summation arcs of every calculation linkbase in the instance's folder, in file order; a linkbase that
    cannot be read only means fewer arcs."""
    arcs = []
    for linkbase in sorted(instance.parent.glob("*_cal.xml")):
        try:
            root = safexml.parse(linkbase).getroot()
        except XbrlError:
            continue
        for link in root.iter(f"{{{LINK}}}calculationLink"):
            concepts = {loc.get(f"{{{XLINK}}}label"): _concept_of(loc.get(f"{{{XLINK}}}href", ""))
                        for loc in link.iter(f"{{{LINK}}}loc")}
            for arc in link.iter(f"{{{LINK}}}calculationArc"):
                if arc.get(f"{{{XLINK}}}arcrole") in SUMMATION_ARCROLES:
                    arcs.append(CalculationArc(concepts.get(arc.get(f"{{{XLINK}}}from"), ""),
                                               concepts.get(arc.get(f"{{{XLINK}}}to"), ""),
                                               Decimal(arc.get("weight", "1")), link.get(f"{{{XLINK}}}role", "")))
    return tuple(arcs)


def _concept_of(href: str) -> str:
    """`us-gaap-2023.xsd#us-gaap_Revenues` -> `us-gaap:Revenues` (the SEC's id convention)."""
    prefix, _, local = href.rpartition("#")[2].partition("_")
    return f"{prefix}:{local}"
