"""The Arelle reader against the fast reader, on every shared filing Arelle can load offline."""
from __future__ import annotations

import datetime as dt
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest

import xbrlkit
from tests.support import ARELLE_LOADABLE, context_ref_count
from xbrlkit.read.locate import instance_path


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


# Fact counts of the shared filings as documented in shared/xbrl/README.md.
DOCUMENTED_FACT_COUNTS = {"AAPL_10-K_FY2023": 1164, "AAPL_10-K_FY2022": 1174, "AAPL_10-Q_2023Q3": 835,
                          "AMZN_10-K_FY2022": 1457, "BA_10-K_FY2023": 2474, "KO_10-Q_2023Q2": 1658,
                          "ISDR_10-K_FY2019": 723, "FIZZ_10-K_FY2020": 681}


@pytest.mark.parametrize("folder", sorted(DOCUMENTED_FACT_COUNTS))
def test_documented_fact_counts(filings, taxonomy_cache, folder):
    assert len(_arelle(filings / folder, taxonomy_cache).facts) == DOCUMENTED_FACT_COUNTS[folder]


def _taxonomy_package(cache: Path, target: Path) -> Path:
    """A taxonomy package zip holding the whole shared cache, with a catalog remapping its URLs."""
    rewrites = []
    with zipfile.ZipFile(target, "w") as package:
        for scheme_host in sorted(p for scheme in cache.iterdir() for p in scheme.iterdir()):
            prefix = f"{scheme_host.parent.name}://{scheme_host.name}/"
            rewrites.append(f'<rewriteURI uriStartString="{prefix}" rewritePrefix="../{scheme_host.parent.name}/'
                            f'{scheme_host.name}/"/>')
            for file in sorted(scheme_host.rglob("*")):
                if file.is_file():
                    package.write(file, f"cache/{file.relative_to(cache)}")
        package.writestr("cache/META-INF/catalog.xml",
                         '<catalog xmlns="urn:oasis:names:tc:entity:xmlns:xml:catalog">' + "".join(rewrites)
                         + "</catalog>")
        package.writestr("cache/META-INF/taxonomyPackage.xml",
                         '<tp:taxonomyPackage xmlns:tp="http://xbrl.org/2016/taxonomy-package" xml:lang="en">'
                         "<tp:identifier>urn:finlora:test-cache</tp:identifier><tp:name>test cache</tp:name>"
                         "<tp:version>1</tp:version></tp:taxonomyPackage>")
    return target


def test_taxonomy_package_zip_replaces_the_cache(filings, taxonomy_cache, tmp_path):
    empty_cache = tmp_path / "empty-cache"
    empty_cache.mkdir()
    with pytest.raises(xbrlkit.XbrlError, match="Arelle could not load the filing"):
        xbrlkit.load(filings / "FIZZ_10-K_FY2020", "arelle", taxonomy_cache=empty_cache)
    package = _taxonomy_package(taxonomy_cache, tmp_path / "cache-package.zip")
    filing = xbrlkit.load(filings / "FIZZ_10-K_FY2020", "arelle", taxonomy_cache=empty_cache,
                          taxonomy_packages=[package])
    assert len(filing.facts) == 681 and filing.dts.calculations


def test_missing_taxonomy_package_is_reported(filings, taxonomy_cache, tmp_path):
    with pytest.raises(xbrlkit.XbrlError, match="taxonomy package not found"):
        xbrlkit.load(filings / "FIZZ_10-K_FY2020", "arelle", taxonomy_cache=taxonomy_cache,
                     taxonomy_packages=[tmp_path / "missing.zip"])
