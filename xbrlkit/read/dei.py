"""Filing metadata from the dei (Document and Entity Information) facts."""
from __future__ import annotations

import datetime as dt
import re
from typing import Iterable

from xbrlkit.model import DocumentInfo, Fact

_US_GAAP = re.compile(r"^http://fasb\.org/us-gaap/(\d{4})")
_DATE_FORMATS = ("%Y-%m-%d", "%B %d, %Y", "%b %d, %Y", "%b. %d, %Y", "%B %d %Y", "%m/%d/%Y")


def document_info(facts: Iterable[Fact]) -> DocumentInfo:
    dei: dict[str, str] = {}
    undimensioned: set[str] = set()
    us_gaap_year = None
    for fact in facts:
        match = _US_GAAP.match(fact.concept.namespace)
        if match and us_gaap_year is None:
            us_gaap_year = int(match.group(1))
        if fact.concept.prefix != "dei" or fact.is_nil:
            continue
        name = fact.concept.local_name
        # The undimensioned fact wins; among dimensioned ones (one per share class), the first.
        if name not in undimensioned and (not fact.dimensions or name not in dei):
            dei[name] = " ".join(fact.value.split())
            if not fact.dimensions:
                undimensioned.add(name)
    cik = dei.get("EntityCentralIndexKey")
    year = dei.get("DocumentFiscalYearFocus")
    return DocumentInfo(
        entity_name=dei.get("EntityRegistrantName"),
        cik=cik.zfill(10) if cik and cik.isdigit() else cik,
        ticker=dei.get("TradingSymbol"),
        form_type=dei.get("DocumentType"),
        fiscal_year_focus=int(year) if year and year.isdigit() else None,
        fiscal_period_focus=dei.get("DocumentFiscalPeriodFocus"),
        period_end_date=_date(dei.get("DocumentPeriodEndDate")),
        us_gaap_year=us_gaap_year,
    )


def _date(text: str | None) -> dt.date | None:
    """An ISO date, or an inline document's displayed date ("September 28, 2024")."""
    if not text:
        return None
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text.replace("Sept.", "Sep."), fmt).date()
        except ValueError:
            continue
    return None
