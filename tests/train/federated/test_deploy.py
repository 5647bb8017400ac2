"""Flower's deployment engine on loopback: a real `flower-superlink`, two real `flower-supernode`s and `flwr run`.

They run the apps of finlora_train.federated.deploy (docs/federated.md, "Deployment engine") for 2 rounds of the
smoke LoRA on the 2-layer random Llama (the processes, not the model, are under test), each SuperNode on its own JSONL
file of FPB rows (6 and 3). Ports are picked free at run time and FLWR_HOME lives in tmp_path, so nothing leaves
127.0.0.1 and parallel runs do not collide.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from itertools import islice
from pathlib import Path

import pytest

from finlora_train.data import write_jsonl
from finlora_train.federated.output import load_meta
from tests.train.support import check_weighted_mean, fpb

BIN = Path(sys.executable).parent
ROWS = (6, 3)
"""Rows of SuperNode 0 and 1."""
RUN_TIMEOUT_S = 480
READY_TIMEOUT_S = 60

APP = """\
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "finlora-federated"
version = "1.0.0"
dependencies = []

[tool.hatch.build.targets.wheel]
packages = ["."]

[tool.flwr.app]
publisher = "finlora"

[tool.flwr.app.components]
serverapp = "finlora_train.federated.deploy:server_app"
clientapp = "finlora_train.federated.deploy:client_app"

[tool.flwr.app.config]
category = "sentiment"
method = "lora"
profile = "smoke"
set = {set}
clients = 2
rounds = 2
local-steps = 2
save-client-updates = true
out = {out}
overwrite = false
"""

CONNECTION = """\
[superlink]
default = "loopback"

[superlink.loopback]
address = "127.0.0.1:{port}"
insecure = true
"""


def _free_ports(count: int) -> list[int]:
    """Ports that were free on 127.0.0.1 a moment ago, all different."""
    with ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]


class Processes:
    """Flower processes, each in its own process group with its log in `folder`; `stop` kills every group."""

    def __init__(self, folder: Path, env: dict[str, str]):
        self.folder = folder
        self.env = env
        self.started: dict[str, subprocess.Popen] = {}

    def start(self, name: str, command: str, *args: str) -> subprocess.Popen:
        with (self.folder / f"{name}.log").open("wb") as log:
            process = subprocess.Popen([str(BIN / command), *args], stdin=subprocess.DEVNULL, stdout=log,
                                       stderr=subprocess.STDOUT, env=self.env, cwd=self.folder,
                                       start_new_session=True)
        self.started[name] = process
        return process

    def wait_for_port(self, name: str, port: int) -> None:
        """Wait until process `name` accepts connections on `port`; fail if it exits or takes too long."""
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            assert self.started[name].poll() is None, f"{name} exited early\n{self.logs()}"
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    return
            time.sleep(0.2)
        pytest.fail(f"{name} did not listen on port {port} within {READY_TIMEOUT_S} s\n{self.logs()}")

    def logs(self, chars: int = 4000) -> str:
        """The tail of every log."""
        tails = []
        for name in self.started:
            text = (self.folder / f"{name}.log").read_text(encoding="utf-8", errors="replace")
            tails.append(f"---- {name}.log (last {chars} characters) ----\n{text[-chars:]}")
        return "\n".join(tails)

    def stop(self) -> None:
        """SIGTERM to every group still running (SuperLink stops its SuperExec), SIGKILL after 10 s."""
        for process in self.started.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.started.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


@pytest.fixture
def processes(tmp_path) -> Iterator[Processes]:
    if not (BIN / "flower-superlink").exists():
        pytest.skip(f"flower-superlink is not installed next to {sys.executable} (pip install 'flwr[simulation]')")
    home = tmp_path / "flwr-home"
    home.mkdir()
    env = {**os.environ, "FLWR_HOME": str(home), "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
           "FLWR_TELEMETRY_ENABLED": "0", "FLWR_DISABLE_UPDATE_CHECK": "1"}
    running = Processes(tmp_path, env)
    try:
        yield running
    finally:
        running.stop()


def test_superlink_and_two_supernodes_train_the_weighted_mean(processes, finlora_data, tiny_llama, tmp_path):
    link, *node_ports = _free_ports(1 + len(ROWS))
    out = tmp_path / "adapter"
    app = tmp_path / "app"
    app.mkdir()
    overrides = json.dumps(f"max_length=128;base_model={tiny_llama}")
    (app / "pyproject.toml").write_text(APP.format(out=json.dumps(str(out)), set=overrides), encoding="utf-8")
    (Path(processes.env["FLWR_HOME"]) / "config.toml").write_text(CONNECTION.format(port=link), encoding="utf-8")

    processes.start("superlink", "flower-superlink", "--insecure", "--disable-runtime-dependency-installation",
                    "--host", "127.0.0.1", "--port", str(link))
    processes.wait_for_port("superlink", link)
    rows = iter(fpb(finlora_data, sum(ROWS)))
    for node, (port, count) in enumerate(zip(node_ports, ROWS)):
        data = tmp_path / f"node-{node}.jsonl"
        write_jsonl(islice(rows, count), data)
        processes.start(f"supernode-{node}", "flower-supernode", "--insecure", "--superlink", f"127.0.0.1:{link}",
                        "--port", str(port), "--node-config", f"data-file={json.dumps(str(data))} partition-id={node}")
    for node, port in enumerate(node_ports):
        processes.wait_for_port(f"supernode-{node}", port)

    run = processes.start("flwr-run", "flwr", "run", str(app), "loopback", "--stream")
    try:
        run.wait(timeout=RUN_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        pytest.fail(f"flwr run did not finish within {RUN_TIMEOUT_S} s\n{processes.logs()}")
    assert run.returncode == 0 and (out / "adapter_model.safetensors").is_file(), processes.logs()

    updates = check_weighted_mean(out, 2)
    assert [count for count, _ in updates] == list(ROWS)
    meta = load_meta(out)
    assert (meta["settings"]["clients"], meta["settings"]["rounds"], meta["settings"]["local_steps"]) == (2, 2, 2)
    assert meta["settings"]["config"]["method"] == "lora"
    assert meta["data"] == {"source": "held by the SuperNodes", "rows": sum(ROWS),
                            "clients": [{"rows": n} for n in ROWS]}
    assert [entry["round"] for entry in meta["rounds"]] == [1, 2]
    per_client = [(node, n, 2) for node, n in enumerate(ROWS)]
    for entry in meta["rounds"]:
        assert [(c["client"], c["rows"], c["steps"]) for c in entry["per_client"]] == per_client
    assert not (out.parent / f".{out.name}.partial").exists()
