"""Equilibrium propagation (Scellier & Bengio 2017) on a layered continuous Hopfield network.

The true gradient is checked against central finite differences of the loss at the free equilibrium and
against recurrent backpropagation on the same network written as a FixedPointNet; the EqProp estimate is
checked against the true gradient as beta shrinks and against the local formula written out here.
"""

from __future__ import annotations

import numpy as np
import pytest

from fbnn.equilibrium import ConvergenceError, EnergyNet, FixedPointNet
from fbnn.optim import Adam


def sigmoid(u):
    return 1 / (1 + np.exp(-u))


def drive(net, X, V):
    """A v + B x + b for the layered net, written with the dense connection matrix."""
    Bx = np.zeros_like(V)
    Bx[:, net.slices[0]] = X @ net.params["W1"].T
    b = np.concatenate([net.params[f"b{k}"] for k in range(1, net.n_layers + 1)])
    return V @ net.connections() + Bx + b


def flat(grads, keys):
    return np.concatenate([grads[k].ravel() for k in keys])


@pytest.fixture
def problem():
    rng = np.random.default_rng(3)
    net = EnergyNet((4, 6, 5, 3), weight_scale=1.5, seed=2)
    for k in (1, 2, 3):
        net.params[f"b{k}"] = rng.normal(0, 0.3, net.sizes[k])
    X = rng.standard_normal((8, 4))
    D = np.eye(3)[rng.integers(0, 3, 8)]
    return net, X, D


def test_free_equilibrium_is_a_stationary_point(problem):
    net, X, _ = problem
    fr = net.relax(X, tol=1e-13)
    u1, u2, u3 = net.layers(fr.states)
    v1, v2, v3 = sigmoid(u1), sigmoid(u2), sigmoid(u3)
    p = net.params
    # u_k = W_k v_{k-1} + W_{k+1}^T v_{k+1} + b_k, written out layer by layer
    assert np.allclose(u1, X @ p["W1"].T + v2 @ p["W2"] + p["b1"], atol=1e-12)
    assert np.allclose(u2, v1 @ p["W2"].T + v3 @ p["W3"] + p["b2"], atol=1e-12)
    assert np.allclose(u3, v2 @ p["W3"].T + p["b3"], atol=1e-12)


def test_energy_is_hopfields_and_the_equilibrium_is_a_minimum(problem):
    net, X, _ = problem
    S = net.relax(X, tol=1e-13).states
    V = sigmoid(S)

    def energy_of_rates(V):       # sum_i [v log v + (1-v) log(1-v)] - v.(A v / 2 + B x + b), up to a constant
        entropy = np.sum(V * np.log(V) + (1 - V) * np.log1p(-V), axis=1)
        A = net.connections()
        Bx = np.zeros_like(V)
        Bx[:, net.slices[0]] = X @ net.params["W1"].T
        b = np.concatenate([net.params[f"b{k}"] for k in (1, 2, 3)])
        return entropy - 0.5 * np.einsum("ni,ij,nj->n", V, A, V) - np.sum(V * (Bx + b), axis=1)

    rng = np.random.default_rng(0)
    other = rng.standard_normal(S.shape)
    shift_at_eq = net.energy(X, S) - energy_of_rates(V)
    shift_other = net.energy(X, other) - energy_of_rates(sigmoid(other))
    assert np.allclose(shift_at_eq, shift_other, atol=1e-10)       # the same function, up to a constant
    for _ in range(5):                                             # every nearby state has a higher energy
        nudged = S + 1e-3 * rng.standard_normal(S.shape)
        assert np.all(net.energy(X, nudged) > net.energy(X, S))
    assert np.all(np.linalg.eigvalsh(net.hessian(X, S)) > 0)


def test_relaxation_never_raises_the_energy(problem):
    net, X, _ = problem
    S, energies = np.zeros((X.shape[0], net.n_free)), []
    for _ in range(100):
        energies.append(net.energy(X, S))
        S = S + 0.2 * (drive(net, X, sigmoid(S)) - S)          # one Euler step of du/dt = -u + A v + B x + b
    assert np.all(np.diff(np.array(energies), axis=0) <= 1e-12)


def test_hessian_matches_finite_differences_of_the_energy_gradient(problem):
    net, X, _ = problem
    S = net.relax(X, tol=1e-13).states
    V = sigmoid(S)

    def grad_in_rates(V):         # dE/dv = u - (A v + B x + b), u = logit(v)
        U = np.log(V) - np.log1p(-V)
        return U - drive(net, X, V)

    H = net.hessian(X, S)
    eps = 1e-6
    for j in range(net.n_free):
        up, down = V.copy(), V.copy()
        up[:, j] += eps
        down[:, j] -= eps
        assert np.allclose(H[:, :, j], (grad_in_rates(up) - grad_in_rates(down)) / (2 * eps), atol=1e-6)


def test_true_gradient_agrees_with_finite_differences(problem):
    net, X, D = problem
    loss, grads = net.loss_and_grads(X, D, tol=1e-14)
    fd, eps = [], 1e-6
    for key in net.params:
        arr = net.params[key]
        for idx in np.ndindex(arr.shape):
            saved = arr[idx]
            arr[idx] = saved + eps
            up = net.loss(X, D, tol=1e-14)
            arr[idx] = saved - eps
            down = net.loss(X, D, tol=1e-14)
            arr[idx] = saved
            fd.append((up - down) / (2 * eps))
    fd = np.array(fd)
    g = flat(grads, net.params)
    assert np.linalg.norm(g - fd) / np.linalg.norm(fd) < 1e-6
    assert np.isclose(loss, np.mean(0.5 * np.sum((sigmoid(net.layers(net.relax(X).states)[-1]) - D) ** 2, 1)))


