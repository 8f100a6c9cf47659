"""Gradient checking: compare backpropagation with central finite differences.

For every parameter entry theta_i the numerical derivative is
``(L(theta + h e_i) - L(theta - h e_i)) / (2 h)``, whose error is O(h^2) plus rounding of order
eps_machine / h; h = 1e-6 in float64 balances the two at about 1e-10 (absolute). The comparison
uses, for each parameter array, the relative error ``||g - n|| / max(||g|| + ||n||, floor)`` of the
whole array: scale-free, and not fooled by single entries so small that the absolute 1e-10 noise of
the difference quotient is a large fraction of them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from fbnn._checks import check_positive_float

if TYPE_CHECKING:
    from fbnn.network import MLP

__all__ = ["check_gradients", "numerical_gradients", "relative_error"]


def relative_error(a: np.ndarray, b: np.ndarray, floor: float = 1e-12) -> float:
    """``||a - b|| / max(||a|| + ||b||, floor)`` (Euclidean norms over all entries)."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return float(np.linalg.norm(a - b) / max(float(np.linalg.norm(a) + np.linalg.norm(b)), floor))


def numerical_gradients(model: MLP, X: object, Y: object, loss: str | None = None, h: float = 1e-6) -> dict:
    """Central-difference gradients of the mean loss for every parameter of ``model`` (float64 copy)."""
    h = check_positive_float(h, "h")
    m = model.copy(dtype="float64")
    X, Y = m.check_data(X, Y, loss)
    loss = m.loss_name if loss is None else loss
    out = {}
    for k, p in m.params.items():
        g = np.empty_like(p)
        flat, gflat = p.reshape(-1), g.reshape(-1)
        for i in range(flat.size):
            old = flat[i]
            flat[i] = old + h
            up = m._loss_value(X, Y, loss)
            flat[i] = old - h
            down = m._loss_value(X, Y, loss)
            flat[i] = old
            gflat[i] = (up - down) / (2 * h)
        out[k] = g
    return out


def check_gradients(
    model: MLP,
    X: object,
    Y: object,
    loss: str | None = None,
    *,
    h: float = 1e-6,
    floor: float = 1e-12,
    return_details: bool = False,
) -> float | tuple[float, dict[str, float]]:
    """Largest relative error between backpropagation and central differences over the parameter arrays.

    For each array (``W1``, ``b1``, ...) the error is ``||g - n|| / (||g|| + ||n||)`` with ``g`` from
    :meth:`~fbnn.network.MLP.loss_and_grads` and ``n`` from :func:`numerical_gradients`; the result is
    the largest.

    The check runs on a float64 copy of ``model`` (finite differences in float32 would measure
    rounding, not the derivative), so the model itself is untouched. Values below about 1e-6
    mean the gradients agree. With ``return_details=True`` also returns the maximum per parameter.
    Keep ``X`` small: each parameter entry costs two forward passes.
    """
    floor = check_positive_float(floor, "floor")
    m = model.copy(dtype="float64")
    _, grads = m.loss_and_grads(X, Y, loss)
    numeric = numerical_gradients(m, X, Y, loss, h=h)
    details = {k: relative_error(grads[k], numeric[k], floor) for k in grads}
    worst = max(details.values())
    return (worst, details) if return_details else worst
