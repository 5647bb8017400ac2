"""The dataset registry: the 19 datasets as data, and clear errors for a bad registry file."""
from __future__ import annotations

from pathlib import Path

import pytest

from finlora_eval.errors import EvalError
from finlora_eval.registry import load_registry

REGISTRY = load_registry()
TABLE_ORDER = ["FPB", "FiQA SA", "TFNS", "NWGI", "NER", "Headline", "CFA Level 1", "CFA Level 2", "CFA Level 3",
               "CPA REG", "FiNER", "FNXL", "XBRL Term", "Tag Extraction", "Value Extraction", "Formula Construction",
               "Formula Calculation", "FinanceBench", "Financial Math"]


def test_the_nineteen_datasets_in_the_reference_table_order():
    assert [spec.name for spec in REGISTRY.select("all")] == TABLE_ORDER
    assert [spec.name for spec in REGISTRY.datasets.values() if not spec.suite] == ["MMLU", "GSM8K"]
    assert list(REGISTRY.categories.values()) == ["General Financial Tasks", "Financial Certificate Tasks",
                                                  "Financial Reporting Tasks", "Financial Statement Analysis Tasks",
                                                  "Forgetting Checks (not in the benchmark)"]


def test_certificate_sets_are_unavailable_with_a_reason():
    certificate = [spec for spec in REGISTRY.datasets.values() if spec.category == "certificate"]
    assert [spec.key for spec in certificate] == ["cfa1", "cfa2", "cfa3", "cpa_reg"]
    assert all("never published" in spec.unavailable and not spec.sources for spec in certificate)
    assert all(spec.sources and not spec.unavailable for spec in REGISTRY.datasets.values()
               if spec.category != "certificate")


def test_metrics_label_spaces_and_budgets_follow_the_reference():
    specs = REGISTRY.datasets
    assert {k for k, s in specs.items() if s.metric == "bertscore"} == {"xbrl_term", "financebench"}
    assert len(specs["nwgi"].labels) == 7 and specs["fpb"].labels == ("negative", "neutral", "positive")
    assert {k: s.max_new_tokens for k, s in specs.items() if k in ("fpb", "finer", "fnxl", "financial_math")} \
        == {"fpb": 10, "finer": 100, "fnxl": 100, "financial_math": 50}
    assert [(s.kind, s.location) for s in specs["tags"].sources] == [
        ("jsonl", "test/xbrl_extract_tags_test.jsonl"), ("xbrl", "tags")]
    assert [(s.kind, s.location) for s in specs["formula_calculation"].sources] == [
        ("jsonl", "test/xbrl_extract_formula_calculations_test.jsonl"), ("xbrl", "formula_calculation")]
    assert [s.kind for s in specs["fnxl"].sources] == ["jsonl", "fnxl_csv"]
    assert specs["finer"].sources[0].location == "test/finer_test_batched.jsonl"
    assert [s.kind for s in specs["headline"].sources] == ["jsonl", "headline_csv"]


def test_selection_keeps_registry_order():
    assert [s.key for s in REGISTRY.select("ner, fpb")] == ["fpb", "ner"]
    assert len(REGISTRY.select("all")) == 19
    with pytest.raises(EvalError, match=r"unknown datasets \['fbp'\].*choose from all, fpb"):
        REGISTRY.select("fpb,fbp")


@pytest.mark.parametrize("text, message", [
    ("categories: {a: A}\ndatasets:\n  x: {name: X, category: b, metric: accuracy_f1, answer: label, "
     "max_new_tokens: 5, sources: [{jsonl: x.jsonl}]}\n", "dataset 'x': category must be one of a, not 'b'"),
    ("categories: {a: A}\ndatasets:\n  x: {category: a, metric: accuracy_f1, answer: number, max_new_tokens: 5, "
     "sources: [{jsonl: x.jsonl}]}\n", "numeric answers need a tolerance"),
    ("categories: {a: A}\ndatasets:\n  x: {category: a, metric: accuracy_f1, answer: label, max_new_tokens: 5}\n",
     "give sources, or say why it is unavailable"),
    ("categories: {a: A}\ndatasets:\n  x: {category: a, metric: accuracy_f1, answer: label, max_new_tokens: 5, "
     "sources: [{jsonl: x.jsonl, xbrl: tags}]}\n", "exactly one of jsonl, fnxl_csv, headline_csv, xbrl, hf, train"),
    ("categories: {a: A}\ndatasets:\n  x: {category: a, metric: accuracy_f1, answer: label, max_new_tokens: 0, "
     "sources: [{jsonl: x.jsonl}]}\n", "max_new_tokens must be a positive integer"),
    ("categories: {a: A}\ndatasets:\n  x: {category: a, metric: accuracy_f1, answer: label, max_new_tokens: 5, "
     "sources: [{train: sentiment, builder: phrasebank}]}\n", "a train source can only give few-shot examples"),
    ("categories: {a: A}\ndatasets:\n  x: {category: a, metric: accuracy_f1, answer: label, max_new_tokens: 5, "
     "sources: [{jsonl: x.jsonl}], fewshot: [{train: sentiment}]}\n",
     "dataset 'x' fewshot: a train source, and only a train or hf source, names a builder"),
    ("datasets: {}\n", ": registry must be a mapping with categories and datasets"),
    ("categories: {a: A}\ndatasets:\n  x: y: z\n",
     ":3: not valid YAML: mapping values are not allowed here at column 7"),
    ("categories: {a: A}\ndatasets: {x: [unclosed\n",
     ":3: not valid YAML: expected ',' or ']', but got '<stream end>' at column 1, while parsing a flow sequence from "
     "line 2, column 15"),
    ("- just a list\n", ": must be a YAML mapping (key: value), not a list"),
])
def test_a_bad_registry_is_one_clear_error(tmp_path: Path, text, message):
    path = tmp_path / "registry.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(EvalError) as error:
        load_registry(path)
    assert str(error.value).startswith(f"{path}") and message in str(error.value)
    assert "\n" not in str(error.value)


def test_the_xbrl_answer_budgets_fit_every_answer_of_the_shared_build(xbrl_build: Path, smollm2: Path):
    """SmolLM2 writes each digit as a token: a budget shorter than an answer makes a right answer impossible."""
    from transformers import AutoTokenizer

    from xbrlkit.datasets import finlora_format

    tokenizer = AutoTokenizer.from_pretrained(smollm2)
    for task in ("tags", "values", "formula_construction", "formula_calculation"):
        targets = [row["target"] for split in ("train", "test")
                   for row in finlora_format.read(finlora_format.path(xbrl_build, task, split))]
        longest = max(len(tokenizer(" " + target).input_ids) for target in targets)
        assert longest <= REGISTRY.datasets[task].max_new_tokens, task
