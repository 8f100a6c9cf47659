"""Gradient checking notices wrong gradients and leaves the model alone."""

import numpy as np

from fbnn import MLP
from fbnn.gradcheck import check_gradients, numerical_gradients, relative_error


def test_small_for_correct_model_and_model_untouched():
    rng = np.random.default_rng(0)
    m = MLP([4, 5, 3], hidden="tanh", output="softmax", seed=1, dtype="float32")
    before = m.state_dict()
    X, y = rng.normal(size=(6, 4)), rng.integers(0, 3, 6)
    err, details = check_gradients(m, X, y, return_details=True)
    assert err < 1e-6 and set(details) == set(m.params)
    assert all(np.array_equal(before[k], m.params[k]) for k in before)
    assert m.dtype == np.float32


def test_detects_a_wrong_backward(monkeypatch):
    rng = np.random.default_rng(1)
    m = MLP([3, 4, 2], hidden="sigmoid", output="softmax", seed=0)
    X, y = rng.normal(size=(5, 3)), rng.integers(0, 2, 5)
    original = MLP._backward

    def broken(self, A, dz, out=None):
        grads = original(self, A, dz, out)
        grads["W1"] = grads["W1"] * 1.01  # a 1% error in one array
        return grads

    monkeypatch.setattr(MLP, "_backward", broken)
    assert check_gradients(m, X, y) > 1e-3


def test_numerical_gradient_of_a_linear_model_is_exact():
    # With identity output and mse, dL/db = mean(a - y) exactly; the difference quotient of a
    # quadratic is exact up to rounding.
    rng = np.random.default_rng(2)
    m = MLP([2, 1], output="identity", seed=0)
    X, Y = rng.normal(size=(7, 2)), rng.normal(size=(7, 1))
    num = numerical_gradients(m, X, Y)
    a = X @ m.params["W1"].T + m.params["b1"]
    assert np.allclose(num["b1"], np.mean(a - Y), rtol=1e-8)
    assert np.allclose(num["W1"], ((a - Y).T @ X) / 7, rtol=1e-8)
    assert relative_error(np.ones(3), np.ones(3)) == 0.0
