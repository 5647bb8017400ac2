#!/usr/bin/env python
"""Training-throughput benchmark for finlora-train, against a plain transformers Trainer + peft baseline.

Run it from the repository root with an environment that has the train extra and
the test models:

    python bench/bench_train.py [--rows 512] [--batch-size 8] [--steps N] [--max-length N] [--json OUT]
    python bench/bench_train.py --gpu-llama8b [--steps 10] [--sequence 1024]   # CUDA only, see below
    python bench/bench_train.py --gpu-llama8b --dry-run     # the same runs on a tiny Llama, on CPU

Data: a seeded sample (seed 42) of --rows rows of the sentiment training set,
`finlora_train.data.build("sentiment", ...)` on `$FINLORA_DATA_DIR` (default
`../shared/finlora`; a relative value is resolved against the repository root),
written once and read by every run.

Four runs, each once, each in a fresh child process so that its peak memory is
its own (ru_maxrss, or torch.cuda.max_memory_allocated on a GPU; here the parent never
imports torch, so the children do not inherit a large high-water mark, see
bench_build.child_rss). Shared: SmolLM2-135M-Instruct in fp32 with no
quantization, the lora method's adapter (r, alpha, dropout, target modules; the
same seed), optimizer settings, --batch-size x the config's gradient accumulation,
--max-length, and --steps optimizer steps (default: one pass over the rows).
Both sides tokenise with `finlora_train.batching.encode`, so they see the same
tokens (prompt, answer, EOS):

  baseline  transformers `Trainer` + peft, the usual recipe: labels -100 on the
            prompt, `DataCollatorForSeq2Seq` padding, the default random sampler
            (no length grouping); timed around `trainer.train()`, non-padding
            tokens counted (attention-mask sums) in the batches its collator made
  ours      `finlora_train.run.train_rows`, the default `group_by_length` batching,
            answer-only loss and shared prompt prefixes run once per batch;
            timed by the fit loop (meta `wall_time_s`)
  no-share  ours with `share_prefix=false` (every row runs its whole prompt)
  packed    ours with `batching=packed` (which shares no prefix)

Reported: non-padding tokens/s, peak memory and their ratios to the baseline.
Target (the training-speed issue): ours >= 1.8x the baseline's tokens/s. The exit
status is 0 whether or not the target passes (1 on errors). Outbound socket
connections are refused in every process, so a run that went to the network fails.

`--gpu-llama8b` (CUDA only): Llama-3.1-8B's architecture with random weights is
saved once in bf16 to a temporary folder, then our trainer runs --steps (default
10) steps at r=8 of lora on a 16-bit base and lora/dora/rslora on an 8-bit and
qlora on a 4-bit base (bitsandbytes, quantised when loaded), each in its own
child, on examples of exactly --sequence tokens (default 1,024: consecutive
sentiment prompts joined, then cut to fit); tokens/s and peak GPU memory are
printed beside the reference's reported memory (FinLoRA: 30.91 GB 16-bit,
11.41 GB 8-bit, 8.26 GB 4-bit). `--dry-run` runs the same steps on a 2-layer
Llama with random weights, on CPU (default sequence 64), so that the GPU path is
exercised by the test suite (bench/gpu_check.py).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import REPO, refuse_network, table
from finlora_common.versions import versions
from finlora_train.cli import DATA_ENV, DEFAULT_DATA_DIR

MODEL = "smollm2-135m-instruct"
CATEGORY, SEED, TARGET = "sentiment", 42, 1.8
VERSIONED = ("torch", "transformers", "peft", "accelerate")
CPU_RUNS = {  # run -> (trainer, batching, share_prefix); the baseline's batching names its sampler, for the table
    "baseline": ("transformers Trainer + peft", "random", False),
    "ours": ("finlora-train", "group_by_length", True),
    "no-share": ("finlora-train", "group_by_length", False),  # ours without shared prefixes, to show their part
    # Padding-free: one row per batch, position ids restarting at every example. transformers 5 derives the
    # block-diagonal mask from them only when no cache is built; load_base sets model.config.use_cache=False (and
    # AnswerLoss passes use_cache=False), otherwise the packed examples would attend to each other.
    "packed": ("finlora-train", "packed", False),
}
GPU_RUNS = {  # run -> (method, base bits); all at r=8
    "lora-16bit": ("lora", 16), "lora-8bit": ("lora", 8), "qlora-4bit": ("qlora", 4),
    "dora-8bit": ("dora", 8), "rslora-8bit": ("rslora", 8),
}
GPU_R, GPU_STEPS, GPU_SEQUENCE, DRY_SEQUENCE = 8, 10, 1024, 64
REFERENCE_GB = {16: 30.91, 8: 11.41, 4: 8.26}
LLAMA_8B = dict(hidden_size=4096, num_hidden_layers=32, num_attention_heads=32, num_key_value_heads=8,
                intermediate_size=14336, vocab_size=128256, rope_theta=500000.0, rms_norm_eps=1e-5)
TINY_LLAMA = dict(hidden_size=64, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                  intermediate_size=128, vocab_size=49152)
CHARS_PER_TOKEN_BOUND = 6
"""Joined prompts of this many characters per wanted token are longer than the wanted tokens (English text runs about
four characters a token), so that every example is cut to exactly the sequence length."""


def positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, not {value}")
    return value


def data_dir() -> Path:
    path = Path(os.environ.get(DATA_ENV) or DEFAULT_DATA_DIR).expanduser()
    return path if path.is_absolute() else (REPO / path).resolve()


def bench_config(run: str, args: argparse.Namespace):
    """The TrainConfig of a run: every run of a mode shares all settings but its batching or method."""
    from finlora_train.config import load_config

    overrides = {"base_model": args.base_model, "epochs": 1, "max_steps": args.steps, "batch_size": args.batch_size}
    if args.max_length:
        overrides["max_length"] = args.max_length
    if run in GPU_RUNS:
        method, bits = GPU_RUNS[run]
        overrides["r"] = GPU_R
        if bits == 16:
            overrides["quantization"] = None
        return load_config(CATEGORY, method, None, overrides)
    return load_config(CATEGORY, "lora", None, {**overrides, "quantization": None, "precision": "fp32",
                                                "batching": CPU_RUNS[run][1], "share_prefix": CPU_RUNS[run][2]})


def run_ours(config, rows: list[dict], out: Path) -> dict:
    """finlora_train.run.train_rows; its meta times the fit loop only and reads the peak memory right after it."""
    from finlora_train.run import train_rows

    meta = train_rows(config, rows, out, data_source=f"bench_train: {len(rows)} {CATEGORY} rows", overwrite=True).meta
    return {"steps": meta["steps"], "tokens": meta["tokens_seen"], "seconds": meta["wall_time_s"],
            "peak_mb": meta["peak_memory_mb"], "shared_tokens": meta["shared_prefix_tokens"]}


def run_baseline(config, rows: list[dict], out: Path) -> dict:
    """A plain transformers Trainer on the same model, tokens and settings; times trainer.train() only."""
    import torch
    from transformers import DataCollatorForSeq2Seq, Trainer, TrainingArguments

    from finlora_train.batching import encode
    from finlora_train.modeling import IGNORE, load_model
    from finlora_train.trainer import peak_memory_mb, total_steps

    device = "cuda" if torch.cuda.is_available() else "cpu"
    tokenizer, model = load_model(config, device)  # the same base (use_cache off) and peft LoRA adapter as ours
    encoded = encode(rows, tokenizer, config.max_length)
    dataset = [{"input_ids": list(e.input_ids),
                "labels": [IGNORE] * e.prompt_length + list(e.input_ids[e.prompt_length:])} for e in encoded.examples]
    pad = DataCollatorForSeq2Seq(tokenizer, padding=True, label_pad_token_id=IGNORE)
    seen = {"tokens": 0}

    def collate(features: list[dict]) -> dict:
        batch = pad(features)  # the Trainer trains on every batch it collates (num_workers=0, no prefetch)
        seen["tokens"] += int(batch["attention_mask"].sum())
        return batch

    steps = total_steps(len(dataset), config, 1)
    training_args = TrainingArguments(
        output_dir=str(out), per_device_train_batch_size=config.batch_size,
        gradient_accumulation_steps=config.gradient_accumulation, max_steps=steps,
        learning_rate=config.learning_rate, lr_scheduler_type=config.lr_scheduler,
        warmup_steps=min(config.warmup_steps, steps), weight_decay=config.weight_decay,
        max_grad_norm=config.max_grad_norm, seed=config.seed, logging_steps=1, save_strategy="no", report_to=[],
        use_cpu=device == "cpu", dataloader_num_workers=0, disable_tqdm=True, label_names=["labels"],
        # train_sampling_strategy stays "random": no length grouping. (transformers 5 removed group_by_length=True;
        # grouping would be train_sampling_strategy="group_by_length".)
    )
    trainer = Trainer(model=model, args=training_args, train_dataset=dataset, data_collator=collate)
    start = time.perf_counter()
    trainer.train()
    seconds = time.perf_counter() - start
    return {"steps": trainer.state.global_step, "tokens": seen["tokens"], "seconds": seconds,
            "peak_mb": peak_memory_mb()}


def long_rows(rows: list[dict], sequence: int) -> list[dict]:
    """Each row's prompt followed by the next rows' until it is surely over `sequence` tokens; targets stay."""
    joined = []
    for i, row in enumerate(rows):
        context, j = row["context"], i + 1
        while len(context) < CHARS_PER_TOKEN_BOUND * sequence:
            context += "\n\n" + rows[j % len(rows)]["context"]
            j += 1
        joined.append({**row, "context": context})
    return joined


def save_random_llama(folder: Path, dry_run: bool) -> None:
    """Llama-3.1-8B's architecture (with --dry-run a 2-layer Llama, on CPU) with random weights, in bf16, plus
    SmolLM2's tokenizer (its ids fit the vocabulary; no Llama tokenizer is needed offline). bitsandbytes quantises in
    from_pretrained, so the runs load this folder."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, LlamaConfig

    from finlora_common.packaged_models import resolve_model

    torch.manual_seed(0)
    with torch.device("cpu" if dry_run else "cuda"):
        model = AutoModelForCausalLM.from_config(LlamaConfig(**(TINY_LLAMA if dry_run else LLAMA_8B)),
                                                 dtype=torch.bfloat16)
    model.save_pretrained(folder)
    AutoTokenizer.from_pretrained(resolve_model(MODEL)).save_pretrained(folder)


