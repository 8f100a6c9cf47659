"""Chain-rule derivations of a neuron and a dense layer, and their display."""

import pytest
import sympy as sp

from fbnn.symbolic import derive_dense_layer, derive_neuron, to_latex, to_text


def test_neuron_sigmoid_bce_steps_are_textbook_forms():
    d = derive_neuron("sigmoid", "binary_cross_entropy", n_in=2)
    a, y, N = sp.Symbol("a", real=True), sp.Symbol("y", real=True), d.symbols["N"]
    x1, x2 = d.symbols["x"]
    assert sp.simplify(d.step("da/dz").expr - a * (1 - a)) == 0
    assert sp.simplify(d.step("dL/da").expr - (a - y) / (N * a * (1 - a))) == 0
    assert sp.simplify(d.step("dL/dz").expr - (a - y) / N) == 0
    assert sp.simplify(d.gradients["W"] - sp.Matrix([[x1 * (a - y) / N, x2 * (a - y) / N]])) == sp.zeros(1, 2)
    assert d.verify()


@pytest.mark.parametrize("act", ["identity", "sigmoid", "tanh", "relu"])
def test_neuron_mse_verifies_against_direct_derivative(act):
    assert derive_neuron(act, "mse").verify()


@pytest.mark.parametrize(
    "act,loss",
    [("sigmoid", "mse"), ("tanh", "mse"), ("softmax", "cross_entropy"), ("sigmoid", "binary_cross_entropy")],
)
def test_dense_layer_verifies(act, loss):
    d = derive_dense_layer(act, loss, n_in=2, n_out=3 if act == "softmax" else 2)
    assert d.verify()


def test_softmax_jacobian_and_fused_delta():
    d = derive_dense_layer("softmax", "cross_entropy", n_in=2, n_out=3)
    a, y = d.symbols["a"], d.symbols["y"]
    assert d.step("da/dz").expr == sp.diag(*a) - a * a.T
    assert d.step("dL/dz (sum y = 1)").expr == (a - y) / d.symbols["N"]
    assert d.gradients["W"] == (a - y) / d.symbols["N"] * d.symbols["x"].T


def test_verify_can_fail():
    # Corrupt the result (drop the 1 - a of sigmoid's derivative): verify must say no.
    d = derive_neuron("sigmoid", "mse")
    a = d.symbols["a"][0]
    d.gradients["b"] = d.gradients["b"] / (1 - a)
    assert not d.verify()


def test_display_latex_and_text():
    d = derive_neuron("sigmoid", "binary_cross_entropy")
    latex = to_latex(d)
    assert latex.startswith("\\begin{aligned}") and r"\frac{a - y}{N}" in latex
    # every note is shown, on its own line, and carries no raw LaTeX specials
    notes = [line for line in latex.splitlines() if line.startswith(r"&\qquad \text{")]
    assert len(notes) == sum(1 for step in d.steps if step.note) > 0
    assert all("_" not in line.replace(r"\_", "") for line in notes)
    text = to_text(d)
    assert "dL/dz" in text and "a - y" in text
    assert d._repr_latex_().startswith("$$")


def test_bad_arguments():
    with pytest.raises(ValueError, match="acts on a vector"):
        derive_neuron("softmax", "cross_entropy")
    with pytest.raises(ValueError, match="n_in must be a positive int"):
        derive_dense_layer("sigmoid", "mse", n_in=0)
    with pytest.raises(ValueError, match="unknown loss"):
        derive_neuron("sigmoid", "hinge")
