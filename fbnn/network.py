"""The multilayer perceptron (MLP) trained by backpropagation.

Layer ``l`` (1-based) computes ``Z_l = A_{l-1} @ W_l.T + b_l`` and ``A_l = f_l(Z_l)``, with
``A_0 = X: (n_samples, n_in)``. Parameters live in the dict ``model.params`` under the names
``"W1", "b1", ..., "WL", "bL"`` with ``W_l: (n_l, n_{l-1})`` and ``b_l: (n_l,)``.

Backpropagation starts from ``dL/dZ_L`` and runs the chain rule backwards, one
:func:`fbnn.layers.dense_backward` per layer: ``dW_l = dZ_l.T @ A_{l-1}``, ``db_l = sum_n dZ_l``,
``dZ_{l-1} = (dZ_l @ W_l) * f'_{l-1}(Z_{l-1})``.

What the network predicts and how it is scored follows its output (:mod:`fbnn.metrics`): softmax and sigmoid
outputs classify (labels, probabilities, accuracy), the others regress (values, MSE and RMSE).
"""

from __future__ import annotations

from collections.abc import Sequence
from os import PathLike
from typing import Any

import numpy as np

from fbnn import serialization
from fbnn._checks import check_array, check_dtype, check_name, check_positive_int, check_rng
from fbnn.activations import ACTIVATIONS
from fbnn.layers import INITIALIZERS, dense_backward, dense_forward, init_dense
from fbnn.losses import LOSSES, get_loss, prepare_targets
from fbnn.metrics import check_finite_outputs, correct_count, labels_from_outputs, score_outputs, task_of
from fbnn.names import HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS
from fbnn.optim import LRSchedule, Optimizer
from fbnn.training import Callback, History, fit

__all__ = ["MLP", "default_loss"]

_PROBABILITY_OUTPUTS = ("sigmoid", "softmax")


def default_loss(output: str) -> str:
    """The loss that pairs with an output activation.

    softmax -> cross_entropy, sigmoid -> binary_cross_entropy, anything else -> mse.
    """
    return {"softmax": "cross_entropy", "sigmoid": "binary_cross_entropy"}.get(output, "mse")


