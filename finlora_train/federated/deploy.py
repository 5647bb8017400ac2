"""The apps for Flower's deployment engine: the SuperLink side runs `server_app`, each institution's SuperNode
runs `client_app` on rows that never leave it (docs/federated.md shows the set-up).

A Flower app project points at them in its pyproject.toml:
    [tool.flwr.app.components]
    serverapp = "finlora_train.federated.deploy:server_app"
    clientapp = "finlora_train.federated.deploy:client_app"
The run config (settings.from_run_config) says what to train; its key `out` is the
folder the ServerApp writes, on the machine that runs it.
"""
from __future__ import annotations

from pathlib import Path

from flwr.serverapp import ServerApp

from finlora_train.federated.client import make_client_app

server_app = ServerApp()
client_app = make_client_app()


@server_app.main()
def main(grid, context) -> None:
    from finlora_train.federated.output import finish, run_meta, staging_folder
    from finlora_train.federated.server import serve
    from finlora_train.federated.settings import from_run_config

    run_config = context.run_config
    settings = from_run_config(run_config)
    out = Path(str(run_config.get("out") or "federated-adapter")).expanduser()
    staging = staging_folder(out, overwrite=bool(run_config.get("overwrite", False)))
    model, record = serve(grid, settings, staging, {"settings": settings.to_dict()})
    rows = {c["client"]: c["rows"] for entry in record.rounds for c in entry["per_client"]}  # clients that trained
    data = {"source": "held by the SuperNodes", "rows": sum(rows.values()),
            "clients": [{"rows": rows[client]} for client in sorted(rows)]}
    finish(model, run_meta(settings, record, data), staging, out)
