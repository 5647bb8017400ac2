"""Building `Fact` records: the parts both readers share."""
from __future__ import annotations

import decimal
from decimal import Decimal
from pathlib import Path
from typing import Mapping

from lxml import etree

from xbrlkit.errors import XbrlError
from xbrlkit.model import INF, Context, Decimals, Fact, QName
from xbrlkit.read.namespaces import XSI_NIL

_EXACT = decimal.Context(prec=200, rounding=decimal.ROUND_HALF_EVEN)


def canonical(number: Decimal) -> Decimal:
    """Write a value without a positive exponent (96995E+6 -> 96995000000); same number."""
    if number.is_finite() and number.as_tuple().exponent > 0:
        return number.quantize(Decimal(1), context=_EXACT)
    return number


def scaled(number: Decimal, scale: int) -> Decimal:
    """`number` x 10**scale, exactly (inline XBRL `scale`)."""
    return canonical(number.scaleb(scale, context=_EXACT))


def parse_decimals(text: str | None, path: Path, line: int | None) -> Decimals:
    """The `decimals` attribute: an int, INF, or None when absent."""
    if text is None:
        return None
    value = text.strip()
    if value == INF:
        return INF
    try:
        return int(value)
    except ValueError:
        raise XbrlError(f"invalid decimals attribute {value!r}", path, line, hint="must be an integer or INF") from None


def int_or_none(text: str | None) -> int | None:
    return int(text) if text is not None else None


def parse_number(text: str, concept: str, path: Path, line: int | None) -> Decimal:
    """The xs:decimal value of a numeric fact in a plain instance."""
    try:
        return Decimal(text.strip())
    except ArithmeticError:
        raise XbrlError(f"numeric fact {concept} has non-numeric value {text.strip()[:40]!r}", path, line,
                        hint="fix the value or the concept's unitRef") from None


def qname(prefixed: str, element: etree._Element, path: Path, undeclared: Mapping[str, str] = {}) -> QName:
    """Resolve a `prefix:local` name in scope at `element` (`undeclared`: fallback prefixes)."""
    prefix, _, local = prefixed.strip().rpartition(":")
    namespace = element.nsmap.get(prefix or None) or undeclared.get(prefix)
    if namespace is None:
        raise XbrlError(f"undeclared namespace prefix in {prefixed!r}", path, element.sourceline)
    return QName(prefix, namespace, local)


def is_nil(element: etree._Element) -> bool:
    return element.get(XSI_NIL, "false").strip() in ("true", "1")


def make_fact(concept: QName, context: Context, *, value: str, numeric: Decimal | None, decimals: Decimals,
              unit: str | None, fact_id: str | None, is_nil: bool, line: int | None,
              scale: int | None = None, sign: str | None = None) -> Fact:
    """A `Fact` with its period and dimensions taken from `context` and its number written canonically."""
    return Fact(
        concept=concept, value=value, numeric=canonical(numeric) if numeric is not None else None,
        decimals=decimals, unit=unit, period_type=context.period_type, start_date=context.start_date,
        end_date=context.end_date, dimensions=context.dimensions, context_id=context.id, fact_id=fact_id,
        is_nil=is_nil, scale=scale, sign=sign, line=line,
    )
