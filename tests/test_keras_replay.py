"""The NumPy replay of Keras's training (fbnn.keras_replay), without TensorFlow.

Expectations come from Keras's documentation, from values Keras 3.15.1 printed once (recorded below with
the call that produced them), from finite differences and from a reference loop written here.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from fbnn import MLP
from fbnn import keras_replay as kr


def _lse(z: np.ndarray) -> np.ndarray:
    return np.log(np.sum(np.exp(z), axis=1))


def _reported_loss(y: np.ndarray, z: np.ndarray) -> float:
    # -sum_k y_k log softmax(z)_k = S logsumexp(z) - y . z, mean over the batch.
    return float(np.mean(y.sum(axis=1) * _lse(z) - np.sum(y * z, axis=1)))


def test_loss_reproduces_the_keras_documentation_example():
    # keras.backend.categorical_crossentropy docstring: one-hot rows against these probabilities give
    # 0.10536, 0.11653, 0.06188. The log of a probability row is a logit row with that softmax.
    y = np.eye(3)
    p = np.array([[0.9, 0.05, 0.05], [0.05, 0.89, 0.06], [0.05, 0.01, 0.94]])
    np.testing.assert_allclose(kr.categorical_crossentropy_from_logits(y, np.log(p)),
                               [0.10536, 0.11653, 0.06188], atol=5e-6)


def test_loss_uses_the_labels_as_given():
    # y = (2, 3), z = (0, ln 2): softmax = (1/3, 2/3), loss = -(2 ln 1/3 + 3 ln 2/3).
    loss = kr.categorical_crossentropy_from_logits([[2.0, 3.0]], [[0.0, math.log(2)]])
    assert loss[0] == pytest.approx(2 * math.log(3) + 3 * math.log(1.5), rel=1e-14)
    # Large logits do not overflow.
    assert np.isfinite(kr.categorical_crossentropy_from_logits([[1.0, 0.0]], [[800.0, -800.0]])).all()


def _numeric_grad(f, z: np.ndarray, h: float = 1e-6) -> np.ndarray:
    g = np.zeros_like(z)
    for idx in np.ndindex(z.shape):
        e = np.zeros_like(z)
        e[idx] = h
        g[idx] = (f(z + e) - f(z - e)) / (2 * h)
    return g


def test_exact_gradient_is_the_derivative_of_the_reported_loss():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 10, size=(4, 5)).astype(float)
    z = rng.normal(size=(4, 5))
    fd = _numeric_grad(lambda zz: _reported_loss(y, zz), z)
    np.testing.assert_allclose(kr.categorical_crossentropy_grad(y, z), fd, atol=1e-7)


def test_fused_gradient_is_the_derivative_of_another_function():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 10, size=(4, 5)).astype(float)
    z = rng.normal(size=(4, 5))
    fused = kr.fused_crossentropy_grad(y, z)
    # It is the gradient of mean(logsumexp(z) - y . z), not of the reported loss...
    fd = _numeric_grad(lambda zz: float(np.mean(_lse(zz) - np.sum(y * zz, axis=1))), z)
    np.testing.assert_allclose(fused, fd, atol=1e-7)
    exact = kr.categorical_crossentropy_grad(y, z)
    assert np.abs(fused - exact).max() > 0.1
    # ... its rows sum to (1 - S)/N instead of 0 ...
    np.testing.assert_allclose(fused.sum(axis=1), (1 - y.sum(axis=1)) / 4, atol=1e-12)
    np.testing.assert_allclose(exact.sum(axis=1), 0, atol=1e-12)
    # ... and for rows that sum to 1 the two agree.
    q = y / y.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(kr.fused_crossentropy_grad(q, z), kr.categorical_crossentropy_grad(q, z),
                               atol=1e-15)


def test_categorical_accuracy_takes_the_first_maximum():
    y = np.array([[3.0, 9, 9], [1, 0, 0], [0, 0, 1]])
    p = np.array([[0.1, 0.8, 0.1], [0.2, 0.5, 0.3], [0.3, 0.3, 0.4]])
    np.testing.assert_array_equal(kr.categorical_accuracy(y, p), [1.0, 0.0, 1.0])


def test_keras_adam_reproduces_values_printed_by_keras():
    # Recorded from keras 3.15.1 (TensorFlow 2.21.0) with floatx float64:
    #   o = keras.optimizers.Adam(); v = keras.Variable([0.0, 0.0])
    #   o.apply_gradients([([1.0, 1e-6], v)]); o.apply_gradients([([-0.5, 2.0], v)])
    expected = [[-0.0009999901620141069, -0.00024025146948514808],
                [-0.0012663246742683288, -0.0009843824954073764]]
    opt, p = kr.KerasAdam(), {"v": np.zeros(2)}
    for g, want in zip(([1.0, 1e-6], [-0.5, 2.0]), expected, strict=True):
        opt.step(p, {"v": np.array(g)})
        np.testing.assert_allclose(p["v"], want, rtol=1e-13, atol=0)


def test_keras_adam_against_the_paper_form():
    # Kingma and Ba's form with bias-corrected m and v; Keras's epsilon sits on sqrt(v), so in this
    # form it becomes eps / sqrt(1 - b2^t). Keras rounds b1 and b2 to float32 in the corrections.
    rng = np.random.default_rng(2)
    grads = rng.normal(size=(5, 3))
    b1, b2 = float(np.float32(0.9)), float(np.float32(0.999))
    p_ref, m, v = np.zeros(3), np.zeros(3), np.zeros(3)
    opt, p = kr.KerasAdam(lr=0.01), {"w": np.zeros(3)}
    for t, g in enumerate(grads, start=1):
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
        p_ref = p_ref - 0.01 * m_hat / (np.sqrt(v_hat) + 1e-7 / math.sqrt(1 - b2**t))
        opt.step(p, {"w": g})
        np.testing.assert_allclose(p["w"], p_ref, rtol=1e-12)


def test_params_from_keras_transposes_kernels():
    rng = np.random.default_rng(3)
    weights = [rng.normal(size=(4, 3)), rng.normal(size=3), rng.normal(size=(3, 2)), rng.normal(size=2)]
    params = kr.params_from_keras(weights)
    net = MLP([4, 3, 2], hidden="sigmoid", output="softmax")
    net.load_state_dict(params)
    x = rng.normal(size=(5, 4))
    h = 1 / (1 + np.exp(-(x @ weights[0] + weights[1])))  # Keras's Dense: x @ kernel + bias
    z = h @ weights[2] + weights[3]
    np.testing.assert_allclose(net.forward(x), np.exp(z) / np.exp(z).sum(axis=1, keepdims=True), atol=1e-14)
    with pytest.raises(ValueError, match="alternate"):
        kr.params_from_keras(weights[:3])
    with pytest.raises(ValueError, match="columns"):
        kr.params_from_keras([weights[0], weights[3]])


def _reference_fit(W1, b1, W2, b2, x, y, epochs, batch_size, gradient):
    """A plain loop: sigmoid hidden layer, softmax output, finite-difference gradients, paper-form Adam."""
    theta = np.concatenate([W1.ravel(), b1, W2.ravel(), b2])
    shapes = [W1.shape, b1.shape, W2.shape, b2.shape]

    def unpack(t):
        out, off = [], 0
        for s in shapes:
            n = int(np.prod(s))
            out.append(t[off : off + n].reshape(s))
            off += n
        return out

    def logits(t, xb):
        w1, c1, w2, c2 = unpack(t)
        return (1 / (1 + np.exp(-(xb @ w1.T + c1)))) @ w2.T + c2

    def objective(t, xb, yb):
        z = logits(t, xb)
        if gradient == "exact":
            return _reported_loss(yb, z)
        return float(np.mean(_lse(z) - np.sum(yb * z, axis=1)))

    b1f, b2f = float(np.float32(0.9)), float(np.float32(0.999))
    m, v, t_step = np.zeros_like(theta), np.zeros_like(theta), 0
    losses, accs = [], []
    for _ in range(epochs):
        total = correct = 0.0
        for s in range(0, len(x), batch_size):
            xb, yb = x[s : s + batch_size], y[s : s + batch_size]
            z = logits(theta, xb)
            total += _reported_loss(yb, z) * len(xb)
            correct += np.sum(z.argmax(axis=1) == yb.argmax(axis=1))
            h = 1e-6
            g = np.array([(objective(theta + h * e, xb, yb) - objective(theta - h * e, xb, yb)) / (2 * h)
                          for e in np.eye(theta.size)])
            t_step += 1
            m = 0.9 * m + 0.1 * g
            v = 0.999 * v + 0.001 * g * g
            theta = theta - 1e-3 * (m / (1 - b1f**t_step)) / (
                np.sqrt(v / (1 - b2f**t_step)) + 1e-7 / math.sqrt(1 - b2f**t_step))
        losses.append(total / len(x))
        accs.append(correct / len(x))
    return losses, accs


@pytest.mark.parametrize("gradient", ["fused", "exact"])
def test_replay_fit_matches_a_reference_loop(gradient):
    rng = np.random.default_rng(4)
    x = rng.random((7, 3))
    y = rng.integers(0, 5, size=(7, 2)).astype(float)  # rows summing to more than 1, like the listing's
    net = MLP([3, 4, 2], hidden="sigmoid", output="softmax", seed=5)
    start = {k: v.copy() for k, v in net.params.items()}
    hist = kr.replay_fit(net, x, y, epochs=3, batch_size=3, gradient=gradient)  # batches of 3, 3, 1
    losses, accs = _reference_fit(start["W1"], start["b1"], start["W2"], start["b2"], x, y, 3, 3, gradient)
    np.testing.assert_allclose(hist["loss"], losses, rtol=1e-7)
    np.testing.assert_allclose(hist["accuracy"], accs, atol=0)


def test_replay_fit_refuses_bad_input():
    net = MLP([3, 4, 2], hidden="sigmoid", output="softmax")
    x, y = np.zeros((4, 3)), np.ones((4, 2))
    with pytest.raises(ValueError, match="gradient"):
        kr.replay_fit(net, x, y, epochs=1, batch_size=2, gradient="approximate")
    with pytest.raises(ValueError, match="softmax"):
        kr.replay_fit(MLP([3, 2], output="sigmoid"), x, y, epochs=1, batch_size=2)
    with pytest.raises(ValueError, match="do not fit"):
        kr.replay_fit(net, x, np.ones((4, 3)), epochs=1, batch_size=2)
    with pytest.raises(ValueError, match="epochs"):
        kr.replay_fit(net, x, y, epochs=0, batch_size=2)
    with pytest.raises(ValueError, match="shape"):
        kr.categorical_crossentropy_grad(np.ones((2, 3)), np.ones((2, 4)))
    with pytest.raises(ValueError, match="beta2"):
        kr.KerasAdam(beta2=1.0)
    with pytest.raises(ValueError, match="keys"):
        kr.KerasAdam().step({"a": np.zeros(2)}, {"b": np.zeros(2)})


def test_fbnn_never_imports_tensorflow():
    # Only the listing chapter may import TensorFlow; importing every module of fbnn must not.
    import subprocess
    import sys

    code = (
        "import importlib, pkgutil, sys, fbnn\n"
        "for m in pkgutil.walk_packages(fbnn.__path__, 'fbnn.'):\n"
        "    if not m.name.endswith('__main__'):\n"
        "        importlib.import_module(m.name)\n"
        "bad = sorted({n.split('.')[0] for n in sys.modules} & {'tensorflow', 'keras'})\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
