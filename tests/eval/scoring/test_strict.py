"""The strict scorer, rule by rule, against hand-computed values."""
from __future__ import annotations

import math
from decimal import Decimal

import pytest

from finlora_eval.registry import load_registry
from finlora_eval.scoring.strict import evaluate_arithmetic, normalise, parse_number, score, strict_answer

DATASETS = load_registry().datasets


@pytest.mark.parametrize("text, expected", [
    ("  Positive. ", "positive"),
    ("Strong\t  Negative", "strong negative"),
    ("neutral...", "neutral"),
    ("U.S.", "u.s"),
])
def test_normalisation(text, expected):
    assert normalise(text) == expected


def test_the_answer_is_the_first_line_after_the_last_cue():
    assert strict_answer("\nPositive\n\nOutput: more") == "positive"
    assert strict_answer("Answer: a\nAnswer:  \n B. \nc") == "b"
    assert strict_answer("   \n") == ""


def test_labels_macro_f1_and_mcc_by_hand():
    targets = ["positive", "negative", "neutral", "positive"]
    outputs = ["Positive", "negative.", "bullish", "neutral\nbecause"]
    # Predictions: positive (right), negative (right), missing (not a label), neutral (wrong).
    # F1: negative 1, neutral 0, positive P=1 R=1/2 -> 2/3; macro = 5/9.
    # MCC = (c*s - sum p_k t_k) / sqrt((s^2 - sum p_k^2)(s^2 - sum t_k^2)) with c=2, s=4,
    # t = (pos 2, neg 1, neu 1), p = (pos 1, neg 1, neu 1, missing 1): (8 - 4) / sqrt(12 * 10).
    scored = score(DATASETS["fpb"], outputs, targets)
    assert scored["accuracy"] == 0.5 and scored["missing"] == 0.25
    assert scored["macro_f1"] == pytest.approx(5 / 9)
    assert scored["mcc"] == pytest.approx(4 / math.sqrt(120))


def test_the_label_space_comes_from_the_registry():
    # NWGI has 7 labels; "mildly positive" is one even though no target here uses it.
    scored = score(DATASETS["nwgi"], ["Mildly Positive", "very good"], ["neutral", "neutral"])
    assert scored["missing"] == 0.5 and scored["accuracy"] == 0.0


@pytest.mark.parametrize("text, value", [
    ("15092.44", "15092.44"), ("$1,234.5", "1234.5"), ("-3%", "-3"), (".5", "0.5"), ("+7", "7"),
    ("62,611,000,000", "62611000000"),
    ("1,23", None), ("about 5", None), ("5 million", None), ("", None), ("1.2.3", None),
])
def test_numbers(text, value):
    assert parse_number(text) == (Decimal(value) if value else None)


@pytest.mark.parametrize("text, value", [
    ("143566000000 / 145308000000", 143566000000 / 145308000000),
    ("(169148000000 / 383285000000) * 100", 169148000000 / 383285000000 * 100),
    ("-(2 - 5)", 3.0), ("1,000 + 1", 1001.0), ("7", 7.0),
])
def test_arithmetic(text, value):
    assert float(evaluate_arithmetic(text)) == pytest.approx(value)


@pytest.mark.parametrize("text", ["2 ** 10", "__import__('os')", "x + 1", "1 / 0", "us-gaap:Assets / 2", "'5'"])
def test_anything_but_arithmetic_is_refused(text):
    assert evaluate_arithmetic(text) is None


def test_numeric_tolerance():
    values = DATASETS["values"]  # rel 0.001, abs 0
    outputs = ["62,611,000,000", "62,650,000,000", "62,700,000,000", "sixty billion"]
    scored = score(values, outputs, ["62611000000"] * 4)
    # exact; 0.06% off (inside 0.1%); 0.14% off (outside); not a number (missing).
    assert scored["accuracy"] == 0.5 and scored["missing"] == 0.25
    math_spec = DATASETS["financial_math"]  # rel 0.001, abs 0.01
    assert score(math_spec, ["1.24", "1.25", "1.3"], ["1.25"] * 3)["accuracy"] == pytest.approx(2 / 3)


def test_formula_calculation_accepts_a_value_or_an_expression():
    spec = DATASETS["formula_calculation"]
    target = "(143566000000 - 6331000000) / 145308000000"
    outputs = ["0.9444", "(143566000000-6331000000)/145308000000", "143566000000 / 145308000000", "ratio: 0.94"]
    scored = score(spec, outputs, [target] * 4)
    assert scored["accuracy"] == 0.5 and scored["missing"] == 0.25


def test_formula_construction_ignores_whitespace_and_case():
    spec = DATASETS["formula_construction"]
    target = "(us-gaap:AssetsCurrent - us-gaap:InventoryNet) / us-gaap:LiabilitiesCurrent"
    outputs = ["(US-GAAP:AssetsCurrent-us-gaap:InventoryNet)/us-gaap:LiabilitiesCurrent",
               "us-gaap:AssetsCurrent / us-gaap:LiabilitiesCurrent", "\n"]
    scored = score(spec, outputs, [target] * 3)
    assert scored["accuracy"] == pytest.approx(1 / 3) and scored["missing"] == pytest.approx(1 / 3)


def test_tag_lists_item_by_item_with_missing_items():
    spec = DATASETS["fnxl"]
    # Items: Goodwill right, Cash wrong (a label, not this one), [missing], [missing]; Revenue right.
    scored = score(spec, ["Goodwill, Cash", "Revenue"], ["Goodwill,Revenue,Cash,Debt", "Revenue"])
    assert scored["items"] == 5 and scored["n"] == 2
    assert scored["accuracy"] == pytest.approx(2 / 5) and scored["missing"] == pytest.approx(2 / 5)


def test_text_is_exact_match_with_missing_share():
    scored = score(DATASETS["xbrl_term"], ["Amount of cash.", "", "Other text"], ["amount of  cash"] * 3)
    assert scored["exact_match"] == pytest.approx(1 / 3) and scored["missing"] == pytest.approx(1 / 3)
