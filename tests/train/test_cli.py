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


@pytest.mark.parametrize(("content", "args", "line"), [
    (b'{"context": "a", "target": "b"}\n{"context": "caf\xff", "target": "b"}\n', [],
     "{data}:2: not UTF-8 text: byte 0xff at column 17 (save the file as UTF-8)"),
    (b'{"context": "a", "target": null}\n', [], "{data}:1: target must be a string, not null"),
    (b'{"context": "a", "target": "b"}\n{"context": 12, "target": "b"}\n', [],
     "{data}:2: context must be a string, not a number"),
    (b'{"context": {"text": "a"}, "target": "b"}\n', [], "{data}:1: context must be a string, not an object"),
    (b"", [], '{data}: no training rows in the file (write one {{"context": ..., "target": ...}} per line)'),
    (b"\n\n", [], '{data}: no training rows in the file (write one {{"context": ..., "target": ...}} per line)'),
    (b'{"context": "a", "target": "b"}\n', ["--set", "epochs=abc"],
     'invalid training config for sentiment/lora: epochs must be a number, not "abc"'),
    (b'{"context": "a", "target": "b"}\n', ["--set", "learning_rate=["],
     "--set learning_rate=[: the value is not valid YAML: expected the node content, but found '<stream end>' at "
     "column 2 (values are YAML, e.g. 2e-4, true, null or [q_proj, v_proj])"),
])
@pytest.mark.parametrize("command", ["train", "federated"])
def test_bad_data_and_overrides_fail_before_the_model_loads(command, content, args, line, tmp_path):
    """The base model is a folder that does not exist, so an error that is not about the model came before the model
    load; with good rows, `train` goes on to the model (test_good_data_gets_as_far_as_the_model)."""
    data = tmp_path / "rows.jsonl"
    data.write_bytes(content)
    result = run_train(command, "--category", "sentiment", "--method", "lora", "--data", str(data),
                       "--base-model", str(tmp_path / "no-model"), "--out", str(tmp_path / "x"), *args, timeout=120)
    assert "Traceback" not in result.stderr
    assert (result.returncode, result.stderr) == (2, f"finlora-train: error: {line.format(data=data)}\n")
    assert not (tmp_path / "x").exists()


def test_good_data_gets_as_far_as_the_model(tmp_path):
    data = tmp_path / "rows.jsonl"
    data.write_text('{"context": "a", "target": "b"}\n', encoding="utf-8")
    result = run_train("train", "--category", "sentiment", "--method", "lora", "--data", str(data),
                       "--base-model", str(tmp_path / "no-model"), "--out", str(tmp_path / "x"), timeout=120)
    assert result.returncode == 2
    assert result.stderr.startswith(f"finlora-train: error: cannot load the tokenizer of {tmp_path / 'no-model'}")
