"""finlora_train.federated on real rows: partitions, FedAvg and exact aggregation over adapters, bytes, all methods, DP.

The runs are tiny (a few FPB rows, max_length 128, one local step, the 2-layer random Llama with SmolLM2's tokenizer:
the federation, not the model, is under test) and go through Flower's simulation engine with Ray, as
`finlora-train federated` does.
"""
from __future__ import annotations

import io
import json
import shutil
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from finlora_train.config import load_config
from finlora_train.errors import TrainError
from finlora_train.federated import FederatedSettings, Partitioning, Privacy, run_federated
from finlora_train.federated.output import load_meta
from finlora_train.federated.partition import partition
from tests.support import needs
from tests.train.support import check_weighted_mean, client_updates, fpb


@pytest.fixture(autouse=True, scope="module")
def flower() -> None:
    needs("flwr")
    needs("ray")


def _config(base: Path, method: str, **overrides):
    """The smoke profile on `base`, 128-token rows."""
    return load_config("sentiment", method, "smoke", {"max_length": 128, "base_model": str(base), **overrides})


def _run(finlora_data: Path, base: Path, out: Path, method: str, rounds: int, rows: int = 7,
         privacy: Privacy | None = None, aggregation: str = "fedavg") -> dict:
    config = _config(base, method)
    settings = FederatedSettings(config, clients=2, rounds=rounds, local_steps=1, privacy=privacy,
                                 save_client_updates=True, aggregation=aggregation)
    result = run_federated(settings, fpb(finlora_data, rows), Partitioning.parse("iid"), out, data_source="fpb")
    assert load_meta(out) == result.meta
    return result.meta


def _wire_bytes(adapter: dict[str, torch.Tensor]) -> int:
    """Bytes of an adapter as .npy buffers plus key names, computed here without Flower."""
    total = 0
    for name, tensor in adapter.items():
        buffer = io.BytesIO()
        np.save(buffer, tensor.numpy(), allow_pickle=False)
        total += len(buffer.getvalue()) + len(name)
    return total


# ---- partitions -------------------------------------------------------------------------------------------------

def _label_distance(parts: list[list[dict]], rows: list[dict]) -> float:
    """Mean total-variation distance between each client's label mix and the whole set's."""
    labels = sorted({row["target"] for row in rows})
    overall = Counter(row["target"] for row in rows)
    distances = []
    for part in parts:
        mine = Counter(row["target"] for row in part)
        distances.append(sum(abs(mine[k] / len(part) - overall[k] / len(rows)) for k in labels) / 2)
    return sum(distances) / len(distances)


def _keys(part: list[dict]) -> list[str]:
    return [row["context"] + row["target"] for row in part]


def test_iid_parts_are_equal_disjoint_complete_and_seeded(finlora_data):
    rows = fpb(finlora_data, 1211)
    parts = partition(rows, 4, Partitioning.parse("iid"), seed=42)
    assert [len(p) for p in parts] == [303, 303, 303, 302]
    assert sorted(k for p in parts for k in _keys(p)) == sorted(_keys(rows))
    assert parts == partition(rows, 4, Partitioning.parse("iid"), seed=42)
    assert parts != partition(rows, 4, Partitioning.parse("iid"), seed=7)
    assert _label_distance(parts, rows) < 0.05


def test_dirichlet_skews_labels_deterministically(finlora_data):
    rows = fpb(finlora_data)
    skewed = partition(rows, 4, Partitioning.parse("dirichlet:0.1"), seed=42)
    mild = partition(rows, 4, Partitioning.parse("dirichlet:100"), seed=42)
    assert sorted(k for p in skewed for k in _keys(p)) == sorted(_keys(rows))
    assert skewed == partition(rows, 4, Partitioning.parse("dirichlet:0.1"), seed=42)
    assert skewed != partition(rows, 4, Partitioning.parse("dirichlet:0.1"), seed=43)
    assert _label_distance(skewed, rows) > 0.3 > 0.05 > _label_distance(mild, rows)
    assert len({len(p) for p in skewed}) > 1


def test_dirichlet_leaves_no_client_empty(finlora_data):
    rows = fpb(finlora_data, 30)
    for seed in range(5):
        parts = partition(rows, 20, Partitioning.parse("dirichlet:0.01"), seed=seed)
        assert all(parts) and sum(map(len, parts)) == 30


@pytest.mark.parametrize("text", ["dirichlet:0", "dirichlet:x", "dirichlet", "iid:2", "shards"])
def test_bad_partitions_are_refused(text):
    with pytest.raises(TrainError, match="unknown partition"):
        Partitioning.parse(text)


def test_more_clients_than_rows_is_refused():
    with pytest.raises(TrainError, match="cannot be split among 3 clients"):
        partition([{"context": "a", "target": "b"}] * 2, 3, Partitioning.parse("iid"), seed=1)


