"""Training by category and method, the library under `finlora-train train` and `train-all`.

`train` trains one cell of the category x method matrix: it merges the cell's config, builds (or reads) the
category's rows and hands them to `run.train_rows`. `train_matrix` trains every cell that has data, skipping the
finished ones, and writes OUT/summary.json.
"""
from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from finlora_common.atomic import atomic_path
from finlora_train import categories
from finlora_train.config import load_config
from finlora_train.data import DataOptions, build
from finlora_train.data.files import read_training_file

Progress = Callable[[int, int, float], None]
"""Called after each optimizer step with (step, total steps, loss)."""
SUMMARY = "summary.json"


def training_rows(category: str, data: DataOptions, data_file: Path | None = None) -> tuple[list[dict], str]:
    """The rows to train on: those of `data_file`, else the category's built from the sources; and where they came
    from, as the run meta records it."""
    if data_file is not None:
        return read_training_file(data_file), str(data_file)
    return build(category, data), f"finlora-train data build --category {category} --tfns-labels {data.tfns_labels}"


def train(category: str, method: str, out: Path, *, data: DataOptions, data_file: Path | None = None,
          profile: str | None = None, overrides: Mapping[str, Any] | None = None, resume: bool = False,
          overwrite: bool = False, progress: Progress | None = None) -> dict:
    """Train one adapter into `out` and return its training meta."""
    from finlora_train.run import train_rows

    config = load_config(category, method, profile, overrides)
    rows, source = training_rows(category, dataclasses.replace(data, seed=config.seed), data_file)
    return train_rows(config, rows, out, data_source=source, resume=resume, overwrite=overwrite,
                      progress=progress).meta


def unavailable(category: str, data: DataOptions) -> str | None:
    """Why the category cannot be trained with these data folders, or None."""
    reason = categories.category(category).unavailable
    if reason is None and category == "xbrl_analysis" and data.xbrl_dir is None:
        reason = "needs --xbrl-dir (an `xbrlkit build --format finlora` output)"
    return reason


def train_matrix(out: Path, chosen: Sequence[str] | None = None, methods: Sequence[str] | None = None, *,
                 data: DataOptions, profile: str | None = None, overrides: Mapping[str, Any] | None = None,
                 progress: Callable[[str], Progress | None] = lambda cell: None,
                 report: Callable[[str], None] = lambda message: None) -> dict[str, dict]:
    """Train the categories (default: all) x methods (default: each category's) into OUT/<category>/<method>.

    A finished cell is not trained again, so a rerun resumes; a category without data here is reported as
    unavailable. `progress(cell)` gives the step callback of a cell's training, `report` gets one line per cell.
    Returns the summary that OUT/summary.json holds, cell by cell.
    """
    from finlora_train.run import META

    summary: dict[str, dict] = {}
    for category in chosen or list(categories.categories()):
        reason = unavailable(category, data)
        for method in methods or categories.category(category).methods:
            cell = f"{category}/{method}"
            folder = out / category / method
            if reason:
                summary[cell] = {"status": "unavailable", "reason": reason}
                report(f"{cell}: skipped, {reason}")
            elif (folder / META).is_file():
                summary[cell] = {"status": "done", "final_loss": json.loads((folder / META).read_text())["final_loss"]}
                report(f"{cell}: already trained in {folder}")
            else:
                meta = train(category, method, folder, data=data, profile=profile, overrides=overrides, resume=True,
                             progress=progress(cell))
                summary[cell] = {"status": "trained", "final_loss": meta["final_loss"], "steps": meta["steps"],
                                 "wall_time_s": meta["wall_time_s"]}
                report(describe(folder, cell, meta))
    with atomic_path(out / SUMMARY) as tmp:
        tmp.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return summary


def describe(out: Path, cell: str, meta: dict) -> str:
    """One line about a finished training run."""
    return (f"{out}: {cell} {meta['steps']} steps on {meta['data']['rows']} rows, final loss {meta['final_loss']:.4f}, "
            f"{meta['tokens_per_s']} tokens/s, {meta['wall_time_s']:.0f} s")

