"""Loss functions, averaged over the batch, with their gradients.

Arrays are ``(n_samples, n_out)``; each loss sums over the outputs of one sample and averages
over the samples, so the gradient of every loss carries a factor 1/N.

=========================  =====================================================  ===============
name                       value (mean over the N rows)                           d loss / d a
=========================  =====================================================  ===============
``mse``                    (1/N) sum_n 1/2 ||a_n - y_n||^2                         (a - y) / N
``binary_cross_entropy``   -(1/N) sum [y log a + (1 - y) log(1 - a)]               (a - y) / (a (1 - a) N)
``cross_entropy``          -(1/N) sum y log a                                      -y / (a N)
=========================  =====================================================  ===============

The 1/2 in ``mse`` is the classic backpropagation convention: it cancels the 2 of the derivative,
so that identity + mse, sigmoid + binary cross-entropy and softmax + cross-entropy all have the
gradient (a - y) / N with respect to the output layer's pre-activation z.

``binary_cross_entropy_with_logits`` and ``cross_entropy_with_logits`` take the logits z and are
exact for any finite z; their gradients with respect to z are the fused (a - y) / N.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from fbnn._checks import check_array, check_name
from fbnn.activations import log_softmax, sigmoid, softmax
from fbnn.names import LOSSES as LOSS_NAMES

__all__ = [
    "LOSSES",
    "Loss",
    "binary_cross_entropy",
    "binary_cross_entropy_grad",
    "binary_cross_entropy_with_logits",
    "binary_cross_entropy_with_logits_grad",
    "class_targets",
    "cross_entropy",
    "cross_entropy_grad",
    "cross_entropy_with_logits",
    "cross_entropy_with_logits_grad",
    "get_loss",
    "mse",
    "mse_grad",
    "one_hot",
    "prepare_targets",
]


def _clip_eps(a: np.ndarray) -> float:
    # Machine epsilon of the array's type: 1 - eps is still below 1 in float32, unlike 1 - 1e-12.
    return float(np.finfo(a.dtype if a.dtype.kind == "f" else np.float64).eps)


def _n(a: np.ndarray) -> int:
    return a.shape[0] if a.ndim > 1 else 1


def mse(a: np.ndarray, y: np.ndarray) -> float:
    """Half squared error summed over outputs, mean over the batch. ``a, y: (n_samples, n_out)``."""
    d = a - y
    return float(0.5 * np.vdot(d, d) / _n(a))


def mse_grad(a: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Gradient of :func:`mse` with respect to ``a``: (a - y) / N."""
    return (a - y) / _n(a)


def binary_cross_entropy(p: np.ndarray, y: np.ndarray) -> float:
    """Binary cross-entropy of probabilities ``p`` against targets ``y`` in [0, 1].

    ``p`` is clipped to [eps, 1 - eps] (eps the machine epsilon of its type) so log(0) never occurs.
    """
    eps = _clip_eps(p)
    pc = np.clip(p, eps, 1 - eps)
    return float(-(np.vdot(y, np.log(pc)) + np.vdot(1 - y, np.log1p(-pc))) / _n(p))


