"""Small helpers shared by the symbolic modules: zero tests and name look-ups."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from typing import TypeVar

import sympy as sp

T = TypeVar("T")


def is_zero(expr: sp.Basic | sp.MatrixBase) -> bool:
    """True when SymPy simplifies ``expr`` (a scalar or every entry of a matrix) to exactly 0.

    This is a *proof*, not a numeric test: it returns False when simplification does not reach 0,
    which can mean "not zero" or "SymPy could not show it" (``check_claim`` tells the two apart).
    """
    if isinstance(expr, sp.MatrixBase | sp.NDimArray):
        return all(is_zero(e) for e in expr)
    if isinstance(expr, str):
        raise TypeError("is_zero takes a SymPy expression, not a string (text is never evaluated)")
    expr = sp.sympify(expr, strict=True)  # strict: never parse (and so never run) text
    if expr == 0:
        return True
    if expr.has(sp.Piecewise):
        if _zero_in_every_case(expr):
            return True
        expr = sp.piecewise_fold(expr)
    # Cheap rewrites first: chain-rule differences usually cancel once put over one denominator
    # (`together` first: plain `cancel` on nested sigmoids is ~40x slower), then the full simplify.
    if sp.cancel(sp.together(expr)) == 0:
        return True
    simplified = sp.simplify(expr)
    if simplified == 0:
        return True
    return bool(sp.simplify(simplified.rewrite(sp.exp)) == 0)


def lookup(kind: str, name: str, registry: Mapping[str, T]) -> T:
    """``registry[name]`` or a ValueError that lists the valid names."""
    if not isinstance(name, str):
        raise TypeError(f"{kind} must be a string, got {type(name).__name__}")
    try:
        return registry[name]
    except KeyError:
        valid = ", ".join(repr(k) for k in registry)
        raise ValueError(f"unknown {kind} {name!r}; valid names are: {valid}") from None


def column(name: str, n: int, **assumptions) -> sp.Matrix:
    """A column vector of ``n`` scalar symbols ``name_1 .. name_n``."""
    return sp.Matrix(sp.symbols(f"{name}_1:{n + 1}", **assumptions))


def matrix(name: str, rows: int, cols: int, **assumptions) -> sp.Matrix:
    """A ``rows x cols`` matrix of scalar symbols ``name_{ij}`` (1-based, like the textbook)."""
    return sp.Matrix(rows, cols, lambda i, j: sp.Symbol(f"{name}_{{{i + 1}{j + 1}}}", **assumptions))


def flat(items: Iterable[sp.Basic | sp.MatrixBase]) -> list[sp.Basic]:
    """Scalar entries of a mix of scalars and matrices, in order."""
    out: list[sp.Basic] = []
    for item in items:
        if isinstance(item, sp.MatrixBase):
            out.extend(item)
        else:
            out.append(item)
    return out


def _zero_in_every_case(expr: sp.Expr, max_conditions: int = 8) -> bool:
    """Case analysis: set every relational in the Piecewise conditions to True/False in turn.

    Every real point falls in one of the cases, so 0 in every case is a proof. (An impossible
    case that is not 0 only makes this return False; ``simplify`` then gets its turn.)
    """
    relations = set()
    for pw in expr.atoms(sp.Piecewise):
        for _, cond in pw.args:
            relations |= cond.atoms(sp.core.relational.Relational)
    relations = sorted(relations, key=sp.default_sort_key)
    if not relations or len(relations) > max_conditions:
        return False
    for values in itertools.product((True, False), repeat=len(relations)):
        case = expr.xreplace(dict(zip(relations, values, strict=True)))  # Piecewise collapses
        if case.has(sp.Piecewise) or sp.cancel(sp.together(case)) != 0:
            return False
    return True
