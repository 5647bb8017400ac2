"""Hardened XML parsing for untrusted filings.

No DTD loading, no entity expansion, no network, libxml2's default size
limits (huge_tree off). A document whose DOCTYPE has an internal subset is
refused before parsing: XBRL never needs entity declarations, and they are
how XXE and billion-laughs payloads arrive.
"""
from __future__ import annotations

import re
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


def read_untrusted(path: Path) -> bytes:
    """The file's bytes, refused if empty or if it declares entities (the checks that need no parse)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise XbrlError(f"cannot read file: {exc.strerror}", path) from exc
    if not data.strip():
        raise XbrlError("file is empty", path, hint="expected an XBRL instance or inline XBRL document")
    if _declares_entities(data):
        raise XbrlError("document declares a DTD internal subset (entities), which XBRL never needs; refusing it",
                        path, data[: data.find(b"<!DOCTYPE")].count(b"\n") + 1,
                        hint="the file may be an XXE or entity-expansion payload")
    return data


def parse(path: Path) -> etree._ElementTree:
    """Parse `path` safely; raise XbrlError naming the file and line on any problem."""
    data = read_untrusted(path)
    try:
        tree = etree.ElementTree(etree.fromstring(data, _parser(), base_url=str(path)))
    except etree.XMLSyntaxError as exc:
        line = exc.lineno or None
        raise XbrlError(f"malformed XML: {exc.msg}", path, line, hint="the file is truncated or not XML") from exc
    return tree


_PROLOG_DOCTYPE = re.compile(rb"^(?:\xef\xbb\xbf)?(?:\s|<\?.*?\?>|<!--.*?-->)*<!DOCTYPE[^\[>]*\[", re.S)


def _declares_entities(data: bytes) -> bool:
    """True when the prolog has a DOCTYPE with an internal subset (where entities are declared)."""
    return _PROLOG_DOCTYPE.match(data[:65536]) is not None
