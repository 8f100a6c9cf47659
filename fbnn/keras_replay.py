"""What Keras computes when it trains the article's listing (§5.2), replayed in NumPy.

The listing chapter runs the listing in TensorFlow; this module, which never imports it, recomputes
every number Keras reports so that the chapter can assert that it understands them:

- the loss Keras uses for ``categorical_crossentropy`` after a softmax layer: it takes the softmax's
  *logits* ``z`` and computes ``-sum_k y_k log softmax(z)_k = S logsumexp(z) - y . z`` per example,
  with the labels ``y`` as given (row sum ``S``, about 45 for the listing's labels, not 1);
- the gradient of that loss, ``dL/dz = (S softmax(z) - y) / N`` for the mean over a batch of ``N``;
- the gradient TensorFlow actually returns for it: its fused ``SoftmaxCrossEntropyWithLogits`` kernel
  computes ``softmax(z) - y``, which is the gradient only when every label row sums to 1 (TensorFlow
  switches to a plain composite of ``log_softmax`` and a sum, whose gradient is exact, when op
  determinism is enabled). :meth:`fbnn.network.MLP.backward` propagates either to the weights;
- Keras's Adam, whose ``epsilon`` is added to ``sqrt(v)`` *before* the bias correction of ``v``
  (:class:`fbnn.optim.Adam` adds it after, as in the paper);
- :func:`replay_fit`, one pass of ``fit`` without shuffling: the per-epoch loss and accuracy Keras prints.
"""

from __future__ import annotations

import math

import numpy as np

from fbnn._checks import check_array, check_positive_float, check_positive_int
from fbnn.network import MLP

__all__ = [
    "categorical_crossentropy_from_logits",
    "categorical_crossentropy_grad",
    "fused_crossentropy_grad",
    "GRADIENTS",
    "categorical_accuracy",
    "KerasAdam",
    "params_from_keras",
    "replay_fit",
]


def _pair(y_true: object, logits: object) -> tuple[np.ndarray, np.ndarray]:
    y = check_array(y_true, "y_true", ndim=2, dtype=np.float64)
    z = check_array(logits, "logits", ndim=2, dtype=np.float64)
    if y.shape != z.shape:
        raise ValueError(f"y_true has shape {y.shape} but logits has shape {z.shape}; they must match")
    return y, z


def _log_softmax(z: np.ndarray) -> np.ndarray:
    shifted = z - z.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def categorical_crossentropy_from_logits(y_true: object, logits: object) -> np.ndarray:
    """Per-example loss ``-sum_k y_k log softmax(z)_k``, shape ``(n,)``, for ``(n, K)`` labels and logits.

    The labels are used as given: a row that sums to ``S`` weighs the log-probabilities ``S`` times
    as much as a one-hot row would (TensorFlow's ``softmax_cross_entropy_with_logits``).
    """
    y, z = _pair(y_true, logits)
    return -np.sum(y * _log_softmax(z), axis=1)


def categorical_crossentropy_grad(y_true: object, logits: object) -> np.ndarray:
    """Gradient of the batch mean of :func:`categorical_crossentropy_from_logits` with respect to the
    logits: ``(S softmax(z) - y) / N``, shape ``(N, K)``, with ``S`` each row's label sum.

    For one-hot rows (``S = 1``) this is the familiar ``(p - y) / N``.
    """
    y, z = _pair(y_true, logits)
    p = np.exp(_log_softmax(z))
    return (y.sum(axis=1, keepdims=True) * p - y) / y.shape[0]


def fused_crossentropy_grad(y_true: object, logits: object) -> np.ndarray:
    """What TensorFlow's fused softmax cross-entropy kernel returns as the gradient for the batch mean:
    ``(softmax(z) - y) / N``, shape ``(N, K)``, whatever the label rows sum to.

    It equals :func:`categorical_crossentropy_grad` when every row of ``y_true`` sums to 1. Otherwise it
    is the gradient of ``logsumexp(z) - y . z`` (per example), not of the loss the kernel reports.
    """
    y, z = _pair(y_true, logits)
    return (np.exp(_log_softmax(z)) - y) / y.shape[0]


GRADIENTS = {"exact": categorical_crossentropy_grad, "fused": fused_crossentropy_grad}
"""The two output gradients :func:`replay_fit` can train with, by name."""


def categorical_accuracy(y_true: object, y_pred: object) -> np.ndarray:
    """Keras's ``categorical_accuracy``: 1.0 where ``argmax`` of the prediction equals ``argmax`` of the
    label row (first maximum on ties), else 0.0; shape ``(n,)``."""
    y, p = _pair(y_true, y_pred)
    return (np.argmax(y, axis=1) == np.argmax(p, axis=1)).astype(np.float64)


