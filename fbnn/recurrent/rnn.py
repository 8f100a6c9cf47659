"""Simple recurrent networks (Elman 1990, Jordan 1986) trained by backpropagation through time.

Both read a sequence ``x_1 .. x_T`` and produce an output ``y_t`` at every step::

    Elman:  h_t = tanh(Wxh x_t + Whh h_{t-1} + bh),   h_0 = 0      (context = previous hidden state)
    Jordan: h_t = tanh(Wxh x_t + Wyh y_{t-1} + bh),   y_0 = 0      (context = previous output)
    both:   y_t = Why h_t + by

``y_t`` are the output *logits*; the loss applies the output activation that pairs with it (softmax for
``"cross_entropy"``, identity for ``"mse"``, sigmoid for ``"binary_cross_entropy"``), using the numeric
engine's :mod:`fbnn.losses`. The Jordan context is the logit vector ``y_{t-1}``, so the forward pass does
not depend on the loss; for ``"mse"`` that is exactly the output.

Shapes: sequences are ``X: (n_seq, T, n_in)``; outputs ``(n_seq, T, n_out)``. Internally the arrays are
time-major, ``(T, n_seq, ...)``, so that each step of the recurrence reads one contiguous block.

Backpropagation through time (BPTT) unrolls the loop and applies the chain rule backwards from
``t = T`` to 1. ``truncate=k`` keeps, for the loss at each step t, only the paths through the last k
hidden updates (steps ``t-k+1 .. t``); the recurrent state before them (``h_{t-k}`` for Elman,
``y_{t-k}`` for Jordan) is treated as a constant. That is the exact gradient of the *truncated loss*
``sum_t l_t(run k steps from the frozen state)``, which the tests check by finite differences.
"""

from __future__ import annotations

from collections.abc import Sequence
from os import PathLike
from typing import Any

import numpy as np

from fbnn import serialization
from fbnn._checks import check_array, check_dtype, check_nonnegative_float
from fbnn.activations import sigmoid, softmax
from fbnn.losses import get_loss, prepare_targets
from fbnn.metrics import check_finite_outputs, correct_count, labels_from_outputs, score_outputs, task_of
from fbnn.optim import LRSchedule, Optimizer
from fbnn.recurrent._validate import check_choice, check_positive_int, make_rng
from fbnn.training import Callback, History, fit

STEPS: tuple[str, ...] = ("all", "last")
"""Which steps the loss covers: every step (mean over sequences and steps) or only the last one."""

OUTPUT_OF_LOSS: dict[str, str] = {
    "cross_entropy": "softmax",
    "binary_cross_entropy": "sigmoid",
    "mse": "identity",
}
"""The output activation each loss applies to the logits ``y_t`` (and so the task, :mod:`fbnn.metrics`)."""


def _project(X3: np.ndarray, M: np.ndarray, bias: np.ndarray | None = None) -> np.ndarray:
    """``X3 @ M (+ bias)`` for a (T, n_seq, k) array as one 2-D matrix product.

    ``matmul`` on a 3-D array calls BLAS once per leading index (T small products); folding T into
    the rows makes it one call.
    """
    out = X3.reshape(-1, X3.shape[-1]) @ M
    if bias is not None:
        out += bias
    return out.reshape(X3.shape[:-1] + (M.shape[-1],))


def _glorot(rng: np.random.Generator, n_out: int, n_in: int, dtype) -> np.ndarray:
    limit = np.sqrt(6.0 / (n_in + n_out))
    return rng.uniform(-limit, limit, size=(n_out, n_in)).astype(dtype)


def _orthogonal(rng: np.random.Generator, n: int, dtype) -> np.ndarray:
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return (q * np.sign(np.diag(r))).astype(dtype)


