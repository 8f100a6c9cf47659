"""Modern Hopfield networks: dense associative memory and the continuous network, against brute force."""

import math

import numpy as np
import pytest

from fbnn.recurrent import Hopfield
from fbnn.recurrent.modern_hopfield import (
    DenseAssociativeMemory,
    ModernHopfield,
    dense_capacity_experiment,
    lse,
)


def random_patterns(P, n, seed):
    return np.random.default_rng(seed).choice([-1, 1], size=(P, n))


F_BY_HAND = {
    "polynomial": lambda x, k: x**k,
    "rectified": lambda x, k: max(x, 0) ** k,
    "exponential": lambda x, k: math.exp(x),
}


def energy_by_hand(xi, s, kind, k):
    return -sum(F_BY_HAND[kind](int(np.dot(p, s)), k) for p in xi)


@pytest.mark.parametrize(
    "kind,k", [("polynomial", 3), ("polynomial", 4), ("rectified", 3), ("exponential", 0)]
)
def test_energy_and_update_against_brute_force(kind, k):
    """Each unit takes whichever of its two states has the lower energy (ties keep), found by evaluating E."""
    n = 12
    xi = random_patterns(9, n, seed=1)
    dam = DenseAssociativeMemory(n, kind, degree=max(k, 2))
    dam.store(xi)
    states = random_patterns(6, n, seed=2)
    for s in states:
        assert dam.energy(s) == pytest.approx(energy_by_hand(xi, s, kind, max(k, 2)), rel=1e-12)
        expected = s.copy()
        for i in range(n):
            up, down = s.copy(), s.copy()
            up[i], down[i] = 1, -1
            e_up, e_down = energy_by_hand(xi, up, kind, max(k, 2)), energy_by_hand(xi, down, kind, max(k, 2))
            if e_up != e_down:
                expected[i] = 1 if e_up < e_down else -1
        np.testing.assert_array_equal(dam.sync_step(s), expected)
    np.testing.assert_allclose(dam.energy(states), [dam.energy(s) for s in states])


def test_degree_two_is_the_classical_hebbian_network():
    # n a power of two keeps the classical W = xi^T xi / n exact in floating point, so ties (local field
    # exactly 0, state kept) are ties in both networks.
    n = 32
    xi = random_patterns(8, n, seed=3)
    classical = Hopfield(n)
    classical.store(xi)
    dam = DenseAssociativeMemory(n, "polynomial", degree=2)
    dam.store(xi)
    for s in random_patterns(20, n, seed=4):
        np.testing.assert_array_equal(dam.sync_step(s), classical.sync_step(s))
        # E_dam = -sum (xi.s)^2 = -n s.W s - P n  (W Hebbian with zero diagonal)
        assert dam.energy(s) == pytest.approx(2 * n * classical.energy(s) - len(xi) * n)


def test_async_recall_never_raises_the_energy_and_stops_at_a_fixed_point():
    n = 60
    xi = random_patterns(30, n, seed=5)
    dam = DenseAssociativeMemory(n, "polynomial", degree=3)
    dam.store(xi)
    probe = xi[0].copy()
    probe[:12] *= -1
    final, traj = dam.recall(probe, seed=0)
    assert traj.status == "fixed_point" and dam.is_fixed_point(final)
    assert np.all(np.diff(traj.energies) <= 0)
    np.testing.assert_array_equal(final, xi[0])
    np.testing.assert_array_equal(dam.recall_many(probe[None, :], seed=0)[0], final)


def test_exponential_update_does_not_overflow_for_large_n():
    n = 1000
    xi = random_patterns(5, n, seed=6)
    dam = DenseAssociativeMemory(n, "exponential")
    dam.store(xi)
    probe = xi[2].copy()
    probe[:300] *= -1
    np.testing.assert_array_equal(dam.sync_step(probe), xi[2])
    with pytest.raises(ValueError, match="overflows"):
        dam.energy(xi[0])


def test_modern_networks_store_many_more_patterns_than_the_classical_one():
    """Acceptance: same n, patterns and probes; the classical network fails where the modern ones recall."""
    res = dense_capacity_experiment(
        n=50, n_patterns=(5, 15, 40), models=("classical", "polynomial-3", "exponential"), n_trials=2, seed=0
    )
    rec = dict(zip(res.models, res.mean_recalled, strict=True))
    assert rec["classical"][0] >= 0.9 and rec["classical"][2] == 0.0
    assert np.all(rec["polynomial-3"] == 1.0) and np.all(rec["exponential"] == 1.0)
    cap = res.capacity(0.9)
    assert cap["classical"] == 5 and cap["polynomial-3"] == 40 and cap["exponential"] == 40


def test_capacity_reads_the_largest_load_above_threshold():
    res = dense_capacity_experiment(n=20, n_patterns=(2, 4), models=("classical",), n_trials=1, seed=0)
    fake = type(res)(
        20,
        ("a", "b", "c"),
        np.array([1, 2, 3]),
        res.stable,
        np.array([[[1.0], [0.5], [1.0]], [[0.2], [0.2], [0.2]], [[1.0], [1.0], [0.95]]]),
    )
    assert fake.capacity(0.9) == {"a": 1, "b": 0, "c": 3}


def hand_attention(Q, K, V):
    """Scaled dot-product attention, softmax(Q K^T / sqrt(d_k)) V, written out row by row."""
    out = np.zeros((Q.shape[0], V.shape[1]))
    for r, q in enumerate(Q):
        scores = [float(np.dot(q, k)) / math.sqrt(K.shape[1]) for k in K]
        top = max(scores)
        w = [math.exp(s - top) for s in scores]
        total = sum(w)
        out[r] = sum((wi / total) * v for wi, v in zip(w, V, strict=True))
    return out


