"""Check a derivative typed as text, e.g. ``"dL/dz = (a - y)/N"``, for one neuron or one dense layer.

The setting is the one :func:`~fbnn.symbolic.derivation.derive_neuron` and
:func:`~fbnn.symbolic.derivation.derive_dense_layer` derive: ``z = W x + b``, ``a = f(z)`` and one
sample's share ``L = l(a, y)/N`` of a mean over ``N`` samples. Its symbols, as a formula writes them:

==========  ===============================================  =========================================
            one neuron (``n_in`` inputs)                     dense layer (``n_in`` -> ``n_out``)
==========  ===============================================  =========================================
inputs      ``x1 .. xn`` (or ``x_1``, ``x[1]``)              ``x1 .. xn``
weights     ``w1 .. wn``                                     ``W[1,1] .. W[m,n]`` (row = output)
bias        ``b``                                            ``b1 .. bm``
z, a, y     ``z``, ``a``, ``y``                              ``z1 .. zm``, ``a1 .. am``, ``y1 .. ym``
batch size  ``N``                                            ``N``
==========  ===============================================  =========================================

The left side names what is claimed: ``L``, ``z``, ``a``, ``dL/da``, ``da/dz``, ``dL/dz`` (or ``delta``),
``dL/dw1`` (layer: ``dL/dW[1,2]``), ``dL/db``, ``dL/dx1``; in a layer an entry is named by its index
(``dL/dz2``, ``da1/dz2``), and an index letter states the claim for every entry at once
(``dL/dz[k] = (a[k] - y[k])/N``, ``dL/dW[i,j] = ...``). On the right side ``a`` and ``z`` stand for their
definitions (``a = f(z)``, and ``z = W x + b`` when the formula also uses weights or biases), so a
claim may be written the textbook way, in ``a``, or fully expanded.

The true value is SymPy's own derivative of the composed loss; :func:`~fbnn.symbolic.claims.check_claim`
then proves the claim, refutes it with a counterexample, or says it is undecided.

>>> r = check_text_claim("dL/dz = (a - y)/N", "sigmoid", "binary_cross_entropy")
>>> r.identical
True
>>> print(check_text_claim("dL/dz = a - y", "sigmoid", "binary_cross_entropy").result)
not identical: at z = 1/3, y = 2/5, N = 5 the claim gives 0.18257 but the true value is 0.036514
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, replace

import sympy as sp

from fbnn.symbolic.activations import get_activation
from fbnn.symbolic.claims import DEFAULT_VALUES, ClaimResult, check_claim
from fbnn.symbolic.formula import FormulaError, parse_formula
from fbnn.symbolic.losses import N, get_loss

__all__ = ["TextClaimResult", "check_text_claim", "MAX_N_IN", "MAX_N_OUT"]

MAX_N_IN = 8
"""Most inputs of a setting: the cost of a derivation with one symbol per weight grows quickly."""
MAX_N_OUT = 6
"""Most outputs of a layer setting (same reason; the general result is ``derive_dense_gradient``)."""

N_VALUES = tuple(sp.Integer(v) for v in (2, 3, 5, 4, 7, 10))
"""Batch sizes tried for ``N`` (whole numbers, and not 1 first, so a missing 1/N shows at once)."""

_IDX = r"(?:_?\d+|_[ijk]|\[\s*(?:\d+|[ijk])\s*(?:,\s*(?:\d+|[ijk])\s*)?\])"
_LHS = re.compile(
    rf"^(?:(?P<name>L|z|a|delta)(?P<nameidx>{_IDX})?"
    rf"|d(?P<num>L|a|z)(?P<numidx>{_IDX})?\s*/\s*d(?P<den>a|z|w|W|b|x)(?P<denidx>{_IDX})?)$"
)
_LHS_HELP = (
    "the left side must name a quantity of the setting: L, z, a, dL/da, da/dz, dL/dz (or delta), "
    "dL/dw1 (layer: dL/dW[1,2]), dL/db, dL/dx1; in a layer one entry (dL/dz2, da1/dz2) or every entry "
    "with an index letter i, j or k (dL/dz[k] = ..., dL/dW[i,j] = ...)"
)


@dataclass(frozen=True)
class TextClaimResult:
    """The verdict on a claim typed as text.

    Attributes
    ----------
    claim : the claim as given, ``"LHS = RHS"``.
    quantity : what the left side names, e.g. ``"dL/dz"``, ``"dL/dW[i,j]"``.
    setting : the setting in words, e.g. ``"one neuron with 2 inputs, sigmoid, binary_cross_entropy"``.
    claimed : the right side as read (SymPy; a Matrix for an index claim), before ``a``, ``z`` are expanded.
    result : the :class:`~fbnn.symbolic.claims.ClaimResult` (identical / counterexample / undecided).
    point_values : at a counterexample, the values ``z`` and ``a`` take there (for reading it), else {}.
    """

    claim: str
    quantity: str
    setting: str
    claimed: sp.Basic | sp.MatrixBase
    result: ClaimResult
    point_values: dict[str, sp.Basic]

    @property
    def identical(self) -> bool | None:
        """True (proved), False (refuted) or None (undecided), as ``ClaimResult.identical``."""
        return self.result.identical

    def __bool__(self) -> bool:
        return self.result.identical is True

    def __str__(self) -> str:
        lines = [
            self.claim,
            f"  setting: {self.setting}",
            f"  read as: {self.quantity} = {_show(self.claimed)}",
        ]
        lines.append(f"  {self.result}")
        if self.point_values:
            where = ", ".join(f"{k} = {_show_value(v)}" for k, v in self.point_values.items())
            lines.append(f"  (there {where})")
        return "\n".join(lines)


def check_text_claim(
    claim: str,
    activation: str,
    loss: str,
    *,
    layer: bool = False,
    n_in: int = 2,
    n_out: int | None = None,
) -> TextClaimResult:
    """Prove or refute a claim ``"LHS = RHS"`` typed as text; nothing in it is ever executed.

    Parameters
    ----------
    claim : e.g. ``"dL/dz = (a - y)/N"`` or, for a layer, ``"dL/dW[i,j] = (a[i] - y[i])*x[j]/N"``.
    activation, loss : names of ``fbnn.names.OUTPUT_ACTIVATIONS`` and ``fbnn.names.LOSSES``.
    layer : a dense layer instead of one neuron (softmax, or ``n_out > 1``, always means a layer).
    n_in, n_out : sizes, at most :data:`MAX_N_IN` and :data:`MAX_N_OUT` (default ``n_out``: 2, or 3
        for softmax), as ``python -m fbnn derive`` takes them.

    Returns
    -------
    TextClaimResult; ``str()`` of it is what ``python -m fbnn check`` prints. A claim that cannot be
    read raises :class:`~fbnn.symbolic.formula.FormulaError` (a ``ValueError``, quoting the offending
    part); unknown names or sizes out of range raise ``ValueError``.
    """
    if not isinstance(claim, str):
        raise TypeError(f"claim must be a string like 'dL/dz = (a - y)/N', got {type(claim).__name__}")
    setting = _Setting(activation, loss, layer=layer, n_in=n_in, n_out=n_out)
    if claim.count("=") != 1:
        raise FormulaError(
            f"a claim is 'LHS = RHS' with exactly one '=' (e.g. 'dL/dz = (a - y)/N'), got {claim!r}",
            claim,
            claim,
        )
    lhs, rhs = (part.strip() for part in claim.split("="))
    key, index = setting.left_side(lhs)
    entries = setting.entries[key]
    letters = sorted({i for i in index if isinstance(i, str)})
    if letters:
        # One claim per value of the index letters: read the right side once for each.
        sizes = {letter: _axis_size(entries, index, letter) for letter in letters}
        claimed, true = [], []
        for values in itertools.product(*(range(1, sizes[k] + 1) for k in letters)):
            bound = dict(zip(letters, values, strict=True))
            claimed.append(parse_formula(rhs, setting.names, indices=bound))
            true.append(entries[tuple(bound.get(i, i) for i in index)])
        claimed, true = sp.Matrix(claimed), sp.Matrix(true)
    else:
        claimed = parse_formula(rhs, setting.names)
        true = entries[tuple(index)]
    result, point_values = setting.check(claimed, true)
    quantity = re.sub(r"\s+", "", lhs)
    return TextClaimResult(claim.strip(), quantity, setting.title, claimed, result, point_values)


class _Setting:
    """The symbols and the true quantities of one neuron or one dense layer."""

    def __init__(self, activation: str, loss: str, *, layer: bool, n_in: int, n_out: int | None):
        act, lss = get_activation(activation), get_loss(loss)
        _check_size("n_in", n_in, MAX_N_IN)
        if n_out is not None:
            _check_size("n_out", n_out, MAX_N_OUT)
        if not isinstance(layer, bool):
            raise TypeError(f"layer must be True or False, got {layer!r}")
        self.layer = layer or not act.elementwise or n_out not in (None, 1)
        if self.layer:
            n_out = n_out or (3 if not act.elementwise else 2)
            if not act.elementwise and n_out < 2:
                raise ValueError(f"softmax needs n_out >= 2, got n_out={n_out}")
            self.title = f"dense layer {n_in} -> {n_out}, {activation}, {loss}"
            self.W = sp.Matrix(n_out, n_in, lambda i, j: sp.Symbol(f"W[{i + 1},{j + 1}]", real=True))
            self.b, self.z, self.a, self.y = (_vector(s, n_out) for s in "bzay")
            self.names = {"x": None, "W": self.W, "b": self.b, "z": self.z, "a": self.a, "y": self.y, "N": N}
        else:
            self.title = f"one neuron with {n_in} inputs, {activation}, {loss}"
            self.W = _vector("w", n_in).T
            self.b, self.z, self.a, self.y = (sp.Matrix([sp.Symbol(s, real=True)]) for s in "bzay")
            self.names = {"x": None, "w": self.W, "b": self.b[0], "z": self.z[0], "a": self.a[0]}
            self.names.update({"y": self.y[0], "N": N})
        self.x = _vector("x", n_in)
        self.names["x"] = self.x

        # True quantities: SymPy differentiates the composed loss (the closed forms are not used).
        self.a_of_z = act.apply(self.z)
        L_of_a = lss.contribution(self.a, self.y)
        L_of_z = lss.contribution(self.a_of_z, self.y)
        dL_dz = sp.Matrix([sp.diff(L_of_z, zk) for zk in self.z])
        dL_dW = dL_dz * self.x.T  # z_i = sum_j W_ij x_j + b_i, so dz_i/dW_ij = x_j
        quantities = {
            "L": sp.Matrix([L_of_a]),
            "z": self.W * self.x + self.b,
            "a": self.a_of_z,
            "dL/da": sp.Matrix([sp.diff(L_of_a, ak) for ak in self.a]),
            "da/dz": self.a_of_z.jacobian(self.z),
            "dL/dz": dL_dz,
            "dL/dW": dL_dW if self.layer else dL_dW.T,
            "dL/db": dL_dz,
            "dL/dx": self.W.T * dL_dz,
        }
        # Entries by 1-based index tuple over the axes that have more than one entry in the model:
        # for a neuron only the input axis (dL/dw1, dL/dx1); for a layer also the output axis.
        self.entries: dict[str, dict[tuple, sp.Expr]] = {}
        for key, value in quantities.items():
            two_axes = key in ("da/dz", "dL/dW") and self.layer
            if two_axes:
                self.entries[key] = {
                    (i + 1, j + 1): value[i, j] for i in range(value.rows) for j in range(value.cols)
                }
            elif key == "L" or len(value) == 1 and key not in ("dL/dW", "dL/dx"):
                self.entries[key] = {(): value[0]}
            else:
                self.entries[key] = {(i + 1,): v for i, v in enumerate(value)}
        # Softmax with cross-entropy: the targets are a probability row (as in derive_dense_layer).
        self.constraints = {}
        if not act.elementwise and loss == "cross_entropy":
            self.constraints = {self.y[-1]: 1 - sum(self.y[:-1])}

    def left_side(self, lhs: str) -> tuple[str, list[int | str]]:
        """The quantity the left side names and its index (numbers and letters), checked against its shape."""
        m = _LHS.match(re.sub(r"\s+", "", lhs))
        if not m:
            raise FormulaError(f"cannot read the left side {lhs!r}: {_LHS_HELP}", lhs, lhs)
        if m["name"]:
            key = {"delta": "dL/dz"}.get(m["name"], m["name"])
            raw = [m["nameidx"]]
        else:
            num, den = m["num"], m["den"]
            if (den == "w" and self.layer) or (den == "W" and not self.layer):
                where = "W[i,j] in a layer" if self.layer else "w1, w2, ... for one neuron"
                raise FormulaError(f"{lhs!r}: the weights are {where}", lhs, lhs)
            key = _KEYS.get((num, den))
            if key is None:
                raise FormulaError(f"cannot read the left side {lhs!r}: {_LHS_HELP}", lhs, lhs)
            if num == "L" and m["numidx"]:
                raise FormulaError(f"{lhs!r}: L is one number and takes no index", lhs, lhs)
            raw = [m["numidx"], m["denidx"]]
        index = [item for r in raw if r for item in _items(r)]
        entries = self.entries[key]
        n_axes = len(next(iter(entries)))
        if len(index) != n_axes:
            shape = _shape_words(entries)
            if n_axes == 0:
                raise FormulaError(
                    f"{lhs!r}: {key} is one number in this setting and takes no index", lhs, lhs
                )
            raise FormulaError(
                f"{lhs!r}: {key} is {shape} in this setting; state one entry (e.g. {_example(key, False)}) "
                f"or every entry with an index letter i, j or k (e.g. {_example(key, True)} = ...)",
                lhs,
                lhs,
            )
        for axis, item in enumerate(index):
            size = max(k[axis] for k in entries)
            if isinstance(item, int) and not 1 <= item <= size:
                raise FormulaError(f"{lhs!r}: index {item} is out of range 1..{size}", lhs, lhs)
        return key, index

    def check(self, claimed, true) -> tuple[ClaimResult, dict[str, sp.Basic]]:
        """Expand ``a`` (and ``z`` when weights or biases appear) on both sides and run ``check_claim``."""
        a_def = dict(zip(self.a, self.a_of_z, strict=True))
        claimed, true = claimed.xreplace(a_def), true.xreplace(a_def)
        params = set(self.W) | set(self.b)
        expanded = bool((claimed.free_symbols | true.free_symbols) & params)
        z_def = dict(zip(self.z, self.W * self.x + self.b, strict=True))
        if expanded:
            claimed, true = claimed.xreplace(z_def), true.xreplace(z_def)
        free = claimed.free_symbols | true.free_symbols
        order = [*self.z, *self.x, *self.W, *self.b, *self.y, N]
        symbols = [s for s in order if s in free and s not in self.constraints]
        values = {s: N_VALUES if s == N else DEFAULT_VALUES for s in symbols}
        result = check_claim(claimed, true, symbols, values=values, assumptions=self.constraints)
        for y_last, rest in self.constraints.items():
            if y_last not in free:
                continue
            result = replace(
                result, reason=f"{result.reason}, with the targets summing to 1 ({y_last} = {rest})"
            )
        point_values: dict[str, sp.Basic] = {}
        point = result.counterexample
        if point is not None:
            # What z, a (and a target fixed by the constraint) are there, so a reader can follow.
            z_at = (self.W * self.x + self.b).xreplace(point) if expanded else self.z.xreplace(point)
            if not z_at.free_symbols:
                if expanded:
                    point_values.update(_named("z", z_at, self.layer))
                point_values.update(
                    _named("a", self.a_of_z.xreplace(dict(zip(self.z, z_at, strict=True))), self.layer)
                )
            for y_last, rest in self.constraints.items():
                if y_last in free:
                    point_values[str(y_last)] = rest.xreplace(point)
        return result, point_values


_KEYS = {
    ("L", "a"): "dL/da",
    ("a", "z"): "da/dz",
    ("L", "z"): "dL/dz",
    ("L", "w"): "dL/dW",
    ("L", "W"): "dL/dW",
    ("L", "b"): "dL/db",
    ("L", "x"): "dL/dx",
}


def _axis_size(entries: dict[tuple, sp.Expr], index: list, letter: str) -> int:
    axis = index.index(letter)
    return max(k[axis] for k in entries)


def _shape_words(entries: dict[tuple, sp.Expr]) -> str:
    last = max(entries)
    return f"a {last[0]}x{last[1]} matrix" if len(last) == 2 else f"a vector of {last[0]} entries"


def _example(key: str, letters: bool) -> str:
    if key == "da/dz":
        return "da[i]/dz[j]" if letters else "da1/dz2"
    if key == "dL/dW":
        return "dL/dW[i,j]" if letters else "dL/dW[1,2]"
    return f"{key}[k]" if letters else f"{key}1"


def _vector(name: str, n: int) -> sp.Matrix:
    return sp.Matrix([sp.Symbol(f"{name}{i}", real=True) for i in range(1, n + 1)])


def _items(raw: str) -> list[int | str]:
    inner = raw.strip("_[] ")
    return [int(t) if t.strip().isdigit() else t.strip() for t in inner.split(",")]


def _named(name: str, values: sp.Matrix, layer: bool) -> dict[str, sp.Basic]:
    if not layer:
        return {name: values[0]}
    return {f"{name}{k + 1}": v for k, v in enumerate(values)}


def _show(e) -> str:
    if isinstance(e, sp.MatrixBase):
        return "[" + ", ".join(str(v) for v in e) + "]"
    return str(e)


def _show_value(v: sp.Basic) -> str:
    return str(v) if v.is_Rational else f"{float(sp.N(v)):.6g}"


def _check_size(name: str, value: int, limit: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    if value > limit:
        raise ValueError(
            f"{name}={value} is more than {limit}: a derivation with one symbol per weight grows quickly "
            "with the size (at the limit it takes seconds); for any size see derive_dense_gradient()"
        )
