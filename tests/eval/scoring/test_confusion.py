"""Weighted F1, macro-F1 and MCC from a confusion matrix equal scikit-learn's on the same answers."""
import random
import warnings

import pytest
from sklearn.metrics import f1_score, matthews_corrcoef

from finlora_eval.scoring.confusion import encode, macro_f1, mcc, weighted_f1


def _cases():
    rng = random.Random(0)
    labels = ["negative", "neutral", "positive"]
    for size in (1, 2, 7, 50, 300):
        truths = [rng.choice(labels) for _ in range(size)]
        # Predictions: labels, free-text answers (the reference scorer keeps a wrong answer as it is), constants.
        yield truths, [rng.choice(labels + ["up", "no idea", "<missing>"]) for _ in range(size)]
        yield truths, ["<missing>"] * size
        yield truths, list(truths)


@pytest.mark.parametrize("case", list(_cases()))
def test_the_figures_are_scikit_learns(case):
    truths, predictions = case
    labels = sorted(set(truths)) + ["unused label"]
    coded = encode(truths, predictions, labels)
    lumped = encode(truths, predictions, labels, lump=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        weighted = f1_score(truths, predictions, average="weighted", zero_division=0)
        macro = f1_score(truths, predictions, labels=labels, average="macro", zero_division=0)
        correlation = matthews_corrcoef(truths, predictions)
    assert weighted_f1(coded.matrix()) == pytest.approx(weighted, abs=1e-12)
    assert macro_f1(coded.matrix(), coded.labels) == pytest.approx(macro, abs=1e-12)
    assert mcc(coded.matrix()) == pytest.approx(correlation, abs=1e-12)
    # Lumping the predictions that are no label and no truth changes neither F1.
    assert weighted_f1(lumped.matrix()) == pytest.approx(weighted, abs=1e-12)
    assert macro_f1(lumped.matrix(), lumped.labels) == pytest.approx(macro, abs=1e-12)


def test_a_matrix_of_some_items_counts_those_items_with_repeats():
    coded = encode(["a", "b", "a"], ["a", "a", "b"], ["a", "b"])
    assert coded.matrix().tolist() == [[1, 1], [1, 0]]
    assert coded.matrix([0, 0, 1]).tolist() == [[2, 0], [1, 0]]
