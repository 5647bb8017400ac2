"""The four XBRL tasks: questions and answers for one filing, with provenance.

tags: which us-gaap tag reports a concept; values: its exact reported value;
formula_construction: a ratio written with the filing's tags;
formula_calculation: the ratio computed with `Decimal` from the reported values.
"""
from __future__ import annotations

import hashlib
import random
from dataclasses import asdict, dataclass, field

from xbrlkit.datasets.catalog import Catalog
from xbrlkit.datasets.formulas import evaluate, round_cents
from xbrlkit.datasets import prompt_context
from xbrlkit.datasets.prompt_context import Style
from xbrlkit.datasets.resolve import Resolution
from xbrlkit.model import Fact


@dataclass(frozen=True)
class Source:
    """Where a filing came from: recorded on every example."""

    ticker: str
    company: str
    cik: str | None
    filing: str
    """The filing folder (or instance file) name in the corpus."""
    accession: str | None


@dataclass(frozen=True)
class Example:
    id: str
    task: str
    question: str
    context: str
    answer: str
    ticker: str
    company: str
    cik: str | None
    fiscal_year: int
    filing: str
    accession: str | None
    template_id: str
    concept: str | None = None
    ratio: str | None = None
    expression: str | None = None
    """formula_construction: the tag formula; formula_calculation: the values substituted."""
    tags: tuple[str, ...] = ()
    fact_ids: tuple[str, ...] = ()
    unit: str | None = None
    decimals: str | None = None
    finlora_target: str = field(default="", repr=False)
    """The answer in the reference JSONL (for formula_calculation: the substituted formula)."""

    def row(self) -> dict:
        data = asdict(self)
        data["tags"], data["fact_ids"] = list(self.tags), list(self.fact_ids)
        return data


@dataclass(frozen=True)
class FormulaTruth:
    """One row of the formula ground truth: a ratio of one filing, with its inputs and exact result."""

    ticker: str
    cik: str | None
    fiscal_year: int
    filing: str
    ratio: str
    formula: str
    tag_formula: str
    expression: str
    exact: str
    rounded: str
    input_tags: tuple[str, ...]
    input_values: tuple[str, ...]
    fact_ids: tuple[str, ...]

    def row(self) -> dict:
        data = asdict(self)
        for key in ("input_tags", "input_values", "fact_ids"):
            data[key] = list(data[key])
        return data


@dataclass(frozen=True)
class Skip:
    task: str
    item: str
    reason: str


def examples_for(facts: tuple[Fact, ...], resolution: Resolution, source: Source,
                 catalog: Catalog, style: Style, max_chars: int, seed: int
                 ) -> tuple[list[Example], list[FormulaTruth], list[Skip]]:
    """Every example the filing supports, the formula ground truth, and what was skipped and why."""
    year = resolution.period.year
    out: list[Example] = []
    truths: list[FormulaTruth] = []
    skips = [Skip(task, name, reason) for name, reason in resolution.unresolved.items() for task in ("tags", "values")]

    def make(task: str, item: str, answer: str, inputs: list[Fact], **extra) -> None:
        index = random.Random(f"{seed}|{task}|{source.cik or source.ticker}|{year}|{item}").randrange(
            len(catalog.templates[task]))
        question = catalog.templates[task][index].format(F=item, C=source.company, Y=year)
        out.append(Example(
            id=hashlib.sha1(f"{task}|{source.cik or source.ticker}|{year}|{item}".encode()).hexdigest()[:16],
            task=task, question=question, context=prompt_context.render(facts, inputs, style, max_chars),
            answer=answer, ticker=source.ticker, company=source.company, cik=source.cik, fiscal_year=year, filing=source.filing,
            accession=source.accession, template_id=f"{task}:{index}", tags=tuple(str(f.concept) for f in inputs),
            fact_ids=tuple(f.ref for f in inputs),
            finlora_target=extra.pop("finlora_target", answer), **extra))

    for name, fact in resolution.resolved.items():
        make("tags", name, str(fact.concept), [fact], concept=name)
        make("values", name, format(fact.numeric, "f"), [fact], concept=name, unit=fact.unit,
             decimals=str(fact.decimals) if fact.decimals is not None else None)
    for formula in catalog.formulas:
        missing = [c for c in formula.concepts if c not in resolution.resolved]
        if missing:
            for task in ("formula_construction", "formula_calculation"):
                skips.append(Skip(task, formula.name, f"inputs not resolved: {', '.join(missing)}"))
            continue
        inputs = [resolution.resolved[c] for c in formula.concepts]
        tag_formula = formula.substitute({c: str(resolution.resolved[c].concept) for c in formula.concepts})
        make("formula_construction", formula.name, tag_formula, inputs, ratio=formula.name, expression=tag_formula)
        result = evaluate(formula, {c: fact.numeric for c, fact in zip(formula.concepts, inputs)})
        if result is None:
            skips.append(Skip("formula_calculation", formula.name, "division by zero"))
            continue
        values = [format(fact.numeric, "f") for fact in inputs]
        expression = formula.substitute(dict(zip(formula.concepts, values)))
        rounded = format(round_cents(result), "f")
        make("formula_calculation", formula.name, rounded, inputs, ratio=formula.name,
             expression=expression, finlora_target=expression)
        truths.append(FormulaTruth(source.ticker, source.cik, year, source.filing, formula.name, formula.expression,
                                   tag_formula, expression, format(result, "f"), rounded,
                                   tuple(str(f.concept) for f in inputs), tuple(values), out[-1].fact_ids))
    return out, truths, skips
