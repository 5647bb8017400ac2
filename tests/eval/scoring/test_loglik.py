"""Log-likelihood scoring on hand-computed cases: the raw and the per-byte choice, and their metrics."""
from __future__ import annotations

import pytest

from finlora_eval.registry import load_registry
from finlora_eval.scoring import loglik

REGISTRY = load_registry()


def test_the_per_byte_choice_can_differ_from_the_raw_one():
    # "no" (2 bytes) at -3.0 beats "neutral" (7 bytes) at -6.0 by the sum; per byte -1.5 loses to -0.857.
    labels = ("no", "neutral")
    assert loglik.predictions(labels, [[-3.0, -6.0]], "raw") == ["no"]
    assert loglik.predictions(labels, [[-3.0, -6.0]], "normalised") == ["neutral"]
    assert loglik.predictions(labels, [[-2.0, -2.0]], "raw") == ["no"]  # a tie: the first label


def test_metrics_and_intervals_of_the_choices():
    labels = ("negative", "neutral", "positive")
    logprobs = [[-1.0, -2.0, -3.0], [-3.0, -1.0, -2.0], [-2.0, -3.0, -1.0], [-1.0, -3.0, -2.0]]
    scored = loglik.score(labels, logprobs, ["negative", "Neutral", "negative", "positive"], resamples=200)
    # Predicted negative, neutral, positive, negative: 2 of 4 right (the target's case does not matter).
    raw = scored["raw"]
    assert raw["accuracy"] == 0.5 and scored["n"] == 4 and scored["choices"] == list(labels)
    # Per-class F1: negative 2*1/(2+2) = 0.5 (support 2), neutral 1.0 (1), positive 0.0 (1); weighted 2/4.
    assert raw["f1"] == pytest.approx((0.5 * 2 + 1.0) / 4) and raw["macro_f1"] == pytest.approx(1.5 / 3)
    low, high = raw["intervals"]["accuracy"]
    assert 0.0 <= low <= 0.5 <= high <= 1.0
    assert scored["normalised"]["accuracy"] == 0.5  # 8, 7 and 8 bytes: the same choices here


def test_only_closed_label_sets_have_choices():
    assert loglik.choices(REGISTRY.datasets["fpb"]) == ("negative", "neutral", "positive")
    assert loglik.choices(REGISTRY.datasets["headline"]) == ("No", "Yes")
    assert loglik.choices(REGISTRY.datasets["finer"]) is None and loglik.choices(REGISTRY.datasets["values"]) is None
