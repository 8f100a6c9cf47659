"""The MLP: shapes, initialisation, forward pass against plain NumPy, gradients against finite differences."""

import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from fbnn import MLP
from fbnn.gradcheck import numerical_gradients
from fbnn.names import HIDDEN_ACTIVATIONS

PAIRINGS = [
    ("softmax", "cross_entropy"),
    ("sigmoid", "binary_cross_entropy"),
    ("identity", "mse"),
    ("tanh", "mse"),
    ("softmax", "mse"),
    ("sigmoid", "mse"),
    ("sigmoid", "cross_entropy"),
    ("softmax", "binary_cross_entropy"),
    ("relu", "mse"),
]


def _randomise(model, rng):
    # Non-zero biases: with zero biases a sample whose hidden units are all off puts a ReLU exactly
    # at its kink, where finite differences see half a slope.
    for v in model.params.values():
        v[...] = rng.normal(0, 0.7, size=v.shape)
    return model


def _targets(loss, rng, n, k):
    if loss == "cross_entropy":
        return rng.integers(0, k, n)
    if loss == "binary_cross_entropy":
        return rng.uniform(size=(n, k))
    return rng.normal(size=(n, k))


def _max_rel_err(model, X, Y, loss):
    _, grads = model.loss_and_grads(X, Y, loss)
    num = numerical_gradients(model, X, Y, loss)
    # Relative error of each parameter array as a whole; an exactly zero gradient must match exactly.
    worst = 0.0
    for k in grads:
        scale = np.linalg.norm(grads[k]) + np.linalg.norm(num[k])
        diff = np.linalg.norm(grads[k] - num[k])
        worst = max(worst, diff / scale if scale > 0 else diff)
    return worst


def test_param_names_and_shapes():
    m = MLP([64, 128, 10], hidden="relu", output="softmax", seed=0, dtype="float64")
    assert {k: v.shape for k, v in m.params.items()} == {
        "W1": (128, 64),
        "b1": (128,),
        "W2": (10, 128),
        "b2": (10,),
    }
    assert m.n_params == 64 * 128 + 128 + 128 * 10 + 10
    assert m.forward(np.zeros((3, 64))).shape == (3, 10)


def test_initialisation_statistics():
    he = MLP([400, 300, 2], hidden="relu", output="softmax", seed=0).params["W1"]
    assert abs(he.std() - np.sqrt(2 / 400)) < 0.02 * np.sqrt(2 / 400)
    gl = MLP([400, 300, 2], hidden="tanh", output="softmax", seed=0).params["W1"]
    limit = np.sqrt(6 / 700)
    assert np.abs(gl).max() <= limit and np.abs(gl).max() > 0.99 * limit
    assert abs(gl.std() - limit / np.sqrt(3)) < 0.02 * limit
    assert not MLP([4, 3], seed=0).params["b1"].any()


def test_seed_determines_weights():
    a, b, c = MLP([5, 4, 3], seed=7), MLP([5, 4, 3], seed=7), MLP([5, 4, 3], seed=8)
    assert all(np.array_equal(a.params[k], b.params[k]) for k in a.params)
    assert not np.array_equal(a.params["W1"], c.params["W1"])


def test_forward_matches_hand_written_numpy():
    rng = np.random.default_rng(0)
    m = _randomise(MLP([3, 5, 4, 2], hidden=["tanh", "relu"], output="softmax"), rng)
    X = rng.normal(size=(6, 3))
    p = m.params
    h1 = np.tanh(X @ p["W1"].T + p["b1"])
    h2 = np.maximum(h1 @ p["W2"].T + p["b2"], 0)
    z = h2 @ p["W3"].T + p["b3"]
    expected = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    assert np.allclose(m.forward(X), expected, rtol=1e-13)
    # one sample as a column, z = W x + b
    x0 = X[0][:, None]
    z1 = p["W1"] @ x0 + p["b1"][:, None]
    assert np.allclose(np.tanh(z1).ravel(), h1[0])


@pytest.mark.parametrize("hidden", HIDDEN_ACTIVATIONS)
@pytest.mark.parametrize(("output", "loss"), PAIRINGS)
@pytest.mark.parametrize("depth", [1, 2, 3])
def test_gradients_match_finite_differences(hidden, output, loss, depth):
    rng = np.random.default_rng(zlib.crc32(f"{hidden}{output}{loss}{depth}".encode()))
    sizes = [3] + [4] * (depth - 1) + [3]
    m = _randomise(MLP(sizes, hidden=hidden, output=output, loss=loss, seed=0), rng)
    X = rng.normal(size=(5, 3))
    assert _max_rel_err(m, X, _targets(loss, rng, 5, 3), loss) < 1e-6


# Inputs with the edge values a data set has: zeros, ties (repeated values, equal rows), whole numbers.
# Nonzero inputs below 1e-3 are left out: a gradient of size 1e-23 is below the 1e-10 noise of a finite
# difference, so the relative error would measure the noise, not backpropagation.
EDGE_INPUTS = st.one_of(
    st.sampled_from([0.0, 1.0, -1.0, 2.0]),
    st.floats(-3, 3, allow_subnormal=False).filter(lambda v: v == 0 or abs(v) >= 1e-3),
)


