"""Every quantity of the article's worked example (§4.4), against SymPy with exact rationals.

The expectations are derived here from the loss written out symbolically (SymPy differentiates it) and
from hand-checked decimals, never from :mod:`fbnn.casestudy` itself.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import sympy as sp

from fbnn import casestudy as cs

A2 = [sp.Rational(k, 10) for k in (1, 2, 3, 4, 5)]
A3 = [sp.Rational(k, 10) for k in (8, 9, 1, 2, 3)]
Y = [1, 0, 1, 0, 1]


def _symbolic_loss(kind: str, base: str, reduction: str, a: list) -> sp.Expr:
    log = (lambda u: sp.log(u)) if base == "e" else (lambda u: sp.log(u, 10))
    terms = [y * log(ak) + ((1 - y) * log(1 - ak) if kind == "binary" else 0)
             for ak, y in zip(a, Y, strict=True)]
    total = -sp.Add(*terms)
    return total / len(a) if reduction == "mean" else total


READINGS = list(itertools.product(cs.LOSS_KINDS, cs.LOG_BASES, cs.REDUCTIONS))


@pytest.mark.parametrize(("kind", "base", "reduction"), READINGS)
def test_every_loss_reading_matches_sympy(kind, base, reduction):
    exact = _symbolic_loss(kind, base, reduction, A3)
    assert cs.loss_reading(kind, base, reduction) == pytest.approx(float(exact), rel=1e-13)
    assert cs.loss_readings()[(kind, base, reduction)] == cs.loss_reading(kind, base, reduction)


def test_loss_readings_by_hand():
    # Hand-checked decimals: ln 0.8 = -0.2231435513, ln 0.1 = -2.3025850930, ln 0.3 = -1.2039728043.
    readings = cs.loss_readings()
    assert len(readings) == 8
    assert readings[("categorical", "e", "sum")] == pytest.approx(0.2231435513 + 2.3025850930 + 1.2039728043)
    assert readings[("categorical", "10", "mean")] == pytest.approx((0.0969100130 + 1 + 0.5228787453) / 5)
    # Binary adds -ln(1 - 0.9) = ln 10 and -ln(1 - 0.2) = -ln 0.8.
    binary_sum = 2 * 0.2231435513 + 2 * 2.3025850930 + 1.2039728043
    assert readings[("binary", "e", "sum")] == pytest.approx(binary_sum)
    # None of the eight readings is what the article printed, and none is negative.
    assert all(v > 0 and abs(v - cs.PRINTED_LOSS) > 0.4 for v in readings.values())


@pytest.mark.parametrize(("kind", "base", "reduction"), READINGS)
def test_derivative_with_respect_to_the_outputs_matches_sympy(kind, base, reduction):
    a = sp.symbols("a1:6", positive=True)
    loss = _symbolic_loss(kind, base, reduction, list(a))
    at = dict(zip(a, A3, strict=True))
    exact = [float(sp.diff(loss, ak).subs(at)) for ak in a]
    np.testing.assert_allclose(cs.loss_grad_outputs(kind, base, reduction), exact, rtol=1e-13)


def test_chain_rule_factors_match_sympy_on_an_explicit_layer():
    # A sigmoid layer z = W a2 + b whose outputs are the example's a3: W symbolic, b solved for.
    W = sp.Matrix(5, 5, lambda i, j: sp.Symbol(f"w{i}{j}"))
    z_target = [sp.log(ak / (1 - ak)) for ak in A3]
    w_val = {W[i, j]: sp.Rational(i - j, 7) for i in range(5) for j in range(5)}
    bias = [z_target[i] - sum(w_val[W[i, j]] * A2[j] for j in range(5)) for i in range(5)]
    z = [sum(W[i, j] * A2[j] for j in range(5)) + bias[i] for i in range(5)]
    out = [1 / (1 + sp.exp(-zi)) for zi in z]
    loss = _symbolic_loss("binary", "e", "mean", out)
    f = cs.chain_rule_factors()
    dW = np.array([[float(sp.diff(loss, W[i, j]).subs(w_val)) for j in range(5)] for i in range(5)])
    np.testing.assert_allclose(f["dL_dW3"], dW, atol=1e-13)
    # The factors: dL/da3 and da3/dz3 = a (1 - a) by hand, and their product delta = (a - y) / 5.
    a3 = np.array([float(v) for v in A3])
    np.testing.assert_allclose(f["da3_dz3"], [0.16, 0.09, 0.09, 0.16, 0.21], atol=1e-15)
    np.testing.assert_allclose(f["dL_da3"], [-0.25, 2.0, -2.0, 0.25, -2 / 3], rtol=1e-13)
    np.testing.assert_allclose(f["dL_dz3"], (a3 - np.array(Y)) / 5, atol=1e-15)
    np.testing.assert_allclose(f["dL_db3"], f["dL_dz3"], atol=0)
    np.testing.assert_allclose(f["dz3_dW3"], [0.1, 0.2, 0.3, 0.4, 0.5], atol=0)
    np.testing.assert_allclose(f["dz3_db3"], np.ones(5), atol=0)
    # The chain rule itself: each entry of dL/dW is delta_j times dz_j/dW_jk.
    np.testing.assert_allclose(f["dL_dW3"], np.outer(f["dL_da3"] * f["da3_dz3"], f["dz3_dW3"]), atol=1e-15)


def test_section_4_4_table_pairs_printed_values_with_the_right_ones():
    rows = cs.section_4_4_quantities()
    by_quantity = {r["quantity"]: r for r in rows}
    assert len(by_quantity) == len(rows)
    # Every number the article prints in §4.4 appears in the table's "printed" column.
    printed = " ".join(str(r["printed"]) for r in rows)
    for number in ("-0.22314", "-0.47712", "-0.40547", "-0.04646", "-0.09544", "-0.08109", "-0.22299"):
        assert number in printed
    vectors = ("[-0.1, -0.2, -0.3, -0.4, -0.5]", "[0.1, 0.2, 0.3, 0.4, 0.5]",
               "[-0.01, -0.02, -0.03, -0.04, -0.05]")
    for vec in vectors:
        assert vec in printed
    assert by_quantity[r"\ln 0.1"]["value"] == pytest.approx(-2.3025850930)
    assert by_quantity[r"\tfrac{1}{5} \ln 0.3"]["value"] == pytest.approx(-1.2039728043 / 5)
    assert by_quantity[r"L \text{ (y = 1 terms)}"]["value"] == pytest.approx(0.7459402897)
    assert by_quantity[r"\partial L / \partial a^{(2)}"]["value"] is None  # W^(3) is never given
    np.testing.assert_allclose(by_quantity[r"\partial a^{(2)} / \partial z^{(2)}"]["value"],
                               [0.09, 0.16, 0.21, 0.24, 0.25], atol=1e-15)
    np.testing.assert_allclose(by_quantity[r"\text{product of the two printed vectors}"]["value"],
                               [-0.01, -0.04, -0.09, -0.16, -0.25], atol=1e-15)
    # Where the article prints a number, the right value differs from it (all of §4.4's numbers but ln 0.8).
    for r in rows:
        if r["printed"] is not None and r["value"] is not None and np.ndim(r["value"]) == 0:
            same = math.isclose(float(r["printed"]), r["value"], abs_tol=5e-6)
            assert same == (r["quantity"] == r"\ln 0.8"), r["quantity"]


def test_bad_readings_are_refused_by_name():
    with pytest.raises(ValueError, match="kind"):
        cs.loss_reading("hinge")
    with pytest.raises(ValueError, match="base"):
        cs.loss_grad_outputs("binary", "2")
    with pytest.raises(ValueError, match="reduction"):
        cs.loss_reading("binary", "e", "median")
    with pytest.raises(ValueError, match="shape"):
        cs.chain_rule_factors(a=[0.5, 0.5], y=[1.0, 0.0, 1.0])