def child(args: argparse.Namespace) -> None:
    """One run in this process; its figures go to --result as JSON."""
    refuse_network("bench_train")
    if args.child == "llama8b-weights":
        save_random_llama(Path(args.base_model), args.dry_run)
        return
    import torch

    from finlora_train.data.files import read_jsonl

    config = bench_config(args.child, args)
    runner = run_baseline if args.child == "baseline" else run_ours
    figures = runner(config, read_jsonl(args.data), args.result.with_suffix(".out"))
    figures.update(config=config.to_dict(), threads=torch.get_num_threads(),
                   memory="GPU allocated" if torch.cuda.is_available() else "max RSS",
                   device=torch.cuda.get_device_name() if torch.cuda.is_available() else "cpu")
    args.result.write_text(json.dumps(figures), encoding="utf-8")


def spawn(run: str, args: argparse.Namespace, data: Path, tmp: Path, base_model: str) -> dict | None:
    """Run `run` in a fresh interpreter; its figures, or None (with its output's tail printed) if it failed."""
    result = tmp / f"{run}.json"
    command = [sys.executable, __file__, "--child", run, "--data", str(data), "--result", str(result),
               "--base-model", base_model, "--batch-size", str(args.batch_size)]
    command += [f"--{name.replace('_', '-')}={value}" for name, value in (("steps", args.steps),
                                                                         ("max_length", args.max_length)) if value]
    command += ["--dry-run"] if args.dry_run else []
    print(f"  running {run} ...", flush=True)
    log = tmp / f"{run}.log"
    with log.open("w") as sink:
        done = subprocess.run(command, cwd=REPO, stdout=sink, stderr=subprocess.STDOUT)
    if done.returncode != 0:
        print(f"bench_train: {run} failed ({done.returncode}):\n{log.read_text(errors='replace')[-2000:]}",
              file=sys.stderr)
        return None
    return json.loads(result.read_text(encoding="utf-8")) if result.is_file() else {}


