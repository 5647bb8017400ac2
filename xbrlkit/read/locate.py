"""Finding the XBRL documents of a folder, and the instance to read in a filing folder."""
from __future__ import annotations

from pathlib import Path

from xbrlkit.errors import XbrlError

_LINKBASE_SUFFIXES = ("_cal.xml", "_def.xml", "_lab.xml", "_pre.xml", "_ref.xml", "FilingSummary.xml")
_INLINE_SUFFIXES = (".htm", ".html", ".xhtml")


def instance_path(path: str | Path) -> Path:
    """The instance to read for `path`: the file itself, or the best candidate in a folder.

    In a folder the EDGAR-extracted instance (`*_htm.xml`) wins, then any other
    instance `.xml`, then an inline XBRL document. Two documents of the winning
    kind leave the instance in doubt: an error that names them.
    """
    path = Path(path)
    if path.is_file():
        return path
    if not path.exists():
        raise XbrlError("no such file or directory", path)
    documents = instance_documents(path)
    for kind in ("extracted", "instance", "inline"):
        if len(documents[kind]) > 1:
            names = ", ".join(p.name for p in documents[kind])
            raise XbrlError(f"the folder holds {len(documents[kind])} XBRL documents that could each be the filing "
                            f"({names})", path, hint="pass the one to read, or give each filing its own folder")
        if documents[kind]:
            return documents[kind][0]
    raise XbrlError("directory holds no XBRL instance (*.xml) or inline XBRL document (*.htm)", path,
                    hint="point at a filing folder from `xbrlkit download` or at the instance file itself")


def instance_documents(folder: Path) -> dict[str, list[Path]]:
    """The XBRL documents of a folder by kind, in name order: EDGAR-extracted instances (`*_htm.xml`), other
    instances, inline XBRL documents."""
    found: dict[str, list[Path]] = {"extracted": [], "instance": [], "inline": []}
    for path in sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")):
        kind = "extracted" if path.name.endswith("_htm.xml") else document_kind(path)  # one look at each file
        if kind:
            found[kind].append(path)
    return found


def document_kind(path: Path) -> str | None:
    """"instance", "inline", or None for a file that is neither (a linkbase, a schema, anything else)."""
    if path.suffix == ".xml" and not path.name.endswith(_LINKBASE_SUFFIXES) and _looks_like(path, b"<xbrl", b":xbrl"):
        return "instance"
    if path.suffix.lower() in _INLINE_SUFFIXES and _looks_like(path, b"inlineXBRL"):
        return "inline"
    return None


def has_taxonomy_files(folder: Path) -> bool:
    """Whether the folder holds a company schema or linkbases: the documents of one filing, not loose ones."""
    return any(p.suffix == ".xsd" or p.name.endswith(_LINKBASE_SUFFIXES) for p in folder.iterdir() if p.is_file())


def _looks_like(path: Path, *markers: bytes) -> bool:
    with path.open("rb") as handle:
        head = handle.read(8192)
    return any(marker in head for marker in markers)
