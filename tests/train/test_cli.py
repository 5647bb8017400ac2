"""`finlora-train` as users run it: the CI slice of the smoke matrix, merge, and one-line errors on bad input."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch


def run_train(*args: str, timeout: int = 900) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "finlora_train", *args], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "FINLORA_DATA_DIR": ""})


@pytest.fixture(scope="module")
def matrix(smollm2, finlora_data, xbrl_build, tmp_path_factory) -> Path:
    """A slice of `make train-all PROFILE=smoke`: two categories x two methods, plus an unavailable category."""
    out = tmp_path_factory.mktemp("adapters")
    result = run_train("train-all", "--profile", "smoke", "--categories", "sentiment,xbrl_analysis,certification",
                       "--methods", "lora,qlora", "--data-dir", str(finlora_data), "--xbrl-dir", str(xbrl_build),
                       "--out", str(out))
    assert result.returncode == 0, result.stderr
    (out / "train-all.stderr").write_text(result.stderr, encoding="utf-8")
    return out


def test_train_all_trains_every_available_cell(matrix):
    summary = json.loads((matrix / "summary.json").read_text())
    log = (matrix / "train-all.stderr").read_text(encoding="utf-8")  # not a terminal: progress comes as lines
    assert all(f"{cell}: step {step}/3, loss " in log for cell in ("sentiment/lora", "xbrl_analysis/qlora")
               for step in (1, 2, 3))
    assert {cell: s["status"] for cell, s in summary.items()} == {
        "sentiment/lora": "trained", "sentiment/qlora": "trained", "xbrl_analysis/lora": "trained",
        "xbrl_analysis/qlora": "trained", "certification/lora": "unavailable", "certification/qlora": "unavailable"}
    for cell in ("sentiment/lora", "xbrl_analysis/qlora"):
        meta = json.loads((matrix / cell / "training_meta.json").read_text())
        assert meta["steps"] == 3 and meta["data"]["rows"] == 32
        assert meta["config"]["base_model"] == "smollm2-135m-instruct"
        assert (matrix / cell / "adapter_model.safetensors").is_file()
    rerun = run_train("train-all", "--profile", "smoke", "--categories", "sentiment", "--methods", "lora",
                      "--out", str(matrix))
    assert rerun.returncode == 0 and "already trained" in rerun.stdout


def test_merge_folds_the_adapter_into_the_dequantised_base(matrix, tmp_path):
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from finlora_train.config import load_config
    from finlora_train.modeling import load_base

    adapter = matrix / "sentiment" / "lora"
    result = run_train("merge", str(adapter), "--out", str(tmp_path / "merged"))
    assert result.returncode == 0, result.stderr
    assert "8bit rounding" in result.stderr
    merged = AutoModelForCausalLM.from_pretrained(tmp_path / "merged")
    assert merged.dtype == torch.float16 and getattr(merged.config, "quantization_config", None) is None
    config = load_config("sentiment", "lora", "smoke")
    unmerged = PeftModel.from_pretrained(load_base(config).dequantize(), adapter).eval()
    tokenizer = AutoTokenizer.from_pretrained(tmp_path / "merged")
    ids = tokenizer("Instruction: What is the sentiment of this news?\nInput: Profit rose 5%.\nAnswer: ",
                    return_tensors="pt")["input_ids"]
    with torch.no_grad():
        expected = unmerged(input_ids=ids).logits
        got = merged.float()(input_ids=ids).logits
    assert torch.allclose(got, expected, atol=0.05, rtol=0.01), (got - expected).abs().max()


@pytest.mark.parametrize(("args", "message"), [
    (["train", "--category", "sentiment", "--method", "lora", "--set", "learnig_rate=1", "--out", "{tmp}/x"],
     "unknown config keys: learnig_rate"),
    (["train", "--category", "sentiment", "--method", "lora", "--data-dir", "{tmp}/absent", "--out", "{tmp}/x"],
     "{tmp}/absent"),
    (["train", "--category", "certification", "--method", "lora", "--out", "{tmp}/x"], "never published"),
    (["data", "build", "--category", "xbrl_analysis", "--out", "{tmp}/x.jsonl"], "xbrlkit build"),
    (["merge", "{tmp}", "--out", "{tmp}/m"], "not a PEFT adapter folder"),
])
def test_bad_input_is_one_line_and_exit_2(args, message, tmp_path):
    result = run_train(*[a.format(tmp=tmp_path) for a in args])
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("finlora-train: error:")]
    assert len(lines) == 1 and message.format(tmp=tmp_path) in lines[0], result.stderr
    assert not (tmp_path / "x").exists() and not (tmp_path / "x.jsonl").exists()
