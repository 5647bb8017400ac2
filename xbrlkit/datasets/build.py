"""`xbrlkit build`: a local corpus of filings -> the four XBRL task datasets.

Each filing is processed on its own (in parallel with `jobs` > 1): load,
deduplicate, resolve the catalog for its fiscal year, generate examples and
formula ground truth, and check value answers against its calculation
linkbase. The results are merged in corpus order, split, and de-duplicated
by (question, answer) within each split, so the output does not depend on
worker scheduling.
"""
from __future__ import annotations

import random
import signal
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Literal, Mapping

from xbrlkit.datasets import self_check
from xbrlkit.datasets.catalog import TASKS, Catalog, load_catalog
from xbrlkit.datasets.prompt_context import Style
from xbrlkit.datasets.questions import Example, FormulaTruth, Skip, Source, examples_for
from xbrlkit.datasets.resolve import NotResolvable, resolve
from xbrlkit.dedupe import deduplicate
from xbrlkit.edgar import corpus
from xbrlkit.errors import XbrlError
from xbrlkit.model import Filing
from xbrlkit.read.loader import Reader, load
from xbrlkit.read.locate import document_kind, has_taxonomy_files

SplitBy = Literal["year", "company"]
SHOWN_REJECTED = 20
"""How many of a filing's rejected facts `build_summary.json` lists (all are counted)."""


@dataclass(frozen=True)
class BuildConfig:
    sources: tuple[Path, ...]
    """Corpus folders, filing folders or documents (see `discover`)."""
    years: tuple[int, int] | None = None
    tickers: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    """Selected tickers -> the fiscal years each is selected for (empty: any year); no entry: every ticker."""
    split_by: SplitBy = "year"
    test_year: int = 2023
    style: Style = "rich"
    max_context_chars: int = 8000
    seed: int = 0
    reader: Reader = "fast"
    taxonomy_cache: Path | None = None
    forms: tuple[str, ...] = ("10-K",)
    strict: bool = False
    """Skip a filing with any unreadable fact, instead of rejecting the fact and using the rest."""
    concepts_file: Path | None = None
    formulas_file: Path | None = None
    templates_file: Path | None = None

    def catalog(self) -> Catalog:
        return load_catalog(self.concepts_file, self.formulas_file, self.templates_file)

    @property
    def corpus_name(self) -> str:
        return "+".join(source.name for source in self.sources)


@dataclass
class FilingResult:
    """What one filing contributed (or why it contributed nothing)."""

    filing: str
    ticker: str | None = None
    fiscal_year: int | None = None
    facts: int = 0
    skipped: str | None = None
    unanswered: dict[str, str] = field(default_factory=dict)
    """Catalog concepts the filing could not answer, and why."""
    rejected: list[str] = field(default_factory=list)
    """The facts the reader could not read, each as `concept (context) line N: reason`."""
    examples: list[Example] = field(default_factory=list)
    truths: list[FormulaTruth] = field(default_factory=list)
    skips: list[Skip] = field(default_factory=list)
    checks: list[self_check.Check] = field(default_factory=list)


@dataclass(frozen=True)
class BuildResult:
    splits: dict[str, dict[str, list[Example]]]
    """task -> split -> examples."""
    truths: list[FormulaTruth]
    summary: dict


@dataclass(frozen=True)
class Discovered:
    filings: tuple[Path, ...]
    """Filing folders and loose documents, each one filing."""
    names: tuple[str, ...]
    """What the summary and the rows call each filing: its file or folder name (with its parent's where two share
    one)."""
    ignored: dict[str, str]
    """Files of the sources that are not XBRL documents, and why they were passed over."""


