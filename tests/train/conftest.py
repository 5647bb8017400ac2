"""Fixtures of the finlora_train tests: a tiny random Llama and a few real training rows."""
from __future__ import annotations

from pathlib import Path

import pytest

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

