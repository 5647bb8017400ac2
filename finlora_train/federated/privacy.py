"""The privacy budget of a federated run: epsilon at the run's delta after every round, from Google's dp-accounting.

The guarantee is client-level (an institution's whole data, added or removed), as in DP-FedAvg (McMahan et al.,
2018). Each round is one Gaussian release: every client's update is clipped to L2 norm C (Flower's fixed-clipping
wrappers, on the client or the server), the server combines them, and Flower adds N(0, (z C / m)^2) noise to every
weight, where m is the number of clients in the round. That noise is z times one client's influence when the clients
weigh 1/m each. FedAvg weighs them by rows (w_k = n_k / n), so a client can move the aggregate by up to w_k C, and the
round is accounted with the noise multiplier the largest weight leaves, z / (m max_k w_k), which is z for equal
parts. The rounds compose under Renyi DP (dp-accounting's RdpAccountant, which converts to (epsilon, delta) at the
end).

With client sampling (`--fraction`), each round trains a fixed-size sample of m of the N clients, drawn without
replacement, and the round is a subsampled Gaussian release. dp-accounting accounts that sampling only for
neighbouring datasets that differ by one client replaced (REPLACE_ONE; its Poisson sampling needs add-or-remove and
a random number of clients per round, which Flower's noise calibration does not have). A replaced client can move
the aggregate by twice its weight times C, so such a run is accounted with half the effective noise multiplier,
SampledWithoutReplacementDpEvent(N, m, Gaussian(z / (2 m max_k w_k))), and its guarantee is stated as replace-one.
With few clients this costs more than the sampling saves: 2 of 4 clients per round is accounted at a larger epsilon
than all 4 (docs/federated.md).

The noise itself is seeded: Flower draws it from NumPy's global generator, which the server seeds with the run's
seed and the round before each aggregation.
"""
from __future__ import annotations

import math
from collections.abc import Sequence


def relation(clients: int, sampled: int) -> str:
    """Which neighbouring datasets the guarantee is for: one client added or removed, or (when sampled) replaced."""
    return "replace-one" if sampled < clients else "add-or-remove-one"


class Budget:
    """The cumulative (epsilon, delta) of the rounds released so far."""

    def __init__(self, noise: float, delta: float, population: int | None = None, sample: int | None = None):
        """`population` and `sample`: the clients and the clients per round, when fewer than all train each round."""
        import dp_accounting
        from dp_accounting.rdp import RdpAccountant

        self.sampled = population is not None and sample is not None and sample < population
        relation = dp_accounting.NeighboringRelation
        self._events = dp_accounting
        self._accountant = RdpAccountant(neighboring_relation=relation.REPLACE_ONE if self.sampled
                                         else relation.ADD_OR_REMOVE_ONE)
        self.noise, self.delta, self.population, self.sample = noise, delta, population, sample

    @staticmethod
    def effective_noise(noise: float, weights: Sequence[float]) -> float:
        """The noise multiplier with respect to the most influential client: z / (m max_k w_k)."""
        return noise / (len(weights) * max(weights))

    def release(self, weights: Sequence[float]) -> float | None:
        """Account one round whose clients had these aggregation weights; the epsilon so far (None without noise:
        nothing is private then)."""
        if self.noise == 0:
            return None
        if self.sampled:
            gaussian = self._events.GaussianDpEvent(self.effective_noise(self.noise, weights) / 2)
            event = self._events.SampledWithoutReplacementDpEvent(self.population, self.sample, gaussian)
        else:
            event = self._events.GaussianDpEvent(self.effective_noise(self.noise, weights))
        self._accountant.compose(event)
        epsilon = self._accountant.get_epsilon(self.delta)
        return epsilon if math.isfinite(epsilon) else None
