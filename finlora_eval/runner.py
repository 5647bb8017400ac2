"""One evaluation run: generate what is not done yet, save it as it comes, score, write the results.

A run folder holds:

    run.json                what is evaluated (model, adapter, backend settings that change outputs);
                            a later run into the same folder with other settings is refused
    predictions/KEY.jsonl   one line per finished example: index (row in the source), prompt hash,
                            target, raw output, and its share of the generation wall time in seconds;
                            lines are appended as batches finish, so a rerun skips what is there
    loglik/KEY.jsonl        with log-likelihood scoring, per example the summed log-probability of each
                            label of the dataset (finlora_eval.scoring.loglik); kept when a rerun finds
                            every example of the selection in it
    results.json            the command; per dataset: source, selection, the sha256 of the rows as
                            evaluated, both scorers' metrics, timings; the unavailable datasets with
                            the reason; the overall averages; versions
    results.md              the tables (finlora_eval.report)
"""
from __future__ import annotations

import hashlib
import json
import shlex
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from finlora_common.atomic import atomic_path
from finlora_common.versions import versions
from finlora_eval import report
from finlora_eval.backends import Backend
from finlora_eval.data import TestSet
from finlora_eval.errors import EvalError
from finlora_eval.registry import DatasetSpec, Registry
from finlora_eval.scoring import loglik, overall, score_dataset
from finlora_eval.scoring.bertscore import BertScorer

VERSIONED = ("finlora", "torch", "transformers", "peft", "scipy", "vllm", "httpx")


@dataclass(frozen=True)
class Variant:
    """One run of an evaluation: the adapter (None: the base model), the sampling seed, the run's name, its folder,
    and what identifies its outputs (run.json)."""
    adapter: str | None
    label: str
    folder: Path
    identity: dict
    seed: int = 0


@dataclass(frozen=True)
class Unavailable:
    spec: DatasetSpec
    reason: str


def prompt_hash(prompt: str) -> str:
    return hashlib.sha1(prompt.encode("utf-8")).hexdigest()[:16]


def check_resumable(out: Path, identity: dict) -> None:
    """Refuse a folder that holds a run with other settings: its predictions are not this run's."""
    marker = out / "run.json"
    if not marker.is_file():
        return
    earlier = json.loads(marker.read_text(encoding="utf-8"))
    if earlier != identity:
        changed = sorted(k for k in identity.keys() | earlier.keys() if identity.get(k) != earlier.get(k))
        raise EvalError(f"holds a run with other settings ({', '.join(changed)} differ)", out,
                        hint="choose another --out, or delete the folder to start over")


