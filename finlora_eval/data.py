"""Test rows of a dataset, from the first of its registry sources that is present.

Every source yields reference-format rows `{context, target}`: a JSONL file under
--data-dir, the FNXL CSV (batched by `finlora_eval.fnxl`), the test part of the gold
headline file (`finlora_eval.headline`), an `xbrlkit build`
folder, or a Hugging Face dataset. Examples keep their row number in the source,
so predictions stay traceable when only part of a file is evaluated.

With --num-fewshot K, K solved examples from the dataset's training source (registry
`fewshot`) go before every prompt. They are drawn once per dataset with the seed, the
same K for every prompt (as HELM does; the prompts then share them as a prefix, which
the hf backend computes once), and never a row whose input is an input of the test file.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from finlora_common.prompt import overlap_key
from finlora_eval import fnxl, forgetting, headline
from finlora_eval.errors import DataUnavailable, EvalError
from finlora_eval.registry import DatasetSpec, Source
from xbrlkit.datasets import finlora_format

SHOT_DELIMITER = "\n\n"
TRAINING_ROWS = "finlora_eval.training_rows"
"""Entry-point group of the reader of training rows: (category, builder, data_dir, xbrl_dir) -> rows."""


@dataclass(frozen=True)
class Example:
    index: int
    """0-based row number in the source."""
    prompt: str
    target: str


@dataclass(frozen=True)
class TestSet:
    key: str
    source: str
    """The file, folder or dataset id the rows came from."""
    note: str | None
    rows: int
    """Rows in the source, before --limit/--sample."""
    selection: str
    examples: tuple[Example, ...]
    fewshot: dict | None = None
    """With few-shot examples: how many, the seed, where from, and their row numbers there."""


@dataclass(frozen=True)
class Locations:
    data_dir: Path | None = None
    """Holds the reference test files (test/*.jsonl) and sources/, like ../shared/finlora."""
    xbrl_dir: Path | None = None
    """An `xbrlkit build` output folder."""


def _hf_rows(source: Source) -> list[dict]:
    try:
        import datasets
    except ImportError:
        raise DataUnavailable(f"hf source {source.location} needs the `datasets` package",
                              hint="pip install 'finlora[eval]'") from None
    from huggingface_hub import snapshot_download

    try:
        # A local folder loads as it is; a Hub id is fetched first, which fails fast when offline
        # (load_dataset itself retries for half a minute).
        folder = source.location if Path(source.location).is_dir() else snapshot_download(
            source.location, repo_type="dataset")
        table = datasets.load_dataset(folder, source.config, split=source.split)
    except Exception as exc:  # noqa: BLE001 - the Hub client raises many types; all mean "not available here"
        raise DataUnavailable(f"cannot load {source.location} ({type(exc).__name__})") from None
    try:
        if source.builder:
            return [forgetting.ROWS[source.builder](row) for row in table]
        return [{"context": source.prompt.format(**row), "target": str(row[source.target])} for row in table]
    except (KeyError, IndexError) as exc:
        raise EvalError(f"{source.location}: column {exc} is not in the dataset "
                        f"(columns: {', '.join(table.column_names)})") from None


def _train_rows(source: Source, places: Locations) -> list[dict]:
    """A finlora-train category's rows, from the package that defines the training sources: it registers its reader
    as an entry point of the group TRAINING_ROWS, so that finlora_eval depends on no training code."""
    from importlib.metadata import entry_points

    if places.data_dir is None:
        raise DataUnavailable("needs the FinLoRA data folder for the training source", hint="give --data-dir")
    readers = list(entry_points(group=TRAINING_ROWS))
    if not readers:
        raise DataUnavailable("needs finlora-train's training sources", hint="pip install 'finlora[train]'")
    return readers[0].load()(source.location, source.builder, places.data_dir, places.xbrl_dir)


def _locate(source: Source, places: Locations) -> Path | str:
    """Where the source is, or DataUnavailable saying what was looked for."""
    if source.kind == "hf":
        return source.location
    if source.kind == "train":
        return f"finlora-train {source.location}/{source.builder}"
    if source.kind == "xbrl":
        if places.xbrl_dir is None:
            raise DataUnavailable("needs an `xbrlkit build` output folder", hint="give --xbrl-dir")
        path = finlora_format.path(places.xbrl_dir, source.location, source.split)
    else:
        if places.data_dir is None:
            raise DataUnavailable("needs the folder of test files", hint="give --data-dir")
        path = places.data_dir / source.location
    if not path.is_file():
        raise DataUnavailable(f"{path} not found")
    return path


def _read(source: Source, path: Path) -> list[dict]:
    if source.kind == "fnxl_csv":
        return fnxl.prompts(path)
    if source.kind == "headline_csv":
        return headline.rows(path, source.split)
    return finlora_format.read(path, EvalError)


def _first(sources: tuple[Source, ...], places: Locations) -> tuple[list[dict], Source, str]:
    """The rows of the first available source, that source, and where the rows came from."""
    missing = []
    for source in sources:
        try:
            where = _locate(source, places)
            if source.kind == "hf":
                return _hf_rows(source), source, f"hf:{where}:{source.split}"
            if source.kind == "train":
                return _train_rows(source, places), source, where
        except DataUnavailable as why:
            missing.append(str(why))
            continue
        return _read(source, where), source, str(where)
    raise DataUnavailable("; ".join(missing))


def rows(spec: DatasetSpec, places: Locations) -> tuple[list[dict], Source, str]:
    """The test rows of the first available source, that source, and where the rows came from."""
    if spec.unavailable:
        raise DataUnavailable(spec.unavailable)
    return _first(spec.sources, places)


def solved(context: str, target: str) -> str:
    """A prompt followed by its answer, as a few-shot example (a space between them unless the prompt ends in one)."""
    return context + target if context[-1:].isspace() else f"{context} {target}"


def fewshot_rows(spec: DatasetSpec, places: Locations, tests: list[dict], k: int,
                 seed: int) -> tuple[list[dict], dict]:
    """K rows of the dataset's training source, drawn with `seed`, none with an input of the test rows; and the
    record of the draw."""
    if not spec.fewshot:
        raise EvalError(f"{spec.key} has no training source to draw few-shot examples from (registry `fewshot`)",
                        hint="evaluate it with --num-fewshot 0")
    try:
        pool, _, where = _first(spec.fewshot, places)
    except DataUnavailable as why:
        raise EvalError(f"{spec.key}: no few-shot source is available: {why}") from None
    held_out = {overlap_key(row["context"]) for row in tests}
    allowed = [i for i, row in enumerate(pool) if overlap_key(row["context"]) not in held_out]
    if len(allowed) < k:
        raise EvalError(f"{spec.key}: {len(allowed)} training rows can be few-shot examples, fewer than {k}", where)
    picked = random.Random(seed).sample(allowed, k)
    return [pool[i] for i in picked], {"k": k, "seed": seed, "source": where, "rows": picked}


def load(spec: DatasetSpec, places: Locations, limit: int | None = None, sample: int | None = None,
         seed: int = 42, num_fewshot: int = 0) -> TestSet:
    """The examples to evaluate: all rows, the first `limit`, or a seeded random `sample` in file order; with
    `num_fewshot`, K solved training examples (drawn with `seed`) before each prompt."""
    found, source, where = rows(spec, places)
    if not found:
        raise EvalError(f"{spec.key}: no rows", where)
    shots, fewshot = fewshot_rows(spec, places, found, num_fewshot, seed) if num_fewshot else ([], None)
    preamble = "".join(solved(row["context"], row["target"]) + SHOT_DELIMITER for row in shots)
    examples = [Example(i, preamble + row["context"], row["target"]) for i, row in enumerate(found)]
    selection = "all rows"
    if sample is not None and sample < len(examples):
        picked = sorted(random.Random(seed).sample(range(len(examples)), sample))
        examples = [examples[i] for i in picked]
        selection = f"seeded sample of {sample} rows (seed {seed})"
    if limit is not None and limit < len(examples):
        examples = examples[:limit]
        selection = f"first {limit} rows" if selection == "all rows" else f"{selection}, first {limit}"
    return TestSet(spec.key, where, source.note, len(found), selection, tuple(examples), fewshot)
