"""Building `Fact` records: the parts both readers share, and what makes one fact unreadable.

A problem of one fact (a value its type cannot hold, a bad `decimals`, `scale`
or `sign`) raises `InvalidFact`: the reader rejects that fact, with the reason,
and keeps the rest of the document. Problems of the document itself (malformed
XML, a context or unit that cannot be read or is not there) are `XbrlError`s.
"""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Mapping

from lxml import etree

from xbrlkit import exact
from xbrlkit.model import INF, Context, Decimals, Fact, QName
from xbrlkit.read import transforms
from xbrlkit.read.namespaces import XSI_NIL

STRICT_HINT = "without --strict the fact is rejected and the rest of the document kept"
_XML_SPACE = " \t\r\n"
_XS_INTEGER = re.compile(r"[+-]?\d+")


class InvalidFact(Exception):
    """One fact cannot be given a value; `str()` says why."""


def parse_decimals(text: str | None) -> Decimals:
    """The `decimals` attribute: an int, INF, or None when absent."""
    if text is None:
        return None
    value = text.strip(_XML_SPACE)
    if value == INF:
        return INF
    if not _XS_INTEGER.fullmatch(value):
        raise InvalidFact(f"decimals {value[:40]!r} is not an integer or INF")
    return int(value)


def parse_scale(text: str | None) -> int | None:
    """The inline `scale` attribute (an xs:integer), or None when absent."""
    if text is None:
        return None
    value = text.strip(_XML_SPACE)
    if not _XS_INTEGER.fullmatch(value):
        raise InvalidFact(f"scale {value[:40]!r} is not an integer")
    return int(value)


def parse_sign(text: str | None) -> str | None:
    """The inline `sign` attribute: "-" or absent."""
    if text is not None and text != "-":
        raise InvalidFact(f"sign {text[:40]!r} is not '-', the only sign inline XBRL allows")
    return text


def check_accuracy(element: etree._Element) -> None:
    """XBRL 2.1 allows `precision` or `decimals` on a numeric fact, not both."""
    if element.get("precision") is not None and element.get("decimals") is not None:
        raise InvalidFact("has both precision and decimals; XBRL allows only one")


def parse_number(text: str) -> Decimal:
    """The xs:decimal value of a numeric fact in a plain instance, every digit kept."""
    try:
        number = transforms.to_decimal(text, None)
    except ValueError as exc:
        raise InvalidFact(f"{str(exc)[:200]} (the fast reader reads no taxonomy: a float or double concept needs "
                          "--reader arelle)") from None
    try:
        return exact.within_limit(number)
    except ValueError as exc:
        raise InvalidFact(str(exc)) from None


def qname(prefixed: str, element: etree._Element, undeclared: Mapping[str, str] = {}) -> QName:
    """Resolve a `prefix:local` name in scope at `element` (`undeclared`: fallback prefixes)."""
    prefix, _, local = prefixed.strip().rpartition(":")
    namespace = element.nsmap.get(prefix or None) or undeclared.get(prefix)
    if namespace is None or not local:
        raise InvalidFact(f"name {prefixed[:60]!r} has an undeclared namespace prefix or no local name")
    return QName(prefix, namespace, local)


def is_nil(element: etree._Element) -> bool:
    return element.get(XSI_NIL, "false").strip() in ("true", "1")


def make_fact(concept: QName, context: Context, *, value: str, numeric: Decimal | None, decimals: Decimals,
              unit: str | None, fact_id: str | None, is_nil: bool, line: int | None,
              scale: int | None = None, sign: str | None = None) -> Fact:
    """A `Fact` with its period and dimensions taken from `context` and its number written canonically."""
    return Fact(
        concept=concept, value=value, numeric=exact.canonical(numeric) if numeric is not None else None,
        decimals=decimals, unit=unit, period_type=context.period_type, start_date=context.start_date,
        end_date=context.end_date, dimensions=context.dimensions, context_id=context.id, fact_id=fact_id,
        is_nil=is_nil, scale=scale, sign=sign, line=line,
    )
