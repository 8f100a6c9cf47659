"""One line of a derivation, ``lhs = expr``: what derivations hold and what the display renders.

It has a module of its own so that the derivations and the display both import it and not each other.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

__all__ = ["Step"]


@dataclass(frozen=True)
class Step:
    """One line of a derivation: ``lhs = expr``.

    Attributes
    ----------
    lhs : the quantity as LaTeX, e.g. ``\\frac{\\partial \\mathcal{L}}{\\partial a}``.
    text : the quantity as plain text, e.g. ``dL/da``.
    expr : the SymPy expression (scalar or Matrix) in closed form.
    note : a short justification ("chain rule", "sigmoid' = a(1-a)", ...).
    """

    lhs: str
    text: str
    expr: sp.Basic | sp.MatrixBase
    note: str = ""

    @property
    def latex(self) -> str:
        """``lhs = expr`` as LaTeX."""
        return f"{self.lhs} = {sp.latex(self.expr)}"
