"""Bad input: one clear error line naming the file (and line), exit code 2, no output file."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import xbrlkit
from tests.support import run_xbrlkit

HEADER = """<?xml version="1.0" encoding="utf-8"?>
<xbrl xmlns="http://www.xbrl.org/2003/instance" xmlns:us-gaap="http://fasb.org/us-gaap/2023"
      xmlns:iso4217="http://www.xbrl.org/2003/iso4217">
  <context id="FY"><entity><identifier scheme="http://www.sec.gov/CIK">0000000001</identifier></entity>
    <period><startDate>2023-01-01</startDate><endDate>2023-12-31</endDate></period></context>
  <unit id="usd"><measure>iso4217:USD</measure></unit>
"""
BAD_INSTANCES = {
    "malformed.xml": (HEADER + '  <us-gaap:Revenues contextRef="FY" unitRef="usd" decimals="-6">5</us-gaap:Revenue>\n</xbrl>\n',
                      "malformed XML", 7),
    "unknown_context.xml": (HEADER + '  <us-gaap:Revenues contextRef="FY2099" unitRef="usd" decimals="-6">5</us-gaap:Revenues>\n</xbrl>\n',
                            "unknown context 'FY2099'", 7),
    "unknown_unit.xml": (HEADER + '  <us-gaap:Revenues contextRef="FY" unitRef="eur" decimals="-6">5</us-gaap:Revenues>\n</xbrl>\n',
                         "unknown unit 'eur'", 7),
    "empty.xml": ("", "file is empty", None),
    "xxe.xml": ('<?xml version="1.0"?>\n<!DOCTYPE xbrl [<!ENTITY secret SYSTEM "file:///etc/passwd">]>\n'
                '<xbrl xmlns="http://www.xbrl.org/2003/instance">&secret;</xbrl>\n', "DTD internal subset", None),
    "billion_laughs.xml": ('<?xml version="1.0"?>\n<!DOCTYPE xbrl [\n <!ENTITY a "aaaaaaaaaa">\n'
                           + "".join(f' <!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">\n' for i in range(8))
                           + ']>\n<xbrl xmlns="http://www.xbrl.org/2003/instance">&i;</xbrl>\n', "DTD internal subset", None),
    "not_xbrl.xml": ('<?xml version="1.0"?>\n<html xmlns="http://www.w3.org/1999/xhtml"><body/></html>\n',
                     "not an XBRL instance", 2),
}


@pytest.mark.parametrize("name", sorted(BAD_INSTANCES))
def test_bad_instance(tmp_path: Path, name: str):
    text, message, line = BAD_INSTANCES[name]
    bad = tmp_path / name
    bad.write_text(text, encoding="utf-8")
    out = tmp_path / "facts.parquet"
    result = run_xbrlkit("facts", str(bad), "-o", str(out))
    assert result.returncode == 2
    [error_line] = result.stderr.strip().splitlines()
    assert error_line.startswith("xbrlkit: error: ") and message in error_line
    assert f"{bad}:{line}: " in error_line if line else f"{bad}: " in error_line
    assert result.stdout == "" and not out.exists() and list(tmp_path.iterdir()) == [bad]


def test_directory_without_instance(tmp_path: Path):
    (tmp_path / "notes.txt").write_text("not a filing")
    result = run_xbrlkit("info", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.strip() == (f"xbrlkit: error: {tmp_path}: directory holds no XBRL instance (*.xml) or inline "
                                     "XBRL document (*.htm) (point at a filing folder from `xbrlkit download` or at "
                                     "the instance file itself)")


def test_existing_output_survives_a_failed_run(tmp_path: Path):
    bad = tmp_path / "empty.xml"
    bad.write_text("")
    out = tmp_path / "facts.csv"
    out.write_text("previous good output\n")
    assert run_xbrlkit("facts", str(bad), "-o", str(out)).returncode == 2
    assert out.read_text() == "previous good output\n"


READER_INDEPENDENT = ("malformed.xml", "empty.xml", "xxe.xml", "billion_laughs.xml", "not_xbrl.xml")


@pytest.mark.parametrize("name", READER_INDEPENDENT)
def test_arelle_reader_reports_the_same_bad_files(tmp_path: Path, taxonomy_cache: Path, name: str):
    text, message, line = BAD_INSTANCES[name]
    bad = tmp_path / name
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(xbrlkit.XbrlError, match=message.split(":")[0]) as error:
        xbrlkit.load(bad, "arelle", taxonomy_cache=taxonomy_cache)
    assert (error.value.path, error.value.line) == (str(bad), line)


CORRUPTIONS = {  # first occurrence of the Apple FY2023 text -> replacement, and the expected error
    "unknown context": ('contextRef="c-1" decimals="-6" id="f-69"', 'contextRef="c-999" decimals="-6" id="f-69"',
                        "refers to unknown context 'c-999'"),
    "unknown unit": ('contextRef="c-1" decimals="-6" id="f-69" unitRef="usd"',
                     'contextRef="c-1" decimals="-6" id="f-69" unitRef="gbp"', "refers to unknown unit 'gbp'"),
}


def _corrupt_apple(filings: Path, tmp_path: Path, old: str, new: str) -> tuple[Path, Path, int]:
    """A copy of Apple's FY2023 filing folder with `old` replaced once: (folder, instance, line of the change)."""
    folder = tmp_path / "AAPL"
    shutil.copytree(filings / "AAPL_10-K_FY2023", folder)
    instance = folder / "aapl-20230930_htm.xml"
    text = instance.read_text(encoding="utf-8")
    assert old in text
    instance.write_text(text.replace(old, new, 1), encoding="utf-8")
    return folder, instance, text[: text.index(old)].count("\n") + 1


