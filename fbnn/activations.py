"""Activation functions and their derivatives.

Every function acts on arrays of any shape; ``softmax`` and ``log_softmax`` act row-wise along the
last axis, so a batch ``Z: (n_samples, n_out)`` gives one probability vector per row.

``ACTIVATIONS`` maps each name in :data:`fbnn.names.OUTPUT_ACTIVATIONS` to an :class:`Activation`
that carries the function, its derivative and a Jacobian-vector product (the only form that makes
sense for softmax, whose output at one position depends on the whole row).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from fbnn._checks import check_name
from fbnn.names import HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS

__all__ = [
    "ACTIVATIONS",
    "Activation",
    "get_activation",
    "identity",
    "log_softmax",
    "relu",
    "sigmoid",
    "softmax",
    "tanh",
]


def identity(z: np.ndarray) -> np.ndarray:
    """Return ``z`` unchanged (as an array)."""
    return np.asarray(z)


def sigmoid(z: np.ndarray) -> np.ndarray:
    """Logistic function 1 / (1 + exp(-z)), finite and accurate for every finite ``z``.

    Uses ``e = exp(-abs(z)) <= 1``, so no exponential overflows: 1 / (1 + e) for z >= 0 and
    e / (1 + e) for z < 0 (the same value, rearranged), which also keeps full relative
    precision for very negative ``z``.
    """
    z = np.asarray(z)
    if z.dtype.kind != "f":
        z = z.astype(np.float64)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1, e) / (1 + e)


def tanh(z: np.ndarray) -> np.ndarray:
    """Hyperbolic tangent."""
    return np.tanh(z)


def relu(z: np.ndarray) -> np.ndarray:
    """Rectified linear unit max(z, 0)."""
    return np.maximum(z, 0)


def _row_max(z: np.ndarray) -> np.ndarray:
    """``z.max(axis=-1, keepdims=True)``, the same values, faster for the short rows of a classifier.

    NumPy reduces a short contiguous last axis one row at a time (about 80 us for 800 rows of 16);
    reducing the transposed copy over its first axis is vectorised across rows (about 15 us with the
    copy). A maximum is exact, so the result is identical.
    """
    if z.ndim < 2 or z.shape[-1] > 64 or z.size == 0:
        return z.max(axis=-1, keepdims=True)
    rows = z.reshape(-1, z.shape[-1])
    return np.ascontiguousarray(rows.T).max(axis=0).reshape(z.shape[:-1] + (1,))


def softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise softmax along the last axis: exp(z_k) / sum_j exp(z_j).

    The row maximum is subtracted first; softmax does not change under that shift and the
    largest exponent becomes exp(0) = 1, so nothing overflows.
    """
    z = np.asarray(z)
    e = z - _row_max(z)
    np.exp(e, out=e)
    e /= e.sum(axis=-1, keepdims=True)
    return e


def log_softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise log of softmax along the last axis, computed as ``z - logsumexp(z)`` without overflow."""
    z = np.asarray(z)
    shifted = z - _row_max(z)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def _d_identity(z: np.ndarray) -> np.ndarray:
    return np.ones_like(z)


def _d_sigmoid(z: np.ndarray) -> np.ndarray:
    s = sigmoid(z)
    return s * (1 - s)


def _d_tanh(z: np.ndarray) -> np.ndarray:
    t = np.tanh(z)
    return 1 - t * t


def _d_relu(z: np.ndarray) -> np.ndarray:
    # The derivative at exactly 0 is taken as 0 (a subgradient), the usual convention.
    return (np.asarray(z) > 0).astype(np.result_type(z, np.float32))


def _d_softmax(z: np.ndarray) -> np.ndarray:
    raise TypeError(
        "softmax is not an elementwise function, so it has no elementwise derivative; "
        "use ACTIVATIONS['softmax'].jvp(z, v), the row-wise Jacobian-vector product"
    )


def _softmax_jvp(z: np.ndarray, v: np.ndarray) -> np.ndarray:
    # J = diag(s) - s s^T is symmetric, so this is also the vector-Jacobian product used by backprop.
    s = softmax(z)
    return s * (v - (s * v).sum(axis=-1, keepdims=True))


def _elementwise_jvp(
    df: Callable[[np.ndarray], np.ndarray],
) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    def jvp(z: np.ndarray, v: np.ndarray) -> np.ndarray:
        return df(z) * v

    return jvp


# Derivatives written in terms of the output a = f(z): backprop already holds a, so it need not
# evaluate f again. (Not defined for identity/softmax, where backprop uses the other forms.)
def _da_sigmoid(a: np.ndarray) -> np.ndarray:
    return a * (1 - a)


def _da_tanh(a: np.ndarray) -> np.ndarray:
    return 1 - a * a


def _da_relu(a: np.ndarray) -> np.ndarray:
    return a > 0


@dataclass(frozen=True)
class Activation:
    """An activation function with its derivative.

    Attributes
    ----------
    name : registry key.
    f : ``f(z)``, the activation; same shape as ``z``.
    df : ``df(z)``, the elementwise derivative f'(z) (raises ``TypeError`` for softmax).
    jvp : ``jvp(z, v)``, the Jacobian-vector product J(z) v row by row; for elementwise
        activations this is ``df(z) * v``. All Jacobians here are symmetric, so it is also the
        vector-Jacobian product v^T J that backpropagation needs.
    elementwise : whether ``f`` acts on each entry separately (False only for softmax).
    df_from_output : f'(z) expressed through a = f(z), or None (used by backprop to save work).
    """

    name: str
    f: Callable[[np.ndarray], np.ndarray]
    df: Callable[[np.ndarray], np.ndarray]
    jvp: Callable[[np.ndarray, np.ndarray], np.ndarray]
    elementwise: bool = True
    df_from_output: Callable[[np.ndarray], np.ndarray] | None = None

    def __call__(self, z: np.ndarray) -> np.ndarray:
        return self.f(z)


ACTIVATIONS: dict[str, Activation] = {
    "identity": Activation("identity", identity, _d_identity, _elementwise_jvp(_d_identity)),
    "sigmoid": Activation("sigmoid", sigmoid, _d_sigmoid, _elementwise_jvp(_d_sigmoid), True, _da_sigmoid),
    "tanh": Activation("tanh", tanh, _d_tanh, _elementwise_jvp(_d_tanh), True, _da_tanh),
    "relu": Activation("relu", relu, _d_relu, _elementwise_jvp(_d_relu), True, _da_relu),
    "softmax": Activation("softmax", softmax, _d_softmax, _softmax_jvp, False),
}
"""Registry of activations; its keys equal :data:`fbnn.names.OUTPUT_ACTIVATIONS`."""


def get_activation(name: str, *, hidden: bool = False) -> Activation:
    """Look up an activation by name.

    With ``hidden=True`` only :data:`fbnn.names.HIDDEN_ACTIVATIONS` are allowed (softmax is an
    output activation). Raises ``ValueError`` listing the valid names for an unknown name.
    """
    valid = HIDDEN_ACTIVATIONS if hidden else OUTPUT_ACTIVATIONS
    what = "hidden activation" if hidden else "activation"
    return ACTIVATIONS[check_name(name, valid, what)]
