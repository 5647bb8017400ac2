"""The Arelle reader: the reference loader, with the full DTS.

One `arelle.api.Session` per process (Arelle's global state is not
thread-safe), reused for every load; each model is closed once its facts,
labels and calculation arcs are copied out. Offline when a taxonomy cache
folder is given, otherwise through Arelle's own web cache.
"""
from __future__ import annotations

import atexit
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from xbrlkit import exact
from xbrlkit.errors import XbrlError
from xbrlkit.model import CalculationArc, Context, Dts, Fact, QName, RejectedFact
from xbrlkit.read import inline, safexml
from xbrlkit.read.contexts import typed_member_text
from xbrlkit.read.facts import (STRICT_HINT, InvalidFact, check_accuracy, make_fact, parse_decimals, parse_scale,
                                parse_sign)
from xbrlkit.read.namespaces import INLINE_NAMESPACES, SUMMATION_ARCROLES
from xbrlkit.read.periods import calendar_end
from xbrlkit.read.units import normalise

_TAXONOMY_HINT = "the taxonomy cache or packages must cover every schema it references; --reader fast needs none"
_session = None


@dataclass(frozen=True)
class ArelleOptions:
    taxonomy_cache: Path | None = None
    """Arelle web-cache folder; when set, Arelle runs offline from it."""
    taxonomy_packages: tuple[Path, ...] = ()


def runtime_options(instance: Path, options: ArelleOptions):
    """The Arelle RuntimeOptions for loading `instance` (shared with bench/bench_load.py)."""
    from arelle.RuntimeOptions import RuntimeOptions

    cache = options.taxonomy_cache
    if cache is not None and not cache.is_dir():
        raise XbrlError("taxonomy cache folder not found", cache, hint="pass --taxonomy-cache DIR (Arelle cache layout)")
    for package in options.taxonomy_packages:
        if not package.is_file():
            raise XbrlError("taxonomy package not found", package, hint="pass the path of a taxonomy package .zip")
    return RuntimeOptions(
        entrypointFile=str(instance),
        internetConnectivity="offline" if cache is not None else "online",
        cacheDirectory=str(cache) if cache is not None else None,
        packages=[str(p) for p in options.taxonomy_packages] or None,
        keepOpen=True,
        disablePersistentConfig=True,
        logFile="logToStructuredMessage",
        logLevel="WARNING",
        logPropagate=False,
    )


def session(fresh: bool = False):
    """This process's Arelle Session (one at a time); `fresh` replaces it with a new one."""
    global _session
    if fresh:
        _close_session()
    if _session is None:
        from arelle.api.Session import Session

        _session = Session()
    return _session


@atexit.register
def _close_session() -> None:
    global _session
    if _session is not None:
        _session.close()
        _session = None


def read(instance: Path, options: ArelleOptions, strict: bool = False) -> tuple[list[Fact], list[RejectedFact], Dts]:
    from arelle import ModelDocument

    safexml.parse(instance)  # refuse empty, malformed and entity-declaring files before Arelle parses them
    # Arelle 2.47 clears its package registry at the start of every run but re-creates it only
    # with a new controller, so a reused Session fails on packages: give package loads a new one.
    arelle = session(fresh=bool(options.taxonomy_packages))
    arelle.run(runtime_options(instance, options))
    models = arelle.get_models()
    model = models[-1] if models else None
    try:
        _raise_on_fatal(arelle, instance)
        if model is None or model.modelDocument is None:
            raise XbrlError("Arelle could not load the filing", instance, hint=_TAXONOMY_HINT)
        if model.modelDocument.type not in (ModelDocument.Type.INSTANCE, ModelDocument.Type.INLINEXBRL):
            raise XbrlError("not an XBRL instance or inline XBRL document", instance,
                            model.modelDocument.xmlRootElement.sourceline, hint="pass the *_htm.xml instance or the inline .htm document")
        facts, rejected = _facts(model, instance, strict)
        return facts, rejected, _dts(model)
    finally:
        if model is not None:
            model.close()
            models.remove(model)
        # The structured-message handler returns its live list and has no clear method;
        # emptying it keeps one run's messages out of the next and memory flat.
        arelle.get_log_messages().clear()


_FATAL = {  # Arelle message code prefix -> what to tell the user
    "xmlSchema:syntax": ("malformed XML", "the file is truncated or not XML"),
    "IOerror": ("Arelle could not load the filing", _TAXONOMY_HINT),
    "xbrl:schemaImportMissing": ("Arelle could not load the filing", _TAXONOMY_HINT),
}


def _raise_on_fatal(arelle, instance: Path) -> None:
    """Turn the first logged error that means facts or schemas were not loaded into an XbrlError."""
    for message in arelle.get_log_messages():
        code = message.get("messageCode", "")
        fatal = next((v for k, v in _FATAL.items() if code.startswith(k)), None)
        if fatal and message.get("levelname") in ("ERROR", "CRITICAL"):
            text = " ".join(str(message.get("msg", "")).split())
            text = text[:200] + ("..." if len(text) > 200 else "")
            line = next((ref.get("sourceLine") for ref in message.get("refs", []) if ref.get("sourceLine")), None)
            if line is None and (match := re.search(r", line (\d+), column", text)):
                line = int(match.group(1))
            raise XbrlError(f"{fatal[0]}: [{code}] {text}", instance, line, hint=fatal[1])


