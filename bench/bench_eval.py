#!/usr/bin/env python
"""Generation benchmark of finlora-eval's hf backend: batching against the reference's one-prompt loop, and
shared-prefix reuse against the plain batched backend, measured side by side in one process.

Run it from the repository root with an environment that has the eval extra and
the test models (`make bench-eval` sets one up):

    python bench/bench_eval.py [--rounds 3] [--fpb-rows 200] [--finer 8] [--fnxl 16] [--model ...]

Data: `$FINLORA_TEST_DATA` (default `../shared/finlora`), read through the
registry like `finlora-eval run`: the first --fpb-rows rows of FPB, and seeded
samples (seed 0) of the FiNER and FNXL prompts that fit the model's window with
the dataset's token budget (`finlora-eval run` leaves the others out too).
Reuse pays for the prefix once per sample, so its ratio grows with the sample.

Methods, all on one loaded model (greedy decoding, the dataset's token budget):

  loop          the reference's procedure (FinLoRA test/inference.py): one prompt per
                `generate` call, the text after the last `Answer:` kept
  batched       `HFBackend.generate` with --no-prefix-reuse: prompts sorted by length,
                left-padded batches
  reuse         `HFBackend.generate` as `finlora-eval run` calls it: the prompts' shared
                prefix computed once, every batch attending to that one copy of it

FPB compares loop, batched and reuse (batches of --batch-size); FiNER and FNXL compare
batched and reuse (batches of --long-batch-size), where the loop would take hours.
Every method of a set runs once per round, in alternating order, after one untimed
warm-up; a method's time is its median over the rounds. Reported per method:
examples/s, prompt tokens the model computed, the share of predictions identical to
the set's first method (FPB: the extracted label; FiNER and FNXL: the raw completion),
the peak resident memory above the process's level before the method ran (sampled
every 5 ms), and where the median round's time went: the model's forward calls that
computed the shared prefix, that prefilled the batches' prompts (or their own tokens),
and that decoded one token per row. Targets (issue 13): on FPB, reuse at least 5x
the loop; on FiNER and FNXL, reuse at least 8x batched with 100% identical
predictions.
"""
from __future__ import annotations

import argparse
import os
import platform
import random
import resource
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import torch

from finlora_common.prefix import shared_prefix
from finlora_eval import data
from finlora_eval.backends import BackendOptions, create
from finlora_eval.registry import load_registry
from finlora_eval.scoring.reference import extract_answer

ROOT = Path(__file__).resolve().parents[1]
FPB_TARGET, LONG_TARGET = 5.0, 8.0
_PAGE = os.sysconf("SC_PAGE_SIZE")


def _rss() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * _PAGE


def peak_rss(fn: Callable[[], object]) -> tuple[object, float]:
    """fn's result and the peak resident memory (MiB) above the level before it ran."""
    start, peak, done = _rss(), [0], threading.Event()

    def sample():
        while not done.wait(0.005):
            peak[0] = max(peak[0], _rss())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        result = fn()
    finally:
        done.set()
        sampler.join()
    return result, max(0, max(peak[0], _rss()) - start) / 2**20


def loop(backend, prompts: list[str], max_new_tokens: int) -> list[str]:
    """The reference's procedure: one generate call per prompt, the decoded sequence split on the cue."""
    answers = []
    for prompt in prompts:
        encoded = backend.tokenizer([prompt], return_tensors="pt").to(backend.model.device)
        with torch.inference_mode():
            output = backend.model.generate(**encoded, max_new_tokens=max_new_tokens, do_sample=False,
                                            eos_token_id=backend.tokenizer.eos_token_id,
                                            pad_token_id=backend.tokenizer.pad_token_id)
        answers.append(extract_answer(backend.tokenizer.decode(output[0], skip_special_tokens=True)))
    return answers


def batched(backend, prompts: list[str], max_new_tokens: int) -> list[str]:
    outputs = [""] * len(prompts)
    for chunk in backend.generate(prompts, max_new_tokens):
        for position, completion in chunk:
            outputs[position] = completion
    return outputs


