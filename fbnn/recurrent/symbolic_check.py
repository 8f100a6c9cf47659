"""Symbolic check of BPTT on a tiny unrolled Elman network (SymPy).

For a net with ``n_units`` tanh units (1 or 2), one input, one linear output and ``T`` steps, the loss

    L = (1/T) sum_t 1/2 (y_t - d_t)^2,   y_t = Why h_t + by,   h_t = tanh(Wxh x_t + Whh h_{t-1} + bh), h_0 = 0

is written out as one expression (the unrolled network) and differentiated by SymPy. Separately, the BPTT
recursion (an error ``delta`` carried backwards, ``delta_{t-1} = Whh^T (delta_t * (1 - h_t^2))`` plus the
direct error at step t-1) is run on the same symbols. :func:`bptt_symbolic_check` shows the two gradients
are the same expressions. It is the (mean-squared-error, ``n_seq = 1``) case of :class:`ElmanRNN`.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from fbnn.recurrent._validate import check_positive_int


@dataclass(frozen=True)
class SymbolicBPTT:
    """The two derivations of the gradient.

    Attributes
    ----------
    symbols : dict name -> sympy Matrix of parameter symbols, shaped like :class:`ElmanRNN` params
        (``"Wxh"`` (n, 1), ``"Whh"`` (n, n), ``"bh"`` (n, 1), ``"Why"`` (1, n), ``"by"`` (1, 1)).
    inputs, targets : lists of T symbols ``x_t``, ``d_t``.
    loss : the unrolled loss expression.
    unrolled : dict name -> Matrix, ``dL/dparam`` by differentiating ``loss``.
    bptt : dict name -> Matrix, the same gradients from the BPTT recursion.
    """

    symbols: dict[str, sp.Matrix]
    inputs: list[sp.Symbol]
    targets: list[sp.Symbol]
    loss: sp.Expr
    unrolled: dict[str, sp.Matrix]
    bptt: dict[str, sp.Matrix]

    def differences(self) -> dict[str, sp.Matrix]:
        """``unrolled - bptt`` for each parameter, expanded (all zero when the two agree).

        Expanding treats each ``tanh(...)`` as an atom, so identical chain-rule terms cancel exactly; no
        ``simplify`` (slow on these nested expressions) is needed.
        """
        return {k: (self.unrolled[k] - self.bptt[k]).applyfunc(sp.expand) for k in self.unrolled}

    @property
    def agree(self) -> bool:
        """True if every entry of :meth:`differences` is exactly zero."""
        return all(all(e == 0 for e in m) for m in self.differences().values())


def bptt_symbolic_check(n_units: int = 1, T: int = 3) -> SymbolicBPTT:
    """Derive the gradient of a tiny unrolled Elman net two ways (see the module docstring).

    Parameters
    ----------
    n_units : 1 or 2
        Number of hidden units (larger nets make the expressions grow quickly).
    T : int, 1..4
        Number of time steps.
    """
    n = check_positive_int(n_units, "n_units")
    T = check_positive_int(T, "T")
    if n > 2 or T > 4:
        raise ValueError(f"bptt_symbolic_check is for tiny nets: n_units <= 2 and T <= 4, got {n}, {T}")

    def mat(name, rows, cols):
        return sp.Matrix(rows, cols, lambda i, j: sp.Symbol(f"{name}_{i}{j}" if rows * cols > 1 else name))

    P = {"Wxh": mat("wxh", n, 1), "Whh": mat("whh", n, n), "bh": mat("bh", n, 1),
         "Why": mat("why", 1, n), "by": mat("by", 1, 1)}
    xs = list(sp.symbols(f"x1:{T + 1}"))
    ds = list(sp.symbols(f"d1:{T + 1}"))

    # Forward pass, as expressions in the parameters.
    hs = [sp.zeros(n, 1)]
    ys = []
    for t in range(T):
        z = P["Wxh"] * xs[t] + P["Whh"] * hs[-1] + P["bh"]
        hs.append(z.applyfunc(sp.tanh))
        ys.append((P["Why"] * hs[-1] + P["by"])[0, 0])
    loss = sp.Rational(1, T) * sum(sp.Rational(1, 2) * (ys[t] - ds[t]) ** 2 for t in range(T))

    unrolled = {k: m.applyfunc(lambda s: sp.diff(loss, s)) for k, m in P.items()}

    # BPTT: the same chain rule organised as a backward recursion over time.
    grads = {k: sp.zeros(*m.shape) for k, m in P.items()}
    carry = sp.zeros(n, 1)
    for t in range(T - 1, -1, -1):
        dy = (ys[t] - ds[t]) / T  # dL/dy_t
        grads["Why"] += dy * hs[t + 1].T
        grads["by"] += sp.Matrix([[dy]])
        dh = P["Why"].T * dy + carry  # direct error + error from step t+1
        dz = dh.multiply_elementwise(hs[t + 1].applyfunc(lambda h: 1 - h**2))
        grads["Wxh"] += dz * xs[t]
        grads["Whh"] += dz * hs[t].T
        grads["bh"] += dz
        carry = P["Whh"].T * dz
    return SymbolicBPTT(P, xs, ds, loss, unrolled, grads)
