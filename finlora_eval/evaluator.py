"""`evaluate`: the library call under `finlora-eval run`, from a model name to run folders with scored results.

    import finlora_eval
    runs = finlora_eval.evaluate("smollm2-135m-instruct", "fpb,fiqa", "runs/base", data_dir="../shared/finlora",
                                 limit=50, batch_size=8)
    runs[0]["overall"]["reference"]
"""
from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from finlora_common.atomic import atomic_path
from finlora_common.versions import versions
from finlora_eval import data
from finlora_eval.backends import BackendOptions, create
from finlora_eval.errors import DataUnavailable, EvalError
from finlora_eval.registry import load_registry

SCORINGS = ("generate", "loglik")


def adapter_labels(adapters: Sequence[str]) -> list[str]:
    """A run name per adapter: its folder name, numbered where two share one."""
    names = [Path(a).name or a for a in adapters]
    return [name if names.count(name) == 1 else f"{name}-{i}" for i, name in enumerate(names)]


def evaluate(model: str, datasets: str | Sequence[str], out: Path, *, adapters: Sequence[str] = (),
             backend: str = "hf", data_dir: Path | None = None, xbrl_dir: Path | None = None,
             limit: int | None = None, sample: int | None = None, seed: int = 42, num_fewshot: int = 0,
             scoring: str = "generate", seeds: Sequence[int] = (0,), bertscore_model: str = "auto",
             registry_file: Path | None = None, progress=None,
             report_unavailable: Callable[[str, str], None] = lambda key, why: None,
             **backend_settings: Any) -> list[dict]:
    """Generate answers for the datasets' test rows, score them with both scorers, and write the run folder(s).

    `datasets` are registry keys (a list or a comma-separated string), or "all": then the datasets without data
    here are reported as unavailable instead of failing the run. `num_fewshot` puts that many solved examples of each
    dataset's training source (drawn with `seed`) before every prompt. `scoring` "loglik" also scores the datasets
    with a closed label set by the log-likelihood of each label (hf backend), beside the generation. With a
    temperature above 0 (a backend setting) each of `seeds` is one run, in OUT/seed-S/ when there are several, and
    OUT/seeds.md gives each score's mean and spread over them. Each adapter is one run, in OUT/<adapter name>/
    when there are several (and OUT/comparison.md and .png compare them). `backend_settings` are the fields of
    `BackendOptions` (batch_size, chat_template, dtype, device, device_map, load_in, base_url, ...). `progress` is a
    rich Progress (or anything with its add_task/advance). Returns each run's results.json content.
    """
    # Scoring pulls in scipy: imported here, so that importing the package (and the CLI) stays quick.
    from finlora_eval import report, runner, spread
    from finlora_eval.scoring.bertscore import load_scorer

    if scoring not in SCORINGS:
        raise EvalError(f"unknown scoring {scoring!r}", hint=f"choose {' or '.join(SCORINGS)}")
    if scoring == "loglik" and backend != "hf":
        raise EvalError(f"log-likelihood scoring needs the hf backend, not {backend}",
                        hint="drop --scoring loglik, or use --backend hf")
    out = Path(out)
    keys = datasets if isinstance(datasets, str) else ",".join(datasets)
    registry = load_registry(registry_file)
    places = data.Locations(data_dir, xbrl_dir)
    sets, unavailable = [], []
    for spec in registry.select(keys):
        try:
            sets.append((spec, data.load(spec, places, limit=limit, sample=sample, seed=seed, num_fewshot=num_fewshot)))
        except DataUnavailable as why:
            if keys.strip() != "all":
                raise EvalError(f"dataset {spec.key} is unavailable: {why}") from None
            unavailable.append(runner.Unavailable(spec, str(why)))
            report_unavailable(spec.key, str(why))
    if not sets:
        raise EvalError("none of the datasets has data here", hint="give --data-dir and/or --xbrl-dir")
    try:
        options = BackendOptions(model=model, adapters=tuple(adapters), **backend_settings)
    except TypeError as exc:
        raise EvalError(f"unknown backend setting: {exc}") from None
    seeds = list(seeds)
    if not seeds or len(set(seeds)) != len(seeds) or (len(seeds) > 1 and not options.sampling):
        raise EvalError(f"seeds {seeds} must be distinct, and several need a temperature above 0 (greedy outputs do "
                        "not depend on the seed)", hint="give --temperature, or one seed")
    variants = []
    for adapter, name in list(zip(adapters, adapter_labels(adapters))) or [(None, model)]:
        for seed in seeds:
            folder = (out / name if len(adapters) > 1 else out) / (f"seed-{seed}" if len(seeds) > 1 else "")
            identity = {"model": model, "adapter": adapter, "backend": backend,
                        "chat_template": options.chat_template, "dtype": options.dtype, "load_in": options.load_in,
                        "base_url": options.base_url}
            if options.sampling:
                identity |= {"temperature": options.temperature, "top_p": options.top_p, "seed": seed}
            runner.check_resumable(folder, identity)  # before the model loads: a wrong `out` fails at once
            label = (f"{model} + {name}" if adapter else model) + (f" seed {seed}" if len(seeds) > 1 else "")
            variants.append(runner.Variant(adapter, label, folder, identity, seed))
    engine = create(backend, options)
    bertscorer = cache(lambda: load_scorer(bertscore_model, registry.encoders))
    runs = [runner.run(engine, variant, sets, unavailable, registry, bertscorer, progress, scoring)
            for variant in variants]
    if len(seeds) > 1:
        for start in range(0, len(runs), len(seeds)):
            folder = variants[start].folder.parent
            summary = spread.summary(runs[start:start + len(seeds)])
            with atomic_path(folder / "seeds.json") as tmp:
                tmp.write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n", encoding="utf-8")
            with atomic_path(folder / "seeds.md") as tmp:
                tmp.write_text(spread.markdown(summary, registry), encoding="utf-8")
    if len(runs) > 1:
        report.chart(runs, registry, out / "comparison.png")
        with atomic_path(out / "comparison.md") as tmp:
            tmp.write_text(report.markdown(runs, registry), encoding="utf-8")
    return runs


