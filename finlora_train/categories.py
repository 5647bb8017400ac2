"""The training categories, one definition each: what an adapter is for, which methods train it, its settings,
and where its rows come from and which test files they must never repeat. Read from configs/categories.yaml."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any, Mapping

from finlora_common.yamlfile import read_yaml
from finlora_train.errors import TrainError

CATEGORIES_YAML = Path(__file__).parent / "configs" / "categories.yaml"


@dataclass(frozen=True)
class Source:
    builder: str
    """A key of finlora_train.data.BUILDERS."""
    params: dict[str, Any]
    """The entry's other keys: files, thresholds, label maps, prompts."""


@dataclass(frozen=True)
class Category:
    name: str
    description: str
    evaluate: tuple[str, ...]
    """finlora_eval dataset keys the adapter is meant for."""
    methods: tuple[str, ...]
    train: Mapping[str, Any]
    """Training settings over defaults.yaml and the method's (TrainConfig fields)."""
    sources: tuple[Source, ...]
    held_out: dict[str, tuple[str, ...]]
    """Test files by folder ("data_dir" or "xbrl_dir"): no training row may repeat one of their inputs."""
    held_out_split: str | None
    """Why the test files may be absent: the evaluation then uses a split of the category's own source that its
    builder keeps out of training."""
    classification: bool
    unavailable: str | None
    """Why the category cannot be trained: its data is not public."""
    data_license: str | None
    """The licences of the category's sources, for the model cards of its adapters (finlora_train.push)."""
    mix: dict[str, int | None] = field(default_factory=dict)
    """A multi-task category: its member categories, each with at most this many of its rows (None: all). Its
    held-out files are all the members' (filled in by `categories`)."""


def _category(name: str, spec: dict) -> Category:
    data = spec.get("data") or {}
    return Category(
        name=name, description=spec.get("description", ""), evaluate=tuple(spec.get("evaluate", ())),
        methods=tuple(spec.get("methods", ())), train=spec.get("train") or {},
        sources=tuple(Source(entry["builder"], {k: v for k, v in entry.items() if k != "builder"})
                      for entry in data.get("sources", ())),
        held_out={root: tuple(paths) for root, paths in data.get("held_out", {}).items()},
        held_out_split=data.get("held_out_split"),
        classification=bool(data.get("classification", False)), unavailable=data.get("unavailable"),
        data_license=data.get("license"), mix=dict(data.get("mix") or {}))


def _with_members(mix: Category, found: dict[str, Category]) -> Category:
    """A mix category with its members' held-out files, evaluation sets, licences and label kind."""
    unknown = [name for name in mix.mix if name not in found or found[name].mix]
    if unknown:
        raise TrainError(f"category {mix.name} mixes {unknown[0]!r}, which is not a category of sources",
                         CATEGORIES_YAML)
    members = [found[name] for name in mix.mix]
    held_out: dict[str, tuple[str, ...]] = {}
    for member in members:
        for root, paths in member.held_out.items():
            held_out[root] = held_out.get(root, ()) + tuple(p for p in paths if p not in held_out.get(root, ()))
    return replace(mix, held_out=held_out, evaluate=mix.evaluate or tuple(k for m in members for k in m.evaluate),
                   classification=all(m.classification for m in members),
                   held_out_split="; ".join(f"{m.name}: {m.held_out_split}" for m in members if m.held_out_split)
                   or None,
                   data_license=mix.data_license or "; ".join(f"{m.name}: {m.data_license}" for m in members
                                                              if m.data_license) or None)


@cache
def categories() -> dict[str, Category]:
    """Every category, in the order of the file."""
    found = {name: _category(name, spec) for name, spec in read_yaml(CATEGORIES_YAML, TrainError).items()}
    return {name: _with_members(spec, found) if spec.mix else spec for name, spec in found.items()}


def category(name: str) -> Category:
    found = categories().get(name)
    if found is None:
        raise TrainError(f"unknown category {name!r}", hint=f"choose one of {', '.join(categories())}")
    return found
