"""What kind of mistake an XBRL analysis answer makes, judged with the strict scorer's reading of the answer.

    tags                  right; a tag of the same family (one name extends the other, e.g. NetIncomeLoss and
                          NetIncomeLossAvailableToCommonStockholdersBasic); another tag; no tag
    values                right; the right digits at the wrong scale (a power of ten off); the wrong sign;
                          another number; no number
    formula_construction  right; the right shape with other tags; another expression; no expression
    formula_calculation   right; the right operands with other arithmetic; a value within 1% of the right one
                          (rounding or arithmetic slip); another value; no value
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from decimal import Decimal

from finlora_eval.registry import DatasetSpec
from finlora_eval.scoring.strict import evaluate_arithmetic, parse_number, strict_answer
from xbrlkit.datasets.formulas import evaluate_arithmetic as exact_value

_TAG = re.compile(r"us-gaap:[a-z0-9]+", re.IGNORECASE)
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def _within(value: Decimal, expected: Decimal, spec: DatasetSpec) -> bool:
    rel, absolute = Decimal(str(spec.tolerance.rel)), Decimal(str(spec.tolerance.abs))
    return abs(value - expected) <= max(rel * abs(expected), absolute)


def _tag(answer: str, target: str) -> str:
    if answer == target.lower():
        return "right"
    found = _TAG.search(answer)
    if not found:
        return "no tag"
    given, wanted = found.group(0).lower(), target.lower()
    return "same tag family" if given.startswith(wanted) or wanted.startswith(given) else "other tag"


def _value(answer: str, target: str, spec: DatasetSpec) -> str:
    value, expected = parse_number(answer), parse_number(target)
    if value is None:
        return "no number"
    if _within(value, expected, spec):
        return "right"
    if expected and value == -expected:
        return "wrong sign"
    if value and expected and (abs(expected / value)).log10() % 1 == 0:
        return "wrong scale"
    return "other number"


def _shape(expression: str) -> str:
    return _TAG.sub("T", re.sub(r"\s+", "", expression.lower()))


def _formula(answer: str, target: str) -> str:
    squashed, wanted = re.sub(r"\s+", "", answer), re.sub(r"\s+", "", target.lower())
    if squashed == wanted:
        return "right"
    if not _TAG.search(answer):
        return "no expression"
    return "right shape, other tags" if _shape(answer) == _shape(target) else "other expression"


def _calculation(answer: str, target: str, spec: DatasetSpec) -> str:
    expected = exact_value(target)
    value = parse_number(answer)
    value = value if value is not None else evaluate_arithmetic(answer)
    if value is None:
        return "no value"
    if _within(value, expected, spec):
        return "right"
    if sorted(_NUMBER.findall(answer.replace(",", ""))) == sorted(_NUMBER.findall(target)):
        return "right operands, other arithmetic"
    return "within 1%, not the tolerance" if abs(value - expected) <= abs(expected) / 100 else "other value"


def classify(spec: DatasetSpec, output: str, target: str) -> str:
    """The error class of one raw model output for the dataset (tags, values, formula_construction or
    formula_calculation)."""
    answer = strict_answer(output)
    if spec.answer == "label":
        return _tag(answer, target)
    if spec.answer == "number":
        return _value(answer, target, spec)
    if spec.answer == "formula":
        return _formula(answer, target)
    if spec.answer == "arithmetic":
        return _calculation(answer, target, spec)
    raise ValueError(f"{spec.key} is not an XBRL analysis dataset")


def error_counts(spec: DatasetSpec, predictions: Iterable[dict]) -> Counter:
    """Error classes over prediction records ({output, target}, as a run folder's predictions/<key>.jsonl holds)."""
    return Counter(classify(spec, row["output"], row["target"]) for row in predictions)
