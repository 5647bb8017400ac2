"""`xbrlkit build` over every shared filing: answers checked by hand, traceability, splits, Hub layout."""
from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import xbrlkit
from tests.support import run_xbrlkit
from xbrlkit.cli import SAMPLE
from xbrlkit.datasets import export
from xbrlkit.datasets.build import BuildConfig, run
from xbrlkit.datasets.catalog import TASKS
from xbrlkit.datasets.pipeline import build_datasets


def _rows(out: Path, task: str) -> list[dict]:
    return [row for split in ("train", "test") if (out / task / f"{split}.parquet").exists()
            for row in pq.read_table(out / task / f"{split}.parquet").to_pylist()]


def _answer(out: Path, task: str, item: str, ticker: str = "AAPL", year: int = 2023) -> dict:
    key = "ratio" if task.startswith("formula") else "concept"
    [row] = [r for r in _rows(out, task) if r["ticker"] == ticker and r["fiscal_year"] == year and r[key] == item]
    return row


def test_answers_checked_by_hand(built: Path):
    """Apple 10-K FY2023, read off the filing's statements."""
    assert _answer(built, "tags", "Net Income")["answer"] == "us-gaap:NetIncomeLoss"
    assert _answer(built, "values", "Net Income")["answer"] == "96995000000"
    assert _answer(built, "values", "Total Assets")["answer"] == "352583000000"
    assert _answer(built, "tags", "Total Revenue")["answer"] == "us-gaap:RevenueFromContractWithCustomerExcludingAssessedTax"
    assert _answer(built, "values", "Cash Flow for Investing Activities")["answer"] == "3705000000"
    current = _answer(built, "formula_calculation", "Current Ratio")
    assert (current["answer"], current["expression"]) == ("0.99", "143566000000 / 145308000000")
    margin = _answer(built, "formula_calculation", "Net Profit Margin")
    assert (margin["answer"], margin["expression"]) == ("25.31", "(96995000000 / 383285000000) * 100")
    assert _answer(built, "formula_construction", "Net Profit Margin")["answer"] == (
        "(us-gaap:NetIncomeLoss / us-gaap:RevenueFromContractWithCustomerExcludingAssessedTax) * 100")
    boeing = _answer(built, "values", "Net Income", "BA", 2023)
    assert (boeing["answer"], boeing["unit"], boeing["decimals"]) == ("-2222000000", "USD", "-6")
    # Boeing's balance sheet: total equity -17,228 = shareholders' deficit -17,233 + noncontrolling interest 5;
    # inventories net of advances and progress billings 79,741 (US$ millions).
    assert _answer(built, "values", "Total Equity", "BA", 2023)["answer"] == "-17228000000"
    assert _answer(built, "tags", "Inventory", "BA", 2023)["answer"] == (
        "us-gaap:InventoryNetOfAllowancesCustomerAdvancesAndProgressBillings")
    assert _answer(built, "values", "Inventory", "BA", 2023)["answer"] == "79741000000"
    assert _answer(built, "formula_construction", "Quick Ratio", "BA", 2023)


def test_every_value_answer_is_exactly_one_fact_of_its_filing(built: Path, filings: Path):
    rows = _rows(built, "values")
    assert rows
    loaded = {}
    for row in rows:
        filing = loaded.setdefault(row["filing"], xbrlkit.load(filings / row["filing"]))
        [fact_id] = row["fact_ids"]
        [fact] = [f for f in filing.facts if f.ref == fact_id]
        assert str(fact.concept) == row["tags"][0] and not fact.dimensions and fact.unit == row["unit"] == "USD"
        assert fact.numeric == Decimal(row["answer"]) and str(fact.decimals) == row["decimals"]
        same_aspects = {f.numeric for f in filing.facts if f.aspect_key() == fact.aspect_key()}
        assert same_aspects == {fact.numeric}, "no other value reported for the same concept and period"


