"""Shared test settings: where the real SEC data lives, and an isolated Arelle config."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

# Arelle reads user configuration from XDG_CONFIG_HOME: keep it empty and private to the test run.
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="xbrlkit-test-config-")

ROOT = Path(__file__).resolve().parents[1]
SHARED_XBRL = Path(os.environ.get("XBRLKIT_TEST_DATA", ROOT.parent / "shared" / "xbrl")).resolve()
ARELLE_LOADABLE = ("AAPL_10-K_FY2022", "AAPL_10-K_FY2023", "AAPL_10-Q_2023Q3", "AEON_10-Q_2023Q3_inline",
                   "AMZN_10-K_FY2022", "BA_10-K_FY2023", "FIZZ_10-K_FY2020", "ISDR_10-K_FY2019", "KO_10-Q_2023Q2")
"""Shared filings whose schemas the offline taxonomy cache covers (see shared/xbrl/README.md)."""


def _shared_or_skip(path: Path = SHARED_XBRL) -> Path:
    if path.is_dir():
        return path
    message = f"real SEC data not found at {path} (set XBRLKIT_TEST_DATA)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{message}: under CI the real-data tests must run", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def shared_xbrl() -> Path:
    return _shared_or_skip()


@pytest.fixture(scope="session")
def filings(shared_xbrl: Path) -> Path:
    return shared_xbrl / "filings"


@pytest.fixture(scope="session")
def shared_edgar(shared_xbrl: Path) -> Path:
    """Real SEC EDGAR responses, beside the XBRL data, to build a fake EDGAR from."""
    return _shared_or_skip(shared_xbrl.parent / "edgar")


@pytest.fixture(scope="session")
def taxonomy_cache(shared_xbrl: Path) -> Path:
    return shared_xbrl / "taxonomy-cache"


def context_ref_count(path: Path) -> int:
    """How many facts the instance holds, counted without any XBRL parser."""
    return path.read_text(encoding="utf-8", errors="replace").count("contextRef=")
