"""`--tickers` universes: DJIA, its point-in-time membership, plain lists."""
from __future__ import annotations

import datetime as dt

import pytest

from xbrlkit.edgar.universe import select, universes
from xbrlkit.errors import XbrlError

REFERENCE = ("AAPL AMGN AMZN AXP BA CAT CRM CSCO CVX DIS DOW GS HD HON IBM INTC JNJ JPM KO MCD MMM MRK MSFT NKE PG "
             "TRV UNH V VZ WMT").split()


def test_djia_is_the_reference_benchmark_in_every_year():
    selection = select("DJIA", (2019, 2023))
    assert list(selection) == REFERENCE
    assert set(selection.values()) == {(2019, 2020, 2021, 2022, 2023)}


def test_point_in_time_membership_follows_the_dated_changes():
    djia = universes()["DJIA"]
    for year in range(2015, 2027):
        assert len(djia.members_on(dt.date(year, 12, 31))) == 30, year
    assert {"DD", "XOM", "PFE", "RTX", "WBA"} <= set(djia.members_on(dt.date(2019, 4, 1)))  # DWDP is DD on EDGAR now
    assert "DOW" in djia.members_on(dt.date(2019, 4, 2)) and "DD" not in djia.members_on(dt.date(2019, 4, 2))
    selection = select("DJIA@pit", (2019, 2024))
    assert selection["XOM"] == selection["PFE"] == selection["RTX"] == (2019,)
    assert selection["CRM"] == selection["AMGN"] == selection["HON"] == (2020, 2021, 2022, 2023, 2024)
    assert selection["WBA"] == (2019, 2020, 2021, 2022, 2023)
    assert selection["AMZN"] == selection["NVDA"] == selection["SHW"] == (2024,)
    assert selection["INTC"] == selection["DOW"] == (2019, 2020, 2021, 2022, 2023)
    assert "DD" not in selection


def test_plain_lists_and_mixtures():
    assert select(" aapl, MSFT ,", (2022, 2023)) == {"AAPL": (2022, 2023), "MSFT": (2022, 2023)}
    assert select("AAPL", None) == {"AAPL": ()}
    mixed = select("DJIA@pit,NVDA", (2023, 2023))
    assert mixed["NVDA"] == (2023,) and len(mixed) == 31


@pytest.mark.parametrize("spec, message", [("SP500@pit", "not a universe"), ("", "names no ticker"),
                                           ("DJIA@pitx", "not a universe")])
def test_bad_specs(spec, message):
    with pytest.raises(XbrlError, match=message):
        select(spec, (2023, 2023))


def test_point_in_time_needs_years():
    with pytest.raises(XbrlError, match="needs --years"):
        select("DJIA@pit", None)
