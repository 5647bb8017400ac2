"""The `finlora` format: the reference JSONL a build writes, and the reader eval and train share."""
from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from finlora_eval.errors import EvalError
from xbrlkit.datasets import finlora_format
from xbrlkit.datasets.catalog import TASKS
from xbrlkit.errors import XbrlError


def test_reference_jsonl(built: Path):
    for task in TASKS:
        lines = finlora_format.path(built, task, "test").read_text().splitlines()
        rows = pq.read_table(built / task / "test.parquet").to_pylist()
        assert len(lines) == len(rows)
        for line, row in zip(lines, rows):
            record = json.loads(line)
            assert set(record) == {"context", "target"}
            assert "XML File:" in record["context"] and record["context"].endswith(f"Question: {row['question']}\nAnswer:")
            expected = row["expression"] if task == "formula_calculation" else row["answer"]
            assert record["target"] == expected


def test_reader_gives_the_rows_of_every_task(built: Path):
    for task in TASKS:
        read = finlora_format.read(finlora_format.path(built, task, "train"))
        assert read == [json.loads(line) for line in finlora_format.path(built, task, "train").read_text().splitlines()]


def test_reader_names_a_bad_line(tmp_path: Path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"context": "c", "target": "t"}\n\n{"context": "c"}\n', encoding="utf-8")
    with pytest.raises(XbrlError, match=r"bad.jsonl:3: a row needs context and target$"):
        finlora_format.read(bad)
    with pytest.raises(EvalError, match=r"bad.jsonl:3: "):
        finlora_format.read(bad, EvalError)
    bad.write_text('{"context": "c", "target": "t"}\n{"context": "c", "target": null}\n', encoding="utf-8")
    with pytest.raises(XbrlError, match=r"bad.jsonl:2: target must be a string, not null$"):
        finlora_format.read(bad)
