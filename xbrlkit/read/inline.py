"""Inline XBRL specifics: displayed text, continuations, and numeric values."""
from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from lxml import etree

from xbrlkit.errors import XbrlError
from xbrlkit.read import transforms
from xbrlkit.read.facts import scaled


def continuations(root: etree._Element, ix: str) -> dict[str, etree._Element]:
    return {c.get("id"): c for c in root.iter(f"{{{ix}}}continuation")}


def displayed_text(element: etree._Element, ix: str, chain: dict[str, etree._Element]) -> str:
    """The text an `ix:` fact shows, without `ix:exclude` parts, following `continuedAt`."""
    parts: list[str] = []
    seen: set[str] = set()
    node: etree._Element | None = element
    while node is not None:
        parts.extend(_shown_text(ix)(node))
        next_id = node.get("continuedAt")
        if next_id is None or next_id in seen:
            break
        seen.add(next_id)
        node = chain.get(next_id)
    return "".join(parts)


@lru_cache(maxsize=None)
def _shown_text(ix: str) -> etree.XPath:
    return etree.XPath("descendant::text()[not(ancestor::ix:exclude)]", namespaces={"ix": ix})


def number(element: etree._Element, text: str, path: Path) -> Decimal:
    """The value of an `ix:nonFraction`: format, then scale, then sign."""
    try:
        value = transforms.to_decimal(text, element.get("format"))
    except ValueError as exc:
        raise XbrlError(f"inline fact {element.get('name')}: {exc}", path, element.sourceline) from None
    value = scaled(value, int(element.get("scale") or 0))
    return -value if element.get("sign") == "-" else value