def discover(sources: Iterable[Path]) -> Discovered:
    """The filings of the sources, each source in name order.

    A source is a filing folder (it holds a filing.json, a company schema or linkbases), a single instance or
    inline document, or a corpus folder: each of its subfolders is a filing folder and each loose instance or
    inline document is a filing of its own. Anything else in a corpus folder is listed as ignored, with the reason.
    """
    filings, ignored = [], {}
    for source in sources:
        if not source.exists():
            raise XbrlError("source not found", source,
                            hint="pass a folder of filing folders or documents, a filing folder or a document")
        if source.is_file() or (source / corpus.MARKER).is_file() or has_taxonomy_files(source):
            filings.append(source)
            continue
        for entry in sorted(p for p in source.iterdir() if not p.name.startswith(".")):
            if entry.is_dir() or document_kind(entry):
                filings.append(entry)
            else:
                ignored[f"{source.name}/{entry.name}"] = "not an XBRL instance or inline XBRL document"
    unique: dict[Path, Path] = {}
    for path in filings:  # a filing given twice (two overlapping sources) is one filing
        unique.setdefault(path.resolve(), path)
    filings = list(unique.values())
    if not filings:
        raise XbrlError("no filing found: no filing folder, XBRL instance (*.xml) or inline XBRL document (*.htm)",
                        ", ".join(str(s) for s in sources), hint="point --source at filings from `xbrlkit download`")
    shared = {name for name, count in Counter(p.name for p in filings).items() if count > 1}
    names = tuple(f"{p.parent.name}/{p.name}" if p.name in shared else p.name for p in filings)
    return Discovered(tuple(filings), names, ignored)


def _source_info(path: Path, name: str, filing: Filing) -> Source:
    stored = corpus.label(path)
    ticker = (filing.ticker or stored.ticker).upper()
    return Source(ticker=ticker, company=filing.entity_name or ticker, cik=filing.cik, filing=name,
                  accession=stored.accession_number)


def process_filing(path: Path, config: BuildConfig, name: str | None = None) -> FilingResult:
    """Everything the build needs from one filing, which the results call `name` (default: its file or folder
    name); bad filings are reported, not fatal."""
    name = name or path.name
    result = FilingResult(filing=name)
    try:
        filing = load(path, config.reader, taxonomy_cache=config.taxonomy_cache, calculations=True,
                      strict=config.strict)
        source = _source_info(path, name, filing)
    except XbrlError as error:
        result.skipped = f"cannot load: {error}"
        return result
    result.ticker, result.fiscal_year, result.facts = source.ticker, filing.fiscal_year_focus, len(filing.facts)
    result.rejected = [r.describe() for r in filing.rejected]
    if config.tickers and source.ticker not in config.tickers:
        result.skipped = "ticker not selected"
    elif config.tickers.get(source.ticker) and filing.fiscal_year_focus not in config.tickers[source.ticker]:
        result.skipped = f"fiscal year {filing.fiscal_year_focus} not selected for {source.ticker}"
    elif (filing.form_type or "") not in config.forms:
        result.skipped = f"form {filing.form_type} not selected (forms: {', '.join(config.forms)})"
    elif config.years and not (filing.fiscal_year_focus and config.years[0] <= filing.fiscal_year_focus <= config.years[1]):
        result.skipped = f"fiscal year {filing.fiscal_year_focus} outside {config.years[0]}-{config.years[1]}"
    if result.skipped:
        return result
    deduped = deduplicate(filing.facts)
    catalog = config.catalog()
    try:
        resolution = resolve(filing, deduped, catalog)
    except NotResolvable as reason:
        result.skipped = str(reason)
        return result
    result.unanswered = resolution.unresolved
    result.examples, result.truths, result.skips = examples_for(
        deduped.facts, resolution, source, catalog, config.style, config.max_context_chars, config.seed)
    result.checks = self_check.check(resolution.resolved, deduped.facts, filing.calculations)
    return result


