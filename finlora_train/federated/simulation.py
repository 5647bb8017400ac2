"""Running the ServerApp and the ClientApps in one machine with Flower's simulation engine (Ray backend).

Each virtual SuperNode's ClientApp runs in a Ray actor process with one CPU
(and a whole GPU when there is one), so the machine runs as many clients at a
time as it has CPUs (GPUs); an actor keeps its loaded model across rounds and
clients. The ServerApp runs in a thread of the calling process.
"""
from __future__ import annotations

import logging
import os
import warnings


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
