"""Hopfield networks: storage rules, energy descent, fixed points, 2-cycles and bad input."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from fbnn.recurrent import Hopfield, corrupt, overlap


def random_patterns(P, n, seed):
    return np.random.default_rng(seed).choice([-1, 1], size=(P, n))


def energy_by_hand(W, s, theta):
    n = len(s)
    quadratic = sum(W[i][j] * s[i] * s[j] for i in range(n) for j in range(n))
    return -0.5 * quadratic + sum(theta[i] * s[i] for i in range(n))


def test_hebbian_weights_symmetric_zero_diagonal_and_by_hand():
    xi = random_patterns(3, 7, seed=0)
    net = Hopfield(7)
    net.store(xi)
    W = net.weights
    np.testing.assert_array_equal(W, W.T)
    np.testing.assert_array_equal(np.diag(W), 0)
    for i in range(7):
        for j in range(7):
            expected = 0.0 if i == j else sum(int(p[i]) * int(p[j]) for p in xi) / 7
            assert W[i, j] == pytest.approx(expected)
    with pytest.raises(ValueError):
        net.weights[0, 1] = 5.0  # read-only view


def storkey_by_hand(xi):
    """Storkey (1997): w_ij += (p_i p_j - p_i h_ji - h_ij p_j) / n, h_ij = sum_{k != i, j} w_ik p_k."""
    n = xi.shape[1]
    w = np.zeros((n, n))
    for p in xi:
        h = np.array([[sum(w[i, k] * p[k] for k in range(n) if k not in (i, j)) for j in range(n)]
                      for i in range(n)])
        new = w.copy()
        for i in range(n):
            for j in range(n):
                if i != j:
                    new[i, j] = w[i, j] + (p[i] * p[j] - p[i] * h[j, i] - h[i, j] * p[j]) / n
        w = new
    return w


def test_storkey_matches_the_original_formula():
    xi = random_patterns(4, 9, seed=1)
    net = Hopfield(9, rule="storkey")
    net.store(xi)
    np.testing.assert_allclose(net.weights, storkey_by_hand(xi), atol=1e-12)
    np.testing.assert_array_equal(net.weights, net.weights.T)


def test_pseudoinverse_stores_correlated_and_many_patterns():
    n = 60
    rng = np.random.default_rng(2)
    base = rng.choice([-1, 1], size=n)
    # strongly correlated patterns: each flips 10% of a common base pattern
    xi = np.array([corrupt(base, 6, seed=s) for s in range(12)])
    pinv, hebb = Hopfield(n, rule="pseudoinverse"), Hopfield(n, rule="hebbian")
    pinv.store(xi)
    hebb.store(xi)
    assert all(pinv.is_fixed_point(p) for p in xi)
    assert not all(hebb.is_fixed_point(p) for p in xi)
    # a load of 0.5 is far past the Hebbian capacity but fine for the projection rule
    many = random_patterns(30, n, seed=3)
    pinv.store(many)
    assert all(pinv.is_fixed_point(p) for p in many)
    np.testing.assert_allclose(pinv.weights, pinv.weights.T, atol=1e-12)
    np.testing.assert_array_equal(np.diag(pinv.weights), 0)


@pytest.mark.parametrize("rule", ["hebbian", "pseudoinverse", "storkey"])
def test_stored_patterns_below_capacity_are_fixed_points_and_attract(rule):
    n = 120
    xi = random_patterns(6, n, seed=4)  # load 0.05
    net = Hopfield(n, rule=rule)
    net.store(xi)
    for k, p in enumerate(xi):
        assert net.is_fixed_point(p)
        probe = corrupt(p, 12, seed=k)
        assert overlap(probe, p) == pytest.approx(1 - 2 * 12 / n)
        for mode in ("async", "sync"):
            state, traj = net.recall(probe, mode=mode, seed=k)
            np.testing.assert_array_equal(state, p)
            assert traj.status == "fixed_point"
            np.testing.assert_array_equal(traj.states[0], probe)
            np.testing.assert_array_equal(traj.states[-1], state)


def test_trajectory_energies_are_the_energies_of_its_states():
    xi = random_patterns(3, 12, seed=5)
    theta = np.random.default_rng(5).normal(0, 0.2, size=12)
    net = Hopfield(12, thresholds=theta)
    net.store(xi)
    _, traj = net.recall(corrupt(xi[0], 4, seed=0), seed=1)
    W = net.weights.tolist()
    for s, e in zip(traj.states, traj.energies, strict=True):
        assert e == pytest.approx(energy_by_hand(W, s.tolist(), theta.tolist()))
    assert traj.n_steps == len(traj.states) - 1


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 40), P=st.integers(1, 12),
       rule=st.sampled_from(["hebbian", "pseudoinverse", "storkey"]), with_theta=st.booleans(),
       data=st.data())
def test_async_updates_never_raise_the_energy(seed, n, P, rule, with_theta, data):
    # Drawn patterns include repeated and negated rows and all-equal units, so local fields tie at 0;
    # thresholds include 0 and repeated values.
    rng = np.random.default_rng(seed)
    spins = st.sampled_from([-1, 1])
    thresholds = st.one_of(st.sampled_from([0.0, 0.5, -0.5]), st.floats(-1, 1, allow_subnormal=False))
    theta = data.draw(arrays(np.float64, n, elements=thresholds), label="theta") if with_theta else None
    net = Hopfield(n, rule=rule, thresholds=theta)
    net.store(data.draw(arrays(np.int64, (P, n), elements=spins), label="patterns"))  # loads up to 6
    s = data.draw(arrays(np.int64, n, elements=spins), label="start")
    e = net.energy(s)
    for i in rng.integers(0, n, size=4 * n):
        s = net.update_unit(s, int(i))
        e_new = net.energy(s)
        assert e_new <= e + 1e-12
        e = e_new
    _, traj = net.recall(rng.choice([-1, 1], size=n), mode="async", seed=rng)
    assert np.all(np.diff(traj.energies) <= 1e-12)
    assert traj.status == "fixed_point"


def test_synchronous_two_cycle_and_asynchronous_fixed_point():
    # W = [[0, -1/2], [-1/2, 0]] (Hebbian for (1, -1)); from (1, 1) both units flip together forever.
    net = Hopfield(2)
    net.store([[1, -1]])
    assert net.sync_step([1, 1]).tolist() == [-1, -1]
    assert net.sync_step([-1, -1]).tolist() == [1, 1]
    assert net.is_two_cycle([1, 1]) and not net.is_fixed_point([1, 1])
    assert net.is_fixed_point([1, -1]) and not net.is_two_cycle([1, -1])
    state, traj = net.recall([1, 1], mode="sync")
    assert traj.status == "two_cycle" and traj.converged
    assert traj.states.tolist() == [[1, 1], [-1, -1]]
    state, traj = net.recall([1, 1], mode="async", seed=0)
    assert traj.status == "fixed_point"
    assert state.tolist() in ([1, -1], [-1, 1])


def test_sync_recall_ends_in_fixed_point_or_two_cycle():
    rng = np.random.default_rng(6)
    net = Hopfield(50)
    net.store(rng.choice([-1, 1], size=(20, 50)))  # overloaded: spurious states and cycles
    statuses = set()
    for _ in range(20):
        state, traj = net.recall(rng.choice([-1, 1], size=50), mode="sync", max_steps=200)
        statuses.add(traj.status)
        if traj.status == "two_cycle":
            assert net.is_two_cycle(state)
        else:
            assert traj.status == "fixed_point" and net.is_fixed_point(state)
    assert statuses <= {"fixed_point", "two_cycle"}


def test_max_steps_status():
    net = Hopfield(2)
    net.store([[1, -1]])
    _, traj = net.recall([1, 1], mode="sync", max_steps=1)
    assert traj.n_steps == 1
    assert traj.status == "two_cycle"  # detected from the last state even though the loop ran out
    xi = random_patterns(2, 40, seed=7)
    net = Hopfield(40)
    net.store(xi)
    _, traj = net.recall(-xi[0] * np.where(np.arange(40) < 30, 1, -1), mode="async", max_steps=1, seed=0)
    assert traj.n_steps == 1


@pytest.mark.parametrize("mode", ["async", "sync"])
def test_recall_many_matches_recall(mode):
    n = 80
    xi = random_patterns(8, n, seed=8)
    net = Hopfield(n)
    net.store(xi)
    probes = np.array([corrupt(p, 15, seed=k) for k, p in enumerate(xi)])
    batch = net.recall_many(probes, mode=mode, seed=3)
    for probe, row in zip(probes, batch, strict=True):
        state, traj = net.recall(probe, mode=mode, seed=3)
        if traj.status == "fixed_point":
            np.testing.assert_array_equal(row, state)


def test_overlap_and_corrupt():
    p = np.array([1, -1, 1, 1])
    assert overlap(p, p) == 1.0
    assert overlap(p, -p) == -1.0
    q = corrupt(p, 1, seed=0)
    assert np.sum(q != p) == 1
    np.testing.assert_array_equal(corrupt(p, 1, seed=0), q)  # seeded
    np.testing.assert_allclose(overlap(np.stack([p, -p]), p), [1.0, -1.0])


@pytest.mark.parametrize(
    "patterns, match",
    [
        ([[1, 0, -1, 1]], "only -1 and \\+1"),
        ([[1, 2, -1, 1]], "only -1 and \\+1"),
        ([[1, -1, 1]], "length n=4"),
        (np.zeros((0, 4)), "empty"),
        ([1, -1, 1, -1], "shape \\(n_patterns, n\\)"),
        ([[0.5, -1, 1, 1]], "only -1 and \\+1"),
    ],
)
def test_bad_patterns(patterns, match):
    with pytest.raises(ValueError, match=match):
        Hopfield(4).store(patterns)


def test_bad_arguments():
    with pytest.raises(ValueError, match="n must be"):
        Hopfield(0)
    with pytest.raises(TypeError, match="n must be"):
        Hopfield(2.5)
    with pytest.raises(ValueError, match="rule must be one of"):
        Hopfield(4, rule="oja")
    with pytest.raises(ValueError, match="thresholds must have shape"):
        Hopfield(4, thresholds=np.zeros(3))
    net = Hopfield(4)
    net.store([[1, -1, 1, -1]])
    with pytest.raises(ValueError, match="mode must be one of"):
        net.recall([1, 1, 1, 1], mode="parallel")
    with pytest.raises(ValueError, match="probe must have length n=4"):
        net.recall([1, 1, 1])
    with pytest.raises(ValueError, match="probe must contain only"):
        net.recall([1, 0, 1, 1])
    with pytest.raises(ValueError, match="max_steps"):
        net.recall([1, 1, 1, 1], max_steps=0)
    with pytest.raises(ValueError, match="unit index"):
        net.update_unit([1, 1, 1, 1], 4)
    with pytest.raises(ValueError, match="n_flips"):
        corrupt([1, -1], 3)
    with pytest.raises(TypeError, match="seed"):
        net.recall([1, 1, 1, 1], seed="zero")
