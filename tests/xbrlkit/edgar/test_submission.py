"""Splitting a real EDGAR full-submission file into its documents."""
from __future__ import annotations

from pathlib import Path

import pytest

from xbrlkit.edgar.submission import is_complete, split
from xbrlkit.errors import XbrlError


@pytest.fixture(scope="module")
def apple_8k(shared_edgar: Path) -> bytes:
    return (shared_edgar / "aapl-8k-20191115.txt").read_bytes()


def test_every_document_with_its_type(apple_8k: bytes):
    documents = split(apple_8k, "aapl-8k")
    assert len(documents) == 19  # PUBLIC DOCUMENT COUNT in the header
    by_name = {d.filename: d for d in documents}
    assert [d.type for d in documents[:8]] == ["8-K", "EX-1.1", "EX-4.1", "EX-5.1", "EX-101.SCH", "EX-101.DEF",
                                               "EX-101.LAB", "EX-101.PRE"]
    assert by_name["aapl-20191107.xsd"].description == "XBRL TAXONOMY EXTENSION SCHEMA"


def test_xbrl_and_xml_wrappers_come_off_byte_for_byte(apple_8k: bytes):
    by_name = {d.filename: d for d in split(apple_8k, "aapl-8k")}
    schema = by_name["aapl-20191107.xsd"].body
    assert schema.startswith(b'<?xml version="1.0" encoding="us-ascii"?>\n') and schema.endswith(b"</xsd:schema>")
    assert schema in apple_8k
    extracted = by_name["d828969d8k_htm.xml"]
    assert extracted.type == "XML" and extracted.body.startswith(b"<?xml") and extracted.body.endswith(b"</xbrl>")
    assert by_name["d828969d8k.htm"].body.startswith(b'<?xml version="1.0" encoding="utf-8" ?>\n<html')
    zipped = by_name["0001193125-19-292676-xbrl.zip"].body
    assert zipped.startswith(b"begin 644 0001193125-19-292676-xbrl.zip\n"), "binary files stay uuencoded"


def test_a_cut_file_is_incomplete(apple_8k: bytes):
    assert is_complete(apple_8k)
    cut = apple_8k[: len(apple_8k) // 2]
    assert not is_complete(cut)
    with pytest.raises(XbrlError, match="cut short"):
        split(cut, "aapl-8k")


def test_no_documents_is_an_error():
    with pytest.raises(XbrlError, match="no <DOCUMENT>"):
        split(b"<SEC-DOCUMENT>\n<SEC-HEADER>\n</SEC-HEADER>\n</SEC-DOCUMENT>\n", "empty.txt")
