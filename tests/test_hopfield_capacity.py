"""Capacity experiment: recall collapses near the load alpha ~= 0.14 (Amit, Gutfreund & Sompolinsky 1985)."""

import math

import numpy as np
import pytest

from fbnn.recurrent import capacity_experiment


@pytest.fixture(scope="module")
def result():
    return capacity_experiment(n=200, alphas=(0.05, 0.1, 0.14, 0.2, 0.3), n_trials=2, seed=0)


def test_shapes_and_loads(result):
    assert result.stable.shape == result.overlap.shape == result.bit_errors.shape == (5, 2)
    assert result.n_patterns.tolist() == [10, 20, 28, 40, 60]
    np.testing.assert_allclose(result.actual_alphas, [0.05, 0.1, 0.14, 0.2, 0.3])


def test_recall_collapses_past_the_critical_load(result):
    m = result.mean_overlap
    assert m[0] > 0.97 and m[1] > 0.95  # well below 0.138: near-perfect recall from 5% noise
    assert m[-1] < 0.75  # well above: recall has collapsed
    assert m[0] - m[-1] > 0.25
    assert np.all(np.diff(m) < 0.02)  # falls with the load (up to trial noise)
    assert result.mean_stable[0] > result.mean_stable[-1]
    assert result.mean_stable[-1] < 0.1


def test_bit_error_rate_follows_signal_to_noise_theory(result):
    # Hebbian field on a stored bit: signal 1, crosstalk ~ Normal(0, alpha) for large n, so one update flips
    # a bit with probability Phi(-1/sqrt(alpha)). Checked where errors are frequent enough to estimate.
    for a, rate in zip(result.actual_alphas[-2:], result.mean_bit_errors[-2:], strict=True):
        theory = 0.5 * math.erfc(1 / math.sqrt(2 * a))
        assert rate == pytest.approx(theory, rel=0.3)


def test_seeded_and_rules():
    a = capacity_experiment(n=40, alphas=(0.1, 0.5), n_trials=2, seed=3)
    b = capacity_experiment(n=40, alphas=(0.1, 0.5), n_trials=2, seed=3)
    np.testing.assert_array_equal(a.overlap, b.overlap)
    pinv = capacity_experiment(n=40, alphas=(0.5,), n_trials=2, rule="pseudoinverse", mode="sync", seed=3)
    assert pinv.mean_stable[0] == 1.0  # the projection rule stores any linearly independent set


def test_bad_arguments():
    with pytest.raises(ValueError, match="alphas"):
        capacity_experiment(n=20, alphas=())
    with pytest.raises(ValueError, match="alphas must all be > 0"):
        capacity_experiment(n=20, alphas=(0.1, -0.1))
    with pytest.raises(ValueError, match="flip_fraction"):
        capacity_experiment(n=20, flip_fraction=0.7)
    with pytest.raises(ValueError, match="rule must be one of"):
        capacity_experiment(n=20, rule="oja")
    with pytest.raises(ValueError, match="n_trials"):
        capacity_experiment(n=20, n_trials=0)
