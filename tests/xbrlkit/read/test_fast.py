"""The fast (lxml) reader on the real shared filings."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

import xbrlkit
from tests.support import context_ref_count
from tests.xbrlkit.read.documents import GOOD_FACT, instance
from xbrlkit.read.locate import instance_path

FOLDERS = ("AAPL_10-K_FY2019_noxsd", "AAPL_10-K_FY2020_noxsd", "AAPL_10-K_FY2022", "AAPL_10-K_FY2023",
           "AAPL_10-Q_2023Q3", "AEON_10-Q_2023Q3_inline", "AMZN_10-K_FY2022", "BA_10-K_FY2023", "FIZZ_10-K_FY2020",
           "IBM_10-K_FY2024", "ISDR_10-K_FY2019", "KO_10-Q_2023Q2", "MSFT_10-K_FY2015")


def _undimensioned(filing, local_name, **where):
    """Matching facts without dimensions, consistent duplicates collapsed."""
    return [f for f in xbrlkit.deduplicate(filing.facts).facts if f.concept.local_name == local_name and not f.dimensions
            and all(getattr(f, k) == v for k, v in where.items())]


def test_apple_fy2023_net_income(filings):
    filing = xbrlkit.load(filings / "AAPL_10-K_FY2023")
    [fact] = _undimensioned(filing, "NetIncomeLoss", start_date=dt.date(2022, 9, 25))
    assert str(fact.concept) == "us-gaap:NetIncomeLoss"
    assert fact.concept.namespace == "http://fasb.org/us-gaap/2023"
    assert fact.numeric == Decimal("96995000000") and isinstance(fact.numeric, Decimal)
    assert fact.value == "96995000000"
    assert fact.decimals == -6 and fact.unit == "USD"
    assert (fact.period_type, fact.end_date) == ("duration", dt.date(2023, 9, 30))
    assert (filing.entity_name, filing.cik, filing.ticker, filing.form_type) == ("Apple Inc.", "0000320193", "AAPL", "10-K")
    assert (filing.fiscal_year_focus, filing.fiscal_period_focus, filing.period_end_date, filing.us_gaap_year) == (
        2023, "FY", dt.date(2023, 9, 30), 2023)


def test_instant_end_dates_are_calendar_days(filings):
    filing = xbrlkit.load(filings / "AAPL_10-K_FY2023")
    [assets] = _undimensioned(filing, "Assets", end_date=dt.date(2023, 9, 30))
    assert assets.period_type == "instant" and assets.start_date is None
    assert assets.numeric == Decimal("352583000000")


@pytest.mark.parametrize("folder", FOLDERS)
def test_every_fact_is_read(filings, folder):
    filing = xbrlkit.load(filings / folder)
    assert len(filing.facts) == context_ref_count(instance_path(filings / folder)) > 0
    assert not filing.rejected
    assert filing.fiscal_year_focus is not None and filing.form_type in ("10-K", "10-Q")
    numeric = [f for f in filing.facts if f.is_numeric and not f.is_nil]
    assert numeric and all(isinstance(f.numeric, Decimal) for f in numeric)
    assert all(f.numeric is None for f in filing.facts if not f.is_numeric)


def test_typed_dimensions_are_kept(filings):
    filing = xbrlkit.load(filings / "AAPL_10-K_FY2020_noxsd")
    typed = [f for f in filing.facts
             if any(axis.endswith("ExpectedTimingOfSatisfactionStartDateAxis") for axis, _ in f.dimensions)]
    assert typed and all(dt.date.fromisoformat(dict(f.dimensions)[
        "us-gaap:RevenueRemainingPerformanceObligationExpectedTimingOfSatisfactionStartDateAxis"]) for f in typed)


def test_inline_document_matches_its_extracted_instance(filings):
    """The inline AEON 10-Q read directly gives the same facts EDGAR extracted into *_htm.xml."""
    folder = filings / "AEON_10-Q_2023Q3_inline"
    inline = xbrlkit.load(folder / "aeon-20230930x10q.htm")
    extracted = xbrlkit.load(folder / "aeon-20230930x10q_htm.xml")

    def numeric_aspects(filing):
        return sorted([(str(f.concept), f.period_type, f.start_date, f.end_date, f.dimensions, f.unit, f.decimals,
                        f.numeric, f.is_nil) for f in filing.facts if f.is_numeric], key=repr)

    assert len(inline.facts) == len(extracted.facts) == 1132
    assert numeric_aspects(inline) == numeric_aspects(extracted)
    scaled = [f for f in inline.facts if f.scale]
    assert scaled and all(f.numeric is not None or f.is_nil for f in scaled)
    assert any(f.sign == "-" and f.numeric < 0 for f in inline.facts)
    words = [f for f in inline.facts if f.concept.local_name == "NumberOfOperatingSegments"]
    assert words and all(f.numeric == 1 for f in words), "ixt-sec:numwordsen 'one' segment"
    assert (inline.form_type, inline.period_end_date) == ("10-Q", extracted.period_end_date)


def test_full_inline_10k_documents(shared_xbrl):
    documents = sorted((shared_xbrl / "inline").glob("*.htm*"))
    assert len(documents) == 10
    for document in documents:
        filing = xbrlkit.load(document)
        assert len(filing.facts) == context_ref_count(document) and not filing.rejected, document.name
        assert filing.form_type == "10-K" and filing.fiscal_year_focus in (2024, 2025), document.name
        assert filing.ticker, document.name


def test_undeclared_prefixes_resolve_through_the_company_schema(filings):
    """IBM's trimmed inline copy uses dei: without declaring it; the schema's imports name it."""
    filing = xbrlkit.load(filings / "IBM_10-K_FY2024")
    dei = [f for f in filing.facts if f.concept.prefix == "dei"]
    assert dei and {f.concept.namespace for f in dei} == {"http://xbrl.sec.gov/dei/2024"}
    assert (filing.cik, filing.fiscal_year_focus) == ("0000051143", 2024)


NUMBERS = {  # value as filed -> the exact value read, or None when the fact is rejected
    "1" * 400: Decimal("1" * 400),
    "0." + "3" * 350: Decimal("0." + "3" * 350),
    "-12.50": Decimal("-12.50"),
    "1e400": None,  # an exponent is not xs:decimal
    "NaN": None,
    "1" * 1001: None,  # past xbrlkit.exact.MAX_DIGITS: rejected, never rounded
}


@pytest.mark.parametrize("text", sorted(NUMBERS), ids=lambda t: t[:12])
def test_plain_numbers_keep_every_digit_or_are_rejected(tmp_path, text: str):
    doc = instance(tmp_path / "doc.xml", GOOD_FACT + f'\n<us-gaap:Assets contextRef="FY" unitRef="usd" '
                                                     f'decimals="INF">{text}</us-gaap:Assets>')
    filing = xbrlkit.load(doc)
    assets = [f.numeric for f in filing.facts if f.concept.local_name == "Assets"]
    assert assets == ([NUMBERS[text]] if NUMBERS[text] is not None else [])
    assert [r.concept for r in filing.rejected] == ([] if NUMBERS[text] is not None else ["us-gaap:Assets"])
    assert [str(f.concept) for f in filing.facts if f.concept.local_name == "Revenues"] == ["us-gaap:Revenues"]
