"""A layered continuous Hopfield network, and equilibrium propagation (Scellier & Bengio 2017).

Layers ``0 .. L`` have sizes ``sizes``; layer 0 is the input ``x`` (clamped), layers ``1 .. L`` hold
free units and layer ``L`` is the output. Each free unit has an internal potential ``u`` and a rate
``v = rho(u)``.
``W_k: (sizes[k], sizes[k-1])`` connects layer ``k-1`` to layer ``k`` *in both directions*, so the connection
matrix ``A`` between free units is symmetric. The energy is Hopfield's (1984) continuous one::

    E(v) = sum_i G(v_i)  -  sum_k v_k . (W_k v_{k-1} + b_k),      v_0 := x,      G' = rho^{-1}

(the first term keeps the rates inside the range of ``rho``). The cost is ``C = 1/2 |v_L - d|^2`` and the
*total energy* ``F = E + beta C``. Its stationary points satisfy ``u = A v + B x + b - beta dC/dv``, and the
relaxation is the Euler form of Hopfield's dynamics ``du/dt = -u + A rho(u) + B x + b - beta dC/dv``, which
lowers ``F`` all along the way: the *free* equilibrium at ``beta = 0``, a *nudged* one at ``beta != 0``.

The training objective is ``J = C(v^0)``. Equilibrium propagation estimates its gradient from two equilibria,
``(dE/dtheta(v^beta) - dE/dtheta(v^0)) / beta`` (:meth:`EnergyNet.eqprop_grads`); the limit
``beta -> 0`` is the exact gradient, which :meth:`EnergyNet.loss_and_grads` computes by the implicit
function theorem.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from fbnn._checks import check_array, check_positive_float, check_positive_int
from fbnn.equilibrium.relaxation import (
    ConvergenceError,
    Relaxation,
    check_step,
    check_tolerance,
    get_nonlinearity,
)
from fbnn.equilibrium.training import train

__all__ = ["EnergyNet"]


def _check_beta(beta: object) -> float:
    if isinstance(beta, bool) or not isinstance(beta, int | float | np.floating):
        raise TypeError(f"beta must be a real number, got {beta!r}")
    if not np.isfinite(beta):
        raise ValueError(f"beta must be finite, got {beta}")
    return float(beta)


class EnergyNet:
    """A layered continuous Hopfield network: symmetric connections, a state that descends an energy.

    Parameters
    ----------
    sizes : ``(n_in, n_hidden_1, ..., n_out)``, at least two entries.
    activation : ``"sigmoid"`` (rates in (0, 1)) or ``"tanh"``, the function ``rho``.
    weight_scale : the initial ``W_k`` are Gaussian, standard deviation
        ``weight_scale / sqrt(sizes[k-1])``.
    seed : int or ``numpy.random.Generator`` for the initial weights.

    Attributes
    ----------
    params : dict with ``"W1" .. "WL"`` (``W_k: (sizes[k], sizes[k-1])``) and ``"b1" .. "bL"``
        (``(sizes[k],)``).
    """

    def __init__(
        self,
        sizes: Sequence[int],
        *,
        activation: str = "sigmoid",
        weight_scale: float = 1.0,
        seed: int | np.random.Generator = 0,
    ) -> None:
        if isinstance(sizes, str | bytes) or not isinstance(sizes, Sequence) or len(sizes) < 2:
            raise ValueError(
                f"sizes must be a sequence (n_in, ..., n_out) of at least two layer sizes, got {sizes!r}"
            )
        self.sizes = tuple(check_positive_int(n, f"sizes[{i}]") for i, n in enumerate(sizes))
        self.nonlinearity = get_nonlinearity(activation)
        weight_scale = check_positive_float(weight_scale, "weight_scale")
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        self.params: dict[str, np.ndarray] = {}
        for k in range(1, len(self.sizes)):
            fan_in = self.sizes[k - 1]
            scale = weight_scale / np.sqrt(fan_in)
            self.params[f"W{k}"] = rng.standard_normal((self.sizes[k], fan_in)) * scale
            self.params[f"b{k}"] = np.zeros(self.sizes[k])
        bounds = np.cumsum((0,) + self.sizes[1:])
        self.slices = tuple(slice(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:], strict=True))

    @property
    def n_layers(self) -> int:
        """Number of free layers ``L`` (hidden layers and the output layer)."""
        return len(self.sizes) - 1

    @property
    def n_in(self) -> int:
        """Number of inputs."""
        return self.sizes[0]

    @property
    def n_out(self) -> int:
        """Number of output units."""
        return self.sizes[-1]

    @property
    def n_free(self) -> int:
        """Number of free units, the length of a state row."""
        return sum(self.sizes[1:])

    def __repr__(self) -> str:
        return f"EnergyNet(sizes={self.sizes}, activation={self.nonlinearity.name!r})"

    # ------------------------------------------------------------------ checks
    def _check_X(self, X) -> np.ndarray:
        X = check_array(X, "X", ndim=2, dtype=np.float64)
        if X.shape[1] != self.n_in or X.shape[0] == 0:
            raise ValueError(f"X must have shape (n_samples, {self.n_in}) with n_samples >= 1, got {X.shape}")
        return X

    def _check_D(self, D, n: int) -> np.ndarray:
        D = check_array(D, "D", ndim=2, dtype=np.float64)
        if D.shape != (n, self.n_out):
            raise ValueError(f"D must have shape ({n}, {self.n_out}) (one target row per example), "
                             f"got {D.shape}")
        return D

    def _check_S(self, S, n: int, name: str = "S") -> np.ndarray:
        S = check_array(S, name, ndim=2, dtype=np.float64)
        if S.shape != (n, self.n_free):
            raise ValueError(f"{name} must have shape ({n}, {self.n_free}), got {S.shape}")
        return S

    # ------------------------------------------------------------------ energy
    def layers(self, S: np.ndarray) -> list[np.ndarray]:
        """Split an array ``(n_samples, n_free)`` into the free layers ``[s_1, ..., s_L]``."""
        return [S[:, sl] for sl in self.slices]

    def rates(self, S) -> np.ndarray:
        """The rates ``v = rho(u)`` of potentials ``S: (n_samples, n_free)``, same shape."""
        return self.nonlinearity.f(check_array(S, "S", ndim=2, dtype=np.float64))

    def connections(self) -> np.ndarray:
        """The symmetric matrix ``A: (n_free, n_free)`` of connections between free units (zero diagonal)."""
        A = np.zeros((self.n_free, self.n_free))
        for k in range(2, self.n_layers + 1):
            hi, lo = self.slices[k - 1], self.slices[k - 2]
            A[hi, lo] = self.params[f"W{k}"]
            A[lo, hi] = self.params[f"W{k}"].T
        return A

    def energy(self, X, S) -> np.ndarray:
        """``E`` for every example, ``(n_samples,)``, at potentials ``S: (n_samples, n_free)``, input
        ``X`` clamped.

        ``G(v) = v u - Phi(u)`` with ``Phi`` the antiderivative of ``rho`` (softplus for the sigmoid, log cosh
        for tanh), so that ``G'(v) = u = rho^{-1}(v)``.
        """
        X = self._check_X(X)
        S = self._check_S(S, X.shape[0])
        V = self.nonlinearity.f(S)
        E = np.sum(V * S - self.nonlinearity.antiderivative(S), axis=1)
        below = X
        for k, v in enumerate(self.layers(V), start=1):
            E -= np.sum(v * (below @ self.params[f"W{k}"].T + self.params[f"b{k}"]), axis=1)
            below = v
        return E

    def cost(self, S, D) -> np.ndarray:
        """``C = 1/2 |v_L - d|^2`` for every example, ``(n_samples,)``, at potentials ``S``."""
        S = check_array(S, "S", ndim=2, dtype=np.float64)
        D = self._check_D(D, S.shape[0])
        return 0.5 * np.sum((self.nonlinearity.f(S[:, self.slices[-1]]) - D) ** 2, axis=1)

    def _drives(self, X: np.ndarray, V: np.ndarray) -> np.ndarray:
        """``a_k = W_k v_{k-1} + W_{k+1}^T v_{k+1} + b_k`` for every free layer (``A v + B x + b``),
        ``(n, n_free)``."""
        R = [X] + self.layers(V)
        out = np.empty_like(V)
        for k, sl in enumerate(self.slices, start=1):
            a = R[k - 1] @ self.params[f"W{k}"].T + self.params[f"b{k}"]
            if k < self.n_layers:
                a = a + R[k + 1] @ self.params[f"W{k + 1}"]
            out[:, sl] = a
        return out

    def energy_grad_params(self, X, S) -> dict[str, np.ndarray]:
        """``dE/dtheta`` at potentials ``S``, averaged over the examples (the shapes of :attr:`params`).

        ``dE/dW_k = -v_k v_{k-1}^T`` and ``dE/db_k = -v_k``, with ``v_0 = x``: each is local to the synapse.
        """
        X = self._check_X(X)
        S = self._check_S(S, X.shape[0])
        return self._energy_grad_params(X, S)

    def _energy_grad_params(self, X, S) -> dict[str, np.ndarray]:
        R = [X] + self.layers(self.nonlinearity.f(S))
        n = X.shape[0]
        out: dict[str, np.ndarray] = {}
        for k in range(1, self.n_layers + 1):
            out[f"W{k}"] = -(R[k].T @ R[k - 1]) / n
            out[f"b{k}"] = -R[k].mean(axis=0)
        return out

    # ------------------------------------------------------------------ relaxation
    def relax(
        self,
        X,
        *,
        beta: float = 0.0,
        D=None,
        S0=None,
        step: float = 0.5,
        tol: float = 1e-10,
        max_iter: int = 5000,
    ) -> Relaxation:
        """Relax to a stationary point of ``F = E + beta C`` by Hopfield's dynamics.

        Iterates ``u <- u + step (A v + B x + b - beta dC/dv - u)`` with ``v = rho(u)`` until the largest
        residual
        ``|A v + B x + b - beta dC/dv - u|`` is at most ``tol``.

        Parameters
        ----------
        X : (n_samples, n_in) clamped inputs.
        beta : nudging strength; ``0`` gives the free equilibrium and needs no targets.
        D : (n_samples, n_out) targets, required when ``beta != 0``.
        S0 : (n_samples, n_free) starting potentials, zeros by default (start a nudged phase from the
            free one).
        step : Euler time step, in (0, 1].
        tol : tolerance on the largest residual.
        max_iter : iterations allowed before :class:`ConvergenceError`.

        Returns
        -------
        Relaxation with ``states: (n_samples, n_free)``, the potentials ``u`` (rates: :meth:`rates`).
        """
        X = self._check_X(X)
        beta = _check_beta(beta)
        Dm = None
        if beta != 0.0:
            if D is None:
                raise ValueError("D (the targets) is required when beta != 0")
            Dm = self._check_D(D, X.shape[0])
        S = np.zeros((X.shape[0], self.n_free)) if S0 is None else self._check_S(S0, X.shape[0], "S0").copy()
        return self._relax(X, beta, Dm, S, check_step(step), check_tolerance(tol),
                           check_positive_int(max_iter, "max_iter"))

    def _relax(self, X, beta, D, S, step, tol, max_iter) -> Relaxation:
        rho = self.nonlinearity.f
        out = self.slices[-1]
        residual = np.inf
        for it in range(1, max_iter + 1):
            V = rho(S)
            R = self._drives(X, V) - S
            if beta != 0.0:
                R[:, out] -= beta * (V[:, out] - D)
            residual = float(np.max(np.abs(R)))
            if not np.isfinite(residual):
                break
            if residual <= tol:
                return Relaxation(S, it - 1, residual)
            S = S + step * R
        phase = "free" if beta == 0.0 else f"nudged (beta = {beta:g})"
        raise ConvergenceError(f"{phase} relaxation", max_iter, residual, tol,
                               "Reduce step, raise max_iter, or reduce the weights")

    # ------------------------------------------------------------------ gradients
    def eqprop_grads(
        self,
        X,
        D,
        beta: float,
        *,
        symmetric: bool = False,
        step: float = 0.5,
        tol: float = 1e-10,
        max_iter: int = 5000,
    ) -> tuple[float, dict[str, np.ndarray]]:
        """The equilibrium-propagation estimate of ``dJ/dtheta``, ``J = mean_n C(v^0_n)``.

        One-sided (Scellier & Bengio 2017): ``g = (dE/dtheta(v^beta) - dE/dtheta(v^0)) / beta``, error
        ``O(beta)``. Symmetric (``symmetric=True``):
        ``g = (dE/dtheta(v^beta) - dE/dtheta(v^-beta)) / (2 beta)``, error ``O(beta^2)``.
        The nudged phases start from the free equilibrium.

        Parameters
        ----------
        X : (n_samples, n_in) inputs; D : (n_samples, n_out) targets.
        beta : nudging strength, nonzero.
        symmetric : use the nudges ``+beta`` and ``-beta`` instead of ``+beta`` and ``0``.
        step, tol, max_iter : as in :meth:`relax`, for every phase.

        Returns
        -------
        loss : float, ``J`` at the free equilibrium.
        grads : dict with the keys and shapes of :attr:`params`.
        """
        X = self._check_X(X)
        D = self._check_D(D, X.shape[0])
        beta = _check_beta(beta)
        if beta == 0.0:
            raise ValueError("beta must be nonzero: the estimate divides by beta")
        step, tol = check_step(step), check_tolerance(tol)
        max_iter = check_positive_int(max_iter, "max_iter")
        free = self._relax(X, 0.0, None, np.zeros((X.shape[0], self.n_free)), step, tol, max_iter).states
        plus = self._relax(X, beta, D, free, step, tol, max_iter).states
        if symmetric:
            ref, denom = self._relax(X, -beta, D, free, step, tol, max_iter).states, 2.0 * beta
        else:
            ref, denom = free, beta
        gp, gr = self._energy_grad_params(X, plus), self._energy_grad_params(X, ref)
        grads = {k: (gp[k] - gr[k]) / denom for k in gp}
        return float(np.mean(self.cost(free, D))), grads

    def hessian(self, X, S) -> np.ndarray:
        """The Hessian of ``E`` in the rates, ``d^2E/dv^2 = diag(1 / rho'(u)) - A``, ``(n_samples,
        n_free, n_free)``."""
        X = self._check_X(X)
        S = self._check_S(S, X.shape[0])
        H = np.repeat(-self.connections()[None], X.shape[0], axis=0)
        idx = np.arange(self.n_free)
        H[:, idx, idx] += 1.0 / self.nonlinearity.df(S)
        return H

    def loss_and_grads(
        self, X, D, *, step: float = 0.5, tol: float = 1e-12, max_iter: int = 5000
    ) -> tuple[float, dict[str, np.ndarray]]:
        """``J = mean_n C(v^0_n)`` and its exact gradient, by the implicit function theorem at ``v^0``.

        Solves ``H lambda = dC/dv / N`` with the Hessian ``H`` of :meth:`hessian` for each example; then,
        summed over the examples::

            dJ/dW_k = lambda_k v_{k-1}^T + v_k lambda_{k-1}^T   (no second term for k = 1)
            dJ/db_k = lambda_k

        Raises
        ------
        ConvergenceError
            If the free relaxation does not converge.
        ValueError
            If the free equilibrium of some example is not a strict minimum (``H`` not positive definite).
        """
        X = self._check_X(X)
        D = self._check_D(D, X.shape[0])
        step, tol = check_step(step), check_tolerance(tol)
        max_iter = check_positive_int(max_iter, "max_iter")
        n = X.shape[0]
        S = self._relax(X, 0.0, None, np.zeros((n, self.n_free)), step, tol, max_iter).states
        H = self.hessian(X, S)
        lowest = float(np.min(np.linalg.eigvalsh(H)))
        if lowest <= 0:
            raise ValueError(f"the free equilibrium is not a strict minimum of E (smallest Hessian "
                             f"eigenvalue {lowest:.3e}); the gradient of C(v^0) is not defined there")
        V = self.nonlinearity.f(S)
        out = self.slices[-1]
        G = np.zeros_like(S)
        G[:, out] = (V[:, out] - D) / n
        lam = self.layers(np.linalg.solve(H, G[:, :, None])[:, :, 0])
        R = [X] + self.layers(V)
        grads: dict[str, np.ndarray] = {}
        for k in range(1, self.n_layers + 1):
            g = lam[k - 1].T @ R[k - 1]
            if k > 1:
                g = g + R[k].T @ lam[k - 2]
            grads[f"W{k}"] = g
            grads[f"b{k}"] = lam[k - 1].sum(axis=0)
        return float(np.mean(self.cost(S, D))), grads

    def loss(self, X, D, **relax_kw) -> float:
        """``J``: the mean cost at the free equilibrium, for targets ``D: (n_samples, n_out)``."""
        X = self._check_X(X)
        D = self._check_D(D, X.shape[0])
        return float(np.mean(self.cost(self.relax(X, **relax_kw).states, D)))

    def outputs(self, X, **relax_kw) -> np.ndarray:
        """The output rates ``v_L`` at the free equilibrium, ``(n_samples, n_out)``."""
        return self.nonlinearity.f(self.relax(X, **relax_kw).states[:, self.slices[-1]])

    def predict(self, X, **relax_kw) -> np.ndarray:
        """Class labels ``(n_samples,)``: the output unit with the largest free-equilibrium rate."""
        return np.argmax(self.outputs(X, **relax_kw), axis=1)

    # ------------------------------------------------------------------ training
    def fit(
        self,
        X,
        y,
        *,
        beta: float = 0.5,
        symmetric: bool = False,
        epochs: int = 20,
        batch_size: int = 32,
        optimizer=None,
        low: float = 0.0,
        high: float = 1.0,
        step: float = 0.5,
        tol: float = 1e-6,
        max_iter: int = 5000,
        seed: int | np.random.Generator = 0,
        validation: tuple | None = None,
    ) -> dict[str, list[float]]:
        """Train a classifier with the equilibrium-propagation estimate and an optimizer of :mod:`fbnn.optim`.

        Parameters
        ----------
        X : (n_samples, n_in) inputs; y : (n_samples,) integer labels in ``0 .. n_out - 1``.
        beta, symmetric : the estimate of :meth:`eqprop_grads`.
        epochs, batch_size, optimizer, seed, validation, low, high : as in
            :func:`fbnn.equilibrium.training.train`.
        step, tol, max_iter : for every relaxation.

        Returns
        -------
        history : dict with ``"loss"`` and (with ``validation``) ``"val_accuracy"`` per epoch.
        """
        beta = _check_beta(beta)
        if beta == 0.0:
            raise ValueError("beta must be nonzero: the estimate divides by beta")
        step, tol = check_step(step), check_tolerance(tol)
        max_iter = check_positive_int(max_iter, "max_iter")

        def grad_fn(Xb, Db):
            return self.eqprop_grads(Xb, Db, beta, symmetric=symmetric, step=step, tol=tol, max_iter=max_iter)

        def scores(Xe):
            return self.outputs(Xe, step=step, tol=tol, max_iter=max_iter)

        return train(self, grad_fn, scores, X, y, epochs=epochs, batch_size=batch_size, optimizer=optimizer,
                     low=low, high=high, seed=seed, validation=validation)