def binary_cross_entropy_grad(p: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Gradient of :func:`binary_cross_entropy` in ``p`` (evaluated at the clipped ``p``)."""
    eps = _clip_eps(p)
    pc = np.clip(p, eps, 1 - eps)
    return (pc - y) / (pc * (1 - pc) * _n(p))


def binary_cross_entropy_with_logits(z: np.ndarray, y: np.ndarray) -> float:
    """Binary cross-entropy of sigmoid(z) against ``y``, computed from the logits ``z``.

    Uses ``max(z, 0) - z y + log(1 + exp(-abs(z)))``, which equals the textbook formula and never overflows.
    """
    z = np.asarray(z)
    per = np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))
    return float(per.sum() / _n(z))


def binary_cross_entropy_with_logits_grad(z: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Gradient of :func:`binary_cross_entropy_with_logits` in ``z``: (sigmoid(z) - y) / N."""
    return (sigmoid(z) - y) / _n(np.asarray(z))


def cross_entropy(p: np.ndarray, y: np.ndarray) -> float:
    """Categorical cross-entropy -(1/N) sum y log p of probability rows ``p`` (clipped below at eps)."""
    pc = np.clip(p, _clip_eps(p), None)
    return float(-np.vdot(y, np.log(pc)) / _n(p))


def cross_entropy_grad(p: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Gradient of :func:`cross_entropy` in ``p``: -y / (p N) (at the clipped ``p``)."""
    pc = np.clip(p, _clip_eps(p), None)
    return -y / (pc * _n(p))


def cross_entropy_with_logits(z: np.ndarray, y: np.ndarray) -> float:
    """Cross-entropy of softmax(z) against probability rows ``y``, through a stable log-softmax."""
    return float(-np.vdot(y, log_softmax(z)) / _n(np.asarray(z)))


def cross_entropy_with_logits_grad(z: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Gradient of :func:`cross_entropy_with_logits` in ``z``: (softmax(z) - y) / N."""
    z = np.asarray(z)
    return (softmax(z) * y.sum(axis=-1, keepdims=True) - y) / _n(z)


def cross_entropy_with_logits_value_and_grad(z: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Both :func:`cross_entropy_with_logits` and its gradient from one log-softmax (half the work)."""
    z = np.asarray(z)
    n = _n(z)
    logp = log_softmax(z)
    value = float(-np.vdot(y, logp) / n)
    np.exp(logp, out=logp)  # softmax(z), reusing the buffer
    return value, (logp * y.sum(axis=-1, keepdims=True) - y) / n


@dataclass(frozen=True)
class Loss:
    """A loss with its gradient.

    Attributes
    ----------
    name : registry key.
    value : ``value(a, y) -> float``, from the output activations ``a``.
    grad : ``grad(a, y)``, d loss / d a, same shape as ``a``.
    fused_output : the output activation whose composition with this loss has the simple
        gradient (a - y) / N in the logits (``"softmax"``, ``"sigmoid"`` or ``"identity"``).
    value_from_logits, grad_from_logits : the fused forms, taking the logits z.
    fused_value_and_grad : optional, both fused forms at once where sharing work pays.
    """

    name: str
    value: Callable[[np.ndarray, np.ndarray], float]
    grad: Callable[[np.ndarray, np.ndarray], np.ndarray]
    fused_output: str
    value_from_logits: Callable[[np.ndarray, np.ndarray], float]
    grad_from_logits: Callable[[np.ndarray, np.ndarray], np.ndarray]
    fused_value_and_grad: Callable[[np.ndarray, np.ndarray], tuple[float, np.ndarray]] | None = None

    def __call__(self, a: np.ndarray, y: np.ndarray) -> float:
        return self.value(a, y)

    def value_and_grad_from_logits(self, z: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
        """``(value_from_logits(z, y), grad_from_logits(z, y))``, computed together where possible."""
        if self.fused_value_and_grad is not None:
            return self.fused_value_and_grad(z, y)
        return float(self.value_from_logits(z, y)), self.grad_from_logits(z, y)


LOSSES: dict[str, Loss] = {
    "mse": Loss("mse", mse, mse_grad, "identity", mse, mse_grad),
    "binary_cross_entropy": Loss(
        "binary_cross_entropy",
        binary_cross_entropy,
        binary_cross_entropy_grad,
        "sigmoid",
        binary_cross_entropy_with_logits,
        binary_cross_entropy_with_logits_grad,
    ),
    "cross_entropy": Loss(
        "cross_entropy",
        cross_entropy,
        cross_entropy_grad,
        "softmax",
        cross_entropy_with_logits,
        cross_entropy_with_logits_grad,
        cross_entropy_with_logits_value_and_grad,
    ),
}
"""Registry of losses; its keys equal :data:`fbnn.names.LOSSES`."""


def get_loss(name: str) -> Loss:
    """Look up a loss by name; ``ValueError`` listing the valid names if unknown."""
    return LOSSES[check_name(name, LOSS_NAMES, "loss")]


def one_hot(labels: np.ndarray, n_classes: int, dtype: object = np.float64) -> np.ndarray:
    """One-hot rows ``(n, n_classes)`` for integer ``labels: (n,)`` (assumed already valid)."""
    out = np.zeros((labels.shape[0], n_classes), dtype=dtype)
    out[np.arange(labels.shape[0]), labels] = 1
    return out


def class_targets(y: object, n_classes: int, *, name: str = "Y", dtype: object = np.float64) -> np.ndarray:
    """Validate cross-entropy targets and return them as probability rows ``(n, n_classes)``.

    Accepted: class indices ``(n,)`` (integers in [0, n_classes)), turned into one-hot rows; or
    rows ``(n, n_classes)`` that are probability vectors (entries in [0, 1], each row summing to 1:
    one-hot or soft labels). Anything else raises ``ValueError`` saying which rule is broken;
    for example ``np.random.randint(0, 10, size=(100, 10))`` is refused because its rows hold
    integers up to 9 that sum to far more than 1: they are neither labels nor distributions.
    """
    arr = check_array(y, name, ndim=(1, 2))
    if arr.ndim == 1:
        if arr.dtype.kind == "f":
            if not np.all(arr == np.round(arr)):
                raise ValueError(
                    f"{name} of shape {arr.shape} is read as class indices, but it holds non-integer values "
                    f"(e.g. {arr[arr != np.round(arr)][0]!r}); "
                    f"class indices must be integers in [0, {n_classes})"
                )
        elif arr.dtype.kind == "b":
            raise TypeError(f"{name} of shape {arr.shape} must hold integer class indices, got booleans")
        # Range check on the values as given, before the cast: 1e30 or 2**64 - 1 would wrap around in int64.
        if arr.size and (arr.min() < 0 or arr.max() >= n_classes):
            raise ValueError(
                f"{name} holds class indices in [{arr.min():g}, {arr.max():g}], but the network has "
                f"{n_classes} outputs, so indices must lie in [0, {n_classes})"
            )
        return one_hot(arr.astype(np.int64), n_classes, dtype)
    if arr.shape[1] != n_classes:
        hint = " (for class indices pass a 1-D array of shape (n,))" if arr.shape[1] == 1 else ""
        raise ValueError(
            f"{name} has shape {arr.shape}, but cross-entropy targets must be class indices of shape (n,) "
            f"or probability rows of shape (n, {n_classes}) to match the network's {n_classes} outputs{hint}"
        )
    rows = arr.astype(dtype)
    tol = 1e-6 if np.dtype(dtype) == np.float64 else 1e-4
    sums = rows.sum(axis=1)
    bad_entry = (rows < 0) | (rows > 1)
    bad_sum = np.abs(sums - 1) > tol * max(1, n_classes)
    if bad_entry.any() or bad_sum.any():
        i = int(np.flatnonzero(bad_entry.any(axis=1) | bad_sum)[0])
        why = []
        if bad_entry.any():
            why.append(f"entries must lie in [0, 1] but they range over [{rows.min():g}, {rows.max():g}]")
        if bad_sum.any():
            why.append(f"each row must sum to 1 but row {i} sums to {sums[i]:g}")
        raise ValueError(
            f"{name} of shape {arr.shape} is not a valid cross-entropy target: rows must be probability "
            f"vectors (one-hot or soft labels), and here {'; '.join(why)}. If you meant class labels, "
            f"pass integer class indices of shape (n,) instead; random integers in a (n, {n_classes}) array "
            f"(like np.random.randint(0, 10, size=(100, 10))) are neither"
        )
    return rows


def prepare_targets(
    loss: str, y: object, n_out: int, n_samples: int, *, name: str = "Y", dtype: object = np.float64
) -> np.ndarray:
    """Validate targets for ``loss`` and return them as a float array ``(n_samples, n_out)``.

    - ``cross_entropy``: see :func:`class_targets`.
    - ``binary_cross_entropy``: entries in [0, 1], shape ``(n, n_out)`` (or ``(n,)`` when ``n_out == 1``).
    - ``mse``: finite numbers, shape ``(n, n_out)`` (or ``(n,)`` when ``n_out == 1``).

    The 1-D form for a single output is reshaped explicitly, after checking its length, never broadcast.
    """
    get_loss(loss)
    if loss == "cross_entropy":
        rows = class_targets(y, n_out, name=name, dtype=dtype)
    else:
        arr = check_array(y, name, ndim=(1, 2))
        if arr.ndim == 1:
            if n_out != 1:
                raise ValueError(
                    f"{name} has shape {arr.shape}, but the network has {n_out} outputs, so {loss} needs "
                    f"targets of shape (n, {n_out})"
                )
            arr = arr.reshape(-1, 1)
        elif arr.shape[1] != n_out:
            raise ValueError(
                f"{name} has shape {arr.shape}, but the network has {n_out} outputs: expected (n, {n_out})"
            )
        rows = np.ascontiguousarray(arr, dtype=dtype)
        if loss == "binary_cross_entropy" and ((rows < 0) | (rows > 1)).any():
            raise ValueError(
                f"{name} must hold probabilities in [0, 1] for binary_cross_entropy, "
                f"got values in [{rows.min():g}, {rows.max():g}]"
            )
    if rows.shape[0] != n_samples:
        raise ValueError(f"{name} has {rows.shape[0]} rows but X has {n_samples} samples; they must match")
    return rows
