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

import numpy as np

from fbnn._checks import check_array, check_dtype
from fbnn.losses import get_loss, prepare_targets
from fbnn.recurrent._validate import check_choice, check_positive_int, make_rng

STEPS: tuple[str, ...] = ("all", "last")
"""Which steps the loss covers: every step (mean over sequences and steps) or only the last one."""


def clip_grad_norm(grads: dict[str, np.ndarray], max_norm: float) -> float:
    """Scale all gradients in place so their joint L2 norm is at most ``max_norm``; return the norm before.

    The joint norm is ``sqrt(sum_k ||grads[k]||^2)`` over every array; the direction is unchanged
    (Pascanu, Mikolov & Bengio 2013).
    """
    if not np.isfinite(max_norm) or max_norm <= 0:
        raise ValueError(f"max_norm must be a positive finite number, got {max_norm!r}")
    total = float(np.sqrt(sum(float(np.vdot(g, g)) for g in grads.values())))
    if total > max_norm:
        scale = max_norm / (total + 1e-12)
        for g in grads.values():
            g *= scale
    return total


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
        seed=0,
        dtype="float64",
        recurrent_scale: float = 1.0,
    ) -> None:
        self.n_in = check_positive_int(n_in, "n_in")
        self.n_hidden = check_positive_int(n_hidden, "n_hidden")
        self.n_out = check_positive_int(n_out, "n_out")
        self.dtype = check_dtype(dtype)
        if not np.isfinite(recurrent_scale) or recurrent_scale < 0:
            raise ValueError(f"recurrent_scale must be a finite number >= 0, got {recurrent_scale!r}")
        rng = make_rng(seed)
        self.params: dict[str, np.ndarray] = self._init_params(rng, float(recurrent_scale))

    def _init_params(self, rng: np.random.Generator, scale: float) -> dict[str, np.ndarray]:
        raise NotImplementedError

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(n_in={self.n_in}, n_hidden={self.n_hidden}, n_out={self.n_out}, "
            f"dtype='{self.dtype.name}')"
        )

    # ------------------------------------------------------------------ validation
    def _check_X(self, X, name: str = "X") -> np.ndarray:
        arr = check_array(X, name)
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
            raise ValueError(f"{name} has {width} features per step, but the network has n_in={self.n_in}: "
                             f"expected shape (n_seq, T, {self.n_in}), got {arr.shape}")
        return np.ascontiguousarray(arr, dtype=self.dtype)

    def _check_targets(self, Y, loss: str, n_seq: int, T: int, steps: str) -> np.ndarray:
        """Return targets as rows (T_loss, n_seq, n_out), time-major, validated by the engine."""
        arr = check_array(Y, "Y")
        if steps == "all":
            lead, want = (n_seq, T), f"(n_seq, T)=({n_seq}, {T})"
        else:
            lead, want = (n_seq,), f"(n_seq,)=({n_seq},)"
        if arr.shape[: len(lead)] != lead or arr.ndim not in (len(lead), len(lead) + 1):
            extra = f"class indices of shape {want} or rows of shape {want} + (n_out,)"
            raise ValueError(f"Y must match X with steps={steps!r}: expected {extra}, got shape {arr.shape}")
        flat = arr.reshape((-1,) + arr.shape[len(lead):])
        rows = prepare_targets(loss, flat, self.n_out, flat.shape[0], name="Y", dtype=self.dtype)
        rows = rows.reshape(lead + (self.n_out,))
        if steps == "all":
            return np.ascontiguousarray(rows.transpose(1, 0, 2))
        return rows[None]

    def _time_major(self, X) -> np.ndarray:
        """Validated inputs as one contiguous (T, n_seq, n_in) array, so every projection is one GEMM."""
        return np.ascontiguousarray(self._check_X(X).transpose(1, 0, 2))

    @staticmethod
    def _check_truncate(truncate) -> int | None:
        if truncate is None:
            return None
        return check_positive_int(truncate, "truncate")

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
        """Softmax of the outputs: X (n_seq, T, n_in) -> (n_seq, T, n_out), rows summing to 1."""
        from fbnn.activations import softmax

        return softmax(self.forward(X))

    def predict(self, X) -> np.ndarray:
        """Most likely class at every step: X (n_seq, T, n_in) -> (n_seq, T) ints."""
        return np.argmax(self.forward(X), axis=-1)

    def loss(self, X, Y, loss: str = "cross_entropy", steps: str = "all") -> float:
        """The loss (mean over sequences and the steps it covers); see :meth:`loss_and_grads`."""
        value, _ = self._loss_and_grads(X, Y, loss, None, steps, need_grads=False)
        return value

    def loss_and_grads(
        self, X, Y, loss: str = "cross_entropy", truncate: int | None = None, steps: str = "all"
    ) -> tuple[float, dict[str, np.ndarray]]:
        """Loss and its gradients by backpropagation through time.

        Parameters
        ----------
        X : (n_seq, T, n_in)
            Input sequences.
        Y : targets
            ``steps="all"``: for ``"cross_entropy"`` class indices (n_seq, T) or probability rows
            (n_seq, T, n_out); for ``"mse"``/``"binary_cross_entropy"`` (n_seq, T, n_out).
            ``steps="last"``: the same without the T axis.
        loss : {"cross_entropy", "mse", "binary_cross_entropy"}
            Averaged over sequences and covered steps (the engine's convention, e.g. 1/2 ||.||^2 for mse).
        truncate : int >= 1 or None
            None for full BPTT; k to backpropagate each step's loss through at most k hidden updates.
        steps : {"all", "last"}
            Loss on every step's output or on the last one only.

        Returns
        -------
        loss : float
        grads : dict with the keys and shapes of :attr:`params`.
        """
        return self._loss_and_grads(X, Y, loss, truncate, steps, need_grads=True)

    def _loss_and_grads(self, X, Y, loss, truncate, steps, need_grads):
        spec = get_loss(loss)
        check_choice(steps, "steps", STEPS)
        k = self._check_truncate(truncate)
        Xt = self._time_major(X)
        T, n_seq = Xt.shape[:2]
        targets = self._check_targets(Y, loss, n_seq, T, steps)
        cache = self._forward(Xt)
        Z = cache["Y"] if steps == "all" else cache["Y"][-1:]
        rows_z = Z.reshape(-1, self.n_out)
        rows_y = targets.reshape(-1, self.n_out)
        if not need_grads:
            return float(spec.value_from_logits(rows_z, rows_y)), {}
        value, dZ_rows = spec.value_and_grad_from_logits(rows_z, rows_y)
        dY = np.zeros_like(cache["Y"])
        if steps == "all":
            dY[...] = dZ_rows.reshape(dY.shape)
        else:
            dY[-1] = dZ_rows
        if k is not None and k >= T:
            k = None
        return value, self._backward(Xt, cache, dY, k)

    def fit(
        self,
        X,
        Y,
        epochs: int = 10,
        batch_size: int = 32,
        optimizer=None,
        loss: str = "cross_entropy",
        truncate: int | None = None,
        steps: str = "all",
        clip_norm: float | None = None,
        seed=0,
        validation: tuple | None = None,
    ) -> dict[str, list[float]]:
        """Train with minibatches of sequences and an optimizer from :mod:`fbnn.optim`.

        Each epoch shuffles the sequences (seeded), and for every minibatch computes
        :meth:`loss_and_grads`, optionally clips the joint gradient norm to ``clip_norm``
        (:func:`clip_grad_norm`), and calls ``optimizer.step(params, grads)``. The default optimizer is
        ``Adam(lr=1e-2)``.

        Returns
        -------
        history : dict
            ``"loss"``: mean training loss over each epoch's minibatches; ``"grad_norm"``: the largest
            gradient norm seen in each epoch (before clipping); ``"val_loss"`` if ``validation=(Xv, Yv)``.
        """
        from fbnn.optim import Adam

        epochs = check_positive_int(epochs, "epochs")
        batch_size = check_positive_int(batch_size, "batch_size")
        if clip_norm is not None and (not np.isfinite(clip_norm) or clip_norm <= 0):
            raise ValueError(f"clip_norm must be None or a positive number, got {clip_norm!r}")
        if optimizer is None:
            optimizer = Adam(lr=1e-2)
        if not hasattr(optimizer, "step"):
            kind = type(optimizer).__name__
            raise TypeError(f"optimizer must have a step(params, grads) method, got {kind}")
        X = self._check_X(X)
        Yarr = check_array(Y, "Y")
        if Yarr.shape[0] != X.shape[0]:
            raise ValueError(f"Y has {Yarr.shape[0]} sequences but X has {X.shape[0]}; they must match")
        # Validate once on the whole set (clear errors before any update).
        self._check_targets(Yarr, loss, X.shape[0], X.shape[1], check_choice(steps, "steps", STEPS))
        self._check_truncate(truncate)
        rng = make_rng(seed)
        history: dict[str, list[float]] = {"loss": [], "grad_norm": []}
        if validation is not None:
            history["val_loss"] = []
        n_seq = X.shape[0]
        for _ in range(epochs):
            order = rng.permutation(n_seq)
            total, max_norm = 0.0, 0.0
            for start in range(0, n_seq, batch_size):
                idx = order[start : start + batch_size]
                value, grads = self._loss_and_grads(X[idx], Yarr[idx], loss, truncate, steps, True)
                if clip_norm is not None:
                    norm = clip_grad_norm(grads, clip_norm)
                else:
                    norm = float(np.sqrt(sum(float(np.vdot(g, g)) for g in grads.values())))
                max_norm = max(max_norm, norm)
                optimizer.step(self.params, grads)
                total += value * len(idx)
            history["loss"].append(total / n_seq)
            history["grad_norm"].append(max_norm)
            if validation is not None:
                history["val_loss"].append(self.loss(validation[0], validation[1], loss=loss, steps=steps))
        return history

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


class ElmanRNN(_RecurrentNet):
    """Elman (1990) simple recurrent network: the context is the previous hidden state.

    ``h_t = tanh(Wxh x_t + Whh h_{t-1} + bh)``, ``h_0 = 0``, ``y_t = Why h_t + by``.

    Parameters
    ----------
    n_in, n_hidden, n_out : int
        Layer widths.
    seed : int or numpy.random.Generator
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
