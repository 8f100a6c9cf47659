"""Activations: values from independent formulas, derivatives from finite differences, stability."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from fbnn import names
from fbnn.activations import ACTIVATIONS, get_activation, log_softmax, relu, sigmoid, softmax, tanh

H = 1e-6


def test_registry_keys_equal_shared_names():
    assert tuple(ACTIVATIONS) == names.OUTPUT_ACTIVATIONS
    assert all(ACTIVATIONS[k].name == k for k in ACTIVATIONS)


def test_get_activation_unknown_name_lists_valid_names():
    with pytest.raises(ValueError, match="unknown activation 'swish'.*'relu'"):
        get_activation("swish")
    with pytest.raises(ValueError, match="hidden activation 'softmax'"):
        get_activation("softmax", hidden=True)
    with pytest.raises(TypeError):
        get_activation(3)


def test_values_against_python_math():
    z = np.array([-3.0, -0.5, 0.0, 0.7, 4.0])
    assert np.allclose(sigmoid(z), [1 / (1 + math.exp(-v)) for v in z], rtol=1e-15, atol=0)
    assert np.allclose(tanh(z), [math.tanh(v) for v in z], rtol=1e-15, atol=0)
    assert np.array_equal(relu(z), [0, 0, 0, 0.7, 4.0])
    row = np.array([[1.0, 2.0, 3.0]])
    e = [math.exp(v) for v in (1.0, 2.0, 3.0)]
    assert np.allclose(softmax(row), [[v / sum(e) for v in e]], rtol=1e-14)
    assert np.allclose(log_softmax(row), [[math.log(v / sum(e)) for v in e]], rtol=1e-14)


ELEMENTWISE = ["identity", "sigmoid", "tanh", "relu"]
Z = np.linspace(-4, 4, 41) + 0.013  # avoid relu's kink at exactly 0


def central_difference(f, z: np.ndarray, v: np.ndarray | float = 1.0) -> np.ndarray:
    """(f(z + H v) - f(z - H v)) / 2H: the derivative of f at z in the direction v."""
    return (f(z + H * v) - f(z - H * v)) / (2 * H)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_elementwise_derivative_matches_central_differences(name):
    act = ACTIVATIONS[name]
    assert np.allclose(act.df(Z), central_difference(act.f, Z), rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_elementwise_jvp_matches_a_directional_difference(name):
    # Each entry moves in its own direction v_i: the JVP is the directional derivative, from f alone.
    act = ACTIVATIONS[name]
    v = np.cos(3 * Z) + 0.5
    assert np.allclose(act.jvp(Z, v), central_difference(act.f, Z, v), rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("name", [n for n in ELEMENTWISE if ACTIVATIONS[n].df_from_output is not None])
def test_derivative_from_the_output_matches_central_differences(name):
    act = ACTIVATIONS[name]
    assert np.allclose(act.df_from_output(act.f(Z)), central_difference(act.f, Z), rtol=1e-7, atol=1e-9)


def test_softmax_jvp_matches_directional_finite_difference():
    rng = np.random.default_rng(1)
    z = rng.normal(size=(5, 4))
    v = rng.normal(size=(5, 4))
    numeric = (softmax(z + H * v) - softmax(z - H * v)) / (2 * H)
    assert np.allclose(ACTIVATIONS["softmax"].jvp(z, v), numeric, rtol=1e-6, atol=1e-9)
    with pytest.raises(TypeError, match="jvp"):
        ACTIVATIONS["softmax"].df(z)


def test_softmax_jacobian_is_symmetric_so_jvp_is_vjp():
    rng = np.random.default_rng(2)
    z = rng.normal(size=(1, 4))
    J = np.stack([ACTIVATIONS["softmax"].jvp(z, np.eye(4)[[i]])[0] for i in range(4)], axis=1)
    s = softmax(z)[0]
    assert np.allclose(J, np.diag(s) - np.outer(s, s), atol=1e-15)


def test_stable_for_logits_of_magnitude_1e3():
    z = np.array([[-1e3, 0.0, 1e3]])
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        s = sigmoid(z)
        p = softmax(z)
        lp = log_softmax(z)
    assert np.array_equal(s, [[0.0, 0.5, 1.0]])
    assert np.allclose(p, [[0.0, 0.0, 1.0]], atol=0)
    # log softmax of (-1000, 0, 1000) is (-2000, -1000, 0) to rounding: exp(-1000) vanishes.
    assert np.allclose(lp, [[-2000.0, -1000.0, 0.0]], rtol=1e-15)
    # Far from 0 the overflow-safe branch keeps relative precision.
    assert math.isclose(float(sigmoid(np.array(-40.0))), 1 / (1 + math.exp(40)), rel_tol=1e-14)


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_float32_in_float32_out(name):
    z = np.linspace(-2, 2, 12, dtype=np.float32).reshape(3, 4)
    assert ACTIVATIONS[name].f(z).dtype == np.float32


# Logits with edge values: zeros, ties, and magnitudes where a naive exp overflows (e^710 > max float).
EDGE_LOGITS = st.one_of(st.sampled_from([0.0, 1.0, -1.0, 800.0, -800.0]), st.floats(-1e4, 1e4))


@settings(max_examples=30, deadline=None)
@given(arrays(np.float64, (3, 5), elements=st.floats(-50, 50)), st.floats(-1e3, 1e3))
def test_softmax_rows_are_distributions_and_shift_invariant(z, c):
    p = softmax(z)
    assert np.all(p >= 0) and np.allclose(p.sum(axis=1), 1)
    assert np.allclose(softmax(z + c), p, atol=1e-12)
    assert np.allclose(np.exp(log_softmax(z)), p, atol=1e-12)


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, (4, 5), elements=EDGE_LOGITS))
def test_softmax_of_edge_logits_is_finite_and_treats_ties_alike(z):
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        p, lp = softmax(z), log_softmax(z)
    assert np.all(np.isfinite(p)) and np.all(np.isfinite(lp)) and np.allclose(p.sum(axis=1), 1)
    # Equal logits in a row get equal probabilities; the largest logit gets the largest probability.
    for row_z, row_p in zip(z, p, strict=True):
        for value in np.unique(row_z):
            assert np.ptp(row_p[row_z == value]) == 0
        assert row_p[np.argmax(row_z)] == row_p.max()


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, 12, elements=EDGE_LOGITS))
def test_sigmoid_and_tanh_of_edge_values_are_bounded_and_odd(z):
    with np.errstate(over="raise", invalid="raise"):
        s, t = sigmoid(z), tanh(z)
    assert np.all((s >= 0) & (s <= 1)) and np.all((t >= -1) & (t <= 1))
    assert np.allclose(sigmoid(-z), 1 - s, atol=1e-15)  # sigma(-z) = 1 - sigma(z)
    assert np.array_equal(tanh(-z), -t)
    assert np.array_equal(sigmoid(np.zeros(3)), [0.5, 0.5, 0.5])


@pytest.mark.parametrize("shape", [(5,), (3, 4), (800, 16), (2, 3, 10), (4, 65), (0, 3)])
def test_fast_row_max_equals_numpy_max(shape):
    from fbnn.activations import _row_max

    z = np.random.default_rng(1).normal(size=shape) * 100
    if z.size == 0:
        assert _row_max(z).shape == (0, 1)
        return
    z.flat[0], z.flat[-1] = np.inf, -np.inf
    assert np.array_equal(_row_max(z), z.max(axis=-1, keepdims=True))
