"""The `xbrlkit` command line, run as users run it."""
from __future__ import annotations

import json

import pyarrow.parquet as pq

from tests.support import run_xbrlkit


def test_info_on_a_real_filing(filings):
    result = run_xbrlkit("info", str(filings / "AAPL_10-K_FY2023"))
    assert result.returncode == 0, result.stderr
    for expected in ("Apple Inc.", "0000320193", "10-K", "2023-09-30", "1164 facts", "us-gaap", "USD/shares"):
        assert expected in result.stdout


def test_info_with_arelle(filings, taxonomy_cache):
    result = run_xbrlkit("info", str(filings / "FIZZ_10-K_FY2020"), "--reader", "arelle",
                     "--taxonomy-cache", str(taxonomy_cache))
    assert result.returncode == 0, result.stderr
    assert "reader         arelle" in result.stdout and "681 facts" in result.stdout


def test_default_is_the_bundled_sample():
    result = run_xbrlkit("info")
    assert result.returncode == 0, result.stderr
    assert "Acme Widgets" in result.stdout and "acme-20231231.xml" in result.stdout


def test_facts_to_stdout_and_files(filings, tmp_path):
    folder = filings / "AAPL_10-Q_2023Q3"
    stdout = run_xbrlkit("facts", str(folder))
    assert stdout.returncode == 0
    rows = [json.loads(line) for line in stdout.stdout.splitlines()]
    assert len(rows) == 835
    parquet = tmp_path / "facts.parquet"
    assert run_xbrlkit("facts", str(folder), "-o", str(parquet)).returncode == 0
    assert pq.read_table(parquet).num_rows == 835
    assert [p.name for p in tmp_path.iterdir()] == ["facts.parquet"], "no temp file left behind"


def test_help_explains_the_options():
    result = run_xbrlkit("facts", "--help")
    assert result.returncode == 0
    for option in ("--reader", "--taxonomy-cache", "--taxonomy-package", "--format", "--output"):
        assert option in result.stdout
