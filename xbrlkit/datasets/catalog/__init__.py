"""The dataset catalog: concepts, ratio formulas and question templates, read from YAML.

The defaults ship beside this module, in `xbrlkit/datasets/catalog/`; users pass their own files to add
concepts or ratios without touching code.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from importlib.resources import files
from pathlib import Path
from typing import Literal

from finlora_common.yamlfile import read_yaml
from xbrlkit.datasets.formulas import Formula, evaluate
from xbrlkit.errors import XbrlError

TASKS = ("tags", "values", "formula_construction", "formula_calculation")


@dataclass(frozen=True)
class Concept:
    name: str
    kind: Literal["stock", "flow"]
    tags: tuple[str, ...]
    """Candidate us-gaap tags, most specific first."""


@dataclass(frozen=True)
class Catalog:
    concepts: tuple[Concept, ...]
    formulas: tuple[Formula, ...]
    templates: dict[str, tuple[str, ...]]


def _default(name: str) -> Path:
    return Path(str(files(__name__).joinpath(name)))


def load_catalog(concepts: Path | None = None, formulas: Path | None = None, templates: Path | None = None) -> Catalog:
    """Read and check the catalog; any file not given is the bundled default."""
    concepts_path, formulas_path = concepts or _default("concepts.yaml"), formulas or _default("formulas.yaml")
    templates_path = templates or _default("templates.yaml")
    parsed_concepts = []
    for name, entry in read_yaml(concepts_path, XbrlError).items():
        if not isinstance(entry, dict) or entry.get("kind") not in ("stock", "flow") or not entry.get("tags"):
            raise XbrlError(f"concept {name!r} needs kind: stock|flow and a non-empty tags list", concepts_path)
        parsed_concepts.append(Concept(name, entry["kind"], tuple(entry["tags"])))
    known = {c.name for c in parsed_concepts}
    parsed_formulas = []
    for name, expression in read_yaml(formulas_path, XbrlError).items():
        formula = Formula(name, str(expression))
        unknown = [c for c in formula.concepts if c not in known]
        if unknown or not formula.concepts:
            raise XbrlError(f"formula {name!r} uses unknown concepts {unknown}", formulas_path,
                            hint=f"known concepts are defined in {concepts_path}")
        try:
            evaluate(formula, {concept: Decimal(1) for concept in formula.concepts})
        except ValueError as exc:
            raise XbrlError(str(exc), formulas_path, hint="use numbers, {Concept} names, + - * / and parentheses") from None
        parsed_formulas.append(formula)
    raw_templates = read_yaml(templates_path, XbrlError)
    missing = [task for task in TASKS if not raw_templates.get(task)]
    if missing:
        raise XbrlError(f"templates missing for tasks {missing}", templates_path)
    parsed_templates = {task: tuple(raw_templates[task]) for task in TASKS}
    return Catalog(tuple(parsed_concepts), tuple(parsed_formulas), parsed_templates)
