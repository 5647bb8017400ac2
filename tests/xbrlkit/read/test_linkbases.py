"""Calculation arcs come with the filing: the fast reader reads the linkbases beside the instance when asked, Arelle
its DTS."""
from __future__ import annotations

import shutil
from pathlib import Path

import xbrlkit
from xbrlkit.read.linkbases import calculation_arcs


def _arcs(filing: xbrlkit.Filing) -> set[tuple]:
    return {(arc.parent, arc.child, arc.weight, arc.role) for arc in filing.calculations}


def test_fast_and_arelle_readers_give_the_same_arcs(filings: Path, taxonomy_cache: Path):
    fast = xbrlkit.load(filings / "AAPL_10-K_FY2023", calculations=True)
    arelle = xbrlkit.load(filings / "AAPL_10-K_FY2023", "arelle", taxonomy_cache=taxonomy_cache)
    assert len(fast.calculations) == 215 and _arcs(fast) == _arcs(arelle)
    assert xbrlkit.load(filings / "AAPL_10-K_FY2023").calculations == (), "read only when asked"
    assert ("us-gaap:GrossProfit", "us-gaap:CostOfGoodsAndServicesSold") in {(a, b) for a, b, _, _ in _arcs(fast)}


def test_a_broken_linkbase_only_means_fewer_arcs(filings: Path, tmp_path: Path):
    folder = tmp_path / "filing"
    shutil.copytree(filings / "AAPL_10-K_FY2023", folder)
    [linkbase] = folder.glob("*_cal.xml")
    instance = xbrlkit.load(folder, calculations=True)
    assert calculation_arcs(Path(instance.path)) == instance.calculations
    linkbase.write_text("<linkbase", encoding="utf-8")
    assert xbrlkit.load(folder, calculations=True).calculations == ()
