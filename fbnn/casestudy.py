"""The numbers of the article's worked example (§4.4) and code listing (§5), recomputed.

The article's example gives the hidden activations ``a2``, the output activations ``a3`` and the
targets ``y`` of one example with five outputs, and prints a loss and a "gradient". This module holds
those inputs and computes, with the book's conventions (natural logarithm, mean over the five outputs,
as the article's factor 1/5 does), what the printed numbers should have been. It assumes, as the
article's binary cross-entropy formula (§4.3) implies, that ``a3`` comes from a sigmoid output layer.

The listing helpers reproduce what a framework that accepts the listing's labels would compute:
Keras's ``categorical_crossentropy`` rescales each *prediction* row to sum to 1 but uses the *labels*
as given, and its progress bar (TensorFlow >= 2.2) counts batches.

Every chapter of part II and the errata registry (:mod:`fbnn.errata`) take their numbers from here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from fbnn._checks import check_array, check_positive_float, check_positive_int
from fbnn.activations import sigmoid
from fbnn.losses import binary_cross_entropy_with_logits

__all__ = [
    "A2",
    "A3",
    "Y",
    "ALPHA",
    "PRINTED_LOGS",
    "PRINTED_TERMS",
    "PRINTED_LOSS",
    "PRINTED_DL_DA2",
    "PRINTED_DA2_DZ2",
    "PRINTED_PRODUCT",
    "dense_param_count",
    "article_reading_loss",
    "full_bce",
    "bce_terms",
    "printed_log_sources",
    "output_delta",
    "grad_W3",
    "grad_b3",
    "logits",
    "gradient_step",
    "sigmoid_derivative",
    "LOSS_KINDS",
    "LOG_BASES",
    "REDUCTIONS",
    "loss_reading",
    "loss_readings",
    "loss_grad_outputs",
    "chain_rule_factors",
    "section_4_4_quantities",
    "keras_categorical_crossentropy",
    "best_possible_keras_loss",
    "keras_steps_per_epoch",
    "first_argmax_probabilities",
]

A2 = np.array([0.1, 0.2, 0.3, 0.4, 0.5])
"""Hidden-layer activations a^(2) of the example (§4.4)."""

A3 = np.array([0.8, 0.9, 0.1, 0.2, 0.3])
"""Output activations a^(3) of the example (§4.4); read as sigmoid outputs."""

Y = np.array([1.0, 0.0, 1.0, 0.0, 1.0])
"""Targets y of the example (§4.4)."""

ALPHA = 1.0
"""Learning rate of the book's demonstration step (the article leaves alpha unspecified)."""

PRINTED_LOGS = (-0.22314, -0.47712, -0.40547)
"""The values the article prints for log(0.8), log(0.1), log(0.3)."""

PRINTED_TERMS = (-0.04646, -0.09544, -0.08109)
"""The three products 0.2 * log(.) as printed."""

PRINTED_LOSS = -0.22299
"""The loss value the article prints."""

PRINTED_DL_DA2 = np.array([-0.1, -0.2, -0.3, -0.4, -0.5])
"""The article's dL/da^(2) (given without derivation)."""

PRINTED_DA2_DZ2 = np.array([0.1, 0.2, 0.3, 0.4, 0.5])
"""The article's da^(2)/dz^(2): the activations a^(2) themselves, not the sigmoid derivative."""

PRINTED_PRODUCT = np.array([-0.01, -0.02, -0.03, -0.04, -0.05])
"""The "product" of the two vectors above, as printed."""


def dense_param_count(sizes: Sequence[int]) -> int:
    """Number of weights and biases of a dense network with layer widths ``sizes = [n_in, ..., n_out]``.

    Each layer has an ``(n_out, n_in)`` weight matrix and ``n_out`` biases.
    """
    widths = [check_positive_int(s, f"sizes[{i}]") for i, s in enumerate(sizes)]
    if len(widths) < 2:
        raise ValueError(f"sizes needs at least an input and an output width, got {list(sizes)}")
    return sum(o * i + o for i, o in zip(widths[:-1], widths[1:], strict=True))


