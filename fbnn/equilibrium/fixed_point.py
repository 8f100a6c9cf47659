"""A network with feedback connections that computes by relaxing to a fixed point, and its gradients.

All ``n = n_hidden + n_out`` units are connected to each other by ``W: (n, n)``; the input ``x`` drives them
through ``U: (n, n_in)``. The state relaxes by the damped iteration (the Euler form, with time step
``step``, of
Pineda's ``ds/dt = -s + f(W s + U x + b)``)::

    s <- (1 - step) * s + step * f(W s + U x + b)

to a fixed point ``s* = f(W s* + U x + b)``. The last ``n_out`` units are the outputs, and the loss is the
squared error at the fixed point, ``L = (1/N) sum_n 1/2 |s*_out - d|^2``.

:meth:`FixedPointNet.loss_and_grads` is **recurrent backpropagation** (Almeida 1987; Pineda 1987): the
implicit function theorem at the fixed point gives ``dL/dW = delta s*^T`` with ``delta = D z``,
``D = diag f'(W s* + U x + b)``, and ``z`` the solution of the linear adjoint system ``(I - W^T D) z = e``,
``e = dL/ds*``. ``z`` is found by a second relaxation, ``z <- (1 - step) z + step (e + W^T D z)``.
:meth:`FixedPointNet.bptt_loss_and_grads` differentiates the unrolled relaxation instead (BPTT).
"""

from __future__ import annotations

import numpy as np

from fbnn._checks import check_array, check_nonnegative_int, check_positive_float, check_positive_int
from fbnn.equilibrium.relaxation import (
    ConvergenceError,
    Relaxation,
    check_step,
    check_tolerance,
    get_nonlinearity,
)
from fbnn.equilibrium.training import train

__all__ = ["FixedPointNet"]