# ---- federated runs ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def dora_run(finlora_data, tiny_llama, tmp_path_factory) -> tuple[Path, dict]:
    """2 clients (4 and 3 rows), 2 rounds of DoRA, client updates saved."""
    out = tmp_path_factory.mktemp("federated") / "dora"
    return out, _run(finlora_data, tiny_llama, out, "dora", rounds=2)


def test_final_adapter_is_the_example_weighted_mean_of_the_last_round(dora_run):
    out, meta = dora_run
    updates = check_weighted_mean(out, 2)
    assert sorted(rows for rows, _ in updates) == [3, 4]
    # the clients really trained: their adapters differ from each other, magnitude vectors included
    magnitude = next(name for name in updates[0][1] if "lora_magnitude_vector" in name)
    assert not torch.equal(updates[0][1][magnitude], updates[1][1][magnitude])
    assert [c["rows"] for c in meta["data"]["clients"]] == [4, 3]
    assert [r["round"] for r in meta["rounds"]] == [1, 2]
    assert all(len(r["per_client"]) == 2 and r["train_loss"] > 0 for r in meta["rounds"])


def test_output_is_a_peft_adapter_folder(dora_run, tiny_llama):
    from peft import PeftModel, get_peft_model_state_dict
    from transformers import AutoModelForCausalLM

    out, meta = dora_run
    model = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(tiny_llama), out)
    loaded = get_peft_model_state_dict(model)
    saved = load_file(out / "adapter_model.safetensors")
    assert loaded.keys() == saved.keys()
    assert all(torch.equal(loaded[name].cpu(), saved[name]) for name in saved)
    assert model.peft_config["default"].use_dora
    assert meta["settings"]["config"]["method"] == "dora" and meta["settings"]["rounds"] == 2
    assert (out / "rounds.csv").read_text().count("\n") == 3
    assert not (out.parent / f".{out.name}.partial").exists()


def _check_bytes(out: Path, meta: dict, clients: int) -> None:
    adapter = load_file(out / "adapter_model.safetensors")
    tensor_bytes = sum(t.numel() * t.element_size() for t in adapter.values())
    wire = _wire_bytes(adapter)
    assert meta["adapter"] == {"tensors": len(adapter), "tensor_bytes": tensor_bytes, "wire_bytes": wire}
    assert 0 < wire - tensor_bytes < 256 * len(adapter)
    for entry in meta["rounds"]:
        assert entry["bytes_down"] == entry["bytes_up"] == clients * wire
        assert entry["bytes"] == 2 * clients * wire
        assert [(c["bytes_down"], c["bytes_up"]) for c in entry["per_client"]] == [(wire, wire)] * clients
    assert meta["bytes_total"] == 2 * clients * wire * len(meta["rounds"])


def test_bytes_per_round_match_the_adapter_sent(dora_run):
    out, meta = dora_run
    _check_bytes(out, meta, clients=2)


def _check_exact(out: Path, meta: dict) -> None:
    """Per layer, the global s B A is the rank-r truncated SVD of the row-weighted mean of the clients' s B_k A_k, and
    the meta gives the truncation residuals."""
    assert meta["settings"]["aggregation"] == "exact"
    config = json.loads((out / "adapter_config.json").read_text())
    scale, rank = config["lora_alpha"] / config["r"], config["r"]
    updates = client_updates(out, 1)
    total = sum(rows for rows, _ in updates)
    final = load_file(out / "adapter_model.safetensors")
    residuals = []
    for name in (n for n in final if n.endswith("lora_A.weight")):
        b_name = name.replace("lora_A", "lora_B")
        # each client at its own rank's scale (--client-ranks): alpha / r_k
        dense = sum(rows / total * config["lora_alpha"] / a[name].shape[0] * a[b_name].double() @ a[name].double()
                    for rows, a in updates)
        u, singular, vh = torch.linalg.svd(dense)
        best = u[:, :rank] @ torch.diag(singular[:rank]) @ vh[:rank]
        product = scale * final[b_name].double() @ final[name].double()
        assert float((product - best).abs().max() / best.abs().max()) < 1e-5, name
        residuals.append(float(singular[rank:].norm() / singular.norm()))
    found = meta["rounds"][0]["aggregation_residual"]
    assert found["max"] == pytest.approx(max(residuals), rel=1e-3)
    assert found["mean"] == pytest.approx(sum(residuals) / len(residuals), rel=1e-3)


