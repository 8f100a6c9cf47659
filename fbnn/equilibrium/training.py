"""The minibatch training loop shared by the equilibrium networks.

Each network supplies a gradient function (recurrent backpropagation, or the equilibrium-propagation
estimate) and a scoring function; the loop shuffles, steps an optimizer of :mod:`fbnn.optim` and records
the loss and the accuracies.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from fbnn._checks import check_array, check_positive_int
from fbnn.equilibrium.relaxation import accuracy, one_hot

__all__ = ["train"]


def train(
    model,
    grad_fn: Callable[[np.ndarray, np.ndarray], tuple[float, dict[str, np.ndarray]]],
    scores: Callable[[np.ndarray], np.ndarray],
    X,
    y,
    *,
    epochs: int,
    batch_size: int,
    optimizer=None,
    low: float = 0.0,
    high: float = 1.0,
    seed: int | np.random.Generator = 0,
    validation: tuple | None = None,
) -> dict[str, list[float]]:
    """Minibatch training of ``model.params`` with the gradients of ``grad_fn``.

    Parameters
    ----------
    model : an object with ``params: dict[str, ndarray]`` and an ``n_out`` (number of classes).
    grad_fn : ``(X_batch, D_batch) -> (loss, grads)`` with ``D_batch: (batch, n_out)`` the targets.
    scores : ``X -> (n_samples, n_out)``, whose row-wise argmax is the predicted class.
    X : (n_samples, n_in) inputs; y : (n_samples,) integer labels.
    epochs, batch_size : the loop; every epoch visits each example once in a seeded random order.
    optimizer : has ``step(params, grads)``; ``fbnn.optim.Adam(lr=1e-2)`` by default.
    low, high : the targets are ``one_hot(y, model.n_out, low, high)``.
    seed : int or ``numpy.random.Generator`` for the shuffling.
    validation : optional ``(X_val, y_val)`` scored after every epoch.

    Returns
    -------
    history : dict of lists, one entry per epoch: ``"loss"`` (mean over the epoch's minibatches) and
        ``"val_accuracy"`` (after the epoch) if ``validation`` is given.
    """
    from fbnn.optim import Adam

    epochs = check_positive_int(epochs, "epochs")
    batch_size = check_positive_int(batch_size, "batch_size")
    X = check_array(X, "X", ndim=2, dtype=np.float64)
    D = one_hot(y, model.n_out, low, high)
    if D.shape[0] != X.shape[0]:
        raise ValueError(f"y has {D.shape[0]} labels but X has {X.shape[0]} rows; they must match")
    if validation is not None:
        if not (isinstance(validation, tuple) and len(validation) == 2):
            raise TypeError("validation must be a tuple (X_val, y_val)")
        one_hot(validation[1], model.n_out)               # checks the labels before any work is done
    if optimizer is None:
        optimizer = Adam(lr=1e-2)
    if not hasattr(optimizer, "step"):
        raise TypeError(f"optimizer must have a step(params, grads) method, got {type(optimizer).__name__}")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    history: dict[str, list[float]] = {"loss": []}
    if validation is not None:
        history["val_accuracy"] = []
    n = X.shape[0]
    for _ in range(epochs):
        order = rng.permutation(n)
        total = 0.0
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            loss, grads = grad_fn(X[idx], D[idx])
            optimizer.step(model.params, grads)
            total += loss * idx.size
        history["loss"].append(total / n)
        if validation is not None:
            history["val_accuracy"].append(accuracy(scores(validation[0]), validation[1]))
    return history