class FixedPointNet:
    """A fully recurrent network read out at its fixed point (Almeida–Pineda).

    Parameters
    ----------
    n_in : number of inputs.
    n_hidden : number of hidden units.
    n_out : number of output units (the last ``n_out`` of the state).
    activation : ``"tanh"`` or ``"sigmoid"``, the unit nonlinearity ``f``.
    spectral_norm : the largest singular value of the initial ``W``; with ``max f' <= 1`` a value below 1
        makes
        the relaxation a contraction, so it converges from any start.
    seed : int or ``numpy.random.Generator`` for the initial weights.

    Attributes
    ----------
    params : dict with ``"W": (n, n)``, ``"U": (n, n_in)``, ``"b": (n,)``, ``n = n_hidden + n_out``.
    """

    def __init__(
        self,
        n_in: int,
        n_hidden: int,
        n_out: int,
        *,
        activation: str = "tanh",
        spectral_norm: float = 0.5,
        seed: int | np.random.Generator = 0,
    ) -> None:
        self.n_in = check_positive_int(n_in, "n_in")
        self.n_hidden = check_nonnegative_int(n_hidden, "n_hidden")
        self.n_out = check_positive_int(n_out, "n_out")
        self.nonlinearity = get_nonlinearity(activation)
        spectral_norm = check_positive_float(spectral_norm, "spectral_norm")
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        n = self.n_units
        W = rng.standard_normal((n, n))
        W *= spectral_norm / np.linalg.norm(W, 2)
        self.params: dict[str, np.ndarray] = {
            "W": W,
            "U": rng.standard_normal((n, self.n_in)) / np.sqrt(self.n_in),
            "b": np.zeros(n),
        }

    @property
    def n_units(self) -> int:
        """The number of units in the loop, ``n_hidden + n_out``."""
        return self.n_hidden + self.n_out

    def __repr__(self) -> str:
        return (f"FixedPointNet(n_in={self.n_in}, n_hidden={self.n_hidden}, n_out={self.n_out}, "
                f"activation={self.nonlinearity.name!r})")

    # ------------------------------------------------------------------ checks
    def _check_X(self, X) -> np.ndarray:
        X = check_array(X, "X", ndim=2, dtype=np.float64)
        if X.shape[1] != self.n_in:
            raise ValueError(f"X must have shape (n_samples, {self.n_in}), got {X.shape}")
        if X.shape[0] == 0:
            raise ValueError("X is empty; expected at least one example")
        return X

    def _check_targets(self, D, n_samples: int) -> np.ndarray:
        D = check_array(D, "D", ndim=2, dtype=np.float64)
        if D.shape != (n_samples, self.n_out):
            raise ValueError(f"D must have shape ({n_samples}, {self.n_out}) (one target row per example), "
                             f"got {D.shape}")
        return D

    # ------------------------------------------------------------------ forward
    def _drive(self, S: np.ndarray, XU: np.ndarray) -> np.ndarray:
        return S @ self.params["W"].T + XU

    def relax(
        self, X, *, step: float = 0.5, tol: float = 1e-12, max_iter: int = 2000, S0=None
    ) -> Relaxation:
        """Iterate ``s <- (1 - step) s + step f(W s + U x + b)`` until ``max |f(...) - s| <= tol``.

        Parameters
        ----------
        X : (n_samples, n_in) inputs, one relaxation per row.
        step : Euler time step in (0, 1]; ``1`` is the plain iteration ``s <- f(W s + U x + b)``.
        tol : tolerance on the largest residual ``|f(W s + U x + b) - s|``.
        max_iter : iterations allowed before :class:`ConvergenceError` is raised.
        S0 : (n_samples, n) starting state; zeros by default.

        Returns
        -------
        Relaxation with ``states: (n_samples, n)``.
        """
        X = self._check_X(X)
        step, tol = check_step(step), check_tolerance(tol)
        max_iter = check_positive_int(max_iter, "max_iter")
        S = np.zeros((X.shape[0], self.n_units)) if S0 is None else self._check_S(S0, X.shape[0]).copy()
        return self._relax(X, step, tol, max_iter, S)

    def _check_S(self, S, n_samples: int) -> np.ndarray:
        S = check_array(S, "S0", ndim=2, dtype=np.float64)
        if S.shape != (n_samples, self.n_units):
            raise ValueError(f"S0 must have shape ({n_samples}, {self.n_units}), got {S.shape}")
        return S

    def _relax(self, X, step, tol, max_iter, S) -> Relaxation:
        f = self.nonlinearity.f
        XU = X @ self.params["U"].T + self.params["b"]
        residual = np.inf
        for it in range(1, max_iter + 1):
            R = f(self._drive(S, XU)) - S
            residual = float(np.max(np.abs(R)))
            if not np.isfinite(residual):
                break
            if residual <= tol:
                return Relaxation(S, it - 1, residual)
            S = S + step * R
        raise ConvergenceError("forward relaxation", max_iter, residual, tol,
                               "Reduce step, or the spectral norm of W (the loop gain)")

    def outputs(self, X, **relax_kw) -> np.ndarray:
        """The output units' states at the fixed point, ``(n_samples, n_out)``."""
        return self.relax(X, **relax_kw).states[:, self.n_hidden:]

    def predict(self, X, **relax_kw) -> np.ndarray:
        """Class labels ``(n_samples,)``: the output unit with the largest fixed-point state."""
        return np.argmax(self.outputs(X, **relax_kw), axis=1)

    def loss(self, X, D, **relax_kw) -> float:
        """Squared error at the fixed point, ``(1/N) sum_n 1/2 |s*_out - d_n|^2``, for targets ``D: (N,
        n_out)``."""
        X = self._check_X(X)
        D = self._check_targets(D, X.shape[0])
        out = self.relax(X, **relax_kw).states[:, self.n_hidden:]
        return float(0.5 * np.sum((out - D) ** 2) / X.shape[0])

    # ------------------------------------------------------------------ gradients
    def loss_and_grads(
        self, X, D, *, step: float = 0.5, tol: float = 1e-12, max_iter: int = 2000
    ) -> tuple[float, dict[str, np.ndarray]]:
        """Loss at the fixed point and its exact gradient by recurrent backpropagation (Almeida–Pineda).

        Relaxes the network to ``s*``, then relaxes the linear adjoint system
        ``z <- (1 - step) z + step (e + W^T D z)`` (``D = diag f'(W s* + U x + b)``, ``e = dL/ds*``) to its
        fixed point, again to ``tol`` (relative to ``max |e|``), and returns, with ``delta = D z``::

            dL/dW = delta s*^T,   dL/dU = delta x^T,   dL/db = delta      (summed over examples)

        Parameters
        ----------
        X : (n_samples, n_in) inputs.
        D : (n_samples, n_out) targets of the output units.
        step, tol, max_iter : as in :meth:`relax`, used by both relaxations.

        Returns
        -------
        loss : float
        grads : dict with the keys and shapes of :attr:`params`.

        Raises
        ------
        ConvergenceError
            If either relaxation does not reach ``tol`` in ``max_iter`` iterations.
        """
        X = self._check_X(X)
        D = self._check_targets(D, X.shape[0])
        step, tol = check_step(step), check_tolerance(tol)
        max_iter = check_positive_int(max_iter, "max_iter")
        S = self._relax(X, step, tol, max_iter, np.zeros((X.shape[0], self.n_units))).states
        return self._adjoint_grads(X, D, S, step, tol, max_iter)

    def adjoint(self, X, D, *, step: float = 0.5, tol: float = 1e-12, max_iter: int = 2000) -> Relaxation:
        """The second relaxation on its own: ``z`` with ``z = e + W^T D z`` at the fixed point,
        ``(n_samples, n)``.

        ``delta = f'(W s* + U x + b) * z`` is ``dL/d(pre-activation)``; see :meth:`loss_and_grads`.
        """
        X = self._check_X(X)
        D = self._check_targets(D, X.shape[0])
        step, tol = check_step(step), check_tolerance(tol)
        max_iter = check_positive_int(max_iter, "max_iter")
        S = self._relax(X, step, tol, max_iter, np.zeros((X.shape[0], self.n_units))).states
        return self._adjoint_relax(X, D, S, step, tol, max_iter)

    def _error(self, D: np.ndarray, S: np.ndarray) -> np.ndarray:
        E = np.zeros_like(S)
        E[:, self.n_hidden:] = (S[:, self.n_hidden:] - D) / S.shape[0]
        return E

    def _adjoint_relax(self, X, D, S, step, tol, max_iter) -> Relaxation:
        W = self.params["W"]
        Dp = self.nonlinearity.df(self._drive(S, X @ self.params["U"].T + self.params["b"]))
        E = self._error(D, S)
        scale = max(float(np.max(np.abs(E))), np.finfo(float).tiny)
        Z = E.copy()
        residual = np.inf
        for it in range(1, max_iter + 1):
            R = E + (Dp * Z) @ W - Z             # row form of e + W^T D z - z
            residual = float(np.max(np.abs(R))) / scale
            if not np.isfinite(residual):
                break
            if residual <= tol:
                return Relaxation(Z, it - 1, residual)
            Z = Z + step * R
        raise ConvergenceError("adjoint (error) relaxation", max_iter, residual, tol,
                               "The fixed point is not stable: the linearised loop has gain >= 1")

    def _adjoint_grads(self, X, D, S, step, tol, max_iter):
        Z = self._adjoint_relax(X, D, S, step, tol, max_iter).states
        Dp = self.nonlinearity.df(self._drive(S, X @ self.params["U"].T + self.params["b"]))
        delta = Dp * Z
        loss = float(0.5 * np.sum((S[:, self.n_hidden:] - D) ** 2) / X.shape[0])
        return loss, {"W": delta.T @ S, "U": delta.T @ X, "b": delta.sum(axis=0)}

    def bptt_loss_and_grads(
        self, X, D, n_steps: int, *, step: float = 0.5
    ) -> tuple[float, dict[str, np.ndarray]]:
        """Loss after ``n_steps`` updates from ``s_0 = 0`` and its exact gradient by BPTT through them.

        This is the gradient of a different function, the loss of the *unrolled* relaxation; it tends to
        :meth:`loss_and_grads` as ``n_steps`` grows when the relaxation converges. It stores all
        ``n_steps`` states, where recurrent backpropagation stores only the fixed point.

        Parameters
        ----------
        X : (n_samples, n_in) inputs.
        D : (n_samples, n_out) targets.
        n_steps : number of unrolled updates ``s_{k+1} = (1 - step) s_k + step f(W s_k + U x + b)``.
        step : Euler time step in (0, 1].

        Returns
        -------
        loss : float, the squared error of ``s_{n_steps}``.
        grads : dict with the keys and shapes of :attr:`params`.
        """
        X = self._check_X(X)
        D = self._check_targets(D, X.shape[0])
        n_steps = check_positive_int(n_steps, "n_steps")
        step = check_step(step)
        f, df = self.nonlinearity.f, self.nonlinearity.df
        W = self.params["W"]
        XU = X @ self.params["U"].T + self.params["b"]
        states, drives = [np.zeros((X.shape[0], self.n_units))], []
        for _ in range(n_steps):
            drives.append(self._drive(states[-1], XU))
            states.append((1 - step) * states[-1] + step * f(drives[-1]))
        S = states[-1]
        loss = float(0.5 * np.sum((S[:, self.n_hidden:] - D) ** 2) / X.shape[0])
        G = self._error(D, S)                     # dL/ds_k, from k = n_steps down
        grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        for k in range(n_steps - 1, -1, -1):
            dA = step * G * df(drives[k])         # dL/d(drive_k)
            grads["W"] += dA.T @ states[k]
            grads["U"] += dA.T @ X
            grads["b"] += dA.sum(axis=0)
            G = (1 - step) * G + dA @ W
        return loss, grads

    # ------------------------------------------------------------------ training
    def fit(
        self,
        X,
        y,
        *,
        epochs: int = 20,
        batch_size: int = 32,
        optimizer=None,
        low: float = 0.0,
        high: float = 1.0,
        step: float = 0.5,
        tol: float = 1e-8,
        max_iter: int = 2000,
        seed: int | np.random.Generator = 0,
        validation: tuple | None = None,
    ) -> dict[str, list[float]]:
        """Train a classifier with recurrent backpropagation and an optimizer of :mod:`fbnn.optim`.

        The targets are ``one_hot(y, n_out, low, high)``. Every minibatch relaxes, relaxes the adjoint and
        takes an optimizer step (default ``Adam(lr=1e-2)``).

        Parameters
        ----------
        X : (n_samples, n_in) inputs; y : (n_samples,) integer labels in ``0 .. n_out - 1``.
        epochs, batch_size, optimizer, seed : the training loop (shuffling is seeded).
        low, high : target values of the wrong and the right output unit.
        step, tol, max_iter : passed to both relaxations.
        validation : optional ``(X_val, y_val)``, whose accuracy is recorded after every epoch.

        Returns
        -------
        history : dict with ``"loss"`` (mean training loss per epoch) and ``"val_accuracy"`` (with
            ``validation``).
        """
        step, tol = check_step(step), check_tolerance(tol)
        max_iter = check_positive_int(max_iter, "max_iter")

        def grad_fn(Xb, Db):
            S = self._relax(Xb, step, tol, max_iter, np.zeros((Xb.shape[0], self.n_units))).states
            return self._adjoint_grads(Xb, Db, S, step, tol, max_iter)

        def scores(Xe):
            return self.outputs(Xe, step=step, tol=tol, max_iter=max_iter)

        return train(self, grad_fn, scores, X, y, epochs=epochs, batch_size=batch_size, optimizer=optimizer,
                     low=low, high=high, seed=seed, validation=validation)
