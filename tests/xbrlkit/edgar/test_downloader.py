"""`xbrlkit download` against a fake EDGAR on loopback (tests/fakes/edgar.py), faults included.

The main run downloads five companies' 10-Ks for 2019-2023 through the CLI
while the server injects a fault of every kind; the tests then check the
corpus it left, the server's request log, the report, a rerun, a run killed
mid-way and resumed, and that `xbrlkit build` gives the same datasets from the
downloaded corpus as from the source folders.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.fakes.edgar import FILINGS, USER_AGENT, FakeEdgar, FakeFiling, Hit
from xbrlkit.datasets import export
from xbrlkit.datasets.build import BuildConfig, run
from xbrlkit.datasets.catalog import TASKS
from xbrlkit.edgar import download
from xbrlkit.edgar.client import FilingRef, RetryPolicy

TICKER_MAP = "/www/files/company_tickers_exchange.json"
TEN_K = {f.folder: f for f in FILINGS if f.form == "10-K"}
AAPL_FY2021 = "0000320193-21-000105"
"""In Apple's real listing, but its documents are not in the shared data: the fake answers 404."""
FAST = RetryPolicy(backoff=0.01)


@dataclass(frozen=True)
class Run:
    out: Path
    result: subprocess.CompletedProcess
    log: list[Hit]


@pytest.fixture(scope="module")
def fake(filings: Path, shared_edgar: Path):
    with FakeEdgar(filings, shared_edgar) as server:
        yield server


@pytest.fixture
def edgar(fake: FakeEdgar, monkeypatch) -> FakeEdgar:
    """The fake with a clean log, and this process pointed at it."""
    fake.reset()
    for name, value in fake.env().items():
        monkeypatch.setenv(name, value)
    return fake


