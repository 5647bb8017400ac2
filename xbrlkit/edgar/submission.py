"""Splitting an EDGAR full-submission file (`<accession>.txt`) into its documents.

The file is SGML: a `<SEC-HEADER>`, then one `<DOCUMENT>` per file, with
`<TYPE>`, `<SEQUENCE>`, `<FILENAME>` and `<DESCRIPTION>` lines and the file
itself in `<TEXT>`, ending with `</SEC-DOCUMENT>`. XBRL files are wrapped once
more, in `<XBRL>` (filed documents) or `<XML>` (EDGAR's own, like the extracted
`*_htm.xml` instance). Every tag sits on its own line, so a document is the
bytes between the line that opens its wrapper and the line that closes it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from xbrlkit.errors import XbrlError

_END = b"</SEC-DOCUMENT>"
_DOCUMENT = re.compile(rb"^<DOCUMENT>\r?\n(.*?)\r?\n</DOCUMENT>\r?$", re.S | re.M)
_FIELD = re.compile(rb"^<(TYPE|FILENAME|DESCRIPTION)>(.*?)\r?$", re.M)
_TEXT = re.compile(rb"^<TEXT>\r?\n(.*?)\r?\n</TEXT>\Z", re.S | re.M)
_WRAPPED = re.compile(rb"\A<(XBRL|XML)>\r?\n(.*?)\r?\n</\1>\s*\Z", re.S)


@dataclass(frozen=True)
class Document:
    type: str
    """EDGAR's document type: the form (`10-K`) for the primary document, `EX-101.SCH`, `XML`, `GRAPHIC`..."""
    filename: str
    description: str
    body: bytes
    """The file as filed, unwrapped; binary files stay uuencoded."""


def is_complete(data: bytes) -> bool:
    """Whether the file runs to its closing `</SEC-DOCUMENT>`, i.e. was not cut short in transit."""
    return data.rstrip().endswith(_END)


def split(data: bytes, source: str) -> tuple[Document, ...]:
    """The documents of a complete full-submission file; `source` names it in errors."""
    if not is_complete(data):
        raise XbrlError("full submission is cut short (no closing </SEC-DOCUMENT>)", source)
    documents = []
    for match in _DOCUMENT.finditer(data):
        block = match.group(1)
        head, _, _ = block.partition(b"<TEXT>")
        fields = {name.decode(): value.strip().decode("utf-8", "replace") for name, value in _FIELD.findall(head)}
        text = _TEXT.search(block)
        if "TYPE" not in fields or "FILENAME" not in fields or text is None:
            line = data.count(b"\n", 0, match.start()) + 1
            raise XbrlError("full submission has a <DOCUMENT> without <TYPE>, <FILENAME> or <TEXT>", source, line)
        body = text.group(1)
        wrapped = _WRAPPED.match(body)
        documents.append(Document(fields["TYPE"], fields["FILENAME"], fields.get("DESCRIPTION", ""),
                                  wrapped.group(2) if wrapped else body))
    if not documents:
        raise XbrlError("full submission holds no <DOCUMENT>", source)
    return tuple(documents)
