"""The claim checker and the article's §4.4 formulas."""

import pytest
import sympy as sp

from fbnn.symbolic import article_claims, check_claim
from fbnn.symbolic.activations import sigmoid


@pytest.fixture(scope="module")
def claims():
    return article_claims()


@pytest.mark.parametrize("name", ["output_gradient", "sigmoid_derivative", "update_rule"])
def test_article_claim_refuted_and_correction_proved(claims, name):
    false, fixed = claims[name]
    assert false.section == "§4.4"
    result = false.check()
    assert result.identical is False and result.counterexample is not None
    # The counterexample is real: re-evaluate both sides here, independently of the checker.
    c = float(sp.N(false.claimed.xreplace(result.counterexample)))
    t = float(sp.N(false.true.xreplace(result.counterexample)))
    assert abs(c - t) > 1e-6
    assert abs(float(sp.N(result.claimed_value)) - c) < 1e-12
    assert "not identical" in str(result)
    assert fixed.check().identical is True


def test_identical_and_counterexample_simple():
    x, y = sp.symbols("x y", real=True)
    assert check_claim((x + y) ** 2, x**2 + 2 * x * y + y**2, [x, y]).identical is True
    r = check_claim((x + y) ** 2, x**2 + y**2, [x, y])
    assert r.identical is False
    point = r.counterexample
    assert 2 * point[x] * point[y] != 0 and r.claimed_value - r.true_value == 2 * point[x] * point[y]


def test_matrix_claims_and_shape_mismatch():
    z = sp.Symbol("z", real=True)
    s = sigmoid(z)
    assert check_claim(sp.Matrix([s * (1 - s)]), sp.Matrix([sp.diff(s, z)]), [z]).identical
    r = check_claim(sp.Matrix([1, 2]), sp.Matrix([[1, 2]]), [])
    assert r.identical is False and "shape" in r.reason


def test_strings_are_refused_and_symbols_must_be_complete():
    x = sp.Symbol("x")
    with pytest.raises(TypeError, match="not strings"):
        check_claim("x**2", x**2, [x])
    with pytest.raises(ValueError, match="missing"):
        check_claim(x * sp.Symbol("k"), x, [x])