def test_true_gradient_is_recurrent_backprop_with_tied_weights(problem):
    net, X, D = problem
    fp = FixedPointNet(4, 11, 3, activation="sigmoid", seed=0)
    fp.params["W"] = net.connections()
    fp.params["U"] = np.zeros((14, 4))
    fp.params["U"][net.slices[0]] = net.params["W1"]
    fp.params["b"] = np.concatenate([net.params[f"b{k}"] for k in (1, 2, 3)])
    assert np.allclose(fp.relax(X, tol=1e-13).states, sigmoid(net.relax(X, tol=1e-13).states), atol=1e-12)
    loss_fp, g_fp = fp.loss_and_grads(X, D, tol=1e-14)
    loss, g = net.loss_and_grads(X, D, tol=1e-14)
    assert np.isclose(loss, loss_fp, rtol=1e-12)
    s1, s2, s3 = net.slices
    tied = {"W1": g_fp["U"][s1], "W2": g_fp["W"][s2, s1] + g_fp["W"][s1, s2].T,
            "W3": g_fp["W"][s3, s2] + g_fp["W"][s2, s3].T,
            "b1": g_fp["b"][s1], "b2": g_fp["b"][s2], "b3": g_fp["b"][s3]}
    for key in net.params:
        assert np.allclose(g[key], tied[key], atol=1e-12, rtol=1e-9), key


def test_eqprop_error_shrinks_with_beta(problem):
    net, X, D = problem
    _, true = net.loss_and_grads(X, D, tol=1e-14)
    g = flat(true, net.params)

    def error(beta, symmetric):
        _, est = net.eqprop_grads(X, D, beta, symmetric=symmetric, tol=1e-14)
        return np.linalg.norm(flat(est, net.params) - g) / np.linalg.norm(g)

    one = {b: error(b, False) for b in (0.5, 0.02, 0.01)}
    sym = {b: error(b, True) for b in (0.5, 0.02, 0.01)}
    assert one[0.5] / one[0.01] >= 10 and sym[0.5] / sym[0.01] >= 10
    assert one[0.5] > one[0.02] > one[0.01]
    assert 0.4 < one[0.01] / one[0.02] < 0.6            # first order in beta
    assert 0.2 < sym[0.01] / sym[0.02] < 0.3            # second order with symmetric nudging
    assert sym[0.01] < one[0.01] / 10


def test_eqprop_is_the_local_contrastive_rule(problem):
    net, X, D = problem
    beta = 0.1
    free = net.relax(X, tol=1e-13).states
    nudged = net.relax(X, beta=beta, D=D, S0=free, tol=1e-13).states
    _, est = net.eqprop_grads(X, D, beta, tol=1e-13)
    v0, vb = net.layers(sigmoid(free)), net.layers(sigmoid(nudged))
    n = X.shape[0]
    assert np.allclose(est["W1"], -(vb[0].T @ X - v0[0].T @ X) / (beta * n), atol=1e-10)
    assert np.allclose(est["W3"], -(vb[2].T @ vb[1] - v0[2].T @ v0[1]) / (beta * n), atol=1e-10)
    assert np.allclose(est["b2"], -(vb[1] - v0[1]).mean(axis=0) / beta, atol=1e-10)
    # the nudge pulls the outputs towards the targets
    assert np.all(np.abs(vb[2] - D) <= np.abs(v0[2] - D) + 1e-12)


def test_no_estimate_from_an_unconverged_relaxation(problem):
    net, X, D = problem
    with pytest.raises(ConvergenceError, match="free relaxation did not converge"):
        net.eqprop_grads(X, D, 0.1, max_iter=5)
    with pytest.raises(ConvergenceError, match=r"nudged \(beta = 0.1\)"):
        net.relax(X, beta=0.1, D=D, max_iter=5)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda n, X, D: n.eqprop_grads(X, D, 0.0), "beta must be nonzero"),
        (lambda n, X, D: n.relax(X, beta=0.1), "D .*required"),
        (lambda n, X, D: n.relax(X, beta=float("nan"), D=D), "beta must be finite"),
        (lambda n, X, D: n.eqprop_grads(X, D[:, :2], 0.1), "D must have shape"),
        (lambda n, X, D: n.relax(X[:, :3]), "X must have shape"),
        (lambda n, X, D: n.relax(X, S0=np.zeros((8, 3))), "S0 must have shape"),
        (lambda n, X, D: EnergyNet((4,)), "sizes"),
        (lambda n, X, D: EnergyNet((4, 0, 3)), r"sizes\[1\]"),
        (lambda n, X, D: n.fit(X, np.zeros(8, dtype=int), beta=0.0), "beta must be nonzero"),
    ],
)
def test_bad_input_gets_a_clear_error(problem, call, match):
    net, X, D = problem
    with pytest.raises((ValueError, TypeError), match=match):
        call(net, X, D)


def test_training_with_eqprop_learns_a_small_task():
    rng = np.random.default_rng(0)
    centers = 2.5 * rng.standard_normal((3, 4))
    y = rng.integers(0, 3, 150)
    X = centers[y] + rng.standard_normal((150, 4))            # three Gaussian blobs in 4-D
    net = EnergyNet((4, 8, 3), seed=1)
    before = np.mean(net.predict(X) == y)
    history = net.fit(X, y, beta=0.5, epochs=8, batch_size=30, optimizer=Adam(lr=5e-2), validation=(X, y))
    assert history["loss"][-1] < 0.5 * history["loss"][0]
    assert history["val_accuracy"][-1] >= 0.9 > before
