"""The privacy budget against the tight epsilon of the Gaussian mechanism, computed here from its closed form."""
from __future__ import annotations

import math

import pytest
from scipy.optimize import brentq
from scipy.stats import norm

from finlora_train.federated.privacy import Budget, relation


def _tight_epsilon(noise: float, rounds: int, delta: float) -> float:
    """The exact epsilon of `rounds` Gaussian releases with this noise multiplier (Balle and Wang, 2018): their
    composition is one Gaussian release with noise / sqrt(rounds), whose delta(epsilon) is
    Phi(1/(2s) - epsilon s) - e^epsilon Phi(-1/(2s) - epsilon s)."""
    s = noise / math.sqrt(rounds)
    return brentq(lambda e: norm.cdf(1 / (2 * s) - e * s) - math.exp(e) * norm.cdf(-1 / (2 * s) - e * s) - delta,
                  0, 500)


@pytest.mark.parametrize("noise, rounds", [(1.0, 1), (1.0, 10), (2.0, 50), (5.0, 100)])
def test_the_rdp_epsilon_bounds_the_tight_one_closely(noise, rounds):
    budget = Budget(noise, 1e-5)
    epsilons = [budget.release([0.25] * 4) for _ in range(rounds)]
    assert epsilons == sorted(epsilons)  # the budget only grows
    tight = _tight_epsilon(noise, rounds, 1e-5)
    # RDP's conversion to (epsilon, delta) is an upper bound: within 10% of the exact value here.
    assert tight <= epsilons[-1] <= 1.1 * tight


def test_the_library_pld_accountant_is_the_closed_form():
    """The reference figure itself: dp-accounting's PLD accountant gives the closed form to 1e-6."""
    import dp_accounting
    from dp_accounting.pld import PLDAccountant

    accountant = PLDAccountant()
    accountant.compose(dp_accounting.GaussianDpEvent(1.0), 10)
    assert accountant.get_epsilon(1e-5) == pytest.approx(_tight_epsilon(1.0, 10, 1e-5), abs=1e-6)


def test_unequal_clients_are_accounted_by_the_largest_weight():
    # Flower's noise is z C / m; a client weighing 0.7 of 2 moves the mean by up to 0.7 C, so z / (2 x 0.7).
    assert Budget.effective_noise(1.4, [0.7, 0.3]) == pytest.approx(1.0)
    assert Budget.effective_noise(1.4, [0.5, 0.5]) == pytest.approx(1.4)
    unequal, equal = Budget(1.4, 1e-5), Budget(1.0, 1e-5)
    assert unequal.release([0.7, 0.3]) == pytest.approx(equal.release([0.5, 0.5]))
    assert Budget(0.0, 1e-5).release([0.5, 0.5]) is None  # no noise, no guarantee


def test_a_sampled_round_is_the_subsampled_gaussian_at_half_the_noise():
    """10 of 100 clients of equal weight at noise 2: replace-one moves the mean by 2 x 0.1 C against noise 2 C / 10,
    so the library's sampled-without-replacement event at noise multiplier 1.0, replace-one."""
    import dp_accounting
    from dp_accounting.rdp import RdpAccountant

    sampled = Budget(2.0, 1e-5, population=100, sample=10)
    epsilons = [sampled.release([0.1] * 10) for _ in range(20)]
    library = RdpAccountant(neighboring_relation=dp_accounting.NeighboringRelation.REPLACE_ONE)
    library.compose(dp_accounting.SampledWithoutReplacementDpEvent(100, 10, dp_accounting.GaussianDpEvent(1.0)), 20)
    assert epsilons[-1] == pytest.approx(library.get_epsilon(1e-5)) and epsilons == sorted(epsilons)
    every_client = Budget(1.0, 1e-5)  # the same releases without sampling (q = 1): sampling amplifies
    assert epsilons[-1] < [every_client.release([0.1] * 10) for _ in range(20)][-1]


def test_with_few_clients_sampling_costs_more_than_it_saves():
    two_of_four, all_four = Budget(1.0, 1e-5, population=4, sample=2), Budget(1.0, 1e-5)
    for _ in range(10):
        sampled, whole = two_of_four.release([0.5, 0.5]), all_four.release([0.25] * 4)
    assert sampled > whole
    assert relation(4, 2) == "replace-one" and relation(4, 4) == "add-or-remove-one"