def score_predictions(path: Path, dataset: str, out: Path, *, label: str | None = None,
                      bertscore_model: str = "auto", registry_file: Path | None = None) -> dict:
    """Score predictions made elsewhere: a JSONL file of {prediction, target[, context]} rows for one registry
    dataset, scored by both scorers with intervals into OUT (results.json, results.md, and predictions/KEY.jsonl in
    the run format, so `finlora-eval compare` pairs it with runs on the same prompts). Returns the results."""
    from finlora_common.jsonl import read_jsonl, write_jsonl
    from finlora_eval import runner
    from finlora_eval.scoring.bertscore import load_scorer

    registry = load_registry(registry_file)
    specs = registry.select(dataset)
    if len(specs) != 1:
        raise EvalError(f"predictions answer one dataset, not {len(specs)}", hint="give one key to --dataset")
    spec = specs[0]
    rows = read_jsonl(Path(path), {"prediction": str, "target": str}, EvalError)
    if not rows:
        raise EvalError("no predictions in the file", path, hint='write one {"prediction": ..., "target": ...} per line')
    for number, row in enumerate(rows, start=1):
        if not isinstance(row.get("context", ""), str):
            raise EvalError("context must be a string", path, number)
    examples = tuple(data.Example(i, row.get("context", ""), row["target"]) for i, row in enumerate(rows))
    test_set = data.TestSet(spec.key, str(path), "predictions made elsewhere", len(rows), "all rows", examples)
    scorer = load_scorer(bertscore_model, registry.encoders) if spec.metric == "bertscore" else None
    out = Path(out)
    write_jsonl(({"index": e.index, "prompt_sha1": runner.prompt_hash(e.prompt), "target": e.target,
                  "output": row["prediction"]} for e, row in zip(examples, rows)),
                out / "predictions" / f"{spec.key}.jsonl")
    results = {"label": label or Path(path).stem, "model": None, "adapter": None,
               "backend": {"backend": "predictions", "file": str(path)}, "command": runner.command_line(),
               "bertscore_model": scorer.name if scorer else None, "versions": versions(runner.VERSIONED),
               "datasets": [runner.dataset_record(spec, test_set, [row["prediction"] for row in rows], None, scorer)],
               "unavailable": []}
    runner.write_results(out, results, registry)
    return results
