#!/usr/bin/env python
"""Build-time benchmark for `xbrlkit build`, against the raw Arelle load of the same filings.

Run it with `make bench` (which runs bench_load.py and this script), or from the
repository root with any environment that has the project installed:

    python bench/bench_build.py [--repeat N] [--jobs N]

Data: the shared real SEC filings under `$XBRLKIT_TEST_DATA/filings/` and the
offline Arelle cache `$XBRLKIT_TEST_DATA/taxonomy-cache/`.  XBRLKIT_TEST_DATA
defaults to `../shared/xbrl`; a relative value is resolved against the
repository root (the parent of bench/), not the current directory.

The target (the build issue): the whole build, per filing, costs at most 1.5x a
raw Arelle load of the same filing, measured in one run; peak memory reported.

Filings: every folder under filings/ is tried with `xbrlkit.load(folder,
"arelle", taxonomy_cache=...)` offline; folders Arelle cannot load from the
cache (xbrlkit.XbrlError) and filings whose form type is not 10-K (the build's
default `forms`) are listed and skipped, so the set is detected, not hard-coded.

Per filing, in one process and interleaved round by round (best of --repeat,
default 3, after one untimed warm-up call per method):

  arelle_raw    the anchor: a bare `Session.run` with exactly the RuntimeOptions
                xbrlkit's Arelle reader uses (`xbrlkit.read.arelle.runtime_options`),
                then every loaded model closed and removed from
                `session.get_models()` and the structured log list emptied
  build_fast    `build.process_filing(folder, BuildConfig(sources=(folder,)))`: the
                whole per-filing build with the default fast reader (load,
                deduplicate, resolve the catalog, generate the four tasks, and
                the calculation self-check)
  build_arelle  the same with `reader="arelle"` and the taxonomy cache

Ratios are to arelle_raw; the summary rows give total seconds (ratio of totals)
and geometric means.  The target is judged on build_fast (the default build):
PASS when the geometric mean of build_fast / arelle_raw over the filings is
<= 1.5 (the worst filing is printed beside it); build_arelle is reported against
the same limit for information.  One extra, untimed call of each method under
`tracemalloc` gives its peak Python-heap allocation in MiB.  tracemalloc only
sees Python's allocator: lxml/libxml2 trees (much of the fast reader's and part
of Arelle's memory) are invisible to it, so that table is not RSS.

End to end, timed once each (wall seconds, in this process, after the warm-up
above): `build.run(BuildConfig(sources=(CORPUS,)), jobs)` followed by
`export.write(result, <temp dir>, corpus_name)`, for two corpora:
  measured   a temporary folder of symlinks to exactly the filings measured
             above, so the sum of their best raw Arelle loads is a like-for-like
             anchor (ratio printed);
  filings/   the whole shared filings/ folder as `xbrlkit build --source` would
             see it (10-Qs are loaded and then skipped; 10-Ks Arelle cannot load
             are built by the fast reader), per filing used, against the mean
             raw Arelle load per measured filing.

Process memory: fresh child processes (same interpreter, same environment), each
started by a tiny launcher interpreter that reaps it with os.wait4 and reads its
own peak resident set (ru_maxrss; see child_rss for why not directly from here):
`python -c pass` (the interpreter alone), two import floors (an Arelle Session
created; the modules `xbrlkit build` imports), a child that does the raw Arelle
loads of the measured filings as above, and `python -m xbrlkit build --source CORPUS
--out TMP --jobs 1` (one process, whatever --jobs says) on the measured corpus
(fast reader, then `--reader arelle --taxonomy-cache`) and on filings/.  Max RSS,
its delta over the bare interpreter, and the child's wall time (cold: imports
included) are shown.

The exit status is 0 whether or not the target passes (1 on errors).

Isolation: as in bench_load.py, XDG_CONFIG_HOME, EDGAR_* point into a fresh
temporary folder before Arelle is imported (children get the same environment),
and outbound socket connections are refused in this process, so a measurement
that silently went to the network fails instead.
"""
from __future__ import annotations

import argparse
import gc
import importlib
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from _common import REPO, best_and_peak, detect, geomean, shared_filings, table

METHODS = ("arelle_raw", "build_fast", "build_arelle")
LIMIT = 1.5
FORM = "10-K"

RAW_ARELLE_CHILD = """\
import sys
from pathlib import Path
from xbrlkit.read import arelle
from xbrlkit.read.locate import instance_path
cache = Path(sys.argv[1])
session = arelle.session()
for folder in sys.argv[2:]:
    session.run(arelle.runtime_options(instance_path(Path(folder)), arelle.ArelleOptions(cache)))
    models = session.get_models()
    for model in list(models):
        model.close()
        models.remove(model)
    session.get_log_messages().clear()
"""


