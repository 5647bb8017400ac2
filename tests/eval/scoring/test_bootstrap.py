"""Bootstrap intervals on crafted cases whose percentiles follow from the binomial distribution, and the intervals
that score_dataset writes."""
import numpy as np
import pytest

from finlora_eval.registry import load_registry
from finlora_eval.scoring import score_dataset
from finlora_eval.scoring.bootstrap import grouped, intervals, means, paired
from finlora_eval.scoring.reference import item_outcomes

REGISTRY = load_registry()


def test_five_right_of_ten_gives_the_binomial_percentiles():
    # A resample's accuracy is Binomial(10, 0.5) / 10: P(X <= 1) = 1.1% and P(X <= 2) = 5.5% put the 2.5th
    # percentile at 0.2, and by symmetry the 97.5th at 0.8.
    assert intervals(means(accuracy=[1, 0] * 5))["accuracy"] == [0.2, 0.8]


def test_a_constant_outcome_has_a_point_interval_and_one_unit_none():
    assert intervals(means(accuracy=[0] * 12))["accuracy"] == [0.0, 0.0]
    assert intervals(means(accuracy=[1]))["accuracy"] is None


def test_the_interval_is_seeded():
    outcomes = means(bertscore_f1=np.random.default_rng(3).random(40))
    assert intervals(outcomes, seed=1) == intervals(outcomes, seed=1)
    assert intervals(outcomes, seed=1) != intervals(outcomes, seed=2)


def test_tag_lists_resample_prompts_not_items():
    # Ten prompts of two tags each, five answered all right and five all wrong: over prompts the interval is that of
    # 5 of 10, [0.2, 0.8]; over the 20 items it would be Binomial(20, 0.5) / 20's, [0.3, 0.7].
    targets = ["A, B"] * 10
    answers = ["A, B"] * 5 + ["C, D"] * 5
    assert item_outcomes(answers, targets).units == 10
    assert intervals(item_outcomes(answers, targets))["accuracy"] == [0.2, 0.8]
    items = grouped([1] * 20, lambda i: {"accuracy": float(np.array([1, 1] * 5 + [0, 0] * 5)[i].mean())})
    assert intervals(items)["accuracy"] == [0.3, 0.7]


def test_a_paired_difference_resamples_both_runs_together():
    # The runs differ on 2 of 10 units, where `after` is right: a resample's difference is Binomial(10, 0.2) / 10,
    # whose 2.5th and 97.5th percentiles are 0 (P(X = 0) = 10.7%) and 0.5 (P(X <= 4) = 96.7%, P(X <= 5) = 99.4%).
    before = means(accuracy=[0, 0, 1, 1, 1, 0, 0, 1, 0, 1])
    after = means(accuracy=[1, 1, 1, 1, 1, 0, 0, 1, 0, 1])
    difference = paired(after, before)["accuracy"]
    assert difference["difference"] == pytest.approx(0.2)
    assert difference["interval"] == [0.0, 0.5] and difference["includes_zero"] is True
    with pytest.raises(ValueError, match="same units"):
        paired(after, means(accuracy=[1, 0]))


def test_score_dataset_gives_every_metric_an_interval_around_it():
    fpb = REGISTRY.datasets["fpb"]
    targets = ["positive", "negative", "neutral"] * 10
    outputs = ["Answer: positive"] * 15 + ["negative"] * 15
    scored = score_dataset(fpb, outputs, targets)
    assert set(scored["reference"]["intervals"]) == {"accuracy", "f1", "macro_f1"}
    assert set(scored["strict"]["intervals"]) == {"accuracy", "macro_f1", "mcc"}
    for scorer in ("reference", "strict"):
        for name, (low, high) in scored[scorer]["intervals"].items():
            assert low <= scored[scorer][name] <= high and low < high
    low, high = scored["score_interval"]["reference"]
    assert low <= scored["score"]["reference"] <= high
