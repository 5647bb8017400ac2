"""Both scorers on one dataset, each dataset's headline score, and the overall average.

A dataset's headline score (0 to 100) is its accuracy in %, or its BERTScore F1
x 100 for the BERTScore datasets, under each scorer; the overall average is the
plain mean of the headline scores over the datasets scored, as in the reference.
"""
from __future__ import annotations

from collections.abc import Sequence
from statistics import fmean

from finlora_eval.registry import DatasetSpec
from finlora_eval.scoring import reference, strict
from finlora_eval.scoring.bertscore import BertScorer

SCORERS = ("reference", "strict")


def _bertscore(scorer: BertScorer, answers: Sequence[str], targets: Sequence[str]) -> dict:
    pairs = scorer.score(answers, targets)
    return {"bertscore_precision": fmean(p.precision for p in pairs),
            "bertscore_recall": fmean(p.recall for p in pairs),
            "bertscore_f1": fmean(p.f1 for p in pairs), "bertscore_model": scorer.name}


def score_dataset(spec: DatasetSpec, outputs: Sequence[str], targets: Sequence[str],
                  bertscorer: BertScorer | None = None) -> dict:
    """{"reference": metrics, "strict": metrics, "score": {scorer: headline score}} for raw model outputs."""
    answers = [reference.extract_answer(output) for output in outputs]
    strict_metrics = strict.score(spec, outputs, targets)
    if spec.metric == "bertscore":
        if bertscorer is None:
            raise ValueError(f"{spec.key} is scored with BERTScore: pass a scorer")
        reference_metrics = _bertscore(bertscorer, answers, targets) | {"n": len(targets)}
        strict_metrics["bertscore_f1"] = reference_metrics["bertscore_f1"]
        headline = dict.fromkeys(("reference", "strict"), 100 * reference_metrics["bertscore_f1"])
    else:
        score = reference.score_items if spec.answer == "tag_list" else reference.score_labels
        reference_metrics = score(answers, targets)
        headline = {"reference": 100 * reference_metrics["accuracy"], "strict": 100 * strict_metrics["accuracy"]}
    return {"reference": reference_metrics, "strict": strict_metrics, "score": headline}


def overall(scored: Sequence[dict]) -> dict[str, float | None]:
    """The mean headline score per scorer over the scored datasets (None when there are none)."""
    return {name: fmean(s["score"][name] for s in scored) if scored else None for name in SCORERS}
