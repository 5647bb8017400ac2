"""bench/gpu_check.sh --dry-run: every step of the GPU check runs on CPU, so that the script a GPU machine gets cannot
rot between the times one is lent."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_the_dry_run_runs_every_step(smollm2, finlora_data, tmp_path):
    report = tmp_path / "gpu_check.json"
    env = {**os.environ, "FINLORA_DATA_DIR": str(finlora_data), "PYTHON": sys.executable}
    done = subprocess.run(["bash", str(REPO / "bench" / "gpu_check.sh"), "--dry-run", "--json", str(report)],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    found = json.loads(report.read_text())
    status = {}
    for row in found["rows"]:
        status.setdefault(row["step"], set()).add(row["status"])
    assert status == {"train": {"ok"}, "adapters": {"ok"}, "vllm": {"ok" if _has("vllm") else "skipped"},
                      "load-in": {"ok"}, "ddp": {"ok"}}
    figures = found["figures"]
    assert set(figures["train"]) == {"lora-16bit", "lora-8bit", "qlora-4bit", "dora-8bit", "rslora-8bit"}
    # Every training example is cut to the dry run's 64 tokens: 2 steps of 2 x 2 accumulation.
    assert all(run["tokens"] == 2 * 2 * 2 * 64 and run["peak_mb"] > 0 for run in figures["train"].values())
    assert len(figures["hf-adapters"]) == 2 and all(t["generated_in_this_call"] == 8 for t in figures["hf-adapters"])
    assert {name for name in figures if name.startswith("base")} == {"base", "base-4bit", "base-8bit"}
    assert figures["ddp"]["processes"] == 2 and figures["ddp"]["steps"] == 2
    assert "0 failed" in done.stdout and "load-in" in done.stdout


def _has(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None
