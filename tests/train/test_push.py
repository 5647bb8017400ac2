"""`finlora-train push` against the fake Hub (tests/fakes/hub.py): the files and card that reach it, and the adapter
loaded back from it by PEFT."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from finlora_train.data import DataOptions
from tests.fakes.hub import fake_hub
from tests.support import MODEL

REPO_ID = "finlora-test/smollm2-sentiment-lora"
TOKEN = "hf_fake_token_never_shown"


@pytest.fixture(scope="module")
def adapter(smollm2, finlora_data, sentiment_file, tmp_path_factory) -> Path:
    """A real, tiny sentiment LoRA run folder (2 steps)."""
    from finlora_train import train

    out = tmp_path_factory.mktemp("push") / "run"
    train("sentiment", "lora", out, data=DataOptions(finlora_data), data_file=sentiment_file, profile="smoke",
          overrides={"base_model": MODEL, "max_steps": 2, "max_length": 128})
    return out


def _env(hub_url: str, tmp_path: Path) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("HF_")}
    return env | {"HF_ENDPOINT": hub_url, "HF_TOKEN": TOKEN, "HF_HUB_DISABLE_TELEMETRY": "1",
                  "HF_HUB_DISABLE_XET": "1", "HF_HOME": str(tmp_path / "hf-home"), "NO_PROXY": "127.0.0.1",
                  "no_proxy": "127.0.0.1"}


def _eval_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "eval"
    folder.mkdir()
    (folder / "results.json").write_text(json.dumps({"datasets": [
        {"name": "FPB", "n": 4, "score": {"reference": 75.0, "strict": 50.0},
         "score_interval": {"reference": [25.0, 100.0], "strict": None}}]}), encoding="utf-8")
    return folder


def test_push_uploads_the_adapter_with_its_card_and_peft_loads_it_back(adapter, smollm2, tmp_path):
    before = {path.name: path.read_bytes() for path in adapter.iterdir() if path.is_file()}
    with fake_hub() as hub:
        result = subprocess.run([sys.executable, "-m", "finlora_train", "push", str(adapter), "--repo-id", REPO_ID,
                                 "--private", "--eval", str(_eval_folder(tmp_path))],
                                env=_env(hub.url, tmp_path), capture_output=True, text=True, timeout=180)
        assert result.returncode == 0, result.stderr
        assert TOKEN not in result.stdout + result.stderr
        assert hub.repos[REPO_ID] == {"type": "model", "private": True}
        files = hub.files[REPO_ID]
        assert {"adapter_config.json", "adapter_model.safetensors", "training_meta.json", "README.md"} <= set(files)
        assert files["adapter_model.safetensors"] == before["adapter_model.safetensors"]
        assert json.loads(files["adapter_config.json"])["base_model_name_or_path"] == \
            "HuggingFaceTB/SmolLM2-135M-Instruct"
        card = files["README.md"].decode("utf-8")
        meta = json.loads(before["training_meta.json"])
        assert "base_model: HuggingFaceTB/SmolLM2-135M-Instruct" in card and "library_name: peft" in card
        assert f"sha256 `{meta['data']['sha256']}`" in card and "| optimizer steps | 2 |" in card
        assert "| FPB | 4 | 75.00 [25.00, 100.00] | 50.00 |" in card and "CC BY-NC-SA 3.0" in card
        assert any(r.path == "/api/validate-yaml" for r in hub.requests)
        # PEFT loads the pushed adapter from the Hub onto the local base: the same weights as the run folder.
        loaded = subprocess.run([sys.executable, "-c", (
            "import sys, torch; from peft import PeftModel, get_peft_model_state_dict;"
            "from transformers import AutoModelForCausalLM; from safetensors.torch import load_file;"
            "from finlora_common.packaged_models import resolve_model;"
            f"model = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(resolve_model('{MODEL}')), "
            f"'{REPO_ID}'); local = load_file(sys.argv[1]);"
            "state = get_peft_model_state_dict(model);"
            "assert state.keys() == local.keys() and all(torch.equal(state[k], local[k]) for k in local); print('ok')"),
            str(adapter / "adapter_model.safetensors")], env=_env(hub.url, tmp_path), capture_output=True, text=True,
            timeout=180)
        assert loaded.returncode == 0 and loaded.stdout.strip() == "ok", loaded.stderr[-2000:]
    assert {path.name: path.read_bytes() for path in adapter.iterdir() if path.is_file()} == before


def test_push_refuses_a_folder_that_is_not_a_finished_adapter(tmp_path):
    result = subprocess.run([sys.executable, "-m", "finlora_train", "push", str(tmp_path), "--repo-id", REPO_ID],
                            env=_env("http://127.0.0.1:9", tmp_path), capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    [line] = result.stderr.strip().splitlines()
    assert "not a finished adapter folder (adapter_config.json, adapter_model.safetensors, training_meta.json " \
           "missing)" in line
