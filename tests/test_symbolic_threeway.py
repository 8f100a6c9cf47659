"""Three-way agreement: symbolic (lambdified) = fbnn's numeric backprop = central finite differences."""

import numpy as np
import pytest

from fbnn import MLP, names
from fbnn.symbolic import explicit_network, network_gradient_function

# Pairs both sides support: log losses need outputs in (0, 1), cross-entropy needs probability rows.
OUTPUT_LOSS = [(out, "mse") for out in names.OUTPUT_ACTIVATIONS] + [
    ("sigmoid", "binary_cross_entropy"),
    ("softmax", "binary_cross_entropy"),
    ("softmax", "cross_entropy"),
]


def _data(n_in, n_out, loss, output, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(5, n_in))
    if loss == "cross_entropy":
        Y = np.eye(n_out)[rng.integers(0, n_out, size=5)]
    elif loss == "binary_cross_entropy":
        Y = rng.uniform(0.05, 0.95, size=(5, n_out))
    else:
        Y = rng.normal(size=(5, n_out))
    return X, Y


def _central_differences(f, params, h=1e-6):
    grads = {}
    for key, value in params.items():
        g = np.zeros_like(value)
        for idx in np.ndindex(value.shape):
            plus = {k: v.copy() for k, v in params.items()}
            minus = {k: v.copy() for k, v in params.items()}
            plus[key][idx] += h
            minus[key][idx] -= h
            g[idx] = (f(plus) - f(minus)) / (2 * h)
        grads[key] = g
    return grads


def _three_way(sizes, hidden, output, loss):
    net = explicit_network(sizes, hidden, output, loss)
    symbolic = network_gradient_function(net)
    model = MLP(list(sizes), hidden=hidden, output=output, seed=0)
    # relu's kink at 0 is not hit: random inputs and weights almost surely avoid z = 0 exactly.
    params = {k: np.array(v, dtype=np.float64) for k, v in model.params.items()}
    X, Y = _data(sizes[0], sizes[-1], loss, output)
    loss_sym, g_sym = symbolic(params, X, Y)
    loss_num, g_num = model.loss_and_grads(X, Y, loss=loss)
    g_fd = _central_differences(lambda p: symbolic(p, X, Y)[0], params)
    assert abs(loss_sym - loss_num) < 1e-9
    assert set(g_sym) == set(g_num) == set(params)
    for k in params:
        np.testing.assert_allclose(g_sym[k], g_num[k], rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(g_fd[k], g_num[k], rtol=0, atol=1e-9)


@pytest.mark.parametrize("output,loss", OUTPUT_LOSS)
def test_single_layer(output, loss):
    _three_way((3, 3 if output == "softmax" else 2), "identity", output, loss)


@pytest.mark.parametrize("hidden", names.HIDDEN_ACTIVATIONS)
def test_hidden_layer(hidden):
    _three_way((2, 3, 2), hidden, "sigmoid", "binary_cross_entropy")


def test_two_hidden_layers_softmax_cross_entropy():
    _three_way((2, 3, 2, 3), "tanh", "softmax", "cross_entropy")
