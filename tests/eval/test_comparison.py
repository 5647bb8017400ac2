"""Paired differences between run folders: hand-computed intervals, rows that differ, encoders that differ."""
import json
from pathlib import Path

import pytest

from finlora_eval.comparison import load_run, markdown, paired_differences
from finlora_eval.errors import EvalError
from finlora_eval.registry import load_registry
from finlora_eval.runner import prompt_hash

REGISTRY = load_registry()
TARGETS = ["positive", "negative", "neutral", "positive", "negative", "neutral", "positive", "negative", "neutral",
           "positive"]


def _run(folder: Path, label: str, right: list[int], prompts: list[str] | None = None) -> Path:
    """A run folder as finlora-eval writes it, for FPB, right on the rows flagged 1."""
    prompts = prompts or [f"prompt {i}" for i in range(len(right))]
    (folder / "predictions").mkdir(parents=True)
    rows = [{"index": i, "prompt_sha1": prompt_hash(p), "target": t, "seconds": 0.1,
             "output": f"Answer: {t}" if ok else "Answer: no idea"}
            for i, (p, t, ok) in enumerate(zip(prompts, TARGETS, right))]
    (folder / "predictions" / "fpb.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    results = {"label": label, "bertscore_model": None, "datasets": [{"key": "fpb"}]}
    (folder / "results.json").write_text(json.dumps(results), encoding="utf-8")
    return folder


def test_the_difference_of_two_runs_on_the_same_rows_has_the_binomial_interval(tmp_path):
    # The runs differ on 2 of 10 rows, where the second is right: a resample's difference is Binomial(10, 0.2) / 10,
    # whose 2.5th and 97.5th percentiles are 0 and 0.5 (tests/eval/scoring/test_bootstrap.py).
    base = _run(tmp_path / "base", "base", [0, 0, 1, 1, 1, 0, 0, 1, 0, 1])
    tuned = _run(tmp_path / "tuned", "tuned", [1, 1, 1, 1, 1, 0, 0, 1, 0, 1])
    [row] = paired_differences([load_run(base), load_run(tuned)], REGISTRY)
    assert row["same_rows"] and row["n"] == 10 and row["headline"] == "accuracy"
    for scorer in ("reference", "strict"):
        accuracy = row["differences"][scorer]["accuracy"]
        assert (accuracy["before"], accuracy["after"]) == (pytest.approx(0.5), pytest.approx(0.7))
        assert accuracy["interval"] == [0.0, 0.5] and accuracy["includes_zero"]
    assert "| FPB | tuned | base | 10 | +20.00 [+0.00, +50.00], includes 0 |" in markdown([row])


def test_runs_on_other_prompts_are_not_compared(tmp_path):
    base = _run(tmp_path / "base", "base", [1] * 10)
    other = _run(tmp_path / "other", "other", [1] * 10, prompts=[f"another prompt {i}" for i in range(10)])
    [row] = paired_differences([load_run(base), load_run(other)], REGISTRY)
    assert row["same_rows"] is False and "| FPB | other | base | 10 | not the same rows |" in markdown([row])


def test_a_folder_without_results_is_refused(tmp_path):
    with pytest.raises(EvalError, match="not a finished run"):
        load_run(tmp_path)


def test_bertscore_differences_need_the_same_encoder(tmp_path):
    folders = []
    for label, encoder in (("base", "all-minilm-l6-v2 (layer 6)"), ("tuned", "finbert (layer 10)")):
        folder = _run(tmp_path / label, label, [1] * 10)
        (folder / "predictions" / "fpb.jsonl").rename(folder / "predictions" / "xbrl_term.jsonl")
        (folder / "results.json").write_text(json.dumps(
            {"label": label, "bertscore_model": encoder, "datasets": [{"key": "xbrl_term"}]}), encoding="utf-8")
        folders.append(load_run(folder))
    with pytest.raises(EvalError, match="used other BERTScore encoders"):
        paired_differences(folders, REGISTRY)
