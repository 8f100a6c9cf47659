"""Render a derivation as LaTeX (for notebooks and the book) or as plain text (for a terminal)."""

from __future__ import annotations

import unicodedata
from typing import Protocol

import sympy as sp

from fbnn.symbolic.steps import Step


class HasSteps(Protocol):
    """Anything with a list of :class:`Step` (a ``Derivation``, a ``DenseGradient``)."""

    steps: list[Step]


__all__ = ["to_latex", "to_text", "show", "to_ascii"]


def to_latex(derivation: HasSteps, *, ascii: bool = False) -> str:
    """The steps as one LaTeX ``aligned`` block: each line ``lhs = expr``, its note (``\\text``) below.

    A note has a line of its own, under the right-hand side, so a wide matrix never pushes it off the page.
    ``ascii=True`` spells the notes' Greek letters and sub/superscripts in ASCII (:func:`to_ascii`).
    """
    lines = []
    for step in derivation.steps:
        lines.append(f"{step.lhs} &= {sp.latex(step.expr)}")
        if step.note:
            text = to_ascii(step.note) if ascii else step.note
            lines.append(rf"&\qquad \text{{{_escape(text)}}}")
    return "\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}"


def to_text(derivation: HasSteps, *, unicode: bool = True) -> str:
    """The steps as plain text: a heading per step and SymPy's pretty print of the expression.

    ``unicode=False`` gives pure ASCII (for a terminal that cannot show more): SymPy's ASCII pretty
    print, and the notes spelled with :func:`to_ascii`.
    """
    plain = (lambda t: t) if unicode else to_ascii
    title = plain(getattr(derivation, "title", "derivation"))
    out = [title, "=" * len(title)]
    for step in derivation.steps:
        head = plain(f"{step.text}" + (f"    ({step.note})" if step.note else ""))
        body = sp.pretty(step.expr, use_unicode=unicode)
        out += ["", head, _indent(body)]
    return "\n".join(out) + "\n"


_ASCII = {
    "∂": "d",
    "δ": "delta",
    "Σ": "sum",
    "·": "*",
    "⊙": "(*)",
    "∘": "(*)",
    "→": "->",
    "≠": "!=",
    "σ": "sigma",
    "′": "'",
}


def to_ascii(text: str) -> str:
    """``text`` in ASCII: Greek letters and operators spelled out, sub- and superscripts flattened.

    >>> to_ascii("∂zᵢ/∂Wᵢⱼ = xⱼ, δ xᵀ")
    'dz_i/dW_ij = x_j, delta x^T'
    """
    out, run = [], ""  # run: "_" inside a run of subscripts, "^" inside superscripts
    for ch in text:
        name = unicodedata.name(ch, "") if not ch.isascii() else ""
        plain = unicodedata.normalize("NFKC", ch)
        kind = (
            "_" if "SUBSCRIPT" in name else "^" if "SUPERSCRIPT" in name or "MODIFIER LETTER" in name else ""
        )
        if kind and plain.isascii():
            out.append(plain if run == kind else kind + plain)  # one marker per run: W_ij, x^T
        elif ch.isascii():
            out.append(ch)
        else:
            out.append(_ASCII.get(ch, plain if plain.isascii() else "?"))
        run = kind if kind and plain.isascii() else ""
    return "".join(out)


def show(derivation: HasSteps) -> None:
    """Display the derivation as typeset math in a notebook (IPython ``Math``)."""
    from IPython.display import Math, display

    display(Math(to_latex(derivation)))


def _escape(text: str) -> str:
    # Notes are plain text inside \text{...}: escape the characters LaTeX treats specially.
    for ch in "\\{}_^#&%$":
        text = text.replace(ch, "\\" + ch if ch != "\\" else r"\backslash ")
    return text


def _indent(block: str, prefix: str = "    ") -> str:
    return "\n".join(prefix + line if line else line for line in block.splitlines())
