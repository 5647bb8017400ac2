"""Training sets in the reference `{"context", "target"}` format, built per category from public sources.

configs/categories.yaml says which builder reads which files for each category; `build` runs them,
caps a source's rows if asked (to set the mix), removes every row whose input repeats a
held-out test input, drops duplicates, then optionally balances labels and applies a limit,
all seeded and deterministic.
"""
from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable, Iterable

from finlora_common import jsonl
from finlora_common.prompt import overlap_key
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
HELD_OUT_SPLITS: dict[str, Builder] = {"headline": headline.held_out}
"""The builders that split their source themselves: the part the evaluation uses, kept out of every mix."""
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


def _split_test_keys(mix: categories.Category, options: DataOptions) -> set[str]:
    """The inputs of the test parts that the mix's members split off their own sources (Headline's)."""
    return {overlap_key(row["context"]) for member in mix.mix for source in categories.category(member).sources
            if source.builder in HELD_OUT_SPLITS for row in HELD_OUT_SPLITS[source.builder](source.params, options)}


def rows_for_eval(category: str, builder: str, data_dir: Path, xbrl_dir: Path | None) -> list[Row]:
    """`builder_rows` with the default options: finlora_eval's few-shot examples (its entry point
    finlora_eval.training_rows, in pyproject.toml)."""
    return builder_rows(category, builder, DataOptions(data_dir, xbrl_dir))


def build(category: str, options: DataOptions) -> list[Row]:
    """The category's training rows: the same inputs and seed give the same rows."""
    spec = categories.category(category)
    if options.balance and not spec.classification:
        labelled = ", ".join(name for name, found in categories.categories().items() if found.classification)
        raise TrainError(f"--balance needs label targets; {category} has none", hint=f"balance one of {labelled}")
    unknown = sorted(set(options.caps) - {source.builder for source in spec.sources})
    if unknown and spec.mix:
        raise TrainError(f"{category} mixes categories; cap them in its `mix` in categories.yaml",
                         hint="or cap the sources of one category")
    if unknown:
        raise TrainError(f"{category} has no source {', '.join(unknown)} to cap",
                         hint=f"its sources: {', '.join(source.builder for source in spec.sources)}")
    if spec.mix:  # each member built with its own rules, then capped; every member's test inputs held out below
        rows = [row for member, cap in spec.mix.items()
                for row in selection.sample(build(member, replace(options, balance=False, limit=None, caps={})),
                                            cap or sys.maxsize, options.seed)]
        held_out = selection.held_out_keys(spec, options) | _split_test_keys(spec, options)
    else:
        per_source = zip(spec.sources, source_rows(category, options))
        rows = [row for source, found in per_source
                for row in selection.sample(found, options.caps.get(source.builder, len(found)), options.seed)]
        held_out = selection.held_out_keys(spec, options)
    rows = selection.dedupe(selection.without_held_out(rows, held_out))
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
