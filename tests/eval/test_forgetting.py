"""The forgetting checks (MMLU, GSM8K): Hub-layout files the tests write, read through the registry's sources, and
answers scored from the model's output only."""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from finlora_eval import data, report
from finlora_eval.errors import EvalError
from finlora_eval.forgetting import gsm8k, mmlu
from finlora_eval.registry import load_registry
from finlora_eval.scoring import score_dataset

REGISTRY = load_registry()
QUESTION = {"question": "Which gas do plants take in?", "subject": "high_school_biology",
            "choices": ["Oxygen", "Carbon dioxide", "Helium", "Argon"], "answer": 1}


def _hub_folder(root: Path, config: str, split: str, table: dict) -> Path:
    """A dataset folder in the Hub layout: a configuration folder of parquet files, declared in the README."""
    (root / config).mkdir(parents=True)
    pq.write_table(pa.table(table), root / config / f"{split}-00000-of-00001.parquet")
    (root / "README.md").write_text(f"---\nconfigs:\n- config_name: {config}\n  data_files:\n  - split: {split}\n"
                                    f"    path: {config}/{split}-*\n---\n", encoding="utf-8")
    return root


def test_mmlu_rows_from_a_hub_layout_folder(tmp_path: Path):
    folder = _hub_folder(tmp_path / "mmlu", "all", "test", {key: [value] * 2 for key, value in QUESTION.items()})
    spec = REGISTRY.datasets["mmlu"]
    local = replace(spec.sources[1], location=str(folder))
    test_set = data.load(replace(spec, sources=(spec.sources[0], local)), data.Locations(tmp_path))
    assert test_set.source == f"hf:{folder}:test" and test_set.rows == 2
    prompt = test_set.examples[0].prompt
    assert prompt == ("The following is a multiple choice question about high school biology. Reply with the letter "
                      "of the correct choice.\n\nWhich gas do plants take in?\nA. Oxygen\nB. Carbon dioxide\n"
                      "C. Helium\nD. Argon\nAnswer:")
    assert test_set.examples[0].target == "B"
    (tmp_path / "test").mkdir()  # a local {context, target} copy wins over the Hub
    (tmp_path / "test" / "mmlu_test.jsonl").write_text(json.dumps({"context": prompt, "target": "B"}) + "\n")
    assert data.load(spec, data.Locations(tmp_path)).source == str(tmp_path / "test" / "mmlu_test.jsonl")


def test_gsm8k_target_is_the_number_after_the_marker():
    row = gsm8k({"question": " Ann has 3 boxes of 1,200 pins. How many pins? ",
                 "answer": "3 boxes x 1,200 = <<3*1200=3600>>3,600 pins.\n#### 3,600"})
    assert row == {"context": "Question: Ann has 3 boxes of 1,200 pins. How many pins?\nSolve it step by step, then "
                              "give the final number on its own line after ####.\nAnswer:", "target": "3600"}
    with pytest.raises(EvalError, match="ends with `#### number`"):
        gsm8k({"question": "q", "answer": "no marker"})
    with pytest.raises(EvalError, match="4 choices and an answer 0-3"):
        mmlu(QUESTION | {"answer": 4})


def test_mmlu_letters_come_from_the_output_not_the_prompt():
    """The prompt lists A-D; an output that names none scores 0 under both scorers, where a substring rule over prompt
    and output would find a letter in every row."""
    spec = REGISTRY.datasets["mmlu"]
    outputs = [" B", " The answer is (B) Carbon dioxide", " b. carbon", " I think it is C.", " Carbon dioxide"]
    scored = score_dataset(spec, outputs, ["B"] * 5)
    # reference (first standalone capital A-D): B, B, none, C, none -> 2 of 5.
    assert scored["reference"]["accuracy"] == pytest.approx(2 / 5)
    # strict (the first line starts with the letter alone): B, none, none, none, none -> 1 of 5; 4 missing.
    assert scored["strict"]["accuracy"] == pytest.approx(1 / 5) and scored["strict"]["missing"] == pytest.approx(4 / 5)


def test_gsm8k_answers_are_the_final_number():
    spec = REGISTRY.datasets["gsm8k"]
    outputs = ["3 x 1,200 = 3,600\n#### 3,600", "That is 3600 pins, from 3 boxes.", "#### 3600.0\nor maybe 12",
               "I cannot tell.", "#### 360"]
    scored = score_dataset(spec, outputs, ["3600"] * 5)
    # reference (the last number): 3,600; 3 (the last number); 12; none; 360 -> 1 of 5.
    assert scored["reference"]["accuracy"] == pytest.approx(1 / 5) and scored["reference"]["n"] == 5
    # strict (after the last ####): 3,600; none; 3600.0; none; 360 -> 2 of 5, 2 missing.
    assert scored["strict"]["accuracy"] == pytest.approx(2 / 5) and scored["strict"]["missing"] == pytest.approx(2 / 5)


def test_the_checks_are_outside_all():
    keys = [spec.key for spec in REGISTRY.select("all")]
    assert len(keys) == 19 and "mmlu" not in keys and "gsm8k" not in keys
    assert [spec.key for spec in REGISTRY.select("mmlu,gsm8k")] == ["mmlu", "gsm8k"]


def test_a_forgetting_run_tables_the_checks(tmp_path: Path):
    """mmlu,gsm8k from local copies through a stub server: the forgetting rows are in the tables, and a run of a
    benchmark dataset alone has none."""
    from tests.fakes.openai import StubOpenAI, serve
    from tests.support import run_eval

    (tmp_path / "test").mkdir()
    rows = {"mmlu": mmlu(QUESTION), "gsm8k": gsm8k({"question": "2 + 2?", "answer": "2 + 2 = 4\n#### 4"})}
    for key, row in rows.items():
        (tmp_path / "test" / f"{key}_test.jsonl").write_text(json.dumps(row) + "\n", encoding="utf-8")
    stub = StubOpenAI(answer=lambda prompt: "B" if "Argon" in prompt else "2 + 2 = 4\n#### 4", delay_s=0.0)
    with serve(stub):
        result = run_eval("run", "--backend", "openai", "--base-url", stub.url, "--model", "stub", "--datasets",
                          "mmlu,gsm8k", "--data-dir", str(tmp_path), "--out", str(tmp_path / "run"),
                          env={"HF_HUB_OFFLINE": "1"})
    assert result.returncode == 0, result.stderr
    table = (tmp_path / "run" / "results.md").read_text(encoding="utf-8")
    assert "| **Forgetting Checks (not in the benchmark)** | |" in table
    assert "| MMLU | 100.00/1.000 |" in table and "| GSM8K | 100.00 |" in table
    results = json.loads((tmp_path / "run" / "results.json").read_text(encoding="utf-8"))
    assert results["overall"] == {"reference": 100.0, "strict": 100.0, "datasets": 2}
    unevaluated = results | {"datasets": [], "overall": {"reference": None, "strict": None}}
    assert "Forgetting" not in report.markdown([unevaluated], REGISTRY) and "| FPB | - |" in report.markdown(
        [unevaluated], REGISTRY)