IMPORT_ARELLE = "from xbrlkit.read import arelle; arelle.session()"
IMPORT_BUILD = "import xbrlkit.cli, xbrlkit.datasets.build, xbrlkit.datasets.export, rich.progress"
LAUNCHER = """\
import os, subprocess, sys, time
start = time.perf_counter()
proc = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(proc.pid, 0)
wall = time.perf_counter() - start
proc.returncode = os.waitstatus_to_exitcode(status)
open(sys.argv[1], "w").write(f"{usage.ru_maxrss} {wall}")
sys.exit(proc.returncode)
"""


@dataclass
class Result:
    name: str
    facts: int = 0
    examples: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    peak_mib: dict[str, float] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def make_methods(folder: Path, cache: Path) -> dict[str, Callable[[], object]]:
    from xbrlkit.datasets.build import BuildConfig, process_filing
    from xbrlkit.read import arelle
    from xbrlkit.read.locate import instance_path

    options = arelle.runtime_options(instance_path(folder), arelle.ArelleOptions(taxonomy_cache=cache))
    session = arelle.session()
    fast_config = BuildConfig(sources=(folder,))
    arelle_config = BuildConfig(sources=(folder,), reader="arelle", taxonomy_cache=cache)

    def arelle_raw():
        session.run(options)
        models = session.get_models()
        facts = len(models[-1].factsInInstance) if models and not models[-1].isClosed else -1
        for model in list(models):
            model.close()
            models.remove(model)
        session.get_log_messages().clear()
        return facts

    return {
        "arelle_raw": arelle_raw,
        "build_fast": lambda: process_filing(folder, fast_config),
        "build_arelle": lambda: process_filing(folder, arelle_config),
    }


def bench_filing(folder: Path, cache: Path, repeat: int, facts: int) -> Result:
    result = Result(folder.name, facts=facts)
    methods = make_methods(folder, cache)
    for name, fn in methods.items():  # untimed warm-up, and a check that every method did the full job
        try:
            value = fn()
        except Exception as exc:
            result.errors[name] = f"{type(exc).__name__}: {' '.join(str(exc).split())[:300]}"
            continue
        if name == "arelle_raw":
            if value != facts:
                result.errors[name] = f"raw Arelle loaded {value} facts, the xbrlkit reader {facts}"
        elif value.skipped:
            result.errors[name] = f"the build skipped the filing: {value.skipped}"
        else:
            result.examples[name] = len(value.examples)
    live = {name: fn for name, fn in methods.items() if name not in result.errors}
    result.seconds, result.peak_mib = best_and_peak(live, repeat)
    return result


@dataclass
class EndToEnd:
    label: str
    seconds: float
    seen: int
    used: int
    questions: int


def end_to_end(label: str, source: Path, jobs: int, out: Path) -> EndToEnd:
    from xbrlkit.datasets import export
    from xbrlkit.datasets.build import BuildConfig, run

    gc.collect()
    start = time.perf_counter()
    result = run(BuildConfig(sources=(source,)), jobs)
    export.write(result, out, corpus_name=source.name)
    elapsed = time.perf_counter() - start
    summary = result.summary
    questions = sum(sum(by_split.values()) for by_split in summary["questions"].values())
    return EndToEnd(label, elapsed, summary["filings"]["seen"], summary["filings"]["used"], questions)


def child_rss(command: list[str], env: dict[str, str], log: Path) -> tuple[float, float]:
    """Run `command` as a fresh process; its peak RSS in MiB (ru_maxrss via wait4) and wall seconds.

    Linux carries the pre-exec address space's high-water mark into ru_maxrss at
    exec, so a child started straight from this (large) process would report at
    least this process's RSS.  A small launcher interpreter starts the command
    instead and reports its rusage: the command's exec then inherits only the
    launcher's few MiB, which is below any interpreter's own peak.
    """
    report = log.with_suffix(".rss")
    with log.open("w") as sink:
        done = subprocess.run([sys.executable, "-c", LAUNCHER, str(report), *command], env=env, cwd=REPO,
                              stdout=sink, stderr=subprocess.STDOUT)
    if done.returncode != 0:
        tail = log.read_text(errors="replace").strip()[-800:]
        raise RuntimeError(f"child {' '.join(command[:4])} ... failed ({done.returncode}): {tail}")
    maxrss_kib, wall = report.read_text().split()
    return int(maxrss_kib) / 1024, float(wall)  # Linux: ru_maxrss in KiB