class Phases:
    """Seconds of a model's forward calls by phase, told apart by their inputs: `prefix` (the shared prefix into a
    cache: one row, no attention mask), `decode` (one new position per row) and `prefill` (the rest: a batch's
    prompts, or their own tokens after a prefix)."""

    NAMES = ("prefix", "prefill", "decode")

    def __init__(self, model):
        self.seconds = dict.fromkeys(self.NAMES, 0.0)
        forward = model.forward

        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return forward(*args, **kwargs)
            finally:
                self.seconds[self._phase(kwargs.get("input_ids", args[0] if args else None), kwargs)] += (
                    time.perf_counter() - start)

        model.forward = timed

    @staticmethod
    def _phase(ids, kwargs: dict) -> str:
        if ids.shape[1] == 1:
            return "decode"
        return "prefix" if ids.shape[0] == 1 and kwargs.get("attention_mask") is None else "prefill"

    def reset(self) -> None:
        self.seconds = dict.fromkeys(self.NAMES, 0.0)


def measure(name: str, prompts: list[str], max_new_tokens: int, methods: dict, rounds: int,
            compare: Callable[[str], str]) -> list[dict]:
    """Each method's median seconds over alternating rounds (and that round's seconds by phase), tokens computed,
    identical share and peak memory."""
    for method, (backend, fn) in methods.items():
        fn(backend, prompts[:2], max_new_tokens)  # warm-up
    seconds, phases = {method: [] for method in methods}, {method: [] for method in methods}
    outputs, peaks, computed = {}, {}, {}
    order = list(methods)
    for round_ in range(rounds):
        for method in order if round_ % 2 == 0 else order[::-1]:
            backend, fn = methods[method]
            backend.reset_counters()
            backend.phases.reset()
            start = time.perf_counter()
            result, peak = peak_rss(lambda: fn(backend, prompts, max_new_tokens))
            seconds[method].append(time.perf_counter() - start)
            phases[method].append(dict(backend.phases.seconds))
            print(f"  {name} round {round_ + 1}/{rounds}: {method} {seconds[method][-1]:.1f} s", file=sys.stderr,
                  flush=True)
            outputs[method], peaks[method] = [compare(r) for r in result], max(peak, peaks.get(method, 0.0))
            computed[method] = backend.token_counts()["computed"] if fn is batched else None
    given = sum(len(methods[order[0]][0].tokenizer(p)["input_ids"]) for p in prompts)
    first = outputs[order[0]]
    rows = []
    for method in order:
        median = statistics.median_low(seconds[method])
        rows.append({"set": name, "method": method, "n": len(prompts), "seconds": median,
                     "phases": phases[method][seconds[method].index(median)],
                     "per_s": len(prompts) / median, "computed": computed[method] or given, "given": given,
                     "identical": sum(a == b for a, b in zip(first, outputs[method])) / len(prompts),
                     "peak_mib": peaks[method], "rounds": [round(s, 1) for s in seconds[method]]})
    return rows


def window_sample(backend, prompts: list[str], max_new_tokens: int, count: int, name: str) -> list[str]:
    """A seeded sample (seed 0, in file order) of the prompts that fit the model's window."""
    over = set(backend.over_window(prompts, max_new_tokens))
    within = [p for i, p in enumerate(prompts) if i not in over]
    if count < len(within):
        within = [within[i] for i in sorted(random.Random(0).sample(range(len(within)), count))]
    shared = shared_prefix(backend.tokenizer(within)["input_ids"])
    print(f"{name}: {len(prompts) - len(over)} of {len(prompts)} prompts fit the window; a sample of {len(within)}, "
          f"whose prompts share a prefix of {shared:,} tokens", flush=True)
    return within


