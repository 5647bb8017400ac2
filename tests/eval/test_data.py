"""Test rows from every kind of source, on the real shared files and a real xbrlkit build."""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from finlora_eval import data, fnxl
from finlora_eval.errors import DataUnavailable, EvalError
from finlora_eval.registry import Source, load_registry

REGISTRY = load_registry()


def test_reference_jsonl(finlora_data: Path):
    test_set = data.load(REGISTRY.datasets["fpb"], data.Locations(finlora_data))
    assert test_set.rows == len(test_set.examples) == 1212 and test_set.selection == "all rows"
    first = json.loads((finlora_data / "test" / "fpb_test.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert test_set.examples[0] == data.Example(0, first["context"], first["target"])
    assert {e.target for e in test_set.examples} == {"negative", "neutral", "positive"}


def test_limit_and_seeded_sample(finlora_data: Path):
    places, spec = data.Locations(finlora_data), REGISTRY.datasets["nwgi"]
    assert [e.index for e in data.load(spec, places, limit=3).examples] == [0, 1, 2]
    sample = data.load(spec, places, sample=500, seed=42)
    indices = [e.index for e in sample.examples]
    assert len(indices) == 500 and indices == sorted(indices) and sample.rows == 4047
    assert sample.selection == "seeded sample of 500 rows (seed 42)"
    assert indices == [e.index for e in data.load(spec, places, sample=500, seed=42).examples]
    assert indices != [e.index for e in data.load(spec, places, sample=500, seed=7).examples]
    assert data.load(REGISTRY.datasets["financebench"], places, sample=500).selection == "all rows"  # 43 rows


def test_fnxl_is_rebuilt_by_the_reference_rule(finlora_data: Path):
    rows = fnxl.prompts(finlora_data / "sources" / "fnxl" / "test_sample.csv")
    assert len(rows) == 247
    assert all(len(row["target"].split(",")) == 4 for row in rows)
    first = rows[0]["context"]
    assert first.startswith(fnxl.INSTRUCTION) and first.endswith("?\n\nOutput US GAAP tags:")
    options = first[len(fnxl.INSTRUCTION):].split("\n")[0].split(", ")
    assert options == sorted(options) and "us-gaap:" not in first.split("\n")[1]
    every_tag = {tag for row in rows for tag in row["target"].split(",")}
    assert every_tag == set(options)
    assert first.count("What is the best us gaap tag for entity") == 4
    assert rows[0]["target"].startswith("StatutoryAccountingPracticesStatutoryAmountAvailableForDividendPayments")


def test_finer_falls_back_to_the_earlier_file_and_says_so(finlora_data: Path):
    test_set = data.load(REGISTRY.datasets["finer"], data.Locations(finlora_data))
    assert test_set.source.endswith("finer_test_batched_35154f4.jsonl") and "earlier version" in test_set.note
    assert test_set.rows == 501 and len(test_set.examples[0].target.split(",")) == 4


def test_xbrl_tasks_come_from_an_xbrlkit_build(xbrl_build: Path):
    summary = json.loads((xbrl_build / "build_summary.json").read_text(encoding="utf-8"))
    for key, config in (("tags", "tags"), ("values", "values"), ("formula_calculation", "formula_calculation")):
        test_set = data.load(REGISTRY.datasets[key], data.Locations(xbrl_dir=xbrl_build))
        assert test_set.rows == summary["questions"][config]["test"] > 0
        assert test_set.source == str(xbrl_build / "finlora" / f"{config}_test.jsonl")
        assert all(e.prompt.endswith("Answer:") for e in test_set.examples)


def test_hf_source_from_a_local_dataset_folder(tmp_path: Path):
    folder = tmp_path / "headline"
    folder.mkdir()
    pq.write_table(pa.table({"instruction": ["Does the news headline talk about price going up?"] * 2,
                             "input": ["Gold climbs to record", "Gold slips"], "output": ["Yes", "No"]}),
                   folder / "test.parquet")
    local = Source("hf", str(folder), "test", "Instruction: {instruction}\nInput: {input}\nAnswer: ", "output",
                   "rows of a local dataset folder")
    test_set = data.load(replace(REGISTRY.datasets["headline"], sources=(local,)), data.Locations())
    assert test_set.source == f"hf:{folder}:test"
    assert test_set.examples[1] == data.Example(
        1, "Instruction: Does the news headline talk about price going up?\nInput: Gold slips\nAnswer: ", "No")


def test_the_reference_test_files_win_over_the_rebuilt_sources(finlora_data, xbrl_build, tmp_path: Path):
    """With the benchmark's published files in test/, they are scored; without, the xbrlkit build and the FNXL CSV."""
    places = data.Locations(tmp_path, xbrl_build)
    assert data.load(REGISTRY.datasets["values"], places).source == str(xbrl_build / "finlora" / "values_test.jsonl")
    (tmp_path / "test").mkdir()
    rows = [{"context": f"XML File:\n<us-gaap:Assets>{n}</us-gaap:Assets>\nQuestion: What is the value?\nAnswer:",
             "target": str(n)} for n in (1250, 980)]
    for name in ("xbrl_extract_value_test.jsonl", "fnxl_test_batched.jsonl"):
        (tmp_path / "test" / name).write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    values = data.load(REGISTRY.datasets["values"], places)
    assert (values.source, values.note, values.rows) == (str(tmp_path / "test" / "xbrl_extract_value_test.jsonl"),
                                                         "the reference's published test file", 2)
    assert [e.target for e in values.examples] == ["1250", "980"]
    assert data.load(REGISTRY.datasets["fnxl"], places).source == str(tmp_path / "test" / "fnxl_test_batched.jsonl")
    assert data.load(REGISTRY.datasets["tags"], places).source == str(xbrl_build / "finlora" / "tags_test.jsonl")
    rebuilt = data.load(REGISTRY.datasets["fnxl"], data.Locations(finlora_data))
    assert rebuilt.source.endswith("sources/fnxl/test_sample.csv") and rebuilt.rows == 247


def test_missing_data_says_what_to_give(tmp_path: Path):
    with pytest.raises(DataUnavailable, match=r"needs the folder of test files \(give --data-dir\)"):
        data.load(REGISTRY.datasets["fpb"], data.Locations())
    with pytest.raises(DataUnavailable, match=r"needs an `xbrlkit build` output folder \(give --xbrl-dir\)"):
        data.load(REGISTRY.datasets["tags"], data.Locations(tmp_path))
    with pytest.raises(DataUnavailable, match="never published"):
        data.load(REGISTRY.datasets["cfa1"], data.Locations(tmp_path))
    with pytest.raises(DataUnavailable, match=f"{tmp_path / 'test' / 'fpb_test.jsonl'} not found"):
        data.load(REGISTRY.datasets["fpb"], data.Locations(tmp_path))


def test_a_bad_row_names_the_file_and_line(tmp_path: Path):
    path = tmp_path / "test" / "fpb_test.jsonl"
    path.parent.mkdir()
    path.write_text('{"context": "a", "target": "b"}\n{"context": "only"}\n', encoding="utf-8")
    with pytest.raises(EvalError, match=r"fpb_test.jsonl:2: a row needs context and target$"):
        data.load(REGISTRY.datasets["fpb"], data.Locations(tmp_path))
    path.write_text('{"context": "a", "target": "b"}\nnot json\n', encoding="utf-8")
    with pytest.raises(EvalError, match=r"fpb_test.jsonl:2: not JSON"):
        data.load(REGISTRY.datasets["fpb"], data.Locations(tmp_path))
    path.write_text('{"context": "a", "target": "b"}\n{"context": "a", "target": 3}\n', encoding="utf-8")
    with pytest.raises(EvalError, match=r"fpb_test.jsonl:2: target must be a string, not a number$"):
        data.load(REGISTRY.datasets["fpb"], data.Locations(tmp_path))


def _write(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")


def test_fewshot_examples_never_repeat_a_test_input(tmp_path: Path):
    """Four training rows, one of which repeats a test input with another answer: K = 3 draws the other three,
    solved, before every prompt; K = 4 is refused."""
    prompt = "Instruction: Sentiment?\nInput: {}\nAnswer: "
    tests = (("Sales fell", "negative"), ("Profit rose", "positive"))
    training = (("Costs rose", "negative"), ("Profit  rose", "neutral"), ("Orders grew", "positive"),
                ("Flat year", "neutral"))
    _write(tmp_path / "test" / "t.jsonl", [{"context": prompt.format(text), "target": label} for text, label in tests])
    _write(tmp_path / "train" / "t.jsonl", [{"context": prompt.format(t), "target": label} for t, label in training])
    spec = replace(REGISTRY.datasets["fpb"], sources=(Source("jsonl", "test/t.jsonl"),),
                   fewshot=(Source("jsonl", "train/t.jsonl", "train"),))
    test_set = data.load(spec, data.Locations(tmp_path), num_fewshot=3, seed=1)
    assert sorted(test_set.fewshot["rows"]) == [0, 2, 3]
    assert test_set.fewshot == {"k": 3, "seed": 1, "source": str(tmp_path / "train" / "t.jsonl"),
                                "rows": test_set.fewshot["rows"]}
    shots = {0: ("Costs rose", "negative"), 2: ("Orders grew", "positive"), 3: ("Flat year", "neutral")}
    preamble = "".join(prompt.format(shots[row][0]) + shots[row][1] + "\n\n" for row in test_set.fewshot["rows"])
    assert [e.prompt for e in test_set.examples] == [preamble + prompt.format("Sales fell"),
                                                     preamble + prompt.format("Profit rose")]
    with pytest.raises(EvalError, match="3 training rows can be few-shot examples, fewer than 4"):
        data.load(spec, data.Locations(tmp_path), num_fewshot=4)


def test_fewshot_draws_from_the_training_source_with_the_seed(finlora_data: Path):
    places, spec = data.Locations(finlora_data), REGISTRY.datasets["fpb"]
    test_inputs = {e.prompt.split("\nInput: ")[1] for e in data.load(spec, places).examples}
    three = data.load(spec, places, limit=5, num_fewshot=3, seed=42)
    assert three.fewshot["source"] == "finlora-train sentiment/phrasebank" and len(three.fewshot["rows"]) == 3
    preambles = {e.prompt[:e.prompt.rindex("Instruction: ")] for e in three.examples}
    assert len(preambles) == 1
    blocks = preambles.pop().split("\n\n")[:-1]
    assert len(blocks) == 3 and all(b.split("\nAnswer: ")[1] in spec.labels for b in blocks)
    assert not {b.split("\nInput: ")[1].split("\nAnswer: ")[0] for b in blocks} & test_inputs
    assert data.load(spec, places, limit=5, num_fewshot=3, seed=42) == three
    assert data.load(spec, places, limit=5, num_fewshot=3, seed=7).fewshot["rows"] != three.fewshot["rows"]
    with pytest.raises(EvalError, match="nwgi has no training source to draw few-shot examples from"):
        data.load(REGISTRY.datasets["nwgi"], places, num_fewshot=3)
