"""Training sets in the reference `{"context", "target"}` format, built per category from public sources.

configs/categories.yaml says which builder reads which files for each category; `build` runs them,
caps a source's rows if asked (to set the mix), removes every row whose input repeats a
held-out test input, drops duplicates, then optionally balances labels and applies a limit,
all seeded and deterministic.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterable

from finlora_common import jsonl
from finlora_train import categories
from finlora_train.data import conll_ner, fiqa, fnxl, headline, phrasebank, reference_jsonl, selection, tfns, xbrl
from finlora_train.data.files import Row
from finlora_train.data.options import DataOptions
from finlora_train.errors import TrainError
from xbrlkit.datasets import finlora_format

__all__ = ["BUILDERS", "CATEGORIES", "DataOptions", "build", "builder_rows", "source_rows", "unavailable_reason",
           "write_jsonl"]

Builder = Callable[[dict[str, Any], DataOptions], list[Row]]
BUILDERS: dict[str, Builder] = {
    "phrasebank": phrasebank.build,
    "fiqa": fiqa.build,
    "tfns": tfns.build,
    "headline": headline.build,
    "conll_ner": conll_ner.build,
    "fnxl": fnxl.build,
    "reference_jsonl": reference_jsonl.build,
    "xbrl": xbrl.build,
}
CATEGORIES: tuple[str, ...] = tuple(categories.categories())


def unavailable_reason(category: str) -> str | None:
    """Why the category cannot be built, or None."""
    return categories.category(category).unavailable


def source_rows(category: str, options: DataOptions) -> list[list[Row]]:
    """The rows of each source of the category, as its builder gives them (before any selection)."""
    spec = categories.category(category)
    if spec.unavailable:
        raise TrainError(f"{category}: {spec.unavailable}")
    for source in spec.sources:
        if source.builder not in BUILDERS:
            raise TrainError(f"{category}: unknown builder {source.builder!r}", categories.CATEGORIES_YAML)
    return [BUILDERS[source.builder](source.params, options) for source in spec.sources]


def builder_rows(category: str, builder: str, options: DataOptions) -> list[Row]:
    """The rows of the category's source read by `builder`, minus every row whose input repeats a held-out test
    input (finlora_eval draws its few-shot examples from them)."""
    spec = categories.category(category)
    found = [source for source in spec.sources if source.builder == builder]
    if not found:
        raise TrainError(f"{category} has no source read by {builder!r}",
                         hint=f"its sources: {', '.join(source.builder for source in spec.sources)}")
    rows = BUILDERS[builder](found[0].params, options)
    return selection.without_held_out(rows, selection.held_out_keys(spec, options))


def build(category: str, options: DataOptions) -> list[Row]:
    """The category's training rows: the same inputs and seed give the same rows."""
    spec = categories.category(category)
    if options.balance and not spec.classification:
        labelled = ", ".join(name for name, found in categories.categories().items() if found.classification)
        raise TrainError(f"--balance needs label targets; {category} has none", hint=f"balance one of {labelled}")
    unknown = sorted(set(options.caps) - {source.builder for source in spec.sources})
    if unknown:
        raise TrainError(f"{category} has no source {', '.join(unknown)} to cap",
                         hint=f"its sources: {', '.join(source.builder for source in spec.sources)}")
    per_source = zip(spec.sources, source_rows(category, options))
    rows = [row for source, found in per_source
            for row in selection.sample(found, options.caps.get(source.builder, len(found)), options.seed)]
    rows = selection.dedupe(selection.without_held_out(rows, selection.held_out_keys(spec, options)))
    if options.balance:
        rows = selection.balance(rows, options.seed)
    if options.limit is not None:
        rows = selection.sample(rows, options.limit, options.seed)
    if not rows:
        raise TrainError(f"{category}: no training rows were built", options.data_dir)
    return rows


def write_jsonl(rows: Iterable[Row], path: str | Path) -> None:
    """Training rows as `{context, target}` JSON Lines; the file appears only when complete."""
    jsonl.write_jsonl(rows, path, finlora_format.KEYS)
