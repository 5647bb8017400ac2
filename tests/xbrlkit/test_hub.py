"""`xbrlkit push` as users run it, against a fake Hub (tests/fakes/hub.py): what reaches the Hub, and the errors."""
from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fakes.hub import FakeHub, fake_hub

TOKEN = "hf_fake_test_token"
REPO_ID = "finlora-test/xbrl-tasks"


def local_files(folder: Path) -> dict[str, bytes]:
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in folder.rglob("*") if path.is_file()}


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A dataset folder built from the bundled sample filing."""
    out = tmp_path_factory.mktemp("build") / "ds"
    result = subprocess.run([sys.executable, "-m", "xbrlkit", "build", "--out", str(out)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert {"README.md", "build_summary.json"} <= set(local_files(out))
    return out


@pytest.fixture
def hub():
    with fake_hub() as hub:
        yield hub


def push(endpoint: str, folder: Path, tmp_path: Path, *, xet: bool = True) -> subprocess.CompletedProcess:
    """`python -m xbrlkit push FOLDER` in a subprocess, so that HF_ENDPOINT is read when huggingface_hub is imported."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("HF_")}
    env.update(HF_ENDPOINT=endpoint, HF_TOKEN=TOKEN, HF_HUB_DISABLE_TELEMETRY="1", HF_HOME=str(tmp_path / "hf-home"),
               NO_PROXY="127.0.0.1", no_proxy="127.0.0.1")
    if not xet:
        env["HF_HUB_DISABLE_XET"] = "1"
    return subprocess.run([sys.executable, "-m", "xbrlkit", "push", str(folder), "--repo-id", REPO_ID, "--private"],
                          env=env, capture_output=True, text=True, timeout=120)


# With hf_xet installed (a dependency of huggingface_hub on common platforms) upload_folder takes the streamed
# Xet pipeline; without it, the single create_commit path. They call the Hub differently: test both.
@pytest.mark.parametrize("xet", [
    pytest.param(True, id="xet-pipeline", marks=pytest.mark.skipif(importlib.util.find_spec("hf_xet") is None,
                                                                   reason="hf_xet not installed")),
    pytest.param(False, id="create-commit"),
])
def test_push_uploads_every_file_of_the_build(dataset: Path, hub: FakeHub, tmp_path: Path, xet: bool):
    before = local_files(dataset)
    result = push(hub.url, dataset, tmp_path, xet=xet)
    assert result.returncode == 0, result.stderr

    assert hub.repos == {REPO_ID: {"type": "dataset", "private": True}}
    assert hub.endpoints[0] == "POST /api/repos/create"
    assert len(hub.commits) == 1 and hub.commits[0]["summary"] == "Upload XBRL task datasets built with xbrlkit"
    assert sorted(hub.files[REPO_ID]) == sorted(before)
    for path, content in before.items():
        assert hub.files[REPO_ID][path] == content, path
    assert result.stdout.strip().startswith(f"{hub.url}/datasets/{REPO_ID}/commit/")

    assert all(request.authorization == f"Bearer {TOKEN}" for request in hub.requests)
    assert TOKEN not in result.stdout + result.stderr
    after = local_files(dataset)
    assert after == before, "push changed the build folder"
    assert not any(TOKEN.encode() in content for content in after.values())


@pytest.mark.parametrize("endpoint", ["create", "preupload", "commit"])
def test_a_refusing_hub_gives_one_error_line(dataset: Path, hub: FakeHub, tmp_path: Path, endpoint: str):
    hub.fail[endpoint] = 403
    result = push(hub.url, dataset, tmp_path)
    assert result.returncode == 2
    [error_line] = result.stderr.strip().splitlines()
    assert error_line.startswith("xbrlkit: error: ") and REPO_ID in error_line and "HTTP 403" in error_line
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert TOKEN not in result.stderr
    assert hub.files == {}


def test_push_refuses_a_folder_that_is_not_a_build(hub: FakeHub, tmp_path: Path):
    empty = tmp_path / "empty"
    empty.mkdir()
    result = push(hub.url, empty, tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == (f"xbrlkit: error: {empty}: not an xbrlkit build folder (README.md and "
                                     "build_summary.json missing) (run `xbrlkit build --out DIR` first)")
    assert result.stdout == "" and hub.requests == []


def test_unreachable_hub_is_one_error_line(dataset: Path, tmp_path: Path):
    result = push("http://127.0.0.1:9", dataset, tmp_path, xet=False)
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert f"Hub upload to {REPO_ID} failed" in line and TOKEN not in line