def report(rows: list[dict]) -> None:
    print(f"{'set':6} {'method':8} {'n':>4} {'median s':>9} {'examples/s':>10} {'x first':>8} "
          f"{'prompt tokens computed':>24} {'identical':>9} {'peak MiB':>9} {'prefix/prefill/decode s':>23}  rounds s")
    for row in rows:
        first = next(r for r in rows if r["set"] == row["set"])
        share = f"{row['computed']:,} of {row['given']:,}"
        phases = "/".join(f"{row['phases'][phase]:.1f}" for phase in Phases.NAMES)
        print(f"{row['set']:6} {row['method']:8} {row['n']:4} {row['seconds']:9.1f} {row['per_s']:10.3f} "
              f"{row['per_s'] / first['per_s']:7.2f}x {share:>24} {100 * row['identical']:8.1f}% "
              f"{row['peak_mib']:9.0f} {phases:>23}  {row['rounds']}")


def verdicts(rows: list[dict]) -> None:
    speed = {(r["set"], r["method"]): r for r in rows}
    for name, base, target in (("FPB", "loop", FPB_TARGET), ("FiNER", "batched", LONG_TARGET),
                               ("FNXL", "batched", LONG_TARGET)):
        if (name, base) not in speed:
            continue
        reuse, anchor = speed[(name, "reuse")], speed[(name, base)]
        ratio = reuse["per_s"] / anchor["per_s"]
        exact = name == "FPB" or reuse["identical"] == 1.0
        print(f"{'PASS' if ratio >= target and exact else 'FAIL'}  {name}: reuse {ratio:.2f}x {base} (target "
              f"{target}x), {100 * reuse['identical']:.1f}% identical predictions")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--fpb-rows", type=int, default=200, help="FPB rows (0: skip)")
    parser.add_argument("--finer", type=int, default=8, help="FiNER prompts (0: skip)")
    parser.add_argument("--fnxl", type=int, default=16, help="FNXL prompts (0: skip)")
    parser.add_argument("--batch-size", type=int, default=32, help="batch size on FPB")
    parser.add_argument("--long-batch-size", type=int, default=8, help="batch size on FiNER and FNXL")
    parser.add_argument("--model", default="smollm2-135m-instruct")
    args = parser.parse_args()
    folder = Path(os.environ.get("FINLORA_TEST_DATA", ROOT.parent / "shared" / "finlora"))
    places = data.Locations(data_dir=folder if folder.is_absolute() else ROOT / folder)
    registry = load_registry()

    def backends(batch_size: int) -> tuple:
        """(reuse, plain): the backend as `finlora-eval run` builds it, and with --no-prefix-reuse."""
        pair = tuple(create("hf", BackendOptions(args.model, batch_size=batch_size, prefix_reuse=reuse))
                     for reuse in (True, False))
        for backend in pair:
            backend.phases = Phases(backend.model)
        return pair

    reuse, plain = backends(args.batch_size)
    print(f"{args.model} on {reuse.describe()['device']} ({reuse.dtype}), torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads, {platform.processor() or platform.machine()}; {args.rounds} rounds; "
          f"load average {os.getloadavg()[0]:.2f}")
    rows = []
    if args.fpb_rows:
        fpb = registry.datasets["fpb"]
        prompts = [e.prompt for e in data.load(fpb, places, limit=args.fpb_rows).examples]
        rows += measure("FPB", prompts, fpb.max_new_tokens,
                        {"loop": (plain, loop), "batched": (plain, batched), "reuse": (reuse, batched)}, args.rounds,
                        extract_answer)
    reuse, plain = backends(args.long_batch_size)
    for key, name, count in (("finer", "FiNER", args.finer), ("fnxl", "FNXL", args.fnxl)):
        if count:
            spec = registry.datasets[key]
            prompts = window_sample(reuse, [e.prompt for e in data.load(spec, places).examples],
                                    spec.max_new_tokens, count, name)
            rows += measure(name, prompts, spec.max_new_tokens, {"batched": (plain, batched),
                                                                 "reuse": (reuse, batched)}, args.rounds, str)
    report(rows)
    verdicts(rows)
    print(f"peak process RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB; load average "
          f"{os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
