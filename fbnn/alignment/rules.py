"""Three ways to send the output error back into an MLP: backprop, feedback alignment and direct feedback
alignment.

Layer ``l`` of an :class:`~fbnn.network.MLP` computes ``Z_l = A_{l-1} @ W_l.T + b_l`` and ``A_l = f_l(Z_l)``;
write ``E = dL/dZ_L: (n_samples, n_out)`` for the error at the output. Every rule updates layer ``l`` with
``dW_l = D_l.T @ A_{l-1}`` and ``db_l = D_l.sum(axis=0)``, from a signal ``D_l: (n_samples, n_l)``, and the
rules differ only in how the hidden signals are made:

=========  ===========================================================  ===============================
method     signal of hidden layer ``l`` (``l < L``; ``D_L = E``)         feedback matrix
=========  ===========================================================  ===============================
``bp``     ``D_l = (D_{l+1} @ W_{l+1}) * f_l'``                          ``W_{l+1}.T`` (the true gradient)
``fa``     ``D_l = (D_{l+1} @ B_{l+1}.T) * f_l'``                        ``B_{l+1}: (n_l, n_{l+1})`` fixed
``dfa``    ``D_l = (E @ B_l.T) * f_l'``                                  ``B_l: (n_l, n_out)`` fixed
=========  ===========================================================  ===============================

Feedback alignment (Lillicrap, Cownden, Tweed & Akerman 2016) replaces the transposed forward weights by fixed
random matrices ``B``; direct feedback alignment (Nokland 2016) sends the output error to every hidden layer
through its own ``B``. The output layer's update is the true gradient under all three rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from fbnn._checks import check_array, check_name, check_positive_int
from fbnn.layers import glorot_uniform
from fbnn.network import MLP
from fbnn.optim import SGD, Optimizer, get_optimizer

__all__ = ["METHODS", "AlignmentHistory", "AlignmentTrainer", "angle_between", "feedback_matrices"]

METHODS: tuple[str, ...] = ("bp", "fa", "dfa")
"""Training rules: backpropagation, feedback alignment, direct feedback alignment."""


def angle_between(u: object, v: object) -> float:
    """Angle in degrees between two arrays of the same shape, read as flat vectors.

    ``arccos(u . v / (|u| |v|))``: 0 for parallel, 90 for orthogonal, 180 for opposite. Raises ``ValueError``
    for a zero vector (it has no direction) or arrays of different shapes.
    """
    a = check_array(u, "u", dtype=np.float64).ravel()
    b = check_array(v, "v", dtype=np.float64).ravel()
    if np.shape(u) != np.shape(v):
        raise ValueError(f"u and v must have the same shape, got {np.shape(u)} and {np.shape(v)}")
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    if na == 0 or nb == 0:
        raise ValueError("angle_between needs two nonzero vectors; " + ("u" if na == 0 else "v") + " is zero")
    cos = float(np.dot(a, b) / (na * nb))
    return float(np.degrees(np.arccos(min(1.0, max(-1.0, cos)))))


def _angle_or_nan(u: np.ndarray, v: np.ndarray) -> float:
    # A zero update (e.g. while the layers above are still zero) has no direction: record NaN, not an error.
    if not (np.any(u) and np.any(v)):
        return float("nan")
    return angle_between(u, v)


def _feedback_shapes(sizes: tuple[int, ...], method: str) -> dict[str, tuple[int, int]]:
    L = len(sizes) - 1
    if method == "fa":
        return {f"B{k}": (sizes[k - 1], sizes[k]) for k in range(2, L + 1)}
    if method == "dfa":
        return {f"B{k}": (sizes[k], sizes[L]) for k in range(1, L)}
    return {}


def feedback_matrices(
    sizes: object, method: str = "fa", seed: int | np.random.Generator = 0
) -> dict[str, np.ndarray]:
    """Fixed random feedback matrices for an MLP with layer widths ``sizes = [n_0, ..., n_L]``.

    ``"fa"``: ``B{l}`` for ``l = 2..L`` with shape ``(n_{l-1}, n_l)``, the shape of ``W_l.T``, whose place it
    takes.
    ``"dfa"``: ``B{l}`` for ``l = 1..L-1`` with shape ``(n_l, n_L)``: output error to hidden layer ``l``.
    ``"bp"``: an empty dict (backprop feeds the error back through the forward weights).
    Entries are uniform in ``[-r, r]`` with ``r = sqrt(6 / (rows + cols))``, the Glorot scale of the forward
    weights, drawn from ``numpy.random.default_rng(seed)``.
    """
    method = check_name(method, METHODS, "method")
    if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__"):
        raise TypeError(f"sizes must be a list of layer widths like [64, 32, 10], got {sizes!r}")
    if len(sizes) < 2:  # type: ignore[arg-type]
        raise ValueError(f"sizes needs at least an input and an output width, got {list(sizes)}")  # type: ignore[call-overload]
    widths = tuple(check_positive_int(s, f"sizes[{i}]") for i, s in enumerate(sizes))  # type: ignore[call-overload]
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    # glorot_uniform(n_in, n_out) returns (n_out, n_in), so ask for (cols, rows) to get (rows, cols).
    return {k: glorot_uniform(c, r, rng) for k, (r, c) in _feedback_shapes(widths, method).items()}


@dataclass
class AlignmentHistory:
    """What :meth:`AlignmentTrainer.fit` recorded.

    Attributes
    ----------
    method : the training rule.
    loss, accuracy : per epoch, on the whole training set with the weights at the end of the epoch (epochs,);
        the accuracy is NaN for a regression network.
    val_accuracy : per epoch on the validation set (empty without one; NaN for regression).
    steps : (n_records,) int; the number of minibatch steps taken when each angle was recorded (0 = start).
    angles : (n_records, L - 1) degrees between the rule's update of each hidden weight matrix
        ``W_1..W_{L-1}`` and the true gradient, both on the whole training set (all 0 for backprop; NaN
        where either is zero).
    feedback_angles : (n_records, k) degrees between forward weights and the transposed feedback matrices, as
        :meth:`AlignmentTrainer.feedback_angles` (k = 0 for backprop).
    """

    method: str
    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)
    steps: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    angles: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    feedback_angles: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))

    @property
    def epochs(self) -> int:
        """Number of completed epochs."""
        return len(self.loss)


class AlignmentTrainer:
    """Train an :class:`~fbnn.network.MLP` by backprop (``"bp"``), feedback alignment (``"fa"``) or DFA
    (``"dfa"``).

    The model computes its forward pass and output error ``E = dL/dZ_L`` as usual (its loss, its activations);
    the trainer replaces only the backward pass (see :mod:`fbnn.alignment.rules` for the three rules).

    Parameters
    ----------
    model : the network, trained in place.
    method : ``"bp"``, ``"fa"`` or ``"dfa"``.
    feedback : optional dict of feedback matrices with the keys and shapes of :func:`feedback_matrices`;
        by default drawn by ``feedback_matrices(model.sizes, method, seed)``. They never change.
    seed : seed of the feedback matrices (unused if ``feedback`` is given).
    optimizer : an :class:`fbnn.optim.Optimizer`, a name for :func:`fbnn.optim.get_optimizer`, or None for
        plain ``SGD(lr=0.05)``.

    Examples
    --------
    >>> from fbnn import MLP
    >>> net = MLP([64, 32, 10], hidden="tanh", output="softmax", seed=0)
    >>> trainer = AlignmentTrainer(net, "fa", seed=1)
    >>> trainer.feedback["B2"].shape      # takes the place of W2.T
    (32, 10)
    """

    def __init__(
        self,
        model: MLP,
        method: str = "fa",
        *,
        feedback: Mapping[str, object] | None = None,
        seed: int | np.random.Generator = 0,
        optimizer: Optimizer | str | None = None,
    ) -> None:
        if not isinstance(model, MLP):
            raise TypeError(f"model must be an fbnn MLP, got {type(model).__name__}")
        if model.n_layers < 2:
            raise ValueError(
                f"model has no hidden layer (sizes={list(model.sizes)}); "
                "the feedback rules differ only in hidden layers"
            )
        self.model = model
        self.method = check_name(method, METHODS, "method")
        shapes = _feedback_shapes(model.sizes, self.method)
        if feedback is None:
            fb = feedback_matrices(model.sizes, self.method, seed)
        else:
            if not isinstance(feedback, Mapping):
                raise TypeError(f"feedback must be a dict of arrays, got {type(feedback).__name__}")
            if set(feedback) != set(shapes):
                raise ValueError(
                    f"feedback for method {self.method!r} must have exactly the keys {sorted(shapes)}, "
                    f"got {sorted(feedback)}"
                )
            fb = {}
            for k, shape in shapes.items():
                B = check_array(feedback[k], f"feedback[{k!r}]", ndim=2, dtype=np.float64)
                if B.shape != shape:
                    raise ValueError(f"feedback[{k!r}] has shape {B.shape}, expected {shape}")
                fb[k] = B.copy()
        self.feedback: dict[str, np.ndarray] = {k: v.astype(model.dtype) for k, v in fb.items()}
        if optimizer is None:
            optimizer = SGD(lr=0.05)
        elif isinstance(optimizer, str):
            optimizer = get_optimizer(optimizer)
        elif not isinstance(optimizer, Optimizer):
            raise TypeError(
                f"optimizer must be an fbnn.optim.Optimizer or a name, got {type(optimizer).__name__}"
            )
        self.optimizer = optimizer

    def __repr__(self) -> str:
        return f"AlignmentTrainer({self.model!r}, method={self.method!r}, optimizer={self.optimizer!r})"

    # ------------------------------------------------------------------ the update rules
    def _directions(self, X: np.ndarray, Y: np.ndarray) -> tuple[float, dict[str, np.ndarray]]:
        """Loss and update directions for one batch (no checks)."""
        m = self.model
        loss = m.loss_name
        A, z = m._forward(X)
        value = m._loss_from_forward(A, z, Y, loss)
        E = m._output_grad(A, z, Y, loss)  # dL/dZ_L, the same under every rule
        p, fb = m.params, self.feedback
        out: dict[str, np.ndarray] = {}
        D = E
        for i in range(m.n_layers, 0, -1):
            out[f"W{i}"] = D.T @ A[i - 1]
            out[f"b{i}"] = D.sum(axis=0)
            if i == 1:
                break
            # The signal for hidden layer i-1 (its activation is acts[i-2], its output A[i-1]).
            if self.method == "bp":
                dA = D @ p[f"W{i}"]
            elif self.method == "fa":
                dA = D @ fb[f"B{i}"].T
            else:
                dA = E @ fb[f"B{i - 1}"].T
            act = m._acts[i - 2]
            if act.df_from_output is not None:
                dA = dA * act.df_from_output(A[i - 1])
            D = dA
        return value, out

    def directions(self, X: object, Y: object) -> tuple[float, dict[str, np.ndarray]]:
        """Mean loss on the batch and the rule's update directions, keyed like ``model.params``.

        ``X: (n_samples, n_in)``, ``Y`` targets as for :meth:`~fbnn.network.MLP.loss_and_grads`. A step moves
        every parameter by ``-lr`` times its direction. For ``"bp"`` the directions are the gradient; for
        ``"fa"`` and ``"dfa"`` only the output layer's are.
        """
        X, Y = self.model.check_data(X, Y, self.model.loss_name)
        return self._directions(X, Y)

    def _angles(self, X: np.ndarray, Y: np.ndarray) -> np.ndarray:
        _, d = self._directions(X, Y)
        _, g = self.model.loss_and_grads(X, Y, self.model.loss_name, check_input=False)
        return np.array([_angle_or_nan(d[f"W{i}"], g[f"W{i}"]) for i in range(1, self.model.n_layers)])

    def angles(self, X: object, Y: object) -> np.ndarray:
        """Angles in degrees between the rule's update and the true gradient of ``W_1..W_{L-1}`` ((L-1,)).

        Below 90 degrees the update goes downhill; 0 means it points along the gradient. An angle is NaN
        where either is exactly zero (no direction), e.g. for ``W_1`` while ``W_2`` is still all zeros.
        """
        X, Y = self.model.check_data(X, Y, self.model.loss_name)
        return self._angles(X, Y)

    def feedback_angles(self) -> np.ndarray:
        """Angles in degrees between forward weights and the transposed feedback matrices.

        ``"fa"``: between ``W_l`` and ``B_l.T`` for ``l = 2..L`` ((L-1,)); these fall as the forward weights
        come to align with the feedback. ``"dfa"``: between ``W_L`` and ``B_{L-1}.T`` ((1,)), the one pair of
        the same shape. ``"bp"``: an empty array.
        """
        p, fb, L = self.model.params, self.feedback, self.model.n_layers
        if self.method == "fa":
            return np.array([_angle_or_nan(p[f"W{k}"], fb[f"B{k}"].T) for k in range(2, L + 1)])
        if self.method == "dfa":
            return np.array([_angle_or_nan(p[f"W{L}"], fb[f"B{L - 1}"].T)])
        return np.zeros(0)

    # ------------------------------------------------------------------ training
    def step(self, X: object, Y: object) -> float:
        """One update on a batch; returns the batch's mean loss before the update."""
        value, d = self.directions(X, Y)
        self.optimizer.step(self.model.params, d)
        return value

    def fit(
        self,
        X: object,
        Y: object,
        *,
        epochs: int = 20,
        batch_size: int = 32,
        seed: int | None = 0,
        validation: tuple[object, object] | None = None,
        record_every: int | None = None,
    ) -> AlignmentHistory:
        """Train with minibatches drawn in a seeded random order; return an :class:`AlignmentHistory`.

        Parameters
        ----------
        X, Y : training inputs ``(n_samples, n_in)`` and targets.
        epochs : passes over the data (>= 1).
        batch_size : samples per step (>= 1).
        seed : seed of the generator that shuffles each epoch.
        validation : optional ``(X_val, Y_val)``; its accuracy is recorded after every epoch.
        record_every : record the angles every this many steps (>= 1); None records them once per epoch.
            Angles are measured on the whole training set, so recording often costs time.
        """
        m = self.model
        loss = m.loss_name
        X, Y = m.check_data(X, Y, loss)
        epochs = check_positive_int(epochs, "epochs")
        batch_size = check_positive_int(batch_size, "batch_size")
        if record_every is not None:
            record_every = check_positive_int(record_every, "record_every")
        if validation is not None:
            if not (isinstance(validation, tuple | list) and len(validation) == 2):
                raise TypeError("validation must be a pair (X_val, Y_val)")
            Xv, Yv = m.check_data(
                validation[0], validation[1], loss, names=("validation[0]", "validation[1]")
            )
        rng = np.random.default_rng(seed)
        hist = AlignmentHistory(self.method)
        steps, angles, fangles = [0], [self._angles(X, Y)], [self.feedback_angles()]
        n, step = X.shape[0], 0
        for _ in range(epochs):
            perm = rng.permutation(n)
            Xe, Ye = X[perm], Y[perm]
            for start in range(0, n, batch_size):
                _, d = self._directions(Xe[start : start + batch_size], Ye[start : start + batch_size])
                self.optimizer.step(m.params, d)
                step += 1
                if record_every is not None and step % record_every == 0:
                    steps.append(step)
                    angles.append(self._angles(X, Y))
                    fangles.append(self.feedback_angles())
            if record_every is None:
                steps.append(step)
                angles.append(self._angles(X, Y))
                fangles.append(self.feedback_angles())
            logs = m.evaluate(X, Y, loss, check_input=False)
            hist.loss.append(logs["loss"])
            hist.accuracy.append(logs.get("accuracy", float("nan")))  # a regression network has none
            if validation is not None:
                vlogs = m.evaluate(Xv, Yv, loss, check_input=False)
                hist.val_accuracy.append(vlogs.get("accuracy", float("nan")))
        hist.steps = np.array(steps, dtype=np.int64)
        hist.angles = np.array(angles)
        hist.feedback_angles = np.array(fangles).reshape(len(steps), -1)
        return hist
