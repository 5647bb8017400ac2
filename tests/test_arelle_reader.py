"""The Arelle reader against the fast reader, on every shared filing Arelle can load offline."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

import xbrlkit
from xbrlkit.locate import instance_path
from conftest import ARELLE_LOADABLE, context_ref_count


def _arelle(path, taxonomy_cache):
    return xbrlkit.load(path, "arelle", taxonomy_cache=taxonomy_cache)


def _numeric_us_gaap(filing):
    return sorted([(f.concept, f.period_type, f.start_date, f.end_date, f.dimensions, f.unit, f.decimals, f.numeric)
                   for f in filing.facts if f.concept.prefix == "us-gaap" and f.is_numeric and not f.is_nil], key=repr)


@pytest.mark.parametrize("folder", ARELLE_LOADABLE)
def test_readers_agree_and_arelle_loses_no_fact(filings, taxonomy_cache, folder):
    reference = _arelle(filings / folder, taxonomy_cache)
    fast = xbrlkit.load(filings / folder)
    assert len(reference.facts) == context_ref_count(instance_path(filings / folder))
    assert not reference.rejected
    assert _numeric_us_gaap(reference) == _numeric_us_gaap(fast)
    assert reference.facts == fast.facts, "the whole table, text facts and metadata included"
    assert (reference.cik, reference.fiscal_year_focus, reference.period_end_date) == (
        fast.cik, fast.fiscal_year_focus, fast.period_end_date)


def test_inline_differences_are_arelles_missing_sec_transforms(filings, taxonomy_cache):
    """On the inline document Arelle rejects exactly the facts that use ixt-sec number words."""
    document = filings / "AEON_10-Q_2023Q3_inline" / "aeon-20230930x10q.htm"
    reference = _arelle(document, taxonomy_cache)
    fast = xbrlkit.load(document)
    assert len(reference.facts) + len(reference.rejected) == context_ref_count(document)
    assert reference.rejected and all("ixt-sec:numwordsen" in r.reason for r in reference.rejected)
    kept_ids = {f.fact_id for f in reference.facts}
    only_fast = [f for f in fast.facts if f.fact_id not in kept_ids]
    assert len(only_fast) == len(reference.rejected)
    assert all(f.is_numeric and f.numeric is not None for f in only_fast), "the fast reader reads number words"
    assert [f for f in fast.facts if f.fact_id in kept_ids and f.is_numeric] == [
        f for f in reference.facts if f.is_numeric]


def test_known_values_through_arelle(filings, taxonomy_cache):
    filing = _arelle(filings / "AAPL_10-K_FY2023", taxonomy_cache)
    facts = [f for f in xbrlkit.deduplicate(filing.facts).facts
             if str(f.concept) == "us-gaap:NetIncomeLoss" and not f.dimensions and f.end_date == dt.date(2023, 9, 30)]
    [fact] = facts
    assert (fact.numeric, fact.decimals, fact.unit, fact.start_date) == (
        Decimal("96995000000"), -6, "USD", dt.date(2022, 9, 25))


def test_dts_labels_period_types_and_calculations(filings, taxonomy_cache):
    filing = _arelle(filings / "AAPL_10-K_FY2023", taxonomy_cache)
    dts = filing.dts
    assert dts.labels["us-gaap:NetIncomeLoss"] == "Net Income (Loss)"
    assert dts.period_types["us-gaap:Assets"] == "instant"
    assert dts.period_types["us-gaap:NetIncomeLoss"] == "duration"
    arcs = {(a.parent, a.child): a.weight for a in dts.calculations}
    assert arcs[("us-gaap:OperatingIncomeLoss", "us-gaap:GrossProfit")] == Decimal(1)
    assert arcs[("us-gaap:OperatingIncomeLoss", "us-gaap:OperatingExpenses")] == Decimal(-1)
    assert xbrlkit.load(filings / "AAPL_10-K_FY2023").dts is None, "the fast reader has no DTS"


@pytest.mark.parametrize("folder, missing", [("AAPL_10-K_FY2019_noxsd", "aapl-20190928.xsd"),
                                             ("MSFT_10-K_FY2015", "us-gaap-2015"),
                                             ("IBM_10-K_FY2024", "2024")])
def test_unloadable_dts_is_a_clear_error(filings, taxonomy_cache, folder, missing):
    with pytest.raises(xbrlkit.XbrlError, match="Arelle could not load the filing") as error:
        _arelle(filings / folder, taxonomy_cache)
    assert missing in str(error.value) and folder in str(error.value)
