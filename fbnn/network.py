"""The multilayer perceptron (MLP) trained by backpropagation.

Layer ``l`` (1-based) computes ``Z_l = A_{l-1} @ W_l.T + b_l`` and ``A_l = f_l(Z_l)``, with
``A_0 = X: (n_samples, n_in)``. Parameters live in the dict ``model.params`` under the names
``"W1", "b1", ..., "WL", "bL"`` with ``W_l: (n_l, n_{l-1})`` and ``b_l: (n_l,)``.

Backpropagation starts from ``dL/dZ_L`` and runs the chain rule backwards:
``dW_l = dZ_l.T @ A_{l-1}``, ``db_l = sum_n dZ_l``, ``dZ_{l-1} = (dZ_l @ W_l) * f'_{l-1}(Z_{l-1})``.
"""

from __future__ import annotations

from collections.abc import Sequence
from os import PathLike
from typing import TYPE_CHECKING, Any

import numpy as np

from fbnn._checks import check_array, check_dtype, check_name, check_positive_int
from fbnn.activations import ACTIVATIONS
from fbnn.layers import INITIALIZERS, dense_forward, init_dense
from fbnn.losses import LOSSES, get_loss, prepare_targets
from fbnn.names import HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS

if TYPE_CHECKING:
    from fbnn.optim import Optimizer
    from fbnn.training import History

__all__ = ["MLP", "default_loss"]

_PROBABILITY_OUTPUTS = ("sigmoid", "softmax")


def default_loss(output: str) -> str:
    """The loss that pairs with an output activation.

    softmax -> cross_entropy, sigmoid -> binary_cross_entropy, anything else -> mse.
    """
    return {"softmax": "cross_entropy", "sigmoid": "binary_cross_entropy"}.get(output, "mse")


