"""The tables of docs/results/smollm2-135m-baselines.md from finlora-eval run folders of the same rows: each run's
accuracy by generation and by log-likelihood with 95% intervals, and paired differences on the rows (reference
scorer accuracy, finlora_eval.scoring.bootstrap.paired).

    python docs/results/baselines_report.py out/eval/i14 fpb,fiqa tfns

reads PREFIX-base-0shot, PREFIX-base-3shot and PREFIX-lora-0shot (datasets of the first list) and the same folders
with -tfns (the second list).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from finlora_eval.registry import load_registry
from finlora_eval.scoring import loglik, outcomes
from finlora_eval.scoring.bootstrap import paired

RUNS = ("base-0shot", "base-3shot", "lora-0shot")


def _records(folder: Path) -> dict[str, dict]:
    return {d["key"]: d for d in json.loads((folder / "results.json").read_text())["datasets"]}


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _generation(folder: Path, spec):
    rows = _lines(folder / "predictions" / f"{spec.key}.jsonl")
    return outcomes(spec, [r["output"] for r in rows], [r["target"] for r in rows])["reference"]


def _likelihood(folder: Path, spec, norm: str):
    rows = _lines(folder / "loglik" / f"{spec.key}.jsonl")
    labels = loglik.choices(spec)
    chosen = loglik.predictions(labels, [[r["logprobs"][label] for label in labels] for r in rows], norm)
    return loglik.outcomes(labels, chosen, [r["target"] for r in rows])


def _cell(metrics: dict) -> str:
    low, high = metrics["intervals"]["accuracy"]
    return f"{100 * metrics['accuracy']:.2f} [{100 * low:.2f}, {100 * high:.2f}]"


def _difference(after, before) -> str:
    found = paired(after, before)["accuracy"]
    low, high = found["interval"]
    zero = ", includes 0" if found["includes_zero"] else ""
    return f"{100 * found['difference']:+.2f} [{100 * low:+.2f}, {100 * high:+.2f}]{zero}"


def main(prefix: str, groups: list[tuple[str, list[str]]]) -> None:
    registry = load_registry().datasets
    print("| dataset | n | run | generation | loglik raw | loglik per byte | majority |")
    print("|---|---:|---|---|---|---|---:|")
    pairs = []
    for suffix, keys in groups:
        folders = {run: Path(f"{prefix}-{run}{suffix}") for run in RUNS}
        records = {run: _records(folder) for run, folder in folders.items()}
        for key in keys:
            spec = registry[key]
            for run in RUNS:
                d = records[run][key]
                ll = d.get("loglik") or {}
                print(f"| {spec.name} | {d['n']} | {run} | {_cell(d['reference'])} | "
                      f"{_cell(ll['raw']) if ll else '-'} | {_cell(ll['normalised']) if ll else '-'} | "
                      f"{100 * d['reference']['majority']['accuracy']:.2f} |")
            generation = {run: _generation(folders[run], spec) for run in RUNS}
            raw = {run: _likelihood(folders[run], spec, "raw") for run in RUNS}
            pairs += [(spec.name, "3-shot - 0-shot, generation", _difference(generation["base-3shot"],
                                                                           generation["base-0shot"])),
                      (spec.name, "3-shot - 0-shot, loglik raw", _difference(raw["base-3shot"], raw["base-0shot"])),
                      (spec.name, "loglik raw - generation, 0-shot", _difference(raw["base-0shot"],
                                                                               generation["base-0shot"])),
                      (spec.name, "adapter - base, generation", _difference(generation["lora-0shot"],
                                                                          generation["base-0shot"])),
                      (spec.name, "adapter - base, loglik raw", _difference(raw["lora-0shot"], raw["base-0shot"]))]
    print("\n| dataset | paired difference (accuracy points) | on the same rows |")
    print("|---|---|---|")
    for name, what, value in pairs:
        print(f"| {name} | {what} | {value} |")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(sys.argv[1], [("", sys.argv[2].split(",")), ("-tfns", sys.argv[3].split(","))])