def _probs_and_targets(a: object, y: object) -> tuple[np.ndarray, np.ndarray]:
    a = check_array(a, "a", ndim=1, dtype=np.float64)
    y = check_array(y, "y", ndim=1, dtype=np.float64)
    if a.shape != y.shape:
        raise ValueError(f"a has shape {a.shape} but y has shape {y.shape}; they must match")
    if np.any((a <= 0) | (a >= 1)):
        raise ValueError(f"a must hold probabilities inside (0, 1), got [{a.min()}, {a.max()}]")
    return a, y


def bce_terms(a: object = A3, y: object = Y) -> np.ndarray:
    """Per-output binary cross-entropy ``-[y log a + (1 - y) log(1 - a)]`` (natural log), shape ``(K,)``."""
    a, y = _probs_and_targets(a, y)
    return -(y * np.log(a) + (1 - y) * np.log1p(-a))


def article_reading_loss(a: object = A3, y: object = Y) -> float:
    """The article's own reading of its loss, done right: ``-(1/K) sum_k y_k ln a_k``.

    Only the ``y log a`` terms (the ones the article's bracket keeps), natural log, the minus sign kept.
    """
    a, y = _probs_and_targets(a, y)
    return float(-np.sum(y * np.log(a)) / a.size)


def full_bce(a: object = A3, y: object = Y) -> float:
    """The full binary cross-entropy of the article's §4.3 formula, mean over the K outputs."""
    return float(np.mean(bce_terms(a, y)))


def printed_log_sources() -> dict[float, tuple[str, float]]:
    """Where each printed "log" value comes from: ``{printed: (expression, exact value)}``.

    -0.22314 is ln 0.8 (right); -0.47712 is log10(1/3) and -0.40547 is ln(2/3): neither is the log of
    the number it stands for (0.1 and 0.3).
    """
    return {
        PRINTED_LOGS[0]: ("ln(0.8)", math.log(0.8)),
        PRINTED_LOGS[1]: ("log10(1/3)", math.log10(1 / 3)),
        PRINTED_LOGS[2]: ("ln(2/3)", math.log(2 / 3)),
    }


def output_delta(a: object = A3, y: object = Y) -> np.ndarray:
    """delta^(3) = dL/dz^(3) = (a - y) / K for sigmoid outputs with the mean binary cross-entropy."""
    a, y = _probs_and_targets(a, y)
    return (a - y) / a.size


def grad_W3(a: object = A3, y: object = Y, a_prev: object = A2) -> np.ndarray:
    """dL/dW^(3) = delta^(3) a^(2)^T, shape ``(K, n_prev)`` like W^(3)."""
    a_prev = check_array(a_prev, "a_prev", ndim=1, dtype=np.float64)
    return np.outer(output_delta(a, y), a_prev)


def grad_b3(a: object = A3, y: object = Y) -> np.ndarray:
    """dL/db^(3) = delta^(3), shape ``(K,)``."""
    return output_delta(a, y)


def logits(a: object = A3) -> np.ndarray:
    """The pre-activations z = ln(a / (1 - a)) that give sigmoid outputs ``a``."""
    a = check_array(a, "a", ndim=1, dtype=np.float64)
    return np.log(a) - np.log1p(-a)


def gradient_step(
    alpha: float = ALPHA, a: object = A3, y: object = Y, a_prev: object = A2
) -> dict[str, object]:
    """One gradient-descent step on W^(3) and b^(3), whatever their values were.

    With ``W <- W - alpha delta a_prev^T`` and ``b <- b - alpha delta`` the pre-activations change by
    ``-alpha (||a_prev||^2 + 1) delta`` (independent of W and b), so the new outputs and loss follow
    from ``a`` alone. Returns ``z``, ``z_new``, ``a_new``, ``loss`` and ``loss_new`` (full BCE).
    """
    alpha = check_positive_float(alpha, "alpha")
    a_prev = check_array(a_prev, "a_prev", ndim=1, dtype=np.float64)
    z = logits(a)
    delta = output_delta(a, y)
    z_new = z - alpha * (a_prev @ a_prev + 1.0) * delta
    a_new = sigmoid(z_new)
    # From the logits, so that a large alpha (outputs rounding to exactly 0 or 1) still gives a finite loss.
    loss_new = binary_cross_entropy_with_logits(z_new[:, None], np.asarray(y, dtype=np.float64)[:, None])
    return {"z": z, "z_new": z_new, "a_new": a_new, "loss": full_bce(a, y), "loss_new": loss_new}


