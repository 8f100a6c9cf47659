"""Data sets: shapes, determinism, the properties each generator promises."""

import numpy as np
import pytest

from fbnn.datasets import article_listing_data, load_digits, load_digits_raw, spirals, two_moons, xor
from fbnn.losses import class_targets


def test_xor_truth_table():
    X, y = xor()
    assert X.shape == (4, 2)
    assert np.array_equal(y, np.logical_xor(X[:, 0], X[:, 1]).astype(int))


@pytest.mark.parametrize("gen", [lambda s: two_moons(101, 0.1, s), lambda s: spirals(100, 3, 0.2, s)])
def test_generators_are_seeded(gen):
    (a, ya), (b, yb), (c, _) = gen(0), gen(0), gen(1)
    assert np.array_equal(a, b) and np.array_equal(ya, yb)
    assert not np.array_equal(a, c)


def test_two_moons_shape_and_balance():
    X, y = two_moons(101, noise=0.0, seed=0)
    assert X.shape == (101, 2) and np.bincount(y).tolist() == [51, 50]
    # Without noise, class 0 lies on the unit circle, class 1 on the circle of radius 1 about (1, 0.5).
    assert np.allclose(np.hypot(*X[y == 0].T), 1)
    assert np.allclose(np.hypot(X[y == 1, 0] - 1, X[y == 1, 1] - 0.5), 1)


def test_spirals_classes():
    X, y = spirals(100, k=4, noise=0.0, seed=0)
    assert X.shape == (100, 2) and np.bincount(y).tolist() == [25, 25, 25, 25]
    assert np.all(np.hypot(*X.T) <= 1 + 1e-12)


def test_digits_raw():
    X, y = load_digits_raw()
    assert X.shape == (1797, 64) and y.shape == (1797,)
    assert X.min() == 0 and X.max() == 16 and set(y) == set(range(10))


def test_digits_split_is_stratified_standardised_and_seeded():
    d = load_digits(seed=0, test_size=0.25)
    assert d.X_train.shape[0] + d.X_test.shape[0] == 1797
    assert abs(d.X_test.shape[0] - 0.25 * 1797) <= 10
    share = np.bincount(d.y_test) / np.bincount(load_digits_raw()[1])
    assert np.all(np.abs(share - 0.25) < 0.02)
    assert np.allclose(d.X_train.mean(axis=0), 0, atol=1e-12)
    std = d.X_train.std(axis=0)
    assert np.allclose(std[std > 0], 1)
    again = load_digits(seed=0)
    assert all(np.array_equal(u, v) for u, v in zip(d, again, strict=True))
    assert not np.array_equal(load_digits(seed=1).y_train, d.y_train)
    assert load_digits(dtype="float32").X_train.dtype == np.float32


def test_article_listing_data():
    x, y = article_listing_data(seed=0)
    assert x.shape == (100, 100) and np.all((x >= 0) & (x < 1))
    assert y.shape == (100, 10) and y.dtype.kind == "i" and y.min() >= 0 and y.max() <= 9
    with pytest.raises(ValueError, match="probability vectors"):
        class_targets(y, 10)


def test_bad_arguments():
    with pytest.raises(ValueError, match="n must be a positive integer"):
        two_moons(0)
    with pytest.raises(ValueError, match="noise"):
        spirals(10, noise=-1)
    with pytest.raises(ValueError, match="test_size"):
        load_digits(test_size=1.0)