@settings(max_examples=12, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 4), min_size=2, max_size=4),
    n=st.integers(1, 5),
    hidden=st.sampled_from(HIDDEN_ACTIVATIONS),
    pairing=st.sampled_from(PAIRINGS),
    seed=st.integers(0, 2**16),
    data=st.data(),
)
def test_gradients_property(sizes, n, hidden, pairing, seed, data):
    output, loss = pairing
    if output == "softmax" and sizes[-1] == 1:  # refused: softmax over one output cannot learn
        sizes = [*sizes[:-1], 2]
    rng = np.random.default_rng(seed)
    m = _randomise(MLP(sizes, hidden=hidden, output=output, loss=loss, seed=seed), rng)
    X = data.draw(arrays(np.float64, (n, sizes[0]), elements=EDGE_INPUTS), label="X")
    assert _max_rel_err(m, X, _targets(loss, rng, n, sizes[-1]), loss) < 1e-6


def test_backward_of_arbitrary_upstream_gradient():
    # L = sum(G * Z_L) has dL/dZ_L = G: the case of a policy gradient, where G is not (a - y)/N.
    rng = np.random.default_rng(5)
    m = _randomise(MLP([3, 4, 3], hidden="tanh", output="softmax"), rng)
    X, G = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    _, cache = m.forward(X, return_cache=True)
    grads = m.backward(cache, G)
    h = 1e-6
    for k, p in m.params.items():
        num = np.zeros_like(p)
        for idx in np.ndindex(p.shape):
            old = p[idx]
            p[idx] = old + h
            up = np.sum(G * m.forward(X, return_cache=True)[1]["Z"])
            p[idx] = old - h
            down = np.sum(G * m.forward(X, return_cache=True)[1]["Z"])
            p[idx] = old
            num[idx] = (up - down) / (2 * h)
        assert np.allclose(grads[k], num, rtol=1e-6, atol=1e-9), k


def test_backward_wrt_output_and_logits_agree_with_loss_and_grads():
    rng = np.random.default_rng(6)
    m = _randomise(MLP([3, 4, 3], hidden="relu", output="softmax"), rng)
    X, y = rng.normal(size=(6, 3)), rng.integers(0, 3, 6)
    Y = np.eye(3)[y]
    _, grads = m.loss_and_grads(X, y)
    a, cache = m.forward(X, return_cache=True)
    g_logits = m.backward(cache, (a - Y) / 6)
    g_output = m.backward(cache, -Y / (a * 6), wrt="output")
    for k in grads:
        assert np.allclose(g_logits[k], grads[k], rtol=1e-12, atol=1e-15)
        assert np.allclose(g_output[k], grads[k], rtol=1e-9, atol=1e-12)
    with pytest.raises(ValueError, match=r"grad has shape \(6, 2\), expected \(6, 3\)"):
        m.backward(cache, np.zeros((6, 2)))
    with pytest.raises(ValueError, match="wrt"):
        m.backward(cache, Y, wrt="inputs")


def test_gradients_are_fresh_values():
    rng = np.random.default_rng(8)
    m = MLP([3, 4, 2], seed=0)
    X, y = rng.normal(size=(5, 3)), rng.integers(0, 2, 5)
    _, g1 = m.loss_and_grads(X, y)
    _, g2 = m.loss_and_grads(X, y)
    assert all(np.array_equal(g1[k], g2[k]) and g1[k] is not g2[k] for k in g1)


def test_float32_end_to_end_close_to_float64():
    rng = np.random.default_rng(9)
    m64 = _randomise(MLP([4, 6, 3], hidden="sigmoid", output="softmax"), rng)
    m32 = m64.copy(dtype="float32")
    X, y = rng.normal(size=(8, 4)), rng.integers(0, 3, 8)
    l64, g64 = m64.loss_and_grads(X, y)
    l32, g32 = m32.loss_and_grads(X, y)
    assert m32.forward(X).dtype == np.float32
    assert all(g.dtype == np.float32 for g in g32.values())
    assert abs(l32 - l64) < 1e-5 * abs(l64)
    for k in g64:
        assert np.allclose(g32[k], g64[k], rtol=1e-4, atol=1e-6)


def test_predict_and_evaluate():
    rng = np.random.default_rng(10)
    m = _randomise(MLP([2, 5, 3], hidden="tanh", output="softmax"), rng)
    X, y = rng.normal(size=(20, 2)), rng.integers(0, 3, 20)
    out = m.forward(X)
    assert np.array_equal(m.predict(X), np.argmax(out, axis=1))
    res = m.evaluate(X, y)
    assert res["accuracy"] == np.mean(np.argmax(out, axis=1) == y)
    assert np.isclose(res["loss"], -np.mean(np.log(out[np.arange(20), y])), rtol=1e-12)
    b = _randomise(MLP([2, 3, 1], hidden="tanh", output="sigmoid"), rng)
    assert np.array_equal(b.predict(X), (b.forward(X)[:, 0] > 0.5).astype(int))


def test_copy_and_load_state_dict_are_independent():
    m = MLP([3, 2], seed=0)
    c = m.copy()
    c.params["W1"] += 1
    assert not np.array_equal(c.params["W1"], m.params["W1"])
    new = {k: np.ones_like(v) for k, v in m.params.items()}
    m.load_state_dict(new)
    new["W1"][...] = 5
    assert np.all(m.params["W1"] == 1)
    with pytest.raises(ValueError, match="expected \\(2, 3\\)"):
        m.load_state_dict({"W1": np.ones((3, 2)), "b1": np.ones(2)})
