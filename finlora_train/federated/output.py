"""The output folder of a federated run: the final global adapter as a PEFT folder, and federated_meta.json.

Everything is written into a staging folder beside the target (client updates
during the run, the rest at the end), which is renamed to the target only when
the run has finished, so a failed run leaves no partial folder behind.
federated_meta.json and rounds.csv use atomic file writes inside it as well.
"""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from finlora_common.atomic import replace_dir
from finlora_common.versions import versions
from finlora_train import run
from finlora_train.errors import TrainError
from finlora_train.federated.settings import FederatedSettings

if TYPE_CHECKING:
    from finlora_train.federated.server import ServerRecord

META = "federated_meta.json"


def staging_folder(out: Path, overwrite: bool) -> Path:
    """A fresh, empty staging folder for `out`, after checking that `out` may be written."""
    out = Path(out)
    if out.exists() and not overwrite and (not out.is_dir() or any(out.iterdir())):
        raise TrainError("the output folder exists and is not empty", out, hint="pass --overwrite or another --out")
    staging = out.parent / f".{out.name}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    return staging


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
        "privacy": None if settings.privacy is None else {"epsilon": rounds[-1]["epsilon"],
                                                          "delta": settings.privacy.delta,
                                                          "accountant": "dp-accounting RDP, client-level"},
        "final_train_loss": rounds[-1]["train_loss"],
        "wall_time_s": round(record.wall_time_s, 3),
        "versions": versions((*run.VERSIONED, "flwr")),
    }


def load_meta(out: Path) -> dict:
    return run.load_meta(out, META, "federated run")
