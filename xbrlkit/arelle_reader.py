"""The Arelle reader: the reference loader, with the full DTS.

One `arelle.api.Session` per process (Arelle's global state is not
thread-safe), reused for every load; each model is closed once its facts,
labels and calculation arcs are copied out. Offline when a taxonomy cache
folder is given, otherwise through Arelle's own web cache.
"""
from __future__ import annotations

import atexit
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from xbrlkit import inline, safexml
from xbrlkit.errors import XbrlError
from xbrlkit.facts import canonical, parse_decimals, parse_number
from xbrlkit.model import CalculationArc, Dts, Fact, QName, RejectedFact
from xbrlkit.namespaces import INLINE_NAMESPACES
from xbrlkit.periods import calendar_end
from xbrlkit.units import normalise

_SUMMATION_ITEM = "http://www.xbrl.org/2003/arcrole/summation-item"
_CALC_11_SUMMATION = "https://xbrl.org/2023/arcrole/summation-item"
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


def session():
    """This process's one Arelle Session."""
    global _session
    if _session is None:
        from arelle.api.Session import Session

        _session = Session()
        atexit.register(_session.close)
    return _session


def read(instance: Path, options: ArelleOptions) -> tuple[list[Fact], list[RejectedFact], Dts]:
    safexml.parse(instance)  # refuse malformed and hostile XML before Arelle sees it
    arelle = session()
    arelle.run(runtime_options(instance, options))
    models = arelle.get_models()
    model = models[-1] if models else None
    try:
        fatal = _fatal_error(arelle)
        if model is None or model.modelDocument is None or fatal:
            raise XbrlError(f"Arelle could not load the filing: {fatal or 'no document'}", instance,
                            hint="the taxonomy cache or packages must cover every schema it references; "
                                 "--reader fast needs none")
        facts, rejected = _facts(model, instance)
        return facts, rejected, _dts(model)
    finally:
        if model is not None:
            model.close()
        # The structured-message handler returns its live list and has no clear method;
        # emptying it keeps one run's messages out of the next and memory flat.
        arelle.get_log_messages().clear()


_FATAL_CODES = ("IOerror", "xbrl:schemaImportMissing", "xmlSchema:syntax")


def _fatal_error(arelle) -> str | None:
    """The first logged error that means facts or schemas were not loaded."""
    for message in arelle.get_log_messages():
        if message.get("levelname") in ("ERROR", "CRITICAL") and message.get("messageCode", "").startswith(_FATAL_CODES):
            text = " ".join(str(message.get("msg", "")).split())
            return f"[{message['messageCode']}] {text[:200]}{'...' if len(text) > 200 else ''}"
    return None


def _facts(model, instance: Path) -> tuple[list[Fact], list[RejectedFact]]:
    from arelle.XmlValidateConst import VALID

    ix = next((ns for ns in INLINE_NAMESPACES if ns in model.modelDocument.xmlRootElement.nsmap.values()), None)
    chain = inline.continuations(model.modelDocument.xmlRootElement, ix) if ix else {}
    facts, rejected = [], []
    for fact in sorted(model.factsInInstance, key=lambda f: f.objectIndex):
        concept = QName(fact.qname.prefix or "", fact.qname.namespaceURI or "", fact.qname.localName)
        context = fact.context
        if context is None:
            raise XbrlError(f"fact {concept} refers to unknown context {fact.contextID!r}", instance, fact.sourceline,
                            hint="every contextRef must name an xbrli:context in the instance")
        is_numeric = fact.concept is not None and fact.concept.isNumeric
        if is_numeric and fact.unit is None:
            raise XbrlError(f"fact {concept} refers to unknown unit {fact.unitID!r}", instance, fact.sourceline,
                            hint="every unitRef must name an xbrli:unit in the instance")
        raw = inline.displayed_text(fact, ix, chain) if ix else (fact.text or "")
        number = None
        if is_numeric and not fact.isNil:
            if fact.xValid < VALID:
                if ix and fact.get("format"):
                    rejected.append(RejectedFact(str(concept), fact.contextID, fact.sourceline,
                                                 f"Arelle cannot apply inline format {fact.get('format')}"))
                    continue
                parse_number(raw, str(concept), instance, fact.sourceline)  # raises the error for the user
            number = fact.xValue if isinstance(fact.xValue, Decimal) else Decimal(str(fact.value))
        facts.append(Fact(
            concept=concept,
            value=raw,
            numeric=canonical(number) if number is not None else None,
            decimals=parse_decimals(fact.get("decimals"), instance, fact.sourceline),
            unit=_unit(fact.unit) if is_numeric else None,
            period_type="forever" if context.isForeverPeriod else ("instant" if context.isInstantPeriod else "duration"),
            start_date=context.startDatetime.date() if context.isStartEndPeriod else None,
            end_date=None if context.isForeverPeriod else calendar_end(context.endDatetime),
            dimensions=_dimensions(context),
            context_id=context.id,
            fact_id=fact.id,
            is_nil=bool(fact.isNil),
            scale=int(fact.get("scale")) if ix and fact.get("scale") is not None else None,
            sign=fact.get("sign") if ix else None,
            line=fact.sourceline,
        ))
    return facts, rejected


def _unit(unit) -> str:
    numerators, denominators = unit.measures
    return normalise((m.localName for m in numerators), (m.localName for m in denominators))


def _dimensions(context) -> tuple[tuple[str, str], ...]:
    from xbrlkit.contexts import typed_member_text

    pairs = []
    for value in context.qnameDims.values():
        if value.isExplicit:
            pairs.append((str(value.dimensionQname), str(value.memberQname)))
        else:
            pairs.append((str(value.dimensionQname), typed_member_text(value.typedMember)))
    return tuple(sorted(pairs))


def _dts(model) -> Dts:
    labels, balance, period_types = {}, {}, {}
    for concept in model.qnameConcepts.values():
        if concept.qname is None or not concept.isItem:
            continue
        name = str(concept.qname)
        label = concept.label(fallbackToQname=False)
        if label:
            labels[name] = label
        if concept.balance:
            balance[name] = concept.balance
        if concept.periodType:
            period_types[name] = concept.periodType
    arcs = []
    for arcrole in (_SUMMATION_ITEM, _CALC_11_SUMMATION):
        for rel in model.relationshipSet(arcrole).modelRelationships:
            if rel.fromModelObject is None or rel.toModelObject is None:
                continue  # an arc to a concept the DTS does not define
            arcs.append(CalculationArc(str(rel.fromModelObject.qname), str(rel.toModelObject.qname),
                                       rel.weightDecimal,
                                       rel.linkrole))
    return Dts(labels, balance, period_types, tuple(sorted(arcs, key=lambda a: (a.role, a.parent, a.child))))
