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
5. Accuracy is the share correct; F1 is the weighted F1 (scikit-learn's definition,
   finlora_eval.scoring.confusion) over the targets and those predictions. (Macro-F1 over the target labels is added.)
6. FiNER and FNXL answers are comma-separated lists, scored item by item: each
   item is stripped with newlines removed, and the answer list is cut or padded
   with empty items to the target's length.
7. XBRL Term and FinanceBench use BERTScore F1 (finlora_eval.scoring.bertscore).

The reference applies rule 1 to the decoded prompt plus output; here it applies to
the output alone, which is the same for every prompt that ends with `Answer:`.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

from finlora_eval.scoring.bootstrap import Outcomes, grouped
from finlora_eval.scoring.confusion import encode, macro_f1, weighted_f1

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


def _f1(matrix: np.ndarray, labels: int) -> dict[str, float]:
    return {"f1": weighted_f1(matrix), "macro_f1": macro_f1(matrix, labels)}


def label_outcomes(answers: Sequence[str], targets: Sequence[str], sizes: Sequence[int] | None = None) -> Outcomes:
    """Rules 2 to 5 on already extracted answers, as outcomes over units of `sizes` consecutive answers (default:
    one each): accuracy, weighted F1 and macro-F1 over the label set of all targets."""
    labels = sorted(set(targets))
    hits = np.array([earliest_label(answer, labels) == target.lower()
                     for answer, target in zip(answers, targets, strict=True)], dtype=bool)
    predictions = [target if hit else answer for hit, answer, target in zip(hits, answers, targets)]
    coded = encode(targets, predictions, labels, lump=True)

    def compute(items: np.ndarray) -> dict[str, float]:
        return {"accuracy": float(hits[items].mean()), **_f1(coded.matrix(items), coded.labels)}

    return grouped(sizes if sizes is not None else [1] * len(targets), compute)


def score_labels(answers: Sequence[str], targets: Sequence[str]) -> dict:
    """The metrics of `label_outcomes`, with the count right and the same figures for always answering the most
    frequent target (`majority`), for context."""
    labels = sorted(set(targets))
    majority, majority_count = Counter(targets).most_common(1)[0]
    correct = sum(earliest_label(answer, labels) == target.lower() for answer, target in zip(answers, targets))
    return label_outcomes(answers, targets).metrics() | {
        "n": len(targets), "correct": correct,
        "majority": {"label": majority, "accuracy": majority_count / len(targets),
                     **_f1(encode(targets, [majority] * len(targets), labels).matrix(), len(labels))}}


def _items(answers: Sequence[str], targets: Sequence[str]) -> tuple[list[str], list[str], list[int]]:
    """Rule 6: the answers' and targets' items, flat, and the number of items of each prompt."""
    flat_answers: list[str] = []
    flat_targets: list[str] = []
    sizes = []
    for answer, target in zip(answers, targets, strict=True):
        items, expected = split_items(answer, target)
        flat_answers += items
        flat_targets += expected
        sizes.append(len(expected))
    return flat_answers, flat_targets, sizes


def item_outcomes(answers: Sequence[str], targets: Sequence[str]) -> Outcomes:
    """Rule 6, then rules 2 to 5 over the items, as outcomes over the prompts."""
    return label_outcomes(*_items(answers, targets))


def score_items(answers: Sequence[str], targets: Sequence[str]) -> dict:
    """Rule 6, then rules 2 to 5 over the items."""
    flat_answers, flat_targets, _ = _items(answers, targets)
    return score_labels(flat_answers, flat_targets) | {"items": len(flat_targets), "n": len(targets)}