class _RecurrentNet:
    """Shared machinery; subclasses define the recurrence (``_forward``/``_backward``)."""

    _context_name: str = ""

    def __init__(
        self,
        n_in: int,
        n_hidden: int,
        n_out: int,
        *,
        loss: str | None = None,
        seed: int | np.random.Generator | None = 0,
        dtype: object = "float64",
        recurrent_scale: float = 1.0,
    ) -> None:
        self.n_in = check_positive_int(n_in, "n_in")
        self.n_hidden = check_positive_int(n_hidden, "n_hidden")
        self.n_out = check_positive_int(n_out, "n_out")
        if loss is None:
            loss = "cross_entropy" if self.n_out > 1 else "binary_cross_entropy"
        self.loss_name: str = get_loss(loss).name
        if self.loss_name == "cross_entropy" and self.n_out == 1:
            raise ValueError(
                "cross_entropy applies softmax to the outputs, and softmax over a single output is the "
                "constant 1 (nothing to learn); for a yes/no target per step use "
                "loss='binary_cross_entropy' with one output"
            )
        self.output: str = OUTPUT_OF_LOSS[self.loss_name]
        self.task: str = task_of(self.output, self.n_out)
        self.dtype = check_dtype(dtype)
        self.recurrent_scale = check_nonnegative_float(recurrent_scale, "recurrent_scale")
        rng = make_rng(seed)
        self.params: dict[str, np.ndarray] = self._init_params(rng, self.recurrent_scale)

    def _init_params(self, rng: np.random.Generator, scale: float) -> dict[str, np.ndarray]:
        raise NotImplementedError

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(n_in={self.n_in}, n_hidden={self.n_hidden}, n_out={self.n_out}, "
            f"loss='{self.loss_name}', dtype='{self.dtype.name}')"
        )

    # ------------------------------------------------------------------ validation
    def _check_X(self, X, name: str = "X") -> np.ndarray:
        arr = check_array(X, name, finite=False)  # the finite check comes once, with the cast below
        if arr.ndim != 3:
            raise ValueError(
                f"{name} must be a 3-D array of sequences (n_seq, T, n_in) with n_in={self.n_in}, "
                f"got shape {arr.shape}"
            )
        n_seq, T, width = arr.shape
        if n_seq == 0:
            raise ValueError(f"{name} holds no sequences (shape {arr.shape}); expected n_seq >= 1")
        if T == 0:
            raise ValueError(f"{name} has sequences of length T=0 (shape {arr.shape}); expected T >= 1")
        if width != self.n_in:
            raise ValueError(
                f"{name} has {width} features per step, but the network has n_in={self.n_in}: "
                f"expected shape (n_seq, T, {self.n_in}), got {arr.shape}"
            )
        return check_array(arr, name, dtype=self.dtype)

    def _check_targets(self, Y, loss: str, n_seq: int, T: int, steps: str, name: str = "Y") -> np.ndarray:
        """Targets as rows, sequence-major: (n_seq, T, n_out) for steps="all", (n_seq, n_out) for "last"."""
        arr = check_array(Y, name)
        if steps == "all":
            lead, want = (n_seq, T), f"(n_seq, T)=({n_seq}, {T})"
        else:
            lead, want = (n_seq,), f"(n_seq,)=({n_seq},)"
        if arr.shape[:1] != lead[:1]:
            raise ValueError(
                f"{name} has {arr.shape[0] if arr.ndim else 0} sequences but X has {n_seq}; they must match"
            )
        if arr.shape[: len(lead)] != lead or arr.ndim not in (len(lead), len(lead) + 1):
            extra = f"class indices of shape {want} or rows of shape {want} + (n_out,)"
            raise ValueError(
                f"{name} must match X with steps={steps!r}: expected {extra}, got shape {arr.shape}"
            )
        flat = arr.reshape((-1,) + arr.shape[len(lead) :])
        rows = prepare_targets(loss, flat, self.n_out, flat.shape[0], name=name, dtype=self.dtype)
        return rows.reshape(lead + (self.n_out,))

    @staticmethod
    def _check_truncate(truncate) -> int | None:
        if truncate is None:
            return None
        return check_positive_int(truncate, "truncate")

    def check_data(
        self,
        X: object,
        Y: object,
        loss: str | None = None,
        names: tuple[str, str] = ("X", "Y"),
        *,
        truncate: int | None = None,
        steps: str = "all",
    ) -> tuple[np.ndarray, np.ndarray]:
        """Validated sequences ``(n_seq, T, n_in)`` and target rows (``(n_seq, T, n_out)``, or
        ``(n_seq, n_out)`` with ``steps="last"``) in the model's dtype; a clear error naming ``names``
        otherwise (part of the training protocol, :class:`fbnn.training.Trainable`)."""
        loss = self.loss_name if loss is None else get_loss(loss).name
        check_choice(steps, "steps", STEPS)
        self._check_truncate(truncate)
        X = self._check_X(X, names[0])
        return X, self._check_targets(Y, loss, X.shape[0], X.shape[1], steps, names[1])

    def _time_major(self, X) -> np.ndarray:
        """Validated inputs as one contiguous (T, n_seq, n_in) array, so every projection is one GEMM."""
        return np.ascontiguousarray(self._check_X(X).transpose(1, 0, 2))

    def _outputs(self, Z: np.ndarray, loss: str) -> np.ndarray:
        """The loss's output activation applied to logits ``Z`` (softmax, sigmoid or identity)."""
        out = OUTPUT_OF_LOSS[loss]
        return softmax(Z) if out == "softmax" else sigmoid(Z) if out == "sigmoid" else Z

    # ------------------------------------------------------------------ public API
    def forward(self, X) -> np.ndarray:
        """Output logits ``y_t`` for every step: X (n_seq, T, n_in) -> (n_seq, T, n_out)."""
        Xt = self._time_major(X)
        cache = self._forward(Xt)
        return cache["Y"].transpose(1, 0, 2)

    def hidden_states(self, X) -> np.ndarray:
        """Hidden states ``h_1 .. h_T``: X (n_seq, T, n_in) -> (n_seq, T, n_hidden)."""
        Xt = self._time_major(X)
        return self._forward(Xt)["H"][1:].transpose(1, 0, 2)

    def predict_proba(self, X) -> np.ndarray:
        """Probabilities at every step, X (n_seq, T, n_in) -> (n_seq, T, n_out): softmax rows summing to 1
        (``cross_entropy``) or each output's sigmoid (``binary_cross_entropy``); a regression network
        (``mse``) has none (``ValueError``)."""
        if self.task == "regression":
            raise ValueError(
                "predict_proba needs a classifier, but this network regresses (loss 'mse'); "
                "use predict for its values"
            )
        out = self._outputs(self.forward(X), self.loss_name)
        check_finite_outputs(out, "network")
        return out

    def predict(self, X) -> np.ndarray:
        """Predictions at every step, by task (:mod:`fbnn.metrics`): the most likely class ``(n_seq, T)``
        (cross-entropy), 0/1 labels ``(n_seq, T)`` for one sigmoid output or ``(n_seq, T, n_out)`` for several
        (binary cross-entropy), or the output values ``(n_seq, T, n_out)`` (mse)."""
        Z = self.forward(X)
        check_finite_outputs(Z, "network")
        if self.task == "regression":
            return Z
        return labels_from_outputs(self.task, self._outputs(Z, self.loss_name))

    def loss(self, X, Y, loss: str | None = None, *, steps: str = "all") -> float:
        """The loss (mean over sequences and the steps it covers); see :meth:`loss_and_grads`."""
        X, Y = self.check_data(X, Y, loss, steps=steps)
        return self._loss_and_grads(X, Y, loss or self.loss_name, None, steps, need_grads=False)[0]

    def loss_and_grads(
        self,
        X,
        Y,
        loss: str | None = None,
        *,
        truncate: int | None = None,
        steps: str = "all",
        check_input: bool = True,
        out: dict[str, np.ndarray] | None = None,
        return_correct: bool = False,
    ) -> tuple:
        """Loss and its gradients by backpropagation through time.

        Parameters
        ----------
        X : (n_seq, T, n_in)
            Input sequences.
        Y : targets
            ``steps="all"``: for ``"cross_entropy"`` class indices (n_seq, T) or probability rows
            (n_seq, T, n_out); for ``"mse"``/``"binary_cross_entropy"`` (n_seq, T, n_out).
            ``steps="last"``: the same without the T axis.
        loss : {"cross_entropy", "mse", "binary_cross_entropy"} or None (the network's)
            Averaged over sequences and covered steps (the engine's convention, e.g. 1/2 ||.||^2 for mse).
        truncate : int >= 1 or None
            None for full BPTT; k to backpropagate each step's loss through at most k hidden updates.
        steps : {"all", "last"}
            Loss on every step's output or on the last one only.
        check_input, out, return_correct
            For the training loop (:func:`fbnn.training.fit`): skip validation (data from :meth:`check_data`),
            write the gradients into ``out``, append the batch's ``(correct, total)`` decisions.

        Returns
        -------
        loss : float
        grads : dict with the keys and shapes of ``params``.
        """
        if check_input:
            X, Y = self.check_data(X, Y, loss, truncate=truncate, steps=steps)
        value, grads, counts = self._loss_and_grads(
            X, Y, loss or self.loss_name, truncate, steps, need_grads=True, return_correct=return_correct
        )
        if out is not None:
            for k, g in grads.items():
                out[k][...] = g
            grads = out
        return (value, grads, counts) if return_correct else (value, grads)

    def _loss_and_grads(self, X, Y, loss, truncate, steps, need_grads, return_correct=False):
        """Loss (and gradients, and correct counts) from checked sequence-major ``X`` and target
        rows ``Y``."""
        spec = get_loss(loss)
        Xt = np.ascontiguousarray(X.transpose(1, 0, 2))
        T = Xt.shape[0]
        targets = np.ascontiguousarray(Y.transpose(1, 0, 2)) if steps == "all" else Y[None]
        cache = self._forward(Xt)
        Z = cache["Y"] if steps == "all" else cache["Y"][-1:]
        rows_z = Z.reshape(-1, self.n_out)
        rows_y = targets.reshape(-1, self.n_out)
        counts = None
        task = task_of(OUTPUT_OF_LOSS[loss], self.n_out)
        if return_correct and task != "regression":
            counts = correct_count(task, self._outputs(rows_z, loss), rows_y)
        if not need_grads:
            return float(spec.value_from_logits(rows_z, rows_y)), {}, counts
        value, dZ_rows = spec.value_and_grad_from_logits(rows_z, rows_y)
        dY = np.zeros_like(cache["Y"])
        if steps == "all":
            dY[...] = dZ_rows.reshape(dY.shape)
        else:
            dY[-1] = dZ_rows
        k = truncate if truncate is None or truncate < T else None
        return value, self._backward(Xt, cache, dY, k), counts

    def evaluate(
        self,
        X,
        Y,
        loss: str | None = None,
        *,
        steps: str = "all",
        truncate: int | None = None,
        check_input: bool = True,
    ) -> dict[str, float]:
        """Mean loss and the task's metrics (:mod:`fbnn.metrics`) over the steps the loss covers:
        ``{"loss", "accuracy"}`` for a classifier (one decision per step, or per step and output for several
        sigmoid outputs), ``{"loss", "mse", "rmse"}`` for mse. ``truncate`` is accepted and ignored (it only
        changes gradients). Raises ``FloatingPointError`` if the outputs are not finite."""
        if check_input:
            X, Y = self.check_data(X, Y, loss, steps=steps)
        loss = loss or self.loss_name
        Xt = np.ascontiguousarray(X.transpose(1, 0, 2))
        Z = self._forward(Xt)["Y"]
        Z = Z.transpose(1, 0, 2) if steps == "all" else Z[-1]
        rows_z, rows_y = Z.reshape(-1, self.n_out), Y.reshape(-1, self.n_out)
        check_finite_outputs(rows_z, "network")
        task = task_of(OUTPUT_OF_LOSS[loss], self.n_out)
        value = float(get_loss(loss).value_from_logits(rows_z, rows_y))
        return {"loss": value, **score_outputs(task, self._outputs(rows_z, loss), rows_y)}

    def parameters(self) -> dict[str, np.ndarray]:
        """What an optimizer updates in place: ``params`` itself (part of the training protocol)."""
        return self.params

    def state_dict(self) -> dict[str, np.ndarray]:
        """A deep copy of the weights, keyed like ``params``."""
        return {k: v.copy() for k, v in self.params.items()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Copy weights into ``params``, checking the names, shapes and that every entry is finite."""
        if not isinstance(state, dict):
            raise TypeError(
                f"state must be a dict of arrays keyed {list(self.params)}, got {type(state).__name__}"
            )
        if set(state) != set(self.params):
            raise ValueError(f"state must have exactly the keys {sorted(self.params)}, got {sorted(state)}")
        new = {}
        for k, old in self.params.items():
            v = check_array(state[k], f"state[{k!r}]", dtype=self.dtype)
            if v.shape != old.shape:
                raise ValueError(f"state[{k!r}] has shape {v.shape}, expected {old.shape}")
            new[k] = v
        for k, v in new.items():
            self.params[k][...] = v

    def fit(
        self,
        X,
        Y,
        *,
        epochs: int = 10,
        batch_size: int = 32,
        optimizer: Optimizer | str | None = None,
        loss: str | None = None,
        seed: int | np.random.Generator | None = 0,
        validation: tuple[object, object] | None = None,
        shuffle: bool = True,
        clip_norm: float | None = None,
        schedule: LRSchedule | None = None,
        callbacks: Sequence[Callback] = (),
        on_nonfinite: str = "raise",
        restart: bool = False,
        progress: bool = False,
        truncate: int | None = None,
        steps: str = "all",
    ) -> History:
        """Train with minibatches of sequences: the one training loop, :func:`fbnn.training.fit`, which
        documents the arguments. ``truncate`` and ``steps`` are as for :meth:`loss_and_grads`; ``loss``
        must be the network's own (it fixes what :meth:`predict` means), so set it when constructing the
        network.
        """
        if loss is not None and loss != self.loss_name:
            raise ValueError(
                f"this network was built for loss={self.loss_name!r}, which fixes what predict returns; "
                f"build it with {type(self).__name__}(..., loss={loss!r}) to train with {loss!r}"
            )
        return fit(
            self,
            X,
            Y,
            epochs=epochs,
            batch_size=batch_size,
            optimizer=optimizer,
            loss=None,
            seed=seed,
            validation=validation,
            shuffle=shuffle,
            clip_norm=clip_norm,
            schedule=schedule,
            callbacks=callbacks,
            on_nonfinite=on_nonfinite,
            restart=restart,
            progress=progress,
            truncate=truncate,
            steps=steps,
        )

    # ------------------------------------------------------------------ saving
    def get_config(self) -> dict[str, Any]:
        """The constructor arguments that rebuild this architecture (:meth:`save` writes them as the
        header)."""
        return {
            "n_in": self.n_in,
            "n_hidden": self.n_hidden,
            "n_out": self.n_out,
            "loss": self.loss_name,
            "dtype": self.dtype.name,
            "recurrent_scale": self.recurrent_scale,
        }

    @classmethod
    def array_specs(cls, config: dict[str, Any]) -> dict[str, tuple[tuple[int, ...], str]]:
        """Name -> (shape, dtype) of every array a saved network with ``config`` holds (from the
        config alone)."""
        n_in, H, n_out = (check_positive_int(config.get(k), k) for k in ("n_in", "n_hidden", "n_out"))
        dt = check_dtype(config.get("dtype")).name
        ctx = ("Whh", (H, H)) if cls._context_name == "h" else ("Wyh", (H, n_out))
        return {
            "Wxh": ((H, n_in), dt),
            ctx[0]: (ctx[1], dt),
            "bh": ((H,), dt),
            "Why": ((n_out, H), dt),
            "by": ((n_out,), dt),
        }

    @classmethod
    def from_config(cls, config: dict[str, Any], arrays: dict[str, np.ndarray]):
        """Rebuild a network from :meth:`get_config` and its arrays (for
        :func:`fbnn.serialization.load_model`)."""
        net = cls(
            config["n_in"],
            config["n_hidden"],
            config["n_out"],
            loss=config["loss"],
            dtype=config["dtype"],
            recurrent_scale=config.get("recurrent_scale", 1.0),
            seed=0,
        )
        net.load_state_dict(arrays)
        return net

    def save(self, path: str | PathLike) -> None:
        """Write the network to ``path`` as an ``.npz`` file, atomically (see :mod:`fbnn.serialization`)."""
        serialization.save_model(self, path)

    @classmethod
    def load(cls, path: str | PathLike):
        """Read a network written by :meth:`save`."""
        return serialization.load_model(path, expect=cls)

    def initial_state(self, n_seq: int = 1) -> np.ndarray:
        """The zero context a sequence starts from: (n_seq, n_hidden) for Elman, (n_seq, n_out) for Jordan."""
        n_seq = check_positive_int(n_seq, "n_seq")
        width = self.n_hidden if self._context_name == "h" else self.n_out
        return np.zeros((n_seq, width), dtype=self.dtype)

    def step(self, x, state) -> tuple[np.ndarray, np.ndarray]:
        """Advance one time step: x (n_seq, n_in), state (n_seq, n_context) -> (y (n_seq, n_out), new state).

        ``state`` is what :meth:`initial_state` returns or the previous call gave back; use it to generate a
        sequence one step at a time (e.g. sampling text).
        """
        x = check_array(x, "x", ndim=2, dtype=self.dtype)
        state = check_array(state, "state", ndim=2, dtype=self.dtype)
        expect = (x.shape[0], self.n_hidden if self._context_name == "h" else self.n_out)
        if x.shape[1] != self.n_in:
            raise ValueError(f"x must have shape (n_seq, {self.n_in}), got {x.shape}")
        if state.shape != expect:
            raise ValueError(f"state must have shape {expect} to match x, got {state.shape}")
        cache = self._forward(x[None], state)
        new_state = cache["H"][-1] if self._context_name == "h" else cache["Y"][-1]
        return cache["Y"][-1], new_state

    def recurrent_jacobians(self, X) -> np.ndarray:
        """Jacobians ``J_t = dh_t / dh_{t-1}`` of the hidden recurrence for each step and sequence.

        X (n_seq, T, n_in) -> (T, n_seq, n_hidden, n_hidden); ``J[t-1]`` belongs to step t (t = 1..T);
        ``J[0]`` is the Jacobian with respect to the (zero) initial state h_0 (Elman); it is zero for a
        Jordan net, whose first step reads the fixed context y_0 = 0.
        """
        Xt = self._time_major(X)
        return self._jacobians(self._forward(Xt))

    # subclasses
    def _forward(self, Xt: np.ndarray, state0: np.ndarray | None = None) -> dict[str, np.ndarray]:
        raise NotImplementedError

    def _backward(self, Xt, cache, dY, k) -> dict[str, np.ndarray]:
        raise NotImplementedError

    def _jacobians(self, cache) -> np.ndarray:
        raise NotImplementedError


@serialization.register("ElmanRNN")
class ElmanRNN(_RecurrentNet):
    """Elman (1990) simple recurrent network: the context is the previous hidden state.

    ``h_t = tanh(Wxh x_t + Whh h_{t-1} + bh)``, ``h_0 = 0``, ``y_t = Why h_t + by``.

    Parameters
    ----------
    n_in, n_hidden, n_out : int
        Layer widths.
    loss : {"cross_entropy", "binary_cross_entropy", "mse"} or None
        The loss the network is trained for, which fixes its output activation and task: softmax over the
        outputs (classes), a sigmoid per output (yes/no labels), or identity (regression); None picks
        cross-entropy for several outputs and binary cross-entropy for one.
    seed : int >= 0, numpy.random.Generator or None
        Initialisation: Glorot-uniform ``Wxh`` and ``Why``, ``Whh = recurrent_scale * Q`` with Q a random
        orthogonal matrix, zero biases.
    dtype : "float64" or "float32"
    recurrent_scale : float
        Gain of ``Whh`` at initialisation (its singular values all equal this number).

    Attributes
    ----------
    params : dict
        ``"Wxh"`` (n_hidden, n_in), ``"Whh"`` (n_hidden, n_hidden), ``"bh"`` (n_hidden,),
        ``"Why"`` (n_out, n_hidden), ``"by"`` (n_out,).

    Examples
    --------
    >>> import numpy as np
    >>> rnn = ElmanRNN(n_in=3, n_hidden=5, n_out=3, seed=0)
    >>> X = np.eye(3)[np.random.default_rng(0).integers(0, 3, size=(4, 6))]   # (4, 6, 3) one-hot
    >>> Y = np.random.default_rng(1).integers(0, 3, size=(4, 6))              # class per step
    >>> loss, grads = rnn.loss_and_grads(X, Y, loss="cross_entropy", truncate=None)
    >>> sorted(grads) == sorted(rnn.params)
    True
    """

    _context_name = "h"

    def _init_params(self, rng, scale):
        H, dt = self.n_hidden, self.dtype
        return {
            "Wxh": _glorot(rng, H, self.n_in, dt),
            "Whh": (scale * _orthogonal(rng, H, np.float64)).astype(dt),
            "bh": np.zeros(H, dtype=dt),
            "Why": _glorot(rng, self.n_out, H, dt),
            "by": np.zeros(self.n_out, dtype=dt),
        }

    def _forward(self, Xt, state0=None):
        p = self.params
        T, n_seq = Xt.shape[:2]
        H = np.empty((T + 1, n_seq, self.n_hidden), dtype=self.dtype)
        H[0] = 0 if state0 is None else state0
        # The input projection for all steps at once; only the recurrence needs a Python loop.
        A = _project(Xt, p["Wxh"].T, p["bh"])
        # np.dot on contiguous operands has about half the call overhead of matmul for these small
        # blocks, and this loop is the only per-step Python code: every microsecond counts T times.
        WhhT = np.ascontiguousarray(p["Whh"].T)
        for t in range(T):
            np.dot(H[t], WhhT, out=H[t + 1])
            H[t + 1] += A[t]
            np.tanh(H[t + 1], out=H[t + 1])
        Y = _project(H[1:], p["Why"].T, p["by"])
        return {"H": H, "Y": Y}

    def _backward(self, Xt, cache, dY, k):
        p = self.params
        H = cache["H"]
        T = Xt.shape[0]
        G = _project(dY, p["Why"])  # direct loss gradient reaching each h_t, (T, n_seq, n_hidden)
        D1 = 1 - H[1:] ** 2  # tanh'(pre-activation), from the stored outputs
        DZ = np.empty_like(G)
        Whh = p["Whh"]
        if k is None:
            carry = np.zeros_like(G[0])
            for t in range(T - 1, -1, -1):
                dz = DZ[t]
                np.add(G[t], carry, out=dz)
                dz *= D1[t]
                np.dot(dz, Whh, out=carry)
        else:
            # carry[j] is the gradient at h_t of the loss at step t + j (+1 when entering the step), which
            # has passed through j hidden updates; it is dropped once it has passed k of them.
            carry = np.zeros((k,) + G.shape[1:], dtype=G.dtype)
            window = np.empty_like(carry)
            for t in range(T - 1, -1, -1):
                window[0] = G[t]
                window[1:] = carry[:-1]
                dz = window * D1[t]
                DZ[t] = dz.sum(axis=0)
                carry = dz @ Whh
        dz2 = DZ.reshape(-1, self.n_hidden)
        return {
            "Wxh": dz2.T @ Xt.reshape(-1, self.n_in),
            "Whh": dz2.T @ H[:-1].reshape(-1, self.n_hidden),
            "bh": dz2.sum(axis=0),
            "Why": dY.reshape(-1, self.n_out).T @ H[1:].reshape(-1, self.n_hidden),
            "by": dY.reshape(-1, self.n_out).sum(axis=0),
        }

    def _jacobians(self, cache):
        D1 = 1 - cache["H"][1:] ** 2  # (T, n_seq, H)
        return D1[..., :, None] * self.params["Whh"]


@serialization.register("JordanRNN")
class JordanRNN(_RecurrentNet):
    """Jordan (1986) network: the context is the previous output.

    ``h_t = tanh(Wxh x_t + Wyh y_{t-1} + bh)``, ``y_0 = 0``, ``y_t = Why h_t + by`` (the logits; see the
    module docstring).

    Parameters are as for :class:`ElmanRNN`; ``Wyh`` is Glorot-uniform times ``recurrent_scale``.

    Attributes
    ----------
    params : dict
        ``"Wxh"`` (n_hidden, n_in), ``"Wyh"`` (n_hidden, n_out), ``"bh"`` (n_hidden,),
        ``"Why"`` (n_out, n_hidden), ``"by"`` (n_out,).
    """

    _context_name = "y"

    def _init_params(self, rng, scale):
        H, dt = self.n_hidden, self.dtype
        return {
            "Wxh": _glorot(rng, H, self.n_in, dt),
            "Wyh": (scale * _glorot(rng, H, self.n_out, np.float64)).astype(dt),
            "bh": np.zeros(H, dtype=dt),
            "Why": _glorot(rng, self.n_out, H, dt),
            "by": np.zeros(self.n_out, dtype=dt),
        }

    def _forward(self, Xt, state0=None):
        p = self.params
        T, n_seq = Xt.shape[:2]
        H = np.empty((T + 1, n_seq, self.n_hidden), dtype=self.dtype)
        Y = np.empty((T + 1, n_seq, self.n_out), dtype=self.dtype)  # Y[0] = y_0 = 0
        H[0] = 0
        Y[0] = 0 if state0 is None else state0
        A = _project(Xt, p["Wxh"].T, p["bh"])
        WyhT, WhyT, by = p["Wyh"].T, p["Why"].T, p["by"]
        for t in range(T):
            np.tanh(A[t] + Y[t] @ WyhT, out=H[t + 1])
            np.add(H[t + 1] @ WhyT, by, out=Y[t + 1])
        return {"H": H, "Yc": Y, "Y": Y[1:]}

    def _backward(self, Xt, cache, dY, k):
        p = self.params
        H, Yc = cache["H"], cache["Yc"]
        T = Xt.shape[0]
        D1 = 1 - H[1:] ** 2
        Why, Wyh = p["Why"], p["Wyh"]
        DZ = np.empty(D1.shape, dtype=D1.dtype)
        DYtot = np.empty_like(dY)  # total gradient at each y_t (direct + through later steps)
        if k is None:
            carry = np.zeros_like(dY[0])
            for t in range(T - 1, -1, -1):
                dy = dY[t] + carry
                DYtot[t] = dy
                dz = (dy @ Why) * D1[t]
                DZ[t] = dz
                carry = dz @ Wyh
        else:
            carry = np.zeros((k,) + dY.shape[1:], dtype=dY.dtype)
            window = np.empty_like(carry)
            for t in range(T - 1, -1, -1):
                window[0] = dY[t]
                window[1:] = carry[:-1]
                DYtot[t] = window.sum(axis=0)
                dz = (window @ Why) * D1[t]
                DZ[t] = dz.sum(axis=0)
                carry = dz @ Wyh
        dz2 = DZ.reshape(-1, self.n_hidden)
        dy2 = DYtot.reshape(-1, self.n_out)
        return {
            "Wxh": dz2.T @ Xt.reshape(-1, self.n_in),
            "Wyh": dz2.T @ Yc[:-1].reshape(-1, self.n_out),
            "bh": dz2.sum(axis=0),
            "Why": dy2.T @ H[1:].reshape(-1, self.n_hidden),
            "by": dy2.sum(axis=0),
        }

    def _jacobians(self, cache):
        # h_t depends on h_{t-1} through y_{t-1} = Why h_{t-1} + by: J_t = diag(1 - h_t^2) Wyh Why.
        D1 = 1 - cache["H"][1:] ** 2
        J = D1[..., :, None] * (self.params["Wyh"] @ self.params["Why"])
        J[0] = 0  # y_0 = 0 is fixed, so h_1 does not depend on any earlier hidden state
        return J