def sigmoid_derivative(a: object = A2) -> np.ndarray:
    """sigma'(z) written with the output a = sigma(z): a (1 - a)."""
    a = check_array(a, "a", ndim=1, dtype=np.float64)
    return a * (1 - a)


LOSS_KINDS = ("binary", "categorical")
"""Readings of the §4.3 bracket: ``"binary"`` keeps both terms ``y ln a + (1 - y) ln(1 - a)``,
``"categorical"`` only ``y ln a`` (what the article's first line of §4.4 writes out)."""

LOG_BASES = ("e", "10")
"""Logarithm bases: the natural logarithm (the book's) and base 10 (one of the article's printed values)."""

REDUCTIONS = ("mean", "sum")
"""Over the K outputs: ``"mean"`` divides by K (the article's factor 1/5), ``"sum"`` does not."""


def _check_reading(kind: str, base: str, reduction: str) -> None:
    for value, allowed, name in ((kind, LOSS_KINDS, "kind"), (base, LOG_BASES, "base"),
                                 (reduction, REDUCTIONS, "reduction")):
        if value not in allowed:
            raise ValueError(f"{name} must be one of {allowed}, got {value!r}")


def loss_reading(
    kind: str = "binary", base: str = "e", reduction: str = "mean", a: object = A3, y: object = Y
) -> float:
    """One reading of the article's loss for one example with K outputs (the minus sign kept).

    ``kind`` in :data:`LOSS_KINDS`, ``base`` in :data:`LOG_BASES`, ``reduction`` in :data:`REDUCTIONS`:
    ``-(1/c) sum_k [y_k log a_k + (1 - y_k) log(1 - a_k)]`` (binary) or ``-(1/c) sum_k y_k log a_k``
    (categorical), with ``c = K`` for the mean and 1 for the sum. ``a, y``: ``(K,)``.
    """
    _check_reading(kind, base, reduction)
    a, y = _probs_and_targets(a, y)
    terms = -y * np.log(a)
    if kind == "binary":
        terms = terms - (1 - y) * np.log1p(-a)
    total = float(np.sum(terms))
    if base == "10":
        total /= math.log(10)
    return total / a.size if reduction == "mean" else total


def loss_readings(a: object = A3, y: object = Y) -> dict[tuple[str, str, str], float]:
    """Every reading of the loss: ``{(kind, base, reduction): value}`` over all eight combinations."""
    return {
        (kind, base, red): loss_reading(kind, base, red, a, y)
        for kind in LOSS_KINDS
        for base in LOG_BASES
        for red in REDUCTIONS
    }


def loss_grad_outputs(
    kind: str = "binary", base: str = "e", reduction: str = "mean", a: object = A3, y: object = Y
) -> np.ndarray:
    """dL/da^(3) of :func:`loss_reading`, the derivative of the loss with respect to the outputs, ``(K,)``.

    Binary: ``-(y/a - (1 - y)/(1 - a)) / c``, which is ``(a - y) / (c a (1 - a))``; categorical:
    ``-y / (c a)``; both divided by ``ln 10`` for base-10 logarithms (``c`` as in :func:`loss_reading`).
    """
    _check_reading(kind, base, reduction)
    a, y = _probs_and_targets(a, y)
    g = (a - y) / (a * (1 - a)) if kind == "binary" else -y / a
    if base == "10":
        g = g / math.log(10)
    return g / a.size if reduction == "mean" else g


