"""Fixtures of the finlora_train tests: a few real training rows."""
from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def sentiment_rows(finlora_data) -> list[dict]:
    """64 real training rows of the sentiment category (seeded sample, built from the public sources)."""
    from finlora_train.data import DataOptions, build

    return build("sentiment", DataOptions(data_dir=finlora_data, limit=64, seed=7))


@pytest.fixture(scope="session")
def sentiment_file(sentiment_rows, tmp_path_factory) -> Path:
    from finlora_train.data import write_jsonl

    path = tmp_path_factory.mktemp("data") / "sentiment.jsonl"
    write_jsonl(sentiment_rows, path)
    return path

