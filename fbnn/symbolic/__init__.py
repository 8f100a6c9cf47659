"""Derive backpropagation with SymPy, show it, turn it into NumPy code, and check claimed formulas.

>>> from fbnn.symbolic import derive_dense_layer, to_text
>>> d = derive_dense_layer("sigmoid", "binary_cross_entropy", n_in=3, n_out=2)
>>> d.step("dL/dz").expr.T          # the fused result (a - y)/N
Matrix([[(a_1 - y_1)/N, (a_2 - y_2)/N]])
>>> d.verify()                      # equals SymPy's direct derivative, entry by entry
True

Modules: :mod:`~fbnn.symbolic.activations`, :mod:`~fbnn.symbolic.losses` (registries with the keys of
:mod:`fbnn.names`), :mod:`~fbnn.symbolic.derivation` (chain rule, neuron and layer),
:mod:`~fbnn.symbolic.matrix` (symbolic sizes), :mod:`~fbnn.symbolic.explicit` (element-wise checks),
:mod:`~fbnn.symbolic.codegen` (lambdify), :mod:`~fbnn.symbolic.claims` and
:mod:`~fbnn.symbolic.article` (prove or refute a formula), :mod:`~fbnn.symbolic.formula` (read a typed
formula without running it) and :mod:`~fbnn.symbolic.textclaims` (check a typed claim such as
``"dL/dz = (a - y)/N"``), :mod:`~fbnn.symbolic.steps` and :mod:`~fbnn.symbolic.display` (show a derivation).

>>> print(check_text_claim("da/dz = a*(1 - a)", "sigmoid", "mse").result)
identical: claimed - true simplifies to 0
"""

from fbnn.symbolic.activations import ACTIVATIONS, HIDDEN, get_activation, prove_derivative
from fbnn.symbolic.article import Claim, article_claims
from fbnn.symbolic.claims import ClaimResult, check_claim
from fbnn.symbolic.codegen import dense_gradient_function, network_gradient_function
from fbnn.symbolic.derivation import Derivation, derive_dense_layer, derive_neuron
from fbnn.symbolic.display import show, to_latex, to_text
from fbnn.symbolic.explicit import ExplicitCheck, check_dense_layer, check_network, explicit_network
from fbnn.symbolic.formula import FormulaError, parse_formula
from fbnn.symbolic.losses import FUSED_PAIRS, LOSSES_SYMBOLIC, N, get_loss, prove_fused
from fbnn.symbolic.matrix import derive_delta_recursion, derive_dense_gradient
from fbnn.symbolic.steps import Step
from fbnn.symbolic.textclaims import TextClaimResult, check_text_claim

__all__ = [
    "ACTIVATIONS",
    "HIDDEN",
    "LOSSES_SYMBOLIC",
    "FUSED_PAIRS",
    "N",
    "get_activation",
    "get_loss",
    "prove_derivative",
    "prove_fused",
    "Step",
    "Derivation",
    "derive_neuron",
    "derive_dense_layer",
    "derive_dense_gradient",
    "derive_delta_recursion",
    "ExplicitCheck",
    "explicit_network",
    "check_network",
    "check_dense_layer",
    "dense_gradient_function",
    "network_gradient_function",
    "ClaimResult",
    "check_claim",
    "Claim",
    "article_claims",
    "FormulaError",
    "parse_formula",
    "TextClaimResult",
    "check_text_claim",
    "to_latex",
    "to_text",
    "show",
]
