"""`xbrlkit.load`: one call from a path to a `Filing`, with either reader."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Literal, Sequence

from xbrlkit.model import CalculationArc, Dts, Fact, Filing, RejectedFact
from xbrlkit.read import dei, fast, linkbases
from xbrlkit.read.locate import instance_path

Reader = Literal["fast", "arelle"]
TAXONOMY_CACHE_ENV = "XBRLKIT_TAXONOMY_CACHE"


def load(
    path: str | Path,
    reader: Reader = "fast",
    *,
    taxonomy_cache: str | Path | None = None,
    taxonomy_packages: Sequence[str | Path] = (),
    calculations: bool = False,
    strict: bool = False,
) -> Filing:
    """Load a filing folder, an XBRL instance or an inline XBRL document.

    `reader="fast"` reads the instance alone with lxml; `reader="arelle"` loads
    the full DTS with Arelle (labels, balance, calculation linkbase in
    `Filing.dts`). Arelle works offline from `taxonomy_cache` (default: env
    XBRLKIT_TAXONOMY_CACHE), or online through its web cache when none is given.
    `Filing.calculations` holds the calculation arcs: always with Arelle, and
    with the fast reader when `calculations` is set (it reads the `*_cal.xml`
    beside the instance, 4 ms for AAPL FY2023, a sixth of the load, so only
    callers that use the arcs pay for them).

    A fact that cannot be read is left out and listed in `Filing.rejected` with
    its reason; with `strict` it is an error instead. Raises `XbrlError` for
    bad input: a file that is not a readable document, or a folder whose
    instance is not clear.
    """
    instance = instance_path(path)
    dts: Dts | None = None
    if reader == "fast":
        facts, rejected = fast.read(instance, strict)
    elif reader == "arelle":
        from xbrlkit.read import arelle

        cache = taxonomy_cache or os.environ.get(TAXONOMY_CACHE_ENV) or None
        options = arelle.ArelleOptions(Path(cache) if cache else None, tuple(Path(p) for p in taxonomy_packages))
        facts, rejected, dts = arelle.read(instance, options, strict)
    else:
        raise ValueError(f"unknown reader {reader!r}: use 'fast' or 'arelle'")
    arcs = dts.calculations if dts is not None else linkbases.calculation_arcs(instance) if calculations else ()
    return _filing(instance, reader, facts, rejected, dts, arcs)


def _filing(instance: Path, reader: str, facts: Sequence[Fact], rejected: Sequence[RejectedFact],
            dts: Dts | None, calculations: tuple[CalculationArc, ...]) -> Filing:
    info = dei.document_info(facts)
    return Filing(path=str(instance), reader=reader, facts=tuple(facts), rejected=tuple(rejected), dts=dts,
                  calculations=calculations, **vars(info))
