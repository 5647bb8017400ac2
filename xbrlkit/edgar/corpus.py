"""The filing corpus on disk: what `xbrlkit download` writes and `xbrlkit build --source` reads.

    <corpus>/<TICKER>_<FORM>_FY<year>/   one folder per filing (a quarterly report: <TICKER>_10-Q_<year>Q<n>)
        the primary document, the company schema and linkbases, the XBRL instance
        filing.json                      written last: a folder without it is incomplete
    <corpus>/.staging/<accession>/       a filing being downloaded; renamed into place once complete
    <corpus>/download_report.json        what the last download run fetched, found and missed

Every file is written under a temporary name and renamed, so a crash never
leaves a partial file under a final name, nor a filing folder without its
`filing.json`.
"""
from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from finlora_common.atomic import atomic_path
from xbrlkit.errors import XbrlError

MARKER = "filing.json"
REPORT = "download_report.json"
_STAGING = ".staging"


@dataclass(frozen=True)
class StoredFiling:
    """A complete filing folder, as its `filing.json` describes it."""

    folder: str
    ticker: str
    form: str
    fiscal_year: int
    accession_number: str


@dataclass(frozen=True)
class Label:
    """What the corpus knows of a filing before its facts are read."""

    ticker: str
    """From `filing.json`, else the start of the folder or file name (`AAPL_10-K_FY2023`, `acme-20231231.xml`)."""
    accession_number: str | None


def label(path: Path) -> Label:
    """The label of a filing folder, or of an instance file in one."""
    folder = path if path.is_dir() else path.parent
    marker = folder / MARKER
    meta = _read_marker(marker) if marker.is_file() else {}
    return Label(meta.get("ticker") or path.name.split("_")[0].split("-")[0], meta.get("accession_number"))


def _read_marker(marker: Path) -> dict:
    try:
        meta = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise XbrlError(f"cannot read the filing's {MARKER}: {exc}", marker,
                        hint="download the filing again, or delete the file") from None
    if not isinstance(meta, dict) or not all(isinstance(meta.get(k, ""), str) for k in ("ticker", "accession_number")):
        raise XbrlError(f"{MARKER} must be an object with text ticker and accession_number", marker,
                        hint="download the filing again, or delete the file")
    return meta


def folder_name(ticker: str, form: str, fiscal_year: int, fiscal_period: str | None) -> str:
    """`AAPL_10-K_FY2023`, `AAPL_10-K-A_FY2023` for an amendment, `AAPL_10-Q_2023Q3` for a quarter."""
    period = f"FY{fiscal_year}" if fiscal_period in (None, "FY") else f"{fiscal_year}{fiscal_period}"
    return f"{ticker}_{form.replace('/', '-')}_{period}"


class Corpus:
    """A corpus folder: its complete filings, the staging of new ones, atomic writes."""

    def __init__(self, root: Path):
        self.root = root

    def check_writable(self) -> None:
        """Create the folder if need be; a clear error if it cannot be written."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise XbrlError(f"cannot create the corpus folder: {error.strerror}", self.root) from None
        if not os.access(self.root, os.W_OK):
            raise XbrlError("the corpus folder is not writable", self.root)

    def stored(self) -> dict[str, StoredFiling]:
        """The complete filings, by accession number."""
        found = {}
        for marker in sorted(self.root.glob(f"*/{MARKER}")):
            try:
                meta = json.loads(marker.read_text(encoding="utf-8"))
                filing = StoredFiling(marker.parent.name, meta["ticker"], meta["form"], int(meta["fiscal_year"]),
                                      meta["accession_number"])
            except (OSError, ValueError, KeyError, TypeError):
                continue  # not ours, or not readable: the filing counts as not downloaded
            found[filing.accession_number] = filing
        return found

    def stage(self, accession_number: str) -> Path:
        """An empty staging folder for a filing; whatever an interrupted run left there is dropped."""
        staging = self.root / _STAGING / accession_number
        self.discard(staging)
        staging.mkdir(parents=True)
        return staging

    @staticmethod
    def write(path: Path, data: bytes) -> None:
        with atomic_path(path) as tmp:
            tmp.write_bytes(data)

    def commit(self, staging: Path, name: str, meta: dict) -> str:
        """Write `filing.json` into the staged filing, move it into place as `name`, and return the folder name.

        An incomplete folder already there is replaced; a complete one (another
        filing for the same fiscal year) is kept and this one gets its accession
        number appended to the name.
        """
        target = self.root / name
        if (target / MARKER).exists():
            target = self.root / f"{name}_{meta['accession_number']}"
        self.write(staging / MARKER, (json.dumps(meta, indent=2, sort_keys=True) + "\n").encode())
        self.discard(target)
        staging.rename(target)
        return target.name

    @staticmethod
    def discard(folder: Path) -> None:
        if folder.exists():
            shutil.rmtree(folder)

    def write_report(self, report: dict) -> None:
        self.write(self.root / REPORT, (json.dumps(report, indent=2, sort_keys=True) + "\n").encode())

    def tidy(self) -> None:
        """At the end of a run, drop what interrupted runs left in staging: every filing of this run is in place
        or discarded by now."""
        self.discard(self.root / _STAGING)
