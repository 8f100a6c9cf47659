"""Dense (fully connected) layers: z = W x + b, written for a batch as ``Z = X @ W.T + b``.

``W`` has shape ``(n_out, n_in)`` and ``b`` shape ``(n_out,)``, as in the equation for one sample;
a batch ``X`` is ``(n_samples, n_in)``, one sample per row. These are plain functions of arrays:
the network owns the parameters and the cache, and backward returns the gradients as new arrays
(nothing accumulates, so nothing needs zeroing).
"""

from __future__ import annotations

import numpy as np

from fbnn._checks import check_name, check_positive_int

__all__ = ["INITIALIZERS", "dense_backward", "dense_forward", "glorot_uniform", "he_normal", "init_dense"]


def glorot_uniform(n_in: int, n_out: int, rng: np.random.Generator) -> np.ndarray:
    """Glorot/Xavier uniform weights ``(n_out, n_in)`` in [-l, l], l = sqrt(6 / (n_in + n_out)).

    Keeps the variance of activations and gradients roughly constant through layers with
    activations that are linear near 0 (identity, tanh, sigmoid). Glorot and Bengio (2010).
    """
    limit = np.sqrt(6.0 / (n_in + n_out))
    return rng.uniform(-limit, limit, size=(n_out, n_in))


def he_normal(n_in: int, n_out: int, rng: np.random.Generator) -> np.ndarray:
    """He normal weights ``(n_out, n_in)`` with standard deviation sqrt(2 / n_in), for ReLU layers.

    ReLU zeroes half of its inputs on average, so the variance needs a factor 2. He et al. (2015).
    """
    return rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_out, n_in))


INITIALIZERS = {"glorot": glorot_uniform, "he": he_normal}
"""Weight initialisers by name."""


def init_dense(
    n_in: int,
    n_out: int,
    rng: np.random.Generator,
    *,
    scheme: str = "glorot",
    dtype: object = np.float64,
) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(W, b)`` for a dense layer: ``W: (n_out, n_in)`` drawn with ``scheme``, ``b: (n_out,)`` zeros.

    The draw is made in float64 and then rounded to ``dtype``, so float32 and float64 networks with
    the same seed start from the same weights (up to rounding).
    """
    check_positive_int(n_in, "n_in")
    check_positive_int(n_out, "n_out")
    init = INITIALIZERS[check_name(scheme, INITIALIZERS, "initialisation scheme")]
    W = np.ascontiguousarray(init(n_in, n_out, rng), dtype=dtype)
    b = np.zeros(n_out, dtype=dtype)
    return W, b


def dense_forward(X: np.ndarray, W: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pre-activations ``Z = X @ W.T + b: (n, n_out)`` for ``X: (n, n_in)``, ``W: (n_out, n_in)``."""
    Z = X @ W.T
    Z += b
    return Z


def dense_backward(
    X: np.ndarray,
    W: np.ndarray,
    dZ: np.ndarray,
    *,
    need_dX: bool = True,
    out: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
    """Gradients of a dense layer from the upstream gradient ``dZ = dL/dZ: (n, n_out)``.

    Returns ``(dX, dW, db)`` with ``dX = dZ @ W`` ``(n, n_in)`` (None if ``need_dX`` is False),
    ``dW = dZ.T @ X`` ``(n_out, n_in)`` and ``db = dZ.sum(axis=0)`` ``(n_out,)``: each sample adds its
    outer product dz x^T, so the batch sum is one matrix product. With ``out=(dW, db)`` the two
    gradients are written into those arrays (the training loop's reused buffer) and returned.
    """
    if out is None:
        dW = dZ.T @ X
        db = dZ.sum(axis=0)
    else:
        dW, db = out
        np.matmul(dZ.T, X, out=dW)
        np.sum(dZ, axis=0, out=db)
    dX = dZ @ W if need_dX else None
    return dX, dW, db
