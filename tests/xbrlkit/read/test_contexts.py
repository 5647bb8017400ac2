"""A context or unit that cannot be read, or an id given twice, fails the document with its file and line."""
from __future__ import annotations

from pathlib import Path

import pytest

import xbrlkit
from tests.xbrlkit.read.documents import CONTEXT, FY2023, GOOD_FACT, USD, instance

DIVIDE_WITHOUT_DENOMINATOR = ('<xbrli:unit id="usd"><xbrli:divide><xbrli:unitNumerator><xbrli:measure>iso4217:USD'
                              '</xbrli:measure></xbrli:unitNumerator></xbrli:divide></xbrli:unit>')
BAD = {
    "same id twice": ({"contexts": {"FY": FY2023}, "units": USD + USD}, "two units have the id 'usd'"),
    "end before start": ({"contexts": {"FY": "<xbrli:startDate>2023-01-01</xbrli:startDate>"
                                             "<xbrli:endDate>2022-06-30</xbrli:endDate>"}},
                         "context 'FY': endDate 2022-06-30 is not after startDate 2023-01-01"),
    "invalid date": ({"contexts": {"FY": "<xbrli:instant>2023-02-30</xbrli:instant>"}},
                     "context 'FY': invalid period date '2023-02-30'"),
    "incomplete period": ({"contexts": {"FY": "<xbrli:startDate>2023-01-01</xbrli:startDate>"}},
                          "context 'FY': incomplete period"),
    "divide without denominator": ({"units": DIVIDE_WITHOUT_DENOMINATOR}, "xbrli:divide needs a unitNumerator and a"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_context_or_unit_fails_the_document(tmp_path: Path, case: str):
    resources, message = BAD[case]
    doc = instance(tmp_path / "doc.xml", GOOD_FACT, **resources)
    with pytest.raises(xbrlkit.XbrlError) as error:
        xbrlkit.load(doc)
    assert message in error.value.message and error.value.path == str(doc) and error.value.line == 3


def test_two_contexts_with_one_id_name_both_lines(tmp_path: Path):
    doc = tmp_path / "doc.xml"
    instance(doc, GOOD_FACT)
    second = CONTEXT.format(id="FY", period="<xbrli:instant>2023-06-30</xbrli:instant>")
    doc.write_text(doc.read_text().replace("<xbrli:unit", f"\n{second}<xbrli:unit", 1))
    with pytest.raises(xbrlkit.XbrlError, match=r"two contexts have the id 'FY' \(lines 3 and 4\)"):
        xbrlkit.load(doc)


def test_a_one_day_period_is_valid(tmp_path: Path):
    day = "<xbrli:startDate>2023-06-30</xbrli:startDate><xbrli:endDate>2023-06-30</xbrli:endDate>"
    [fact] = xbrlkit.load(instance(tmp_path / "doc.xml", GOOD_FACT, contexts={"FY": day})).facts
    assert fact.start_date == fact.end_date and str(fact.end_date) == "2023-06-30"
