#!/usr/bin/env python
"""Load-time benchmark for xbrlkit's two readers, against raw Arelle and edgartools.

Run it with `make bench` (builds .venv with the dev extras, edgartools included),
or from the repository root with any environment that has the project installed:

    python bench/bench_load.py [--repeat N] [--filings NAME,...]

Data: the shared real SEC filings under `$XBRLKIT_TEST_DATA/filings/` and the
offline Arelle cache `$XBRLKIT_TEST_DATA/taxonomy-cache/`.  XBRLKIT_TEST_DATA
defaults to `../shared/xbrl`; a relative value is resolved against the
repository root (the parent of bench/), not the current directory.

Every filing folder is tried with `xbrlkit.load(folder, "arelle")` offline; the
folders Arelle cannot load from the cache (xbrlkit.XbrlError) are listed and
skipped, so the set is detected, not hard-coded.  For each remaining folder the
benchmark times, in one process and interleaved round by round (best of
--repeat, default 3, after an untimed warm-up load per method):

  arelle_raw      the anchor: a bare `Session.run` with exactly the RuntimeOptions
                  xbrlkit's Arelle reader uses (`arelle.runtime_options`),
                  then the loaded models closed and the log list emptied
  xbrlkit_arelle  `xbrlkit.load(folder, "arelle", taxonomy_cache=...)`
  fast            `xbrlkit.load(folder, "fast")`
  edgartools      the peer: `edgar.xbrl.XBRL.from_directory(folder)`, a local parse
  lxml            `lxml.etree.parse(instance)`: the floor, parsing with no fact model

Ratios are to arelle_raw (and fast is also given relative to edgartools).  The
summary rows give the total seconds (ratio of totals) and the geometric means.
One extra, untimed run of each method under `tracemalloc` gives its peak
Python-heap allocation in MiB.  tracemalloc only sees allocations made through
Python's allocator: lxml/libxml2 trees (most of lxml's, and part of Arelle's
and edgartools' memory) are invisible to it, so that table is not RSS.

Last, a cold-process comparison: the wall time of a fresh
`python -m xbrlkit facts FOLDER --format jsonl -o FILE` versus a fresh
`python -c` that parses FOLDER with edgartools' `XBRL.from_directory` and
writes its facts DataFrame as JSON lines, on AAPL_10-K_FY2023 (median of 3, same interpreter, same environment; a bare
`python -c pass` is shown for the interpreter's own start-up).

Targets, judged on the geometric mean over the filings (the worst filing is
printed beside it):  xbrlkit_arelle <= 1.25x arelle_raw;  fast <= 0.10x
arelle_raw;  fast <= 0.5x edgartools;  cold xbrlkit process < cold edgartools
process.  The exit status is 0 whether or not the targets pass (1 on errors).

Isolation: before Arelle or edgartools is imported, XDG_CONFIG_HOME,
EDGAR_LOCAL_DATA_DIR and EDGAR_CACHE_DIR point into a fresh temporary folder
and EDGAR_IDENTITY is set to a dummy, so no user configuration leaks in and
edgartools never prompts; the child processes of the cold comparison get the
same environment.  In this process outbound socket connections are refused, so
a measurement that silently went to the network would fail instead.
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from _common import REPO, best_and_peak, detect, geomean, shared_filings, table

COLD_FILING = "AAPL_10-K_FY2023"
METHODS = ("arelle_raw", "xbrlkit_arelle", "fast", "edgartools", "lxml")

TARGETS = (
    # label, numerator, denominator, limit
    ("xbrlkit Arelle reader <= 1.25x raw Arelle", "xbrlkit_arelle", "arelle_raw", 1.25),
    ("fast reader <= 0.10x raw Arelle", "fast", "arelle_raw", 0.10),
    ("fast reader <= 0.5x edgartools", "fast", "edgartools", 0.5),
)








@dataclass
class Result:
    name: str
    facts: int = 0
    edgar_facts: int | None = None
    seconds: dict[str, float] = field(default_factory=dict)
    peak_mib: dict[str, float] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def make_methods(folder: Path, cache: Path) -> dict[str, Callable[[], object]]:
    import lxml.etree
    from edgar.xbrl import XBRL

    import xbrlkit
    from xbrlkit.read import arelle
    from xbrlkit.read.locate import instance_path

    instance = instance_path(folder)
    options = arelle.runtime_options(instance, arelle.ArelleOptions(taxonomy_cache=cache))
    session = arelle.session()

    def arelle_raw():
        session.run(options)
        models = session.get_models()
        facts = len(models[-1].factsInInstance) if models and not models[-1].isClosed else -1
        for model in models:  # ModelXbrl.close() leaves the (emptied) model in the list; closing twice is a no-op
            model.close()
        session.get_log_messages().clear()
        return facts

    return {
        "arelle_raw": arelle_raw,
        "xbrlkit_arelle": lambda: xbrlkit.load(folder, "arelle", taxonomy_cache=cache),
        "fast": lambda: xbrlkit.load(folder, "fast"),
        "edgartools": lambda: XBRL.from_directory(folder),
        "lxml": lambda: lxml.etree.parse(str(instance)),
    }








def bench_filing(folder: Path, cache: Path, repeat: int, facts: int) -> Result:
    result = Result(folder.name, facts=facts)
    methods = make_methods(folder, cache)
    # Untimed warm-up: first-call imports and caches, and a failure check for the peer.
    for name, fn in methods.items():
        try:
            value = fn()
        except Exception as exc:  # a peer failing on a folder is a finding, not a crash
            result.errors[name] = f"{type(exc).__name__}: {' '.join(str(exc).split())[:300]}"
            continue
        if name == "edgartools":
            result.edgar_facts = len(value._facts)
        elif name == "arelle_raw" and value != facts:
            result.errors["arelle_raw"] = f"raw Arelle loaded {value} facts, the xbrlkit reader {facts}"
    live = {name: fn for name, fn in methods.items() if name not in result.errors}
    result.seconds, result.peak_mib = best_and_peak(live, repeat)
    return result




def cold_processes(folder: Path, env: dict[str, str], runs: int, out: Path) -> dict[str, float]:
    """Median wall time of fresh interpreters writing a filing's facts as JSON lines.

    xbrlkit runs its real CLI (`xbrlkit facts`); edgartools parses the folder and
    writes its facts DataFrame, the closest equivalent it offers.
    """
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "xbrlkit": [sys.executable, "-m", "xbrlkit", "facts", str(folder), "--format", "jsonl",
                    "-o", str(out / "xbrlkit.jsonl")],
        "edgartools": [sys.executable, "-c",
                       f"from edgar.xbrl import XBRL; XBRL.from_directory({str(folder)!r}).facts.to_dataframe()"
                       f".to_json({str(out / 'edgartools.jsonl')!r}, orient='records', lines=True)"],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            start = time.perf_counter()
            done = subprocess.run(command, env=env, cwd=REPO, capture_output=True, text=True)
            elapsed = time.perf_counter() - start
            if done.returncode != 0:
                raise RuntimeError(f"cold {name} process failed ({done.returncode}): {done.stderr.strip()[-800:]}")
            times[name].append(elapsed)
    return {name: statistics.median(values) for name, values in times.items()}






def cell(result: Result, name: str, ratio: bool = True) -> str:
    if name in result.errors:
        return "error"
    seconds = result.seconds[name]
    if not ratio:
        return f"{seconds:.4f}"
    return f"{seconds:.4f} ({seconds / result.seconds['arelle_raw']:.3f}x)" if "arelle_raw" in result.seconds \
        else f"{seconds:.4f}"


def ratios(results: list[Result], numerator: str, denominator: str) -> list[tuple[float, str]]:
    return [(r.seconds[numerator] / r.seconds[denominator], r.name) for r in results
            if numerator in r.seconds and denominator in r.seconds]


def report(results: list[Result], cold: dict[str, float] | None, cold_folder: Path | None, repeat: int) -> None:
    headers = ["filing", "facts", "arelle_raw s", "xbrlkit_arelle s (x raw)", "fast s (x raw)",
               "edgartools s (x raw)", "lxml s (x raw)", "fast/edgartools"]
    rows = []
    for r in results:
        fe = ratios([r], "fast", "edgartools")
        rows.append([r.name, str(r.facts), cell(r, "arelle_raw", ratio=False), cell(r, "xbrlkit_arelle"),
                     cell(r, "fast"), cell(r, "edgartools"), cell(r, "lxml"), f"{fe[0][0]:.3f}x" if fe else "-"])
    complete = [r for r in results if all(m in r.seconds for m in METHODS)]
    if complete:
        total = {m: sum(r.seconds[m] for r in complete) for m in METHODS}
        gmean = {m: geomean([r.seconds[m] for r in complete]) for m in METHODS}
        gratio = {m: geomean([r.seconds[m] / r.seconds["arelle_raw"] for r in complete]) for m in METHODS}
        rows.append([f"total ({len(complete)})", str(sum(r.facts for r in complete)), f"{total['arelle_raw']:.4f}",
                     *(f"{total[m]:.4f} ({total[m] / total['arelle_raw']:.3f}x)" for m in METHODS[1:]),
                     f"{total['fast'] / total['edgartools']:.3f}x"])
        rows.append(["geomean", "", f"{gmean['arelle_raw']:.4f}",
                     *(f"{gmean[m]:.4f} ({gratio[m]:.3f}x)" for m in METHODS[1:]),
                     f"{geomean([x for x, _ in ratios(complete, 'fast', 'edgartools')]):.3f}x"])
    print(f"Load time, seconds (best of {repeat}; ratio to arelle_raw in parentheses)")
    print(table(headers, rows))
    for r in results:
        for name, message in r.errors.items():
            print(f"  ! {r.name}: {name} failed: {message}")
    mismatched = [r for r in results if r.edgar_facts is not None and r.edgar_facts != r.facts]
    for r in mismatched:
        print(f"  note: {r.name}: edgartools parsed {r.edgar_facts} facts, xbrlkit {r.facts}")

    print()
    print("Peak Python-heap allocation during one load, MiB (tracemalloc: Python allocator only, "
          "not RSS; lxml/libxml2 trees are invisible to it)")
    mem_rows = [[r.name, *(f"{r.peak_mib[m]:.1f}" if m in r.peak_mib else "error" for m in METHODS)]
                for r in results]
    if complete:
        mem_rows.append(["max", *(f"{max(r.peak_mib[m] for r in complete):.1f}" for m in METHODS)])
    print(table(["filing", *(f"{m} MiB" for m in METHODS)], mem_rows))

    print()
    if cold is not None:
        print(f"Cold process, {cold_folder.name} (median of {COLD_RUNS} fresh `{Path(sys.executable).name} -c` "
              f"processes, wall s): python -c pass {cold['python -c pass']:.3f} | "
              f"xbrlkit facts -o jsonl {cold['xbrlkit']:.3f} | edgartools parse + facts to jsonl {cold['edgartools']:.3f} "
              f"| xbrlkit/edgartools {cold['xbrlkit'] / cold['edgartools']:.3f}x")
    print()
    print("Targets (geometric mean over filings; worst filing in brackets)")
    for label, numerator, denominator, limit in TARGETS:
        values = ratios(complete, numerator, denominator)
        if not values:
            print(f"  n/a   {label}: no filing measured both")
            continue
        gm = geomean([v for v, _ in values])
        worst, worst_name = max(values)
        print(f"  {'PASS' if gm <= limit else 'FAIL'}  {label}: {gm:.3f}x  [worst {worst:.3f}x {worst_name}; "
              f"{sum(v <= limit for v, _ in values)}/{len(values)} filings within]")
    if cold is not None:
        ok = cold["xbrlkit"] < cold["edgartools"]
        print(f"  {'PASS' if ok else 'FAIL'}  cold xbrlkit process < cold edgartools process: "
              f"{cold['xbrlkit']:.3f} s vs {cold['edgartools']:.3f} s")


COLD_RUNS = 3


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="timed rounds per filing; the best is kept (default 3)")
    parser.add_argument("--filings", help="comma-separated folder names under filings/ (default: all)")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")

    tmp = Path(tempfile.mkdtemp(prefix="xbrlkit-bench-"))
    try:
        found = shared_filings("bench_load", tmp)
        if found is None:
            return 1
        env, filings_dir, cache = found
        if args.filings:
            names = [n.strip() for n in args.filings.split(",") if n.strip()]
            missing = [n for n in names if not (filings_dir / n).is_dir()]
            if missing:
                print(f"bench_load: no such filing folder(s) under {filings_dir}: {', '.join(missing)}",
                      file=sys.stderr)
                return 1
            folders = [filings_dir / n for n in names]
        else:
            folders = sorted(p for p in filings_dir.iterdir() if p.is_dir())

        from importlib.metadata import version

        versions = (f"Python {sys.version.split()[0]}, arelle-release {version('arelle-release')}, "
                    f"edgartools {version('edgartools')}, lxml {version('lxml')}")
        print(f"xbrlkit load benchmark: {filings_dir.parent}  ({versions})")
        usable, skipped = detect(folders, cache)
        for name, why in skipped:
            print(f"  skipped {name}: {why}")
        if not usable:
            print("bench_load: no filing folder loads with the Arelle reader offline", file=sys.stderr)
            return 1
        print()
        results = []
        for folder, facts in usable:
            results.append(bench_filing(folder, cache, args.repeat, facts))
        cold_folder = filings_dir / COLD_FILING if (filings_dir / COLD_FILING).is_dir() else usable[0][0]
        cold = cold_processes(cold_folder, env, COLD_RUNS, tmp)
        report(results, cold, cold_folder, args.repeat)
        return 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
