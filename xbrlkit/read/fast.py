"""The fast reader: facts straight from the instance with lxml, no taxonomy.

Reads plain XBRL instances and inline XBRL documents (`ix:nonFraction` with
format, scale and sign; `ix:nonNumeric` with nested facts and continuations).
Parsing goes through `safexml`, so untrusted files cannot trigger entity
expansion or network access. Without a taxonomy, a fact is numeric exactly
when it has a unit (XBRL requires `unitRef` on numeric items).

A fact that cannot be read (see `facts.InvalidFact`) is rejected with its
reason and the rest of the document kept, as Arelle does; `strict=True` makes
the first such fact an error of the whole document instead.
"""
from __future__ import annotations

from pathlib import Path

from lxml import etree

from xbrlkit.errors import XbrlError
from xbrlkit.model import Context, Fact, QName, RejectedFact
from xbrlkit.read import inline, safexml, schema_prefixes
from xbrlkit.read.contexts import read_all
from xbrlkit.read.facts import (STRICT_HINT, InvalidFact, check_accuracy, is_nil, make_fact, parse_decimals,
                                parse_number, parse_scale, parse_sign, qname)
from xbrlkit.read.namespaces import INLINE_NAMESPACES, XBRLI


def read(instance: Path, strict: bool = False) -> tuple[list[Fact], list[RejectedFact]]:
    """All readable facts of `instance` in document order, and those rejected, each with its reason."""
    root = safexml.parse(instance).getroot()
    if root.tag == f"{{{XBRLI}}}xbrl":
        return _Resolver(root, instance, strict).read(_plain_facts(root), None)
    ix = _inline_namespace(root)
    if ix is None:
        raise XbrlError(f"not an XBRL instance or inline XBRL document (root element <{etree.QName(root).localname}>)",
                        instance, root.sourceline, hint="pass the *_htm.xml instance or the inline .htm document")
    facts = (e for e in root.iter(f"{{{ix}}}nonFraction", f"{{{ix}}}nonNumeric") if not e.get("target"))
    return _Resolver(root, instance, strict).read(facts, ix)  # a `target` fact belongs to another document


def _plain_facts(root: etree._Element):
    return (e for e in root.iter(etree.Element) if e.get("contextRef") is not None)


def _prefixed(element: etree._Element) -> str:
    local = etree.QName(element).localname
    return f"{element.prefix}:{local}" if element.prefix else local


def _inline_namespace(root: etree._Element) -> str | None:
    namespaces = set(root.nsmap.values())
    return next((ns for ns in INLINE_NAMESPACES if ns in namespaces), None)


class _Resolver:
    """Contexts and units of one document, and the facts that refer to them."""

    def __init__(self, root: etree._Element, path: Path, strict: bool):
        self.root, self.path, self.strict = root, path, strict
        self.contexts, self.units = read_all(root, path)
        self.undeclared = schema_prefixes.from_schema(root, path)

    def read(self, elements, ix: str | None) -> tuple[list[Fact], list[RejectedFact]]:
        chain = inline.continuations(self.root, ix) if ix else {}
        facts, rejected = [], []
        for element in elements:
            try:
                facts.append(self._inline_fact(element, ix, chain) if ix else self._plain_fact(element))
            except InvalidFact as reason:
                name = element.get("name", "") if ix else _prefixed(element)
                if self.strict:
                    raise XbrlError(f"fact {name}: {reason}", self.path, element.sourceline, hint=STRICT_HINT) from None
                rejected.append(RejectedFact(name, element.get("contextRef", ""), element.sourceline, str(reason)))
        return facts, rejected

    def _plain_fact(self, element: etree._Element) -> Fact:
        name = etree.QName(element)
        concept = QName(element.prefix or "", name.namespace or "", name.localname)
        raw = element.text or ""
        unit, nil = self._unit(element, concept), is_nil(element)
        if unit:
            check_accuracy(element)
        number = parse_number(raw) if unit and not nil else None
        return self._fact(element, concept, raw, number, unit, nil)

    def _inline_fact(self, element: etree._Element, ix: str, chain) -> Fact:
        concept = qname(element.get("name", ""), element, self.undeclared)
        text = inline.displayed_text(element, ix, chain)
        nil, unit = is_nil(element), self._unit(element, concept)
        scale, sign = parse_scale(element.get("scale")), parse_sign(element.get("sign"))
        numeric = element.tag == f"{{{ix}}}nonFraction"
        number = inline.number(element, text, scale, sign) if numeric and not nil else None
        return self._fact(element, concept, text, number, unit, nil, scale=scale, sign=sign)

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
                         decimals=parse_decimals(element.get("decimals")), unit=unit, fact_id=element.get("id"),
                         is_nil=nil, line=element.sourceline, scale=scale, sign=sign)
