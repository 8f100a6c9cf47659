"""BPTT gradients of ElmanRNN and JordanRNN against central finite differences.

The reference losses below are written independently of fbnn: one sequence and one step at a time, with
the truncated loss built from its definition (run k steps from a state computed with frozen parameters).
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fbnn.recurrent import ElmanRNN, JordanRNN


def _log_softmax(z):
    m = z.max()
    return z - m - np.log(np.sum(np.exp(z - m)))


def _step_loss(y, target, loss):
    if loss == "cross_entropy":
        return -_log_softmax(y)[target]
    if loss == "binary_cross_entropy":
        p = 1 / (1 + np.exp(-y))
        return -np.sum(target * np.log(p) + (1 - target) * np.log(1 - p))
    return 0.5 * np.sum((y - target) ** 2)


def _run(kind, p, x_seq, start, t_end, state):
    """Run steps start..t_end-1 (0-based) from the recurrent ``state``; return the last output."""
    h = state if kind == "elman" else None
    y = state if kind == "jordan" else None
    for t in range(start, t_end):
        ctx = p["Whh"] @ h if kind == "elman" else p["Wyh"] @ y
        h = np.tanh(p["Wxh"] @ x_seq[t] + ctx + p["bh"])
        y = p["Why"] @ h + p["by"]
    return y, (h if kind == "elman" else y)


def reference_loss(kind, p, X, Y, loss, k=None, frozen=None, steps="all"):
    """Mean loss; with k, each step's loss only sees the last k updates from the frozen-parameter state."""
    frozen = p if frozen is None else frozen
    n_seq, T, _ = X.shape
    n_state = p["Whh"].shape[0] if kind == "elman" else p["Why"].shape[0]
    total, count = 0.0, 0
    for n in range(n_seq):
        for t in range(1, T + 1):
            if steps == "last" and t != T:
                continue
            start = 0 if k is None else max(0, t - k)
            # state after `start` steps, computed with the frozen parameters: a constant for the derivative
            _, state = _run(kind, frozen, X[n], 0, start, np.zeros(n_state))
            if start == 0:
                state = np.zeros(n_state)
            y, _ = _run(kind, p, X[n], start, t, state)
            target = Y[n, t - 1] if steps == "all" else Y[n]
            total += _step_loss(y, target, loss)
            count += 1
    return total / count


def finite_difference_grads(kind, params, X, Y, loss, k, steps, eps=1e-6):
    frozen = {key: v.copy() for key, v in params.items()}
    grads = {}
    for key, value in params.items():
        g = np.zeros_like(value)
        for idx in np.ndindex(value.shape):
            p_plus = {kk: vv.copy() for kk, vv in params.items()}
            p_minus = {kk: vv.copy() for kk, vv in params.items()}
            p_plus[key][idx] += eps
            p_minus[key][idx] -= eps
            lp = reference_loss(kind, p_plus, X, Y, loss, k, frozen, steps)
            lm = reference_loss(kind, p_minus, X, Y, loss, k, frozen, steps)
            g[idx] = (lp - lm) / (2 * eps)
        grads[key] = g
    return grads


def rel_error(a, b):
    scale = max(np.linalg.norm(a), np.linalg.norm(b))
    return 0.0 if scale == 0 else float(np.linalg.norm(a - b) / scale)


def make_targets(rng, loss, shape, n_out):
    if loss == "cross_entropy":
        return rng.integers(0, n_out, size=shape)
    if loss == "binary_cross_entropy":
        return rng.uniform(0, 1, size=shape + (n_out,))
    return rng.standard_normal(shape + (n_out,))


