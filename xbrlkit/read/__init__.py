"""Reading filings: files -> `Filing`.

`loader.load` picks the instance (`locate`) and a reader: `fast` (lxml, the instance alone) or `arelle` (the full DTS
through Arelle). Both build facts from the same parts: `contexts` (periods, dimensions, units), `facts` (values,
decimals, nil), `inline` and `transforms` (inline XBRL), `dei` (document information) and `linkbases` (calculation
arcs beside the instance). `safexml` is the only way a document is parsed.
"""
from xbrlkit.read.loader import TAXONOMY_CACHE_ENV, Reader, load

__all__ = ["TAXONOMY_CACHE_ENV", "Reader", "load"]
