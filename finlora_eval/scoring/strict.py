"""The strict scorer: exact answers, numbers compared as numbers, unparseable output counted as missing.

The answer is the first non-empty line after the last `Answer:` of the output,
normalised: lower case, runs of whitespace as one space, no trailing period.
How it is compared depends on the dataset's answer type (registry `answer`):

- label: equal to the normalised target. Missing: not one of the labels (the
  registry's label space, else the distinct targets). Macro-F1 over the labels
  and MCC are reported alongside; a missing answer is a prediction of no label.
- tag_list: comma-separated labels, compared item by item like `label`; items
  beyond the answer's end are missing.
- number: the answer must be a number (a leading `$`, thousands separators and a
  trailing `%` allowed) within the dataset's tolerance of the target,
  `|a - t| <= max(rel * |t|, abs)`, compared as decimals. Missing: no number.
- arithmetic: the target is an expression over numbers (formula calculation);
  the answer may be a number or an expression, and both are evaluated.
- formula: an expression over tags, equal to the target once all whitespace is
  removed and case ignored. Missing: empty.
- text: exact match is reported, but the score is the BERTScore F1 of the
  answers, as in the reference. Missing: empty.
- choice, final_number (MMLU, GSM8K): the answer as finlora_eval.scoring.extract
  finds it strictly, then compared like a label or a number. Missing: not found.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal

import numpy as np

from finlora_eval.registry import DatasetSpec
from finlora_eval.scoring import extract
from finlora_eval.scoring.bootstrap import Outcomes, grouped, means
from finlora_eval.scoring.confusion import encode, macro_f1, mcc
from finlora_eval.scoring.reference import CUE
from xbrlkit.datasets import formulas

MISSING = "<missing>"
_NUMBER = re.compile(r"[-+]?\$?\s*(\d{1,3}(,\d{3})+|\d+)(\.\d+)?%?|[-+]?\$?\s*\.\d+%?")


def normalise(text: str) -> str:
    return " ".join(text.lower().split()).rstrip(".").rstrip()


def strict_answer(output: str) -> str:
    """The normalised first non-empty line after the last `Answer:`; empty when there is none."""
    lines = [line for line in output.split(CUE)[-1].splitlines() if line.strip()]
    return normalise(lines[0]) if lines else ""


def parse_number(text: str) -> Decimal | None:
    """The number the whole text spells (`$1,234.5`, `-3%`, `.5`), exactly, or None."""
    text = text.strip()
    if not _NUMBER.fullmatch(text):
        return None
    return Decimal(re.sub(r"[$,%\s]", "", text))


def evaluate_arithmetic(text: str) -> Decimal | None:
    """The exact value of an expression of numbers (thousands separators allowed), + - * / and parentheses, or None
    for anything else."""
    return formulas.evaluate_arithmetic(text.replace(",", ""))


def _classification(predictions: Sequence[str], truths: Sequence[str], labels: set[str],
                    sizes: Sequence[int]) -> Outcomes:
    predicted = [p if p in labels else MISSING for p in predictions]
    coded = encode(truths, predicted, sorted(labels))
    correct = np.array([p == t for p, t in zip(predicted, truths)], dtype=bool)
    missing = np.array([p == MISSING for p in predicted], dtype=bool)

    def compute(items: np.ndarray) -> dict[str, float]:
        matrix = coded.matrix(items)  # MCC and F1 of a constant prediction: 0, as scikit-learn defines them
        return {"accuracy": float(correct[items].mean()), "missing": float(missing[items].mean()),
                "macro_f1": macro_f1(matrix, coded.labels), "mcc": mcc(matrix)}

    return grouped(sizes, compute)


def _labels(spec: DatasetSpec, truths: Sequence[str]) -> set[str]:
    return {normalise(label) for label in spec.labels} if spec.labels else set(truths)


def _value(text: str, answer_type: str) -> Decimal | None:
    """A number; for arithmetic answers also the value of an expression."""
    number = parse_number(text)
    if number is None and answer_type == "arithmetic":
        number = evaluate_arithmetic(text)
    return number


def numeric(answers: Sequence[str], targets: Sequence[str], spec: DatasetSpec) -> Outcomes:
    """Accuracy and missing share of answers read as numbers (or expressions, for arithmetic) within tolerance."""
    # Decimal, so that an answer exactly at the tolerance (1.24 for 1.25 within 0.01) is inside it.
    rel, absolute = Decimal(str(spec.tolerance.rel)), Decimal(str(spec.tolerance.abs))
    correct, missing = [], []
    for answer, target in zip(answers, targets):
        expected = _value(target, spec.answer)
        if expected is None:
            raise ValueError(f"{spec.key}: target {target!r} is not a {spec.answer} answer")
        value = _value(answer, spec.answer)
        missing.append(value is None)
        correct.append(value is not None and abs(value - expected) <= max(rel * abs(expected), absolute))
    return means(accuracy=correct, missing=missing)


def outcomes(spec: DatasetSpec, outputs: Sequence[str], targets: Sequence[str]) -> Outcomes:
    """Strict outcomes of raw model outputs against targets, per example (per prompt for tag lists)."""
    answers = [strict_answer(output) for output in outputs]
    if spec.answer == "label":
        truths = [normalise(t) for t in targets]
        return _classification(answers, truths, _labels(spec, truths), [1] * len(truths))
    if spec.answer == "tag_list":
        predictions, truths, sizes = [], [], []
        for answer, target in zip(answers, targets, strict=True):
            expected = [normalise(item) for item in target.split(",")]
            given = [normalise(item) for item in answer.split(",")] if answer else []
            truths += expected
            predictions += (given + [MISSING] * len(expected))[:len(expected)]
            sizes.append(len(expected))
        return _classification(predictions, truths, _labels(spec, truths), sizes)
    if spec.answer in ("number", "arithmetic"):
        return numeric(answers, targets, spec)
    if spec.answer == "choice":
        truths = [normalise(t) for t in targets]
        letters = [extract.letter(output, strict=True).lower() for output in outputs]
        return _classification(letters, truths, _labels(spec, truths), [1] * len(truths))
    if spec.answer == "final_number":
        return numeric([extract.final_number(output, strict=True) for output in outputs], targets, spec)
    if spec.answer == "formula":
        squash = [re.sub(r"\s+", "", a) for a in answers]
        expected = [re.sub(r"\s+", "", t.lower()) for t in targets]
        return means(accuracy=[a == t for a, t in zip(squash, expected)], missing=[not a for a in squash])
    return means(exact_match=[a == normalise(t) for a, t in zip(answers, targets)], missing=[not a for a in answers])


def counts(spec: DatasetSpec, targets: Sequence[str]) -> dict[str, int]:
    """How many examples were scored, and for tag lists how many items."""
    if spec.answer == "tag_list":
        return {"n": len(targets), "items": sum(len(target.split(",")) for target in targets)}
    return {"n": len(targets)}


def score(spec: DatasetSpec, outputs: Sequence[str], targets: Sequence[str]) -> dict:
    """Strict metrics of raw model outputs against targets (BERTScore for text is added by the caller)."""
    return outcomes(spec, outputs, targets).metrics() | counts(spec, targets)
