"""The output folder of a federated run: the final global adapter as a PEFT folder, federated_meta.json, and the
round checkpoints a stopped run resumes from.

Everything is written into a staging folder beside the target, `.OUT.partial`
(client updates and a checkpoint after every round during the run, the rest at
the end), which is renamed to the target only when the run has finished, so OUT
is never half-written. A run that fails after a checkpoint keeps its staging
folder, and `--resume` continues from the last checkpoint; one that fails before
leaves nothing. Every file is written atomically.
"""
from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from finlora_common.atomic import replace_dir
from finlora_common.versions import versions
from finlora_train import run
from finlora_train.errors import TrainError
from finlora_train.federated.privacy import relation
from finlora_train.federated.settings import FederatedSettings

if TYPE_CHECKING:
    from finlora_train.federated.server import ServerRecord

META = "federated_meta.json"
CHECKPOINTS = "checkpoints"
"""Subfolder of the staging folder: round-NNN/adapter.safetensors (the global adapter after round NNN, noise
included) and round-NNN/state.json (the rounds' records so far and the run's identity)."""


@dataclass(frozen=True)
class Checkpoint:
    round: int
    adapter: Path
    rounds: list[dict]
    identity: dict


def staging_folder(out: Path, overwrite: bool, resume: bool = False) -> Path:
    """The staging folder for `out`, after checking that `out` may be written: fresh and empty, or with `resume`
    the stopped run's, which must hold a checkpoint."""
    out = Path(out)
    if out.exists() and not overwrite and (not out.is_dir() or any(out.iterdir())):
        raise TrainError("the output folder exists and is not empty", out, hint="pass --overwrite or another --out")
    staging = out.parent / f".{out.name}.partial"
    if resume:
        if latest_checkpoint(staging) is None:
            raise TrainError("there is no stopped run to resume: no round checkpoint", staging,
                             hint="drop --resume to start the run")
        return staging
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    return staging


def save_checkpoint(staging: Path, server_round: int, arrays, rounds: list[dict], identity: dict) -> None:
    """The global adapter after `server_round` and the records of the rounds so far."""
    from finlora_common.atomic import atomic_path
    from finlora_train.federated.weights import save_record

    folder = staging / CHECKPOINTS / f"round-{server_round:03d}"
    save_record(arrays, folder / "adapter.safetensors", {"round": str(server_round)})
    with atomic_path(folder / "state.json") as tmp:
        tmp.write_text(json.dumps({"round": server_round, "rounds": rounds, "identity": identity}, sort_keys=True),
                       encoding="utf-8")


def latest_checkpoint(staging: Path) -> Checkpoint | None:
    """The checkpoint of the last round that has both files, or None."""
    folders = sorted((staging / CHECKPOINTS).glob("round-*")) if (staging / CHECKPOINTS).is_dir() else []
    for folder in reversed(folders):
        if (folder / "state.json").is_file() and (folder / "adapter.safetensors").is_file():
            state = json.loads((folder / "state.json").read_text(encoding="utf-8"))
            return Checkpoint(state["round"], folder / "adapter.safetensors", state["rounds"], state["identity"])
    return None


def finish(model, meta: dict, staging: Path, out: Path) -> None:
    """Save the adapter and meta into `staging`, then put it in place of `out`."""
    model.save_pretrained(staging)
    run.write_csv(meta["rounds"], ["round", "learning_rate", "train_loss", "bytes"], staging / "rounds.csv")
    run.write_meta(meta, staging / META)
    replace_dir(staging, out)


def run_meta(settings: FederatedSettings, record: ServerRecord, data: dict) -> dict:
    """federated_meta.json: settings, data, per-round loss and bytes, totals, versions."""
    rounds = record.rounds
    return {
        "settings": settings.to_dict(),
        "data": data,
        "adapter": {"tensors": record.adapter_tensors, "tensor_bytes": record.adapter_tensor_bytes,
                    "wire_bytes": record.adapter_wire_bytes},
        "rounds": rounds,
        "bytes_total": sum(entry["bytes"] for entry in rounds),
        "privacy": None if settings.privacy is None else {
            "epsilon": rounds[-1]["epsilon"], "delta": settings.privacy.delta,
            "accountant": "dp-accounting RDP, client-level",
            "neighbouring": relation(settings.clients, settings.sampled)},
        "final_train_loss": rounds[-1]["train_loss"],
        "wall_time_s": round(record.wall_time_s, 3),
        "resumed_after_round": record.resumed_after,
        "versions": versions((*run.VERSIONED, "flwr")),
    }


def load_meta(out: Path) -> dict:
    return run.load_meta(out, META, "federated run")
