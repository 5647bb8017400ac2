"""The results table of docs/results/smollm2-135m-federated.md from the folders docs/results/federated_experiment.sh
writes: each variant's accuracy on FPB, FiQA SA and TFNS (reference scorer, 95% bootstrap interval), their mean, the
share of the centralized gain over the base that it keeps, its epsilon and its bytes per client and round. Variants
not evaluated yet are left out (and named on stderr), so a stopped experiment still gives the rows it finished.

Then, from the FedAvg runs' saved client adapters, the error of averaging A and B separately in each round: the
relative Frobenius distance, per layer, between FedAvg's product (mean B)(mean A) and the clients' weighted mean
product, over the size of that mean product and over the size of the round's update of it (the mean product minus
the product the round started from; round 1 starts from B = 0, peft's LoRA initialisation). Last, each DP run's
epsilon by the PLD accountant beside the RDP figure it states, and its noise against the clip.

    python docs/results/federated_report.py out/federated-experiment
"""
from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path

import torch
from safetensors.torch import load_file

VARIANTS = ("base", "centralized", "centralized-30", "fedavg-iid", "exact-iid", "dp-iid", "fedavg-dirichlet",
            "exact-dirichlet", "dp-dirichlet")
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


def _products(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Each LoRA layer's B @ A (the scale cancels in the relative errors)."""
    return {name[:-len(".lora_A.weight")]: state[name.replace("lora_A", "lora_B")].double() @ tensor.double()
            for name, tensor in state.items() if name.endswith(".lora_A.weight")}


def cross_terms(run: Path) -> list[tuple[int, float, float]]:
    """Per round: FedAvg's error against the mean product, over the mean product and over the round's update (the
    means over the layers)."""
    rows = [client["rows"] for client in json.loads((run / "federated_meta.json").read_text())["data"]["clients"]]
    weights = [n / sum(rows) for n in rows]
    found = []
    for folder in sorted((run / "client-updates").glob("round-*")):
        number = int(folder.name[6:])
        clients = [load_file(folder / f"client-{k}.safetensors") for k in range(len(weights))]
        average = {name: sum(w * c[name].double() for w, c in zip(weights, clients)) for name in clients[0]}
        fedavg, products = _products(average), [_products(c) for c in clients]
        start_file = run / "checkpoints" / f"round-{number - 1:03d}" / "adapter.safetensors"
        start = _products(load_file(start_file)) if start_file.is_file() else None
        of_product, of_update = [], []
        for layer, product in fedavg.items():
            mean = sum(w * p[layer] for w, p in zip(weights, products))
            error = float((product - mean).norm())
            of_product.append(error / float(mean.norm()))
            of_update.append(error / float((mean - (0 if start is None else start[layer])).norm()))
        found.append((number, statistics.mean(of_product), statistics.mean(of_update)))
    return found


def print_cross_terms(out: Path) -> None:
    runs = [run for run in (out / "fedavg-iid", out / "fedavg-dirichlet") if (run / "client-updates").is_dir()]
    if not runs:
        return
    print("\n| round | " + " | ".join(f"{run.name}: of the product | {run.name}: of the update" for run in runs) + " |")
    print("|---:|" + "---:|---:|" * len(runs))
    for entries in zip(*(cross_terms(run) for run in runs)):
        cells = " | ".join(f"{100 * product:.3f}% | {100 * update:.2f}%" for _, product, update in entries)
        print(f"| {entries[0][0]} | {cells} |")


def print_privacy(out: Path) -> None:
    """Per DP run: its epsilon by dp-accounting's PLD accountant (tight for Gaussian releases) beside the RDP figure it
    states (an upper bound), and the noise against the signal: Flower's per-weight standard deviation z C / m, the
    expected norm of that noise over the adapter's weights, and that norm over the clip (the largest norm the
    aggregate of clipped updates can have)."""
    import math

    import dp_accounting
    from dp_accounting.pld import PLDAccountant

    for run in (out / "dp-iid", out / "dp-dirichlet"):
        if not (run / "federated_meta.json").is_file():
            continue
        meta = json.loads((run / "federated_meta.json").read_text())
        privacy, dp = meta["privacy"], meta["settings"]["privacy"]
        accountant = PLDAccountant()
        accountant.compose(dp_accounting.GaussianDpEvent(meta["rounds"][0]["noise_multiplier_accounted"]),
                           len(meta["rounds"]))
        std = dp["noise"] * dp["clip"] / meta["settings"]["clients"]
        norm = std * math.sqrt(meta["adapter"]["tensor_bytes"] / 4)  # float32 weights
        print(f"{run.name}: epsilon {privacy['epsilon']:.2f} (RDP, stated), "
              f"{accountant.get_epsilon(privacy['delta']):.2f} (PLD) at delta {privacy['delta']}; noise std "
              f"{std:.4f} per weight, noise norm {norm:.1f}, {norm / dp['clip']:.0f} times the clip {dp['clip']}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(Path(sys.argv[1]))
    print_cross_terms(Path(sys.argv[1]))
    print_privacy(Path(sys.argv[1]))
