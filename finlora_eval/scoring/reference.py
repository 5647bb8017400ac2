"""The reference scorer: the FinLoRA benchmark's own scoring, rule for rule.

1. The answer is the text after the last `Answer:` of the output (all of it when
   there is none), stripped.
2. The label set is the set of distinct targets of the examples scored.
3. Among the labels that occur in the lower-cased answer as substrings, the one
   whose first occurrence is earliest is the predicted label. The reference
   breaks ties by Python's set order, which changes between processes; here
   the longest label wins, so a score never depends on the process.
4. The example is correct when that label equals the (lower-cased) target; the
   prediction then becomes the target, otherwise it stays the raw answer.
5. Accuracy is the share correct; F1 is scikit-learn's weighted F1 over the
   targets and those predictions. (Macro-F1 over the target labels is added.)
6. FiNER and FNXL answers are comma-separated lists, scored item by item: each
   item is stripped with newlines removed, and the answer list is cut or padded
   with empty items to the target's length.
7. XBRL Term and FinanceBench use BERTScore F1 (finlora_eval.scoring.bertscore).

The reference applies rule 1 to the decoded prompt plus output; here it applies to
the output alone, which is the same for every prompt that ends with `Answer:`.
"""
from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Sequence

from sklearn.metrics import f1_score

CUE = "Answer:"


def extract_answer(output: str) -> str:
    return output.split(CUE)[-1].strip()


def earliest_label(answer: str, labels: Sequence[str]) -> str | None:
    """The lower-cased label that occurs first in the lower-cased answer (longest on a tie), or None."""
    text = answer.lower()
    found = [(text.find(label), -len(label), label) for label in {label.lower() for label in labels}]
    hits = sorted(hit for hit in found if hit[0] != -1)
    return hits[0][2] if hits else None


def split_items(answer: str, targets: str) -> tuple[list[str], list[str]]:
    """One answer and its target as aligned item lists, the reference's way."""
    items = [item.strip().replace("\n", "") for item in answer.split(",")]
    expected = [item.strip().replace("\n", "") for item in targets.split(",")]
    items = (items + [""] * len(expected))[:len(expected)]
    return items, expected


def _f1(targets: Sequence[str], predictions: Sequence[str], labels: Sequence[str]) -> dict:
    targets, predictions = list(targets), list(predictions)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # labels never predicted: F1 0 for them, as in the reference
        return {"f1": float(f1_score(targets, predictions, average="weighted", zero_division=0)),
                "macro_f1": float(f1_score(targets, predictions, labels=list(labels), average="macro",
                                           zero_division=0))}


def score_labels(answers: Sequence[str], targets: Sequence[str]) -> dict:
    """Accuracy and weighted F1 of already extracted answers (rules 2 to 5), plus macro-F1 over the target labels
    and the same figures for always answering the most frequent target (`majority`), for context."""
    labels = sorted(set(targets))
    hits = [earliest_label(answer, labels) == target.lower() for answer, target in zip(answers, targets, strict=True)]
    predictions = [target if hit else answer for hit, answer, target in zip(hits, answers, targets)]
    correct = sum(hits)
    majority, majority_count = Counter(targets).most_common(1)[0]
    return {"accuracy": correct / len(targets), **_f1(targets, predictions, labels), "n": len(targets),
            "correct": correct,
            "majority": {"label": majority, "accuracy": majority_count / len(targets),
                         **_f1(targets, [majority] * len(targets), labels)}}


def score_items(answers: Sequence[str], targets: Sequence[str]) -> dict:
    """Rule 6, then rules 2 to 5 over the items."""
    flat_answers: list[str] = []
    flat_targets: list[str] = []
    for answer, target in zip(answers, targets, strict=True):
        items, expected = split_items(answer, target)
        flat_answers += items
        flat_targets += expected
    return score_labels(flat_answers, flat_targets) | {"items": len(flat_targets), "n": len(targets)}
