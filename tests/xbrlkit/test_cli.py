"""The `xbrlkit` command line, run as users run it."""
from __future__ import annotations

import json

import pyarrow.parquet as pq

from tests.support import run_in_process, run_xbrlkit
from tests.xbrlkit.read.documents import GOOD_INLINE_FACT, inline, instance
from xbrlkit.cli import main
from xbrlkit.read.facts import STRICT_HINT


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


BAD_SCALE = ('<p><ix:nonFraction name="us-gaap:Liabilities" contextRef="FY" unitRef="usd" decimals="-6" scale="abc">'
             '5</ix:nonFraction></p>')


def test_facts_counts_rejected_facts_on_stderr_and_strict_fails(tmp_path):
    doc = inline(tmp_path / "doc.htm", f"<p>{GOOD_INLINE_FACT}</p>\n{BAD_SCALE}")
    code, out, err = run_in_process(main, "facts", str(doc))
    assert code == 0 and [json.loads(line)["concept"] for line in out.splitlines()] == ["us-gaap:Revenues"]
    [line] = err.splitlines()
    assert line.startswith("1 facts rejected, first: us-gaap:Liabilities (FY) line 4: scale 'abc' is not an integer")
    code, out, err = run_in_process(main, "facts", str(doc), "--strict")
    assert (code, out) == (2, "")
    assert err.splitlines() == [f"xbrlkit: error: {doc}:4: fact us-gaap:Liabilities: scale 'abc' is not an integer "
                                f"({STRICT_HINT})"]


def test_facts_checks_its_output_path_before_reading(tmp_path):
    (tmp_path / "file").write_text("")
    code, out, err = run_in_process(main, "facts", str(tmp_path / "missing-filing"), "-o", str(tmp_path / "file" / "x.csv"))
    assert code == 2 and err.splitlines() == [f"xbrlkit: error: {tmp_path / 'file' / 'x.csv'}: cannot be created: "
                                              f"{tmp_path / 'file'} is a file (choose another output path)"]


def test_info_summarises_what_would_flood_a_terminal(tmp_path):
    duplicates = "\n".join(f'<us-gaap:Revenues contextRef="FY" unitRef="usd" decimals="0">{n}</us-gaap:Revenues>'
                           f'<us-gaap:Assets{n} contextRef="FY" unitRef="usd" decimals="0">{n}</us-gaap:Assets{n}>'
                           f'<us-gaap:Assets{n} contextRef="FY" unitRef="usd" decimals="0">{n + 1}</us-gaap:Assets{n}>'
                           f'<us-gaap:Bad{n} contextRef="FY" unitRef="usd" decimals="0">x</us-gaap:Bad{n}>'
                           for n in range(2000))
    code, out, err = run_in_process(main, "info", str(instance(tmp_path / "doc.xml", duplicates)))
    assert code == 0, err
    assert "2001 inconsistent duplicate groups, 2000 rejected" in " ".join(out.split())
    assert "... and 1996 more inconsistent duplicate groups" in out and "... and 1995 more rejected facts" in out
    assert len(out.splitlines()) < 60 and max(len(line) for line in out.splitlines()) < 1000