def cell(result: Result, name: str) -> str:
    if name in result.errors:
        return "error"
    seconds = result.seconds[name]
    if name == "arelle_raw" or "arelle_raw" not in result.seconds:
        return f"{seconds:.4f}"
    return f"{seconds:.4f} ({seconds / result.seconds['arelle_raw']:.3f}x)"


def ratios(results: list[Result], numerator: str) -> list[tuple[float, str]]:
    return [(r.seconds[numerator] / r.seconds["arelle_raw"], r.name) for r in results
            if numerator in r.seconds and "arelle_raw" in r.seconds]


def report_filings(results: list[Result], repeat: int) -> list[Result]:
    headers = ["filing", "facts", "questions", "arelle_raw s", "build_fast s (x raw)", "build_arelle s (x raw)"]
    rows = [[r.name, str(r.facts), str(r.examples.get("build_fast", "-")), *(cell(r, m) for m in METHODS)]
            for r in results]
    complete = [r for r in results if all(m in r.seconds for m in METHODS)]
    if complete:
        total = {m: sum(r.seconds[m] for r in complete) for m in METHODS}
        gmean = {m: geomean([r.seconds[m] for r in complete]) for m in METHODS}
        gratio = {m: geomean([r.seconds[m] / r.seconds["arelle_raw"] for r in complete]) for m in METHODS}
        rows.append([f"total ({len(complete)})", str(sum(r.facts for r in complete)),
                     str(sum(r.examples["build_fast"] for r in complete)), f"{total['arelle_raw']:.4f}",
                     *(f"{total[m]:.4f} ({total[m] / total['arelle_raw']:.3f}x)" for m in METHODS[1:])])
        rows.append(["geomean", "", "", f"{gmean['arelle_raw']:.4f}",
                     *(f"{gmean[m]:.4f} ({gratio[m]:.3f}x)" for m in METHODS[1:])])
    print(f"Per-filing build vs raw Arelle load, seconds (best of {repeat}; ratio to arelle_raw in parentheses)")
    print(table(headers, rows))
    for r in results:
        for name, message in r.errors.items():
            print(f"  ! {r.name}: {name} failed: {message}")
        if r.examples.get("build_fast") != r.examples.get("build_arelle") and len(r.examples) == 2:
            print(f"  note: {r.name}: {r.examples['build_fast']} questions with the fast reader, "
                  f"{r.examples['build_arelle']} with the Arelle reader")

    print()
    print("Peak Python-heap allocation during one call, MiB (tracemalloc: Python allocator only, "
          "not RSS; lxml/libxml2 trees are invisible to it)")
    mem_rows = [[r.name, *(f"{r.peak_mib[m]:.1f}" if m in r.peak_mib else "error" for m in METHODS)] for r in results]
    if complete:
        mem_rows.append(["max", *(f"{max(r.peak_mib[m] for r in complete):.1f}" for m in METHODS)])
    print(table(["filing", *(f"{m} MiB" for m in METHODS)], mem_rows))
    return complete


def report_end_to_end(runs: list[EndToEnd], raw_total: float, raw_count: int, jobs: int) -> None:
    print()
    raw_mean = raw_total / raw_count
    print(f"End to end: build.run(jobs={jobs}) + export.write into a temp folder, timed once (wall s); "
          f"anchor: the best raw Arelle loads of the {raw_count} measured filings, "
          f"{raw_total:.4f} s total, {raw_mean:.4f} s/filing")
    rows = []
    for e in runs:
        per = e.seconds / e.used if e.used else math.nan
        rows.append([e.label, str(e.seen), str(e.used), str(e.questions), f"{e.seconds:.4f}", f"{per:.4f}",
                     f"{per / raw_mean:.3f}x"])
    print(table(["corpus", "folders", "filings used", "questions", "build+export s", "s/filing used",
                 "x raw Arelle per filing"], rows))


def report_rss(rows: list[tuple[str, float, float]]) -> None:
    print()
    print("Process peak memory: fresh child processes, max RSS (ru_maxrss via wait4), delta over a bare interpreter")
    base = rows[0][1]
    print(table(["child process", "max RSS MiB", "delta MiB", "wall s"],
                [[label, f"{rss:.1f}", f"{rss - base:+.1f}" if i else "-", f"{wall:.3f}"]
                 for i, (label, rss, wall) in enumerate(rows)]))


