"""The DP settings of docs/results/federated_experiment.sh, from a finished FedAvg run of the same split: the clip
is the median L2 norm of the clients' updates (each round's client adapter minus the global adapter it started from,
rounds 2 on, whose start the round checkpoints hold), and the noise multiplier is the one whose epsilon after the
run's rounds, under this split's client weights, is --epsilon at --delta (finlora_train.federated.privacy).

    python docs/results/federated_dp.py out/federated-experiment/fedavg-iid --epsilon 8 --delta 1e-5

prints "CLIP NOISE".
"""
from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

import torch
from safetensors.torch import load_file
from scipy.optimize import brentq

from finlora_train.federated.privacy import Budget


def update_norms(run: Path) -> list[float]:
    norms = []
    for folder in sorted((run / "client-updates").glob("round-*"))[1:]:
        start = load_file(run / "checkpoints" / f"round-{int(folder.name[6:]) - 1:03d}" / "adapter.safetensors")
        for client in sorted(folder.glob("client-*.safetensors")):
            adapter = load_file(client)
            norms.append(float(torch.sqrt(sum(((adapter[n] - start[n]).double() ** 2).sum() for n in start))))
    return norms


def noise_for(epsilon: float, delta: float, rounds: int, weights: list[float]) -> float:
    def spent(noise: float) -> float:
        budget = Budget(noise, delta)
        return [budget.release(weights) for _ in range(rounds)][-1]

    return brentq(lambda noise: spent(noise) - epsilon, 0.3, 50.0, xtol=1e-4)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path)
    parser.add_argument("--epsilon", type=float, required=True)
    parser.add_argument("--delta", type=float, default=1e-5)
    args = parser.parse_args()
    meta = json.loads((args.run / "federated_meta.json").read_text())
    rows = [client["rows"] for client in meta["data"]["clients"]]
    weights = [n / sum(rows) for n in rows]
    clip = statistics.median(update_norms(args.run))
    print(f"{clip:.6g} {noise_for(args.epsilon, args.delta, len(meta['rounds']), weights):.4f}")


if __name__ == "__main__":
    main()
