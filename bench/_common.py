"""What the bench scripts share: the shared data folder, an isolated and offline process, timing and memory
measured side by side, and plain-text tables."""
from __future__ import annotations

import gc
import math
import os
import socket
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Callable

REPO = Path(__file__).resolve().parent.parent
DATA_ENV = "XBRLKIT_TEST_DATA"
DEFAULT_DATA = "../shared/xbrl"
MIB = 1024 * 1024


def data_root() -> Path:
    """The shared data folder: $XBRLKIT_TEST_DATA, relative values against the repository root."""
    path = Path(os.environ.get(DATA_ENV) or DEFAULT_DATA).expanduser()
    return path if path.is_absolute() else (REPO / path).resolve()


def shared_filings(benchmark: str, tmp: Path) -> tuple[dict[str, str], Path, Path] | None:
    """Isolate the environment in `tmp` and refuse the network (before Arelle or edgartools is imported), then find
    the shared filings/ and taxonomy-cache/: (environment, filings, cache), or None after saying what is missing."""
    env = isolate_environment(tmp)
    refuse_network(benchmark)
    root = data_root()
    filings, cache = root / "filings", root / "taxonomy-cache"
    if not filings.is_dir() or not cache.is_dir():
        print(f"{benchmark}: no shared data at {root} (filings/ and taxonomy-cache/); set {DATA_ENV}", file=sys.stderr)
        return None
    return env, filings, cache


def isolate_environment(tmp: Path) -> dict[str, str]:
    """Point Arelle's and edgartools' configuration and data folders at `tmp`; returns the environment."""
    for name, sub in (("XDG_CONFIG_HOME", "xdg-config"), ("EDGAR_LOCAL_DATA_DIR", "edgar-data"),
                      ("EDGAR_CACHE_DIR", "edgar-cache")):
        (tmp / sub).mkdir()
        os.environ[name] = str(tmp / sub)
    os.environ["EDGAR_IDENTITY"] = "Bench bench@example.com"
    return dict(os.environ)


def refuse_network(benchmark: str) -> None:
    """Make any outbound connection in this process (and forked workers) fail loudly: benchmarks run offline."""
    def refuse(self, address, *args):
        raise OSError(f"{benchmark}: network access attempted ({address!r}); the benchmark must run offline")

    socket.socket.connect = refuse
    socket.socket.connect_ex = refuse
    socket.create_connection = lambda address, *a, **k: refuse(None, address)


def timed(fn: Callable[[], object]) -> float:
    gc.collect()
    start = time.perf_counter()
    result = fn()
    elapsed = time.perf_counter() - start
    del result
    return elapsed


def traced_peak(fn: Callable[[], object]) -> float:
    gc.collect()
    tracemalloc.start()
    try:
        result = fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del result
    return peak / MIB


def best_and_peak(methods: dict[str, Callable[[], object]], repeat: int) -> tuple[dict[str, float], dict[str, float]]:
    """Best-of-`repeat` seconds and one traced heap peak (MiB) per method."""
    best = {name: math.inf for name in methods}
    for _ in range(repeat):  # interleaved rounds, so drift hits every method alike
        for name, fn in methods.items():
            best[name] = min(best[name], timed(fn))
    return best, {name: traced_peak(fn) for name, fn in methods.items()}


def detect(folders: list[Path], cache: Path, form: str | None = None
           ) -> tuple[list[tuple[Path, int]], list[tuple[str, str]]]:
    """The folders (of `form`, if given) xbrlkit's Arelle reader loads offline, with fact counts; and the skipped ones."""
    import xbrlkit

    usable, skipped = [], []
    for folder in folders:
        try:
            filing = xbrlkit.load(folder, "arelle", taxonomy_cache=cache)
        except xbrlkit.XbrlError as exc:
            why = " ".join(str(exc).split())
            skipped.append((folder.name, f"Arelle cannot load it offline ({why[:160]}{'...' if len(why) > 160 else ''})"))
            continue
        if form and filing.form_type != form:
            skipped.append((folder.name, f"form {filing.form_type}, not {form}"))
            continue
        usable.append((folder, len(filing.facts)))
    return usable, skipped


def geomean(values: list[float]) -> float:
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else math.nan


def table(headers: list[str], rows: list[list[str]], left: int = 1) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]

    def line(cells):
        return "  ".join(c.ljust(w) if i < left else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))

    return "\n".join([line(headers), "  ".join("-" * w for w in widths), *(line(r) for r in rows)])
