"""One training run, from rows to a finished adapter folder.

The folder is a PEFT adapter (`PeftModel.from_pretrained` reads it) plus
training_meta.json, loss.csv and loss.png; checkpoints live in its checkpoints/
subfolder while the run is going. training_meta.json is written last, so its
presence marks a finished run.
"""
from __future__ import annotations

import csv
import hashlib
import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from finlora_common.atomic import atomic_path
from finlora_common.versions import versions
from finlora_train.batching import encode
from finlora_train.config import TrainConfig
from finlora_train.data.selection import sample
from finlora_train.errors import TrainError
from finlora_train.modeling import compute_dtype, load_model
from finlora_train.trainer import Checkpoints, Progress, TrainState, fit, peak_memory_mb

META = "training_meta.json"
VERSIONED = ("finlora", "torch", "transformers", "peft", "accelerate", "bitsandbytes")


@dataclass(frozen=True)
class RunResult:
    out: Path
    state: TrainState
    meta: dict


def rows_digest(rows: list[dict]) -> str:
    digest = hashlib.sha256()
    for row in rows:
        digest.update(json.dumps({"context": row["context"], "target": row["target"]}, ensure_ascii=False,
                                 sort_keys=True).encode())
        digest.update(b"\n")
    return digest.hexdigest()


def make_accelerator(config: TrainConfig):
    """An accelerate.Accelerator with the mixed precision of the config (bf16 on GPUs that have it)."""
    import torch
    from accelerate import Accelerator

    # cpu=True on machines without CUDA, so that several processes (torchrun, accelerate launch) use gloo DDP.
    return Accelerator(cpu=not torch.cuda.is_available(),
                       mixed_precision="bf16" if compute_dtype(config) == torch.bfloat16 else "no")


def _check_out(out: Path, resume: bool, overwrite: bool) -> None:
    if (out / META).is_file() and not overwrite:
        raise TrainError("a finished run is already in this folder", out, hint="pass --overwrite or another --out")
    if (out / META).is_file():
        for child in out.iterdir():
            shutil.rmtree(child) if child.is_dir() else child.unlink()
    if Checkpoints(out / "checkpoints").latest() is not None and not resume:
        raise TrainError("an unfinished run with checkpoints is in this folder", out,
                         hint="pass --resume to continue it, or choose another --out")


def write_csv(rows: list[dict], fields: list[str], path: Path) -> None:
    """The `fields` of every row, a line each, under a header; the file appears only when complete."""
    with atomic_path(path) as tmp, tmp.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


def write_loss_curve(history: list[dict], out: Path) -> None:
    write_csv(history, ["step", "epoch", "loss", "learning_rate", "tokens_seen"], out / "loss.csv")
    try:
        import matplotlib
    except ImportError:
        return
    matplotlib.use("Agg")
    from matplotlib import pyplot

    figure, axes = pyplot.subplots(figsize=(6, 3.5))
    axes.plot([h["step"] for h in history], [h["loss"] for h in history])
    axes.set_xlabel("optimizer step")
    axes.set_ylabel("answer-token loss")
    axes.grid(alpha=0.3)
    figure.tight_layout()
    with atomic_path(out / "loss.png") as tmp:
        figure.savefig(tmp, format="png", dpi=100)
    pyplot.close(figure)


def train_rows(config: TrainConfig, rows: list[dict], out: Path, *, data_source: str, resume: bool = False,
               overwrite: bool = False, progress: Progress | None = None) -> RunResult:
    """Train one adapter on `rows` ({context, target}) into the folder `out`."""
    out = Path(out)
    _check_out(out, resume, overwrite)
    rows = sample(rows, config.data_limit or len(rows), config.seed)
    accelerator = make_accelerator(config)
    tokenizer, model = load_model(config, accelerator.device)
    encoded = encode(rows, tokenizer, config.max_length)
    state = fit(model, encoded, config, accelerator, checkpoints=Checkpoints(out / "checkpoints"), resume=resume,
                progress=progress)
    meta = training_record(config, rows, data_source, encoded, state, accelerator.num_processes)
    if accelerator.is_main_process:
        _write_run(accelerator.unwrap_model(model), state, meta, out)
    accelerator.wait_for_everyone()
    return RunResult(out, state, meta)


def training_record(config: TrainConfig, rows: list[dict], data_source: str, encoded, state: TrainState,
                    processes: int) -> dict:
    """What a finished training run records: config, data (with its sha256), versions, steps, tokens, time, memory
    and the final loss (training_meta.json; finlora_train.mixture adds its experts)."""
    return {
        "config": config.to_dict(),
        "data": {"source": data_source, "rows": len(rows), "sha256": rows_digest(rows),
                 "truncated_prompts": encoded.truncated},
        "versions": versions(VERSIONED),
        "processes": processes,
        "steps": state.step,
        "tokens_seen": state.tokens_seen,
        "answer_tokens": state.answer_tokens,
        "shared_prefix_tokens": state.shared_tokens,
        "wall_time_s": round(state.elapsed_s, 3),
        "tokens_per_s": round(state.tokens_seen / state.elapsed_s, 2) if state.elapsed_s else None,
        "peak_memory_mb": round(peak_memory_mb(), 1),
        "final_loss": state.final_loss,
    }


def _write_run(model, state: TrainState, meta: dict, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".adapter.", dir=out))
    try:
        model.save_pretrained(staging)
        for path in staging.iterdir():
            path.replace(out / path.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    write_loss_curve(state.history, out)
    shutil.rmtree(out / "checkpoints", ignore_errors=True)
    write_meta(meta, out / META)


def write_meta(meta: dict, path: Path) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")


def load_meta(folder: Path, name: str = META, run: str = "finlora-train run") -> dict:
    """The meta file `name` of a finished `run` in `folder`."""
    try:
        return json.loads((Path(folder) / name).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise TrainError(f"not a finished {run}: {exc}".splitlines()[0], folder) from None
