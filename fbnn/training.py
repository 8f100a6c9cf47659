"""The minibatch training loop.

Each epoch draws a permutation of the training set from a seeded ``numpy.random.Generator`` and
steps the optimizer once per minibatch. The training loss and accuracy of an epoch are the
averages over its minibatches, taken from the forward passes the steps make anyway (as Keras and
scikit-learn report them: the weights change during the epoch, so this is not the loss of the final
weights); the validation set, if given, is measured with the epoch's final weights. Arguments are
validated once, before the first epoch; the inner loop does no checking at all.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from fbnn._checks import check_nonnegative_float, check_positive_int
from fbnn.optim import Adam, Optimizer, get_optimizer

if TYPE_CHECKING:
    from fbnn.network import MLP

__all__ = ["History", "fit"]


@dataclass
class History:
    """Per-epoch record of a training run (lists have one entry per completed epoch).

    ``loss``/``accuracy`` are the means over the epoch's minibatches (each measured just before its
    step), ``val_loss``/``val_accuracy`` are measured on the validation set at the end of the epoch
    (empty without one); call :meth:`~fbnn.network.MLP.evaluate` for the training set with the final weights.
    ``best_epoch`` is the 1-based epoch with the lowest validation loss (or training loss without
    validation); ``stopped_early`` tells whether early stopping ended the run.
    ``history["loss"]`` works like ``history.loss``.
    """

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)
    best_epoch: int = 0
    stopped_early: bool = False

    def __getitem__(self, key: str) -> object:
        if key not in self.__dataclass_fields__:
            raise KeyError(f"History has no entry {key!r}; entries are {list(self.__dataclass_fields__)}")
        return getattr(self, key)

    @property
    def epochs(self) -> int:
        """Number of completed epochs."""
        return len(self.loss)

    def as_dict(self) -> dict[str, object]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def _progress_line(epoch: int, epochs: int, logs: dict[str, float], t0: float) -> str:
    width = 20
    done = int(width * epoch / epochs)
    bar = "=" * done + "." * (width - done)
    items = " ".join(f"{k}={v:.4f}" for k, v in logs.items())
    return f"\repoch {epoch}/{epochs} [{bar}] {items} ({time.perf_counter() - t0:.1f}s)"


def fit(
    model: MLP,
    X: object,
    Y: object,
    *,
    epochs: int = 10,
    batch_size: int = 32,
    optimizer: Optimizer | str | None = None,
    loss: str | None = None,
    seed: int | None = 0,
    validation: tuple[object, object] | None = None,
    shuffle: bool = True,
    early_stopping: int | None = None,
    min_delta: float = 0.0,
    restore_best: bool = True,
    progress: bool = False,
) -> History:
    """Train ``model`` in place by minibatch gradient descent and return its :class:`History`.

    Parameters
    ----------
    X, Y : training inputs ``(n_samples, n_in)`` and targets
        (as for :meth:`~fbnn.network.MLP.loss_and_grads`).
    epochs : number of passes over the data (>= 1).
    batch_size : samples per gradient step (>= 1; the last batch of an epoch may be smaller).
    optimizer : an :class:`~fbnn.optim.Optimizer` (its state carries over between calls), a name for
        :func:`~fbnn.optim.get_optimizer`, or None for ``Adam(lr=1e-3)``.
    loss : loss name; None uses the model's default.
    seed : seed of the generator that shuffles the minibatches; the same seed, model and data give
        bit-for-bit the same run.
    validation : optional ``(X_val, Y_val)`` measured after every epoch.
    shuffle : reshuffle every epoch (otherwise batches are taken in order).
    early_stopping : patience: stop when the validation loss has not improved by more than
        ``min_delta`` for this many epochs (needs ``validation``). With ``restore_best``, a run that
        stops early gives the model back the weights of its best epoch.
    progress : print a one-line progress bar to stderr (off by default so notebook output stays
        deterministic).
    """
    from fbnn.network import MLP

    if not isinstance(model, MLP):
        raise TypeError(f"model must be an fbnn MLP, got {type(model).__name__}")
    epochs = check_positive_int(epochs, "epochs")
    batch_size = check_positive_int(batch_size, "batch_size")
    loss = model._check_loss(loss)
    X, Y = model._check_XY(X, Y, loss)
    if optimizer is None:
        optimizer = Adam(lr=1e-3)
    elif isinstance(optimizer, str):
        optimizer = get_optimizer(optimizer)
    elif not isinstance(optimizer, Optimizer):
        raise TypeError(
            f"optimizer must be an fbnn.optim.Optimizer or a name, got {type(optimizer).__name__}"
        )
    if validation is not None:
        if not (isinstance(validation, tuple | list) and len(validation) == 2):
            raise TypeError("validation must be a pair (X_val, Y_val)")
        Xv, Yv = model._check_XY(validation[0], validation[1], loss, names=("validation[0]", "validation[1]"))
    if early_stopping is not None:
        early_stopping = check_positive_int(early_stopping, "early_stopping")
        if validation is None:
            raise ValueError(
                "early_stopping watches the validation loss, so it needs validation=(X_val, Y_val)"
            )
    min_delta = check_nonnegative_float(min_delta, "min_delta")
    rng = np.random.default_rng(seed)

    history = History()
    n = X.shape[0]
    labels = model._labels_from_outputs(Y)  # the targets' classes, for the running accuracy
    model._ensure_packed()
    params = model.params
    # The optimizer sees the model as one vector (state key "params"): same arithmetic as stepping
    # each array by name, far fewer NumPy calls per minibatch.
    flat_params = {"params": model._flat}
    flat_grads = {"params": model._gflat}
    train_step = model._train_step
    step = optimizer.step
    best = np.inf
    best_params: dict[str, np.ndarray] | None = None
    wait = 0
    t0 = time.perf_counter()
    for epoch in range(1, epochs + 1):
        if shuffle:
            # One gather per epoch, then contiguous slices: cheaper than indexing every batch.
            perm = rng.permutation(n)
            Xe, Ye, Le = X[perm], Y[perm], labels[perm]
        else:
            Xe, Ye, Le = X, Y, labels
        total_loss, correct = 0.0, 0
        for start in range(0, n, batch_size):
            stop = start + batch_size
            batch_loss, batch_correct = train_step(Xe[start:stop], Ye[start:stop], Le[start:stop], loss)
            step(flat_params, flat_grads)
            total_loss += batch_loss
            correct += batch_correct
        logs = {"loss": total_loss / n, "accuracy": correct / n}
        history.loss.append(logs["loss"])
        history.accuracy.append(logs["accuracy"])
        shown = dict(logs)
        if validation is not None:
            vlogs = model._evaluate(Xv, Yv, loss)
            history.val_loss.append(vlogs["loss"])
            history.val_accuracy.append(vlogs["accuracy"])
            shown.update(val_loss=vlogs["loss"], val_accuracy=vlogs["accuracy"])
            watched = vlogs["loss"]
        else:
            watched = logs["loss"]
        if watched < best - min_delta:
            best = watched
            history.best_epoch = epoch
            wait = 0
            if early_stopping is not None and restore_best:
                best_params = model.get_params()
        else:
            wait += 1
        if progress:
            print(_progress_line(epoch, epochs, shown, t0), end="", file=sys.stderr, flush=True)
        if early_stopping is not None and wait >= early_stopping:
            history.stopped_early = True
            break
    if progress:
        print(file=sys.stderr, flush=True)
    if history.stopped_early and best_params is not None:
        for k, v in best_params.items():
            params[k][...] = v
    return history
