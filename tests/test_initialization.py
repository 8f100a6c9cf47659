"""fbnn.initialization: the depth experiment measures what the variance argument predicts.

Expectations come from the argument itself (a factor width * var(W) per layer, halved by a ReLU), from the
definition of the schemes (std of a uniform on [-l, l] is l / sqrt(3)), and from central finite
differences of a forward pass written out in this file.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from fbnn import initialization as ini
from fbnn.layers import INITIALIZERS


# --------------------------------------------------------------------------------- weight_std
@pytest.mark.parametrize(("n_in", "n_out"), [(300, 200), (50, 400)])
def test_weight_std_is_the_std_of_the_weights_each_scheme_draws(n_in, n_out):
    rng = np.random.default_rng(0)
    for scheme in ("glorot", "he"):
        W = INITIALIZERS[scheme](n_in, n_out, rng)
        assert ini.weight_std(scheme, n_in, n_out) == pytest.approx(W.std(), rel=0.02)
    # the formulas, from the definitions: uniform on [-l, l] has variance l^2 / 3
    limit = math.sqrt(6 / (n_in + n_out))
    assert ini.weight_std("glorot", n_in, n_out) == pytest.approx(limit / math.sqrt(3), rel=1e-12)
    assert ini.weight_std("he", n_in, n_out) == pytest.approx(math.sqrt(2 / n_in), rel=1e-12)
    assert ini.weight_std(0.01, n_in, n_out) == 0.01


# --------------------------------------------------------------------------------- gradients
def _readout_loss(weights, X, G, f):
    a = X
    for W in weights:
        a = f(a @ W.T)
    return float(np.sum(G * a) / X.shape[0])


@pytest.mark.parametrize(
    ("activation", "f"),
    [("tanh", np.tanh), ("sigmoid", lambda z: 1 / (1 + np.exp(-z))), ("identity", lambda z: z)],
)
def test_propagate_gives_the_gradient_of_the_readout_loss(activation, f):
    rng = np.random.default_rng(3)
    sizes = [3, 4, 2, 3]
    weights = [rng.normal(size=(b, a)) for a, b in zip(sizes[:-1], sizes[1:], strict=True)]
    X, G = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    A, grads = ini.propagate(weights, X, G, activation)
    assert [a.shape for a in A] == [(5, 4), (5, 2), (5, 3)]
    assert np.allclose(A[-1], f(f(f(X @ weights[0].T) @ weights[1].T) @ weights[2].T), atol=1e-14)
    h = 1e-6
    for W, dW in zip(weights, grads, strict=True):
        assert dW.shape == W.shape
        fd = np.empty_like(W)
        for idx in np.ndindex(W.shape):
            old = W[idx]
            W[idx] = old + h
            up = _readout_loss(weights, X, G, f)
            W[idx] = old - h
            down = _readout_loss(weights, X, G, f)
            W[idx] = old
            fd[idx] = (up - down) / (2 * h)
        assert np.allclose(dW, fd, rtol=1e-6, atol=1e-9)


# --------------------------------------------------------------------------------- the experiment
def test_identity_layers_with_variance_one_over_width_keep_the_signal_size():
    # Square Glorot layers have var(W) = 1 / width, so width * var(W) = 1: nothing grows or shrinks.
    p = ini.depth_profile("identity", "glorot", width=256, depth=20, seed=1)
    assert p.activation_rms.shape == p.gradient_rms.shape == (20,)
    assert np.all((p.activation_rms > 0.6) & (p.activation_rms < 1.6))
    assert 0.5 < p.gradient_rms[0] / p.gradient_rms[-1] < 2


def test_relu_halves_the_second_moment_unless_he_doubles_the_variance():
    depth = 20
    glorot = ini.depth_profile("relu", "glorot", width=256, depth=depth, seed=0)
    he = ini.depth_profile("relu", "he", width=256, depth=depth, seed=0)
    # Glorot: each layer halves E[a^2], so the RMS falls by sqrt(2) per layer:
    # log2 of the ratio is -(depth-1)/2.
    log2_ratio = math.log2(glorot.activation_rms[-1] / glorot.activation_rms[0])
    assert abs(log2_ratio + (depth - 1) / 2) < 1.5
    # He: the factor 2 in the variance cancels the ReLU's halving.
    assert 0.5 < he.activation_rms[-1] / he.activation_rms[0] < 2
    assert 0.5 < he.gradient_rms[0] / he.gradient_rms[-1] < 2


def test_small_weights_make_tanh_signals_vanish_at_the_predicted_rate():
    # std 0.01, width 256: each layer multiplies the RMS by about 0.01 * sqrt(256) = 0.16
    # (tanh is close to the identity near 0).
    p = ini.depth_profile("tanh", 0.01, width=256, depth=8, seed=0)
    rates = p.activation_rms[1:] / p.activation_rms[:-1]
    assert np.allclose(rates, 0.16, rtol=0.1)


def test_sigmoid_gradients_vanish_towards_the_input():
    # sigmoid' <= 1/4 and width * var(W) = 1: the error signal shrinks by about 4 or more per layer.
    p = ini.depth_profile("sigmoid", "glorot", width=128, depth=10, seed=0)
    assert p.gradient_rms[0] / p.gradient_rms[-1] < 4.0 ** -(10 - 1) * 10
    assert np.all(np.diff(p.gradient_rms) > 0)


def test_profile_is_deterministic_for_a_seed():
    a = ini.depth_profile("tanh", "glorot", width=32, depth=4, seed=5)
    b = ini.depth_profile("tanh", "glorot", width=32, depth=4, seed=5)
    c = ini.depth_profile("tanh", "glorot", width=32, depth=4, seed=6)
    assert np.array_equal(a.activation_rms, b.activation_rms)
    assert np.array_equal(a.gradient_rms, b.gradient_rms)
    assert not np.array_equal(a.activation_rms, c.activation_rms)
    assert a.label == "tanh, Glorot"
    assert ini.depth_profile("relu", "he", width=4, depth=2).label == "relu, He"
    assert ini.depth_profile("tanh", 0.01, width=4, depth=2).label == "tanh, std 0.01"


@pytest.mark.parametrize(
    ("call", "exc", "match"),
    [
        (lambda: ini.depth_profile("softmax", "he"), ValueError, "activation"),
        (lambda: ini.depth_profile("tanh", "xavier"), ValueError, "scheme"),
        (lambda: ini.depth_profile("tanh", -0.1), ValueError, "scheme"),
        (lambda: ini.depth_profile("tanh", True), TypeError, "scheme"),
        (lambda: ini.depth_profile("tanh", "he", width=0), ValueError, "width"),
        (lambda: ini.depth_profile("tanh", "he", depth=2.5), TypeError, "depth"),
        (lambda: ini.depth_profile("tanh", "he", seed=None), TypeError, "seed"),
        (lambda: ini.weight_std("he", 0, 3), ValueError, "n_in"),
    ],
)
def test_bad_arguments_are_named(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