def header(args: argparse.Namespace, data: Path) -> dict:
    machine = {"cpus": os.cpu_count(), "processor": platform.processor() or platform.machine(),
               **versions(VERSIONED),
               "load average": round(os.getloadavg()[0], 2)}  # other work on the CPUs skews every timing
    print(f"finlora-train training benchmark: {args.rows} seeded {CATEGORY} rows from {data}")
    print("machine: " + ", ".join(f"{k} {v}" for k, v in machine.items()))
    return machine


def settings_line(config: dict, first: dict) -> str:
    return (f"{first['device']} ({first['threads']} torch threads), {config['base_model']}, "
            f"precision {config['precision']}, LoRA r={config['r']} alpha={config['lora_alpha']} "
            f"on {','.join(config['target_modules'])}, batch {config['batch_size']} x accumulation "
            f"{config['gradient_accumulation']}, max_length {config['max_length']}, lr {config['learning_rate']} "
            f"{config['lr_scheduler']} (warmup {config['warmup_steps']})")


def report_cpu(results: dict[str, dict]) -> dict:
    base = results["baseline"]
    per_s = {run: r["tokens"] / r["seconds"] for run, r in results.items()}
    ratios = {run: {"tokens_per_s": per_s[run] / per_s["baseline"], "peak_memory": r["peak_mb"] / base["peak_mb"]}
              for run, r in results.items()}
    print("settings: " + settings_line(results["ours"]["config"], base))
    print()
    rows = [[run, *CPU_RUNS[run][:2], "on" if CPU_RUNS[run][2] else "off", str(r["steps"]), str(r["tokens"]),
             f"{r['seconds']:.2f}", f"{per_s[run]:.1f}", f"{ratios[run]['tokens_per_s']:.2f}x", f"{r['peak_mb']:.0f}",
             f"{ratios[run]['peak_memory']:.2f}x"] for run, r in results.items()]
    print(table(["run", "trainer", "batching", "shared prefix", "steps", "tokens", "train s", "tokens/s", "x baseline",
                 f"peak MiB ({base['memory']})", "x baseline"], rows, left=4))
    shared = results["ours"]["shared_tokens"]
    print(f"  ours: {shared} of its {results['ours']['tokens']} tokens ({shared / results['ours']['tokens']:.1%}) are "
          "batch-shared prompt prefixes that its decoder ran once per batch (share_prefix)")
    if len({r["tokens"] for r in results.values()}) > 1:
        print("  note: the runs saw different numbers of non-padding tokens (a partial last step); tokens/s still "
              "compares them")
    ours, packed = ratios["ours"], ratios["packed"]
    print()
    print(f"Target: ours (group_by_length) >= {TARGET}x the baseline's non-padding tokens/s")
    print(f"  {'PASS' if ours['tokens_per_s'] >= TARGET else 'FAIL'}  ours: {ours['tokens_per_s']:.2f}x tokens/s, "
          f"peak memory {ours['peak_memory']:.2f}x")
    print(f"  {'(ok)' if packed['tokens_per_s'] >= TARGET else '(under)':<5} packed (reported): "
          f"{packed['tokens_per_s']:.2f}x tokens/s, peak memory {packed['peak_memory']:.2f}x")
    return {"ratios": ratios, "target": TARGET, "pass": ours["tokens_per_s"] >= TARGET}


