"""`build_datasets`: a corpus folder -> a dataset folder, the library call under `xbrlkit build`.

    from xbrlkit.datasets.pipeline import BuildConfig, build_datasets
    result = build_datasets(BuildConfig(sources=(Path("../shared/xbrl/filings"),), style="finlora"), Path("out/x"))
    result.summary["questions"]
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterable

from finlora_common.atomic import check_destination
from xbrlkit.datasets import export
from xbrlkit.datasets.build import BuildConfig, BuildResult, FilingResult, run
from xbrlkit.errors import XbrlError

__all__ = ["BuildConfig", "BuildResult", "build_datasets"]


def build_datasets(config: BuildConfig, out: Path, jobs: int = 1,
                   progress: Callable[[Iterable[FilingResult], int], Iterable[FilingResult]] = lambda r, total: r
                   ) -> BuildResult:
    """Build the four task datasets from the filings of `config.sources` and write them to `out` (replaced only once the
    new folder is complete); `progress` wraps the stream of finished filings, as rich's `track` does."""
    check_destination(out, folder=True, error=XbrlError)
    result = run(config, jobs, progress)
    export.write(result, out, corpus_name=config.corpus_name)
    return result
