"""Symbolic activations: the function, its textbook closed-form derivative, and a proof that they match.

Every element-wise activation maps a scalar SymPy expression ``z`` to ``a = f(z)``; its closed-form
derivative is written, as textbooks do, in terms of the output ``a`` (sigmoid: ``a(1-a)``, tanh:
``1 - a^2``) or of ``z`` (relu: the step ``[z > 0]``). Softmax acts on a whole column vector and has
the Jacobian ``diag(s) - s s^T``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sympy as sp

from fbnn.names import HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS
from fbnn.symbolic._common import column, is_zero, lookup

__all__ = [
    "ACTIVATIONS",
    "HIDDEN",
    "SymbolicActivation",
    "get_activation",
    "prove_derivative",
    "sigmoid",
    "relu",
    "step",
    "softmax",
]


def sigmoid(z: sp.Expr) -> sp.Expr:
    """The logistic function ``1 / (1 + exp(-z))``."""
    return 1 / (1 + sp.exp(-z))


def relu(z: sp.Expr) -> sp.Expr:
    """``max(0, z)`` written as a Piecewise so that its derivative is the step ``[z > 0]``."""
    return sp.Piecewise((z, z > 0), (0, True))


def step(z: sp.Expr) -> sp.Expr:
    """The step ``1 if z > 0 else 0`` (the derivative of relu; 0 at z = 0, as in ``fbnn.activations``)."""
    return sp.Piecewise((1, z > 0), (0, True))


def softmax(z: sp.MatrixBase) -> sp.Matrix:
    """Softmax of a column vector ``z`` (K x 1): ``exp(z_k) / sum_j exp(z_j)``."""
    e = z.applyfunc(sp.exp)
    return e / sum(e)


@dataclass(frozen=True)
class SymbolicActivation:
    """One activation of the registry.

    Attributes
    ----------
    name : registry key (one of ``fbnn.names.OUTPUT_ACTIVATIONS``).
    elementwise : False only for softmax, which acts on a whole vector.
    forward : ``z -> a``; a scalar Expr for element-wise activations, a column Matrix for softmax.
    closed_derivative : element-wise: ``(z, a) -> da/dz`` in textbook closed form.
        Softmax: ``a -> Jacobian`` (K x K) ``diag(a) - a a^T``.
    textbook : the closed form as LaTeX, for prose.
    """

    name: str
    elementwise: bool
    forward: Callable
    closed_derivative: Callable
    textbook: str

    def derivative_at(self, z):
        """The closed-form derivative (or softmax Jacobian) evaluated at ``z``, with ``a = f(z)``."""
        a = self.forward(z)
        return self.closed_derivative(z, a) if self.elementwise else self.closed_derivative(a)

    def jacobian(self, z: sp.MatrixBase, a: sp.MatrixBase | None = None) -> sp.Matrix:
        """Closed-form Jacobian ``da/dz`` (K x K) for a column ``z``; ``a`` defaults to ``f(z)``.

        Pass symbols for ``a`` to get the textbook form (e.g. ``diag(a_k (1 - a_k))``).
        """
        if a is None:
            a = self.apply(z)
        if self.elementwise:
            return sp.diag(*[self.closed_derivative(zk, ak) for zk, ak in zip(z, a, strict=True)])
        return self.closed_derivative(a)

    def apply(self, z: sp.MatrixBase) -> sp.Matrix:
        """Apply to a column vector ``z`` (element-wise, or softmax on the whole column)."""
        return z.applyfunc(self.forward) if self.elementwise else self.forward(z)


ACTIVATIONS: dict[str, SymbolicActivation] = {
    "identity": SymbolicActivation("identity", True, lambda z: z, lambda z, a: sp.Integer(1), "1"),
    "sigmoid": SymbolicActivation("sigmoid", True, sigmoid, lambda z, a: a * (1 - a), r"a(1-a)"),
    "tanh": SymbolicActivation("tanh", True, sp.tanh, lambda z, a: 1 - a**2, r"1-a^2"),
    "relu": SymbolicActivation("relu", True, relu, lambda z, a: step(z), r"[z>0]"),
    "softmax": SymbolicActivation(
        "softmax", False, softmax, lambda a: sp.diag(*a) - a * a.T, r"\operatorname{diag}(s) - s s^{\top}"
    ),
}
"""All activations by name; the keys are exactly ``fbnn.names.OUTPUT_ACTIVATIONS``."""

HIDDEN: dict[str, SymbolicActivation] = {k: ACTIVATIONS[k] for k in HIDDEN_ACTIVATIONS}
"""The element-wise activations allowed in hidden layers (keys: ``fbnn.names.HIDDEN_ACTIVATIONS``)."""

assert tuple(ACTIVATIONS) == OUTPUT_ACTIVATIONS  # import-time guard; the tests check it too


def get_activation(name: str, *, hidden: bool = False) -> SymbolicActivation:
    """Look an activation up by name; ``hidden=True`` allows only the element-wise ones."""
    return lookup("hidden activation" if hidden else "activation", name, HIDDEN if hidden else ACTIVATIONS)


def prove_derivative(name: str, size: int = 3) -> bool:
    """Prove ``d f / d z`` equals the closed form by simplifying the difference to 0.

    Element-wise activations use one real symbol ``z``; softmax uses a column of ``size`` symbols
    and compares the whole Jacobian with ``diag(s) - s s^T``.
    """
    act = get_activation(name)
    if act.elementwise:
        z = sp.Symbol("z", real=True)
        return is_zero(sp.diff(act.forward(z), z) - act.derivative_at(z))
    z = column("z", size, real=True)
    s = act.forward(z)
    return is_zero(s.jacobian(z) - act.derivative_at(z))
