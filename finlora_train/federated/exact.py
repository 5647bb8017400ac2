"""Exact aggregation of LoRA adapters: the round's global update is the weighted mean of the clients' products.

FedAvg averages the A and B matrices of a LoRA layer separately, and mean(B) mean(A) = sum_j sum_k w_j w_k B_j A_k
is not the mean of the clients' updates sum_k w_k B_k A_k: it holds cross terms between clients. Here, per layer,
the clients' factors are stacked (as FLoRA, arXiv 2409.05976, does), B_s = [w_1 s_1 B_1 | ... | w_K s_K B_K] and
A_s = [A_1; ...; A_K], so that B_s A_s is that weighted sum exactly, whatever each client's rank r_k and LoRA scale
s_k. The next round needs an adapter of the configured rank r again, so the sum is re-factorised to its best rank-r
approximation (truncated SVD, Eckart-Young), computed from QR factorisations of the two stacked factors without
forming the dense matrix. The truncation is the one loss, and `Aggregate.residual` gives its size per layer: the
Frobenius norm of the dropped part over that of the sum. The other adapter tensors (DoRA's magnitude vectors) are
averaged as FedAvg does.

Clients of different ranks (HetLoRA, arXiv 2401.06432; `--client-ranks`) stack the same way, each product with its
own scale. Each round a client of rank r_k < r receives the global adapter truncated to its first r_k components
(`truncate`), which are its r_k largest singular directions after a re-factorisation, rescaled so that the client's
scale times its product is the truncated global update.
"""
from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import torch

_LORA = re.compile(r"^(?P<layer>.+)\.lora_(?P<factor>[AB])\.weight$")


@dataclass(frozen=True)
class Factors:
    """One client's LoRA factors of one layer: the update is scale x b @ a."""
    a: torch.Tensor
    """(rank, in_features)"""
    b: torch.Tensor
    """(out_features, rank)"""
    scale: float


@dataclass(frozen=True)
class Aggregate:
    state: dict[str, torch.Tensor]
    """The global adapter for the next round: the clients' tensor names, at the global rank."""
    residual: dict[str, float]
    """Per LoRA layer, ||sum - scale x B A||_F / ||sum||_F of the rank-r re-factorisation (0 where it is exact)."""


def lora_scale(alpha: float, rank: int, rslora: bool) -> float:
    """peft's scaling of B A: alpha / r, or alpha / sqrt(r) for rsLoRA."""
    return alpha / math.sqrt(rank) if rslora else alpha / rank


def stack(clients: Sequence[Factors], weights: Sequence[float]) -> tuple[torch.Tensor, torch.Tensor]:
    """(B_s, A_s) with B_s @ A_s = sum_k weights[k] x scale_k x B_k @ A_k, in float64."""
    b = torch.cat([w * f.scale * f.b.double() for f, w in zip(clients, weights, strict=True)], dim=1)
    a = torch.cat([f.a.double() for f in clients], dim=0)
    return b, a


def refactor(b: torch.Tensor, a: torch.Tensor, rank: int, scale: float) -> tuple[Factors, float]:
    """Rank-`rank` factors whose scale x B A is the best rank-`rank` approximation of b @ a, with B and A sharing
    the singular values evenly; and the relative residual of that approximation."""
    q_b, r_b = torch.linalg.qr(b)  # b = q_b r_b; a^T = q_a r_a; so b a = q_b (r_b r_a^T) q_a^T
    q_a, r_a = torch.linalg.qr(a.T)
    u, singular, vh = torch.linalg.svd(r_b @ r_a.T)
    kept = min(rank, singular.numel())
    root = singular[:kept].sqrt() / math.sqrt(scale)
    new_b = torch.zeros(b.shape[0], rank, dtype=b.dtype)
    new_a = torch.zeros(rank, a.shape[1], dtype=a.dtype)
    new_b[:, :kept] = (q_b @ u[:, :kept]) * root
    new_a[:kept] = root[:, None] * (vh[:kept] @ q_a.T)
    total = float(singular.square().sum())
    residual = math.sqrt(float(singular[kept:].square().sum()) / total) if total > 0 else 0.0
    return Factors(new_a, new_b, scale), residual


def _layers(names) -> dict[str, dict[str, str]]:
    """LoRA layer -> {"A": name, "B": name} of its factors, in the order of `names`."""
    layers: dict[str, dict[str, str]] = {}
    for name in names:
        found = _LORA.match(name)
        if found:
            layers.setdefault(found["layer"], {})[found["factor"]] = name
    return layers


def truncate(state: Mapping[str, torch.Tensor], rank: int, scale: float, global_scale: float) -> dict:
    """The global adapter `state` for a client of rank `rank` and LoRA scale `scale`: each layer's first `rank`
    components, so that scale x B_k A_k = global_scale x B[:, :rank] A[:rank]; other tensors as they are."""
    out = dict(state)
    factor = math.sqrt(global_scale / scale)
    for pair in _layers(state).values():
        out[pair["A"]] = state[pair["A"]][:rank] * factor
        out[pair["B"]] = state[pair["B"]][:, :rank] * factor
    return out


def aggregate(states: Sequence[Mapping[str, torch.Tensor]], weights: Sequence[float], rank: int,
              scale: float, scales: Sequence[float] | None = None) -> Aggregate:
    """The clients' adapter states (same names; LoRA layers as peft names them) aggregated exactly with weights
    summing to 1, re-factorised to `rank` with LoRA scale `scale` for the global adapter. `scales`: each client's
    LoRA scale, when the clients' ranks differ (default: `scale` for all)."""
    names = list(states[0])
    layers = _layers(names)
    scales = scales or [scale] * len(states)
    out: dict[str, torch.Tensor] = {}
    residual = {}
    for layer, pair in layers.items():
        clients = [Factors(state[pair["A"]], state[pair["B"]], s) for state, s in zip(states, scales, strict=True)]
        factors, residual[layer] = refactor(*stack(clients, weights), rank, scale)
        dtype = states[0][pair["A"]].dtype
        out[pair["A"]], out[pair["B"]] = factors.a.to(dtype), factors.b.to(dtype)
    paired = {name for pair in layers.values() for name in pair.values()}
    for name in names:
        if name not in paired:
            out[name] = sum(w * state[name].double() for w, state in zip(weights, states)).to(states[0][name].dtype)
    return Aggregate({name: out[name] for name in names}, residual)
