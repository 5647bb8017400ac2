"""Scores over sampling seeds: each seed's run is scored on its own, and this gives each headline score's mean, sample
standard deviation, lowest and highest over the seeds (seeds.json and seeds.md of a sampled run folder)."""
from __future__ import annotations

from collections.abc import Sequence
from statistics import fmean, stdev

from finlora_eval.registry import Registry
from finlora_eval.scoring import SCORERS


def _spread(values: Sequence[float]) -> dict:
    return {"scores": list(values), "mean": fmean(values), "std": stdev(values) if len(values) > 1 else 0.0,
            "min": min(values), "max": max(values)}


def summary(runs: Sequence[dict]) -> dict:
    """{"seeds", "datasets": {key: {scorer: spread}}, "overall": {scorer: spread}} of runs that differ only in their
    sampling seed."""
    by_key = [{d["key"]: d for d in r["datasets"]} for r in runs]
    return {"seeds": [r["sampling"]["seed"] for r in runs],
            "datasets": {key: {scorer: _spread([found[key]["score"][scorer] for found in by_key])
                               for scorer in SCORERS} for key in by_key[0]},
            "overall": {scorer: _spread([r["overall"][scorer] for r in runs]) for scorer in SCORERS}}


def markdown(found: dict, registry: Registry) -> str:
    def cell(spread: dict) -> str:
        return f"{spread['mean']:.2f} ± {spread['std']:.2f} [{spread['min']:.2f}, {spread['max']:.2f}]"

    lines = ["# Scores over sampling seeds", "",
             f"Seeds {', '.join(map(str, found['seeds']))}: mean ± sample standard deviation [lowest, highest] of "
             "each headline score (accuracy % or BERTScore F1 x 100).", "",
             "| Datasets | " + " | ".join(SCORERS) + " |", "|---" * (len(SCORERS) + 1) + "|"]
    for key, spreads in found["datasets"].items():
        lines.append(f"| {registry.datasets[key].name} | " + " | ".join(cell(spreads[s]) for s in SCORERS) + " |")
    lines.append("| Overall Average | " + " | ".join(cell(found["overall"][s]) for s in SCORERS) + " |")
    return "\n".join(lines) + "\n"