class KerasAdam:
    """Adam as Keras 3 implements it (``keras.optimizers.Adam``), for NumPy parameter dicts.

    At step ``t``: ``m += (g - m)(1 - b1)``, ``v += (g^2 - v)(1 - b2)`` and
    ``p -= lr sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps)``. Defaults are Keras's. In the bias
    corrections ``b1^t`` and ``b2^t`` Keras casts the Python floats ``b1``, ``b2`` to a tensor, which
    rounds them to float32 first (0.999 becomes 0.99900001287...), even when the model runs in float64;
    this class does the same, so that a float64 replay agrees with Keras to rounding error.
    """

    def __init__(self, lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-7) -> None:
        self.lr = check_positive_float(lr, "lr")
        for value, name in ((beta1, "beta1"), (beta2, "beta2")):
            if not 0 <= value < 1:
                raise ValueError(f"{name} must lie in [0, 1), got {value!r}")
        self.beta1, self.beta2 = float(beta1), float(beta2)
        self.eps = check_positive_float(eps, "eps")
        self.t = 0
        self.m: dict[str, np.ndarray] = {}
        self.v: dict[str, np.ndarray] = {}

    def step(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        """Update ``params`` in place with ``grads`` (same keys and shapes)."""
        if set(grads) != set(params):
            raise ValueError(f"grads has keys {sorted(grads)} but params has {sorted(params)}")
        self.t += 1
        b1 = float(np.float32(self.beta1))  # as Keras's ops.cast(beta, float64) of a Python float
        b2 = float(np.float32(self.beta2))
        alpha = self.lr * math.sqrt(1 - b2**self.t) / (1 - b1**self.t)
        for k, p in params.items():
            g = np.asarray(grads[k], dtype=p.dtype)
            if g.shape != p.shape:
                raise ValueError(f"grads[{k!r}] has shape {g.shape}, params[{k!r}] has {p.shape}")
            m = self.m.setdefault(k, np.zeros_like(p))
            v = self.v.setdefault(k, np.zeros_like(p))
            m += (g - m) * (1 - self.beta1)
            v += (g * g - v) * (1 - self.beta2)
            p -= m * alpha / (np.sqrt(v) + self.eps)


def params_from_keras(weights: list[np.ndarray]) -> dict[str, np.ndarray]:
    """Convert ``keras_model.get_weights()`` of ``Dense`` layers into :class:`fbnn.network.MLP` parameters.

    Keras stores each layer as ``kernel: (n_in, n_out)`` and ``bias: (n_out,)`` and computes ``x @ kernel``;
    ``fbnn`` uses ``W = kernel.T`` of shape ``(n_out, n_in)``. Returns ``{"W1": ..., "b1": ..., ...}``.
    """
    if len(weights) % 2:
        raise ValueError(f"weights must alternate kernel and bias, got {len(weights)} arrays")
    params: dict[str, np.ndarray] = {}
    for i in range(0, len(weights), 2):
        kernel = check_array(weights[i], f"weights[{i}]", ndim=2, dtype=np.float64)
        bias = check_array(weights[i + 1], f"weights[{i + 1}]", ndim=1, dtype=np.float64)
        if bias.shape[0] != kernel.shape[1]:
            raise ValueError(f"weights[{i + 1}] has {bias.shape[0]} entries, kernel weights[{i}] has "
                             f"{kernel.shape[1]} columns")
        params[f"W{i // 2 + 1}"] = np.ascontiguousarray(kernel.T)
        params[f"b{i // 2 + 1}"] = bias.copy()
    return params


def replay_fit(
    model: MLP,
    x: object,
    y: object,
    *,
    epochs: int,
    batch_size: int,
    gradient: str = "fused",
    optimizer: KerasAdam | None = None,
) -> dict[str, list[float]]:
    """Train ``model`` (softmax output) as ``keras_model.fit(x, y, shuffle=False)`` does, in place.

    Batches are taken in order (the last one may be smaller). For each batch the loss
    (:func:`categorical_crossentropy_from_logits`) and accuracy are measured *before* its update, as
    Keras does; an epoch's reported values are their means weighted by batch size. ``gradient`` names
    the output gradient of :data:`GRADIENTS`: ``"fused"`` (what TensorFlow applies by default) or
    ``"exact"`` (the gradient of the reported loss). The optimizer defaults to :class:`KerasAdam`.
    Returns ``{"loss": [...], "accuracy": [...]}``, one entry per epoch.
    ``x: (n, n_in)``; ``y: (n, n_out)`` labels used as given.
    """
    if gradient not in GRADIENTS:
        raise ValueError(f"gradient must be one of {sorted(GRADIENTS)}, got {gradient!r}")
    output_grad = GRADIENTS[gradient]
    if not isinstance(model, MLP) or model.output != "softmax":
        raise ValueError("model must be an fbnn.MLP with a softmax output")
    epochs = check_positive_int(epochs, "epochs")
    batch_size = check_positive_int(batch_size, "batch_size")
    x = check_array(x, "x", ndim=2, dtype=model.dtype)
    y = check_array(y, "y", ndim=2, dtype=model.dtype)
    if x.shape[0] != y.shape[0] or x.shape[1] != model.n_in or y.shape[1] != model.n_out:
        raise ValueError(f"x {x.shape} and y {y.shape} do not fit a network of sizes {list(model.sizes)}")
    opt = optimizer if optimizer is not None else KerasAdam()
    history: dict[str, list[float]] = {"loss": [], "accuracy": []}
    n = x.shape[0]
    for _ in range(epochs):
        loss_sum = correct = 0.0
        for start in range(0, n, batch_size):
            xb, yb = x[start : start + batch_size], y[start : start + batch_size]
            out, cache = model.forward(xb, return_cache=True)
            loss_sum += float(np.sum(categorical_crossentropy_from_logits(yb, cache["Z"])))
            correct += float(np.sum(categorical_accuracy(yb, out)))
            grads = model.backward(cache, output_grad(yb, cache["Z"]))
            opt.step(model.params, grads)
        history["loss"].append(loss_sum / n)
        history["accuracy"].append(correct / n)
    return history
