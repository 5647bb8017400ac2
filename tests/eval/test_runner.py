"""The runner on the real SmolLM2: a prompt longer than the model's window is counted, not truncated or run."""
from __future__ import annotations

import json
from pathlib import Path

from finlora_eval import data, runner
from finlora_eval.registry import load_registry


def test_prompts_over_the_window_are_counted_and_not_generated(hf_backend, tmp_path: Path):
    window = hf_backend.model.config.max_position_embeddings
    short = "What is the sentiment of this news? Please choose an answer from {negative/neutral/positive}.\n" \
            "Input: Profits rose.\nAnswer: "
    long = "Input: " + "profits rose and " * window + "\nAnswer: "
    assert hf_backend.over_window([short, long], 10) == [1]
    spec = load_registry().datasets["fpb"]
    test_set = data.TestSet("fpb", "written by the test", None, 2, "all rows",
                       (data.Example(0, short, "positive"), data.Example(1, long, "positive")))
    path = tmp_path / "predictions" / "fpb.jsonl"
    outputs, timing = runner._generate(hf_backend, spec, test_set, path, lambda n: None)
    assert outputs[1] == "" and outputs[0] != ""
    assert timing["prompts_over_window"] == 1 and timing["generated_in_this_call"] == 1
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [row.get("over_window", False) for row in rows] == [False, True]
