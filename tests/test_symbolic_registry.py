"""Symbolic registries: same names as fbnn.names, closed-form derivatives and fused gradients proved."""

import dataclasses

import pytest
import sympy as sp

from fbnn import names
from fbnn.symbolic import (
    ACTIVATIONS,
    FUSED_PAIRS,
    HIDDEN,
    LOSSES_SYMBOLIC,
    get_activation,
    get_loss,
    prove_derivative,
    prove_fused,
)


def test_registries_have_exactly_the_shared_names():
    assert set(ACTIVATIONS) == set(names.OUTPUT_ACTIVATIONS)
    assert set(HIDDEN) == set(names.HIDDEN_ACTIVATIONS)
    assert set(LOSSES_SYMBOLIC) == set(names.LOSSES)
    assert all(a.elementwise for a in HIDDEN.values())


@pytest.mark.parametrize("name", names.OUTPUT_ACTIVATIONS)
def test_closed_form_derivative_is_proved(name):
    assert prove_derivative(name)


def test_closed_forms_are_the_textbook_ones():
    # Written here by hand, independently of the registry: sigma' = s(1-s), tanh' = 1 - tanh^2.
    z = sp.Symbol("z", real=True)
    s = 1 / (1 + sp.exp(-z))
    assert sp.simplify(sp.diff(s, z) - s * (1 - s)) == 0
    assert sp.simplify(get_activation("sigmoid").derivative_at(z) - s * (1 - s)) == 0
    assert sp.simplify(get_activation("tanh").derivative_at(z) - (1 - sp.tanh(z) ** 2)) == 0
    relu_d = get_activation("relu").derivative_at(z)
    assert relu_d.subs(z, 2) == 1 and relu_d.subs(z, -2) == 0 and relu_d.subs(z, 0) == 0
    a = sp.Matrix(sp.symbols("s1:4"))
    J = get_activation("softmax").closed_derivative(a)
    assert J[0, 0] == a[0] * (1 - a[0]) or sp.expand(J[0, 0] - a[0] + a[0] ** 2) == 0
    assert sp.expand(J[0, 1] + a[0] * a[1]) == 0


@pytest.mark.parametrize(
    ("name", "wrong"),
    [
        ("sigmoid", lambda z, a: a),  # the article's §4.4 "da/dz = a"
        ("tanh", lambda z, a: 1 - a),
        ("relu", lambda z, a: sp.Integer(1)),  # wrong for z < 0 only
        ("softmax", lambda a: sp.diag(*a)),  # the Jacobian without its - s s^T part
    ],
)
def test_the_prover_rejects_a_wrong_closed_form(monkeypatch, name, wrong):
    # fbnn's own prover must be able to fail: register a wrong closed form and ask it again.
    monkeypatch.setitem(ACTIVATIONS, name, dataclasses.replace(ACTIVATIONS[name], closed_derivative=wrong))
    assert prove_derivative(name) is False


@pytest.mark.parametrize("pair", FUSED_PAIRS)
def test_fused_gradients_are_proved(pair):
    assert prove_fused(*pair)


def test_fused_identity_does_not_hold_for_other_pairs():
    assert not prove_fused("sigmoid", "mse")
    assert not prove_fused("tanh", "binary_cross_entropy")


def test_unknown_names_list_the_valid_ones():
    with pytest.raises(ValueError, match="valid names are: 'identity', 'sigmoid'"):
        get_activation("sigmod")
    with pytest.raises(ValueError, match="'mse', 'binary_cross_entropy', 'cross_entropy'"):
        get_loss("bce")
    with pytest.raises(ValueError, match="hidden activation"):
        get_activation("softmax", hidden=True)