def cli(fake: FakeEdgar, *args, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {**{k: v for k, v in os.environ.items() if k != "SEC_USER_AGENT"}, **fake.env(), "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "xbrlkit", *map(str, args)], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=300)


@pytest.fixture(scope="module")
def main_run(fake: FakeEdgar, tmp_path_factory) -> Run:
    fake.reset()
    out = tmp_path_factory.mktemp("main") / "filings"
    fake.fault(TICKER_MAP, "503")
    fake.fault("/data/submissions/CIK0001018724.json", "429")  # Amazon's listing
    fake.fault("/data/submissions/CIK0000069891.json", "cut")  # FIZZ's listing
    fake.fault(fake.path(TEN_K["AAPL_10-K_FY2022"]), "503", "503")
    fake.fault(fake.path(TEN_K["AAPL_10-K_FY2023"]), "cut")
    fake.fault(fake.path(TEN_K["BA_10-K_FY2023"]), "truncate", "reset")
    fake.fault(fake.path(TEN_K["FIZZ_10-K_FY2020"], "index.json"), "reset")
    fake.fault(fake.path(TEN_K["FIZZ_10-K_FY2020"], "fizz20200502_10k_htm.xml"), "truncate")
    result = cli(fake, "download", "--tickers", "AAPL,FIZZ,ISDR,AMZN,BA,NOPE", "--years", "2019-2023", "--out", out,
                 "--user-agent", USER_AGENT, "--backoff", "0.05")
    return Run(out, result, list(fake.log))


def shared_folder(folder: Path) -> FakeFiling:
    """The fake filing a downloaded folder came from, by its accession number."""
    accession = json.loads((folder / "filing.json").read_text())["accession_number"]
    [filing] = [f for f in FILINGS if f.accession == accession]
    return filing


def assert_same_documents(fake: FakeEdgar, folder: Path, filings: Path) -> None:
    """Every file of the source folder, byte for byte; besides, only the primary document and filing.json."""
    filing = shared_folder(folder)
    source = {p.name: p.read_bytes() for p in (filings / filing.folder).iterdir()}
    downloaded = {p.name: p.read_bytes() for p in folder.iterdir()}
    assert {name: downloaded.get(name) == body for name, body in source.items()} == dict.fromkeys(source, True)
    assert set(downloaded) - set(source) == {"filing.json", filing.primary_document} - set(source)
    assert downloaded[filing.primary_document] == fake.body(fake.path(filing, filing.primary_document))


def max_per_second(hits: list[Hit]) -> int:
    times = sorted(hit.time for hit in hits)
    return max(bisect_left(times, start + 1.0) - i for i, start in enumerate(times))


# -- the main run ----------------------------------------------------------------------------------


def test_the_corpus_holds_every_filing_in_the_build_layout(main_run: Run, fake: FakeEdgar, filings: Path):
    assert sorted(p.name for p in main_run.out.iterdir()) == [
        "AAPL_10-K_FY2019", "AAPL_10-K_FY2020", "AAPL_10-K_FY2022", "AAPL_10-K_FY2023", "AMZN_10-K_FY2022",
        "BA_10-K_FY2023", "FIZZ_10-K_FY2020", "ISDR_10-K_FY2019", "download_report.json"], main_run.result.stderr
    for folder in (p for p in main_run.out.iterdir() if p.is_dir()):
        assert_same_documents(fake, folder, filings)


def test_filing_json_records_the_source(main_run: Run):
    meta = json.loads((main_run.out / "AAPL_10-K_FY2022" / "filing.json").read_text())
    assert {k: meta[k] for k in ("ticker", "cik", "accession_number", "form", "filing_date", "period_of_report",
                                 "fiscal_year", "primary_document")} == {
        "ticker": "AAPL", "cik": "0000320193", "accession_number": "0000320193-22-000108", "form": "10-K",
        "filing_date": "2022-10-28", "period_of_report": "2022-09-24", "fiscal_year": 2022,
        "primary_document": "aapl-20220924.htm"}
    base = "/www/Archives/edgar/data/320193/000032019322000108/"
    assert meta["urls"]["full_submission"].endswith(base + "0000320193-22-000108.txt")
    assert meta["urls"]["filing_index"].endswith(base + "index.json")
    assert meta["documents"] == {"aapl-20220924.htm": "10-K", "aapl-20220924.xsd": "EX-101.SCH",
                                 "aapl-20220924_cal.xml": "EX-101.CAL", "aapl-20220924_def.xml": "EX-101.DEF",
                                 "aapl-20220924_htm.xml": "XML", "aapl-20220924_lab.xml": "EX-101.LAB",
                                 "aapl-20220924_pre.xml": "EX-101.PRE"}, "no exhibit, no graphic"


def test_a_fiscal_year_ending_in_may_lands_in_its_dei_year(main_run: Run):
    meta = json.loads((main_run.out / "FIZZ_10-K_FY2020" / "filing.json").read_text())
    assert (meta["period_of_report"], meta["fiscal_year"]) == ("2020-05-02", 2020)


def test_amendments_are_left_out(main_run: Run):
    [amendment] = [f for f in FILINGS if f.form == "10-K/A"]
    assert not [hit for hit in main_run.log if amendment.accession.replace("-", "") in hit.path]


def test_every_fault_is_retried_and_nothing_is_lost_or_fetched_twice(main_run: Run):
    def statuses(path: str) -> list[int]:
        return [hit.status for hit in main_run.log if hit.path == path]

    assert statuses(TICKER_MAP) == [503, 200]
    assert statuses(FakeEdgar.path(TEN_K["AAPL_10-K_FY2022"])) == [503, 503, 200]
    assert statuses(FakeEdgar.path(TEN_K["BA_10-K_FY2023"])) == [200, 0, 200]  # truncated, reset, whole
    assert statuses(FakeEdgar.path(TEN_K["AAPL_10-K_FY2023"])) == [200, 200]  # cut short, whole
    assert statuses("/data/submissions/CIK0000069891.json") == [200, 200]
    amazon = [hit for hit in main_run.log if hit.path == "/data/submissions/CIK0001018724.json"]
    assert [hit.status for hit in amazon] == [429, 200] and amazon[1].time - amazon[0].time >= 1.0, "Retry-After: 1"
    assert statuses(f"/www/Archives/edgar/data/320193/{AAPL_FY2021.replace('-', '')}/{AAPL_FY2021}.txt") == [404]
    fetched = Counter(hit.path for hit in main_run.log if hit.path.startswith("/www/Archives/") and hit.status == 200)
    partial = {FakeEdgar.path(TEN_K["AAPL_10-K_FY2023"]), FakeEdgar.path(TEN_K["BA_10-K_FY2023"]),
               FakeEdgar.path(TEN_K["FIZZ_10-K_FY2020"], "fizz20200502_10k_htm.xml")}
    assert {path for path, count in fetched.items() if count > 1} == partial and max(fetched.values()) == 2, \
        "each document is fetched whole once; only the partial answers again"
    assert not [p for p in main_run.out.rglob("*") if p.name.startswith(".")], "no staging or temporary file left"


def test_requests_stay_within_ten_per_second(main_run: Run):
    assert len(main_run.log) > 20
    assert max_per_second(main_run.log) <= 10


def test_what_is_missing_is_reported_and_the_exit_status_says_so(main_run: Run):
    assert main_run.result.returncode == 1, main_run.result.stderr
    out = main_run.result.stdout
    assert f"failed AAPL 10-K {AAPL_FY2021}: " in out and "HTTP 404" in out
    assert "missing FIZZ 10-K FY2019: EDGAR lists no 10-K for this fiscal year" in out
    assert "unknown tickers (not in EDGAR's ticker map): NOPE" in out
    assert "8 downloaded, 1 failed" in out
    report = json.loads((main_run.out / "download_report.json").read_text())
    assert report["complete"] is False and report["unknown_tickers"] == ["NOPE"]
    assert {(f["accession_number"], f["status"]) for f in report["filings"]} == {
        (f.accession, "downloaded") for f in TEN_K.values() if f.ticker in ("AAPL", "FIZZ", "ISDR", "AMZN", "BA")
    } | {(AAPL_FY2021, "failed")}
    missing = {(m["ticker"], m["fiscal_year"]): m["reason"] for m in report["missing"]}
    assert missing[("AAPL", 2021)] == f"the download of {AAPL_FY2021} failed"
    assert sorted(year for ticker, year in missing if ticker == "BA") == [2019, 2020, 2021, 2022]


def test_a_rerun_fetches_only_what_is_still_missing(main_run: Run, fake: FakeEdgar):
    fake.reset()
    result = cli(fake, "download", "--tickers", "AAPL,FIZZ,ISDR,AMZN,BA", "--years", "2019-2023", "--out", main_run.out,
                 "--user-agent", USER_AGENT)
    assert result.returncode == 1
    archive = {hit.path for hit in fake.log if hit.path.startswith("/www/Archives/")}
    assert archive == {f"/www/Archives/edgar/data/320193/{AAPL_FY2021.replace('-', '')}/{AAPL_FY2021}.txt"}
    assert "8 cached, 1 failed" in result.stdout


def test_the_downloaded_corpus_builds_the_same_datasets_as_the_source_folders(main_run: Run, filings: Path, tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    folders = sorted(p for p in main_run.out.iterdir() if p.is_dir())
    for folder in folders:  # the source folders under the downloaded names, so that `filing` is equal too
        (source / folder.name).symlink_to(filings / shared_folder(folder).folder)
    for corpus, out in ((main_run.out, tmp_path / "from_download"), (source, tmp_path / "from_source")):
        export.write(run(BuildConfig(sources=(corpus,))), out, corpus_name="djia")
    accessions = {folder.name: shared_folder(folder).accession for folder in folders}
    for task in TASKS:
        for split in ("train", "test"):
            downloaded = pq.read_table(tmp_path / "from_download" / task / f"{split}.parquet")
            built = pq.read_table(tmp_path / "from_source" / task / f"{split}.parquet")
            assert downloaded.num_rows > 0
            assert downloaded.drop_columns(["accession"]).equals(built.drop_columns(["accession"])), (task, split)
            rows = downloaded.select(["filing", "accession"]).to_pylist()
            assert all(row["accession"] == accessions[row["filing"]] for row in rows)
    assert pq.read_table(tmp_path / "from_download" / "formula_ground_truth.parquet").equals(
        pq.read_table(tmp_path / "from_source" / "formula_ground_truth.parquet"))


# -- resume, dry run, user agent --------------------------------------------------------------------


def test_a_killed_run_resumes_where_it_stopped(fake: FakeEdgar, tmp_path: Path):
    fake.reset()
    out = tmp_path / "filings"
    boeing = TEN_K["BA_10-K_FY2023"]
    fake.fault(fake.path(boeing), "stall")
    env = {**os.environ, **fake.env()}
    args = [sys.executable, "-m", "xbrlkit", "download", "--tickers", "FIZZ,ISDR,BA", "--years", "2019-2023",
            "--out", str(out), "--user-agent", USER_AGENT]
    process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert fake.stalled.wait(120), "the run reached Boeing's full submission"
    finally:
        process.kill()
        process.wait()
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == ["FIZZ_10-K_FY2020",
                                                                                  "ISDR_10-K_FY2019"]
    assert all((out / name / "filing.json").exists() for name in ("FIZZ_10-K_FY2020", "ISDR_10-K_FY2019"))

    fake.reset()
    result = cli(fake, "download", "--tickers", "FIZZ,ISDR,BA", "--years", "2019-2023", "--out", out,
                 "--user-agent", USER_AGENT)
    assert result.returncode == 1, result.stderr  # the years these companies have no 10-K for
    fetched = {hit.path.split("/")[6] for hit in fake.log if hit.path.startswith("/www/Archives/")}
    assert fetched == {boeing.accession.replace("-", "")}
    assert sorted(p.name for p in out.iterdir()) == ["BA_10-K_FY2023", "FIZZ_10-K_FY2020", "ISDR_10-K_FY2019",
                                                     "download_report.json"]
    assert "1 downloaded, 2 cached" in result.stdout


def test_dry_run_lists_what_would_be_fetched_and_writes_nothing(fake: FakeEdgar, tmp_path: Path):
    """Apple's 2009-2010 10-Ks are on the older page of its listing, beside a 10-K/A."""
    fake.reset()
    out = tmp_path / "filings"
    result = cli(fake, "download", "--tickers", "AAPL", "--years", "2009-2010", "--out", out, "--dry-run",
                 "--user-agent", USER_AGENT)
    assert result.returncode == 0, result.stderr
    assert "0001193125-09-214859" in result.stdout and "0001193125-10-238044" in result.stdout
    assert "0001193125-10-012091" not in result.stdout, "the 10-K/A"
    assert not out.exists()
    assert [hit.path for hit in fake.log] == [TICKER_MAP, "/data/submissions/CIK0000320193.json",
                                              "/data/submissions/CIK0000320193-submissions-001.json"]
    amended = cli(fake, "download", "--tickers", "AAPL", "--years", "2009-2010", "--out", out, "--dry-run",
                  "--include-amendments", "--user-agent", USER_AGENT)
    assert "0001193125-10-012091" in amended.stdout and not out.exists()


def test_a_user_agent_is_required(fake: FakeEdgar, tmp_path: Path):
    fake.reset()
    out = tmp_path / "filings"
    for extra in ([], ["--user-agent", "curl/8.0"]):
        result = cli(fake, "download", "--tickers", "AAPL", "--years", "2023", "--out", out, *extra)
        assert result.returncode == 2
        [line] = result.stderr.splitlines()
        assert line.startswith("xbrlkit: error: ") and "fair-access" in line and "SEC_USER_AGENT" in line
    assert fake.log == [] and not out.exists()


# -- more forms and filings, through the API ---------------------------------------------------------


def test_quarterly_reports_amendments_and_older_and_inline_filings(edgar: FakeEdgar, filings: Path, tmp_path: Path):
    [coca_cola] = [f for f in FILINGS if f.ticker == "KO"]
    edgar.fault(edgar.path(coca_cola), "stall")  # silent after half the body: the read times out, and is retried
    report = download({"KO": (2023,), "FIZZ": (2020,), "IBM": (2024,), "MSFT": (2015,)}, tmp_path,
                      user_agent=USER_AGENT, forms=("10-K", "10-Q"), include_amendments=True,
                      policy=RetryPolicy(backoff=0.01, timeout=0.5))
    assert [hit.status for hit in edgar.hits(edgar.path(coca_cola))] == [200, 200]
    folders = sorted(p for p in tmp_path.iterdir() if p.is_dir())
    assert [p.name for p in folders] == ["FIZZ_10-K-A_FY2020", "FIZZ_10-K_FY2020", "IBM_10-K_FY2024",
                                         "KO_10-Q_2023Q2", "MSFT_10-K_FY2015"]
    for folder in folders:
        assert_same_documents(edgar, folder, filings)
    assert {(m.ticker, m.form, m.fiscal_year) for m in report.missing} == {
        ("KO", "10-K", 2023), ("FIZZ", "10-Q", 2020), ("IBM", "10-Q", 2024), ("MSFT", "10-Q", 2015)}
    assert not report.failed and not report.complete


def test_possible_fiscal_years_cover_fiscal_years_ending_in_january_june_september():
    def years(form: str, period: str | None, filed: str = "2024-03-01") -> list[int]:
        return sorted(FilingRef("X", "0000000001", "X", "a", form, filed, period, "x.htm").possible_fiscal_years())

    assert years("10-K", "2024-01-28") == [2023, 2024]  # retail: named after the year it starts, or ends
    assert years("10-K", "2023-06-30") == [2023]
    assert years("10-K", "2023-09-30") == [2023]
    assert years("10-K/A", "2023-12-31") == [2023]
    assert years("10-Q", "2022-12-31") == [2022, 2023]  # Apple's first quarter of FY2023
    assert years("10-K", None, "2020-02-20") == [2019, 2020]


def test_only_the_listing_pages_that_reach_the_years_are_fetched(edgar: FakeEdgar, tmp_path: Path):
    download({"AAPL": (2022,)}, tmp_path, user_agent=USER_AGENT, dry_run=True, policy=FAST)
    assert [hit.path for hit in edgar.log] == [TICKER_MAP, "/data/submissions/CIK0000320193.json"]


# -- build downloads what its source lacks -----------------------------------------------------------


def test_build_downloads_the_requested_filings_it_lacks(fake: FakeEdgar, tmp_path: Path):
    fake.reset()
    source, out = tmp_path / "corpus", tmp_path / "datasets"
    result = cli(fake, "build", "--tickers", "ISDR", "--years", "2019", "--source", source, "--out", out,
                 "--user-agent", USER_AGENT)
    assert result.returncode == 0, result.stderr
    assert (source / "ISDR_10-K_FY2019" / "filing.json").exists()
    assert pq.read_table(out / "values" / "train.parquet").column("accession").to_pylist()[0] == TEN_K[
        "ISDR_10-K_FY2019"].accession

    fake.reset()
    again = cli(fake, "build", "--tickers", "ISDR", "--years", "2019", "--source", source, "--out", out)
    assert again.returncode == 0, again.stderr
    assert fake.log == [], "nothing lacking: no request, and no user agent needed"

    more = cli(fake, "build", "--tickers", "ISDR,FIZZ", "--years", "2019-2020", "--source", source, "--out", out)
    assert more.returncode == 2 and "--no-download" in more.stderr and fake.log == []
    offline = cli(fake, "build", "--tickers", "ISDR,FIZZ", "--years", "2019-2020", "--source", source, "--out", out,
                  "--no-download")
    assert offline.returncode == 0, offline.stderr


def test_build_with_tickers_reads_filings_by_default(fake: FakeEdgar, tmp_path: Path):
    fake.reset()
    result = cli(fake, "build", "--tickers", "ISDR", "--years", "2019", "--no-download", cwd=tmp_path)
    assert result.returncode == 2 and f"{tmp_path / 'filings'}: source not found" in result.stderr
