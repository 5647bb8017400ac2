"""Federated adapter training on Flower: clients keep their rows, only adapter weights travel.

`run_federated` splits the rows among simulated clients and runs the ServerApp
(FedAvg over the PEFT adapter state, weighted by client row counts) and the
ClientApps (local training with finlora_train.trainer.fit) in Flower's
simulation engine. finlora_train.federated.deploy holds the same apps for a
SuperLink and SuperNodes on separate machines (docs/federated.md).
"""
from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from finlora_train.federated.partition import Partitioning, partition, summary
from finlora_train.federated.settings import FederatedSettings, Privacy

if TYPE_CHECKING:
    from finlora_train.federated.server import ServerRecord

__all__ = ["FederatedResult", "FederatedSettings", "Partitioning", "Privacy", "run_federated"]


@dataclass(frozen=True)
class FederatedResult:
    out: Path
    meta: dict


def run_meta(settings: FederatedSettings, record: ServerRecord, data: dict) -> dict:
    """federated_meta.json: settings, data, per-round loss and bytes, totals, versions."""
    from finlora_train.run import VERSIONED, versions

    rounds = record.rounds
    return {
        "settings": settings.to_dict(),
        "data": data,
        "adapter": {"tensors": record.adapter_tensors, "tensor_bytes": record.adapter_tensor_bytes,
                    "wire_bytes": record.adapter_wire_bytes},
        "rounds": rounds,
        "bytes_total": sum(entry["bytes"] for entry in rounds),
        "final_train_loss": rounds[-1]["train_loss"],
        "wall_time_s": round(record.wall_time_s, 3),
        "versions": versions((*VERSIONED, "flwr")),
    }


def run_federated(settings: FederatedSettings, rows: Sequence[dict], partitioning: Partitioning, out: Path, *,
                  data_source: str, overwrite: bool = False) -> FederatedResult:
    """Train one adapter federatedly on `rows` split among `settings.clients` simulated clients into `out`."""
    from flwr.serverapp import ServerApp

    from finlora_train.data import write_jsonl
    from finlora_train.federated.client import make_client_app
    from finlora_train.federated.output import finish, staging_folder
    from finlora_train.federated.server import UPDATES, serve
    from finlora_train.federated.simulation import simulate
    from finlora_train.data.selection import sample
    from finlora_train.run import rows_digest

    out = Path(out)
    config = settings.config
    rows = sample(list(rows), config.data_limit or len(rows), config.seed)
    parts = partition(rows, settings.clients, partitioning, config.seed)
    staging = staging_folder(out, overwrite)
    finished: list = []
    server_app = ServerApp()

    @server_app.main()
    def main(grid, context) -> None:
        finished.extend(serve(grid, settings, staging / UPDATES))

    try:
        with tempfile.TemporaryDirectory(prefix="finlora-federated-") as folder:
            files = [Path(folder) / f"client-{i}.jsonl" for i in range(settings.clients)]
            for part, path in zip(parts, files):
                write_jsonl(part, path)
            simulate(server_app, make_client_app(files), settings.clients)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    model, record = finished
    data = {"source": data_source, "rows": len(rows), "sha256": rows_digest(rows), "partition": str(partitioning),
            "clients": summary(parts)}
    meta = run_meta(settings, record, data)
    finish(model, meta, staging, out)
    return FederatedResult(out, meta)
