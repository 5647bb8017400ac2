"""Helpers shared by the tests: where the real data lives, what to do when something is missing, the CLIs."""
from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_XBRL = Path(os.environ.get("XBRLKIT_TEST_DATA", ROOT.parent / "shared" / "xbrl")).resolve()
FINLORA_DATA = Path(os.environ.get("FINLORA_TEST_DATA", ROOT.parent / "shared" / "finlora"))
if not FINLORA_DATA.is_absolute():
    FINLORA_DATA = (ROOT / FINLORA_DATA).resolve()
ARELLE_LOADABLE = ("AAPL_10-K_FY2022", "AAPL_10-K_FY2023", "AAPL_10-Q_2023Q3", "AEON_10-Q_2023Q3_inline",
                   "AMZN_10-K_FY2022", "BA_10-K_FY2023", "FIZZ_10-K_FY2020", "ISDR_10-K_FY2019", "KO_10-Q_2023Q2")
"""Shared filings whose schemas the offline taxonomy cache covers (see shared/xbrl/README.md)."""
MODEL = "smollm2-135m-instruct"


def missing(message: str) -> None:
    """Skip with the reason; under CI=true, fail instead, so these tests cannot silently stop running."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{message}: under CI these tests must run", pytrace=False)
    pytest.skip(message)


def needs(module: str) -> None:
    """A test-only package (requirements/test-models.txt, installed by `make test`) must be installed."""
    if importlib.util.find_spec(module) is None:
        missing(f"the package {module} is not installed (make test installs requirements/test-models.txt)")


def shared_or_skip(path: Path) -> Path:
    if not path.is_dir():
        missing(f"real SEC data not found at {path} (set XBRLKIT_TEST_DATA)")
    return path


def context_ref_count(path: Path) -> int:
    """How many facts the instance holds, counted without any XBRL parser."""
    return path.read_text(encoding="utf-8", errors="replace").count("contextRef=")


def run_xbrlkit(*args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    """`xbrlkit ARGS`, as users run it."""
    return subprocess.run([sys.executable, "-m", "xbrlkit", *args], capture_output=True, text=True, timeout=timeout)


def run_eval(*args: str, env: dict | None = None, timeout: int = 600) -> subprocess.CompletedProcess:
    """`finlora-eval ARGS`, as users run it."""
    return subprocess.run([sys.executable, "-m", "finlora_eval", *args], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})})


def run_in_process(main, *args: str) -> tuple[int, str, str]:
    """A console entry point (`xbrlkit.cli.main`) run in this process: (exit status, stdout, stderr). Any exception
    other than the exit itself propagates, so a traceback a user would see fails the test."""
    import contextlib
    import io
    import signal

    stdout, stderr = io.StringIO(), io.StringIO()
    handler, argv = signal.getsignal(signal.SIGTERM), sys.argv
    sys.argv = ["prog", *args]
    code = 0
    try:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            main()
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    finally:
        sys.argv = argv
        signal.signal(signal.SIGTERM, handler)
    return code, stdout.getvalue(), stderr.getvalue()
