"""Classification metrics from a confusion matrix: weighted F1, macro-F1 and MCC, as scikit-learn defines them
(`f1_score(average="weighted" | "macro", zero_division=0)`, `matthews_corrcoef`).

They are computed here, not by scikit-learn, because the bootstrap recomputes them on every resample: 1,000
resamples of four metrics per dataset cost about 4,000 scikit-learn calls of about 1 ms each (its input checks),
against microseconds for a matrix counted with numpy. tests/eval/scoring/test_confusion.py checks the figures
against scikit-learn's.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Coded:
    """Truths and predictions as integer codes: the `labels` first, in their order, then every other value."""
    truth: np.ndarray
    prediction: np.ndarray
    labels: int
    size: int

    def matrix(self, items: np.ndarray | None = None) -> np.ndarray:
        """The confusion matrix (rows: truth, columns: prediction) of the items at these indices (default: all)."""
        truth, prediction = (self.truth, self.prediction) if items is None else (self.truth[items],
                                                                                  self.prediction[items])
        return np.bincount(truth * self.size + prediction, minlength=self.size ** 2).reshape(self.size, self.size)


def encode(truths: Sequence[str], predictions: Sequence[str], labels: Sequence[str], lump: bool = False) -> Coded:
    """Codes for truths and predictions. With `lump`, every prediction that is neither a label nor a truth gets one
    shared code: exact for both F1s (such a class has no support, so no weight, and is never a label), not for MCC."""
    codes = {label: i for i, label in enumerate(labels)}
    for value in truths:
        codes.setdefault(value, len(codes))
    lumped = len(codes)
    if not lump:
        for value in predictions:
            codes.setdefault(value, len(codes))
    return Coded(np.array([codes[v] for v in truths], dtype=np.int64),
                 np.array([codes.get(v, lumped) for v in predictions], dtype=np.int64), len(labels),
                 len(codes) + (1 if lump else 0))


def _per_class_f1(matrix: np.ndarray) -> np.ndarray:
    true_positive = np.diag(matrix).astype(float)
    denominator = matrix.sum(axis=0) + matrix.sum(axis=1)  # 2 tp + fp + fn
    return np.divide(2 * true_positive, denominator, out=np.zeros_like(true_positive), where=denominator > 0)


def weighted_f1(matrix: np.ndarray) -> float:
    support = matrix.sum(axis=1)
    return float((_per_class_f1(matrix) * support).sum() / support.sum()) if support.sum() else 0.0


def macro_f1(matrix: np.ndarray, labels: int) -> float:
    """The mean F1 of the first `labels` classes."""
    return float(_per_class_f1(matrix)[:labels].mean()) if labels else 0.0


def mcc(matrix: np.ndarray) -> float:
    truth, predicted = matrix.sum(axis=1).astype(float), matrix.sum(axis=0).astype(float)
    total, correct = truth.sum(), float(np.trace(matrix))
    covariance = correct * total - truth @ predicted
    spread = (total ** 2 - predicted @ predicted) * (total ** 2 - truth @ truth)
    return float(covariance / np.sqrt(spread)) if spread > 0 else 0.0
