"""Namespace prefixes a document uses but forgot to declare, recovered from its schema.

Some inline documents in circulation (trimmed copies, hand-edited test
fixtures) use `dei:` or the company prefix without declaring them. The
company schema named by `link:schemaRef` still says which namespaces the
filing imports, so a prefix is resolved to the imported namespace whose
path has it as a segment (`dei` -> http://xbrl.sec.gov/dei/2024), or to the
schema's own declarations.
"""
from __future__ import annotations

import re
from pathlib import Path

from lxml import etree

from xbrlkit.errors import XbrlError
from xbrlkit.read import safexml

_LINK = "http://www.xbrl.org/2003/linkbase"
_XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
_XS_IMPORT = "{http://www.w3.org/2001/XMLSchema}import"


def from_schema(root: etree._Element, document: Path) -> dict[str, str]:
    """Prefix -> namespace as far as the local company schema tells; empty if there is none."""
    ref = next(root.iter(f"{{{_LINK}}}schemaRef"), None)
    href = ref.get(_XLINK_HREF) if ref is not None else None
    if not href or "://" in href:
        return {}
    schema_path = document.parent / href
    if not schema_path.is_file():
        return {}
    try:
        schema = safexml.parse(schema_path).getroot()
    except XbrlError:
        return {}
    prefixes = {p: ns for p, ns in schema.nsmap.items() if p}
    for imported in schema.iter(_XS_IMPORT):
        namespace = imported.get("namespace", "")
        for segment in re.split(r"[/:.]", namespace + "/" + imported.get("schemaLocation", "")):
            if segment and not segment.isdigit():
                prefixes.setdefault(segment, namespace)
    return prefixes
