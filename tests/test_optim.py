"""Optimizers: each update checked against the textbook rule computed by hand in the test."""

import math

import numpy as np
import pytest

from fbnn.optim import SGD, Adam, Momentum, get_optimizer


def _run(opt, grads_seq, p0):
    params = {"p": np.array(p0, dtype=float)}
    for g in grads_seq:
        opt.step(params, {"p": np.array(g, dtype=float)})
    return params["p"]


def test_sgd_step_and_weight_decay():
    assert np.allclose(_run(SGD(0.1), [[1.0, -2.0]], [1.0, 1.0]), [0.9, 1.2])
    # weight decay 0.5 adds 0.5 * p to the gradient: g = (1, -2) + (0.5, 0.5)
    assert np.allclose(_run(SGD(0.1, weight_decay=0.5), [[1.0, -2.0]], [1.0, 1.0]), [0.85, 1.15])


def test_momentum_classical_and_nesterov_two_steps():
    lr, beta, g1, g2 = 0.1, 0.9, 1.0, 0.5
    v1 = g1
    v2 = beta * v1 + g2
    classical = 1.0 - lr * v1 - lr * v2
    assert math.isclose(_run(Momentum(lr, beta), [[g1], [g2]], [1.0])[0], classical, rel_tol=1e-14)
    nesterov = 1.0 - lr * (g1 + beta * v1) - lr * (g2 + beta * v2)
    got = _run(Momentum(lr, beta, nesterov=True), [[g1], [g2]], [1.0])[0]
    assert math.isclose(got, nesterov, rel_tol=1e-14)


def test_adam_matches_textbook_formula():
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
    gs = [0.3, -0.1, 0.7]
    p, m, v = 2.0, 0.0, 0.0
    for t, g in enumerate(gs, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        p -= lr * (m / (1 - b1**t)) / (math.sqrt(v / (1 - b2**t)) + eps)
    got = _run(Adam(lr, b1, b2, eps), [[g] for g in gs], [2.0])[0]
    assert math.isclose(got, p, rel_tol=1e-13)


def test_adam_first_step_has_size_lr():
    # m_hat = g and v_hat = g^2 after one step, so the update is lr * g / (|g| + eps).
    got = _run(Adam(0.05), [[3.0, -1e-3]], [0.0, 0.0])
    assert np.allclose(got, [-0.05, 0.05], rtol=1e-4)


def test_state_is_kept_per_parameter_name():
    opt = Momentum(0.1, 0.5)
    params = {"a": np.zeros(2), "b": np.zeros(3)}
    opt.step(params, {"a": np.ones(2), "b": 2 * np.ones(3)})
    assert set(opt.state) == {"a", "b"}
    assert np.array_equal(opt.state["b"]["v"], 2 * np.ones(3))


@pytest.mark.parametrize(
    "make", [lambda: SGD(0.1), lambda: Momentum(0.05, nesterov=True), lambda: Adam(0.05)]
)
def test_one_vector_gives_the_same_updates_as_separate_arrays(make):
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(2, 3)), rng.normal(size=4)
    sep, cat = make(), make()
    ps = {"a": a.copy(), "b": b.copy()}
    pc = {"all": np.concatenate([a.ravel(), b])}
    for _ in range(5):
        ga, gb = rng.normal(size=(2, 3)), rng.normal(size=4)
        sep.step(ps, {"a": ga, "b": gb})
        cat.step(pc, {"all": np.concatenate([ga.ravel(), gb])})
    assert np.array_equal(pc["all"], np.concatenate([ps["a"].ravel(), ps["b"]]))


@pytest.mark.parametrize("make", [lambda: SGD(0.1), lambda: Momentum(0.05), lambda: Adam(0.1)])
def test_minimises_a_quadratic(make):
    opt = make()
    params = {"x": np.array([3.0, -2.0])}
    for _ in range(500):
        opt.step(params, {"x": 2 * params["x"]})
    assert np.allclose(params["x"], 0, atol=1e-3)


def test_float32_stays_float32():
    p = {"x": np.ones(3, dtype=np.float32)}
    Adam(0.1).step(p, {"x": np.ones(3, dtype=np.float32)})
    assert p["x"].dtype == np.float32


def test_bad_arguments():
    with pytest.raises(ValueError, match="lr must be a finite number > 0"):
        SGD(0)
    with pytest.raises(ValueError, match="lr"):
        Adam(lr=-1e-3)
    with pytest.raises(TypeError, match="lr must be a positive number"):
        SGD("0.1")
    with pytest.raises(ValueError, match=r"beta must lie in \[0, 1\)"):
        Momentum(0.1, beta=1.0)
    with pytest.raises(ValueError, match="weight_decay"):
        SGD(0.1, weight_decay=-1)
    with pytest.raises(ValueError, match="unknown optimizer 'rmsprop'.*'adam'"):
        get_optimizer("rmsprop")
    assert isinstance(get_optimizer("adam"), Adam)
    assert get_optimizer("nesterov", lr=0.1).nesterov is True
