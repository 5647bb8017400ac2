"""Hardened XML parsing for untrusted filings.

No DTD loading, no entity expansion, no network, libxml2's default size
limits (huge_tree off). A document with a DTD internal subset is refused
after parsing: XBRL never needs entity declarations, and they are how XXE and
billion-laughs payloads arrive.
"""
from __future__ import annotations

from pathlib import Path

from lxml import etree

from xbrlkit.errors import XbrlError


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        load_dtd=False,
        no_network=True,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def parse(path: Path) -> etree._ElementTree:
    """Parse `path` safely; raise XbrlError naming the file and line on any problem."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise XbrlError(f"cannot read file: {exc.strerror}", path) from exc
    if not data.strip():
        raise XbrlError("file is empty", path, hint="expected an XBRL instance or inline XBRL document")
    try:
        tree = etree.ElementTree(etree.fromstring(data, _parser(), base_url=str(path)))
    except etree.XMLSyntaxError as exc:
        line = exc.lineno or None
        raise XbrlError(f"malformed XML: {exc.msg}", path, line, hint="the file is truncated or not XML") from exc
    if tree.docinfo.internalDTD is not None:
        raise XbrlError("document declares a DTD internal subset (entities), which XBRL never needs; refusing it",
                        path, 1, hint="the file may be an XXE or entity-expansion payload")
    return tree
