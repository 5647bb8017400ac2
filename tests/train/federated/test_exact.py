"""Exact aggregation of LoRA updates, against the dense weighted sum of the clients' products."""
from __future__ import annotations

import torch

from finlora_train.federated.exact import Factors, aggregate, lora_scale, refactor, stack, truncate


def _client(generator: torch.Generator, rank: int, out: int = 40, inp: int = 24, scale: float = 2.0) -> Factors:
    return Factors(torch.randn(rank, inp, generator=generator, dtype=torch.float64),
                   torch.randn(out, rank, generator=generator, dtype=torch.float64), scale)


def _dense(clients, weights) -> torch.Tensor:
    return sum(w * f.scale * f.b @ f.a for f, w in zip(clients, weights))


def test_the_stacked_factors_are_the_weighted_sum_of_the_products_at_any_ranks():
    generator = torch.Generator().manual_seed(0)
    rslora = lora_scale(16, 4, rslora=True)
    clients = [_client(generator, 8), _client(generator, 4, scale=rslora), _client(generator, 2)]
    weights = [0.5, 0.3, 0.2]
    b, a = stack(clients, weights)
    assert b.shape == (40, 14) and a.shape == (14, 24)
    dense = _dense(clients, weights)
    assert float((b @ a - dense).abs().max() / dense.abs().max()) < 1e-12
    # What FedAvg of the factors gives instead (same ranks only): the product of the means, with cross terms.
    same = clients[:1] + [_client(generator, 8), _client(generator, 8)]
    fedavg = 2.0 * sum(w * f.b for f, w in zip(same, weights)) @ sum(w * f.a for f, w in zip(same, weights))
    assert float((fedavg - _dense(same, weights)).norm() / _dense(same, weights).norm()) > 0.3


def test_refactoring_is_the_best_rank_r_approximation_with_its_residual():
    generator = torch.Generator().manual_seed(1)
    clients = [_client(generator, 8), _client(generator, 8)]
    dense = _dense(clients, [0.6, 0.4])
    factors, residual = refactor(*stack(clients, [0.6, 0.4]), rank=8, scale=2.0)
    u, singular, vh = torch.linalg.svd(dense)
    best = u[:, :8] @ torch.diag(singular[:8]) @ vh[:8]
    assert float((2.0 * factors.b @ factors.a - best).abs().max()) < 1e-9
    assert abs(residual - float(singular[8:].norm() / singular.norm())) < 1e-12 and residual > 0.1
    # Where the stacked rank fits the global rank, the re-factorisation loses nothing.
    exact, none = refactor(*stack(clients, [0.6, 0.4]), rank=16, scale=2.0)
    assert float((2.0 * exact.b @ exact.a - dense).abs().max() / dense.abs().max()) < 1e-6 and none < 1e-6


def test_aggregate_pairs_peft_names_and_averages_the_rest():
    generator = torch.Generator().manual_seed(2)
    layer = "base_model.model.model.layers.0.self_attn.q_proj"
    states = []
    for _ in range(3):
        client = _client(generator, 4)
        states.append({f"{layer}.lora_A.weight": client.a.float(), f"{layer}.lora_B.weight": client.b.float(),
                       f"{layer}.lora_magnitude_vector": torch.randn(40, generator=generator)})
    weights = [0.2, 0.3, 0.5]
    found = aggregate(states, weights, rank=12, scale=2.0)
    assert list(found.state) == list(states[0]) and found.state[f"{layer}.lora_A.weight"].dtype == torch.float32
    product = 2.0 * found.state[f"{layer}.lora_B.weight"].double() @ found.state[f"{layer}.lora_A.weight"].double()
    dense = sum(w * 2.0 * s[f"{layer}.lora_B.weight"].double() @ s[f"{layer}.lora_A.weight"].double()
                for w, s in zip(weights, states))
    assert float((product - dense).abs().max() / dense.abs().max()) < 1e-6 and found.residual[layer] < 1e-6
    magnitude = sum(w * s[f"{layer}.lora_magnitude_vector"] for w, s in zip(weights, states))
    assert torch.allclose(found.state[f"{layer}.lora_magnitude_vector"], magnitude, atol=1e-6)


def _state(layer: str, factors: Factors) -> dict[str, torch.Tensor]:
    return {f"{layer}.lora_A.weight": factors.a.float(), f"{layer}.lora_B.weight": factors.b.float()}


def _product(state: dict, layer: str, scale: float) -> torch.Tensor:
    return scale * state[f"{layer}.lora_B.weight"].double() @ state[f"{layer}.lora_A.weight"].double()


def test_clients_of_different_ranks_aggregate_exactly_and_receive_the_top_components():
    """Ranks 8, 4 and 2 under LoRA's scale 16 / r: the global rank-14 adapter is the weighted sum of the clients'
    own products; a rank-4 client then receives its best rank-4 part, at its own scale."""
    generator = torch.Generator().manual_seed(3)
    layer, weights = "base_model.model.model.layers.0.self_attn.v_proj", [0.5, 0.3, 0.2]
    clients = [_client(generator, rank, scale=lora_scale(16, rank, rslora=False)) for rank in (8, 4, 2)]
    found = aggregate([_state(layer, f) for f in clients], weights, rank=14, scale=lora_scale(16, 14, False),
                      scales=[f.scale for f in clients])
    global_product, dense = _product(found.state, layer, lora_scale(16, 14, False)), _dense(clients, weights)
    assert float((global_product - dense).abs().max() / dense.abs().max()) < 1e-6
    client = truncate(found.state, 4, lora_scale(16, 4, False), lora_scale(16, 14, False))
    assert client[f"{layer}.lora_A.weight"].shape == (4, 24) and client[f"{layer}.lora_B.weight"].shape == (40, 4)
    u, singular, vh = torch.linalg.svd(dense)
    best = u[:, :4] @ torch.diag(singular[:4]) @ vh[:4]
    assert float((_product(client, layer, lora_scale(16, 4, False)) - best).abs().max() / best.abs().max()) < 1e-5
    same = truncate(found.state, 14, 8 / 7, 8 / 7)
    assert all(torch.equal(same[name], found.state[name]) for name in found.state)
