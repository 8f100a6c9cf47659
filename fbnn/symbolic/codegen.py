"""Turn derived gradients into NumPy functions with :func:`sympy.lambdify`."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import sympy as sp

from fbnn.symbolic.explicit import ExplicitNetwork
from fbnn.symbolic.losses import N as N_loss
from fbnn.symbolic.matrix import DenseGradient, N, m, n

__all__ = ["dense_gradient_function", "network_gradient_function"]


def dense_gradient_function(
    grad: DenseGradient, n_out: int, n_in: int
) -> Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """A NumPy function ``(Delta, X) -> (dL/dW, dL/db)`` for an ``n_out x n_in`` layer.

    Generated from the symbolic-size batch result (``Delta^T X``, ``Delta^T 1``) with the sizes put in,
    so the cost does not grow with the layer. ``Delta: (n_samples, n_out)`` is dL/dZ,
    ``X: (n_samples, n_in)``; returns ``(n_out, n_in)`` and ``(n_out,)``.
    """
    n_samples = sp.Symbol("n_samples", integer=True, positive=True)
    sizes = {m: n_out, n: n_in, N: n_samples}
    X = sp.MatrixSymbol("X", n_samples, n_in)
    Delta = sp.MatrixSymbol("Delta", n_samples, n_out)
    swap = {grad.X: X, grad.Delta: Delta}
    dW = grad.batch["W"].subs(sizes).xreplace(swap)
    # dL/db = Delta^T 1 as derived. lambdify has no printer for OneMatrix, so the ones column becomes an
    # argument of the generated function, and the function is called with a column of ones.
    ones = sp.MatrixSymbol("ones", n_samples, 1)
    db = grad.batch["b"].subs(sizes).xreplace(swap).xreplace({sp.OneMatrix(n_samples, 1): ones})
    if db.has(sp.OneMatrix) or not db.has(ones):
        raise RuntimeError(f"dL/db did not come out as Delta^T 1: {db}")
    f_W = sp.lambdify((Delta, X), dW, modules="numpy")
    f_b = sp.lambdify((Delta, ones), db, modules="numpy")

    def gradient(Delta_value: np.ndarray, X_value: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        Delta_value, X_value = np.asarray(Delta_value), np.asarray(X_value)
        if Delta_value.ndim != 2 or Delta_value.shape[1] != n_out:
            raise ValueError(f"Delta must have shape (n_samples, {n_out}), got {Delta_value.shape}")
        if X_value.shape != (Delta_value.shape[0], n_in):
            raise ValueError(f"X must have shape ({Delta_value.shape[0]}, {n_in}), got {X_value.shape}")
        column = np.ones((Delta_value.shape[0], 1), dtype=Delta_value.dtype)
        return np.asarray(f_W(Delta_value, X_value)), np.asarray(f_b(Delta_value, column)).reshape(n_out)

    return gradient


def network_gradient_function(net: ExplicitNetwork) -> Callable[..., tuple[float, dict[str, np.ndarray]]]:
    """A NumPy function ``(params, X, Y) -> (loss, grads)`` from an explicit network's backprop formulas.

    ``params`` uses the keys of ``net.params`` (``"W1"`` of shape ``(n_1, n_in)``, ``"b1"`` of
    shape ``(n_1,)``, ...), ``X: (n_samples, n_in)``, ``Y: (n_samples, n_out)``. The loss and
    gradients are means over the samples, as in ``fbnn``: the per-sample expressions are evaluated
    with ``N = 1`` on whole columns at once, then averaged.
    """
    keys = list(net.params)
    args = net.symbols_in_order
    outputs = [net.loss] + [e for k in keys for e in net.backprop[k]]
    outputs = [sp.sympify(e, strict=True).subs(N_loss, 1) for e in outputs]  # strict: no text
    f = sp.lambdify(args, outputs, modules="numpy", cse=True)
    shapes = {k: net.params[k].shape for k in keys}
    n_in, n_out = net.sizes[0], net.sizes[-1]

    def evaluate(params: Mapping[str, np.ndarray], X: np.ndarray, Y: np.ndarray):
        X, Y = np.asarray(X, dtype=float), np.asarray(Y, dtype=float)
        if X.ndim != 2 or X.shape[1] != n_in:
            raise ValueError(f"X must have shape (n_samples, {n_in}), got {X.shape}")
        if Y.shape != (X.shape[0], n_out):
            raise ValueError(f"Y must have shape ({X.shape[0]}, {n_out}), got {Y.shape}")
        values = []
        for k in keys:
            p = np.asarray(params[k], dtype=float).reshape(-1)
            if p.size != shapes[k][0] * shapes[k][1]:
                raise ValueError(
                    f"params[{k!r}] must have {shapes[k]} entries, got shape {np.shape(params[k])}"
                )
            values.extend(p)
        values.extend(X.T)
        values.extend(Y.T)
        out = [np.broadcast_to(np.asarray(v, dtype=float), (X.shape[0],)).mean() for v in f(*values)]
        loss, flat_grads = out[0], out[1:]
        grads, pos = {}, 0
        for k in keys:
            rows, cols = shapes[k]
            g = np.array(flat_grads[pos : pos + rows * cols]).reshape(rows, cols)
            grads[k] = g if k.startswith("W") else g[:, 0]
            pos += rows * cols
        return float(loss), grads

    return evaluate
