"""Hundreds of damaged copies of real filings, read as users would: every run ends in exit 0 with its output, or
exit 2 with one error line and no output; never a traceback, never a partial file.

The damage is seeded: truncation, attribute values and fact texts replaced with junk, elements duplicated or
removed, for a plain instance (FIZZ FY2020) and an inline 10-K (IBM FY2024).
"""
from __future__ import annotations

import copy
import json
import random
from pathlib import Path

import pytest
from lxml import etree

from tests.support import run_in_process
from xbrlkit.cli import main

JUNK = ["", "abc", "x", "-", "INF", "1e400", "99999999999", "-3", "ixt:made-up", "ixt-sec:numwordsen", "fifty\u2013one",
        "\u00a0", "c-999", "usd", "1" * 500, "2023-02-30", "0x10", "NaN", "true", "us-gaap:", "a:b:c", "  7  "]
KINDS = ("truncate", "attribute", "text", "duplicate", "remove")


def _mutants(document: Path, count: int, seed: int):
    """(what was done, bytes) for `count` damaged copies of `document`."""
    data = document.read_bytes()
    original = etree.fromstring(data, etree.XMLParser(remove_comments=True))
    chosen = [i for i, e in enumerate(original.iter(etree.Element)) if e.attrib and e is not original]
    rng = random.Random(seed)
    for number in range(count):
        kind = KINDS[number % len(KINDS)]
        if kind == "truncate":
            cut = rng.randrange(len(data))
            yield f"truncated at byte {cut}", data[:cut]
            continue
        root = copy.deepcopy(original)
        index = rng.choice(chosen)
        target = next(e for i, e in enumerate(root.iter(etree.Element)) if i == index)
        path, value = f"element {index} <{etree.QName(target).localname}>", rng.choice(JUNK)
        if kind == "attribute":
            name = rng.choice(sorted(target.attrib))
            target.set(name, value)
            what = f"{path} @{name}={value[:20]!r}"
        elif kind == "text":
            target.text = value
            what = f"{path} text={value[:20]!r}"
        elif kind == "duplicate":
            target.addnext(copy.deepcopy(target))
            what = f"{path} duplicated"
        else:
            target.getparent().remove(target)
            what = f"{path} removed"
        yield what, etree.tostring(root.getroottree(), xml_declaration=True, encoding="utf-8")


def _check(folder: Path, name: str, what: str, data: bytes, *options: str) -> int:
    document, out = folder / name, folder / "facts.jsonl"
    document.write_bytes(data)
    code, stdout, stderr = run_in_process(main, "facts", str(document), "-o", str(out), *options)
    lines = stderr.splitlines()
    if code == 2:
        assert len(lines) == 1 and lines[0].startswith("xbrlkit: error: "), (what, stderr)
        assert not out.exists(), what
    else:
        assert code == 0, (what, stderr)
        assert lines[0].endswith(f"facts -> {out}") and len(lines) <= 2, (what, stderr)
        assert all(json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()), what
        out.unlink()
    assert [p.name for p in folder.iterdir()] == [name], (what, "nothing else written")
    return code


@pytest.mark.parametrize("filing, document, count", [
    ("FIZZ_10-K_FY2020", "fizz20200502_10k_htm.xml", 250),
    ("IBM_10-K_FY2024", "ibm-20241231.htm", 60),
])
def test_damaged_filings_never_end_in_a_traceback(filings: Path, tmp_path: Path, filing: str, document: str,
                                                  count: int):
    codes = [_check(tmp_path, document, what, data) for what, data in _mutants(filings / filing / document, count, 0)]
    assert 0 < codes.count(2) < count, "the damage both breaks documents and leaves readable ones"


def test_damaged_filings_with_arelle(filings: Path, tmp_path: Path, taxonomy_cache: Path):
    source = filings / "FIZZ_10-K_FY2020"
    for name in ("fizz-20200502.xsd", "fizz-20200502_cal.xml", "fizz-20200502_def.xml", "fizz-20200502_lab.xml",
                 "fizz-20200502_pre.xml"):
        if (source / name).exists():
            (tmp_path / name).symlink_to(source / name)
    folder = tmp_path / "doc"
    folder.mkdir()
    for what, data in _mutants(source / "fizz20200502_10k_htm.xml", 30, 1):
        _check(folder, "fizz20200502_10k_htm.xml", what, data, "--reader", "arelle", "--taxonomy-cache",
               str(taxonomy_cache))