def _claim(out: Path, identity: dict) -> None:
    check_resumable(out, identity)
    if not (out / "run.json").is_file():
        with atomic_path(out / "run.json") as tmp:
            tmp.write_text(json.dumps(identity, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def _finished(path: Path, test_set: TestSet) -> dict[int, dict]:
    """Predictions already saved for this selection, by row index; a torn last line is dropped."""
    if not path.is_file():
        return {}
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    if not text.endswith("\n"):  # the run stopped mid-line: drop that line and keep the file appendable
        lines = lines[:-1]
        with atomic_path(path) as tmp:
            tmp.write_text("".join(line + "\n" for line in lines if line), encoding="utf-8")
    prompts = {e.index: prompt_hash(e.prompt) for e in test_set.examples}
    done = {}
    for number, line in enumerate(lines, start=1):
        if not line:
            continue
        try:
            row = json.loads(line)
            index, digest = row["index"], row["prompt_sha1"]
        except (json.JSONDecodeError, KeyError, TypeError):
            raise EvalError(f"line {number} is not a prediction record", path) from None
        if index in prompts and digest != prompts[index]:
            raise EvalError(f"line {number}: row {index} had another prompt when it was generated", path,
                            hint="the test data changed; use another --out")
        done[index] = row
    return done


def _generate(backend: Backend, spec: DatasetSpec, test_set: TestSet, path: Path, advance: Callable[[int], None]):
    """All outputs of the selection, in order, generating only the missing ones; and the timing."""
    done = _finished(path, test_set)
    todo = [e for e in test_set.examples if e.index not in done]
    advance(len(test_set.examples) - len(todo))
    path.parent.mkdir(parents=True, exist_ok=True)
    backend.reset_counters()
    too_long = set(backend.over_window([e.prompt for e in todo], spec.max_new_tokens))
    with path.open("a", encoding="utf-8") as handle:
        for position in sorted(too_long):  # not generated and not truncated: counted, and scored as no answer
            example = todo[position]
            done[example.index] = {"index": example.index, "prompt_sha1": prompt_hash(example.prompt),
                                   "target": example.target, "output": "", "seconds": 0.0, "over_window": True}
            handle.write(json.dumps(done[example.index], ensure_ascii=False, sort_keys=True) + "\n")
        advance(len(too_long))
        todo = [e for position, e in enumerate(todo) if position not in too_long]
        last = time.perf_counter()
        for chunk in backend.generate([e.prompt for e in todo], spec.max_new_tokens) if todo else ():
            now = time.perf_counter()
            share, last = (now - last) / len(chunk), now
            for position, output in chunk:
                example = todo[position]
                done[example.index] = {"index": example.index, "prompt_sha1": prompt_hash(example.prompt),
                                       "target": example.target, "output": output, "seconds": round(share, 6)}
                handle.write(json.dumps(done[example.index], ensure_ascii=False, sort_keys=True) + "\n")
            handle.flush()
            advance(len(chunk))
    finished = [done[e.index] for e in test_set.examples]
    seconds = sum(row["seconds"] for row in finished)
    timing = {"seconds": round(seconds, 3), "examples_per_s": round(len(finished) / seconds, 3) if seconds else None,
              "generated_in_this_call": len(todo), "peak_memory": backend.peak_memory() if todo else None,
              "prompt_tokens": backend.token_counts() if todo else None,
              "prompts_over_window": sum(bool(row.get("over_window")) for row in finished)}
    # Resumed files hold rows in the order they finished; the final file is in row order.
    with atomic_path(path) as tmp:
        tmp.write_text("".join(json.dumps(done[i], ensure_ascii=False, sort_keys=True) + "\n" for i in sorted(done)),
                       encoding="utf-8")
    return [row["output"] for row in finished], timing


def _choice_logprobs(backend: Backend, test_set: TestSet, choices: Sequence[str], path: Path) -> list[list[float]]:
    """Each example's log-probability of each choice: from the file where it holds them all, else computed and
    saved."""
    if path.is_file():
        saved = {row["index"]: row for row in map(json.loads, path.read_text(encoding="utf-8").splitlines())}
        if all(e.index in saved and saved[e.index]["prompt_sha1"] == prompt_hash(e.prompt)
               and list(saved[e.index]["logprobs"]) == list(choices) for e in test_set.examples):
            return [[saved[e.index]["logprobs"][c] for c in choices] for e in test_set.examples]
    found = backend.choice_logprobs([e.prompt for e in test_set.examples], choices)
    with atomic_path(path) as tmp:
        tmp.write_text("".join(json.dumps({"index": e.index, "prompt_sha1": prompt_hash(e.prompt), "target": e.target,
                                           "logprobs": dict(zip(choices, row))}, ensure_ascii=False) + "\n"
                               for e, row in zip(test_set.examples, found)), encoding="utf-8")
    return found


def run(backend: Backend, variant: Variant, sets: Sequence[tuple[DatasetSpec, TestSet]],
        unavailable: Sequence[Unavailable], registry: Registry, bertscorer: Callable[[], BertScorer], progress=None,
        scoring: str = "generate") -> dict:
    """Evaluate one model (or one adapter of it, or one seed) on the test sets; write and return the results. With
    `scoring` "loglik", the datasets with a closed label set are also scored by log-likelihood."""
    out, label, identity = variant.folder, variant.label, variant.identity
    _claim(out, identity)
    backend.use_adapter(variant.adapter)
    backend.use_seed(variant.seed)
    datasets, scorer_name = [], None
    for spec, test_set in sets:
        task = progress.add_task(f"{label} {spec.key}", total=len(test_set.examples)) if progress else None
        advance = (lambda n, task=task: progress.advance(task, n)) if progress else (lambda n: None)
        outputs, timing = _generate(backend, spec, test_set, out / "predictions" / f"{spec.key}.jsonl", advance)
        scorer = bertscorer() if spec.metric == "bertscore" else None
        scorer_name = scorer.name if scorer else scorer_name
        record = dataset_record(spec, test_set, outputs, timing, scorer)
        choices = loglik.choices(spec)
        if scoring == "loglik" and choices:
            path = out / "loglik" / f"{spec.key}.jsonl"
            logprobs = _choice_logprobs(backend, test_set, choices, path)
            record["loglik"] = loglik.score(choices, logprobs, [e.target for e in test_set.examples])
        datasets.append(record)
    results = {
        "label": label, "model": identity["model"], "adapter": variant.adapter, "backend": backend.describe(),
        "command": command_line(),
        "sampling": {key: identity[key] for key in ("temperature", "top_p", "seed")} if "seed" in identity else None,
        "bertscore_model": scorer_name, "versions": versions(VERSIONED), "datasets": datasets,
        "unavailable": [{"key": u.spec.key, "name": u.spec.name, "category": u.spec.category, "reason": u.reason}
                        for u in unavailable],
    }
    write_results(out, results, registry)
    return results


def dataset_record(spec: DatasetSpec, test_set: TestSet, outputs: Sequence[str], timing: dict | None,
                   scorer: BertScorer | None) -> dict:
    """One dataset's entry of results.json: where its rows came from, both scorers' metrics, the timing."""
    return {"key": spec.key, "name": spec.name, "category": spec.category, "metric": spec.metric,
            "answer": spec.answer, "source": test_set.source, "note": test_set.note, "rows": test_set.rows,
            "selection": test_set.selection, "fewshot": test_set.fewshot, "n": len(test_set.examples),
            "max_new_tokens": spec.max_new_tokens, "examples_sha256": examples_sha256(test_set),
            "timing": timing} | score_dataset(spec, outputs, [e.target for e in test_set.examples], scorer)


def command_line() -> str:
    """The command this process runs, as a shell would take it back."""
    return shlex.join(sys.argv)


def examples_sha256(test_set: TestSet) -> str:
    """The hash of the rows as evaluated (row number, prompt with any few-shot block, target), one JSON line each: two
    runs with the same hash scored the same inputs."""
    digest = hashlib.sha256()
    for example in test_set.examples:
        line = json.dumps([example.index, example.prompt, example.target], ensure_ascii=False)
        digest.update(line.encode("utf-8") + b"\n")
    return digest.hexdigest()


def write_results(out: Path, results: dict, registry: Registry) -> None:
    """results.json (with the overall averages added) and results.md, each written atomically."""
    results["overall"] = overall(results["datasets"]) | {"datasets": len(results["datasets"])}
    with atomic_path(out / "results.json") as tmp:
        tmp.write_text(json.dumps(results, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    with atomic_path(out / "results.md") as tmp:
        tmp.write_text(report.markdown([results], registry), encoding="utf-8")
