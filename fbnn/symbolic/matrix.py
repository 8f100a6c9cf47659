"""The dense-layer gradient and the delta recursion for symbolic sizes, derived on the structure.

Nothing here has explicit entries: ``W`` is an ``m x n`` :class:`sympy.MatrixSymbol` with symbolic
``m, n`` (and ``N`` samples for the batch form), so the cost does not depend on the layer size.
The loss reaches ``W`` only through ``z``, so to first order ``dL = delta^T dz = tr(delta^T (dW x + db))``
with ``delta = dL/dz``. The linear function ``phi(W, b, x) = tr(delta^T (W x + b))``, with ``delta`` held
fixed, has that same differential, so its gradients are the loss's: SymPy's matrix calculus
differentiates ``phi`` and gives ``dL/dW = delta x^T``, ``dL/db = delta``, ``dL/dx = W^T delta``. The same
on index form (``IndexedBase``, sums over the 1-based ranges ``1..n``) gives ``dL/dW_pq = delta_p x_q``.
For the recursion, ``z' = W' f(z) + b'`` and ``dL = delta'^T dz'`` give ``delta = (W'^T delta') * f'(z)``
(Hadamard).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import sympy as sp
from sympy.concrete.delta import deltasummation

from fbnn.symbolic.steps import Step

__all__ = ["DenseGradient", "DeltaRecursion", "derive_dense_gradient", "derive_delta_recursion", "sum_deltas"]

m, n, N = sp.symbols("m n N", integer=True, positive=True)
_p, _q, _i, _k = sp.symbols("p q i k", integer=True)


@dataclass
class DenseGradient:
    """The gradient of a dense layer ``z = W x + b`` for any sizes.

    Attributes
    ----------
    W, x, b, delta : MatrixSymbols ``(m, n)``, ``(n, 1)``, ``(m, 1)``, ``(m, 1)`` (delta = dL/dz).
    X, Delta : the batch forms ``(N, n)`` and ``(N, m)`` (rows are samples, ``Z = X W^T + 1 b^T``).
    per_sample : ``{"W": delta x^T, "b": delta, "x": W^T delta}`` as matrix expressions.
    batch : ``{"W": Delta^T X, "b": Delta^T 1, "X": Delta W}``.
    index : ``{"W": delta[p] x[q], "b": delta[p]}`` from the index form.
    steps : the derivation as :class:`Step` lines.
    seconds : how long the derivation took.
    """

    W: sp.MatrixSymbol
    x: sp.MatrixSymbol
    b: sp.MatrixSymbol
    delta: sp.MatrixSymbol
    X: sp.MatrixSymbol
    Delta: sp.MatrixSymbol
    per_sample: dict[str, sp.MatrixExpr]
    batch: dict[str, sp.MatrixExpr]
    index: dict[str, sp.Expr]
    steps: list[Step]
    seconds: float
    title: str = "dense layer z = W x + b of any size (W: m x n)"


def sum_deltas(expr: sp.Expr) -> sp.Expr:
    """Evaluate every ``Sum`` whose summand holds Kronecker deltas, assuming indices are in range.

    (SymPy's ``doit`` would wrap the result in a Piecewise on ``1 <= p <= m``; here the
    indices are positions in the arrays, so they are in range by construction.)
    """
    if isinstance(expr, sp.Sum):
        result = sum_deltas(expr.function)
        for limit in expr.limits:
            result = deltasummation(sp.expand(result), limit, no_piecewise=True)
        return result
    if expr.args:
        return expr.func(*[sum_deltas(a) for a in expr.args])
    return expr


def derive_dense_gradient() -> DenseGradient:
    """Derive ``dL/dW``, ``dL/db``, ``dL/dx`` of a dense layer of symbolic size (per sample and batch)."""
    t0 = time.perf_counter()
    W, x, b = sp.MatrixSymbol("W", m, n), sp.MatrixSymbol("x", n, 1), sp.MatrixSymbol("b", m, 1)
    delta = sp.MatrixSymbol("delta", m, 1)
    dW, db = sp.MatrixSymbol("dW", m, n), sp.MatrixSymbol("db", m, 1)
    dL = sp.Trace(delta.T * (dW * x + db))  # dL = delta^T dz with dz = dW x + db; 1x1, so equal to its trace
    # phi is linear in W, b, x with the differential dL (delta held fixed): its gradients are the loss's.
    phi = sp.Trace(delta.T * (W * x + b))
    per_sample = {"W": phi.diff(W), "b": phi.diff(b), "x": phi.diff(x)}

    X, Delta = sp.MatrixSymbol("X", N, n), sp.MatrixSymbol("Delta", N, m)
    ones = sp.OneMatrix(N, 1)
    phi_batch = sp.Trace(Delta.T * (X * W.T + ones * b.T))  # sum over samples of delta_s^T z_s
    batch = {"W": phi_batch.diff(W), "b": phi_batch.diff(b), "X": phi_batch.diff(X)}

    Wi, xi, bi, di = (sp.IndexedBase(s) for s in ("W", "x", "b", "delta"))
    z_i = sp.Sum(Wi[_i, _k] * xi[_k], (_k, 1, n)) + bi[_i]
    phi_index = sp.Sum(di[_i] * z_i, (_i, 1, m))
    index = {"W": sum_deltas(phi_index.diff(Wi[_p, _q])), "b": sum_deltas(phi_index.diff(bi[_p]))}

    d = r"\frac{{\partial \mathcal{{L}}}}{{\partial {}}}".format
    steps = [
        Step("z", "z", W * x + b, "dense layer; W: (m, n), x: (n, 1)"),
        Step(d("z"), "dL/dz", delta, "named δ; shape (m, 1)"),
        Step(r"d\mathcal{L}", "dL", dL, "first order, x fixed"),
        Step(r"\varphi", "phi", phi, "same differential (δ fixed)"),
        Step(d("W"), "dL/dW", per_sample["W"], "∂φ/∂W"),
        Step(d("b"), "dL/db", per_sample["b"], "∂φ/∂b"),
        Step(d("x"), "dL/dx", per_sample["x"], "∂φ/∂x, sent to the layer below"),
        Step(d("W_{pq}"), "dL/dW[p,q]", index["W"], "index form, sums from 1"),
        Step(d("W") + r"\ \text{(batch)}", "dL/dW (batch)", batch["W"], "rows of X and Δ: examples"),
        Step(d("b") + r"\ \text{(batch)}", "dL/db (batch)", batch["b"], "sum of the rows of Δ"),
    ]
    return DenseGradient(W, x, b, delta, X, Delta, per_sample, batch, index, steps, time.perf_counter() - t0)


@dataclass
class DeltaRecursion:
    """``delta^(l) = (W^(l+1)^T delta^(l+1)) * f'(z^(l))`` for symbolic sizes.

    Attributes
    ----------
    z, W_next, delta_next : MatrixSymbols ``(n, 1)``, ``(m, n)``, ``(m, 1)``; ``f`` an undefined function.
    derived : SymPy's matrix-calculus result (``DiagMatrix(W'^T delta') * f'.(z)``).
    textbook : the Hadamard form ``(W'^T delta') ∘ f'(z)``.
    index : ``sum_i delta'_i W'_ip f'(z_p)`` from the index form.
    seconds : how long the derivation took.
    """

    z: sp.MatrixSymbol
    W_next: sp.MatrixSymbol
    delta_next: sp.MatrixSymbol
    f: sp.FunctionClass
    derived: sp.MatrixExpr
    textbook: sp.MatrixExpr
    index: sp.Expr
    seconds: float

    def explicit(self, n_l: int, n_next: int, f: sp.Lambda | None = None) -> tuple[sp.Matrix, sp.Matrix]:
        """Both matrix forms with the sizes and (optionally) a concrete ``f`` put in, as explicit Matrices."""
        sizes = {m: n_next, n: n_l}
        out = []
        for expr in (self.derived, self.textbook):
            e = sp.Matrix(expr.subs(sizes).as_explicit()).applyfunc(lambda v: v.doit())
            if f is not None:
                e = e.applyfunc(lambda v: v.replace(self.f, f).doit())
            out.append(e)
        return out[0], out[1]


def derive_delta_recursion() -> DeltaRecursion:
    """Derive the delta recursion on the structure (matrix symbols) and on index form."""
    t0 = time.perf_counter()
    f = sp.Function("f")
    z = sp.MatrixSymbol("z", n, 1)
    W_next, b_next, delta_next = (
        sp.MatrixSymbol("W'", m, n),
        sp.MatrixSymbol("b'", m, 1),
        sp.MatrixSymbol("delta'", m, 1),
    )
    dL = delta_next.T * (W_next * z.applyfunc(f) + b_next)  # dL = delta'^T dz'
    derived = dL.diff(z)
    u = sp.Dummy("u")
    fprime = sp.Lambda(u, sp.diff(f(u), u))
    textbook = sp.HadamardProduct(W_next.T * delta_next, z.applyfunc(fprime))

    # The LaTeX name of delta' is spelled out: SymPy turns "delta" into a Greek letter but not "delta'".
    zi, Wi, di = sp.IndexedBase("z"), sp.IndexedBase("W'"), sp.IndexedBase(r"\delta'")
    j = sp.Symbol("j", integer=True)
    dL_index = sp.Sum(di[_i] * sp.Sum(Wi[_i, j] * f(zi[j]), (j, 1, n)), (_i, 1, m))
    index = sum_deltas(dL_index.diff(zi[_p]))
    return DeltaRecursion(z, W_next, delta_next, f, derived, textbook, index, time.perf_counter() - t0)
