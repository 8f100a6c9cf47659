"""Recurrent backpropagation at a fixed point (Almeida 1987; Pineda 1987), checked against oracles.

The oracles in this file do not use the package's relaxation: a plain loop to the fixed point, central
finite differences of the loss, a dense linear solve of the adjoint system, and BPTT written out here.
"""

from __future__ import annotations

import numpy as np
import pytest

from fbnn.equilibrium import ConvergenceError, FixedPointNet, one_hot
from fbnn.optim import Adam


def fixed_point(params, X, f=np.tanh, n_iter=400):
    """An independent relaxation: the plain iteration s <- f(W s + U x + b), a fixed number of times."""
    S = np.zeros((X.shape[0], params["W"].shape[0]))
    for _ in range(n_iter):
        S = f(S @ params["W"].T + X @ params["U"].T + params["b"])
    return S


def loss_at_fixed_point(params, X, D, n_out):
    S = fixed_point(params, X)
    return 0.5 * np.sum((S[:, -n_out:] - D) ** 2) / X.shape[0]


def flat(grads, keys):
    return np.concatenate([grads[k].ravel() for k in keys])


@pytest.fixture
def problem():
    rng = np.random.default_rng(7)
    net = FixedPointNet(3, 4, 2, spectral_norm=0.8, seed=1)
    net.params["b"] = rng.normal(0, 0.3, net.n_units)
    X = rng.standard_normal((6, 3))
    D = rng.uniform(-0.8, 0.8, (6, 2))
    return net, X, D


def test_relaxation_reaches_the_fixed_point(problem):
    net, X, _ = problem
    fp = net.relax(X, tol=1e-13)
    p = net.params
    assert fp.residual <= 1e-13 and fp.iterations > 5
    assert np.allclose(fp.states, np.tanh(fp.states @ p["W"].T + X @ p["U"].T + p["b"]), atol=1e-12, rtol=0)
    assert np.allclose(fp.states, fixed_point(p, X), atol=1e-12, rtol=0)


def test_recurrent_backprop_agrees_with_finite_differences(problem):
    net, X, D = problem
    loss, grads = net.loss_and_grads(X, D, tol=1e-14)
    assert np.isclose(loss, loss_at_fixed_point(net.params, X, D, 2), rtol=1e-12)
    fd, eps = [], 1e-6
    for key in net.params:
        arr = net.params[key]
        for idx in np.ndindex(arr.shape):
            saved = arr[idx]
            arr[idx] = saved + eps
            up = loss_at_fixed_point(net.params, X, D, 2)
            arr[idx] = saved - eps
            down = loss_at_fixed_point(net.params, X, D, 2)
            arr[idx] = saved
            fd.append((up - down) / (2 * eps))
    fd = np.array(fd)
    g = flat(grads, net.params)
    assert np.linalg.norm(g - fd) / np.linalg.norm(fd) < 1e-6
    assert np.all(np.abs(g - fd) <= 1e-6 * np.abs(fd) + 1e-9)


def test_adjoint_relaxation_solves_the_linear_system(problem):
    net, X, D = problem
    W = net.params["W"]
    S = fixed_point(net.params, X)
    Dp = 1 - S**2                                        # tanh' at the fixed point
    E = np.zeros_like(S)
    E[:, -2:] = (S[:, -2:] - D) / X.shape[0]
    Z = net.adjoint(X, D, tol=1e-14).states
    for n in range(X.shape[0]):                          # (I - W^T diag(f')) z = e, solved densely
        z = np.linalg.solve(np.eye(net.n_units) - W.T * Dp[n], E[n])
        assert np.allclose(Z[n], z, atol=1e-13, rtol=1e-10)


def test_bptt_through_the_relaxation_tends_to_recurrent_backprop(problem):
    net, X, D = problem
    _, rbp = net.loss_and_grads(X, D, tol=1e-14)
    g = flat(rbp, net.params)
    errors = []
    for n_steps in (5, 20, 200):
        _, bptt = net.bptt_loss_and_grads(X, D, n_steps)
        errors.append(np.linalg.norm(flat(bptt, net.params) - g) / np.linalg.norm(g))
    assert errors[0] > 1e-3 and errors[0] > errors[1] > errors[2]
    assert errors[2] < 1e-10