def test_update_is_attention_with_beta_one_over_sqrt_d():
    rng = np.random.default_rng(7)
    R, Y = rng.normal(size=(4, 6)), rng.normal(size=(9, 5))  # state patterns, stored patterns
    WQ, WK, WV = rng.normal(size=(6, 3)), rng.normal(size=(5, 3)), rng.normal(size=(3, 2))
    Q, K = R @ WQ, Y @ WK
    net = ModernHopfield(K, beta=1 / math.sqrt(3))
    np.testing.assert_allclose(net.update(Q), hand_attention(Q, K, K), rtol=1e-12)
    # Values that are a linear map of the keys: retrieve, then project.
    np.testing.assert_allclose(net.update(Q) @ WV, hand_attention(Q, K, K @ WV), rtol=1e-12)
    np.testing.assert_allclose(net.update(Q[0]), hand_attention(Q[:1], K, K)[0], rtol=1e-12)
    # With another beta the match is lost.
    assert not np.allclose(ModernHopfield(K, beta=1.0).update(Q), hand_attention(Q, K, K))


def test_energy_gradient_by_finite_differences_and_descent():
    rng = np.random.default_rng(8)
    net = ModernHopfield(rng.normal(size=(7, 4)), beta=2.0)
    M = np.max(np.linalg.norm(net.patterns, axis=1))
    for xi in rng.normal(size=(5, 4)):
        h = 1e-6
        fd = np.array([(net.energy(xi + h * e) - net.energy(xi - h * e)) / (2 * h) for e in np.eye(4)])
        np.testing.assert_allclose(net.gradient(xi), fd, rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(net.update(xi), xi - net.gradient(xi), rtol=1e-12, atol=1e-14)
        xi_m = xi / max(1.0, np.linalg.norm(xi) / M)  # inside the ball of radius M, where 0 <= E <= 2 M^2
        assert 0 <= net.energy(xi_m) <= 2 * M * M
        assert net.energy(net.update(xi)) <= net.energy(xi) + 1e-12


def test_lse_against_direct_formula_and_large_inputs():
    z = np.array([0.3, -1.2, 2.0])
    assert lse(2.0, z) == pytest.approx(math.log(sum(math.exp(2 * v) for v in z)) / 2, rel=1e-14)
    assert lse(1.0, np.array([1000.0, 1000.0])) == pytest.approx(1000 + math.log(2), rel=1e-14)
    np.testing.assert_allclose(lse(1.0, np.stack([z, z])), [lse(1.0, z)] * 2)


def test_retrieval_of_a_noisy_pattern_in_one_step():
    rng = np.random.default_rng(9)
    X = rng.choice([-1.0, 1.0], size=(200, 64))  # 200 patterns in 64 dimensions
    net = ModernHopfield(X, beta=1.0)
    noisy = X[5] + rng.normal(scale=0.5, size=64)
    out, steps = net.retrieve(noisy)
    assert np.max(np.abs(net.update(noisy) - X[5])) < 1e-6 and np.max(np.abs(out - X[5])) < 1e-6
    assert steps <= 3
    assert np.argmax(net.attention_weights(noisy)) == 5


def test_bad_input_names_the_argument():
    with pytest.raises(ValueError, match="energy"):
        DenseAssociativeMemory(10, "quartic")
    with pytest.raises(ValueError, match="degree"):
        DenseAssociativeMemory(10, degree=1)
    dam = DenseAssociativeMemory(10)
    with pytest.raises(ValueError, match="patterns"):
        dam.store(np.zeros((2, 10)))
    with pytest.raises(ValueError, match="probe"):
        dam.recall(np.ones((2, 10)))
    with pytest.raises(ValueError, match="beta"):
        ModernHopfield(np.ones((2, 3)), beta=0)
    with pytest.raises(ValueError, match="state"):
        ModernHopfield(np.ones((2, 3))).update(np.ones(4))
    with pytest.raises(ValueError, match="patterns"):
        ModernHopfield(np.ones(3))
    with pytest.raises(ValueError, match="models"):
        dense_capacity_experiment(n=10, models=("quadratic",))
    with pytest.raises(ValueError, match="n_patterns"):
        dense_capacity_experiment(n=10, n_patterns=(0, 3))
    with pytest.raises(ValueError, match="flip_fraction"):
        dense_capacity_experiment(n=10, flip_fraction=0.7)


def test_async_sweep_matches_unit_by_unit_brute_force():
    """One sweep in the seeded order, each unit taking its lower-energy state given the others."""
    n = 12
    xi = random_patterns(10, n, seed=11)
    dam = DenseAssociativeMemory(n, "polynomial", degree=3)
    dam.store(xi)
    probe = random_patterns(1, n, seed=12)[0]
    order = np.random.default_rng(0).permutation(n)  # the first sweep of recall(seed=0)
    s = probe.copy()
    for i in order:
        up, down = s.copy(), s.copy()
        up[i], down[i] = 1, -1
        e_up, e_down = energy_by_hand(xi, up, "polynomial", 3), energy_by_hand(xi, down, "polynomial", 3)
        if e_up != e_down:
            s[i] = 1 if e_up < e_down else -1
    _, traj = dam.recall(probe, seed=0)
    assert not np.array_equal(s, probe)
    np.testing.assert_array_equal(traj.states[1], s)
