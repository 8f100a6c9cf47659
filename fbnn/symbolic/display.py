"""Render a derivation as LaTeX (for notebooks and the book) or as plain text (for a terminal)."""

from __future__ import annotations

from typing import Protocol

import sympy as sp

from fbnn.symbolic.derivation import Step


class HasSteps(Protocol):
    """Anything with a list of :class:`Step` (a ``Derivation``, a ``DenseGradient``)."""

    steps: list[Step]


__all__ = ["to_latex", "to_text", "show"]


def to_latex(derivation: HasSteps) -> str:
    """The steps as one LaTeX ``aligned`` block, each line ``lhs = expr`` with its note as ``\\text``."""
    lines = []
    for step in derivation.steps:
        note = rf" && \text{{{_escape(step.note)}}}" if step.note else ""
        lines.append(f"{step.lhs} &= {sp.latex(step.expr)}{note}")
    return "\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}"


def to_text(derivation: HasSteps, *, unicode: bool = True) -> str:
    """The steps as plain text: a heading per step and SymPy's pretty print of the expression."""
    title = getattr(derivation, "title", "derivation")
    out = [title, "=" * len(title)]
    for step in derivation.steps:
        head = f"{step.text}" + (f"    ({step.note})" if step.note else "")
        body = sp.pretty(step.expr, use_unicode=unicode)
        out += ["", head, _indent(body)]
    return "\n".join(out) + "\n"


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