def chain_rule_factors(a: object = A3, y: object = Y, a_prev: object = A2) -> dict[str, np.ndarray]:
    """Each factor of the chain rule ``dL/dW^(3) = dL/da^(3) da^(3)/dz^(3) dz^(3)/dW^(3)``, and the products.

    For sigmoid outputs and the mean binary cross-entropy (natural log). Keys:

    - ``"dL_da3"``: dL/da^(3), ``(K,)`` (:func:`loss_grad_outputs`);
    - ``"da3_dz3"``: the sigmoid's derivative ``a (1 - a)``, ``(K,)`` (diagonal of the Jacobian);
    - ``"dL_dz3"``: their element-wise product, delta^(3) = ``(a - y) / K``, ``(K,)``;
    - ``"dz3_dW3"``: ``dz_j/dW_jk = a^(2)_k`` (the same row for every j), ``(n_prev,)``;
    - ``"dz3_db3"``: ``dz_j/db_j = 1``, ``(K,)``;
    - ``"dL_dW3"``: delta^(3) a^(2)^T, ``(K, n_prev)``; ``"dL_db3"``: delta^(3), ``(K,)``.
    """
    a, y = _probs_and_targets(a, y)
    a_prev = check_array(a_prev, "a_prev", ndim=1, dtype=np.float64)
    dL_da3 = loss_grad_outputs("binary", "e", "mean", a, y)
    da3_dz3 = a * (1 - a)
    dL_dz3 = dL_da3 * da3_dz3
    return {
        "dL_da3": dL_da3,
        "da3_dz3": da3_dz3,
        "dL_dz3": dL_dz3,
        "dz3_dW3": a_prev.copy(),
        "dz3_db3": np.ones_like(a),
        "dL_dW3": np.outer(dL_dz3, a_prev),
        "dL_db3": dL_dz3.copy(),
    }


def section_4_4_quantities() -> list[dict[str, object]]:
    """Every quantity §4.4 writes or implies, with what the article printed and the correct value.

    Each entry: ``"quantity"`` (LaTeX), ``"printed"`` (the article's value as text, or ``None`` if it
    prints none), ``"value"`` (float or array; ``None`` where the article's data do not determine it)
    and ``"note"`` (how the value is obtained). Values use natural logarithms and the mean over the
    five outputs unless the entry says otherwise; :func:`loss_readings` has the other readings.
    """
    f = chain_rule_factors()
    sources = printed_log_sources()
    ln = {0.8: math.log(0.8), 0.1: math.log(0.1), 0.3: math.log(0.3)}
    rows: list[dict[str, object]] = []
    for printed, (u, source) in zip(PRINTED_LOGS, ln.items(), strict=True):
        rows.append({"quantity": rf"\ln {u}", "printed": f"{printed:.5f}", "value": source,
                     "note": f"the printed value is {sources[printed][0]}"})
    for printed, (u, value) in zip(PRINTED_TERMS, ln.items(), strict=True):
        rows.append({"quantity": rf"\tfrac{{1}}{{5}} \ln {u}", "printed": f"{printed:.5f}",
                     "value": value / 5, "note": "one term of the y = 1 sum, sign not yet applied"})
    rows += [
        {"quantity": r"L \text{ (y = 1 terms)}", "printed": f"{PRINTED_LOSS:.5f}",
         "value": loss_reading("categorical", "e", "mean"), "note": "the article's terms, minus sign kept"},
        {"quantity": r"L \text{ (binary cross-entropy)}", "printed": None,
         "value": loss_reading("binary", "e", "mean"), "note": "the full bracket of §4.3"},
        {"quantity": r"\partial L / \partial a^{(3)}", "printed": None, "value": f["dL_da3"],
         "note": "(a - y) / (5 a (1 - a)); the article's left-hand side, never computed"},
        {"quantity": r"\partial a^{(3)} / \partial z^{(3)}", "printed": None, "value": f["da3_dz3"],
         "note": "sigmoid derivative a (1 - a) at the outputs"},
        {"quantity": r"\delta^{(3)} = \partial L / \partial z^{(3)}", "printed": None, "value": f["dL_dz3"],
         "note": "product of the two factors above, (a - y) / 5"},
        {"quantity": r"\partial z^{(3)}_j / \partial W^{(3)}_{jk}", "printed": None, "value": f["dz3_dW3"],
         "note": "a^(2)_k, the same for every output j"},
        {"quantity": r"\partial L / \partial W^{(3)}", "printed": None, "value": f["dL_dW3"],
         "note": "delta^(3) a^(2)T, a 5 x 5 matrix"},
        {"quantity": r"\partial L / \partial b^{(3)}", "printed": None, "value": f["dL_db3"],
         "note": "delta^(3) times dz/db = 1"},
        {"quantity": r"\partial L / \partial a^{(2)}", "printed": _vector_text(PRINTED_DL_DA2), "value": None,
         "note": "W^(3)T delta^(3): needs W^(3), which the article never gives"},
        {"quantity": r"\partial a^{(2)} / \partial z^{(2)}", "printed": _vector_text(PRINTED_DA2_DZ2),
         "value": sigmoid_derivative(A2), "note": "sigmoid derivative a (1 - a) at the hidden layer"},
        {"quantity": r"\text{product of the two printed vectors}", "printed": _vector_text(PRINTED_PRODUCT),
         "value": PRINTED_DL_DA2 * PRINTED_DA2_DZ2,
         "note": "element by element; the dot product is a number"},
    ]
    return rows


