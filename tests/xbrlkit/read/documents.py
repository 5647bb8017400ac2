"""Small XBRL documents written by the tests: a plain instance or an inline document around the given facts."""
from __future__ import annotations

from pathlib import Path

CONTEXT = ('<xbrli:context id="{id}"><xbrli:entity><xbrli:identifier scheme="http://www.sec.gov/CIK">0000000001'
           '</xbrli:identifier></xbrli:entity><xbrli:period>{period}</xbrli:period></xbrli:context>')
FY2023 = "<xbrli:startDate>2023-01-01</xbrli:startDate><xbrli:endDate>2023-12-31</xbrli:endDate>"
USD = '<xbrli:unit id="usd"><xbrli:measure>iso4217:USD</xbrli:measure></xbrli:unit>'
NAMESPACES = ('xmlns:xbrli="http://www.xbrl.org/2003/instance" xmlns:us-gaap="http://fasb.org/us-gaap/2023" '
              'xmlns:iso4217="http://www.xbrl.org/2003/iso4217" xmlns:dei="http://xbrl.sec.gov/dei/2023"')
INLINE_NAMESPACES = (NAMESPACES + ' xmlns="http://www.w3.org/1999/xhtml" xmlns:ix="http://www.xbrl.org/2013/inlineXBRL"'
                     ' xmlns:ixt="http://www.xbrl.org/inlineXBRL/transformation/2020-02-12"'
                     ' xmlns:ixt-sec="http://www.sec.gov/inlineXBRL/transformation/2015-08-31"')
GOOD_FACT = '<us-gaap:Revenues contextRef="FY" unitRef="usd" decimals="-6">5000000</us-gaap:Revenues>'
GOOD_INLINE_FACT = ('<ix:nonFraction name="us-gaap:Revenues" contextRef="FY" unitRef="usd" decimals="-6" scale="6" '
                    'format="ixt:num-dot-decimal">5</ix:nonFraction>')


def resources(contexts: dict[str, str] | None = None, units: str = USD) -> str:
    contexts = contexts if contexts is not None else {"FY": FY2023}
    return "".join(CONTEXT.format(id=i, period=p) for i, p in contexts.items()) + units


def instance(path: Path, facts: str, **kwargs) -> Path:
    """A plain instance holding `facts` (XML text), with context FY (calendar 2023) and unit usd unless told."""
    path.write_text(f'<?xml version="1.0" encoding="utf-8"?>\n<xbrli:xbrl {NAMESPACES}>\n{resources(**kwargs)}\n'
                    f'{facts}\n</xbrli:xbrl>\n', encoding="utf-8")
    return path


def inline(path: Path, body: str, **kwargs) -> Path:
    """An inline XBRL document whose body holds `body` (XHTML with ix: facts)."""
    path.write_text(f'<?xml version="1.0" encoding="utf-8"?>\n<html {INLINE_NAMESPACES}><head><title>t</title></head>'
                    f'<body><div style="display:none"><ix:header><ix:resources>{resources(**kwargs)}</ix:resources>'
                    f'</ix:header></div>\n{body}\n</body></html>\n', encoding="utf-8")
    return path
