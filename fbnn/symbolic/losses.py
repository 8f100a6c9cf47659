"""Symbolic losses, with the same conventions as ``fbnn.losses``, and proofs of the fused gradients.

Each loss is a per-sample term ``l(a, y)`` summed over the outputs of one sample; the batch loss is
the mean ``L = (1/N) sum_n l(a_n, y_n)``. So one sample contributes ``l(a, y) / N`` and its gradient
is divided by ``N`` (the positive integer symbol :data:`N`).

==========================  ====================================================================
``"mse"``                   ``1/2 sum_k (a_k - y_k)^2`` (the half makes dl/da = a - y)
``"binary_cross_entropy"``  ``-sum_k [y_k log a_k + (1 - y_k) log(1 - a_k)]``
``"cross_entropy"``         ``-sum_k y_k log a_k`` (targets are probability rows: sum_k y_k = 1)
==========================  ====================================================================
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sympy as sp

from fbnn.names import LOSSES
from fbnn.symbolic._common import column, is_zero, lookup
from fbnn.symbolic.activations import get_activation

__all__ = ["LOSSES_SYMBOLIC", "N", "SymbolicLoss", "get_loss", "fused_delta", "prove_fused", "FUSED_PAIRS"]

N = sp.Symbol("N", integer=True, positive=True)
"""The batch size: the loss is a mean over N samples."""


@dataclass(frozen=True)
class SymbolicLoss:
    """One loss of the registry.

    Attributes
    ----------
    name : registry key (one of ``fbnn.names.LOSSES``).
    per_sample : ``(a, y) -> l``: column matrices (K x 1) of outputs and targets to a scalar Expr.
    textbook : the per-sample formula as LaTeX.
    """

    name: str
    per_sample: Callable[[sp.MatrixBase, sp.MatrixBase], sp.Expr]
    textbook: str

    def contribution(self, a: sp.MatrixBase, y: sp.MatrixBase) -> sp.Expr:
        """One sample's share of the batch mean: ``l(a, y) / N``."""
        return self.per_sample(a, y) / N


LOSSES_SYMBOLIC: dict[str, SymbolicLoss] = {
    "mse": SymbolicLoss(
        "mse",
        lambda a, y: sum(((ak - yk) ** 2 for ak, yk in zip(a, y, strict=True)), sp.Integer(0)) / 2,
        r"\tfrac12 \sum_k (a_k - y_k)^2",
    ),
    "binary_cross_entropy": SymbolicLoss(
        "binary_cross_entropy",
        lambda a, y: (
            -sum(
                (yk * sp.log(ak) + (1 - yk) * sp.log(1 - ak) for ak, yk in zip(a, y, strict=True)),
                sp.Integer(0),
            )
        ),
        r"-\sum_k \left[y_k \log a_k + (1 - y_k) \log(1 - a_k)\right]",
    ),
    "cross_entropy": SymbolicLoss(
        "cross_entropy",
        lambda a, y: -sum((yk * sp.log(ak) for ak, yk in zip(a, y, strict=True)), sp.Integer(0)),
        r"-\sum_k y_k \log a_k",
    ),
}
"""All losses by name; the keys are exactly ``fbnn.names.LOSSES``."""

assert tuple(LOSSES_SYMBOLIC) == LOSSES


def get_loss(name: str) -> SymbolicLoss:
    """Look a loss up by name (ValueError listing the valid names otherwise)."""
    return lookup("loss", name, LOSSES_SYMBOLIC)


FUSED_PAIRS: tuple[tuple[str, str], ...] = (
    ("sigmoid", "binary_cross_entropy"),
    ("softmax", "cross_entropy"),
    ("identity", "mse"),
)
"""(activation, loss) pairs whose output delta dL/dz is exactly (a - y)/N."""


def fused_delta(a: sp.MatrixBase, y: sp.MatrixBase) -> sp.Matrix:
    """The fused output delta ``(a - y) / N`` of the pairs in :data:`FUSED_PAIRS`."""
    return (a - y) / N


def prove_fused(activation: str, loss: str, size: int = 3) -> bool:
    """Prove ``dL/dz = (a - y)/N`` for a layer of ``size`` outputs by simplifying the difference to 0.

    ``dL/dz`` is SymPy's own derivative of the composed ``l(f(z), y)/N`` (no chain rule by hand).
    For softmax + cross-entropy the targets are a probability row, so the last target is replaced
    by ``1 - (sum of the others)`` before simplifying; without that constraint the identity is false.
    """
    act, lss = get_activation(activation), get_loss(loss)
    z = column("z", size, real=True)
    y = column("y", size, real=True)
    if activation == "softmax":
        y = y.subs(y[-1], 1 - sum(y[:-1]))
    a = act.apply(z)
    L = lss.contribution(a, y)
    dL_dz = sp.Matrix([sp.diff(L, zk) for zk in z])
    return is_zero(dL_dz - fused_delta(a, y))