@serialization.register("MLP")
class MLP:
    """A fully connected feed-forward network trained by backpropagation.

    Parameters
    ----------
    sizes : layer widths ``[n_in, n_hidden_1, ..., n_out]`` (at least two entries, all >= 1).
    hidden : activation of the hidden layers, one name for all or one per hidden layer
        (``"identity"``, ``"sigmoid"``, ``"tanh"``, ``"relu"``).
    output : activation of the output layer (a hidden name or ``"softmax"``); it sets the task
        (:mod:`fbnn.metrics`): softmax classifies into ``n_out >= 2`` classes, sigmoid makes binary
        (one output) or multi-label decisions, identity/tanh/relu regress.
    loss : default loss for :meth:`fit`, :meth:`loss_and_grads` and :meth:`evaluate`; ``None`` picks
        the natural partner of ``output`` (see :func:`default_loss`).
    seed : int >= 0, ``numpy.random.Generator`` or None: draws the initial weights.
    dtype : ``"float64"`` (default) or ``"float32"``; every parameter, activation and gradient has it.
    init : ``"auto"`` (He for ReLU layers, Glorot otherwise), ``"glorot"`` or ``"he"``.

    Examples
    --------
    >>> model = MLP([64, 128, 10], hidden="relu", output="softmax", seed=0)
    >>> model.params["W1"].shape, model.params["b2"].shape
    ((128, 64), (10,))
    """

    def __init__(
        self,
        sizes: Sequence[int],
        hidden: str | Sequence[str] = "relu",
        output: str = "softmax",
        *,
        loss: str | None = None,
        seed: int | np.random.Generator | None = 0,
        dtype: object = "float64",
        init: str = "auto",
    ) -> None:
        if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Sequence | np.ndarray):
            raise TypeError(f"sizes must be a list of layer widths like [64, 128, 10], got {sizes!r}")
        if len(sizes) < 2:
            raise ValueError(f"sizes needs at least an input and an output width, got {list(sizes)}")
        self.sizes: tuple[int, ...] = tuple(check_positive_int(s, f"sizes[{i}]") for i, s in enumerate(sizes))
        n_hidden = len(self.sizes) - 2
        if isinstance(hidden, str):
            hidden_names = (hidden,) * n_hidden
            check_name(hidden, HIDDEN_ACTIVATIONS, "hidden activation")
        else:
            hidden_names = tuple(hidden)
            if len(hidden_names) != n_hidden:
                raise ValueError(
                    f"hidden lists {len(hidden_names)} activations but sizes {list(self.sizes)} has "
                    f"{n_hidden} hidden layers"
                )
            for h in hidden_names:
                check_name(h, HIDDEN_ACTIVATIONS, "hidden activation")
        self.hidden: str | tuple[str, ...] = hidden if isinstance(hidden, str) else hidden_names
        self.output: str = check_name(output, OUTPUT_ACTIVATIONS, "output activation")
        if self.output == "softmax" and self.sizes[-1] == 1:
            raise ValueError(
                "softmax over a single output is the constant 1, so the network could not learn (zero loss, "
                "zero gradients); for a yes/no task use one output with output='sigmoid', or two outputs "
                "with softmax"
            )
        self.activations: tuple[str, ...] = (*hidden_names, self.output)
        self.task: str = task_of(self.output, self.sizes[-1])
        self.loss_name: str = self._check_loss(default_loss(self.output) if loss is None else loss)
        self.dtype: np.dtype = check_dtype(dtype)
        if init != "auto":
            check_name(init, INITIALIZERS, "init")
        self.init = init
        self.seed = seed
        rng = check_rng(seed)
        self.params: dict[str, np.ndarray] = {}
        for i, (n_in, n_out) in enumerate(zip(self.sizes[:-1], self.sizes[1:], strict=True), start=1):
            scheme = init if init != "auto" else ("he" if self.activations[i - 1] == "relu" else "glorot")
            W, b = init_dense(n_in, n_out, rng, scheme=scheme, dtype=self.dtype)
            self.params[f"W{i}"] = W
            self.params[f"b{i}"] = b
        self._acts = [ACTIVATIONS[a] for a in self.activations]
        self._grad_views: tuple[np.ndarray, dict[str, np.ndarray]] | None = None
        self._pack()

    def _pack(self) -> None:
        """Store all parameters as views into one contiguous vector ``self._flat``.

        ``params["W1"]`` etc. stay ordinary arrays of the documented shapes; living in one buffer lets
        :meth:`parameters` hand the optimizer a single vector, so an Adam step is a dozen NumPy calls
        instead of a dozen per parameter.
        """
        old = self.params
        flat = np.empty(sum(p.size for p in old.values()), dtype=self.dtype)
        views = self._views(flat)
        for k, v in views.items():
            v[...] = old[k]
        self.params, self._flat = views, flat
        self._grad_views = None

    def _views(self, flat: np.ndarray) -> dict[str, np.ndarray]:
        """Views of the vector ``flat`` with the names and shapes of ``params``."""
        views, off = {}, 0
        for k, p in self.params.items():
            views[k] = flat[off : off + p.size].reshape(p.shape)
            off += p.size
        return views

    def _shapes(self) -> dict[str, tuple[int, ...]]:
        """The shape of every parameter, from ``sizes`` alone."""
        shapes: dict[str, tuple[int, ...]] = {}
        for i, (n_in, n_out) in enumerate(zip(self.sizes[:-1], self.sizes[1:], strict=True), start=1):
            shapes[f"W{i}"], shapes[f"b{i}"] = (n_out, n_in), (n_out,)
        return shapes

    def _ensure_packed(self) -> None:
        """Re-pack if a user replaced an entry of ``params`` (cheap; called by :meth:`parameters`)."""
        for v in self.params.values():
            if v.base is not self._flat or v.dtype != self.dtype:
                self.load_state_dict(dict(self.params))
                return

    # ------------------------------------------------------------------ properties
    @property
    def n_layers(self) -> int:
        """Number of weight layers L (hidden layers + output layer)."""
        return len(self.sizes) - 1

    @property
    def n_in(self) -> int:
        return self.sizes[0]

    @property
    def n_out(self) -> int:
        return self.sizes[-1]

    @property
    def n_params(self) -> int:
        """Total number of scalar parameters."""
        return int(sum(p.size for p in self.params.values()))

    def __repr__(self) -> str:
        return (
            f"MLP({list(self.sizes)}, hidden={self.hidden!r}, output={self.output!r}, "
            f"loss={self.loss_name!r}, dtype={self.dtype.name!r})"
        )

    # ------------------------------------------------------------------ validation
    def _check_loss(self, loss: str | None) -> str:
        name = self.loss_name if loss is None else loss
        get_loss(name)
        if name != "mse" and self.output not in _PROBABILITY_OUTPUTS:
            raise ValueError(
                f"loss {name!r} needs probabilities, but the output activation {self.output!r} "
                "can produce values "
                f"outside [0, 1]; use output='softmax' (cross_entropy) or 'sigmoid' (binary_cross_entropy)"
            )
        return name

    def _check_X(self, X: object, name: str = "X") -> np.ndarray:
        X = check_array(X, name, ndim=2, dtype=self.dtype)
        if X.shape[1] != self.n_in:
            raise ValueError(
                f"{name} has shape {X.shape}: {X.shape[1]} features, "
                f"but the network expects {self.n_in} inputs "
                f"(sizes={list(self.sizes)}); expected shape (n_samples, {self.n_in})"
            )
        if X.shape[0] == 0:
            raise ValueError(f"{name} has no samples (shape {X.shape})")
        return X

    def check_data(
        self, X: object, Y: object, loss: str | None = None, names: tuple[str, str] = ("X", "Y")
    ) -> tuple[np.ndarray, np.ndarray]:
        """Validated inputs ``(n, n_in)`` and target rows ``(n, n_out)`` for ``loss`` (the model's by
        default), in the model's dtype; a clear error naming ``names`` otherwise (part of the training
        protocol, :class:`fbnn.training.Trainable`)."""
        loss = self._check_loss(loss)
        X = self._check_X(X, names[0])
        Y = prepare_targets(loss, Y, self.n_out, X.shape[0], name=names[1], dtype=self.dtype)
        return X, Y

    # ------------------------------------------------------------------ forward / backward
    def _forward(self, X: np.ndarray, output: bool = True) -> tuple[list[np.ndarray], np.ndarray]:
        """Forward pass without checks: returns the activations ``[A_0, ..., A_L]`` and the logits ``Z_L``
        (with ``output=False`` the list stops at ``A_{L-1}``: the caller applies the output activation)."""
        A = [X]
        a = X
        p = self.params
        L = self.n_layers
        acts = self._acts
        for i in range(1, L + 1):
            z = dense_forward(a, p[f"W{i}"], p[f"b{i}"])
            if i < L:
                act = acts[i - 1]
                if act.name == "relu":
                    a = np.maximum(z, 0, out=z)  # speed: z of a hidden layer is not needed again
                else:
                    a = act.f(z)
                A.append(a)
        if output:
            A.append(acts[-1].f(z))
        return A, z

    def forward(self, X: object, *, return_cache: bool = False) -> np.ndarray | tuple[np.ndarray, dict]:
        """Output activations ``A_L: (n_samples, n_out)`` for inputs ``X: (n_samples, n_in)``.

        With ``return_cache=True`` returns ``(A_L, cache)``, where ``cache`` holds what
        :meth:`backward` needs: ``cache["A"] = [A_0, ..., A_L]`` and ``cache["Z"] = Z_L`` (the logits).
        """
        X = self._check_X(X)
        A, z = self._forward(X)
        if return_cache:
            return A[-1], {"A": A, "Z": z}
        return A[-1]

    __call__ = forward

    def _backward(
        self, A: list[np.ndarray], dz: np.ndarray, out: dict[str, np.ndarray] | None = None
    ) -> dict[str, np.ndarray]:
        """Backpropagate ``dz = dL/dZ_L`` (no checks), one :func:`~fbnn.layers.dense_backward` per layer and
        the activation's derivative between layers. With ``out`` (arrays keyed like ``params``) the
        gradients are written there instead of into new arrays."""
        p = self.params
        grads: dict[str, np.ndarray] = {} if out is None else out
        for i in range(self.n_layers, 0, -1):
            a_prev = A[i - 1]
            into = None if out is None else (out[f"W{i}"], out[f"b{i}"])
            da, grads[f"W{i}"], grads[f"b{i}"] = dense_backward(
                a_prev, p[f"W{i}"], dz, need_dX=i > 1, out=into
            )
            if i > 1:
                act = self._acts[i - 2]
                if act.df_from_output is not None:  # identity: derivative 1, nothing to do
                    da *= act.df_from_output(a_prev)
                dz = da
        return grads

    def backward(self, cache: dict, grad: object, *, wrt: str = "logits") -> dict[str, np.ndarray]:
        """Backpropagate an upstream gradient and return ``dL/dparams`` with the keys of ``params``.

        Parameters
        ----------
        cache : from ``forward(X, return_cache=True)``.
        grad : ``(n_samples, n_out)``. With ``wrt="logits"`` (default) it is dL/dZ_L, the gradient with
            respect to the output layer's pre-activation; e.g. for softmax + cross-entropy on a batch
            of N it is ``(A_L - Y) / N``, and for REINFORCE with log pi = log_softmax(Z_L) it is
            ``-(onehot(actions) - A_L) * returns[:, None] / N``. With ``wrt="output"`` it is dL/dA_L and
            is first mapped through the output activation's Jacobian.

        The loss defines the scale: for a mean over the batch, ``grad`` carries the 1/N.
        """
        if wrt not in ("logits", "output"):
            raise ValueError(f"wrt must be 'logits' or 'output', got {wrt!r}")
        if not isinstance(cache, dict) or "A" not in cache or "Z" not in cache:
            raise TypeError("cache must be the dict returned by forward(X, return_cache=True)")
        A = cache["A"]
        n = A[0].shape[0]
        g = check_array(grad, "grad", ndim=2, dtype=self.dtype)
        if g.shape != (n, self.n_out):
            raise ValueError(
                f"grad has shape {g.shape}, expected {(n, self.n_out)} to match the cached forward pass"
            )
        if wrt == "output":
            g = np.ascontiguousarray(self._acts[-1].jvp(cache["Z"], g), dtype=self.dtype)
        return self._backward(A, g)

    def _output_grad(self, A: list[np.ndarray], z: np.ndarray, Y: np.ndarray, loss: str) -> np.ndarray:
        """dL/dZ_L for one batch (no checks)."""
        lossf = LOSSES[loss]
        a = A[-1]
        if self.output == lossf.fused_output:
            # softmax + cross-entropy, sigmoid + binary cross-entropy, identity + mse: (a - y) / N.
            dz = a - Y
            dz /= a.shape[0]
            return dz
        dz = self._acts[-1].jvp(z, lossf.grad(a, Y))
        return np.asarray(dz, dtype=self.dtype)

    def _loss_from_forward(self, A: list[np.ndarray], z: np.ndarray, Y: np.ndarray, loss: str) -> float:
        lossf = LOSSES[loss]
        if self.output == lossf.fused_output:
            return lossf.value_from_logits(z, Y)
        return lossf.value(A[-1], Y)

    def parameters(self) -> dict[str, np.ndarray]:
        """What an optimizer updates in place: every parameter as one flat vector ``{"params": (n_params,)}``
        whose pieces are the arrays of ``params`` (part of the training protocol).

        One vector instead of one array per name makes an Adam step a dozen NumPy calls in all.
        """
        self._ensure_packed()
        return {"params": self._flat}

    def _grads_into(self, out: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Per-parameter views of a gradient buffer keyed like :meth:`parameters` (cached: the training loop
        passes the same buffer every step)."""
        buf = out["params"]
        if self._grad_views is None or self._grad_views[0] is not buf:
            if buf.shape != self._flat.shape or buf.dtype != self.dtype:
                raise ValueError(
                    f"out['params'] must be a {self.dtype.name} vector of {self._flat.size} entries"
                )
            self._grad_views = (buf, self._views(buf))
        return self._grad_views[1]

    def loss_and_grads(
        self,
        X: object,
        Y: object,
        loss: str | None = None,
        *,
        check_input: bool = True,
        out: dict[str, np.ndarray] | None = None,
        return_correct: bool = False,
    ) -> tuple:
        """Mean loss over the batch and its gradient with respect to every parameter.

        ``X: (n_samples, n_in)``; ``Y``: targets (class indices ``(n,)`` or probability rows for
        cross-entropy; ``(n, n_out)`` otherwise). Returns ``(loss, grads)`` with ``grads`` keyed like
        ``params``. Softmax + cross-entropy and sigmoid + binary cross-entropy use the fused,
        overflow-free forms computed from the logits.

        For the training loop (:func:`fbnn.training.fit`): ``check_input=False`` skips validation (``X``
        and ``Y`` must come from :meth:`check_data`), ``out`` (keyed like :meth:`parameters`) receives the
        gradients, and ``return_correct=True`` appends the batch's ``(correct, total)`` decisions (None for
        regression), all from the one forward pass.
        """
        if check_input:
            X, Y = self.check_data(X, Y, loss)
        loss = self.loss_name if loss is None else loss
        n = X.shape[0]
        if self.output == "softmax" and loss == "cross_entropy":
            # Speed: softmax and its cross-entropy from one exponential. With zs = z - max(z) and
            # S = sum(exp(zs)), log softmax = zs - log S, and sum_k y_k = 1 for every row.
            A, z = self._forward(X, output=False)
            zs = z - z.max(axis=1, keepdims=True)
            a = np.exp(zs)
            S = a.sum(axis=1, keepdims=True)
            a /= S
            value = float(np.log(S).sum() - np.vdot(Y, zs)) / n
            counts = correct_count("multiclass", a, Y) if return_correct else None
            a -= Y  # a is not needed any more: reuse it for dL/dz = (a - y) / N
            a /= n
            dz = a
        else:
            A, z = self._forward(X)
            value = self._loss_from_forward(A, z, Y, loss)
            counts = None
            if return_correct and self.task != "regression":
                counts = correct_count(self.task, A[-1], Y)
            dz = self._output_grad(A, z, Y, loss)
        if out is None:
            grads = self._backward(A, dz)
        else:
            self._backward(A, dz, out=self._grads_into(out))
            grads = out
        return (value, grads, counts) if return_correct else (value, grads)

    def loss(self, X: object, Y: object, loss: str | None = None) -> float:
        """Mean loss over the batch (see :meth:`loss_and_grads`)."""
        X, Y = self.check_data(X, Y, loss)
        return self._loss_value(X, Y, self.loss_name if loss is None else loss)

    def _loss_value(self, X: np.ndarray, Y: np.ndarray, loss: str) -> float:
        A, z = self._forward(X)
        return self._loss_from_forward(A, z, Y, loss)

    # ------------------------------------------------------------------ prediction
    def _finite_outputs(self, X: object) -> np.ndarray:
        out = self.forward(X)
        check_finite_outputs(out, "network")
        return out

    def predict(self, X: object) -> np.ndarray:
        """Predictions for ``X: (n_samples, n_in)``, by task (:mod:`fbnn.metrics`): class indices ``(n,)``
        (softmax: argmax; one sigmoid output: 1 where it exceeds 0.5), 0/1 labels ``(n, n_out)`` for several
        sigmoid outputs (multi-label), or the output values ``(n, n_out)`` for a regression network."""
        out = self._finite_outputs(X)
        return out if self.task == "regression" else labels_from_outputs(self.task, out)

    def predict_proba(self, X: object) -> np.ndarray:
        """Probabilities ``(n_samples, n_out)`` of a classifier (softmax rows, or each sigmoid output's
        probability of label 1); a regression network has none (``ValueError``)."""
        if self.task == "regression":
            raise ValueError(
                f"predict_proba needs a classifier, but this network regresses (output {self.output!r}); "
                "use predict for its values, or output='softmax'/'sigmoid' to classify"
            )
        return self._finite_outputs(X)

    def evaluate(
        self, X: object, Y: object, loss: str | None = None, *, check_input: bool = True
    ) -> dict[str, float]:
        """Mean loss and the task's metrics (:mod:`fbnn.metrics`): ``{"loss", "accuracy"}`` for a classifier
        (multi-label: the share of correct (sample, label) decisions), ``{"loss", "mse", "rmse"}`` for a
        regression network (``mse`` over samples and outputs; the ``mse`` loss is half the squared error
        summed over outputs, so ``loss = mse * n_out / 2``). Raises ``FloatingPointError`` if the outputs are
        not finite."""
        if check_input:
            X, Y = self.check_data(X, Y, loss)
        loss = self.loss_name if loss is None else loss
        A, z = self._forward(X)
        check_finite_outputs(A[-1], "network")
        return {"loss": float(self._loss_from_forward(A, z, Y, loss)), **score_outputs(self.task, A[-1], Y)}

    # ------------------------------------------------------------------ training, copying, saving
    def fit(
        self,
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
        schedule: LRSchedule | None = None,
        callbacks: Sequence[Callback] = (),
        on_nonfinite: str = "raise",
        restart: bool = False,
        progress: bool = False,
    ) -> History:
        """Train with minibatch gradient descent; see :func:`fbnn.training.fit` for the arguments.

        A second call continues where the first stopped (optimizer state, shuffling, epoch count) unless
        ``restart=True``.
        """
        return fit(
            self,
            X,
            Y,
            epochs=epochs,
            batch_size=batch_size,
            optimizer=optimizer,
            loss=loss,
            seed=seed,
            validation=validation,
            shuffle=shuffle,
            clip_norm=clip_norm,
            schedule=schedule,
            callbacks=callbacks,
            on_nonfinite=on_nonfinite,
            restart=restart,
            progress=progress,
        )

    def state_dict(self) -> dict[str, np.ndarray]:
        """A deep copy of the weights, keyed like ``params`` (PyTorch's name; scikit-learn's
        ``get_params`` would mean the hyperparameters)."""
        return {k: v.copy() for k, v in self.params.items()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Copy weights into the parameters, checking the names, shapes and that every entry is finite."""
        shapes = self._shapes()
        if not isinstance(state, dict):
            raise TypeError(
                f"state must be a dict of arrays keyed {list(shapes)}, got {type(state).__name__}"
            )
        if set(state) != set(shapes):
            raise ValueError(f"state must have exactly the keys {sorted(shapes)}, got {sorted(state)}")
        new = {}
        for k, shape in shapes.items():
            v = check_array(state[k], f"state[{k!r}]", dtype=self.dtype)
            if v.shape != shape:
                raise ValueError(f"state[{k!r}] has shape {v.shape}, expected {shape}")
            new[k] = v
        intact = all(v.base is self._flat and v.dtype == self.dtype for v in self.params.values())
        if intact:
            for k, v in new.items():
                self.params[k][...] = v
        else:
            self.params = {k: new[k].copy() for k in shapes}
            self._pack()

    def copy(self, dtype: object | None = None) -> MLP:
        """An independent copy of the network (optionally converted to another dtype), without its training
        state: training the copy starts afresh."""
        other = object.__new__(MLP)
        other.__dict__.update(self.__dict__)
        other.__dict__.pop("training_state_", None)
        other.dtype = self.dtype if dtype is None else check_dtype(dtype)
        other.params = {k: v.astype(other.dtype, copy=True) for k, v in self.params.items()}
        other._acts = list(self._acts)
        other._pack()
        return other

    # ------------------------------------------------------------------ saving
    def get_config(self) -> dict[str, Any]:
        """The constructor arguments that rebuild this architecture (:meth:`save` writes them as the
        header)."""
        return {
            "sizes": list(self.sizes),
            "hidden": self.hidden if isinstance(self.hidden, str) else list(self.hidden),
            "output": self.output,
            "loss": self.loss_name,
            "dtype": self.dtype.name,
        }

    @classmethod
    def array_specs(cls, config: dict[str, Any]) -> dict[str, tuple[tuple[int, ...], str]]:
        """Name -> (shape, dtype) of every array a saved model with ``config`` holds, computed from the config
        alone, so a loader can check a file before allocating anything."""
        sizes = config.get("sizes")
        if not isinstance(sizes, list) or len(sizes) < 2:
            raise ValueError(f"sizes must be a list of at least two layer widths, got {sizes!r}")
        sizes = [check_positive_int(s, f"sizes[{i}]") for i, s in enumerate(sizes)]
        dtype = check_dtype(config.get("dtype")).name
        specs: dict[str, tuple[tuple[int, ...], str]] = {}
        for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True), start=1):
            specs[f"W{i}"], specs[f"b{i}"] = ((n_out, n_in), dtype), ((n_out,), dtype)
        return specs

    @classmethod
    def from_config(cls, config: dict[str, Any], arrays: dict[str, np.ndarray]) -> MLP:
        """Rebuild a network from :meth:`get_config` and its arrays (for
        :func:`fbnn.serialization.load_model`)."""
        hidden = config["hidden"]
        model = cls(
            config["sizes"],
            hidden=hidden if isinstance(hidden, str) else tuple(hidden),
            output=config["output"],
            loss=config["loss"],
            dtype=config["dtype"],
            seed=0,
        )
        model.load_state_dict(arrays)
        return model

    def save(self, path: str | PathLike) -> None:
        """Write the network to ``path`` as an ``.npz`` file, atomically (see :mod:`fbnn.serialization`)."""
        serialization.save_model(self, path)

    @classmethod
    def load(cls, path: str | PathLike) -> MLP:
        """Read a network written by :meth:`save`."""
        return serialization.load_model(path, expect=cls)
