"""Helpers of the finlora_train tests: real FPB rows, and the checks of federated client updates."""
from __future__ import annotations

from pathlib import Path


def fpb(data_dir: Path, limit: int | None = None) -> list[dict]:
    """The first `limit` rows of the FPB test file in the FinLoRA data folder `data_dir`."""
    from finlora_train.data.files import read_jsonl

    return read_jsonl(data_dir / "test" / "fpb_test.jsonl")[:limit]


def client_updates(out: Path, round_: int) -> list[tuple[int, dict]]:
    """(row count, adapter) of each client of a federated round, as saved by --save-client-updates."""
    from safetensors import safe_open
    from safetensors.torch import load_file

    found = []
    for path in sorted((out / "client-updates" / f"round-{round_:03d}").glob("client-*.safetensors")):
        with safe_open(path, "pt") as handle:
            rows = int(handle.metadata()["num-examples"])
        found.append((rows, load_file(path)))
    return found


def check_weighted_mean(out: Path, round_: int) -> list[tuple[int, dict]]:
    """Assert that the adapter in `out` is the example-weighted mean of the client adapters of `round_` (rtol 1e-6)
    and measurably not their plain mean, so unequal row counts mattered; returns the client updates."""
    import torch
    from safetensors.torch import load_file

    updates = client_updates(out, round_)
    total = sum(rows for rows, _ in updates)
    expected = {name: sum(rows * adapter[name] for rows, adapter in updates) / total for name in updates[0][1]}
    final = load_file(out / "adapter_model.safetensors")
    assert final.keys() == expected.keys()
    for name, tensor in final.items():
        assert torch.allclose(tensor, expected[name], rtol=1e-6, atol=1e-7), name
    plain = {name: sum(adapter[name] for _, adapter in updates) / len(updates) for name in final}
    assert max((final[n] - plain[n]).abs().max().item() for n in final) > 1e-6
    return updates
