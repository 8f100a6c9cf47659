"""Small data sets, generated or bundled (nothing is downloaded).

Generators take a ``seed`` for a ``numpy.random.Generator``; the same seed gives the same data.
Inputs are ``(n_samples, n_features)`` float arrays, labels integer class indices ``(n_samples,)``.
"""

from __future__ import annotations

import gzip
from importlib import resources
from typing import NamedTuple

import numpy as np

from fbnn._checks import check_dtype, check_fraction, check_nonnegative_float, check_positive_int

__all__ = [
    "DataSplit",
    "article_listing_data",
    "load_digits",
    "load_digits_raw",
    "spirals",
    "two_moons",
    "xor",
]


def xor(dtype: object = "float64") -> tuple[np.ndarray, np.ndarray]:
    """The four XOR points: ``X: (4, 2)`` with entries 0/1 and labels ``y = x1 XOR x2: (4,)``."""
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=check_dtype(dtype))
    y = np.array([0, 1, 1, 0], dtype=np.int64)
    return X, y


def two_moons(n: int = 200, noise: float = 0.1, seed: int | None = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles: ``X: (n, 2)``, ``y: (n,)`` in {0, 1}.

    Class 0 lies on the upper unit half circle, class 1 on a lower one shifted by (1, 0.5), with
    Gaussian noise of standard deviation ``noise`` added to both coordinates. Points are shuffled.
    """
    n = check_positive_int(n, "n")
    noise = check_nonnegative_float(noise, "noise")
    rng = np.random.default_rng(seed)
    n0 = n // 2 + n % 2
    n1 = n // 2
    t0 = np.linspace(0, np.pi, n0)
    t1 = np.linspace(0, np.pi, n1)
    X = np.concatenate(
        [np.column_stack([np.cos(t0), np.sin(t0)]), np.column_stack([1 - np.cos(t1), 0.5 - np.sin(t1)])]
    )
    y = np.concatenate([np.zeros(n0, dtype=np.int64), np.ones(n1, dtype=np.int64)])
    X = X + rng.normal(0.0, noise, size=X.shape) if noise > 0 else X
    order = rng.permutation(n)
    return X[order], y[order]


def spirals(
    n: int = 300, k: int = 3, noise: float = 0.2, seed: int | None = 0
) -> tuple[np.ndarray, np.ndarray]:
    """``k`` interleaved spiral arms in the plane: ``X: (n, 2)``, ``y: (n,)`` in [0, k).

    Arm ``c`` has radius r in [0, 1] and angle 4 r + 2 pi c / k plus Gaussian noise of standard
    deviation ``noise`` (in radians); the ``n`` points are split as evenly as possible among the arms
    and shuffled. Not linearly separable, so a good test of hidden layers.
    """
    n = check_positive_int(n, "n")
    k = check_positive_int(k, "k")
    noise = check_nonnegative_float(noise, "noise")
    rng = np.random.default_rng(seed)
    counts = [len(c) for c in np.array_split(np.arange(n), k)]
    Xs, ys = [], []
    for c, m in enumerate(counts):
        r = np.linspace(0.0, 1.0, m)
        theta = 4.0 * r + 2 * np.pi * c / k + rng.normal(0.0, noise, size=m)
        Xs.append(np.column_stack([r * np.sin(theta), r * np.cos(theta)]))
        ys.append(np.full(m, c, dtype=np.int64))
    X, y = np.concatenate(Xs), np.concatenate(ys)
    order = rng.permutation(n)
    return X[order], y[order]


class DataSplit(NamedTuple):
    """A train/test split, unpacked in scikit-learn's order: ``X_train, X_test, y_train, y_test``."""

    X_train: np.ndarray
    X_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray


def load_digits_raw() -> tuple[np.ndarray, np.ndarray]:
    """The 1797 8x8 handwritten digits: pixels ``(1797, 64)`` (0-16, as float64), labels ``(1797,)``.

    The file is scikit-learn's bundled copy of the UCI "Optical Recognition of Handwritten Digits"
    test set (CC BY 4.0); see ``fbnn/data/README.md``.
    """
    with resources.files("fbnn").joinpath("data/digits.csv.gz").open("rb") as raw, gzip.open(raw, "rt") as f:
        data = np.loadtxt(f, delimiter=",")
    return data[:, :-1], data[:, -1].astype(np.int64)


def load_digits(seed: int | None = 0, test_size: float = 0.25, dtype: object = "float64") -> DataSplit:
    """Digits split into train and test sets, stratified by class and standardised.

    Each pixel is shifted and scaled by the mean and standard deviation of the *training* set
    (constant pixels are only shifted), so no information leaks from the test set. The split is
    drawn with ``numpy.random.default_rng(seed)``: ``test_size`` of each class goes to the test set.
    Returns a :class:`DataSplit` ``(X_train, X_test, y_train, y_test)``, inputs ``(n, 64)``.
    """
    test_size = check_fraction(test_size, "test_size", low_open=True)
    dt = check_dtype(dtype)
    X, y = load_digits_raw()
    rng = np.random.default_rng(seed)
    test_idx = []
    for c in np.unique(y):
        idx = rng.permutation(np.flatnonzero(y == c))
        test_idx.append(idx[: int(round(test_size * idx.size))])
    test_mask = np.zeros(y.size, dtype=bool)
    test_mask[np.concatenate(test_idx)] = True
    train_idx = rng.permutation(np.flatnonzero(~test_mask))
    test_idx_all = rng.permutation(np.flatnonzero(test_mask))
    Xtr, Xte = X[train_idx], X[test_idx_all]
    mean = Xtr.mean(axis=0)
    std = Xtr.std(axis=0)
    std[std == 0] = 1.0
    return DataSplit(
        ((Xtr - mean) / std).astype(dt),
        ((Xte - mean) / std).astype(dt),
        y[train_idx],
        y[test_idx_all],
    )


def article_listing_data(seed: int | None = 0) -> tuple[np.ndarray, np.ndarray]:
    """The data of the article's code listing (§5.2), drawn from a seeded generator.

    ``x``: ``(100, 100)`` uniform on [0, 1) (the article's ``np.random.rand(100, 100)``);
    ``y``: ``(100, 10)`` integers in [0, 10) (its ``np.random.randint(0, 10, size=(100, 10))``).
    These ``y`` rows are neither class labels nor probability vectors, which is why
    :func:`fbnn.losses.class_targets` refuses them for cross-entropy.
    """
    rng = np.random.default_rng(seed)
    x = rng.random((100, 100))
    y = rng.integers(0, 10, size=(100, 10))
    return x, y
