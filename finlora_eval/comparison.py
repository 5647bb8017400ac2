"""Paired differences between finlora-eval runs on the same rows.

Each run's saved predictions are scored again, example by example, and every metric of a run is compared with the
first run's (the baseline) on the same resamples of the rows: the difference gets a paired bootstrap interval
(finlora_eval.scoring.bootstrap.paired), and the table says where that interval includes 0. A dataset is compared
only where both runs scored the same rows with the same prompts.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from finlora_common.jsonl import read_jsonl
from finlora_eval.errors import EvalError
from finlora_eval.registry import Registry
from finlora_eval.scoring import SCORERS, outcomes
from finlora_eval.scoring.bertscore import BertScorer, load_scorer
from finlora_eval.scoring.bootstrap import RESAMPLES, SEED, paired

PREDICTION = {"index": int, "prompt_sha1": str, "target": str, "output": str}
"""The keys of a run's prediction lines that a comparison reads (finlora_eval.runner writes them)."""


@dataclass(frozen=True)
class Run:
    folder: Path
    results: dict

    @property
    def label(self) -> str:
        return self.results["label"]

    def predictions(self, key: str) -> list[dict]:
        return read_jsonl(self.folder / "predictions" / f"{key}.jsonl", PREDICTION, EvalError)


def load_run(folder: Path) -> Run:
    path = folder / "results.json"
    try:
        return Run(folder, json.loads(path.read_text(encoding="utf-8")))
    except (OSError, json.JSONDecodeError) as exc:
        raise EvalError(f"not a finished run ({exc})", path, hint="rerun `finlora-eval run` into it") from None


def paired_differences(runs: Sequence[Run], registry: Registry, resamples: int = RESAMPLES,
                       seed: int = SEED) -> list[dict]:
    """For every run after the first and every dataset it shares with the first: the paired differences of both
    scorers' metrics (run minus baseline), or `same_rows: False` where the two scored other rows or prompts."""
    baseline, scorers = runs[0], {}

    def bertscorer(run: Run) -> BertScorer:
        name = run.results["bertscore_model"]
        if name != baseline.results["bertscore_model"]:
            raise EvalError(f"runs {baseline.label} and {run.label} used other BERTScore encoders "
                            f"({baseline.results['bertscore_model']}, {name})", run.folder)
        if name not in scorers:
            encoder = next((e for e in registry.encoders if f"{e.name} (layer {e.layer})" == name), None)
            if encoder is None:
                raise EvalError(f"the run's BERTScore encoder {name} is not in the registry", run.folder)
            scorers[name] = load_scorer(encoder.name, registry.encoders)
        return scorers[name]

    rows = []
    for run in runs[1:]:
        shared = [d["key"] for d in run.results["datasets"] if any(b["key"] == d["key"]
                                                                   for b in baseline.results["datasets"])]
        for key in shared:
            spec = registry.datasets[key]
            before, after = baseline.predictions(key), run.predictions(key)
            row = {"key": key, "name": spec.name, "baseline": baseline.label, "run": run.label, "n": len(after),
                   "headline": "bertscore_f1" if spec.metric == "bertscore" else "accuracy"}
            if [(p["index"], p["prompt_sha1"]) for p in before] != [(p["index"], p["prompt_sha1"]) for p in after]:
                rows.append(row | {"same_rows": False})
                continue
            targets = [p["target"] for p in after]
            scorer = bertscorer(run) if spec.metric == "bertscore" else None
            now = outcomes(spec, [p["output"] for p in after], targets, scorer)
            then = outcomes(spec, [p["output"] for p in before], targets, scorer)
            rows.append(row | {"same_rows": True, "differences": {
                name: paired(now[name], then[name], resamples, seed) for name in SCORERS}})
    return rows


def markdown(rows: Sequence[dict]) -> str:
    """The headline metric's paired difference per dataset and scorer (points: accuracy % or BERTScore F1 x 100)."""
    lines = ["## Paired differences (run minus baseline, same rows)", "",
             "Points of accuracy % or BERTScore F1 x 100, with the 95% paired bootstrap interval.", "",
             "| dataset | run | baseline | n | " + " | ".join(SCORERS) + " |",
             "|---|---|---|---:|" + "---|" * len(SCORERS)]
    for row in rows:
        if not row["same_rows"]:
            cells = ["not the same rows"] * len(SCORERS)
        else:
            cells = [difference_text(row["differences"][name][row["headline"]]) for name in SCORERS]
        lines.append(f"| {row['name']} | {row['run']} | {row['baseline']} | {row['n']} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def difference_text(figures: dict) -> str:
    """A paired difference in points, with its interval and whether that includes 0."""
    text = f"{100 * figures['difference']:+.2f}"
    if figures["interval"] is None:
        return text + " (no interval)"
    low, high = figures["interval"]
    return text + f" [{100 * low:+.2f}, {100 * high:+.2f}]" + (", includes 0" if figures["includes_zero"] else "")
