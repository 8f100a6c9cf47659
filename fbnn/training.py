"""The one minibatch training loop, for every trainable model (MLP, Elman, Jordan, and any later one).

:func:`fit` knows nothing of a model's internals: it talks to it through the small public protocol
:class:`Trainable` (``parameters``, ``check_data``, ``loss_and_grads``, ``evaluate``, ``state_dict``,
``load_state_dict``, ``task``). Each epoch draws a permutation of the training set from a seeded
``numpy.random.Generator`` and steps the optimizer once per minibatch. The training loss and accuracy of an
epoch are the averages over its minibatches, taken from the forward passes the steps make anyway (as Keras
and scikit-learn report them: the weights change during the epoch, so this is not the loss of the final
weights); the validation set, if given, is measured with the epoch's final weights. Arguments, data and
validation data are checked once, before the first update; the inner loop does no input checking, only the
two finite-number checks that turn a diverging run into a clear error instead of NaN weights.

Calling :func:`fit` again continues training: the model keeps its :class:`TrainingState` (optimizer and its
moments, shuffling generator, epoch count) in ``model.training_state_``; ``restart=True`` starts afresh.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np

from fbnn._checks import check_bool, check_name, check_nonnegative_float, check_positive_int, check_rng
from fbnn.optim import Adam, LRSchedule, Optimizer, as_optimizer

__all__ = ["Callback", "EarlyStopping", "History", "Trainable", "TrainingState", "fit"]

NONFINITE_ACTIONS: tuple[str, ...] = ("raise", "stop")
"""What :func:`fit` does when the loss, a gradient or a parameter stops being finite."""


@runtime_checkable
class Trainable(Protocol):
    """What :func:`fit` needs of a model; :class:`~fbnn.network.MLP`, :class:`~fbnn.recurrent.ElmanRNN` and
    :class:`~fbnn.recurrent.JordanRNN` provide it.

    - ``n_out``: the number of outputs.
    - ``task``: ``"multiclass"``, ``"binary"``, ``"multilabel"`` or ``"regression"`` (:mod:`fbnn.metrics`).
    - ``parameters()``: the arrays an optimizer updates in place, by name (views of the model's weights).
    - ``check_data(X, Y, loss=None, names=("X", "Y"), **options)``: validated ``(X, Y)`` arrays whose first
      axis indexes the samples (sequences), or a clear error naming ``names``.
    - ``loss_and_grads(X, Y, loss=None, *, check_input=True, out=None, return_correct=False, **options)``:
      the mean loss and its gradients keyed like ``parameters()`` (written into ``out`` if given); with
      ``return_correct`` also ``(correct, total)`` decisions of the batch (None for regression).
    - ``evaluate(X, Y, loss=None, *, check_input=True, **options)``: ``{"loss", ...}`` metrics of the task.
    - ``state_dict()`` / ``load_state_dict(state)``: copy the weights out and back in.
    """

    task: str
    n_out: int

    def parameters(self) -> dict[str, np.ndarray]: ...

    def check_data(
        self,
        X: object,
        Y: object,
        loss: str | None = None,
        names: tuple[str, str] = ("X", "Y"),
        **options: Any,
    ) -> tuple[np.ndarray, np.ndarray]: ...

    def loss_and_grads(self, X: object, Y: object, loss: str | None = None, **kwargs: Any) -> tuple: ...

    def evaluate(self, X: object, Y: object, loss: str | None = None, **kwargs: Any) -> dict[str, float]: ...

    def state_dict(self) -> dict[str, np.ndarray]: ...

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None: ...


@dataclass
class History:
    """Per-epoch record of one call to :func:`fit` (lists have one entry per completed epoch).

    ``loss`` and ``accuracy`` (classification) or ``mse`` (regression; the loss is ½ the squared error summed
    over outputs, ``mse`` the mean over samples and outputs) are means over the epoch's minibatches, each
    measured just before its step; ``val_loss``, ``val_accuracy`` or ``val_mse``/``val_rmse`` are measured on
    the validation set at the end of the epoch (empty without one); call the model's ``evaluate`` for the
    training set with the final weights. ``grad_norm`` is the largest gradient norm of each epoch (before
    clipping), ``lr`` the learning rate it used. ``best_epoch`` is the 1-based epoch with the lowest
    validation loss (or training loss without validation); ``stopped_early`` tells whether a callback ended
    the run, ``stopped_nonfinite`` whether ``on_nonfinite="stop"`` did. ``history["loss"]`` works like
    ``history.loss``.
    """

    task: str = "multiclass"
    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    mse: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)
    val_mse: list[float] = field(default_factory=list)
    val_rmse: list[float] = field(default_factory=list)
    grad_norm: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    best_epoch: int = 0
    stopped_early: bool = False
    stopped_nonfinite: bool = False

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

    def _append(self, logs: dict[str, float]) -> None:
        for k, v in logs.items():
            getattr(self, k).append(v)


@dataclass
class TrainingState:
    """What a model carries from one :func:`fit` to the next (``model.training_state_``).

    ``optimizer`` (with its moments), ``rng`` (the shuffling generator, which continues where it stopped),
    ``epoch`` (epochs completed so far, the index a learning-rate schedule sees) and ``base_lr`` (the
    optimizer's rate before any schedule touched it).
    """

    optimizer: Optimizer
    rng: np.random.Generator
    epoch: int = 0
    base_lr: float = 0.0


class Callback:
    """Base class of per-epoch callbacks: :func:`fit` calls ``on_train_begin(model)`` once,
    ``on_epoch_end(epoch, logs, model)`` after every epoch (returning True stops training) and
    ``on_train_end(model, history)`` at the end. A plain function ``f(epoch, logs, model)`` works too."""

    def on_train_begin(self, model: Trainable) -> None:
        pass

    def on_epoch_end(self, epoch: int, logs: dict[str, float], model: Trainable) -> bool | None:
        return None

    def on_train_end(self, model: Trainable, history: History) -> None:
        pass


class EarlyStopping(Callback):
    """Stop when ``monitor`` (default the validation loss) has not improved by more than ``min_delta`` for
    ``patience`` epochs; with ``restore_best`` give the model back the weights of its best epoch.

    Attributes after training: ``best`` (the best monitored value), ``best_epoch`` (1-based, in the call).
    """

    def __init__(
        self,
        patience: int = 5,
        *,
        monitor: str = "val_loss",
        min_delta: float = 0.0,
        restore_best: bool = True,
    ) -> None:
        self.patience = check_positive_int(patience, "patience")
        if not isinstance(monitor, str):
            raise TypeError(
                f"monitor must be the name of a logged metric such as 'val_loss', got {monitor!r}"
            )
        self.monitor = monitor
        self.min_delta = check_nonnegative_float(min_delta, "min_delta")
        self.restore_best = check_bool(restore_best, "restore_best")
        self._higher_is_better = monitor.endswith("accuracy")

    def on_train_begin(self, model: Trainable) -> None:
        self.best, self.best_epoch, self.wait, self._weights = math.nan, 0, 0, None

    def on_epoch_end(self, epoch: int, logs: dict[str, float], model: Trainable) -> bool:
        if self.monitor not in logs:
            raise ValueError(
                f"EarlyStopping monitors {self.monitor!r}, but the logged metrics are {sorted(logs)}"
                + ("; pass validation=(X_val, Y_val) to fit" if self.monitor.startswith("val_") else "")
            )
        value = logs[self.monitor]
        sign = -1.0 if self._higher_is_better else 1.0
        if self.best_epoch == 0 or sign * value < sign * self.best - self.min_delta:
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best:
                self._weights = model.state_dict()
            return False
        self.wait += 1
        return self.wait >= self.patience

    def on_train_end(self, model: Trainable, history: History) -> None:
        if history.stopped_early and self._weights is not None:
            model.load_state_dict(self._weights)


def _progress_line(epoch: int, epochs: int, logs: dict[str, float], t0: float) -> str:
    width = 20
    done = int(width * epoch / epochs)
    bar = "=" * done + "." * (width - done)
    items = " ".join(f"{k}={v:.4g}" for k, v in logs.items())
    return f"\repoch {epoch}/{epochs} [{bar}] {items} ({time.perf_counter() - t0:.1f}s)"


def _nonfinite_error(what: str, epoch: int, batch: int, n_batches: int, lr: float) -> FloatingPointError:
    return FloatingPointError(
        f"training diverged: {what} at epoch {epoch}, batch {batch} of {n_batches}. The learning rate "
        f"(lr={lr:g}) is probably too large: try a smaller one (e.g. lr={lr / 10:g}), or clip_norm=...; "
        "on_nonfinite='stop' stops instead and keeps the last finite weights"
    )


def fit(
    model: Trainable,
    X: object,
    Y: object,
    *,
    epochs: int = 10,
    batch_size: int = 32,
    optimizer: Optimizer | str | None = None,
    loss: str | None = None,
    seed: int | np.random.Generator | None = 0,
    validation: tuple[object, object] | None = None,
    shuffle: bool = True,
    clip_norm: float | None = None,
    schedule: LRSchedule | Callable[[int, float], float] | None = None,
    callbacks: Sequence[Callback | Callable] = (),
    on_nonfinite: str = "raise",
    restart: bool = False,
    progress: bool = False,
    **options: Any,
) -> History:
    """Train ``model`` in place by minibatch gradient descent and return the :class:`History` of this call.

    Parameters
    ----------
    model : a :class:`Trainable` (``MLP``, ``ElmanRNN``, ``JordanRNN``).
    X, Y : training inputs and targets, as for the model's ``loss_and_grads``; the first axis indexes the
        samples (for recurrent nets, the sequences).
    epochs : number of passes over the data (>= 1).
    batch_size : samples per gradient step (>= 1; the last batch of an epoch may be smaller).
    optimizer : an :class:`~fbnn.optim.Optimizer` instance (its state carries over between calls) or a name
        for :func:`~fbnn.optim.get_optimizer` (``"sgd"``, ``"momentum"``, ``"nesterov"``, ``"adam"``). None
        continues with the optimizer of the previous call, or starts ``Adam(lr=1e-3)``.
    loss : loss name; None uses the model's.
    seed : int >= 0, ``numpy.random.Generator`` or None (not reproducible): seeds the shuffling at the
        first call (or with ``restart=True``); later calls continue the same generator. The same seed, model
        and data give bit-for-bit the same run.
    validation : optional ``(X_val, Y_val)``, checked before any update and measured after every epoch.
    shuffle : reshuffle every epoch (otherwise batches are taken in order).
    clip_norm : if given, rescale each minibatch's gradients to joint L2 norm at most this
        (:func:`~fbnn.optim.clip_grad_norm_`).
    schedule : learning-rate schedule (:class:`~fbnn.optim.StepLR`, :class:`~fbnn.optim.ExponentialLR`,
        :class:`~fbnn.optim.CosineLR` or any ``f(epoch, base_lr) -> lr``), applied before every epoch; the
        epoch index counts across calls.
    callbacks : :class:`Callback` objects (e.g. :class:`EarlyStopping`) or functions
        ``f(epoch, logs, model)``; a true return value stops training.
    on_nonfinite : ``"raise"`` (default): a NaN or infinite loss, gradient or parameter stops training with a
        ``FloatingPointError`` naming the epoch and batch; ``"stop"``: stop, keep the last finite weights and
        set ``history.stopped_nonfinite``.
    restart : forget the previous call's optimizer state, shuffling generator and epoch count.
    progress : print a one-line progress bar to stderr (off by default so notebook output stays
        deterministic).
    **options : passed on to the model (e.g. ``truncate`` and ``steps`` for the recurrent nets).
    """
    if not isinstance(model, Trainable):
        raise TypeError(
            "model must provide the fbnn training protocol (fbnn.training.Trainable), "
            f"got {type(model).__name__}"
        )
    epochs = check_positive_int(epochs, "epochs")
    batch_size = check_positive_int(batch_size, "batch_size")
    shuffle = check_bool(shuffle, "shuffle")
    restart = check_bool(restart, "restart")
    progress = check_bool(progress, "progress")
    check_name(on_nonfinite, NONFINITE_ACTIONS, "on_nonfinite")
    if clip_norm is not None:
        clip_norm = check_nonnegative_float(clip_norm, "clip_norm")
        if clip_norm == 0:
            raise ValueError("clip_norm must be None or a finite number > 0, got 0")
    if schedule is not None and not callable(schedule):
        raise TypeError(
            f"schedule must be an fbnn.optim.LRSchedule or a function (epoch, base_lr) -> lr, "
            f"got {schedule!r}"
        )
    if isinstance(callbacks, Callback) or callable(callbacks):
        callbacks = [callbacks]
    callbacks = list(callbacks)
    for i, cb in enumerate(callbacks):
        if not (isinstance(cb, Callback) or callable(cb)):
            raise TypeError(f"callbacks[{i}] must be an fbnn.training.Callback or a function, got {cb!r}")
        monitor = getattr(cb, "monitor", "")
        if isinstance(monitor, str) and monitor.startswith("val_") and validation is None:
            raise ValueError(
                f"{type(cb).__name__} monitors {monitor!r}, which needs validation=(X_val, Y_val)"
            )
    opt = None if optimizer is None else as_optimizer(optimizer)
    rng = check_rng(seed)  # checked even when a continuing run does not use it
    X, Y = model.check_data(X, Y, loss, **options)
    if validation is not None:
        if not (isinstance(validation, tuple | list) and len(validation) == 2):
            raise TypeError(f"validation must be a pair (X_val, Y_val), got {type(validation).__name__}")
        Xv, Yv = model.check_data(
            validation[0], validation[1], loss, names=("validation[0]", "validation[1]"), **options
        )
    params = model.parameters()
    bad = [k for k, p in params.items() if not np.isfinite(p).all()]
    if bad:
        raise ValueError(
            f"the model's parameters {bad} hold NaN or inf before training; re-initialise the model"
        )

    state: TrainingState | None = getattr(model, "training_state_", None)
    if state is None or restart:
        opt = Adam(lr=1e-3) if opt is None else opt
        state = TrainingState(opt, rng, 0, opt.lr)
    elif opt is not None and opt is not state.optimizer:
        state = TrainingState(opt, state.rng, state.epoch, opt.lr)
    model.training_state_ = state
    opt = state.optimizer

    history = History(task=model.task)
    classify = model.task != "regression"
    n = X.shape[0]
    n_batches = -(-n // batch_size)
    # A reusable gradient buffer keyed like the parameters: the model writes into it, nothing is allocated.
    grads = {k: np.empty_like(p) for k, p in params.items()}
    # Speed: the two per-batch norms below are one np.vdot per array; the lists spare a dict walk each.
    grad_arrays, param_arrays = list(grads.values()), list(params.values())
    backup = {k: p.copy() for k, p in params.items()} if on_nonfinite == "stop" else None
    for cb in callbacks:
        if isinstance(cb, Callback):
            cb.on_train_begin(model)
    loss_and_grads, step = model.loss_and_grads, opt.step
    best = math.inf
    t0 = time.perf_counter()
    for epoch in range(1, epochs + 1):
        if schedule is not None:
            opt.lr = float(schedule(state.epoch, state.base_lr))
        if shuffle:
            # One gather per epoch, then contiguous slices: cheaper than indexing every batch.
            perm = state.rng.permutation(n)
            Xe, Ye = X[perm], Y[perm]
        else:
            Xe, Ye = X, Y
        total_loss, correct, decisions, max_norm = 0.0, 0, 0, 0.0
        for b, start in enumerate(range(0, n, batch_size), start=1):
            stop = start + batch_size
            value, _, counts = loss_and_grads(
                Xe[start:stop],
                Ye[start:stop],
                loss,
                check_input=False,
                out=grads,
                return_correct=True,
                **options,
            )
            norm = math.sqrt(sum([float(np.vdot(g, g)) for g in grad_arrays]))
            if not (math.isfinite(value) and math.isfinite(norm)):
                what = f"the loss is {value}" if not math.isfinite(value) else f"the gradient norm is {norm}"
                if on_nonfinite == "raise":
                    raise _nonfinite_error(what, epoch, b, n_batches, opt.lr)
                history.stopped_nonfinite = True
                break
            if clip_norm is not None and norm > clip_norm:
                scale = clip_norm / (norm + 1e-12)
                for g in grad_arrays:
                    g *= scale
            if backup is not None:
                for k, p in params.items():
                    np.copyto(backup[k], p)
            step(params, grads)
            # One pass over the parameters: their squared norm is finite exactly when every entry is (or a
            # weight beyond 1e154, which is divergence too).
            if not math.isfinite(sum([float(np.vdot(p, p)) for p in param_arrays])):
                if on_nonfinite == "raise":
                    raise _nonfinite_error("a parameter became NaN or infinite", epoch, b, n_batches, opt.lr)
                for k, p in params.items():
                    np.copyto(p, backup[k])
                history.stopped_nonfinite = True
                break
            rows = min(stop, n) - start
            total_loss += value * rows
            max_norm = max(max_norm, norm)
            if classify:
                correct += counts[0]
                decisions += counts[1]
        if history.stopped_nonfinite:
            break
        state.epoch += 1
        logs = {"loss": total_loss / n}
        if classify:
            logs["accuracy"] = correct / decisions
        else:
            logs["mse"] = logs["loss"] * 2 / model.n_out  # the mse loss is half the squared error per sample
        if validation is not None:
            vlogs = model.evaluate(Xv, Yv, loss, check_input=False, **options)
            logs.update({f"val_{k}": v for k, v in vlogs.items()})
        logs.update(grad_norm=max_norm, lr=opt.lr)
        history._append(logs)
        watched = logs.get("val_loss", logs["loss"])
        if watched < best:
            best, history.best_epoch = watched, epoch
        if progress:
            print(_progress_line(epoch, epochs, logs, t0), end="", file=sys.stderr, flush=True)
        stop_now = False
        for cb in callbacks:
            hook = cb.on_epoch_end if isinstance(cb, Callback) else cb
            stop_now = bool(hook(epoch, dict(logs), model)) or stop_now
        if stop_now:
            history.stopped_early = True
            break
    if progress:
        print(file=sys.stderr, flush=True)
    for cb in callbacks:
        if isinstance(cb, Callback):
            cb.on_train_end(model, history)
    return history
