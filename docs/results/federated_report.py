"""The results table of docs/results/smollm2-135m-federated.md from the folders docs/results/federated_experiment.sh
writes: each variant's accuracy on FPB, FiQA SA and TFNS (reference scorer, 95% bootstrap interval), their mean, the
share of the centralized gain over the base that it keeps, its epsilon and its bytes per client and round. Variants
not evaluated yet are left out (and named on stderr), so a stopped experiment still gives the rows it finished.

    python docs/results/federated_report.py out/federated-experiment
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

VARIANTS = ("base", "centralized", "fedavg-iid", "exact-iid", "dp-iid", "fedavg-dirichlet", "exact-dirichlet",
            "dp-dirichlet")
DATASETS = (("fpb", ""), ("fiqa", ""), ("tfns", "-tfns"))


def accuracy(out: Path, variant: str, key: str, suffix: str) -> tuple[float, list[float]]:
    records = json.loads((out / "eval" / f"{variant}{suffix}" / "results.json").read_text())["datasets"]
    found = next(d for d in records if d["key"] == key)["reference"]
    return found["accuracy"], found["intervals"]["accuracy"]


def federated(out: Path, variant: str) -> str:
    meta_file = out / variant / "federated_meta.json"
    if not meta_file.is_file():
        return "- | -"
    meta = json.loads(meta_file.read_text())
    epsilon = (meta["privacy"] or {}).get("epsilon")
    per_client = meta["rounds"][0]["per_client"][0]
    return (f"{'-' if epsilon is None else f'{epsilon:.2f}'} | "
            f"{(per_client['bytes_down'] + per_client['bytes_up']) / 2**20:.2f} MiB")


def main(out: Path) -> None:
    means = {}
    print("| variant | FPB | FiQA SA | TFNS | mean | share of the centralized gain | epsilon | bytes per client "
          "and round |")
    print("|---|---|---|---|---:|---:|---:|---:|")
    rows = []
    for variant in VARIANTS:
        if not all((out / "eval" / f"{variant}{suffix}" / "results.json").is_file() for _, suffix in DATASETS):
            print(f"(not evaluated yet: {variant})", file=sys.stderr)
            continue
        cells, values = [], []
        for key, suffix in DATASETS:
            value, (low, high) = accuracy(out, variant, key, suffix)
            cells.append(f"{100 * value:.2f} [{100 * low:.2f}, {100 * high:.2f}]")
            values.append(value)
        means[variant] = sum(values) / len(values)
        rows.append((variant, cells))
    gain = means["centralized"] - means["base"]
    for variant, cells in rows:
        share = "-" if variant == "base" else f"{100 * (means[variant] - means['base']) / gain:.0f}%"
        print(f"| {variant} | {' | '.join(cells)} | {100 * means[variant]:.2f} | {share} | {federated(out, variant)} |")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(Path(sys.argv[1]))