def test_formula_answers_recompute_from_their_facts(built: Path, filings: Path):
    """Each calculation's expression holds its input facts' values, and evaluates (exactly) to its answer."""
    truth = {(r["filing"], r["ratio"]): r for r in pq.read_table(built / "formula_ground_truth.parquet").to_pylist()}
    for row in _rows(built, "formula_calculation"):
        filing = xbrlkit.load(filings / row["filing"])
        values = [format(next(f.numeric for f in filing.facts if f.ref == ref), "f") for ref in row["fact_ids"]]
        expression = row["expression"]
        assert re.search(".*".join(re.escape(v) for v in values), expression), (values, expression)
        assert re.fullmatch(r"[\d\s()+\-*/.]+", expression)
        exact = eval(re.sub(r"(\d+(?:\.\d+)?)", r"Fraction('\1')", expression), {"Fraction": Fraction})
        rounded = (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(Decimal("0.01"), ROUND_HALF_UP)
        assert format(rounded, "f") == row["answer"]
        record = truth[(row["filing"], row["ratio"])]
        assert (record["rounded"], record["expression"], record["fact_ids"]) == (row["answer"], expression,
                                                                                 row["fact_ids"])


def test_no_category_leak_and_no_duplicates(built: Path):
    patterns = {"tags": r"us-gaap:[A-Za-z0-9]+", "values": r"-?\d+(\.\d+)?",
                "formula_construction": r"[()\s\d*/+\-]*us-gaap:[A-Za-z0-9]+[()\sA-Za-z0-9:*/+\-]*",
                "formula_calculation": r"-?\d+\.\d\d"}
    for task in TASKS:
        for split in ("train", "test"):
            rows = pq.read_table(built / task / f"{split}.parquet").to_pylist()
            assert rows and all(r["task"] == task and re.fullmatch(patterns[task], r["answer"]) for r in rows), task
            pairs = [(r["question"], r["answer"]) for r in rows]
            assert len(pairs) == len(set(pairs)), f"duplicate question/answer in {task}/{split}"
            years = {r["fiscal_year"] for r in rows}
            assert years == {2023} if split == "test" else 2023 not in years


def test_every_row_carries_provenance_and_its_inputs_in_context(built: Path):
    for task in TASKS:
        for row in _rows(built, task):
            assert row["ticker"] and row["cik"] and row["filing"] and row["fact_ids"] and row["template_id"]
            assert row["template_id"].startswith(task + ":")
            for tag in row["tags"]:
                assert tag in row["context"], "the facts a question is about are always in its context"
            assert len(row["context"]) <= 8000 + 300


def test_summary_counts_and_self_check(built: Path):
    summary = json.loads((built / "build_summary.json").read_text())
    assert summary["filings"]["seen"] == 13 and summary["filings"]["used"] == 10
    assert set(summary["filings"]["skipped"]) == {"AAPL_10-Q_2023Q3", "AEON_10-Q_2023Q3_inline", "KO_10-Q_2023Q2"}
    check = summary["calculation_self_check"]
    assert check["answers_checked"] > 50 and check["answers_agreeing"] == check["answers_checked"]
    assert summary["not_generated"]["values"], "unresolved concepts are counted, not guessed"
    for task in TASKS:
        assert summary["questions"][task]["test"] == len(_rows(built, task)) - summary["questions"][task]["train"]


def test_company_split_is_disjoint(filings: Path):
    result = run(BuildConfig(sources=(filings,), split_by="company", seed=3))
    for task in TASKS:
        train = {e.ticker for e in result.splits[task]["train"]}
        test = {e.ticker for e in result.splits[task]["test"]}
        assert test and train and not train & test
    assert set(result.summary["test_companies"]) == {e.ticker for e in result.splits["tags"]["test"]}


def test_finlora_style_context_and_filters(filings: Path):
    result = run(BuildConfig(sources=(filings,), style="finlora", tickers={"AAPL": ()}, years=(2022, 2023)))
    rows = [e for task in TASKS for split in result.splits[task].values() for e in split]
    assert rows and {e.ticker for e in rows} == {"AAPL"} and {e.fiscal_year for e in rows} == {2022, 2023}
    net_income = next(e for e in rows if e.task == "values" and e.concept == "Net Income" and e.fiscal_year == 2023)
    assert '<us-gaap:NetIncomeLoss contextRef="c-1" unitRef="USD" decimals="-6">96995000000</us-gaap:NetIncomeLoss>' \
        in net_income.context


def test_builds_are_byte_identical(filings: Path, tmp_path: Path):
    first, second = tmp_path / "a", tmp_path / "b"
    export.write(run(BuildConfig(sources=(filings,)), jobs=1), first, corpus_name="shared")
    export.write(run(BuildConfig(sources=(filings,)), jobs=2), second, corpus_name="shared")
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    for relative in files:
        assert (first / relative).read_bytes() == (second / relative).read_bytes(), relative


def test_cli_build_of_the_bundled_sample_and_atomic_replace(tmp_path: Path):
    out = tmp_path / "ds"
    result = run_xbrlkit("build", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "tags" in result.stderr and "calculation self-check" in result.stderr
    summary = json.loads((out / "build_summary.json").read_text())
    assert summary["questions"]["values"]["test"] == 23
    check = summary["calculation_self_check"]
    assert check["answers_checked"] == check["answers_agreeing"] == 3, "gross profit, operating income, cash change"
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    bad_formulas = tmp_path / "formulas.yaml"
    bad_formulas.write_text('Broken Ratio: "{Net Income} / {Unknown Concept}"\n')
    failed = run_xbrlkit("build", "--out", str(out), "--formulas", str(bad_formulas))
    assert failed.returncode == 2
    [line] = failed.stderr.strip().splitlines()
    assert "Broken Ratio" in line and "Unknown Concept" in line and str(bad_formulas) in line
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before, "earlier build left intact"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ds", "formulas.yaml"], "no staging folder left behind"


def test_point_in_time_selection_limits_years_per_company(filings: Path):
    result = run(BuildConfig(sources=(filings,), tickers={"AAPL": (2022,), "BA": ()}))
    used = {(e.ticker, e.fiscal_year) for task in TASKS for split in result.splits[task].values() for e in split}
    assert used == {("AAPL", 2022), ("BA", 2023)}
    assert result.summary["filings"]["skipped"]["AAPL_10-K_FY2023"] == "fiscal year 2023 not selected for AAPL"


def test_a_folder_of_loose_inline_documents_is_a_corpus(shared_xbrl: Path):
    result = run(BuildConfig(sources=(shared_xbrl / "inline",)))
    filings = result.summary["filings"]
    assert (filings["seen"], filings["used"], filings["skipped"], filings["ignored_files"]) == (10, 10, {}, {})
    tickers = {e.ticker for task in TASKS for split in result.splits[task].values() for e in split}
    assert tickers == {"AAPL", "AMZN", "BA", "CRM", "HD", "IBM", "NKE", "NVDA", "PG", "V"} - {"IBM"}
    # IBM's 10-K incorporates its financial statements from the annual report: nothing to ask, and said so.
    assert result.summary["unanswered"]["ibm-10-k-2025-02-25.html"]["Net Income"] == "none of its tags is reported"


def test_several_sources_and_what_is_not_a_filing(shared_xbrl: Path, tmp_path: Path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "notes.txt").write_text("not a filing")
    (corpus / "ba-10-k-2025-02-03.html").symlink_to(shared_xbrl / "inline" / "ba-10-k-2025-02-03.html")
    (corpus / "BA_10-K_FY2023").symlink_to(shared_xbrl / "filings" / "BA_10-K_FY2023")
    result = run(BuildConfig(sources=(corpus, shared_xbrl / "inline" / "ba-10-k-2025-02-03.html",
                                      shared_xbrl / "filings" / "AAPL_10-K_FY2023")))
    filings = result.summary["filings"]
    assert (filings["seen"], filings["used"]) == (3, 3), "the document given twice is one filing"
    assert filings["ignored_files"] == {"corpus/notes.txt": "not an XBRL instance or inline XBRL document"}
    assert {e.fiscal_year for split in result.splits["values"].values() for e in split if e.ticker == "BA"} == {2023, 2024}
    assert result.summary["config"]["sources"] == ["corpus", "ba-10-k-2025-02-03.html", "AAPL_10-K_FY2023"]


def test_each_unanswered_concept_says_why(built: Path):
    unanswered = json.loads((built / "build_summary.json").read_text())["unanswered"]
    assert unanswered["AAPL_10-K_FY2023"] == {"Goodwill": "none of its tags is reported"}
    assert set(unanswered["BA_10-K_FY2023"]) == {"Common Stock Repurchased", "Operating Expenses"}
    assert unanswered["AMZN_10-K_FY2022"]["Total Liabilities"] == (
        "reported us-gaap:Liabilities only by dimension (e.g. per class or segment), never in total")
    assert "AAPL_10-Q_2023Q3" not in unanswered, "a skipped filing is listed under skipped, not here"


def test_no_filing_at_all_is_one_error_line(tmp_path: Path):
    (tmp_path / "notes.txt").write_text("not a filing")
    result = run_xbrlkit("build", "--source", str(tmp_path), "--out", str(tmp_path / "out"))
    assert result.returncode == 2 and not (tmp_path / "out").exists()
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"xbrlkit: error: {tmp_path}: no filing found")


SAMPLE_DIR = Path(str(SAMPLE)).parent


def _copy_of_the_sample(folder: Path, ticker: str) -> Path:
    folder.mkdir(parents=True)
    for name in ("acme-20231231.xml", "acme-20231231_cal.xml"):
        (folder / name).write_bytes((SAMPLE_DIR / name).read_bytes())
    (folder / "filing.json").write_text(json.dumps({"ticker": ticker, "accession_number": f"{ticker}-1"}))
    return folder


def test_a_bad_filing_costs_that_filing_only_and_rejected_facts_are_counted(tmp_path: Path):
    corpus = tmp_path / "corpus"
    _copy_of_the_sample(corpus / "ACME_10-K_FY2023", "ACME")
    (_copy_of_the_sample(corpus / "BAD_10-K_FY2023", "BAD") / "filing.json").write_text('{"ticker": "BA')
    odd = _copy_of_the_sample(corpus / "ODD_10-K_FY2023", "ODD") / "acme-20231231.xml"
    text = odd.read_text()
    first_number = re.search(r'(decimals="[^"]+"[^>]*>)(\d+)<', text)
    odd.write_text(text[:first_number.start(2)] + "12 million" + text[first_number.end(2):])
    result = run(BuildConfig(sources=(corpus,)))
    filings = result.summary["filings"]
    assert (filings["seen"], filings["used"]) == (3, 2)
    assert filings["skipped"]["BAD_10-K_FY2023"].startswith("cannot load: ")
    assert "cannot read the filing's filing.json" in filings["skipped"]["BAD_10-K_FY2023"]
    [(name, rejected)] = result.summary["rejected_facts"].items()
    assert name == "ODD_10-K_FY2023" and rejected["count"] == 1 and "'12 million'" in rejected["first"][0]
    strict = run(BuildConfig(sources=(corpus,), strict=True)).summary["filings"]
    assert "ODD_10-K_FY2023" in strict["skipped"] and "--strict" in strict["skipped"]["ODD_10-K_FY2023"]


def test_the_output_folder_is_checked_before_any_work(tmp_path: Path):
    (tmp_path / "file").write_text("")
    with pytest.raises(xbrlkit.XbrlError, match="cannot be created: .* is a file"):
        build_datasets(BuildConfig(sources=(tmp_path / "no-such-corpus",)), tmp_path / "file" / "out")


def _children(pid: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def test_sigterm_ends_the_workers_and_leaves_no_staging(filings: Path, tmp_path: Path):
    out = tmp_path / "out"
    build = subprocess.Popen([sys.executable, "-m", "xbrlkit", "build", "--source", str(filings), "--jobs", "2",
                              "--out", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while len(workers := _children(build.pid)) < 2 and build.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(workers) >= 2, "the build started its workers"
    build.send_signal(signal.SIGTERM)
    _, stderr = build.communicate(timeout=60)
    assert build.returncode == 143 and stderr.strip().splitlines()[-1] == "xbrlkit: terminated"
    time.sleep(0.2)
    assert not any(Path(f"/proc/{pid}").exists() and Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
                   for pid in workers), "no worker left running"
    assert list(tmp_path.iterdir()) == [], "no output and no staging folder"