def _facts(model, instance: Path, strict: bool) -> tuple[list[Fact], list[RejectedFact]]:
    from arelle.XmlValidateConst import VALID

    ix = next((ns for ns in INLINE_NAMESPACES if ns in model.modelDocument.xmlRootElement.nsmap.values()), None)
    chain = inline.continuations(model.modelDocument.xmlRootElement, ix) if ix else {}
    contexts: dict[str, Context] = {}
    units: dict[str, str] = {}
    facts, rejected = [], []
    for fact in sorted(model.factsInInstance, key=lambda f: f.objectIndex):
        concept = QName(fact.qname.prefix or "", fact.qname.namespaceURI or "", fact.qname.localName)
        if fact.context is None:
            raise XbrlError(f"fact {concept} refers to unknown context {fact.contextID!r}", instance, fact.sourceline,
                            hint="every contextRef must name an xbrli:context in the instance")
        is_numeric = fact.concept is not None and fact.concept.isNumeric
        if is_numeric and fact.unit is None:
            raise XbrlError(f"fact {concept} refers to unknown unit {fact.unitID!r}", instance, fact.sourceline,
                            hint="every unitRef must name an xbrli:unit in the instance")
        try:
            facts.append(_fact(fact, concept, is_numeric, fact.xValid >= VALID, ix, chain, contexts, units))
        except InvalidFact as reason:
            if strict:
                raise XbrlError(f"fact {concept}: {reason}", instance, fact.sourceline, hint=STRICT_HINT) from None
            rejected.append(RejectedFact(str(concept), fact.contextID, fact.sourceline, str(reason)))
    return facts, rejected


def _fact(fact, concept: QName, is_numeric: bool, valid: bool, ix: str | None, chain, contexts: dict[str, Context],
          units: dict[str, str]) -> Fact:
    """One Arelle fact as a `Fact`; InvalidFact when Arelle found its value invalid (not `valid`) or xbrlkit's rules
    refuse it."""
    raw = inline.displayed_text(fact, ix, chain) if ix else (fact.text or "")
    number = None
    if is_numeric:
        check_accuracy(fact)
        if not fact.isNil:
            if not valid:
                what = f"inline format {fact.get('format')}" if ix and fact.get("format") else "its concept's type"
                raise InvalidFact(f"Arelle finds the value {raw.strip()[:40]!r} invalid for {what}")
            try:
                value = fact.xValue if isinstance(fact.xValue, Decimal) else Decimal(str(fact.value))
                number = exact.within_limit(value)
            except ValueError as exc:
                raise InvalidFact(str(exc)) from None
    if fact.contextID not in contexts:
        contexts[fact.contextID] = _context(fact.context)
    if is_numeric and fact.unitID not in units:
        units[fact.unitID] = _unit(fact.unit)
    return make_fact(
        concept, contexts[fact.contextID], value=raw, numeric=number, decimals=parse_decimals(fact.get("decimals")),
        unit=units[fact.unitID] if is_numeric else None, fact_id=fact.id, is_nil=bool(fact.isNil),
        line=fact.sourceline, scale=parse_scale(fact.get("scale")) if ix else None,
        sign=parse_sign(fact.get("sign")) if ix else None,
    )


def _context(context) -> Context:
    if context.isForeverPeriod:
        period_type, start, end = "forever", None, None
    else:
        period_type = "instant" if context.isInstantPeriod else "duration"
        start = context.startDatetime.date() if context.isStartEndPeriod else None
        end = calendar_end(context.endDatetime)
    return Context(context.id, period_type, start, end, _dimensions(context))


def _unit(unit) -> str:
    numerators, denominators = unit.measures
    return normalise((m.localName for m in numerators), (m.localName for m in denominators))


def _dimensions(context) -> tuple[tuple[str, str], ...]:
    pairs = []
    for value in context.qnameDims.values():
        if value.isExplicit:
            pairs.append((str(value.dimensionQname), str(value.memberQname)))
        else:
            pairs.append((str(value.dimensionQname), typed_member_text(value.typedMember)))
    return tuple(sorted(pairs))


def _dts(model) -> Dts:
    """Labels, balance and period types of the concepts the filing reports or calculates, and its calculation arcs."""
    arcs = []
    concepts = {fact.concept for fact in model.factsInInstance if fact.concept is not None}
    for arcrole in SUMMATION_ARCROLES:
        for rel in model.relationshipSet(arcrole).modelRelationships:
            parent, child = rel.fromModelObject, rel.toModelObject
            if parent is None or child is None:
                continue  # an arc to a concept the DTS does not define
            concepts.update((parent, child))
            arcs.append(CalculationArc(str(parent.qname), str(child.qname), rel.weightDecimal, rel.linkrole))
    labels, balance, period_types = {}, {}, {}
    for concept in concepts:
        name = str(concept.qname)
        label = concept.label(fallbackToQname=False)
        if label:
            labels[name] = label
        if concept.balance:
            balance[name] = concept.balance
        if concept.periodType:
            period_types[name] = concept.periodType
    return Dts(labels, balance, period_types, tuple(sorted(arcs, key=lambda a: (a.role, a.parent, a.child))))
