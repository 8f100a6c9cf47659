"""Symbolic-size gradient and delta recursion, element-wise checks, and code generation."""

import numpy as np
import pytest
import sympy as sp

from fbnn.symbolic import (
    check_dense_layer,
    check_network,
    dense_gradient_function,
    derive_delta_recursion,
    derive_dense_gradient,
    explicit_network,
)


@pytest.fixture(scope="module")
def grad():
    return derive_dense_gradient()


def test_general_dense_gradient_is_delta_x_transpose(grad):
    assert grad.per_sample["W"] == grad.delta * grad.x.T
    assert grad.per_sample["b"] == grad.delta
    assert grad.per_sample["x"] == grad.W.T * grad.delta
    assert grad.batch["W"] == grad.Delta.T * grad.X
    p, q = sp.symbols("p q", integer=True)
    assert grad.index["W"] == sp.IndexedBase("delta")[p] * sp.IndexedBase("x")[q]


def test_general_gradient_matches_explicit_entries(grad):
    # Put sizes in and compare with SymPy's derivative of the explicit first-order dL = delta^T (W x + b).
    W, x, b, d = (
        sp.Matrix(sp.MatrixSymbol(s, *shape))
        for s, shape in (("W", (2, 3)), ("x", (3, 1)), ("b", (2, 1)), ("delta", (2, 1)))
    )
    dL = (d.T * (W * x + b))[0, 0]
    direct = W.applyfunc(lambda w: sp.diff(dL, w))
    general = sp.Matrix(
        grad.per_sample["W"]
        .subs(
            {sp.Symbol("m", integer=True, positive=True): 2, sp.Symbol("n", integer=True, positive=True): 3}
        )
        .as_explicit()
    )
    assert general == direct


def test_delta_recursion_structural_equals_hadamard_form():
    r = derive_delta_recursion()
    assert isinstance(r.textbook, sp.HadamardProduct)
    derived, textbook = r.explicit(3, 2)
    assert sp.simplify(derived - textbook) == sp.zeros(3, 1)
    u = sp.Symbol("u")
    derived, textbook = r.explicit(3, 2, sp.Lambda(u, sp.tanh(u)))
    assert sp.simplify(derived - textbook) == sp.zeros(3, 1)


@pytest.mark.parametrize("act,loss", [("sigmoid", "binary_cross_entropy"), ("relu", "mse")])
def test_explicit_3x2_layer(act, loss):
    result = check_dense_layer(2, 3, act, loss)
    assert result.ok and result.n_entries == 2 * 3 + 2


def test_explicit_2_3_2_network_delta_recursion():
    assert check_network((2, 3, 2), "sigmoid", "sigmoid", "mse").ok


def test_general_derivation_displays(grad):
    from fbnn.symbolic import to_latex, to_text

    assert r"\delta x^{T}" in to_latex(grad)
    assert "dL/dW" in to_text(grad)


def test_explicit_check_can_fail():
    net = explicit_network((2, 2), "identity", "identity", "mse")
    net.backprop["W1"] = 2 * net.backprop["W1"]
    result = net.check()
    assert not result.ok and "W1[0, 0]" in result.mismatches


def test_codegen_100x50_matches_numpy(grad):
    f = dense_gradient_function(grad, 100, 50)
    rng = np.random.default_rng(0)
    Delta, X = rng.normal(size=(8, 100)), rng.normal(size=(8, 50))
    dW, db = f(Delta, X)
    expected_dW = sum(np.outer(Delta[s], X[s]) for s in range(8))  # sum of per-sample delta x^T
    np.testing.assert_allclose(dW, expected_dW, rtol=1e-12, atol=1e-12)
    expected_db = sum(Delta[s] for s in range(8))  # sum of per-sample delta (dL/db = delta for one sample)
    np.testing.assert_allclose(db, expected_db, rtol=1e-12, atol=1e-12)
    assert db.shape == (100,)
    with pytest.raises(ValueError, match="X must have shape"):
        f(Delta, X[:, :49])


def test_the_displayed_differential_is_in_dW_and_db(grad):
    # dL = delta^T dz with dz = dW x + db (x fixed): a function of the increments, not of W and b.
    step = next(s for s in grad.steps if s.text == "dL")
    names = {str(a) for a in step.expr.atoms(sp.MatrixSymbol)}
    assert names == {"delta", "dW", "x", "db"}
    # and it is the directional derivative of phi = tr(delta^T (W x + b)), whose gradients are displayed
    sizes = {sp.Symbol("m", integer=True, positive=True): 2, sp.Symbol("n", integer=True, positive=True): 3}
    t = sp.Symbol("t")
    W, x, b, d, dW, db = (
        sp.Matrix(sp.MatrixSymbol(s, *shape))
        for s, shape in (("W", (2, 3)), ("x", (3, 1)), ("b", (2, 1)), ("delta", (2, 1)), ("dW", (2, 3)),
                         ("db", (2, 1)))
    )
    phi_along = (d.T * ((W + t * dW) * x + b + t * db))[0, 0]
    directional = sp.diff(phi_along, t).subs(t, 0)
    shown = sp.Matrix(step.expr.arg.subs(sizes).as_explicit())[0, 0]
    assert sp.expand(shown - directional) == 0
    from fbnn.symbolic import to_latex

    latex = to_latex(grad)
    # the notes are shown
    assert r"\left(dW x + db\right)" in latex and r"&\qquad \text{first order, x fixed}" in latex


def test_index_forms_count_from_one():
    m = sp.Symbol("m", integer=True, positive=True)
    rec = derive_delta_recursion()
    (_, low, high), = rec.index.limits
    assert (low, high) == (1, m)


def test_codegen_bias_gradient_equals_an_explicit_derivative(grad):
    # Independent of fbnn's derivation: write the batch loss's first-order part
    # dL = sum_s Delta_s . (W x_s + b) with numbers for Delta, X, W and symbols for b, and let SymPy
    # differentiate it with respect to each b_i.
    n_out, n_in, n_samples = 3, 2, 4
    rng = np.random.default_rng(7)
    Delta = rng.integers(-5, 6, size=(n_samples, n_out)).astype(float)
    X = rng.integers(-5, 6, size=(n_samples, n_in)).astype(float)
    W = sp.Matrix(rng.integers(-5, 6, size=(n_out, n_in)))
    b = sp.Matrix(sp.symbols(f"b0:{n_out}"))
    dL = sum(
        (sp.Matrix(Delta[s]).T * (W * sp.Matrix(X[s]) + b))[0, 0] for s in range(n_samples)
    )
    expected = np.array([float(sp.diff(dL, bi)) for bi in b])
    _, db = dense_gradient_function(grad, n_out, n_in)(Delta, X)
    np.testing.assert_array_equal(db, expected)
