"""XML namespaces and arc roles of XBRL 2.1, dimensions, linkbases and inline XBRL."""
from typing import Final

XBRLI: Final = "http://www.xbrl.org/2003/instance"
XBRLDI: Final = "http://xbrl.org/2006/xbrldi"
XSI: Final = "http://www.w3.org/2001/XMLSchema-instance"
XHTML: Final = "http://www.w3.org/1999/xhtml"
IX: Final = "http://www.xbrl.org/2013/inlineXBRL"
IX_2008: Final = "http://www.xbrl.org/2008/inlineXBRL"
INLINE_NAMESPACES: Final = (IX, IX_2008)
ISO4217: Final = "http://www.xbrl.org/2003/iso4217"
LINK: Final = "http://www.xbrl.org/2003/linkbase"
XLINK: Final = "http://www.w3.org/1999/xlink"

XSI_NIL: Final = f"{{{XSI}}}nil"
SUMMATION_ARCROLES: Final = ("http://www.xbrl.org/2003/arcrole/summation-item",  # XBRL 2.1
                              "https://xbrl.org/2023/arcrole/summation-item")  # Calculations 1.1
