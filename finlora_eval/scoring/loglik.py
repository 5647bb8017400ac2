"""Log-likelihood scoring of closed label sets: the label the model finds most likely after the prompt.

As lm-evaluation-harness scores its multiple-choice tasks: each label of the
dataset's label set (registry `labels`) is a continuation of the prompt, and the
prediction is the label with the highest sum of token log-probabilities (`raw`),
or the highest sum divided by the label's length in UTF-8 bytes (`normalised`,
lm-eval's acc_norm, which stops long labels from losing for their length alone).
The backend computes the log-probabilities (`Backend.choice_logprobs`). Both
predictions are scored like labels: accuracy, weighted and macro-F1, with
bootstrap intervals over the examples. These scores sit beside the generation
scores of the same run; they never replace them.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from finlora_eval.registry import DatasetSpec
from finlora_eval.scoring.bootstrap import RESAMPLES, SEED, Outcomes, intervals
from finlora_eval.scoring.confusion import encode, macro_f1, weighted_f1

NORMS = ("raw", "normalised")


def choices(spec: DatasetSpec) -> tuple[str, ...] | None:
    """The continuations to compare: the dataset's closed label set (MMLU's letters too), or None where it has
    none."""
    return spec.labels if spec.answer in ("label", "choice") and spec.labels else None


def predictions(labels: Sequence[str], logprobs: Sequence[Sequence[float]], norm: str) -> list[str]:
    """Per example, the label of the highest log-probability (`raw`) or log-probability per byte (`normalised`);
    the first such label on a tie."""
    scale = np.array([len(label.encode("utf-8")) if norm == "normalised" else 1 for label in labels], dtype=float)
    return [labels[int(np.argmax(np.asarray(row, dtype=float) / scale))] for row in logprobs]


def outcomes(labels: Sequence[str], predicted: Sequence[str], targets: Sequence[str]) -> Outcomes:
    """Accuracy, weighted F1 and macro-F1 of label predictions, compared case-blind with the targets."""
    folded = {label.lower(): label for label in labels}
    truths = [folded.get(target.lower(), target) for target in targets]
    hits = np.array([p == t for p, t in zip(predicted, truths, strict=True)], dtype=bool)
    coded = encode(truths, predicted, list(labels))

    def compute(items: np.ndarray) -> dict[str, float]:
        matrix = coded.matrix(items)
        return {"accuracy": float(hits[items].mean()), "f1": weighted_f1(matrix),
                "macro_f1": macro_f1(matrix, coded.labels)}

    return Outcomes(len(targets), compute)


def score(labels: Sequence[str], logprobs: Sequence[Sequence[float]], targets: Sequence[str],
          resamples: int = RESAMPLES, seed: int = SEED) -> dict:
    """{"choices", "n", "raw": metrics, "normalised": metrics}, each metric set with its `intervals`."""
    scored = {"choices": list(labels), "n": len(targets)}
    for norm in NORMS:
        found = outcomes(labels, predictions(labels, logprobs, norm), targets)
        scored[norm] = found.metrics() | {"intervals": intervals(found, resamples, seed)}
    return scored
