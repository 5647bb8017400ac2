"""Both scorers on one dataset, each dataset's headline score, and the overall average.

A dataset's headline score (0 to 100) is its accuracy in %, or its BERTScore F1
x 100 for the BERTScore datasets, under each scorer; the overall average is the
plain mean of the headline scores over the datasets scored, as in the reference.
"""
from __future__ import annotations

from collections.abc import Sequence
from statistics import fmean

from finlora_eval.registry import DatasetSpec
from finlora_eval.scoring import extract, reference, strict
from finlora_eval.scoring.bertscore import BertScorer
from finlora_eval.scoring.bootstrap import RESAMPLES, SEED, Outcomes, intervals, means

SCORERS = ("reference", "strict")


def _reference_answers(spec: DatasetSpec, outputs: Sequence[str]) -> list[str]:
    """The answers the reference scorer reads: after the last `Answer:`, or as scoring.extract finds the forgetting
    checks' letters and numbers."""
    if spec.answer in extract.ANSWERS:
        return [extract.answer(spec.answer, output, strict=False) for output in outputs]
    return [reference.extract_answer(output) for output in outputs]


def outcomes(spec: DatasetSpec, outputs: Sequence[str], targets: Sequence[str],
             bertscorer: BertScorer | None = None) -> dict[str, Outcomes]:
    """Both scorers' outcomes, example by example (prompt by prompt for tag lists); BERTScore needs a scorer."""
    answers = _reference_answers(spec, outputs)
    strict_outcomes = strict.outcomes(spec, outputs, targets)
    if spec.answer == "final_number":
        return {"reference": strict.numeric(answers, targets, spec), "strict": strict_outcomes}
    if spec.metric != "bertscore":
        by_reference = reference.item_outcomes if spec.answer == "tag_list" else reference.label_outcomes
        return {"reference": by_reference(answers, targets), "strict": strict_outcomes}
    if bertscorer is None:
        raise ValueError(f"{spec.key} is scored with BERTScore: pass a scorer")
    pairs = bertscorer.score(answers, targets)
    bert = means(bertscore_precision=[p.precision for p in pairs], bertscore_recall=[p.recall for p in pairs],
                 bertscore_f1=[p.f1 for p in pairs])
    with_bert = Outcomes(strict_outcomes.units, lambda units: strict_outcomes.compute(units) | {
        "bertscore_f1": bert.compute(units)["bertscore_f1"]})
    return {"reference": bert, "strict": with_bert}


def score_dataset(spec: DatasetSpec, outputs: Sequence[str], targets: Sequence[str],
                  bertscorer: BertScorer | None = None, resamples: int = RESAMPLES, seed: int = SEED) -> dict:
    """{"reference": metrics, "strict": metrics, "score": {scorer: headline score}, "score_interval": {scorer:
    its 95% interval}} for raw model outputs; each scorer's metrics carry their `intervals`."""
    scored = outcomes(spec, outputs, targets, bertscorer)
    strict_metrics = scored["strict"].metrics() | strict.counts(spec, targets)
    if spec.metric == "bertscore":
        reference_metrics = scored["reference"].metrics() | {"bertscore_model": bertscorer.name, "n": len(targets)}
        headline_metric = dict.fromkeys(SCORERS, "bertscore_f1")
    elif spec.answer == "final_number":
        reference_metrics = scored["reference"].metrics() | {"n": len(targets)}
        headline_metric = dict.fromkeys(SCORERS, "accuracy")
    else:
        score = reference.score_items if spec.answer == "tag_list" else reference.score_labels
        reference_metrics = score(_reference_answers(spec, outputs), targets)
        headline_metric = dict.fromkeys(SCORERS, "accuracy")
    metrics = {"reference": reference_metrics, "strict": strict_metrics}
    for name in SCORERS:
        metrics[name]["intervals"] = intervals(scored[name], resamples, seed)
    headline = {name: 100 * metrics[name][headline_metric[name]] for name in SCORERS}
    bounds = {name: metrics[name]["intervals"][headline_metric[name]] for name in SCORERS}
    return metrics | {"score": headline,
                      "score_interval": {name: [100 * b for b in bound] if bound else None
                                         for name, bound in bounds.items()}}


def overall(scored: Sequence[dict]) -> dict[str, float | None]:
    """The mean headline score per scorer over the scored datasets (None when there are none)."""
    return {name: fmean(s["score"][name] for s in scored) if scored else None for name in SCORERS}
