"""Losses: hand-computed values, finite-difference gradients, fused forms, target validation."""

import math

import numpy as np
import pytest

from fbnn import names
from fbnn.activations import ACTIVATIONS
from fbnn.losses import (
    LOSSES,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    class_targets,
    cross_entropy,
    cross_entropy_with_logits,
    get_loss,
    mse,
    prepare_targets,
)

H = 1e-6


def test_registry_keys_equal_shared_names():
    assert tuple(LOSSES) == names.LOSSES
    with pytest.raises(ValueError, match="unknown loss 'hinge'.*'mse'"):
        get_loss("hinge")


def test_hand_computed_values():
    a = np.array([[0.2, 0.8], [0.6, 0.4]])
    y = np.array([[0.0, 1.0], [1.0, 0.0]])
    # mse: (1/N) sum 1/2 ||a - y||^2 = (1/2)(1/2)(0.04 + 0.04 + 0.16 + 0.16)
    assert math.isclose(mse(a, y), 0.1, rel_tol=1e-14)
    assert math.isclose(cross_entropy(a, y), -(math.log(0.8) + math.log(0.6)) / 2, rel_tol=1e-14)
    bce = -(math.log(0.8) + math.log(0.8) + math.log(0.6) + math.log(0.6)) / 2
    assert math.isclose(binary_cross_entropy(a, y), bce, rel_tol=1e-14)


@pytest.mark.parametrize("name", list(LOSSES))
def test_gradient_matches_central_differences(name):
    rng = np.random.default_rng(3)
    a = rng.uniform(0.1, 0.9, size=(4, 3))
    a /= a.sum(axis=1, keepdims=True) if name == "cross_entropy" else 1
    y = np.eye(3)[rng.integers(0, 3, 4)]
    loss = LOSSES[name]
    numeric = np.zeros_like(a)
    for idx in np.ndindex(a.shape):
        e = np.zeros_like(a)
        e[idx] = H
        numeric[idx] = (loss.value(a + e, y) - loss.value(a - e, y)) / (2 * H)
    assert np.allclose(loss.grad(a, y), numeric, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name", list(LOSSES))
def test_fused_forms_agree_with_composition(name):
    rng = np.random.default_rng(4)
    loss = LOSSES[name]
    act = ACTIVATIONS[loss.fused_output]
    z = rng.normal(size=(5, 3))
    y = softmax_rows = np.exp(rng.normal(size=(5, 3)))
    y = softmax_rows / softmax_rows.sum(axis=1, keepdims=True)
    a = act.f(z)
    assert math.isclose(loss.value_from_logits(z, y), loss.value(a, y), rel_tol=1e-12)
    chained = act.jvp(z, loss.grad(a, y))
    assert np.allclose(loss.grad_from_logits(z, y), chained, rtol=1e-10, atol=1e-14)
    assert np.allclose(chained, (a - y) / 5, rtol=1e-10, atol=1e-14)


def test_logit_forms_are_exact_for_huge_logits():
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        # sigmoid(1000) = 1, so with target 0 the loss is -log(1 - sigmoid(1000)) = 1000 (+ e^-1000).
        assert binary_cross_entropy_with_logits(np.array([[1e3]]), np.array([[0.0]])) == 1000.0
        assert binary_cross_entropy_with_logits(np.array([[-1e3]]), np.array([[0.0]])) == 0.0
        assert cross_entropy_with_logits(np.array([[1e3, 0.0]]), np.array([[0.0, 1.0]])) == 1000.0


def test_probability_forms_are_clipped_not_infinite():
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        v = binary_cross_entropy(np.array([[0.0, 1.0]]), np.array([[1.0, 0.0]]))
        c = cross_entropy(np.array([[0.0, 1.0]]), np.array([[1.0, 0.0]]))
    assert np.isfinite(v) and v > 30
    assert np.isfinite(c) and c > 30


def test_class_indices_become_one_hot():
    out = class_targets(np.array([2, 0, 1]), 3)
    assert np.array_equal(out, [[0, 0, 1], [1, 0, 0], [0, 1, 0]])
    assert np.array_equal(class_targets(np.array([1.0, 0.0]), 2), [[0, 1], [1, 0]])
    soft = np.array([[0.25, 0.75], [0.5, 0.5]])
    assert np.array_equal(class_targets(soft, 2), soft)


def test_article_random_integer_labels_are_refused_with_the_reason():
    y = np.random.default_rng(0).integers(0, 10, size=(100, 10))
    with pytest.raises(ValueError) as info:
        class_targets(y, 10)
    msg = str(info.value)
    assert "probability" in msg and "sum to 1" in msg and "class indices of shape (n,)" in msg


@pytest.mark.parametrize(
    ("y", "match"),
    [
        (np.array([0, 3]), r"indices must lie in \[0, 3\)"),
        (np.array([-1, 0]), r"indices must lie in \[0, 3\)"),
        (np.array([0.5, 1.0]), "non-integer"),
        (np.ones((2, 4)) / 4, r"shape \(n, 3\)"),
        (np.array([[0], [2]]), r"1-D array of shape \(n,\)"),
        (np.array([[1.2, -0.2, 0.0]]), r"entries must lie in \[0, 1\]"),
        (np.array([[0.5, 0.2, 0.2]]), "row 0 sums to 0.9"),
        (np.array([[np.nan, 0.5, 0.5]]), "NaN"),
    ],
)
def test_bad_cross_entropy_targets(y, match):
    with pytest.raises(ValueError, match=match):
        class_targets(y, 3)


def test_prepare_targets_checks_shape_and_range():
    assert prepare_targets("mse", np.arange(4.0), 1, 4).shape == (4, 1)
    with pytest.raises(ValueError, match=r"needs targets of shape \(n, 2\)"):
        prepare_targets("mse", np.arange(4.0), 2, 4)
    with pytest.raises(ValueError, match="3 rows but X has 4 samples"):
        prepare_targets("mse", np.zeros((3, 2)), 2, 4)
    with pytest.raises(ValueError, match=r"probabilities in \[0, 1\]"):
        prepare_targets("binary_cross_entropy", np.array([0.0, 2.0]), 1, 2)
    assert prepare_targets("cross_entropy", [1, 0], 2, 2, dtype=np.float32).dtype == np.float32
