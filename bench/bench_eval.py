#!/usr/bin/env python
"""Generation benchmark for finlora-eval's hf backend, against the reference's batch-size-1 loop.

Run it from the repository root with an environment that has the eval extra and
the test models (`make bench-eval` sets one up):

    python bench/bench_eval.py [--rows 200] [--batch-size 32] [--model smollm2-135m-instruct]

Data: the first --rows rows of FPB, `$FINLORA_TEST_DATA/test/fpb_test.jsonl`;
FINLORA_TEST_DATA defaults to `../shared/finlora`, a relative value is resolved
against the repository root.

Both methods use the same loaded model and tokenizer, greedy decoding and the
dataset's token budget (10), in one process, after one untimed warm-up call each:

  loop      the reference's procedure (FinLoRA test/inference.py): one prompt per
            `generate` call, the whole sequence decoded, the text after the last
            `Answer:` kept
  batched   `HFBackend.generate` (finlora_eval.backends.hf): prompts sorted by
            length, batches of --batch-size with left padding, completions decoded

Reported: wall seconds and examples/second of each, the speed-up, the share of
rows whose extracted answers (finlora_eval.scoring.reference.extract_answer) are
identical, and both reference accuracies. The target (issue 5): batched at least
4x the loop's examples/second with at least 98% identical predictions.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import torch

from finlora_eval.backends import BackendOptions, create
from finlora_eval.scoring.reference import extract_answer, score_labels

ROOT = Path(__file__).resolve().parents[1]
SPEEDUP_TARGET, IDENTICAL_TARGET = 4.0, 0.98
MAX_NEW_TOKENS = 10


def _data(rows: int) -> tuple[list[str], list[str]]:
    folder = Path(os.environ.get("FINLORA_TEST_DATA", ROOT.parent / "shared" / "finlora"))
    path = (folder if folder.is_absolute() else ROOT / folder) / "test" / "fpb_test.jsonl"
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()[:rows]]
    return [r["context"] for r in records], [r["target"] for r in records]


def loop(backend, prompts: list[str]) -> list[str]:
    """The reference's procedure: one generate call per prompt, split the decoded sequence on the cue."""
    answers = []
    for prompt in prompts:
        encoded = backend.tokenizer([prompt], return_tensors="pt").to(backend.model.device)
        with torch.inference_mode():
            output = backend.model.generate(**encoded, max_new_tokens=MAX_NEW_TOKENS, do_sample=False,
                                            eos_token_id=backend.tokenizer.eos_token_id,
                                            pad_token_id=backend.tokenizer.pad_token_id)
        answers.append(extract_answer(backend.tokenizer.decode(output[0], skip_special_tokens=True)))
    return answers


def batched(backend, prompts: list[str]) -> list[str]:
    answers = [""] * len(prompts)
    for chunk in backend.generate(prompts, MAX_NEW_TOKENS):
        for position, completion in chunk:
            answers[position] = extract_answer(completion)
    return answers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=200)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--model", default="smollm2-135m-instruct")
    args = parser.parse_args()
    prompts, targets = _data(args.rows)
    backend = create("hf", BackendOptions(args.model, batch_size=args.batch_size))
    print(f"{args.model} on {backend.describe()['device']} ({backend.dtype}), torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads, {platform.processor() or platform.machine()}; "
          f"{len(prompts)} FPB rows, max_new_tokens {MAX_NEW_TOKENS}")
    results = {}
    for name, method in (("loop", loop), ("batched", batched)):
        method(backend, prompts[:2])  # warm-up
        start = time.perf_counter()
        answers = method(backend, prompts)
        seconds = time.perf_counter() - start
        results[name] = (seconds, answers)
        print(f"{name:8} {seconds:8.1f} s  {len(prompts) / seconds:6.2f} examples/s  "
              f"reference accuracy {100 * score_labels(answers, targets)['accuracy']:.2f}%")
    (loop_s, loop_answers), (batch_s, batch_answers) = results["loop"], results["batched"]
    speedup = loop_s / batch_s
    identical = sum(a == b for a, b in zip(loop_answers, batch_answers)) / len(prompts)
    verdict = "PASS" if speedup >= SPEEDUP_TARGET and identical >= IDENTICAL_TARGET else "FAIL"
    print(f"speed-up {speedup:.2f}x (target {SPEEDUP_TARGET}x), identical predictions {100 * identical:.1f}% "
          f"(target {100 * IDENTICAL_TARGET:.0f}%): {verdict}")


if __name__ == "__main__":
    main()
