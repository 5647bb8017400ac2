"""Bootstrap intervals: a scorer's results unit by unit, the 95% interval of each of its metrics, and the paired
interval of the difference between two runs on the same units.

A unit is what the bootstrap resamples: an example, or a prompt for the tag-list datasets (FiNER, FNXL), whose items
are not independent. scipy.stats.bootstrap draws the resamples, seeded; the interval is the percentile interval,
because the bias-corrected one (scipy's default) is undefined where every resample gives the same value, as an
accuracy of 0 does.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import bootstrap

RESAMPLES = 1000
CONFIDENCE = 0.95
SEED = 0
METRICS = ("accuracy", "f1", "macro_f1", "mcc", "exact_match", "bertscore_f1")
"""The metrics that get intervals, where a scorer reports them."""


@dataclass(frozen=True)
class Outcomes:
    """One scorer's results on one dataset, as its metrics computed on any selection of units (repeats allowed)."""
    units: int
    compute: Callable[[np.ndarray], dict[str, float]]

    def metrics(self) -> dict[str, float]:
        return self.compute(np.arange(self.units))


def grouped(sizes: Sequence[int], compute_items: Callable[[np.ndarray], dict[str, float]]) -> Outcomes:
    """Outcomes of units made of consecutive items (`sizes[u]` items for unit u); `compute_items` takes item
    indices."""
    if all(size == 1 for size in sizes):
        return Outcomes(len(sizes), compute_items)
    starts = np.concatenate([[0], np.cumsum(sizes)])
    spans = [np.arange(starts[u], starts[u + 1]) for u in range(len(sizes))]
    return Outcomes(len(sizes), lambda units: compute_items(np.concatenate([spans[u] for u in units])))


def means(**values: Sequence[float]) -> Outcomes:
    """Outcomes whose metrics are the means of per-unit values (a share, for flags)."""
    arrays = {name: np.asarray(column, dtype=float) for name, column in values.items()}
    units = len(next(iter(arrays.values())))
    return Outcomes(units, lambda selected: {name: float(array[selected].mean()) for name, array in arrays.items()})


def intervals(outcomes: Outcomes, resamples: int = RESAMPLES, seed: int = SEED) -> dict[str, list[float] | None]:
    """The interval of each of METRICS that the outcomes report; None for all with fewer than two units."""
    names = [name for name in METRICS if name in outcomes.metrics()]
    return _bootstrap(lambda units: [outcomes.compute(units)[name] for name in names], outcomes.units, names,
                      resamples, seed)


def paired(after: Outcomes, before: Outcomes, resamples: int = RESAMPLES, seed: int = SEED) -> dict[str, dict]:
    """For each metric both report, `after` minus `before` on the same units, with the interval of that difference
    over resamples drawn once for both, and whether it includes 0."""
    if after.units != before.units:
        raise ValueError(f"paired outcomes need the same units ({after.units} and {before.units})")
    names = [name for name in METRICS if name in after.metrics() and name in before.metrics()]
    differences = _bootstrap(lambda units: [after.compute(units)[n] - before.compute(units)[n] for n in names],
                             after.units, names, resamples, seed)
    whole_after, whole_before = after.metrics(), before.metrics()
    return {name: {"after": whole_after[name], "before": whole_before[name],
                   "difference": whole_after[name] - whole_before[name], "interval": differences[name],
                   "includes_zero": differences[name] is None or differences[name][0] <= 0 <= differences[name][1]}
            for name in names}


def _bootstrap(statistic: Callable[[np.ndarray], list[float]], units: int, names: Sequence[str], resamples: int,
               seed: int) -> dict[str, list[float] | None]:
    if units < 2 or not names:
        return dict.fromkeys(names)
    result = bootstrap((np.arange(units),), lambda sample: np.array(statistic(sample), dtype=float),
                       vectorized=False, n_resamples=resamples, confidence_level=CONFIDENCE, method="percentile",
                       random_state=np.random.default_rng(seed))
    low, high = np.atleast_1d(result.confidence_interval.low), np.atleast_1d(result.confidence_interval.high)
    return {name: [float(lo), float(hi)] for name, lo, hi in zip(names, low, high)}
