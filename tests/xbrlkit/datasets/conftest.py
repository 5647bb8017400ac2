"""Fixtures of the dataset tests: one build of every shared filing, shared by the modules that read its output."""
from __future__ import annotations

from pathlib import Path

import pytest

from xbrlkit.datasets import export
from xbrlkit.datasets.build import BuildConfig, run


@pytest.fixture(scope="session")
def built(filings: Path, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("build") / "datasets"
    export.write(run(BuildConfig(sources=(filings,)), jobs=2), out, corpus_name="shared")
    return out
