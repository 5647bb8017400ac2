"""Fixtures of the finlora_train tests: the real FinLoRA data, a real `xbrlkit build` and the real SmolLM2-135M
(shared with the eval tests), a tiny random Llama, and a few real training rows; helpers of the federated tests."""
from __future__ import annotations

from pathlib import Path

import pytest
from eval.conftest import finlora_data, smollm2, xbrl_build  # noqa: F401 - reused fixtures

TINY_LLAMA = {"hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4,
              "num_key_value_heads": 2, "max_position_embeddings": 1024}


@pytest.fixture(scope="session")
def tiny_llama(smollm2, tmp_path_factory) -> Path:
    """A 2-layer Llama with random (seeded) weights and SmolLM2's tokenizer, saved as a Hugging Face folder."""
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    folder = tmp_path_factory.mktemp("tiny-llama")
    tokenizer = AutoTokenizer.from_pretrained(smollm2)
    torch.manual_seed(0)
    model = LlamaForCausalLM(LlamaConfig(vocab_size=len(tokenizer), bos_token_id=tokenizer.bos_token_id,
                                         eos_token_id=tokenizer.eos_token_id, **TINY_LLAMA))
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def sentiment_rows(finlora_data) -> list[dict]:
    """64 real training rows of the sentiment category (seeded sample, built from the public sources)."""
    from finlora_train.data import DataOptions, build

    return build("sentiment", DataOptions(data_dir=finlora_data, limit=64, seed=7))


@pytest.fixture(scope="session")
def sentiment_file(sentiment_rows, tmp_path_factory) -> Path:
    from finlora_train.data import write_jsonl

    path = tmp_path_factory.mktemp("data") / "sentiment.jsonl"
    write_jsonl(sentiment_rows, path)
    return path


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
