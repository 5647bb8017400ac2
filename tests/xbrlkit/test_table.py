"""The fact table and its files keep every value exact and every INF as INF."""
from __future__ import annotations

import csv
import json
import sys
from decimal import Decimal

import pandas as pd
import pyarrow.parquet as pq
import pytest

import xbrlkit
from tests.xbrlkit.read.documents import GOOD_FACT, instance
from xbrlkit import table


def test_dataframe_is_arrow_backed_and_exact(filings):
    filing = xbrlkit.load(filings / "BA_10-K_FY2023")
    frame = filing.to_pandas()
    assert len(frame) == len(filing.facts)
    assert all(str(dtype).endswith("[pyarrow]") for dtype in frame.dtypes)
    numbers = [f.numeric for f in filing.facts]
    assert [None if pd.isna(v) else v for v in frame["numeric"].tolist()] == numbers
    assert all(isinstance(v, Decimal) for v in frame["numeric"].dropna())


def test_parquet_round_trip(filings, tmp_path):
    filing = xbrlkit.load(filings / "AEON_10-Q_2023Q3_inline" / "aeon-20230930x10q.htm")
    path = tmp_path / "facts.parquet"
    table.write(filing.facts, path, "parquet")
    rows = pq.read_table(path).to_pylist()
    assert [r["numeric"] for r in rows] == [f.numeric for f in filing.facts]
    assert [r["end_date"] for r in rows] == [f.end_date for f in filing.facts]
    assert [tuple((d["axis"], d["member"]) for d in r["dimensions"]) for r in rows] == [f.dimensions for f in filing.facts]
    assert [r["scale"] for r in rows] == [f.scale for f in filing.facts]


def test_inf_decimals_stay_inf(filings, tmp_path):
    filing = xbrlkit.load(filings / "AAPL_10-K_FY2023")
    exact = [f for f in filing.facts if f.decimals == xbrlkit.INF]
    assert exact, "Apple reports some values with decimals INF"
    path = tmp_path / "facts.jsonl"
    table.write(filing.facts, path, "jsonl")
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    inf_rows = [r for r in rows if r["decimals_inf"]]
    assert len(inf_rows) == len(exact) and all(r["decimals"] is None for r in inf_rows)
    assert not any(r["decimals"] == 0 for r in inf_rows)


def test_text_formats_carry_exact_decimal_strings(filings, tmp_path):
    filing = xbrlkit.load(filings / "AAPL_10-K_FY2023")
    table.write(filing.facts, tmp_path / "facts.csv", "csv")
    table.write(filing.facts, tmp_path / "facts.jsonl", "jsonl")
    csv.field_size_limit(sys.maxsize)  # text blocks are long
    with (tmp_path / "facts.csv").open(newline="") as handle:
        csv_numbers = [row["numeric"] or None for row in csv.DictReader(handle)]
    jsonl_numbers = [json.loads(line)["numeric"] for line in (tmp_path / "facts.jsonl").read_text().splitlines()]
    expected = [format(f.numeric, "f") if f.numeric is not None else None for f in filing.facts]
    assert csv_numbers == jsonl_numbers == expected
    assert "96995000000" in expected


def test_output_is_deterministic(filings, tmp_path):
    for run in ("a", "b"):
        filing = xbrlkit.load(filings / "KO_10-Q_2023Q2")
        table.write(filing.facts, tmp_path / f"{run}.jsonl", "jsonl")
        table.write(filing.facts, tmp_path / f"{run}.parquet", "parquet")
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()
    assert pq.read_table(tmp_path / "a.parquet").equals(pq.read_table(tmp_path / "b.parquet"))


def _long_value_facts(tmp_path, digits: int, decimals: str = "INF"):
    doc = instance(tmp_path / "doc.xml", GOOD_FACT + f'\n<us-gaap:Assets contextRef="FY" unitRef="usd" '
                                                     f'decimals="{decimals}">{"7" * digits}</us-gaap:Assets>')
    return xbrlkit.load(doc).facts


def test_a_value_past_arrow_decimals_is_stored_as_exact_text(tmp_path):
    facts = _long_value_facts(tmp_path, 400)
    path = tmp_path / "facts.parquet"
    table.write(facts, path, "parquet")
    stored = pq.read_table(path)
    assert stored.schema.field("numeric").type == "string"
    assert [Decimal(v) for v in stored.column("numeric").to_pylist()] == [f.numeric for f in facts]
    assert b"76 digits" in stored.schema.metadata[b"numeric"]


def test_values_arrow_holds_stay_decimal(tmp_path):
    facts = _long_value_facts(tmp_path, 76)
    path = tmp_path / "facts.parquet"
    table.write(facts, path, "parquet")
    assert pq.read_table(path).column("numeric").to_pylist() == [f.numeric for f in facts]


def test_decimals_past_32_bits_is_one_error_for_parquet_and_kept_in_jsonl(tmp_path):
    facts = _long_value_facts(tmp_path, 3, decimals="-99999999999")
    with pytest.raises(xbrlkit.XbrlError, match="decimals -99999999999 does not fit parquet's 32-bit"):
        table.write(facts, tmp_path / "facts.parquet", "parquet")
    assert not (tmp_path / "facts.parquet").exists()
    table.write(facts, tmp_path / "facts.jsonl", "jsonl")
    rows = [json.loads(line) for line in (tmp_path / "facts.jsonl").read_text().splitlines()]
    assert rows[1]["decimals"] == -99999999999
