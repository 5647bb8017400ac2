"""Finding the XBRL instance in a filing folder."""
from __future__ import annotations

from pathlib import Path

from xbrlkit.errors import XbrlError

_LINKBASE_SUFFIXES = ("_cal.xml", "_def.xml", "_lab.xml", "_pre.xml", "_ref.xml", "FilingSummary.xml")
_INLINE_SUFFIXES = (".htm", ".html", ".xhtml")


def instance_path(path: str | Path) -> Path:
    """The instance to read for `path`: the file itself, or the best candidate in a folder.

    In a folder the EDGAR-extracted instance (`*_htm.xml`) wins, then any other
    instance `.xml`, then an inline XBRL document.
    """
    path = Path(path)
    if path.is_file():
        return path
    if not path.exists():
        raise XbrlError("no such file or directory", path)
    files = sorted(p for p in path.iterdir() if p.is_file())
    extracted = [p for p in files if p.name.endswith("_htm.xml")]
    instances = [p for p in files if p.suffix == ".xml" and not p.name.endswith(_LINKBASE_SUFFIXES)
                 and _looks_like(p, b"<xbrl", b":xbrl")]
    inline = [p for p in files if p.suffix.lower() in _INLINE_SUFFIXES and _looks_like(p, b"inlineXBRL")]
    for candidates in (extracted, instances, inline):
        if candidates:
            return candidates[0]
    raise XbrlError("directory holds no XBRL instance (*.xml) or inline XBRL document (*.htm)", path,
                    hint="point at a filing folder from `xbrlkit download` or at the instance file itself")


def _looks_like(path: Path, *markers: bytes) -> bool:
    with path.open("rb") as handle:
        head = handle.read(8192)
    return any(marker in head for marker in markers)
