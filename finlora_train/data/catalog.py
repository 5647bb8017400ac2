"""The categories of sources.yaml: which builder reads which files, what is held out, what is unavailable."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from finlora_train.errors import TrainError

SOURCES_YAML = Path(__file__).with_name("sources.yaml")


@dataclass(frozen=True)
class Source:
    builder: str
    """A key of finlora_train.data.BUILDERS."""
    params: dict[str, Any]
    """The entry's other keys: files, thresholds, label maps, prompts."""


@dataclass(frozen=True)
class Category:
    name: str
    sources: tuple[Source, ...]
    held_out: dict[str, tuple[str, ...]]
    """Test files by folder ("data_dir" or "xbrl_dir"): no training row may repeat one of their inputs."""
    classification: bool
    unavailable: str | None


@lru_cache(maxsize=1)
def categories() -> dict[str, Category]:
    raw = yaml.safe_load(SOURCES_YAML.read_text(encoding="utf-8"))
    return {name: Category(name=name,
                           sources=tuple(Source(entry["builder"], {k: v for k, v in entry.items() if k != "builder"})
                                         for entry in spec["sources"]),
                           held_out={root: tuple(paths) for root, paths in spec.get("held_out", {}).items()},
                           classification=bool(spec.get("classification", False)),
                           unavailable=spec.get("unavailable"))
            for name, spec in raw.items()}


def category(name: str) -> Category:
    found = categories().get(name)
    if found is None:
        raise TrainError(f"unknown category {name!r}", hint=f"choose one of {', '.join(categories())}")
    return found
