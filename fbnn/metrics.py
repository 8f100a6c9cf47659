"""What a network predicts and how it is scored, by task (as scikit-learn separates classifiers from
regressors).

The task follows from the output activation (or, for the recurrent nets, from the loss, which picks the
output activation):

==============  ===========================  ===========================  ================================
task            output                       ``predict``                  ``evaluate`` metrics
==============  ===========================  ===========================  ================================
``multiclass``  softmax over n_out >= 2      class index (argmax)         loss, accuracy
``binary``      sigmoid, one output          0/1 (probability > 0.5)      loss, accuracy
``multilabel``  sigmoid, n_out >= 2          0/1 per output               loss, accuracy per label
``regression``  identity, tanh, relu         the output values            loss, mse, rmse
==============  ===========================  ===========================  ================================

``accuracy`` for multi-label outputs is the share of correct (sample, label) decisions. ``mse`` is the mean
of the squared errors over all samples and outputs (scikit-learn's ``mean_squared_error``); the ``mse``
*loss* is half the squared error summed over the outputs (see :mod:`fbnn.losses`), so
``loss = mse * n_out / 2``.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "TASKS",
    "check_finite_outputs",
    "correct_count",
    "labels_from_outputs",
    "score_outputs",
    "task_of",
]

TASKS: tuple[str, ...] = ("multiclass", "binary", "multilabel", "regression")
"""The kinds of task a network can be set up for."""


def task_of(output: str, n_out: int) -> str:
    """The task of a network whose output activation is ``output`` and which has ``n_out`` outputs."""
    if output == "softmax":
        return "multiclass"
    if output == "sigmoid":
        return "binary" if n_out == 1 else "multilabel"
    return "regression"


def check_finite_outputs(out: np.ndarray, what: str = "network") -> None:
    """Raise ``FloatingPointError`` if the outputs hold NaN or inf (a diverged or corrupted network)."""
    if not np.isfinite(out).all():
        raise FloatingPointError(
            f"the {what}'s outputs contain NaN or inf, so there is nothing meaningful to predict or score; "
            "its parameters are non-finite or so large that the forward pass overflows "
            "(did training diverge? retrain with a smaller learning rate)"
        )


def labels_from_outputs(task: str, out: np.ndarray) -> np.ndarray:
    """Predicted labels from output activations ``out: (..., n_out)``.

    multiclass: argmax ``(...)``; binary: ``(...)`` 0/1; multilabel: ``(..., n_out)`` 0/1. Regression has no
    labels (``ValueError``).
    """
    if task == "multiclass":
        return out.argmax(axis=-1)
    if task == "binary":
        return (out[..., 0] > 0.5).astype(np.int64)
    if task == "multilabel":
        return (out > 0.5).astype(np.int64)
    raise ValueError("a regression network predicts values, not class labels")


def correct_count(task: str, out: np.ndarray, Y: np.ndarray) -> tuple[int, int]:
    """``(correct, total)`` decisions of outputs ``out`` against target rows ``Y`` of the same shape.

    One decision per sample for multiclass, one per sample and output for binary/multilabel (targets count
    as 1 above 0.5).
    """
    if task == "multiclass":
        return int(np.count_nonzero(out.argmax(axis=-1) == Y.argmax(axis=-1))), int(out.size // out.shape[-1])
    return int(np.count_nonzero((out > 0.5) == (Y > 0.5))), int(out.size)


def score_outputs(task: str, out: np.ndarray, Y: np.ndarray) -> dict[str, float]:
    """The metrics of a task besides the loss: ``{"accuracy"}`` for classification, ``{"mse", "rmse"}`` for
    regression."""
    if task == "regression":
        mse = float(np.mean((out - Y) ** 2))
        return {"mse": mse, "rmse": float(np.sqrt(mse))}
    correct, total = correct_count(task, out, Y)
    return {"accuracy": correct / total}
