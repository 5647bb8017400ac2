"""The fictional sample 10-K shipped in the package (xbrlkit/sample/acme-20231231.xml)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from importlib.resources import as_file, files

import pytest

import xbrlkit

FY2023 = (dt.date(2023, 1, 1), dt.date(2023, 12, 31))
FY2022 = (dt.date(2022, 1, 1), dt.date(2022, 12, 31))
END_2023 = dt.date(2023, 12, 31)
END_2022 = dt.date(2022, 12, 31)


@pytest.fixture(scope="module")
def filing() -> xbrlkit.Filing:
    sample = files("xbrlkit").joinpath("sample/acme-20231231.xml")
    with as_file(sample) as path:
        return xbrlkit.load(path)


def value(filing: xbrlkit.Filing, concept: str, period: tuple[dt.date, dt.date] | dt.date) -> Decimal:
    """The one undimensioned numeric value of a us-gaap concept for a duration or an instant."""
    start, end = period if isinstance(period, tuple) else (None, period)
    matches = [f.numeric for f in filing.facts
               if f.concept.prefix == "us-gaap" and f.concept.local_name == concept and not f.dimensions
               and f.start_date == start and f.end_date == end and f.numeric is not None]
    assert len(matches) == 1, f"{concept} {period}: {matches}"
    return matches[0]


def test_metadata(filing):
    assert filing.reader == "fast"
    assert filing.entity_name == "Acme Widgets, Inc."
    assert filing.ticker == "ACME"
    assert filing.cik == "0009999999"
    assert filing.form_type == "10-K"
    assert filing.fiscal_year_focus == 2023
    assert filing.fiscal_period_focus == "FY"
    assert filing.period_end_date == END_2023
    assert filing.us_gaap_year == 2023


def test_reads_cleanly(filing):
    assert filing.rejected == ()
    us_gaap = [f for f in filing.facts if f.concept.prefix == "us-gaap"]
    assert 30 <= len(us_gaap) <= 50
    deduplicated = xbrlkit.deduplicate(filing.facts)
    assert deduplicated.inconsistent == ()
    assert deduplicated.collapsed == 0


def test_periods_dimensions_units_decimals(filing):
    facts = filing.facts
    assert {f.period_type for f in facts} == {"instant", "duration"}
    dimensional = [f for f in facts if f.dimensions]
    assert len(dimensional) == 1
    assert dimensional[0].dimensions == (("us-gaap:StatementBusinessSegmentsAxis", "acme:WidgetsSegmentMember"),)
    assert {f.unit for f in facts if f.is_numeric} == {"USD", "shares", "USD/shares"}
    decimals = {f.decimals for f in facts}
    assert {-6, -3, xbrlkit.INF} <= decimals
    assert xbrlkit.INF == "INF"


def test_one_nil_fact(filing):
    nil = [f for f in filing.facts if f.is_nil]
    assert len(nil) == 1
    assert nil[0].numeric is None and nil[0].value.strip() == ""


def test_text_fact(filing):
    text = [f for f in filing.facts if f.concept.local_name.endswith("PolicyTextBlock")]
    assert len(text) == 1
    assert text[0].numeric is None and text[0].unit is None and text[0].value.strip()


@pytest.mark.parametrize("year", [FY2023, FY2022], ids=["FY2023", "FY2022"])
def test_income_statement_identities(filing, year):
    revenue = value(filing, "Revenues", year)
    gross_profit = value(filing, "GrossProfit", year)
    assert gross_profit == revenue - value(filing, "CostOfGoodsAndServicesSold", year)
    assert value(filing, "OperatingIncomeLoss", year) == gross_profit - value(filing, "OperatingExpenses", year)


@pytest.mark.parametrize("year", [FY2023, FY2022], ids=["FY2023", "FY2022"])
def test_cash_flow_identity(filing, year):
    activities = sum(value(filing, f"NetCashProvidedByUsedIn{kind}Activities", year)
                     for kind in ("Operating", "Investing", "Financing"))
    change = value(filing, "CashCashEquivalentsRestrictedCashAndRestrictedCashEquivalents"
                           "PeriodIncreaseDecreaseIncludingExchangeRateEffect", year)
    assert change == activities


@pytest.mark.parametrize("date", [END_2023, END_2022], ids=["2023-12-31", "2022-12-31"])
def test_balance_sheet_identity(filing, date):
    assets = value(filing, "Assets", date)
    assert assets == value(filing, "Liabilities", date) + value(filing, "StockholdersEquity", date)


def test_segment_revenue_within_total(filing):
    segment = next(f for f in filing.facts if f.dimensions)
    assert segment.concept.local_name == "Revenues"
    assert (segment.start_date, segment.end_date) == FY2023
    assert 0 < segment.numeric <= value(filing, "Revenues", FY2023)


def test_basic_eps_matches_net_income(filing):
    eps = value(filing, "NetIncomeLoss", FY2023) / value(filing, "WeightedAverageNumberOfSharesOutstandingBasic", FY2023)
    assert eps.quantize(Decimal("0.01")) == value(filing, "EarningsPerShareBasic", FY2023)
