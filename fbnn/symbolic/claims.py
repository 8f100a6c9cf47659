"""Check a claimed formula against the true one: proved identical, or refuted by a counterexample.

Both sides are SymPy objects built in code (never strings: nothing here calls ``eval`` or
``sympify`` on text). The check first tries to simplify ``claimed - true`` to 0 (a proof). If that
fails it evaluates both sides exactly at deterministic rational points until they differ, and
reports that point with both values. If no point differs the answer is "undecided" (``None``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import islice

import sympy as sp

from fbnn.symbolic._common import is_zero

__all__ = ["ClaimResult", "check_claim", "DEFAULT_VALUES"]

DEFAULT_VALUES: tuple[sp.Rational, ...] = tuple(
    sp.Rational(p, q)
    for p, q in ((1, 3), (2, 5), (3, 4), (1, 7), (5, 6), (2, 9), (4, 3), (-1, 2), (7, 5), (-3, 4))
)
"""Values tried for each symbol; the first six lie in (0, 1) so logs of probabilities stay defined."""


@dataclass(frozen=True)
class ClaimResult:
    """The verdict on a claimed formula.

    Attributes
    ----------
    identical : True (proved by simplification), False (a counterexample or a shape mismatch),
        None (not proved, and no counterexample found among the points tried).
    reason : one sentence saying how the verdict was reached.
    counterexample : ``{symbol: value}`` where the sides differ, or None.
    claimed_value, true_value : both sides at the counterexample (exact SymPy numbers), or None.
    """

    identical: bool | None
    reason: str
    counterexample: dict[sp.Symbol, sp.Expr] | None = None
    claimed_value: sp.Basic | sp.MatrixBase | None = None
    true_value: sp.Basic | sp.MatrixBase | None = None

    def __bool__(self) -> bool:
        return self.identical is True

    def __str__(self) -> str:
        if self.identical is True:
            return f"identical: {self.reason}"
        if self.counterexample is None:
            return ("not identical: " if self.identical is False else "undecided: ") + self.reason
        point = ", ".join(f"{s} = {v}" for s, v in self.counterexample.items())
        return (
            f"not identical: at {point} the claim gives {_fmt(self.claimed_value)} "
            f"but the true value is {_fmt(self.true_value)}"
        )


def check_claim(
    claimed: sp.Basic | sp.MatrixBase,
    true: sp.Basic | sp.MatrixBase,
    symbols: Sequence[sp.Symbol],
    *,
    values: Sequence[sp.Expr] | Mapping[sp.Symbol, Sequence[sp.Expr]] = DEFAULT_VALUES,
    max_points: int = 40,
    assumptions: dict[sp.Symbol, sp.Expr] | None = None,
) -> ClaimResult:
    """Decide whether ``claimed`` equals ``true`` as functions of ``symbols``.

    Parameters
    ----------
    claimed, true : SymPy expressions or matrices over the same symbols.
    symbols : the free variables to search over (all free symbols of both sides must be in it,
        so every point gives numbers).
    values : exact values to try for each symbol (rationals; deterministic order), or
        ``{symbol: values}`` to give some symbols their own (e.g. whole numbers for a batch size);
        symbols not in the mapping get :data:`DEFAULT_VALUES`.
    max_points : how many points to try before answering "undecided".
    assumptions : substitutions both sides obey, e.g. ``{y_3: 1 - y_1 - y_2}`` (applied before anything).
    """
    if isinstance(claimed, str) or isinstance(true, str):
        raise TypeError("check_claim takes SymPy expressions, not strings (strings are never evaluated)")
    claimed, true = _as_sympy(claimed, "claimed"), _as_sympy(true, "true")
    symbols = list(symbols)
    if assumptions:
        claimed, true = claimed.xreplace(assumptions), true.xreplace(assumptions)
    is_mat = (isinstance(claimed, sp.MatrixBase), isinstance(true, sp.MatrixBase))
    if any(is_mat) and (not all(is_mat) or claimed.shape != true.shape):
        shape = [getattr(e, "shape", "scalar") for e in (claimed, true)]
        return ClaimResult(False, f"the sides do not even have the same shape: {shape[0]} vs {shape[1]}")
    free = (claimed.free_symbols | true.free_symbols) - set(symbols)
    if free:
        raise ValueError(f"symbols must list every free symbol; missing {sorted(map(str, free))}")
    # Cheap proof first, then points (one differing point settles it, and simplifying a false
    # claim can be slow), then the full simplification.
    difference = claimed - true
    if _quick_zero(difference):
        return ClaimResult(True, "claimed - true simplifies to 0")
    for point in islice(_points(symbols, values), max_points):
        c, t = claimed.xreplace(point), true.xreplace(point)
        if not (_finite(c) and _finite(t)):
            continue
        if _differs(c, t):
            return ClaimResult(False, "counterexample", point, c, t)
    if is_zero(difference):
        return ClaimResult(True, "claimed - true simplifies to 0")
    return ClaimResult(
        None, f"difference did not simplify to 0, and no point out of {max_points} told them apart"
    )


def _quick_zero(e) -> bool:
    return all(sp.cancel(sp.together(v)) == 0 for v in _entries(e))


def _as_sympy(value, name: str):
    if isinstance(value, sp.MatrixBase):
        return sp.Matrix(value)
    if isinstance(value, sp.Basic):
        return value
    if isinstance(value, int | float):
        return sp.Float(value) if isinstance(value, float) else sp.Integer(value)
    raise TypeError(f"{name} must be a SymPy expression or Matrix, got {type(value).__name__}")


def _points(symbols: Sequence[sp.Symbol], values):
    if not isinstance(values, Mapping):
        values = dict.fromkeys(symbols, values)
    per_symbol = [tuple(values.get(s, DEFAULT_VALUES)) for s in symbols]
    if any(not v for v in per_symbol):
        raise ValueError("values must give at least one value for every symbol")
    t = 0
    while True:
        # Different strides per symbol so the symbols do not all take the same value.
        yield {
            s: vals[(t % len(vals) + j * (t // len(vals) + 1)) % len(vals)]
            for j, (s, vals) in enumerate(zip(symbols, per_symbol, strict=True))
        }
        t += 1


def _entries(e):
    return list(e) if isinstance(e, sp.MatrixBase) else [e]


def _finite(e) -> bool:
    for v in _entries(e):
        num = sp.N(v, 30)
        if num.has(sp.nan, sp.zoo, sp.oo, -sp.oo) or not num.is_number or num.as_real_imag()[1] != 0:
            return False
    return True


def _differs(c, t) -> bool:
    for cv, tv in zip(_entries(c), _entries(t), strict=True):
        d = sp.N(cv - tv, 40)
        if abs(d) > sp.Float("1e-25") * max(1, abs(sp.N(tv, 40))):
            return True
    return False


def _fmt(value) -> str:
    if isinstance(value, sp.MatrixBase):
        return "[" + ", ".join(_fmt(v) for v in value) + "]"
    if value.is_Rational:
        return str(value)
    return f"{float(sp.N(value)):.6g}"