@pytest.mark.parametrize("reader", ["fast", "arelle"])
@pytest.mark.parametrize("corruption", sorted(CORRUPTIONS))
def test_corrupted_real_filing(filings: Path, tmp_path: Path, taxonomy_cache: Path, reader: str, corruption: str):
    """A fact referring to a context or unit that is not there: both readers fail the document, naming its line."""
    old, new, message = CORRUPTIONS[corruption]
    folder, instance, line = _corrupt_apple(filings, tmp_path, old, new)
    with pytest.raises(xbrlkit.XbrlError) as error:
        xbrlkit.load(folder, reader, taxonomy_cache=taxonomy_cache)
    assert message in str(error.value)
    assert error.value.path == str(instance)
    assert error.value.line == line


@pytest.mark.parametrize("reader", ["fast", "arelle"])
def test_one_unreadable_fact_is_rejected_and_the_rest_kept(filings: Path, tmp_path: Path, taxonomy_cache: Path,
                                                           reader: str):
    clean = xbrlkit.load(filings / "AAPL_10-K_FY2023", reader, taxonomy_cache=taxonomy_cache)
    folder, instance, line = _corrupt_apple(filings, tmp_path, ">96995000000<", ">96,995 million<")
    filing = xbrlkit.load(folder, reader, taxonomy_cache=taxonomy_cache)
    [rejected] = filing.rejected
    assert (rejected.concept, rejected.line) == ("us-gaap:NetIncomeLoss", line) and "96,995 million" in rejected.reason
    assert len(filing.facts) == len(clean.facts) - 1
    with pytest.raises(xbrlkit.XbrlError, match="us-gaap:NetIncomeLoss|NetIncomeLoss") as error:
        xbrlkit.load(folder, reader, taxonomy_cache=taxonomy_cache, strict=True)
    assert (error.value.path, error.value.line) == (str(instance), line)


def test_missing_taxonomy_cache_is_reported(filings: Path, tmp_path: Path):
    result = run_xbrlkit("info", str(filings / "AAPL_10-K_FY2023"), "--reader", "arelle",
                     "--taxonomy-cache", str(tmp_path / "nowhere"))
    assert result.returncode == 2
    assert "taxonomy cache folder not found" in result.stderr and len(result.stderr.strip().splitlines()) == 1