def check_case(kind, seed, loss, k, steps="all", sizes=None):
    rng = np.random.default_rng(seed)
    n_seq, T, n_in, n_hidden, n_out = sizes or (
        int(rng.integers(1, 4)), int(rng.integers(1, 7)), int(rng.integers(1, 4)),
        int(rng.integers(1, 5)), int(rng.integers(1, 4)),
    )
    cls = ElmanRNN if kind == "elman" else JordanRNN
    # recurrent_scale > 1 makes the recurrent paths matter (a weak recurrence would hide truncation bugs)
    net = cls(n_in, n_hidden, n_out, seed=seed, recurrent_scale=1.5)
    for v in net.params.values():
        v += 0.3 * rng.standard_normal(v.shape)  # nonzero biases too
    X = rng.standard_normal((n_seq, T, n_in))
    Y = make_targets(rng, loss, (n_seq, T) if steps == "all" else (n_seq,), n_out)
    value, grads = net.loss_and_grads(X, Y, loss=loss, truncate=k, steps=steps)
    assert value == pytest.approx(reference_loss(kind, net.params, X, Y, loss, k, None, steps), rel=1e-12)
    fd = finite_difference_grads(kind, net.params, X, Y, loss, k, steps)
    assert set(grads) == set(net.params)
    for key in grads:
        assert grads[key].shape == net.params[key].shape
        assert rel_error(grads[key], fd[key]) < 1e-6, (key, grads[key], fd[key])


@pytest.mark.parametrize("kind", ["elman", "jordan"])
@pytest.mark.parametrize("loss", ["cross_entropy", "mse", "binary_cross_entropy"])
@pytest.mark.parametrize("k", [None, 1, 2, 3])
def test_bptt_matches_finite_differences(kind, loss, k):
    check_case(kind, seed=7, loss=loss, k=k, sizes=(2, 5, 2, 3, 3))


@pytest.mark.parametrize("kind", ["elman", "jordan"])
@pytest.mark.parametrize("k", [None, 2])
def test_bptt_last_step_loss(kind, k):
    check_case(kind, seed=3, loss="cross_entropy", k=k, steps="last", sizes=(3, 4, 2, 3, 2))


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 10_000), kind=st.sampled_from(["elman", "jordan"]),
       k=st.one_of(st.none(), st.integers(1, 6)), loss=st.sampled_from(["cross_entropy", "mse"]))
def test_bptt_random_shapes(seed, kind, k, loss):
    check_case(kind, seed, loss, k)


@pytest.mark.parametrize("cls", [ElmanRNN, JordanRNN])
def test_truncation_changes_the_gradient_and_k_geq_T_is_full(cls):
    rng = np.random.default_rng(0)
    net = cls(2, 4, 3, seed=1, recurrent_scale=1.5)
    X = rng.standard_normal((2, 6, 2))
    Y = rng.integers(0, 3, size=(2, 6))
    _, full = net.loss_and_grads(X, Y)
    _, k6 = net.loss_and_grads(X, Y, truncate=6)
    _, k2 = net.loss_and_grads(X, Y, truncate=2)
    key = "Whh" if cls is ElmanRNN else "Wyh"
    np.testing.assert_array_equal(full[key], k6[key])
    assert rel_error(full[key], k2[key]) > 1e-3
    # the output layer's gradient does not go through the recurrence in an Elman net
    if cls is ElmanRNN:
        np.testing.assert_allclose(full["Why"], k2["Why"], rtol=1e-12)


@pytest.mark.parametrize("cls", [ElmanRNN, JordanRNN])
def test_float32_end_to_end(cls):
    rng = np.random.default_rng(0)
    net32 = cls(3, 6, 4, seed=2, dtype="float32")
    net64 = cls(3, 6, 4, seed=2, dtype="float64")
    X = rng.standard_normal((4, 7, 3))
    Y = rng.integers(0, 4, size=(4, 7))
    l32, g32 = net32.loss_and_grads(X, Y, truncate=3)
    l64, g64 = net64.loss_and_grads(X, Y, truncate=3)
    assert net32.forward(X).dtype == np.float32
    for key in g32:
        assert g32[key].dtype == np.float32
        np.testing.assert_allclose(g32[key], g64[key], rtol=1e-3, atol=1e-5)
    assert l32 == pytest.approx(l64, rel=1e-5)