def run(config: BuildConfig, jobs: int = 1,
        progress: Callable[[Iterable[FilingResult], int], Iterable[FilingResult]] = lambda results, total: results
        ) -> BuildResult:
    """Process every filing of the corpus and assemble splits and summary."""
    config.catalog()  # fail early on a bad catalog, before any worker starts
    found = discover(config.sources)
    jobs_args = [(path, config, name) for path, name in zip(found.filings, found.names)]
    if jobs > 1:
        pool = ProcessPoolExecutor(max_workers=jobs, initializer=_worker_signals)
        try:
            results = list(progress(pool.map(_process_job, jobs_args), len(jobs_args)))
        except BaseException:  # Ctrl-C, SIGTERM (console.Terminated) or an error: end the workers now
            for process in list(pool._processes.values()):  # no public way to do this before Python 3.14
                process.terminate()
            raise
        finally:
            pool.shutdown(cancel_futures=True)
    else:
        results = list(progress((_process_job(job) for job in jobs_args), len(jobs_args)))
    return _assemble(results, config, found.ignored)


def _process_job(job: tuple[Path, BuildConfig, str]) -> FilingResult:
    return process_filing(*job)


def _worker_signals() -> None:
    """Workers leave Ctrl-C and SIGTERM to the main process, which ends them."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _test_tickers(results: list[FilingResult], config: BuildConfig) -> set[str]:
    tickers = sorted({r.ticker for r in results if r.examples and r.ticker})
    if config.split_by != "company" or not tickers:
        return set()
    count = max(1, round(len(tickers) * 0.2))
    return set(random.Random(config.seed).sample(tickers, count))


def _assemble(results: list[FilingResult], config: BuildConfig, ignored: dict[str, str]) -> BuildResult:
    test_tickers = _test_tickers(results, config)

    def split_of(example: Example) -> str:
        if config.split_by == "company":
            return "test" if example.ticker in test_tickers else "train"
        return "test" if example.fiscal_year == config.test_year else "train"

    splits: dict[str, dict[str, list[Example]]] = {task: {"train": [], "test": []} for task in TASKS}
    seen: set[tuple[str, str, str, str]] = set()
    duplicates = Counter()
    for result in results:
        for example in result.examples:
            split = split_of(example)
            key = (example.task, split, example.question, example.answer)
            if key in seen:
                duplicates[example.task] += 1
                continue
            seen.add(key)
            splits[example.task][split].append(example)
    summary = {
        "config": {k: _names(v) for k, v in asdict(config).items()},
        "filings": {"seen": len(results), "used": sum(1 for r in results if not r.skipped),
                    "skipped": {r.filing: r.skipped for r in results if r.skipped}, "ignored_files": ignored},
        "unanswered": {r.filing: r.unanswered for r in results if r.unanswered},
        "rejected_facts": {r.filing: {"count": len(r.rejected), "first": r.rejected[:SHOWN_REJECTED]}
                           for r in results if r.rejected},
        "facts": sum(r.facts for r in results),
        "questions": {task: {split: len(rows) for split, rows in by_split.items()} for task, by_split in splits.items()},
        "duplicates_dropped": dict(sorted(duplicates.items())),
        "not_generated": {task: dict(sorted(Counter(s.reason for r in results for s in r.skips if s.task == task).items()))
                          for task in TASKS},
        "calculation_self_check": _self_check_summary(results),
        "test_companies": sorted(test_tickers) if config.split_by == "company" else None,
    }
    return BuildResult(splits, [t for r in results for t in r.truths], summary)


def _names(value):
    """Paths by name only: the summary is published with the data and must not leak local folders."""
    if isinstance(value, Path):
        return value.name
    if isinstance(value, tuple) and value and all(isinstance(v, Path) for v in value):
        return [v.name for v in value]
    return value


def _self_check_summary(results: list[FilingResult]) -> dict:
    """How many value answers the calculation linkbase could check, and how many agree in every relation."""
    checked = agreeing = 0
    disagreements = []
    for result in results:
        concepts = {c.concept for c in result.checks}
        failing = {c.concept for c in result.checks if not c.agrees}
        checked += len(concepts)
        agreeing += len(concepts - failing)
        disagreements += [{"filing": result.filing, "concept": c.concept, "tag": c.tag, "role": c.role,
                           "reported": format(c.reported, "f"), "computed": format(c.computed, "f")}
                          for c in result.checks if not c.agrees]
    return {"answers_checked": checked, "answers_agreeing": agreeing,
            "relations_checked": sum(len(r.checks) for r in results), "disagreements": disagreements}
