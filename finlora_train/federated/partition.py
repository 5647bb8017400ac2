"""Splitting training rows among federated clients, seeded and deterministic.

- `iid`: a seeded shuffle cut into equal parts (sizes differ by at most one);
- `dirichlet:ALPHA`: label skew as in Hsu et al. (2019). For each label (the row's
  target), client shares are drawn from Dirichlet(ALPHA, ..., ALPHA) and that
  label's rows, shuffled, are cut in those shares. A small ALPHA gives each
  client few labels; a large one approaches iid. A client left empty takes one
  row from the largest client, so every client trains.

Each part keeps the rows in their original order.
"""
from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from finlora_train.errors import TrainError

LABEL_COUNTS_SHOWN = 20
"""Partition summaries list label counts only when there are at most this many distinct targets."""


@dataclass(frozen=True)
class Partitioning:
    kind: str
    """iid or dirichlet."""
    alpha: float | None = None
    """The Dirichlet concentration (dirichlet only)."""

    @classmethod
    def parse(cls, text: str) -> Partitioning:
        kind, _, value = text.strip().partition(":")
        if kind == "iid" and not value:
            return cls("iid")
        if kind == "dirichlet":
            try:
                alpha = float(value)
            except ValueError:
                alpha = 0.0
            if alpha > 0:
                return cls("dirichlet", alpha)
        raise TrainError(f"unknown partition {text!r}", hint="use iid or dirichlet:ALPHA with ALPHA > 0, "
                                                             "e.g. dirichlet:0.5")

    def __str__(self) -> str:
        return self.kind if self.alpha is None else f"{self.kind}:{self.alpha:g}"


def partition(rows: Sequence[dict], clients: int, scheme: Partitioning, seed: int) -> list[list[dict]]:
    """`clients` non-empty parts of `rows`; the same arguments give the same parts."""
    if clients < 1:
        raise TrainError("the number of clients must be at least 1")
    if len(rows) < clients:
        raise TrainError(f"{len(rows)} training rows cannot be split among {clients} clients",
                         hint="use fewer clients or more rows (data_limit)")
    parts = _iid(len(rows), clients, seed) if scheme.kind == "iid" else \
        _dirichlet([row["target"] for row in rows], clients, scheme.alpha, seed)
    return [[rows[i] for i in sorted(part)] for part in parts]


def _iid(size: int, clients: int, seed: int) -> list[list[int]]:
    order = list(range(size))
    random.Random(seed).shuffle(order)
    return [order[c::clients] for c in range(clients)]


def _dirichlet(labels: list[str], clients: int, alpha: float, seed: int) -> list[list[int]]:
    rng = np.random.default_rng(seed)
    parts: list[list[int]] = [[] for _ in range(clients)]
    by_label: dict[str, list[int]] = defaultdict(list)
    for index, label in enumerate(labels):
        by_label[label].append(index)
    for label in sorted(by_label):
        members = by_label[label]
        rng.shuffle(members)
        shares = rng.dirichlet([alpha] * clients)
        cuts = (np.cumsum(shares)[:-1] * len(members)).round().astype(int)
        for part, chunk in zip(parts, np.split(np.asarray(members), cuts)):
            part.extend(int(i) for i in chunk)
    for part in parts:
        if not part:
            largest = max(parts, key=len)
            part.append(largest.pop())
    return parts


def summary(parts: Sequence[Sequence[dict]]) -> list[dict]:
    """Per client: its row count and, for label targets, the count of each label."""
    labels = {row["target"] for part in parts for row in part}
    found = []
    for part in parts:
        entry: dict = {"rows": len(part)}
        if len(labels) <= LABEL_COUNTS_SHOWN:
            entry["labels"] = dict(sorted(Counter(row["target"] for row in part).items()))
        found.append(entry)
    return found