def _vector_text(v: np.ndarray) -> str:
    return "[" + ", ".join(f"{x:g}" for x in v) + "]"


def keras_categorical_crossentropy(y_true: object, y_pred: object, eps: float = 1e-7) -> float:
    """Mean of ``-sum_k y_true[k] log p[k]`` with ``p`` = ``y_pred`` rescaled to sum to 1 and clipped.

    This is what Keras's ``categorical_crossentropy`` computes: it normalises the predictions, never the
    labels, so labels whose rows do not sum to 1 scale the loss by their row sums. ``(n, K)`` arrays.
    """
    y_true = check_array(y_true, "y_true", ndim=2, dtype=np.float64)
    y_pred = check_array(y_pred, "y_pred", ndim=2, dtype=np.float64)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true has shape {y_true.shape} but y_pred has shape {y_pred.shape}")
    p = np.clip(y_pred / y_pred.sum(axis=1, keepdims=True), eps, 1 - eps)
    return float(np.mean(-np.sum(y_true * np.log(p), axis=1)))


def best_possible_keras_loss(y_true: object) -> float:
    """The smallest :func:`keras_categorical_crossentropy` of labels ``y_true`` over all predictions.

    For one row with sum S > 0, ``-sum_k y_k log p_k`` is smallest at ``p = y / S`` (Gibbs' inequality),
    where it equals ``S`` times the entropy of ``y / S``. Rows of non-negative labels only.
    """
    y = check_array(y_true, "y_true", ndim=2, dtype=np.float64)
    if np.any(y < 0):
        raise ValueError("y_true must be non-negative")
    s = y.sum(axis=1, keepdims=True)
    if np.any(s == 0):
        raise ValueError("every row of y_true needs a positive sum")
    q = y / s
    with np.errstate(divide="ignore", invalid="ignore"):
        ent = -np.sum(np.where(q > 0, q * np.log(q), 0.0), axis=1)
    return float(np.mean(s[:, 0] * ent))


def first_argmax_probabilities(n_classes: int = 10, n_values: int = 10) -> np.ndarray:
    """P(the first largest entry of a row sits at position j), for ``n_classes`` independent uniform integers.

    Keras's ``accuracy`` with ``categorical_crossentropy`` compares ``argmax`` of the prediction with
    ``argmax`` of the label row, and ``argmax`` returns the first maximum. For rows like the listing's
    ``np.random.randint(0, n_values, size=(n, n_classes))``, position j is the first maximum with value v when
    the j earlier entries are below v and the later ones at most v. Shape ``(n_classes,)``, sums to 1.
    """
    k = check_positive_int(n_classes, "n_classes")
    m = check_positive_int(n_values, "n_values")
    v = np.arange(m, dtype=np.float64)
    j = np.arange(k)[:, None]
    return np.sum((1 / m) * (v / m) ** j * ((v + 1) / m) ** (k - 1 - j), axis=1)


def keras_steps_per_epoch(n_samples: int, batch_size: int) -> int:
    """Batches per epoch, what Keras's progress bar counts: ``ceil(n_samples / batch_size)``."""
    n_samples = check_positive_int(n_samples, "n_samples")
    batch_size = check_positive_int(batch_size, "batch_size")
    return -(-n_samples // batch_size)