# dora: dora_run; rslora: the DP test. qlora runs with the exact aggregation, on 3 and 4 rows.
@pytest.mark.parametrize("method, aggregation", [("lora", "fedavg"), ("qlora", "exact")])
def test_every_method_runs_a_round(method, aggregation, finlora_data, tiny_llama, tmp_path):
    out = tmp_path / method
    meta = _run(finlora_data, tiny_llama, out, method, rounds=1, rows=4 if aggregation == "fedavg" else 7,
                aggregation=aggregation)
    _check_bytes(out, meta, clients=2)
    config = json.loads((out / "adapter_config.json").read_text())
    assert (config["r"], config["use_dora"], config["use_rslora"]) == (4 if method == "qlora" else 8, False, False)
    if aggregation == "exact":
        _check_exact(out, meta)
        return
    updates = client_updates(out, 1)
    final = load_file(out / "adapter_model.safetensors")
    for name, tensor in final.items():
        assert torch.allclose(tensor, (updates[0][1][name] + updates[1][1][name]) / 2, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("side", ["client", "server"])
def test_dp_clips_every_update_and_adds_the_seeded_noise_it_accounts(side, finlora_data, tiny_llama, tmp_path):
    """rsLoRA under DP with noise multiplier 0.5 and clip 0.001 (below the tiny model's one-step update norm, about
    0.0045), 2 clients of 2 rows: the global adapter is the mean of the clipped updates plus N(0, (0.5 x 0.001 / 2)^2)
    per weight, exactly the draw the seeded generator makes, and the round's epsilon is the accountant's."""
    from finlora_train.federated.privacy import Budget
    from finlora_train.federated.weights import adapter_state
    from finlora_train.modeling import load_model

    out, clip, noise = tmp_path / side, 0.001, 0.5
    meta = _run(finlora_data, tiny_llama, out, "rslora", rounds=1, rows=4,
                privacy=Privacy(noise=noise, clip=clip, side=side))
    assert meta["settings"]["privacy"] == {"noise": noise, "clip": clip, "side": side, "delta": 1e-5}
    _check_bytes(out, meta, clients=2)
    config = _config(tiny_llama, "rslora")
    _, model = load_model(config)
    start = adapter_state(model)
    clipped = []
    for _, adapter in client_updates(out, 1):  # saved as the mean received them: after the clipping, on either side
        norm = torch.sqrt(sum(((adapter[n] - start[n]).double() ** 2).sum() for n in start)).item()
        assert norm == pytest.approx(clip, rel=1e-3)
        clipped.append({n: adapter[n].double() for n in start})
    final = load_file(out / "adapter_model.safetensors")
    np.random.seed((config.seed * 100_003 + 1) % 2**32)
    std = noise * clip / 2
    for name in start:  # Flower draws the noise tensor by tensor, in the adapter's order
        drawn = torch.from_numpy(np.random.normal(0, std, tuple(start[name].shape)).astype(np.float32)).double()
        added = final[name].double() - (clipped[0][name] + clipped[1][name]) / 2
        assert torch.allclose(added, drawn, atol=1e-6), name
    [entry] = meta["rounds"]
    assert entry["epsilon"] == pytest.approx(Budget(noise, 1e-5).release([0.5, 0.5]))
    assert meta["privacy"]["epsilon"] == entry["epsilon"] and meta["privacy"]["delta"] == 1e-5


def test_an_existing_output_is_not_overwritten(tmp_path, finlora_data):
    out = tmp_path / "taken"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    settings = FederatedSettings(load_config("sentiment", "lora", "smoke"), clients=2, rounds=1)
    with pytest.raises(TrainError, match="exists and is not empty"):
        run_federated(settings, fpb(finlora_data, 4), Partitioning.parse("iid"), out, data_source="fpb")
    assert (out / "keep.txt").read_text() == "mine"


def test_a_sampled_run_stopped_after_a_round_resumes_to_the_same_adapter(finlora_data, tiny_llama, tmp_path):
    """3 clients, --fraction 0.67 (2 per round), 2 rounds under server-side DP noise.
    - Each round trains the seeded sample only, is sent to it only, and is accounted as a 2-of-3 subsampled release
      (replace-one).
    - A run stopped after round 1 leaves the staging folder with the checkpoint of round 1 (the state made here from
      a finished run's folder); --resume runs round 2 only, samples what the whole run sampled, and ends at its
      adapter, bit for bit, with the same per-round record and epsilon."""
    from finlora_train.federated.privacy import Budget
    from finlora_train.federated.server import sample_clients

    config = _config(tiny_llama, "lora")
    settings = FederatedSettings(config, clients=3, rounds=2, local_steps=1, save_client_updates=True,
                                 privacy=Privacy(noise=0.5, clip=0.01, side="server"), fraction=0.67)
    assert settings.sampled == 2
    rows = fpb(finlora_data, 7)
    whole = run_federated(settings, rows, Partitioning.parse("iid"), tmp_path / "whole", data_source="fpb").meta
    budget = Budget(0.5, 1e-5, population=3, sample=2)
    for entry in whole["rounds"]:
        chosen = sample_clients(3, 2, config.seed, entry["round"])
        assert entry["sampled"] == chosen == [c["client"] for c in entry["per_client"]]
        assert entry["clients"] == 2 and entry["bytes_down"] == 2 * whole["adapter"]["wire_bytes"]
        updates = sorted(p.name for p in (tmp_path / "whole" / "client-updates" / f"round-{entry['round']:03d}")
                         .iterdir())
        assert updates == [f"client-{c}.safetensors" for c in chosen]
        sizes = [c["rows"] for c in entry["per_client"]]
        assert entry["epsilon"] == pytest.approx(budget.release([n / sum(sizes) for n in sizes]))
    assert whole["privacy"]["neighbouring"] == "replace-one"

    assert sorted(p.name for p in (tmp_path / "whole" / "checkpoints").iterdir()) == ["round-001", "round-002"]
    stopped = tmp_path / ".resumed.partial"
    shutil.copytree(tmp_path / "whole", stopped)
    shutil.rmtree(stopped / "checkpoints" / "round-002")
    shutil.rmtree(stopped / "client-updates" / "round-002")
    for name in ("adapter_model.safetensors", "adapter_config.json", "federated_meta.json", "rounds.csv"):
        (stopped / name).unlink()
    other = replace(settings, rounds=3)
    with pytest.raises(TrainError, match="the checkpoint is of another run"):
        run_federated(other, rows, Partitioning.parse("iid"), tmp_path / "resumed", data_source="fpb", resume=True)
    resumed = run_federated(settings, rows, Partitioning.parse("iid"), tmp_path / "resumed", data_source="fpb",
                            resume=True).meta
    assert resumed["resumed_after_round"] == 1 and whole["resumed_after_round"] == 0
    final = load_file(tmp_path / "resumed" / "adapter_model.safetensors")
    expected = load_file(tmp_path / "whole" / "adapter_model.safetensors")
    assert final.keys() == expected.keys() and all(torch.equal(final[k], expected[k]) for k in final)
    assert resumed["rounds"] == whole["rounds"]
    assert resumed["privacy"]["epsilon"] == whole["privacy"]["epsilon"] > whole["rounds"][0]["epsilon"]


def test_resume_needs_a_stopped_run(finlora_data, tmp_path):
    settings = FederatedSettings(load_config("sentiment", "lora", "smoke"), clients=2, rounds=1)
    with pytest.raises(TrainError, match="no stopped run to resume"):
        run_federated(settings, fpb(finlora_data, 4), Partitioning.parse("iid"), tmp_path / "none",
                      data_source="fpb", resume=True)


def test_clients_of_different_ranks_train_at_their_rank_and_aggregate_exactly(finlora_data, tiny_llama, tmp_path):
    """--set r=8 --client-ranks 8,4 --aggregation exact: client 1 receives and trains a rank-4 adapter (half the
    bytes of the LoRA factors), and the global rank-8 adapter is the best rank-8 part of the clients' weighted sum."""
    config = _config(tiny_llama, "lora", r=8)
    settings = FederatedSettings(config, clients=2, rounds=1, local_steps=1, save_client_updates=True,
                                 aggregation="exact", client_ranks=(8, 4))
    out = tmp_path / "hetlora"
    meta = run_federated(settings, fpb(finlora_data, 7), Partitioning.parse("iid"), out, data_source="fpb").meta
    (_, first), (_, second) = client_updates(out, 1)
    a_name = next(name for name in first if name.endswith("lora_A.weight"))
    assert first[a_name].shape[0] == 8 and second[a_name].shape[0] == 4
    [entry] = meta["rounds"]
    down = [c["bytes_down"] for c in entry["per_client"]]
    assert down[1] < down[0] == meta["adapter"]["wire_bytes"] and entry["bytes_down"] == sum(down)
    _check_exact(out, meta)


@pytest.mark.parametrize("ranks, aggregation, privacy, message", [
    ((8, 4, 2), "exact", None, "each of the 2 clients"), ((8, 16), "exact", None, "from 1 to the global rank r=8"),
    ((8, 4), "fedavg", None, "need the exact aggregation"),
    ((8, 4), "exact", Privacy(1.0, 0.1), "differential privacy with --client-ranks")])
def test_bad_client_ranks_are_refused(ranks, aggregation, privacy, message):
    config = load_config("sentiment", "lora", "smoke", {"r": 8})
    with pytest.raises(TrainError, match=message):
        FederatedSettings(config, clients=2, rounds=1, aggregation=aggregation, privacy=privacy, client_ranks=ranks)


@pytest.mark.parametrize("fraction", [0.0, 1.5])
def test_a_fraction_outside_zero_to_one_is_refused(fraction):
    with pytest.raises(TrainError, match="fraction of clients per round"):
        FederatedSettings(load_config("sentiment", "lora", "smoke"), clients=4, rounds=1, fraction=fraction)
