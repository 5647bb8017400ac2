"""The tables of docs/results/smollm2-135m-mixture.md from the folders docs/results/mixture_experiment.sh writes: each
model's accuracy on FPB, FiQA SA, TFNS and NER (reference scorer, 95% bootstrap interval), their mean and the seconds of
generation; the paired differences on the same rows of each adapter from the base, of the mixture from each other
adapter and of the multi-task adapter from each expert; and what each training run cost. Models not evaluated yet are
left out (and named on stderr).

    python docs/results/mixture_report.py out/mixture-experiment
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from finlora_eval.comparison import difference_text, load_run, paired_differences
from finlora_eval.registry import load_registry

MODELS = ("base", "sentiment", "ner", "multitask", "mixture")
DATASETS = (("fpb", "FPB"), ("fiqa", "FiQA SA"), ("tfns", "TFNS"), ("ner", "NER"))
PAIRS = (("sentiment", "base"), ("ner", "base"), ("multitask", "base"), ("mixture", "base"), ("mixture", "sentiment"),
         ("mixture", "ner"), ("mixture", "multitask"), ("multitask", "sentiment"), ("multitask", "ner"))


def accuracy_table(out: Path, models: list[str]) -> None:
    print("| model | " + " | ".join(name for _, name in DATASETS) + " | mean | generation s |")
    print("|---|" + "---|" * len(DATASETS) + "---:|---:|")
    for model in models:
        datasets = load_run(out / "eval" / model).results["datasets"]
        records = {d["key"]: d["reference"] for d in datasets}
        cells, values = [], []
        for key, _ in DATASETS:
            low, high = records[key]["intervals"]["accuracy"]
            cells.append(f"{100 * records[key]['accuracy']:.2f} [{100 * low:.2f}, {100 * high:.2f}]")
            values.append(records[key]["accuracy"])
        seconds = sum(d["timing"]["seconds"] for d in datasets)
        print(f"| {model} | {' | '.join(cells)} | {100 * sum(values) / len(values):.2f} | {seconds:.0f} |")


def differences_table(out: Path, models: list[str]) -> None:
    registry = load_registry()
    print("\n| run - baseline | " + " | ".join(name for _, name in DATASETS) + " |")
    print("|---|" + "---|" * len(DATASETS))
    for run, baseline in ((r, b) for r, b in PAIRS if r in models and b in models):
        rows = paired_differences([load_run(out / "eval" / baseline), load_run(out / "eval" / run)], registry)
        found = {row["key"]: difference_text(row["differences"]["reference"]["accuracy"]) if row["same_rows"]
                 else "not the same rows" for row in rows}
        print(f"| {run} - {baseline} | " + " | ".join(found[key] for key, _ in DATASETS) + " |")


def costs_table(out: Path) -> None:
    print("\n| run | rows | data sha256 | steps | wall s | s per step | peak MB | final loss |")
    print("|---|---:|---|---:|---:|---:|---:|---:|")
    for model in MODELS[1:]:
        meta_file = out / model / ("mixture_meta.json" if model == "mixture" else "training_meta.json")
        if not meta_file.is_file():
            continue
        record = json.loads(meta_file.read_text())
        print(f"| {model} | {record['data']['rows']:,} | `{record['data']['sha256'][:16]}…` | {record['steps']} | "
              f"{record['wall_time_s']:,.0f} | {record['wall_time_s'] / record['steps']:.1f} | "
              f"{record['peak_memory_mb']:,.0f} | {record['final_loss']:.4f} |")


def main(out: Path) -> None:
    models = [m for m in MODELS if (out / "eval" / m / "results.json").is_file()]
    for missing in sorted(set(MODELS) - set(models)):
        print(f"(not evaluated yet: {missing})", file=sys.stderr)
    accuracy_table(out, models)
    differences_table(out, models)
    costs_table(out)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(Path(sys.argv[1]))