def test_bptt_is_the_gradient_of_the_unrolled_loss(problem):
    net, X, D = problem
    n_steps, step = 4, 0.5

    def unrolled_loss():
        p = net.params
        S = np.zeros((X.shape[0], net.n_units))
        for _ in range(n_steps):
            S = (1 - step) * S + step * np.tanh(S @ p["W"].T + X @ p["U"].T + p["b"])
        return 0.5 * np.sum((S[:, -2:] - D) ** 2) / X.shape[0]

    loss, grads = net.bptt_loss_and_grads(X, D, n_steps, step=step)
    assert np.isclose(loss, unrolled_loss(), rtol=1e-12)
    arr, eps = net.params["W"], 1e-6
    for idx in [(0, 0), (2, 5), (5, 1)]:
        saved = arr[idx]
        arr[idx] = saved + eps
        up = unrolled_loss()
        arr[idx] = saved - eps
        down = unrolled_loss()
        arr[idx] = saved
        assert np.isclose(grads["W"][idx], (up - down) / (2 * eps), rtol=1e-6, atol=1e-10)


def test_damping_changes_the_path_not_the_fixed_point(problem):
    net, X, D = problem
    a = net.relax(X, step=1.0, tol=1e-13)
    b = net.relax(X, step=0.3, tol=1e-13)
    assert a.iterations != b.iterations
    assert np.allclose(a.states, b.states, atol=1e-12)
    ga, gb = net.loss_and_grads(X, D, step=1.0)[1], net.loss_and_grads(X, D, step=0.3)[1]
    assert np.allclose(flat(ga, net.params), flat(gb, net.params), atol=1e-12)


def test_no_gradient_from_a_state_that_is_not_a_fixed_point(problem):
    net, X, D = problem
    with pytest.raises(ConvergenceError, match="forward relaxation did not converge") as info:
        net.loss_and_grads(X, D, max_iter=3)
    assert info.value.iterations == 3 and info.value.residual > info.value.tol
    unstable = FixedPointNet(3, 4, 2, spectral_norm=4.0, seed=1)       # a loop gain far above 1
    unstable.params["W"] = -4.0 * np.eye(6)                            # s <- tanh(-4 s + ...) oscillates
    with pytest.raises(ConvergenceError, match="forward relaxation"):
        unstable.relax(X, step=1.0)
    # s = 0 is a fixed point of s <- tanh(3 s) when x = 0, but an unstable one: the relaxation starting there
    # stops at once, and the adjoint relaxation (same linearised gain, 3 > 1) refuses to give a gradient.
    repeller = FixedPointNet(3, 4, 2, seed=1)
    repeller.params["W"] = 3.0 * np.eye(6)
    zero = np.zeros((6, 3))
    assert repeller.relax(zero).iterations == 0
    with pytest.raises(ConvergenceError, match="adjoint"):
        repeller.loss_and_grads(zero, D)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda n, X, D: n.relax(X[:, :2]), "X must have shape"),
        (lambda n, X, D: n.loss_and_grads(X, D[:, :1]), "D must have shape"),
        (lambda n, X, D: n.relax(X, step=1.5), "step must be"),
        (lambda n, X, D: n.relax(X, tol=-1.0), "tol must be"),
        (lambda n, X, D: n.relax(X, max_iter=0), "max_iter"),
        (lambda n, X, D: n.bptt_loss_and_grads(X, D, 0), "n_steps"),
        (lambda n, X, D: n.relax(np.full((2, 3), np.nan)), "X contains"),
        (lambda n, X, D: FixedPointNet(3, 4, 2, activation="relu"), "activation"),
        (lambda n, X, D: FixedPointNet(3, 4, 0), "n_out"),
        (lambda n, X, D: n.fit(X, np.array([0, 1, 2, 0, 1, 0])), "labels in 0..1"),
    ],
)
def test_bad_input_gets_a_clear_error(problem, call, match):
    net, X, D = problem
    with pytest.raises((ValueError, TypeError), match=match):
        call(net, X, D)


def test_training_learns_a_small_task_and_is_reproducible():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((120, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(np.int64)              # XOR of the signs: needs the hidden units
    net = FixedPointNet(2, 8, 2, seed=3)
    before = np.mean(net.predict(X, tol=1e-8) == y)
    history = net.fit(X, y, epochs=30, batch_size=30, optimizer=Adam(lr=3e-2), tol=1e-6, validation=(X, y))
    assert history["loss"][-1] < 0.5 * history["loss"][0]
    assert history["val_accuracy"][-1] >= 0.9 > before
    short = [FixedPointNet(2, 8, 2, seed=3).fit(X, y, epochs=2, batch_size=30, tol=1e-6) for _ in range(2)]
    assert short[0] == short[1]
    assert one_hot(np.array([1, 0]), 2).tolist() == [[0.0, 1.0], [1.0, 0.0]]