def report_targets(complete: list[Result], measured: EndToEnd | None, raw_total: float) -> None:
    print()
    print(f"Target: build <= {LIMIT}x raw Arelle load (geometric mean over filings; worst filing in brackets)")
    for name, judged in (("build_fast", True), ("build_arelle", False)):
        values = ratios(complete, name)
        if not values:
            print(f"  n/a   {name}: no filing measured")
            continue
        gm = geomean([v for v, _ in values])
        worst, worst_name = max(values)
        verdict = ("PASS" if gm <= LIMIT else "FAIL") if judged else ("(ok)" if gm <= LIMIT else "(over)")
        what = "default build (judged)" if judged else "Arelle-reader build (reported, not judged)"
        print(f"  {verdict:<5} {name} <= {LIMIT}x arelle_raw, {what}: {gm:.3f}x  "
              f"[worst {worst:.3f}x {worst_name}; {sum(v <= LIMIT for v, _ in values)}/{len(values)} filings within]")
    if measured is not None and raw_total:
        ratio = measured.seconds / raw_total
        print(f"  {'(ok)' if ratio <= LIMIT else '(over)':<5} end-to-end build + export of the measured filings "
              f"<= {LIMIT}x the sum of their raw Arelle loads (reported): {ratio:.3f}x "
              f"({measured.seconds:.4f} s vs {raw_total:.4f} s)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="timed rounds per filing; the best is kept (default 3)")
    parser.add_argument("--jobs", type=int, default=1, help="build workers for the end-to-end run (default 1)")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")

    tmp = Path(tempfile.mkdtemp(prefix="xbrlkit-bench-build-"))
    try:
        found = shared_filings("bench_build", tmp)
        if found is None:
            return 1
        env, filings_dir, cache = found
        folders = sorted(p for p in filings_dir.iterdir() if p.is_dir() and not p.name.startswith("."))

        from importlib.metadata import version

        for module in ("xbrlkit.datasets.build", "xbrlkit.datasets.export"):  # imported outside the timings
            importlib.import_module(module)

        print(f"xbrlkit build benchmark: {filings_dir.parent}  (Python {sys.version.split()[0]}, "
              f"arelle-release {version('arelle-release')}, lxml {version('lxml')}, pyarrow {version('pyarrow')}; "
              f"{os.cpu_count()} CPUs)")
        usable, skipped = detect(folders, cache, FORM)
        for name, why in skipped:
            print(f"  skipped {name}: {why}")
        if not usable:
            print(f"bench_build: no {FORM} filing folder loads with the Arelle reader offline", file=sys.stderr)
            return 1
        print()
        results = [bench_filing(folder, cache, args.repeat, facts) for folder, facts in usable]
        complete = report_filings(results, args.repeat)
        measured_folders = [filings_dir / r.name for r in complete]
        if not complete:
            print("bench_build: no filing was measured by every method", file=sys.stderr)
            return 1
        raw_total = sum(r.seconds["arelle_raw"] for r in complete)

        corpus = tmp / "measured"
        corpus.mkdir()
        for folder in measured_folders:
            (corpus / folder.name).symlink_to(folder, target_is_directory=True)
        runs = [end_to_end(f"measured ({len(measured_folders)} 10-Ks)", corpus, args.jobs, tmp / "out-measured"),
                end_to_end("filings/ (all folders)", filings_dir, args.jobs, tmp / "out-all")]
        report_end_to_end(runs, raw_total, len(complete), args.jobs)

        cli = [sys.executable, "-m", "xbrlkit", "build", "--jobs", "1"]
        children = [
            ("python -c pass", [sys.executable, "-c", "pass"]),
            ("imports only: Arelle Session", [sys.executable, "-c", IMPORT_ARELLE]),
            ("imports only: xbrlkit build + export", [sys.executable, "-c", IMPORT_BUILD]),
            (f"raw Arelle loads, measured ({len(measured_folders)})",
             [sys.executable, "-c", RAW_ARELLE_CHILD, str(cache), *map(str, measured_folders)]),
            (f"xbrlkit build, measured ({len(measured_folders)})",
             [*cli, "--source", str(corpus), "--out", str(tmp / "cli-measured")]),
            (f"xbrlkit build --reader arelle, measured ({len(measured_folders)})",
             [*cli, "--reader", "arelle", "--taxonomy-cache", str(cache), "--source", str(corpus),
              "--out", str(tmp / "cli-measured-arelle")]),
            (f"xbrlkit build, filings/ ({len(folders)} folders)",
             [*cli, "--source", str(filings_dir), "--out", str(tmp / "cli-all")]),
        ]
        rss = [(label, *child_rss(command, env, tmp / f"child-{i}.log")) for i, (label, command) in enumerate(children)]
        report_rss(rss)
        report_targets(complete, runs[0], raw_total)
        return 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
