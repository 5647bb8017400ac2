"""The fast reader: facts straight from the instance with lxml, no taxonomy.

Reads plain XBRL instances and inline XBRL documents (`ix:nonFraction` with
format, scale and sign; `ix:nonNumeric` with nested facts and continuations).
Parsing goes through `safexml`, so untrusted files cannot trigger entity
expansion or network access. Without a taxonomy, a fact is numeric exactly
when it has a unit (XBRL requires `unitRef` on numeric items).
"""
from __future__ import annotations

from pathlib import Path

from lxml import etree

from xbrlkit.errors import XbrlError
from xbrlkit.model import Context, Fact, QName, RejectedFact
from xbrlkit.read import inline, safexml, schema_prefixes, transforms
from xbrlkit.read.contexts import read_context, read_unit
from xbrlkit.read.facts import int_or_none, is_nil, make_fact, parse_decimals, parse_number, qname
from xbrlkit.read.namespaces import INLINE_NAMESPACES, XBRLI


def read(instance: Path) -> tuple[list[Fact], list[RejectedFact]]:
    """All facts of `instance` in document order, and those that could not be read."""
    root = safexml.parse(instance).getroot()
    if root.tag == f"{{{XBRLI}}}xbrl":
        return _Resolver(root, instance).plain_facts(), []
    ix = _inline_namespace(root)
    if ix is None:
        raise XbrlError(f"not an XBRL instance or inline XBRL document (root element <{etree.QName(root).localname}>)",
                        instance, root.sourceline, hint="pass the *_htm.xml instance or the inline .htm document")
    return _Resolver(root, instance).inline_facts(ix)


def _inline_namespace(root: etree._Element) -> str | None:
    namespaces = set(root.nsmap.values())
    return next((ns for ns in INLINE_NAMESPACES if ns in namespaces), None)


class _Resolver:
    """Contexts and units of one document, and the facts that refer to them."""

    def __init__(self, root: etree._Element, path: Path):
        self.root, self.path = root, path
        self.contexts = {c.get("id"): read_context(c, path) for c in root.iter(f"{{{XBRLI}}}context")}
        self.units = {u.get("id"): read_unit(u) for u in root.iter(f"{{{XBRLI}}}unit")}
        self.undeclared = schema_prefixes.from_schema(root, path)

    def plain_facts(self) -> list[Fact]:
        facts = []
        for element in self.root.iter(etree.Element):
            if element.get("contextRef") is None:
                continue
            name = etree.QName(element)
            concept = QName(element.prefix or "", name.namespace or "", name.localname)
            raw = element.text or ""
            unit = self._unit(element, concept)
            nil = is_nil(element)
            number = parse_number(raw, str(concept), self.path, element.sourceline) if unit and not nil else None
            facts.append(self._fact(element, concept, raw, number, unit, nil))
        return facts

    def inline_facts(self, ix: str) -> tuple[list[Fact], list[RejectedFact]]:
        chain = inline.continuations(self.root, ix)
        facts, rejected = [], []
        for element in self.root.iter(f"{{{ix}}}nonFraction", f"{{{ix}}}nonNumeric"):
            if element.get("target"):
                continue  # facts for another target document, not the default one
            concept = qname(element.get("name", ""), element, self.path, self.undeclared)
            text = inline.displayed_text(element, ix, chain)
            nil = is_nil(element)
            unit = self._unit(element, concept)
            number = None
            if element.tag == f"{{{ix}}}nonFraction" and not nil:
                fmt = element.get("format")
                if fmt and not transforms.known(fmt):
                    rejected.append(RejectedFact(str(concept), element.get("contextRef", ""), element.sourceline,
                                                 f"unsupported inline format {fmt}"))
                    continue
                number = inline.number(element, text, self.path)
            facts.append(self._fact(element, concept, text, number, unit, nil,
                                    scale=int_or_none(element.get("scale")), sign=element.get("sign")))
        return facts, rejected

    def _unit(self, element: etree._Element, concept) -> str | None:
        unit_ref = element.get("unitRef")
        if unit_ref is None:
            return None
        if unit_ref not in self.units:
            raise XbrlError(f"fact {concept} refers to unknown unit {unit_ref!r}", self.path, element.sourceline,
                            hint="every unitRef must name an xbrli:unit in the instance")
        return self.units[unit_ref]

    def _context(self, element: etree._Element, concept) -> Context:
        context_ref = element.get("contextRef", "")
        context = self.contexts.get(context_ref)
        if context is None:
            raise XbrlError(f"fact {concept} refers to unknown context {context_ref!r}", self.path, element.sourceline,
                            hint="every contextRef must name an xbrli:context in the instance")
        return context

    def _fact(self, element, concept, raw, number, unit, nil, scale=None, sign=None) -> Fact:
        return make_fact(concept, self._context(element, concept), value=raw, numeric=number,
                         decimals=parse_decimals(element.get("decimals"), self.path, element.sourceline), unit=unit,
                         fact_id=element.get("id"), is_nil=nil, line=element.sourceline, scale=scale, sign=sign)
