"""Helpers of the finlora_eval tests: where the real data is, what to do when something is missing, the CLI."""
from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FINLORA_DATA = Path(os.environ.get("FINLORA_TEST_DATA", ROOT.parent / "shared" / "finlora"))
if not FINLORA_DATA.is_absolute():
    FINLORA_DATA = (ROOT / FINLORA_DATA).resolve()
MODEL = "smollm2-135m-instruct"


def missing(message: str) -> None:
    """Skip with the reason; under CI=true, fail instead, so these tests cannot silently stop running."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{message}: under CI the eval tests must run", pytrace=False)
    pytest.skip(message)


def needs(module: str) -> None:
    """A test-only package (requirements/test-models.txt, installed by `make test`) must be installed."""
    if importlib.util.find_spec(module) is None:
        missing(f"the package {module} is not installed (make test installs requirements/test-models.txt)")


def run_eval(*args: str, env: dict | None = None, timeout: int = 600) -> subprocess.CompletedProcess:
    """`finlora-eval ARGS`, as users run it."""
    return subprocess.run([sys.executable, "-m", "finlora_eval", *args], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})})
