"""xbrlkit: SEC XBRL filings -> exact fact tables -> XBRL question/answer datasets."""
from xbrlkit.dedupe import Deduplicated, DuplicateGroup, deduplicate
from xbrlkit.errors import XbrlError
from xbrlkit.model import INF, CalculationArc, Dts, Fact, Filing, QName, RejectedFact
from xbrlkit.read.loader import load

__all__ = [
    "INF", "CalculationArc", "Deduplicated", "Dts", "DuplicateGroup", "Fact", "Filing", "QName", "RejectedFact",
    "XbrlError", "deduplicate", "load",
]
__version__ = "0.1.0"