def report_gpu(results: dict[str, dict]) -> dict:
    print("settings: " + settings_line(results["lora-8bit"]["config"], results["lora-8bit"]))
    print()
    rows = [[run, str(GPU_RUNS[run][1]), str(r["steps"]), str(r["tokens"]), f"{r['seconds']:.2f}",
             f"{r['tokens'] / r['seconds']:.1f}", f"{r['peak_mb'] / 1024:.2f}", f"{REFERENCE_GB[GPU_RUNS[run][1]]:.2f}"]
            for run, r in results.items()]
    print(table(["run", "base bits", "steps", "tokens", "train s", "tokens/s", "peak GiB (allocated)",
                 "reference GB"], rows))
    print("  The reference's figures are its own runs (real weights, its data and lengths); ours are random weights "
          "on joined sentiment prompts cut to max_length tokens, and PyTorch's allocated peak (not nvidia-smi), so "
          "compare the ordering and the quantisation savings, not absolute values.")
    return {"reference_gb": REFERENCE_GB}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=positive, default=512, help="seeded sample of sentiment rows (default 512)")
    parser.add_argument("--batch-size", type=positive, default=8, help="examples per micro-batch (default 8)")
    parser.add_argument("--steps", type=positive, help="optimizer steps (default: one pass over the rows; "
                                                  f"{GPU_STEPS} with --gpu-llama8b)")
    parser.add_argument("--max-length", type=positive, help="token limit per example (default: the config's)")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    parser.add_argument("--gpu-llama8b", action="store_true",
                        help="CUDA only: the methods on a random-weight Llama-3.1-8B instead")
    parser.add_argument("--sequence", type=positive,
                        help=f"with --gpu-llama8b: tokens per example (default {GPU_SEQUENCE}; {DRY_SEQUENCE} dry)")
    parser.add_argument("--dry-run", action="store_true",
                        help="with --gpu-llama8b: the same runs on a tiny random Llama, on CPU")
    parser.add_argument("--child", help=argparse.SUPPRESS)  # a run inside a child process, with these two
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--base-model", default=MODEL, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args)
        return 0

    refuse_network("bench_train")
    if args.gpu_llama8b:
        import torch  # only to ask for CUDA: the GPU figures are per child and not affected by this process

        if not torch.cuda.is_available() and not args.dry_run:
            print("bench_train: --gpu-llama8b needs a CUDA GPU (or --dry-run)", file=sys.stderr)
            return 1
        args.steps = args.steps or GPU_STEPS
        args.max_length = args.sequence or (DRY_SEQUENCE if args.dry_run else GPU_SEQUENCE)
    elif args.dry_run or args.sequence:
        print("bench_train: --dry-run and --sequence go with --gpu-llama8b", file=sys.stderr)
        return 1
    from finlora_train.data import DataOptions, build, write_jsonl

    source = data_dir()
    if not (source / "sources").is_dir():
        print(f"bench_train: no shared data at {source} (sources/); set {DATA_ENV}", file=sys.stderr)
        return 1
    tmp = Path(tempfile.mkdtemp(prefix="finlora-bench-train-"))
    try:
        data = tmp / "rows.jsonl"
        rows = build(CATEGORY, DataOptions(data_dir=source, limit=args.rows, seed=SEED))
        write_jsonl(long_rows(rows, args.max_length) if args.gpu_llama8b else rows, data)
        machine = header(args, source)
        if args.gpu_llama8b:
            weights = tmp / "llama-3.1-8b-random"
            if spawn("llama8b-weights", args, data, tmp, str(weights)) is None:
                return 1
            runs, base_model, report = GPU_RUNS, str(weights), report_gpu
        else:
            runs, base_model, report = CPU_RUNS, args.base_model, report_cpu
        results = {}
        for run in runs:
            results[run] = spawn(run, args, data, tmp, base_model)
            if results[run] is None:
                return 1
        print()
        summary = report(results)
        if args.json:
            args.json.write_text(json.dumps({"machine": machine, "rows": args.rows, "runs": results, **summary},
                                            indent=2) + "\n", encoding="utf-8")
        return 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
