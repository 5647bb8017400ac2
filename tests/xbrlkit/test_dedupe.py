"""Duplicate facts on real filings: consistent ones collapse, inconsistent ones are reported."""
from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import xbrlkit


def test_consistent_duplicates_collapse(filings):
    filing = xbrlkit.load(filings / "AAPL_10-K_FY2023")
    result = xbrlkit.deduplicate(filing.facts)
    assert not result.inconsistent
    assert result.collapsed > 0
    assert len(result.facts) == len(filing.facts) - result.collapsed
    keys = [f.aspect_key() for f in result.facts]
    assert len(keys) == len(set(keys))
    assert {f.aspect_key() for f in filing.facts} == set(keys), "every aspect still answered"


def test_less_precise_duplicate_is_consistent_and_the_precise_one_is_kept(filings):
    filing = xbrlkit.load(filings / "AAPL_10-K_FY2023")
    fact = next(f for f in filing.facts if str(f.concept) == "us-gaap:NetIncomeLoss" and not f.dimensions)
    rounded = replace(fact, numeric=Decimal("97000000000"), value="97000000000", decimals=-9, fact_id="rounded")
    result = xbrlkit.deduplicate([rounded, fact])
    assert result.facts == (fact,) and result.collapsed == 1 and not result.inconsistent


def test_inconsistent_duplicates_are_reported_not_picked(filings):
    filing = xbrlkit.load(filings / "AAPL_10-K_FY2023")
    fact = next(f for f in filing.facts if str(f.concept) == "us-gaap:NetIncomeLoss" and not f.dimensions)
    conflicting = replace(fact, numeric=fact.numeric + 1_000_000, fact_id="conflict", line=(fact.line or 0) + 1)
    result = xbrlkit.deduplicate([*filing.facts, conflicting])
    [group] = result.inconsistent
    assert conflicting in group.facts and fact in group.facts
    assert all(f.aspect_key() != fact.aspect_key() for f in result.facts)
    assert "us-gaap:NetIncomeLoss" in group.describe()


def test_nil_duplicate_yields_to_the_value(filings):
    filing = xbrlkit.load(filings / "AAPL_10-K_FY2023")
    fact = next(f for f in filing.facts if str(f.concept) == "us-gaap:Assets" and not f.dimensions)
    nil = replace(fact, numeric=None, value="", is_nil=True, decimals=None, fact_id="nil")
    assert xbrlkit.deduplicate([nil, fact]).facts == (fact,)
