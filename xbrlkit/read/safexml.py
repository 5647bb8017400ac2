"""Hardened XML parsing for untrusted filings.

No DTD loading, no entity expansion, no network, libxml2's default size
limits (huge_tree off). A document whose DOCTYPE declares anything (entities,
elements, attributes) is refused: XBRL never needs such declarations, and they
are how XXE and billion-laughs payloads arrive. The check reads the parser's
own view of the document, so it holds wherever the DOCTYPE is and whatever the
encoding.
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
        raise XbrlError(f"cannot read file: {exc.strerror}", path) from None
    if not data.strip():
        raise XbrlError("file is empty", path, hint="expected an XBRL instance or inline XBRL document")
    try:
        tree = etree.ElementTree(etree.fromstring(data, _parser(), base_url=str(path)))
    except etree.XMLSyntaxError as exc:
        if "entit" in exc.msg.lower():  # libxml2 stopped an entity payload (amplification, loop) itself
            raise _refusal(path) from None
        raise XbrlError(f"malformed XML: {exc.msg}", path, exc.lineno or None,
                        hint="the file is truncated or not XML") from None
    except ValueError as exc:  # lxml's answer to some undecodable inputs
        raise XbrlError(f"malformed XML: {exc}", path, hint="the file is truncated or not XML") from None
    dtd = tree.docinfo.internalDTD
    if dtd is not None and (any(True for _ in dtd.iterentities()) or any(True for _ in dtd.iterelements())):
        raise _refusal(path)
    return tree


def _refusal(path: Path) -> XbrlError:
    return XbrlError("document declares a DTD internal subset (entities or elements), which XBRL never needs; "
                     "refusing it", path, hint="the file may be an XXE or entity-expansion payload")
