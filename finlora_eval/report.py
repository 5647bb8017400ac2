"""Results as tables and a chart: the reference's results-table layout, one column per run.

Reference cells read `accuracy %/weighted F1`, or `-/BERTScore F1`, as in the
FinLoRA results table; strict cells read `accuracy %/macro-F1/MCC` (label
datasets), `accuracy %` (numbers, formulas) or `-/BERTScore F1` (text), each
with its missing-answer share. Each figure is followed by its 95% bootstrap
interval in brackets. Every benchmark dataset has a row: `unavailable`
where its test set cannot be had, `-` where a run did not evaluate it; the
forgetting checks (MMLU, GSM8K) have one where a run evaluated them.
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from finlora_common.atomic import atomic_path
from finlora_eval.registry import Registry


def _value(metrics: dict, name: str, percent: bool = False) -> str:
    """A metric with its 95% interval where the run has one: `22.00 [18.40, 25.80]`, or `0.285 [0.250, 0.320]`."""
    scale, digits = (100, 2) if percent else (1, 3)
    bounds = metrics.get("intervals", {}).get(name)
    interval = f" [{scale * bounds[0]:.{digits}f}, {scale * bounds[1]:.{digits}f}]" if bounds else ""
    return f"{scale * metrics[name]:.{digits}f}{interval}"


def _reference_cell(d: dict) -> str:
    ref = d["reference"]
    if "bertscore_f1" in ref:
        return f"-/{_value(ref, 'bertscore_f1')}"
    if "f1" not in ref:  # GSM8K's numbers
        return _value(ref, "accuracy", percent=True)
    return f"{_value(ref, 'accuracy', percent=True)}/{_value(ref, 'f1')}"


def _strict_cell(d: dict) -> str:
    s = d["strict"]
    if "bertscore_f1" in s:
        value = f"-/{_value(s, 'bertscore_f1')}"
    elif "macro_f1" in s:
        value = f"{_value(s, 'accuracy', percent=True)}/{_value(s, 'macro_f1')}/{_value(s, 'mcc')}"
    else:
        value = _value(s, "accuracy", percent=True)
    return f"{value} ({100 * s['missing']:.1f}% missing)"


def _table(runs: Sequence[dict], registry: Registry, cell, scorer: str) -> list[str]:
    lines = ["| Datasets | " + " | ".join(r["label"] for r in runs) + " |", "|---" + "|---" * len(runs) + "|"]
    evaluated = [{d["key"]: d for d in r["datasets"]} for r in runs]
    unavailable = [{u["key"] for u in r["unavailable"]} for r in runs]
    # Every benchmark dataset has a row; the checks outside it only where a run evaluated them.
    shown = [spec for key, spec in registry.datasets.items() if spec.suite or any(key in done for done in evaluated)]
    for category, title in registry.categories.items():
        rows = [spec for spec in shown if spec.category == category]
        if rows:
            lines.append(f"| **{title}** |" + " |" * len(runs))
        for spec in rows:
            cells = [cell(done[spec.key]) if spec.key in done else "unavailable" if spec.key in missing else "-"
                     for done, missing in zip(evaluated, unavailable)]
            lines.append(f"| {spec.name} | " + " | ".join(cells) + " |")
    averages = [f"{r['overall'][scorer]:.2f}" if r["overall"][scorer] is not None else "-" for r in runs]
    lines.append("| Overall Average | " + " | ".join(averages) + " |")
    return lines


def _memory(timing: dict) -> str:
    peak = timing["peak_memory"]
    return f"{peak['mib']:.0f} MiB ({peak['kind']})" if peak else "-"


def markdown(runs: Sequence[dict], registry: Registry) -> str:
    lines = ["# finlora-eval results", ""]
    for r in runs:
        backend = r["backend"]
        lines.append(f"- **{r['label']}**: model `{r['model']}`, adapter `{r['adapter'] or '-'}`, backend "
                     f"{backend['backend']}, BERTScore encoder {r['bertscore_model'] or '-'}")
    lines += ["", "## Reference scorer", "",
              "Accuracy (%)/weighted F1; -/x is BERTScore F1; in brackets each figure's 95% bootstrap interval "
              "(finlora_eval.scoring.bootstrap). Overall: mean of accuracy % and BERTScore F1 x 100.", ""]
    lines += _table(runs, registry, _reference_cell, "reference")
    lines += ["", "## Strict scorer", "",
              "Accuracy (%)/macro-F1/MCC for label answers, accuracy (%) for numbers and formulas, -/BERTScore F1 for "
              "text; the share of outputs without a usable answer in brackets.", ""]
    lines += _table(runs, registry, _strict_cell, "strict")
    lines += _loglik_table(runs, registry)
    lines += ["", "## Data and timing", ""]
    for r in runs:
        lines += [f"**{r['label']}**", "",
                  "| dataset | source | selection | n | generation s | examples/s | peak memory | prompt tokens from cache |",
                  "|---|---|---|---:|---:|---:|---|---:|"]
        for d in r["datasets"]:
            t = d["timing"]
            source = d["source"] + (f" ({d['note']})" if d["note"] else "")
            timing = (f"{t['seconds']:.1f} | {t['examples_per_s'] or '-'} | {_memory(t)} | {_cached(t)}" if t
                      else "- | - | - | -")  # scored from predictions made elsewhere
            shots = d.get("fewshot")
            selection = d["selection"] + (f"; {shots['k']}-shot from {shots['source']} rows {shots['rows']} (seed "
                                          f"{shots['seed']})" if shots else "")
            lines.append(f"| {d['name']} | {source} | {selection} | {d['n']} | {timing} |")
        lines.append("")
    reasons = {u["key"]: u for r in runs for u in r["unavailable"]}
    if reasons:
        lines += ["## Unavailable", ""] + [f"- {u['name']}: {u['reason']}" for u in reasons.values()] + [""]
    return "\n".join(lines)


def _loglik_table(runs: Sequence[dict], registry: Registry) -> list[str]:
    """Log-likelihood scores, where a run has them: raw and per-byte accuracy (%)/weighted F1."""
    scored = [{d["key"]: d["loglik"] for d in r["datasets"] if d.get("loglik")} for r in runs]
    if not any(scored):
        return []
    lines = ["", "## Log-likelihood scoring", "",
             "The most likely label after the prompt (finlora_eval.scoring.loglik): accuracy (%)/weighted F1 by the "
             "summed log-probability (raw) and by log-probability per byte (normalised); beside the generation "
             "scores above, not instead of them.", "",
             "| Datasets | " + " | ".join(f"{r['label']} raw | {r['label']} normalised" for r in runs) + " |",
             "|---" + "|---|---" * len(runs) + "|"]
    for key, spec in registry.datasets.items():
        if any(key in found for found in scored):
            cells = [f"{_value(found[key][norm], 'accuracy', percent=True)}/{_value(found[key][norm], 'f1')}"
                     if key in found else "-" for found in scored for norm in ("raw", "normalised")]
            lines.append(f"| {spec.name} | " + " | ".join(cells) + " |")
    return lines


def _cached(timing: dict) -> str:
    """The share of prompt tokens served from a prefix cache, where the backend counts them."""
    counts = timing.get("prompt_tokens")
    if not counts or not counts["prompt"]:
        return "-"
    return f"{100 * (1 - counts['computed'] / counts['prompt']):.1f}%"


def chart(runs: Sequence[dict], registry: Registry, path: Path, scorer: str = "reference") -> None:
    """Grouped bars of each run's headline scores per dataset, and the overall average; a PNG written atomically."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    keys = [key for key in registry.datasets if any(d["key"] == key for r in runs for d in r["datasets"])]
    names = [registry.datasets[key].name for key in keys] + ["Overall"]
    width = 0.8 / len(runs)
    figure, axes = pyplot.subplots(figsize=(max(6.0, 0.9 * len(names) * max(1, len(runs) / 2)), 4.5))
    for position, r in enumerate(runs):
        scores = {d["key"]: d["score"][scorer] for d in r["datasets"]}
        values = [scores.get(key, 0.0) for key in keys] + [r["overall"][scorer] or 0.0]
        axes.bar([i + (position - (len(runs) - 1) / 2) * width for i in range(len(names))], values, width,
                 label=r["label"])
    axes.set_xticks(range(len(names)), names, rotation=35, ha="right")
    axes.set_ylim(0, 100)
    axes.set_ylabel(f"{scorer} score (accuracy % or BERTScore F1 x 100)")
    axes.legend(fontsize="small")
    figure.tight_layout()
    with atomic_path(path) as tmp:
        figure.savefig(tmp, format="png", dpi=120, metadata={"Software": None})
    pyplot.close(figure)
