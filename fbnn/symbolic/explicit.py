"""Element-by-element checks of the matrix backprop formulas on small explicit networks.

Every weight is its own SymPy symbol, the loss is written out in full, and SymPy differentiates it
directly with respect to each weight. Backpropagation's formulas (output ``delta = (da/dz)^T dL/da``,
the recursion ``delta_l = (W_{l+1}^T delta_{l+1}) * f'(z_l)``, ``dL/dW_l = delta_l a_{l-1}^T``,
``dL/db_l = delta_l``) are built separately and the two are proved equal, entry by entry, by
simplification. The cost grows quickly with the layer sizes (about the cube of the width), so
keep these small: the general result for any size is :mod:`fbnn.symbolic.matrix`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import sympy as sp

from fbnn.symbolic._common import column, is_zero, matrix
from fbnn.symbolic.activations import get_activation
from fbnn.symbolic.losses import get_loss

__all__ = ["ExplicitNetwork", "ExplicitCheck", "explicit_network", "check_network", "check_dense_layer"]


@dataclass(frozen=True)
class ExplicitCheck:
    """Result of an element-wise check.

    Attributes
    ----------
    ok : every entry of every gradient matched (difference simplified to 0).
    seconds : wall time of the check (building the network not included).
    n_entries : how many gradient entries were compared.
    mismatches : names of entries that did not simplify to 0, e.g. ``"W1[0, 1]"``.
    """

    ok: bool
    seconds: float
    n_entries: int
    mismatches: tuple[str, ...] = ()


@dataclass
class ExplicitNetwork:
    """A small network with one symbol per weight, for one sample ``x`` with target ``y``.

    Attributes
    ----------
    sizes : layer widths ``[n_in, n_1, ..., n_out]``.
    params : ``{"W1": Matrix (n_1, n_in), "b1": Matrix (n_1, 1), ...}`` of symbols.
    x, y : column matrices of symbols.
    loss : the composed loss ``l(a_L, y) / N`` as a function of the parameters, x and y.
    backprop : the gradients built from backprop's formulas (same keys as ``params``).
    """

    sizes: tuple[int, ...]
    hidden: str
    output: str
    loss_name: str
    params: dict[str, sp.Matrix]
    x: sp.Matrix
    y: sp.Matrix
    loss: sp.Expr
    backprop: dict[str, sp.Matrix]
    symbols_in_order: list[sp.Symbol] = field(default_factory=list)

    def direct(self) -> dict[str, sp.Matrix]:
        """SymPy's own derivative of :attr:`loss` with respect to every parameter."""
        return {k: p.applyfunc(lambda s: sp.diff(self.loss, s)) for k, p in self.params.items()}

    def check(self) -> ExplicitCheck:
        """Prove ``backprop == direct`` entry by entry; returns the result and its wall time."""
        t0 = time.perf_counter()
        direct = self.direct()
        bad = []
        count = 0
        for key, grad in self.backprop.items():
            for (i, j), value in zip(_indices(grad), grad, strict=True):
                count += 1
                if not is_zero(value - direct[key][i, j]):
                    bad.append(f"{key}[{i}, {j}]")
        return ExplicitCheck(not bad, time.perf_counter() - t0, count, tuple(bad))


def explicit_network(
    sizes: Sequence[int], hidden: str = "sigmoid", output: str = "sigmoid", loss: str = "mse"
) -> ExplicitNetwork:
    """Build a small explicit network and its backprop gradients (one sample).

    Parameters
    ----------
    sizes : ``[n_in, ..., n_out]``, at least two entries, each a small positive int.
    hidden : element-wise activation of the hidden layers; output : activation of the last layer.
    loss : a name of ``fbnn.names.LOSSES``.
    """
    sizes = tuple(sizes)
    if len(sizes) < 2 or any(isinstance(s, bool) or not isinstance(s, int) or s < 1 for s in sizes):
        raise ValueError(f"sizes must be at least two positive ints like [3, 2], got {sizes!r}")
    f_hidden, f_out, lss = get_activation(hidden, hidden=True), get_activation(output), get_loss(loss)
    if output == "softmax" and sizes[-1] < 2:
        raise ValueError(f"softmax needs at least 2 outputs, got sizes={sizes!r}")
    x, y = column("x", sizes[0], real=True), column("y", sizes[-1], real=True)
    params: dict[str, sp.Matrix] = {}
    n_layers = len(sizes) - 1
    # Pre-activations stay symbols z^(l)_k while the formulas are built; `expand` substitutes them.
    zsym, zdef, acts = [], {}, [x]
    for layer in range(1, n_layers + 1):
        W = matrix(f"W^{{({layer})}}", sizes[layer], sizes[layer - 1], real=True)
        b = column(f"b^({layer})", sizes[layer], real=True)
        params[f"W{layer}"], params[f"b{layer}"] = W, b
        z = column(f"z^({layer})", sizes[layer], real=True)
        zdef.update(zip(z, W * acts[-1] + b, strict=True))
        zsym.append(z)
        acts.append((f_out if layer == n_layers else f_hidden).apply(z))

    def expand(expr):
        # z^(l) depends on z^(l-1): substitute from the last layer down to the input.
        for z in reversed(zsym):
            expr = expr.xreplace({k: zdef[k] for k in z})
        return expr

    # Output delta: (da/dz)^T dL/da with the closed-form Jacobian.
    a_sym = column("a", sizes[-1], real=True)
    L_of_a = lss.contribution(a_sym, y)
    g = sp.Matrix([sp.diff(L_of_a, ak) for ak in a_sym]).xreplace(dict(zip(a_sym, acts[-1], strict=True)))
    delta = f_out.jacobian(zsym[-1], acts[-1]).T * g
    backprop: dict[str, sp.Matrix] = {}
    for layer in range(n_layers, 0, -1):
        backprop[f"W{layer}"] = delta * acts[layer - 1].T
        backprop[f"b{layer}"] = delta
        if layer > 1:
            fprime = sp.Matrix([f_hidden.derivative_at(zk) for zk in zsym[layer - 2]])
            delta = (params[f"W{layer}"].T * delta).multiply_elementwise(fprime)
    backprop = {k: expand(backprop[k]) for k in params}
    loss_expr = expand(lss.contribution(acts[-1], y))
    order = [s for p in params.values() for s in p] + list(x) + list(y)
    return ExplicitNetwork(sizes, hidden, output, loss, params, x, y, loss_expr, backprop, order)


def check_network(
    sizes: Sequence[int] = (2, 3, 2), hidden: str = "sigmoid", output: str = "sigmoid", loss: str = "mse"
) -> ExplicitCheck:
    """Build :func:`explicit_network` and run its element-wise check."""
    return explicit_network(sizes, hidden, output, loss).check()


def check_dense_layer(n_out: int, n_in: int, activation: str = "sigmoid", loss: str = "mse") -> ExplicitCheck:
    """Element-wise check of ``dL/dW = delta x^T`` and ``dL/db = delta`` for one ``n_out x n_in`` layer."""
    return explicit_network((n_in, n_out), "identity", activation, loss).check()


def _indices(m: sp.MatrixBase):
    return [(i, j) for i in range(m.rows) for j in range(m.cols)]
