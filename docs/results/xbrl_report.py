"""The tables of docs/results/smollm2-135m-xbrl-lora.md from two finlora-eval run folders on the same XBRL questions:
accuracy per task and scorer, the paired bootstrap interval of adapter - base (reference scorer), and the error
classes of finlora_eval.scoring.xbrl_errors.

    python docs/results/xbrl_report.py out/eval/xbrl-company-finlora-base out/eval/xbrl-company-finlora-lora
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
from scipy.stats import bootstrap

from finlora_eval.registry import load_registry
from finlora_eval.scoring.reference import earliest_label, extract_answer
from finlora_eval.scoring.strict import strict_answer
from finlora_eval.scoring.xbrl_errors import error_counts

TASKS = ("tags", "values", "formula_construction", "formula_calculation")
RESAMPLES, SEED = 1000, 0


def predictions(run: Path, task: str) -> list[dict]:
    return [json.loads(line) for line in (run / "predictions" / f"{task}.jsonl").read_text().splitlines()]


def hits(rows: list[dict]) -> np.ndarray:
    """Per question, 1 where the reference scorer counts it right (its rules 1 to 4)."""
    labels = sorted({row["target"] for row in rows})
    return np.array([earliest_label(extract_answer(r["output"]), labels) == r["target"].lower() for r in rows], float)


def formula_slips(rows: list[dict], task: str) -> dict[str, int]:
    """Percentage formulas (`... * 100`) answered without the `* 100`, and answers in the other formula task's form
    (tags in a calculation, numbers in a construction)."""
    answers = [strict_answer(row["output"]) for row in rows]
    other_form = [("us-gaap:" in a) == (task == "formula_calculation") for a in answers if a]
    return {"percentages": sum("* 100" in row["target"] for row in rows),
            "dropped * 100": sum(bool(a) and "* 100" in row["target"] and "* 100" not in a
                                 for a, row in zip(answers, rows)),
            "other task's form": sum(other_form)}


def main(base: Path, lora: Path) -> None:
    registry = load_registry().datasets
    results = {run: {d["key"]: d for d in json.loads((run / "results.json").read_text())["datasets"]}
               for run in (base, lora)}
    print("| task | n | base reference | + LoRA reference | base strict | + LoRA strict |")
    for task in TASKS:
        b, l = results[base][task], results[lora][task]
        print(f"| {task} | {b['n']} | {b['score']['reference']:.2f} | {l['score']['reference']:.2f} | "
              f"{b['score']['strict']:.2f} | {l['score']['strict']:.2f} |")
    paired = {task: (hits(predictions(base, task)), hits(predictions(lora, task))) for task in TASKS}
    for task, (b, l) in paired.items():
        if b.any() or l.any():
            interval = bootstrap((l, b), lambda x, y: 100 * (x.mean() - y.mean()), paired=True,
                                 n_resamples=RESAMPLES, random_state=SEED, vectorized=False).confidence_interval
            print(f"{task}: {100 * (l.mean() - b.mean()):+.2f} [{interval.low:+.2f}, {interval.high:+.2f}]")
        else:
            print(f"{task}: +0.00 (no question right in either run: no interval)")
    rng = np.random.default_rng(SEED)  # the average of the task differences, resampled within each task
    draws = [np.mean([100 * (l[i].mean() - b[i].mean()) for b, l in paired.values()
                      for i in [rng.integers(0, len(b), len(b))]]) for _ in range(RESAMPLES)]
    average = np.mean([100 * (l.mean() - b.mean()) for b, l in paired.values()])
    low, high = np.percentile(draws, [2.5, 97.5])
    print(f"average of the tasks: {average:+.2f} [{low:+.2f}, {high:+.2f}]")
    for run in (base, lora):
        for task in TASKS:
            print(run.name, task, dict(error_counts(registry[task], predictions(run, task)).most_common()))
    for task in TASKS[2:]:
        print(lora.name, task, formula_slips(predictions(lora, task), task))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
