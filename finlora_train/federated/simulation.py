"""Federated training in one machine: `run_federated` splits the rows among simulated clients and runs the
ServerApp and the ClientApps with Flower's simulation engine (Ray backend).

Each virtual SuperNode's ClientApp runs in a Ray actor process with one CPU
(and a whole GPU when there is one), so the machine runs as many clients at a
time as it has CPUs (GPUs); an actor keeps its loaded model across rounds and
clients. The ServerApp runs in a thread of the calling process.
"""
from __future__ import annotations

import logging
import os
import shutil
import tempfile
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from finlora_train.federated.partition import Partitioning, partition, summary
from finlora_train.federated.settings import FederatedSettings


def simulate(server_app, client_app, clients: int) -> None:
    """Run the apps to the end; an error in the ServerApp is raised here."""
    os.environ.setdefault("FLWR_TELEMETRY_ENABLED", "0")
    os.environ.setdefault("RAY_ACCEL_ENV_VAR_OVERRIDE_ON_ZERO", "0")
    import torch
    from flwr.simulation import run_simulation

    resources = {"num_cpus": 1, "num_gpus": 1.0 if torch.cuda.is_available() else 0.0}
    logging.getLogger("flwr").setLevel(logging.WARNING)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        run_simulation(server_app=server_app, client_app=client_app, num_supernodes=clients,
                       backend_config={"client_resources": resources,
                                       "init_args": {"logging_level": "ERROR", "log_to_driver": True}})


@dataclass(frozen=True)
class FederatedResult:
    out: Path
    meta: dict


def run_federated(settings: FederatedSettings, rows: Sequence[dict], partitioning: Partitioning, out: Path, *,
                  data_source: str, overwrite: bool = False, resume: bool = False) -> FederatedResult:
    """Train one adapter federatedly on `rows` split among `settings.clients` simulated clients into `out`. A run
    that stops after a round keeps its checkpoints; `resume` continues it from the last one, to the same adapter."""
    from flwr.serverapp import ServerApp

    from finlora_train.data import write_jsonl
    from finlora_train.data.selection import sample
    from finlora_train.errors import TrainError
    from finlora_train.federated.client import make_client_app
    from finlora_train.federated.output import finish, latest_checkpoint, run_meta, staging_folder
    from finlora_train.federated.server import serve
    from finlora_train.run import rows_digest

    out = Path(out)
    config = settings.config
    rows = sample(list(rows), config.data_limit or len(rows), config.seed)
    parts = partition(rows, settings.clients, partitioning, config.seed)
    data = {"source": data_source, "rows": len(rows), "sha256": rows_digest(rows), "partition": str(partitioning),
            "clients": summary(parts)}
    identity = {"settings": settings.to_dict(), "data_sha256": data["sha256"], "partition": data["partition"]}
    staging = staging_folder(out, overwrite, resume)
    start = latest_checkpoint(staging) if resume else None
    if start is not None and start.identity != identity:
        raise TrainError("the checkpoint is of another run (its settings or data differ)", start.adapter,
                         hint="resume with the command and data that started it, or drop --resume")
    finished: list = []
    server_app = ServerApp()

    @server_app.main()
    def main(grid, context) -> None:
        finished.extend(serve(grid, settings, staging, identity, start))

    try:
        with tempfile.TemporaryDirectory(prefix="finlora-federated-") as folder:
            files = [Path(folder) / f"client-{i}.jsonl" for i in range(settings.clients)]
            for part, path in zip(parts, files):
                write_jsonl(part, path)
            simulate(server_app, make_client_app(files), settings.clients)
    except BaseException as exc:
        stopped = latest_checkpoint(staging)
        if stopped is None:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        if isinstance(exc, Exception):
            raise TrainError(f"the federated run stopped after round {stopped.round}: {exc}".splitlines()[0], staging,
                             hint="run the same command with --resume to continue from that round") from exc
        raise
    model, record = finished
    meta = run_meta(settings, record, data)
    finish(model, meta, staging, out)
    return FederatedResult(out, meta)