class MLP:
    """A fully connected feed-forward network trained by backpropagation.

    Parameters
    ----------
    sizes : layer widths ``[n_in, n_hidden_1, ..., n_out]`` (at least two entries, all >= 1).
    hidden : activation of the hidden layers, one name for all or one per hidden layer
        (``"identity"``, ``"sigmoid"``, ``"tanh"``, ``"relu"``).
    output : activation of the output layer (a hidden name or ``"softmax"``).
    loss : default loss for :meth:`fit`, :meth:`loss_and_grads` and :meth:`evaluate`; ``None`` picks
        the natural partner of ``output`` (see :func:`default_loss`).
    seed : seed of the ``numpy.random.Generator`` that draws the initial weights.
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
        seed: int | None = 0,
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
        self.activations: tuple[str, ...] = (*hidden_names, self.output)
        self.loss_name: str = self._check_loss(default_loss(self.output) if loss is None else loss)
        self.dtype: np.dtype = check_dtype(dtype)
        if init != "auto":
            check_name(init, INITIALIZERS, "init")
        self.init = init
        self.seed = seed
        rng = np.random.default_rng(seed)
        self.params: dict[str, np.ndarray] = {}
        for i, (n_in, n_out) in enumerate(zip(self.sizes[:-1], self.sizes[1:], strict=True), start=1):
            scheme = init if init != "auto" else ("he" if self.activations[i - 1] == "relu" else "glorot")
            W, b = init_dense(n_in, n_out, rng, scheme=scheme, dtype=self.dtype)
            self.params[f"W{i}"] = W
            self.params[f"b{i}"] = b
        self._acts = [ACTIVATIONS[a] for a in self.activations]
        self._pack()

    def _pack(self) -> None:
        """Store all parameters as views into one contiguous vector ``self._flat``.

        ``params["W1"]`` etc. stay ordinary arrays of the documented shapes; living in one buffer lets
        :func:`fbnn.training.fit` hand the optimizer a single vector, so an Adam step is a dozen NumPy
        calls instead of a dozen per parameter. A second buffer receives the training loop's gradients.
        """
        total = sum(p.size for p in self.params.values())
        flat = np.empty(total, dtype=self.dtype)
        gflat = np.empty(total, dtype=self.dtype)
        views, gviews, off = {}, {}, 0
        for k, p in self.params.items():
            v = flat[off : off + p.size].reshape(p.shape)
            v[...] = p
            views[k] = v
            gviews[k] = gflat[off : off + p.size].reshape(p.shape)
            off += p.size
        self.params, self._flat, self._gflat, self._gviews = views, flat, gflat, gviews

    def _ensure_packed(self) -> None:
        """Re-pack if a user replaced an entry of ``params`` (cheap; called once per ``fit``)."""
        for k, v in self.params.items():
            if v.base is not self._flat or v.dtype != self.dtype or self._gviews[k].shape != v.shape:
                self._pack()
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

    def _check_XY(self, X: object, Y: object, loss: str, names: tuple[str, str] = ("X", "Y")) -> tuple:
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
                    a = np.maximum(z, 0, out=z)  # z of a hidden layer is not needed again
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
        """Backpropagate ``dz = dL/dZ_L`` (no checks). With ``out`` the gradients are written into
        those arrays (the training loop's reusable buffer) instead of new ones."""
        p = self.params
        grads: dict[str, np.ndarray] = {} if out is None else out
        for i in range(self.n_layers, 0, -1):
            a_prev = A[i - 1]
            if out is None:
                grads[f"W{i}"] = dz.T @ a_prev
                grads[f"b{i}"] = dz.sum(axis=0)
            else:
                np.matmul(dz.T, a_prev, out=out[f"W{i}"])
                np.sum(dz, axis=0, out=out[f"b{i}"])
            if i > 1:
                da = dz @ p[f"W{i}"]
                act = self._acts[i - 2]
                if act.df_from_output is not None:
                    da *= act.df_from_output(a_prev)
                # identity: derivative 1, nothing to do
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

    def _train_step(self, X: np.ndarray, Y: np.ndarray, labels: np.ndarray, loss: str) -> tuple[float, int]:
        """The training loop's step (no checks).

        Writes the gradients into the reusable flat buffer ``self._gflat`` and returns the batch's
        summed loss and its number of correct predictions (``labels``: the targets' classes), both
        from the forward pass the step makes anyway.
        """
        n = X.shape[0]
        if self.output == "softmax" and loss == "cross_entropy":
            # Softmax and its cross-entropy from one exponential: with zs = z - max(z) and
            # S = sum(exp(zs)), log softmax = zs - log S, and sum_k y_k = 1 for every row.
            A, z = self._forward(X, output=False)
            zs = z - z.max(axis=1, keepdims=True)
            a = np.exp(zs)
            S = a.sum(axis=1, keepdims=True)
            a /= S
            value = float(np.log(S).sum() - np.vdot(Y, zs))
            correct = int(np.count_nonzero(a.argmax(axis=1) == labels))
            a -= Y  # a is not needed any more: reuse it for dL/dz = (a - y) / N
            a /= n
            dz = a
        else:
            A, z = self._forward(X)
            value = self._loss_from_forward(A, z, Y, loss) * n
            correct = int(np.count_nonzero(self._labels_from_outputs(A[-1]) == labels))
            dz = self._output_grad(A, z, Y, loss)
        self._backward(A, dz, out=self._gviews)
        return value, correct

    def _loss_and_grads(self, X: np.ndarray, Y: np.ndarray, loss: str) -> tuple[float, dict[str, np.ndarray]]:
        A, z = self._forward(X)
        value = self._loss_from_forward(A, z, Y, loss)
        return value, self._backward(A, self._output_grad(A, z, Y, loss))

    def loss_and_grads(
        self, X: object, Y: object, loss: str | None = None
    ) -> tuple[float, dict[str, np.ndarray]]:
        """Mean loss over the batch and its gradient with respect to every parameter.

        ``X: (n_samples, n_in)``; ``Y``: targets (class indices ``(n,)`` or probability rows for
        cross-entropy; ``(n, n_out)`` otherwise). Returns ``(loss, grads)`` with ``grads`` keyed like
        ``params``. Softmax + cross-entropy and sigmoid + binary cross-entropy use the fused,
        overflow-free forms computed from the logits.
        """
        loss = self._check_loss(loss)
        X, Y = self._check_XY(X, Y, loss)
        return self._loss_and_grads(X, Y, loss)

    def loss(self, X: object, Y: object, loss: str | None = None) -> float:
        """Mean loss over the batch (see :meth:`loss_and_grads`)."""
        loss = self._check_loss(loss)
        X, Y = self._check_XY(X, Y, loss)
        return self._loss_value(X, Y, loss)

    def _loss_value(self, X: np.ndarray, Y: np.ndarray, loss: str) -> float:
        A, z = self._forward(X)
        return self._loss_from_forward(A, z, Y, loss)

    # ------------------------------------------------------------------ prediction
    def _threshold(self) -> float:
        return 0.0 if self.output == "tanh" else 0.5

    def _labels_from_outputs(self, out: np.ndarray) -> np.ndarray:
        if self.n_out == 1:
            return (out[:, 0] > self._threshold()).astype(np.int64)
        return out.argmax(axis=1)

    def predict(self, X: object) -> np.ndarray:
        """Predicted class indices ``(n_samples,)``: argmax of the outputs, or for a single output
        1 where it exceeds 0.5 (0 for tanh) and 0 elsewhere."""
        return self._labels_from_outputs(self.forward(X))

    def predict_proba(self, X: object) -> np.ndarray:
        """Output activations ``(n_samples, n_out)`` (probabilities for softmax/sigmoid outputs)."""
        return self.forward(X)

    def _evaluate(self, X: np.ndarray, Y: np.ndarray, loss: str) -> dict[str, float]:
        A, z = self._forward(X)
        value = self._loss_from_forward(A, z, Y, loss)
        pred = self._labels_from_outputs(A[-1])
        truth = self._labels_from_outputs(Y)
        return {"loss": float(value), "accuracy": float(np.mean(pred == truth))}

    def evaluate(self, X: object, Y: object, loss: str | None = None) -> dict[str, float]:
        """``{"loss": mean loss, "accuracy": fraction of samples whose predicted class is the target's}``.

        The target's class is the argmax of its row (or, for one output, whether it exceeds the same
        threshold as :meth:`predict`); for regression targets the accuracy is not meaningful.
        """
        loss = self._check_loss(loss)
        X, Y = self._check_XY(X, Y, loss)
        return self._evaluate(X, Y, loss)

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
        seed: int | None = 0,
        validation: tuple[object, object] | None = None,
        shuffle: bool = True,
        early_stopping: int | None = None,
        min_delta: float = 0.0,
        restore_best: bool = True,
        progress: bool = False,
    ) -> History:
        """Train with minibatch gradient descent; see :func:`fbnn.training.fit` for the arguments."""
        from fbnn.training import fit

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
            early_stopping=early_stopping,
            min_delta=min_delta,
            restore_best=restore_best,
            progress=progress,
        )

    def get_params(self) -> dict[str, np.ndarray]:
        """A deep copy of ``params``."""
        return {k: v.copy() for k, v in self.params.items()}

    def set_params(self, params: dict[str, Any]) -> None:
        """Copy new values into the parameters, checking that the names and shapes match."""
        if set(params) != set(self.params):
            raise ValueError(f"params must have exactly the keys {sorted(self.params)}, got {sorted(params)}")
        new = {}
        for k, old in self.params.items():
            v = check_array(params[k], f"params[{k!r}]", dtype=self.dtype)
            if v.shape != old.shape:
                raise ValueError(f"params[{k!r}] has shape {v.shape}, expected {old.shape}")
            new[k] = v
        self._ensure_packed()
        for k, v in new.items():
            self.params[k][...] = v

    def copy(self, dtype: object | None = None) -> MLP:
        """An independent copy of the network (optionally converted to another dtype)."""
        other = object.__new__(MLP)
        other.__dict__.update(self.__dict__)
        other.dtype = self.dtype if dtype is None else check_dtype(dtype)
        other.params = {k: v.astype(other.dtype, copy=True) for k, v in self.params.items()}
        other._acts = list(self._acts)
        other._pack()
        return other

    def save(self, path: str | PathLike) -> None:
        """Write the network to ``path`` as an ``.npz`` file, atomically (see :mod:`fbnn.serialization`)."""
        from fbnn.serialization import save_model

        save_model(self, path)

    @classmethod
    def load(cls, path: str | PathLike) -> MLP:
        """Read a network written by :meth:`save`."""
        from fbnn.serialization import load_model

        return load_model(path)
