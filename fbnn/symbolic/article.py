"""The article's §4.4 formulas as ready-made claims, each with its correction.

Each function returns a :class:`Claim`; ``claim.check()`` runs :func:`~fbnn.symbolic.claims.check_claim`.
The article's example has five units per layer; one unit per layer is enough to refute a formula
(a counterexample in the small case is a counterexample), and keeps the expressions readable.

>>> from fbnn.symbolic.article import article_claims
>>> for name, (false, fixed) in article_claims().items():
...     print(name, false.check().identical, fixed.check().identical)
output_gradient False True
sigmoid_derivative False True
update_rule False True
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from fbnn.symbolic.activations import sigmoid
from fbnn.symbolic.claims import ClaimResult, check_claim

__all__ = [
    "Claim",
    "article_claims",
    "sigmoid_derivative_claims",
    "output_gradient_claims",
    "update_rule_claims",
]


@dataclass(frozen=True)
class Claim:
    """A formula to check: ``claimed`` against ``true`` over ``symbols``.

    Attributes
    ----------
    statement : the formula in words or LaTeX (what is claimed).
    section : where the article states it (e.g. "§4.4"), or "" for a correction.
    """

    statement: str
    section: str
    claimed: sp.Basic
    true: sp.Basic
    symbols: tuple[sp.Symbol, ...]

    def check(self) -> ClaimResult:
        """Run :func:`~fbnn.symbolic.claims.check_claim` on this claim."""
        return check_claim(self.claimed, self.true, self.symbols)


def _bce(a, y):
    return -(y * sp.log(a) + (1 - y) * sp.log(1 - a))


def sigmoid_derivative_claims() -> tuple[Claim, Claim]:
    """The article multiplies by ``a`` where sigmoid's derivative ``a(1 - a)`` belongs.

    Returns (the article's ``da/dz = a``, the correction ``da/dz = a(1 - a)``), with ``a = sigmoid(z)``.
    """
    z = sp.Symbol("z", real=True)
    a = sigmoid(z)
    true = sp.diff(a, z)
    return (
        Claim(r"\frac{\partial a}{\partial z} = a", "§4.4", a, true, (z,)),
        Claim(r"\frac{\partial a}{\partial z} = a(1-a)", "", a * (1 - a), true, (z,)),
    )


def output_gradient_claims() -> tuple[Claim, Claim]:
    """The article's ``dL/da^(3) = dL/da^(2) * da^(2)/dz^(2)`` on a 1-1-1 sigmoid network with BCE.

    ``a2 = sigmoid(w2 x + b2)``, ``a3 = sigmoid(w3 a2 + b3)``, ``L = BCE(a3, y)``. The right-hand side
    is the gradient with respect to the *hidden* pre-activation ``z^(2)``, so the correction is
    ``dL/dz^(2) = dL/da^(2) * da^(2)/dz^(2)``. Returns (the article's claim, the correction).
    """
    x, w2, b2, w3, b3, y = sp.symbols("x w2 b2 w3 b3 y", real=True)
    A2, A3, Z2 = sp.symbols("A2 A3 Z2", real=True)  # stand-ins to differentiate with respect to
    z2 = w2 * x + b2
    a2 = sigmoid(z2)
    loss_of_a2 = _bce(sigmoid(w3 * A2 + b3), y)
    dL_da2 = sp.diff(loss_of_a2, A2).subs(A2, a2)
    rhs = dL_da2 * a2 * (1 - a2)  # dL/da2 * da2/dz2 (sigmoid' = a(1-a))
    a3 = sigmoid(w3 * a2 + b3)
    dL_da3 = sp.diff(_bce(A3, y), A3).subs(A3, a3)
    dL_dz2 = sp.diff(_bce(sigmoid(w3 * sigmoid(Z2) + b3), y), Z2).subs(Z2, z2)
    symbols = (x, w2, b2, w3, b3, y)
    return (
        Claim(
            r"\frac{\partial L}{\partial a^{(3)}} = \frac{\partial L}{\partial a^{(2)}}"
            r"\frac{\partial a^{(2)}}{\partial z^{(2)}}",
            "§4.4",
            rhs,
            dL_da3,
            symbols,
        ),
        Claim(
            r"\frac{\partial L}{\partial z^{(2)}} = \frac{\partial L}{\partial a^{(2)}}"
            r"\frac{\partial a^{(2)}}{\partial z^{(2)}}",
            "",
            rhs,
            dL_dz2,
            symbols,
        ),
    )


def update_rule_claims() -> tuple[Claim, Claim]:
    """The article's update ``W <- W - alpha dL/da`` against ``W <- W - alpha dL/dW``.

    One sigmoid neuron with one input and BCE (so both sides are scalars and can be compared):
    the correction uses the chain-rule gradient ``dL/dw = (a - y) x``. Returns (claim, correction).
    """
    x, w, b, y, alpha = sp.symbols("x w b y alpha", real=True)
    A = sp.Symbol("A", real=True)
    a = sigmoid(w * x + b)
    loss = _bce(a, y)
    true_update = w - alpha * sp.diff(loss, w)
    dL_da = sp.diff(_bce(A, y), A).subs(A, a)
    symbols = (x, w, b, y, alpha)
    return (
        Claim(
            r"W \leftarrow W - \alpha \frac{\partial L}{\partial a}",
            "§4.4",
            w - alpha * dL_da,
            true_update,
            symbols,
        ),
        Claim(r"W \leftarrow W - \alpha (a - y) x", "", w - alpha * (a - y) * x, true_update, symbols),
    )


def article_claims() -> dict[str, tuple[Claim, Claim]]:
    """All three: ``{"output_gradient": (claim, fix), "sigmoid_derivative": ..., "update_rule": ...}``."""
    return {
        "output_gradient": output_gradient_claims(),
        "sigmoid_derivative": sigmoid_derivative_claims(),
        "update_rule": update_rule_claims(),
    }
