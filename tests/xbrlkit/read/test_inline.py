"""Inline facts: a bad scale, sign or format, a broken continuation chain or a mixed nonFraction costs that fact only
(or, with strict, fails the document)."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

import xbrlkit
from tests.xbrlkit.read.documents import GOOD_INLINE_FACT, inline


def _fact(attributes: str, text: str = "5", name: str = "us-gaap:Liabilities") -> str:
    return f'<ix:nonFraction name="{name}" contextRef="FY" unitRef="usd" {attributes}>{text}</ix:nonFraction>'


def _text(name: str, body: str, continued_at: str | None = None) -> str:
    link = f' continuedAt="{continued_at}"' if continued_at else ""
    return f'<ix:nonNumeric name="{name}" contextRef="FY"{link}>{body}</ix:nonNumeric>'


def _continuation(cid: str, body: str, continued_at: str | None = None) -> str:
    link = f' continuedAt="{continued_at}"' if continued_at else ""
    return f'<ix:continuation id="{cid}"{link}>{body}</ix:continuation>'


REJECTED = {  # case -> the fact's XHTML (its concept us-gaap:Liabilities or us-gaap:Policy), part of the reason
    "scale": (_fact('decimals="-6" scale="abc"'), "scale 'abc' is not an integer"),
    "sign": (_fact('decimals="-6" sign="x"'), "sign 'x' is not '-'"),
    "format": (_fact('decimals="-6" format="ixt:made-up"'), "ixt:made-up"),
    "words": (_fact('decimals="INF" format="ixt-sec:numwordsen"', "fifty\u00a0"), "fifty"),
    "decimals": (_fact('decimals="many"'), "decimals 'many' is not an integer or INF"),
    "precision and decimals": (_fact('decimals="-6" precision="4"'), "both precision and decimals"),
    "text beside a nested fact": (_fact('decimals="0"', "1" + _fact('decimals="0"', "250", "us-gaap:Assets")),
                                  "beside a nested ix:nonFraction"),
    "continuedAt to nothing": (_text("us-gaap:Policy", "PART-ONE.", "nowhere"), "continuedAt 'nowhere' names no ix:continuation"),
    "continuation loop": (_text("us-gaap:Policy", "PART-ONE.", "a") + _continuation("a", "PART-TWO.", "b")
                          + _continuation("b", "PART-THREE.", "a"), "loops back to 'a'"),
    "continuation holds its fact": (_continuation("a", _text("us-gaap:Policy", "PART-ONE.", "a") + "PART-TWO."),
                                    "inside or around"),
    "fact holds its continuation": (_text("us-gaap:Policy", "PART-ONE." + _continuation("a", "PART-TWO."), "a"),
                                    "inside or around"),
}


@pytest.mark.parametrize("case", sorted(REJECTED))
def test_one_bad_fact_is_rejected_with_its_reason_and_the_rest_kept(tmp_path: Path, case: str):
    bad, reason = REJECTED[case]
    doc = inline(tmp_path / "doc.htm", f"<p>{GOOD_INLINE_FACT}</p>\n<p>{bad}</p>")
    filing = xbrlkit.load(doc)
    assert [(str(f.concept), f.numeric) for f in filing.facts if str(f.concept) == "us-gaap:Revenues"] == [
        ("us-gaap:Revenues", Decimal(5000000))]
    [rejected] = filing.rejected
    assert rejected.concept in ("us-gaap:Liabilities", "us-gaap:Policy") and rejected.line == 4
    assert reason in rejected.reason
    with pytest.raises(xbrlkit.XbrlError, match=f"fact {rejected.concept}: ") as error:
        xbrlkit.load(doc, strict=True)
    assert (error.value.path, error.value.line) == (str(doc), 4)


def test_a_nested_nonfraction_alone_gives_its_value(tmp_path: Path):
    doc = inline(tmp_path / "doc.htm", "<p>" + _fact('decimals="0"', _fact('decimals="0"', "250", "us-gaap:Assets"))
                 + "</p>")
    assert sorted((str(f.concept), f.numeric) for f in xbrlkit.load(doc).facts) == [
        ("us-gaap:Assets", Decimal(250)), ("us-gaap:Liabilities", Decimal(250))]


def test_a_dash_between_tens_and_units_is_fifty_one(tmp_path: Path):
    doc = inline(tmp_path / "doc.htm", "<p>" + _fact('decimals="INF" format="ixt-sec:numwordsen"', "fifty\u2013one")
                 + "</p>")
    [fact] = xbrlkit.load(doc).facts
    assert fact.numeric == 51 and not xbrlkit.load(doc).rejected


def test_a_good_chain_reads_each_part_once(tmp_path: Path):
    doc = inline(tmp_path / "doc.htm", "<div>" + _text("us-gaap:Policy", "PART-ONE.", "a") + "</div><div>"
                 + _continuation("a", "PART-TWO.") + "</div>")
    [fact] = xbrlkit.load(doc).facts
    assert fact.value == "PART-ONE.PART-TWO."


def test_a_large_scale_is_applied_exactly(tmp_path: Path):
    doc = inline(tmp_path / "doc.htm", "<p>" + _fact('decimals="INF" scale="200"', "1250") + "</p>")
    [fact] = xbrlkit.load(doc).facts
    assert fact.numeric == Decimal(1250) * 10**200 and format(fact.numeric, "f") == "1250" + "0" * 200
