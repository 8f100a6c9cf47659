"""Step-by-step chain rule for one neuron and for one dense layer, in textbook closed forms.

A :class:`Derivation` lists the forward definitions (``z = W x + b``, ``a = f(z)``, ``L = l(a, y)/N``)
and then the factors of the chain rule as SymPy expressions: ``dL/da``, ``da/dz``, ``dz/dW``, ``dz/db``,
their product ``delta = dL/dz`` and the gradients ``dL/dW = delta x^T``, ``dL/db = delta``. The factors
are written with the intermediate symbols ``a_k``, ``z_k`` (as a textbook does); :meth:`Derivation.verify`
substitutes ``a = f(z)``, ``z = W x + b`` and proves that the chain-rule result equals SymPy's direct
derivative of the composed loss, entry by entry.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import sympy as sp

from fbnn.symbolic._common import column, is_zero, matrix
from fbnn.symbolic.activations import get_activation
from fbnn.symbolic.display import to_latex, to_text
from fbnn.symbolic.losses import FUSED_PAIRS, N, fused_delta, get_loss
from fbnn.symbolic.steps import Step

__all__ = ["Derivation", "derive_neuron", "derive_dense_layer", "tidy"]

LOSS = r"\mathcal{L}"
"""The loss in LaTeX: a script L, so that it never clashes with L, the number of layers."""


@dataclass
class Derivation:
    """A chain-rule derivation of the gradients of one neuron or one dense layer.

    Attributes
    ----------
    title : e.g. "dense layer 3 -> 2, sigmoid, binary_cross_entropy".
    activation, loss : registry names.
    steps : the forward definitions then the chain-rule factors, in order.
    gradients : ``{"W": dL/dW, "b": dL/db}`` in closed form (Matrix; for a neuron W is a row).
    symbols : the symbols used: ``W, b, x, y, z, a`` (matrices) and ``N``.
    constraints : substitutions the closed forms assume (softmax + cross-entropy: the last target is
        ``1 - sum(other y)``, i.e. the targets are a probability row); :meth:`verify` applies them too.
    """

    title: str
    activation: str
    loss: str
    steps: list[Step]
    gradients: dict[str, sp.Matrix]
    symbols: dict[str, sp.Matrix | sp.Symbol] = field(default_factory=dict)
    constraints: dict[sp.Symbol, sp.Expr] = field(default_factory=dict)

    def step(self, text: str) -> Step:
        """The step whose plain-text name is ``text`` (e.g. ``"dL/dz"``)."""
        for s in self.steps:
            if s.text == text:
                return s
        raise KeyError(f"no step {text!r}; steps are {[s.text for s in self.steps]}")

    def in_parameters(self, expr: sp.Basic | sp.MatrixBase) -> sp.Basic | sp.MatrixBase:
        """``expr`` with ``a = f(z)`` and ``z = W x + b`` substituted: a function of W, b, x, y only."""
        s = self.symbols
        z_of_params = s["W"] * s["x"] + s["b"]
        a_of_z = get_activation(self.activation).apply(s["z"])
        expr = expr.xreplace(dict(zip(s["a"], a_of_z, strict=True)))
        return expr.xreplace(dict(zip(s["z"], z_of_params, strict=True)))

    def loss_in_parameters(self) -> sp.Expr:
        """The composed loss ``l(f(W x + b), y) / N`` (one sample's share of the batch mean)."""
        s = self.symbols
        a = get_activation(self.activation).apply(s["W"] * s["x"] + s["b"])
        return get_loss(self.loss).contribution(a, s["y"])

    def verify(self) -> bool:
        """Prove, entry by entry, that the chain-rule gradients equal SymPy's direct derivatives.

        Relu with a log loss is left out by design: ``log(relu(z))`` is undefined for ``z <= 0``.
        """
        L = self.loss_in_parameters()
        s = self.symbols
        for key in ("W", "b"):
            direct = s[key].applyfunc(lambda p: sp.diff(L, p))
            difference = self.in_parameters(self.gradients[key]) - direct
            if not is_zero(difference.xreplace(self.constraints)):
                return False
        return True

    def timed_verify(self) -> tuple[bool, float]:
        """:meth:`verify` and the seconds it took."""
        t0 = time.perf_counter()
        ok = self.verify()
        return ok, time.perf_counter() - t0

    # Display helpers live in fbnn.symbolic.display; these make a Derivation render in a notebook.
    def _repr_latex_(self) -> str:
        return "$$" + to_latex(self) + "$$"

    def __str__(self) -> str:
        return to_text(self)


def tidy(expr: sp.Basic | sp.MatrixBase) -> sp.Basic | sp.MatrixBase:
    """The shortest of a few equivalent forms (as written, cancelled and factored, simplified)."""
    if isinstance(expr, sp.MatrixBase):
        return expr.applyfunc(tidy)
    if expr.has(sp.Piecewise):
        return sp.simplify(sp.piecewise_fold(expr))
    forms = [expr, sp.factor(sp.cancel(expr)), sp.simplify(expr)]
    return min(forms, key=lambda e: (sp.count_ops(e), len(str(e))))


def _chain_rule(
    activation: str, loss: str, W: sp.Matrix, x: sp.Matrix, b: sp.Matrix, y: sp.Matrix, *, scalar: bool
) -> tuple[list[Step], dict[str, sp.Matrix], dict]:
    act, lss = get_activation(activation), get_loss(loss)
    n_out = W.shape[0]
    if scalar:
        z, a = sp.Matrix([sp.Symbol("z", real=True)]), sp.Matrix([sp.Symbol("a", real=True)])
    else:
        z, a = column("z", n_out, real=True), column("a", n_out, real=True)

    def d(num: str, den: str) -> str:
        return rf"\frac{{\partial {num}}}{{\partial {den}}}"

    L_of_a = lss.contribution(a, y)
    dL_da = tidy(sp.Matrix([sp.diff(L_of_a, ak) for ak in a]))
    da_dz = act.jacobian(z, a)
    # delta = dL/dz = (da/dz)^T dL/da: chain rule for a vector a (the transpose matters for softmax).
    delta = tidy(da_dz.T * dL_da)
    one = (lambda m: m[0, 0]) if scalar else (lambda m: m)
    steps = [
        Step("z", "z", one(W * x + b), "weighted sum (pre-activation)"),
        Step("a", "a", one(act.apply(z)), f"activation: {activation}"),
        Step(LOSS, "L", L_of_a, f"loss: {loss.replace('_', ' ')}, one sample's share of the mean over N"),
        Step(d(LOSS, "a"), "dL/da", one(dL_da), "derivative of the loss"),
        Step(d("a", "z"), "da/dz", one(da_dz), f"{activation}' in closed form"),
        Step(
            d("z", "W") if not scalar else d("z", "w"),
            "dz/dW",
            x.T,
            "∂zᵢ/∂Wᵢⱼ = xⱼ (and 0 for the other rows)" if not scalar else "∂z/∂wⱼ = xⱼ",
        ),
        Step(d("z", "b"), "dz/db", sp.Integer(1) if scalar else sp.eye(n_out), "z = W x + b"),
        Step(
            r"\delta = " + d(LOSS, "z"),
            "dL/dz",
            one(delta),
            # No loss symbol in a note: notes are plain text, and the script L has no glyph in the PDF's font.
            "chain rule: (loss derivative) · (activation derivative)"
            if scalar
            else "chain rule: (∂a/∂z)ᵀ times the loss derivative",
        ),
    ]
    constraints: dict = {}
    if (activation, loss) in FUSED_PAIRS and delta != fused_delta(a, y):
        # softmax + cross-entropy needs the targets to be a probability row (sum_k y_k = 1).
        constraints = {y[-1]: 1 - sum(y[:-1])}
        if is_zero(delta.xreplace(constraints) - fused_delta(a, y).xreplace(constraints)):
            delta = fused_delta(a, y)
            steps.append(Step(r"\delta", "dL/dz (sum y = 1)", one(delta), "using Σₖ yₖ = 1"))
    grads = {"W": delta * x.T, "b": delta}
    steps += [
        Step(d(LOSS, "W") if not scalar else d(LOSS, "w"), "dL/dW", grads["W"], "δ xᵀ"),
        Step(d(LOSS, "b"), "dL/db", one(grads["b"]), "δ"),
    ]
    return steps, grads, {"z": z, "a": a}, constraints


def derive_neuron(activation: str, loss: str, n_in: int = 2) -> Derivation:
    """Chain rule for one neuron ``z = w . x + b``, ``a = f(z)``, ``L = l(a, y) / N``.

    ``activation`` must be element-wise (softmax needs a layer: use :func:`derive_dense_layer`).
    """
    act = get_activation(activation)
    if not act.elementwise:
        raise ValueError(
            f"activation {activation!r} acts on a vector, not one neuron; "
            "use derive_dense_layer(..., n_out >= 2)"
        )
    _check_size("n_in", n_in)
    x = column("x", n_in, real=True)
    w = sp.Matrix([sp.symbols(f"w_1:{n_in + 1}", real=True)])
    b = sp.Matrix([sp.Symbol("b", real=True)])
    y = sp.Matrix([sp.Symbol("y", real=True)])
    steps, grads, zs, constraints = _chain_rule(activation, loss, w, x, b, y, scalar=True)
    symbols = {"W": w, "b": b, "x": x, "y": y, "N": N, **zs}
    return Derivation(
        f"one neuron with {n_in} inputs, {activation}, {loss}",
        activation,
        loss,
        steps,
        grads,
        symbols,
        constraints,
    )


def derive_dense_layer(activation: str, loss: str, n_in: int = 3, n_out: int = 2) -> Derivation:
    """Chain rule for a dense layer ``z = W x + b`` (W: ``(n_out, n_in)``), ``a = f(z)``, ``L = l(a, y)/N``.

    Keep the sizes small (the entries are explicit symbols); the general matrix result for any size
    is :func:`fbnn.symbolic.matrix.derive_dense_gradient`.
    """
    _check_size("n_in", n_in)
    _check_size("n_out", n_out)
    if activation == "softmax" and n_out < 2:
        raise ValueError(f"softmax needs n_out >= 2, got n_out={n_out}")
    W = matrix("W", n_out, n_in, real=True)
    x, b, y = column("x", n_in, real=True), column("b", n_out, real=True), column("y", n_out, real=True)
    steps, grads, zs, constraints = _chain_rule(activation, loss, W, x, b, y, scalar=False)
    symbols = {"W": W, "b": b, "x": x, "y": y, "N": N, **zs}
    return Derivation(
        f"dense layer {n_in} -> {n_out}, {activation}, {loss}",
        activation,
        loss,
        steps,
        grads,
        symbols,
        constraints,
    )


def _check_size(name: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
