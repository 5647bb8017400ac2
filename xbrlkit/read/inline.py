"""Inline XBRL specifics: displayed text, continuations, and numeric values.

A broken continuation chain (a `continuedAt` naming nothing, a loop, a
continuation inside the fact it continues or around it) or an
`ix:nonFraction` mixing text with a nested `ix:nonFraction` makes that fact
unreadable (`InvalidFact`): its text would be missing or repeated.
"""
from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from lxml import etree

from xbrlkit import exact
from xbrlkit.read import transforms
from xbrlkit.read.facts import InvalidFact, check_accuracy


def continuations(root: etree._Element, ix: str) -> dict[str, etree._Element]:
    return {c.get("id"): c for c in root.iter(f"{{{ix}}}continuation")}


def displayed_text(element: etree._Element, ix: str, chain: dict[str, etree._Element]) -> str:
    """The text an `ix:` fact shows, without `ix:exclude` parts, following `continuedAt`."""
    if element.tag == f"{{{ix}}}nonFraction":
        element = _innermost_number(element, ix)
    parts: list[str] = []
    visited = [element]
    node = element
    while True:
        parts.extend(_shown_text(ix)(node))
        next_id = node.get("continuedAt")
        if next_id is None:
            return "".join(parts)
        node = chain.get(next_id)
        if node is None:
            raise InvalidFact(f"continuedAt {next_id!r} names no ix:continuation")
        if node in visited:
            raise InvalidFact(f"its continuation chain loops back to {next_id!r}")
        if any(_inside(node, earlier) or _inside(earlier, node) for earlier in visited):
            raise InvalidFact(f"continuation {next_id!r} lies inside or around another part of the same fact, "
                              "whose text it would repeat")
        visited.append(node)


def _inside(node: etree._Element, container: etree._Element) -> bool:
    return any(ancestor is container for ancestor in node.iterancestors())


def _innermost_number(element: etree._Element, ix: str) -> etree._Element:
    """An `ix:nonFraction` holds either its text or exactly one nested `ix:nonFraction`, whose value it shares."""
    nested = element.findall(f"{{{ix}}}nonFraction")
    if not nested:
        return element
    own_text = (element.text or "") + "".join(child.tail or "" for child in element)
    if len(nested) > 1 or len(element) > 1 or own_text.strip():
        raise InvalidFact("an ix:nonFraction holds text or elements beside a nested ix:nonFraction; it may hold one "
                          "or the other")
    return _innermost_number(nested[0], ix)


@lru_cache(maxsize=None)
def _shown_text(ix: str) -> etree.XPath:
    return etree.XPath("descendant::text()[not(ancestor::ix:exclude)]", namespaces={"ix": ix})


def number(element: etree._Element, text: str, scale: int | None, sign: str | None) -> Decimal:
    """The value of an `ix:nonFraction` (its `scale` and `sign` already parsed): format, then scale, then sign, every
    digit kept."""
    check_accuracy(element)
    try:
        value = exact.scaled(transforms.to_decimal(text, element.get("format")), scale or 0)
    except ValueError as exc:
        raise InvalidFact(str(exc)) from None
    return exact.negated(value) if sign else value
