"""The DTD refusal holds wherever the DOCTYPE is and in any encoding; a bare DOCTYPE (no declarations) is read."""
from __future__ import annotations

from pathlib import Path

import pytest

from xbrlkit.errors import XbrlError
from xbrlkit.read import safexml

ENTITY_DOC = '<?xml version="1.0" encoding="{encoding}"?>{padding}<!DOCTYPE r [<!ENTITY e "boom">]><r>&e;</r>'


@pytest.mark.parametrize("encoding, padding", [
    ("UTF-8", ""),
    ("UTF-8", "<!-- " + "x" * 70_000 + " -->"),  # past any fixed-size look at the file's head
    ("UTF-16", ""),
    ("UTF-16", "\n" * 40_000),
])
def test_an_internal_subset_is_refused(tmp_path: Path, encoding: str, padding: str):
    doc = tmp_path / "doc.xml"
    doc.write_bytes(ENTITY_DOC.format(encoding=encoding, padding=padding).encode(encoding.lower()))
    with pytest.raises(XbrlError, match="DTD internal subset") as error:
        safexml.parse(doc)
    assert error.value.path == str(doc)


def test_a_doctype_without_declarations_is_read(tmp_path: Path):
    doc = tmp_path / "doc.xml"
    doc.write_text('<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
                   '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd"><html><body>ok</body></html>')
    assert safexml.parse(doc).getroot().findtext("body") == "ok"


def test_undecodable_bytes_are_malformed_xml(tmp_path: Path):
    doc = tmp_path / "doc.xml"
    doc.write_bytes(b'<?xml version="1.0" encoding="UTF-8"?><r>\xff\xfe</r>')
    with pytest.raises(XbrlError, match="malformed XML"):
        safexml.parse(doc)
