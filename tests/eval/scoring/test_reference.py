"""The reference scorer, rule by rule, against hand-computed values."""
from __future__ import annotations

import pytest

from finlora_eval.registry import load_registry
from finlora_eval.scoring import overall, score_dataset
from finlora_eval.scoring.reference import earliest_label, extract_answer, score_items, score_labels, split_items

REGISTRY = load_registry()


@pytest.mark.parametrize("output, answer", [
    ("positive", "positive"),
    ("  Answer: negative \n", "negative"),
    ("The news. Answer: neutral. Answer: positive", "positive"),  # the last cue wins
    ("answer: positive", "answer: positive"),  # the cue is case-sensitive, as in the reference
    ("Answer:", ""),
])
def test_answer_is_the_text_after_the_last_cue(output, answer):
    assert extract_answer(output) == answer


def test_earliest_occurring_label_wins():
    labels = ["negative", "neutral", "positive"]
    assert earliest_label("Neutral, maybe negative", labels) == "neutral"
    assert earliest_label("not positive but NEGATIVE", labels) == "positive"
    assert earliest_label("no sentiment word", labels) is None
    assert earliest_label("xpositivex", labels) == "positive"  # a substring, not a word, is enough


def test_a_tie_goes_to_the_longest_label():
    assert earliest_label("GoodwillImpairmentLoss, Goodwill", ["Goodwill", "GoodwillImpairmentLoss"]) \
        == "goodwillimpairmentloss"


def test_accuracy_and_weighted_f1_by_hand():
    targets = ["positive", "negative", "neutral", "positive"]
    answers = ["Positive!", "neutral or negative", "I think neutral", "blah"]
    # 1: correct -> "positive"; 2: neutral comes first -> wrong, stays raw; 3: correct -> "neutral"; 4: wrong, raw.
    # Per class over the true labels: positive P=1 R=1/2 F1=2/3 (support 2), negative F1=0 (1), neutral F1=1 (1).
    scored = score_labels(answers, targets)
    assert scored["accuracy"] == 0.5 and scored["correct"] == 2 and scored["n"] == 4
    assert scored["f1"] == pytest.approx((2 * 2 / 3 + 0 + 1) / 4)
    assert scored["macro_f1"] == pytest.approx((2 / 3 + 0 + 1) / 3)
    # Always "positive": positive P=1/2 R=1 F1=2/3, the others 0.
    assert scored["majority"] == {"label": "positive", "accuracy": 0.5, "f1": pytest.approx(2 / 3 / 2),
                                  "macro_f1": pytest.approx(2 / 3 / 3)}


def test_the_label_set_is_the_distinct_targets_only():
    # "negative" is not a target here, so "negative, neutral" predicts neutral: correct.
    assert score_labels(["negative, neutral"], ["neutral"])["accuracy"] == 1.0


def test_a_correct_prediction_becomes_the_target():
    # Different raw outputs that all name the target score as one class: F1 1.
    scored = score_labels(["positive.", "It is POSITIVE", "positive"], ["positive"] * 3)
    assert scored["accuracy"] == 1.0 and scored["f1"] == 1.0


def test_items_are_cut_or_padded_to_the_target():
    assert split_items(" a, X\n,extra", "A,B") == (["a", "X"], ["A", "B"])
    assert split_items("C", "C,D") == (["C", ""], ["C", "D"])
    assert split_items("Goodw\nill", "Goodwill") == (["Goodwill"], ["Goodwill"])


def test_tag_lists_are_scored_item_by_item():
    # Items: a~A correct, X wrong, C correct, "" (padding) wrong: accuracy 2/4.
    # F1 per true tag: A 1, B 0, C 1, D 0, each support 1: weighted 0.5.
    scored = score_items(["a, X", "C"], ["A,B", "C,D"])
    assert scored["accuracy"] == 0.5 and scored["f1"] == 0.5
    assert scored["items"] == 4 and scored["n"] == 2


def test_headline_scores_and_overall_average(minilm):
    fpb, xbrl_term = REGISTRY.datasets["fpb"], REGISTRY.datasets["xbrl_term"]
    label = score_dataset(fpb, ["Answer: positive", "negative", "positive"], ["positive", "negative", "neutral"])
    assert label["score"]["reference"] == pytest.approx(100 * 2 / 3)
    text = score_dataset(xbrl_term, ["Draft. Answer: Cash held at the end of the period."],
                         ["Cash held at the end of the period."], minilm)
    assert text["reference"]["bertscore_f1"] == pytest.approx(1.0, abs=1e-5)
    assert text["score"] == pytest.approx({"reference": 100.0, "strict": 100.0}, abs=1e-3)
    assert text["reference"]["bertscore_model"] == "all-minilm-l6-v2 (layer 6)"
    averages = overall([label, text])
    assert averages["reference"] == pytest.approx((100 * 2 / 3 + 100) / 2, abs=1e-3)
    assert overall([]) == {"reference": None, "strict": None}
