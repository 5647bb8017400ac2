"""Test rows of a dataset, from the first of its registry sources that is present.

Every source yields reference-format rows `{context, target}`: a JSONL file under
--data-dir, the FNXL CSV (batched by `finlora_eval.fnxl`), the test part of the gold
headline file (`finlora_eval.headline`), an `xbrlkit build`
folder, or a Hugging Face dataset. Examples keep their row number in the source,
so predictions stay traceable when only part of a file is evaluated.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from finlora_eval import fnxl, headline
from finlora_eval.errors import DataUnavailable, EvalError
from finlora_eval.registry import DatasetSpec, Source
from xbrlkit.datasets import finlora_format


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
        table = datasets.load_dataset(folder, split=source.split)
    except Exception as exc:  # noqa: BLE001 - the Hub client raises many types; all mean "not available here"
        raise DataUnavailable(f"cannot load {source.location} ({type(exc).__name__})") from None
    try:
        return [{"context": source.prompt.format(**row), "target": str(row[source.target])} for row in table]
    except (KeyError, IndexError) as exc:
        raise EvalError(f"{source.location}: column {exc} is not in the dataset "
                        f"(columns: {', '.join(table.column_names)})") from None


def _locate(source: Source, places: Locations) -> Path | str:
    """Where the source is, or DataUnavailable saying what was looked for."""
    if source.kind == "hf":
        return source.location
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
        return headline.rows(path, "test")
    return finlora_format.read(path, EvalError)


def rows(spec: DatasetSpec, places: Locations) -> tuple[list[dict], Source, str]:
    """The rows of the first available source, that source, and where the rows came from."""
    if spec.unavailable:
        raise DataUnavailable(spec.unavailable)
    missing = []
    for source in spec.sources:
        try:
            where = _locate(source, places)
            if source.kind == "hf":
                return _hf_rows(source), source, f"hf:{where}:{source.split}"
        except DataUnavailable as why:
            missing.append(str(why))
            continue
        return _read(source, where), source, str(where)
    raise DataUnavailable("; ".join(missing))


def load(spec: DatasetSpec, places: Locations, limit: int | None = None, sample: int | None = None,
         seed: int = 42) -> TestSet:
    """The examples to evaluate: all rows, the first `limit`, or a seeded random `sample` in file order."""
    found, source, where = rows(spec, places)
    if not found:
        raise EvalError(f"{spec.key}: no rows", where)
    examples = [Example(i, row["context"], row["target"]) for i, row in enumerate(found)]
    selection = "all rows"
    if sample is not None and sample < len(examples):
        picked = sorted(random.Random(seed).sample(range(len(examples)), sample))
        examples = [examples[i] for i in picked]
        selection = f"seeded sample of {sample} rows (seed {seed})"
    if limit is not None and limit < len(examples):
        examples = examples[:limit]
        selection = f"first {limit} rows" if selection == "all rows" else f"{selection}, first {limit}"
    return TestSet(spec.key, where, source.note, len(found), selection, tuple(examples))
