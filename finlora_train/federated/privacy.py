"""The privacy budget of a federated run: epsilon at the run's delta after every round, from Google's dp-accounting.

The guarantee is client-level (an institution's whole data, added or removed), as in DP-FedAvg (McMahan et al.,
2018). Each round is one Gaussian release: every client's update is clipped to L2 norm C (Flower's fixed-clipping
wrappers, on the client or the server), the server combines them, and Flower adds N(0, (z C / m)^2) noise to every
weight, where m is the number of clients in the round. That noise is z times one client's influence when the clients
weigh 1/m each. FedAvg weighs them by rows (w_k = n_k / n), so a client can move the aggregate by up to w_k C, and the
round is accounted with the noise multiplier the largest weight leaves, z / (m max_k w_k), which is z for equal
parts. Every client takes part in every round here, so there is no amplification by sampling; the rounds compose
under Renyi DP (dp-accounting's RdpAccountant, which converts to (epsilon, delta) at the end).

The noise itself is seeded: Flower draws it from NumPy's global generator, which the server seeds with the run's
seed and the round before each aggregation.
"""
from __future__ import annotations

import math
from collections.abc import Sequence


class Budget:
    """The cumulative (epsilon, delta) of the rounds released so far."""

    def __init__(self, noise: float, delta: float):
        import dp_accounting
        from dp_accounting.rdp import RdpAccountant

        self._events, self._accountant = dp_accounting, RdpAccountant()
        self.noise, self.delta = noise, delta

    @staticmethod
    def effective_noise(noise: float, weights: Sequence[float]) -> float:
        """The noise multiplier with respect to the most influential client: z / (m max_k w_k)."""
        return noise / (len(weights) * max(weights))

    def release(self, weights: Sequence[float]) -> float | None:
        """Account one round whose clients had these aggregation weights; the epsilon so far (None without noise:
        nothing is private then)."""
        if self.noise == 0:
            return None
        self._accountant.compose(self._events.GaussianDpEvent(self.effective_noise(self.noise, weights)))
        epsilon = self._accountant.get_epsilon(self.delta)
        return epsilon if math.isfinite(epsilon) else None
