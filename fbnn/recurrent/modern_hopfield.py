"""Modern Hopfield networks: dense associative memories (Krotov & Hopfield 2016) and continuous modern
Hopfield networks whose update is softmax attention (Ramsauer et al. 2021).

:class:`DenseAssociativeMemory` keeps the classical network's ±1 units but replaces the quadratic energy by
``E(s) = -sum_mu F(xi^mu . s)`` with a steeper ``F`` (a power ``x^k`` or ``exp(x)``). Each stored pattern's
own term then dominates the cross-talk of the others, and far more than ``0.14 n`` random patterns can be
stored.
With ``F(x) = x^2`` it is the classical Hebbian network (:class:`~fbnn.recurrent.hopfield.Hopfield`).

:class:`ModernHopfield` has continuous states ``xi`` (d,) and stored patterns ``X`` (N, d), the energy
``E(xi) = -lse(beta, X xi) + xi . xi / 2 + log(N) / beta + M^2 / 2`` and the update
``xi <- X.T softmax(beta X xi)``: attention with the state as query and the patterns as keys and values.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from fbnn.activations import softmax
from fbnn.recurrent._validate import (
    as_float_array,
    as_spin_array,
    check_choice,
    check_positive_int,
    make_rng,
)
from fbnn.recurrent.hopfield import Hopfield, Trajectory

__all__ = [
    "ENERGIES",
    "DenseAssociativeMemory",
    "DenseCapacityResult",
    "ModernHopfield",
    "dense_capacity_experiment",
    "lse",
]

ENERGIES: tuple[str, ...] = ("polynomial", "rectified", "exponential")
"""Interaction functions of :class:`DenseAssociativeMemory`: ``x^k``, ``max(x, 0)^k`` and ``exp(x)``."""


def lse(beta: float, z: object) -> float | np.ndarray:
    """Log-sum-exp ``(1/beta) log sum_i exp(beta z_i)`` along the last axis of ``z`` (N,) or (B, N).

    Computed with the maximum factored out, so it is finite for every finite input. Returns a float for (N,).
    """
    beta = _check_beta(beta)
    z = as_float_array(z, "z", np.float64)
    if z.ndim not in (1, 2) or z.shape[-1] == 0:
        raise ValueError(f"z must have shape (N,) or (B, N) with N >= 1, got {z.shape}")
    bz = beta * z
    top = bz.max(axis=-1, keepdims=True)
    out = (top[..., 0] + np.log(np.exp(bz - top).sum(axis=-1))) / beta
    return float(out) if z.ndim == 1 else out


def _check_beta(beta: object) -> float:
    if isinstance(beta, bool) or not isinstance(beta, (int, float, np.integer, np.floating)):
        raise TypeError(f"beta must be a positive number, got {beta!r}")
    b = float(beta)
    if not np.isfinite(b) or b <= 0:
        raise ValueError(f"beta must be a finite number > 0, got {beta!r}")
    return b


# ---------------------------------------------------------------------------------------------- binary
class DenseAssociativeMemory:
    """Dense associative memory of ``n`` ±1 units (Krotov & Hopfield 2016).

    Energy ``E(s) = -sum_mu F(xi^mu . s)`` over the stored patterns ``xi^mu`` (P, n). Unit ``i`` takes the
    state of lower energy with the others fixed: with ``x_mu = xi^mu . s - xi^mu_i s_i`` (the overlap without
    unit i),

    ``s_i <- sign( sum_mu F(x_mu + xi^mu_i) - F(x_mu - xi^mu_i) )``,

    keeping its state on a tie. So an asynchronous update never raises ``E``, as in the classical network.

    Parameters
    ----------
    n : int
        Number of units.
    energy : {"polynomial", "rectified", "exponential"}
        ``F(x) = x^degree``, ``max(x, 0)^degree`` or ``exp(x)``.
    degree : int
        Power of the polynomial energies (>= 2); ignored for ``"exponential"``. ``degree=2`` with
        ``"polynomial"`` gives the classical Hebbian network.

    Examples
    --------
    >>> import numpy as np
    >>> xi = np.random.default_rng(0).choice([-1, 1], size=(40, 100))   # load 0.4, far above 0.14
    >>> dam = DenseAssociativeMemory(100, "polynomial", degree=3)
    >>> dam.store(xi)
    >>> all(dam.is_fixed_point(p) for p in xi)
    True
    """

    def __init__(self, n: int, energy: str = "polynomial", degree: int = 3) -> None:
        self.n = check_positive_int(n, "n")
        self.energy_name = check_choice(energy, "energy", ENERGIES)
        self.degree = check_positive_int(degree, "degree", minimum=2)
        self.patterns = np.zeros((0, self.n), dtype=np.int8)
        self._xi = np.zeros((0, self.n))

    def __repr__(self) -> str:
        deg = "" if self.energy_name == "exponential" else f", degree={self.degree}"
        return f"DenseAssociativeMemory(n={self.n}, energy={self.energy_name!r}{deg}, P={len(self.patterns)})"

    def store(self, patterns: object) -> None:
        """Store ``patterns`` (P, n) of ±1, replacing what was stored. Nothing is learned: the energy sums
        over the patterns themselves."""
        xi = as_spin_array(patterns, "patterns", self.n, ndim=2)
        self.patterns = xi.copy()
        self._xi = xi.astype(np.float64)

    def F(self, x: np.ndarray) -> np.ndarray:
        """The interaction function applied elementwise to overlaps ``x``."""
        x = np.asarray(x, dtype=np.float64)
        if self.energy_name == "polynomial":
            return x**self.degree
        if self.energy_name == "rectified":
            return np.maximum(x, 0.0) ** self.degree
        return np.exp(x)

    def _states(self, state: object, name: str) -> tuple[np.ndarray, bool]:
        arr = np.asarray(state)
        single = arr.ndim == 1
        S = as_spin_array(arr, name, self.n, ndim=1 if single else 2)
        return (S[None, :] if single else S), single

    def energy(self, state: object) -> float | np.ndarray:
        """``E(s) = -sum_mu F(xi^mu . s)`` of a state (n,) (float) or of states (B, n) ((B,)).

        Raises ``ValueError`` if the exponential energy overflows (overlaps above about 709); the update rules
        are computed in a scaled form and do not overflow.
        """
        S, single = self._states(state, "state")
        m = S.astype(np.float64) @ self._xi.T  # (B, P) overlaps
        if self.energy_name == "exponential" and m.size and m.max() > 709:
            raise ValueError(
                f"the exponential energy overflows float64 for overlaps above 709 (n={self.n}); "
                "compare states with the update rule instead"
            )
        e = -self.F(m).sum(axis=1)
        return float(e[0]) if single else e

    def _g_table(self) -> np.ndarray:
        """``g(x) = F(x + 1) - F(x - 1)`` at the integers ``x = -n..n`` (index ``x + n``), for polynomials.

        Overlaps of ±1 vectors are integers, so the update only ever needs ``g`` at these points; for
        ``(n + 1)^degree < 2^53`` every entry is exact, and so are ties.
        """
        if getattr(self, "_table_key", None) != (self.n, self.energy_name, self.degree):
            x = np.arange(-self.n, self.n + 1, dtype=np.float64)
            self._table = self.F(x + 1) - self.F(x - 1)
            self._table_key = (self.n, self.energy_name, self.degree)
        return self._table

    def _drive(self, m: np.ndarray, xi_i: np.ndarray, s_i: np.ndarray) -> np.ndarray:
        """``sum_mu F(x_mu + xi_mu,i) - F(x_mu - xi_mu,i)`` for a batch: m (B, P) int, xi_i (P,), s_i (B,).

        Returns (B,). For ``xi = ±1`` each term is ``xi g(x)`` with ``g(x) = F(x + 1) - F(x - 1)``, so the
        drive is one matrix-vector product. Its sign is the update; for the exponential energy it is divided
        by the positive factor ``2 sinh(1) exp(max_mu x_mu)`` per row so that no exponential overflows (the
        sign is unchanged).
        """
        x = m - s_i[:, None] * xi_i[None, :]
        if self.energy_name == "exponential":
            w = np.exp((x - x.max(axis=1, keepdims=True)).astype(np.float64))
        else:
            w = self._g_table()[x + self.n]
        return w @ xi_i.astype(np.float64)

    def _overlaps(self, S: np.ndarray) -> np.ndarray:
        # Exact integers, computed with a float product (fast) and rounded.
        return np.rint(S.astype(np.float64) @ self._xi.T).astype(np.int64)

    def _sync(self, S: np.ndarray) -> np.ndarray:
        m = self._overlaps(S)
        xi = self.patterns.astype(np.int64)
        out = S.copy()
        for i in range(self.n):
            d = self._drive(m, xi[:, i], S[:, i].astype(np.int64))
            out[:, i] = np.where(d > 0, 1, np.where(d < 0, -1, S[:, i]))
        return out

    def sync_step(self, state: object) -> np.ndarray:
        """Update every unit of a state (n,) or states (B, n) at once from the same old state; same shape."""
        S, single = self._states(state, "state")
        out = self._sync(S)
        return out[0] if single else out

    def is_fixed_point(self, state: object) -> bool:
        """True if no unit of ``state`` (n,) would change."""
        S, _ = self._states(state, "state")
        return bool(np.array_equal(self._sync(S[:1]), S[:1]))

    def _async_sweep(self, S: np.ndarray, order: np.ndarray) -> bool:
        """Update the rows of ``S`` (B, n) in place unit by unit in ``order``; return whether any changed."""
        m = self._overlaps(S)
        xi = self.patterns.astype(np.int64)
        Si = S.astype(np.int64)
        changed = False
        for i in order:
            d = self._drive(m, xi[:, i], Si[:, i])
            new = np.where(d > 0, 1, np.where(d < 0, -1, Si[:, i]))
            flip = new != Si[:, i]
            if flip.any():
                changed = True
                m[flip] += np.outer(new[flip] - Si[flip, i], xi[:, i])  # keep the overlaps current
                Si[flip, i] = new[flip]
        S[...] = Si.astype(np.int8)
        return changed

    def recall(
        self, probe: object, max_steps: int = 100, seed: int | np.random.Generator = 0
    ) -> tuple[np.ndarray, Trajectory]:
        """Asynchronous recall from ``probe`` (n,): sweeps over all units in fresh seeded random orders until
        a sweep changes nothing. Returns the final state (n,) int8 and a
        :class:`~fbnn.recurrent.hopfield.Trajectory` (status ``"fixed_point"`` or ``"max_steps"``)."""
        S, single = self._states(probe, "probe")
        if not single:
            raise ValueError(f"probe must have shape (n,) with n={self.n}; use recall_many for a batch")
        check_positive_int(max_steps, "max_steps")
        rng = make_rng(seed)
        S = S.copy()
        states, status = [S[0].copy()], "max_steps"
        for _ in range(max_steps):
            if not self._async_sweep(S, rng.permutation(self.n)):
                status = "fixed_point"
                break
            states.append(S[0].copy())
        else:
            if self.is_fixed_point(S[0]):
                status = "fixed_point"
        arr = np.array(states, dtype=np.int8)
        energies = np.asarray(self.energy(arr), dtype=np.float64)
        return S[0].copy(), Trajectory(arr, energies, status)

    def recall_many(
        self, probes: object, max_steps: int = 100, seed: int | np.random.Generator = 0
    ) -> np.ndarray:
        """Asynchronous recall from many probes (B, n) at once (one shared random order per sweep); (B, n)."""
        S = as_spin_array(probes, "probes", self.n, ndim=2).copy()
        check_positive_int(max_steps, "max_steps")
        rng = make_rng(seed)
        for _ in range(max_steps):
            if not self._async_sweep(S, rng.permutation(self.n)):
                break
        return S


_MODEL = re.compile(r"^(classical|exponential|(polynomial|rectified)-(\d+))$")


def _make_model(spec: str, n: int) -> Hopfield | DenseAssociativeMemory:
    if not isinstance(spec, str) or not _MODEL.match(spec):
        raise ValueError(
            "models must be names like 'classical', 'polynomial-3', 'rectified-4' or 'exponential'; "
            f"got {spec!r}"
        )
    if spec == "classical":
        return Hopfield(n)
    if spec == "exponential":
        return DenseAssociativeMemory(n, "exponential")
    kind, deg = spec.split("-")
    return DenseAssociativeMemory(n, kind, degree=int(deg))


@dataclass(frozen=True)
class DenseCapacityResult:
    """Result of :func:`dense_capacity_experiment`; arrays have shape (n_models, n_loads, n_trials).

    Attributes
    ----------
    n : number of units.
    models : the model names.
    n_patterns : (n_loads,) numbers of stored patterns P.
    stable : fraction of the stored patterns that are fixed points.
    recalled : fraction of the stored patterns recalled exactly from a corrupted probe.
    """

    n: int
    models: tuple[str, ...]
    n_patterns: np.ndarray
    stable: np.ndarray
    recalled: np.ndarray

    @property
    def mean_recalled(self) -> np.ndarray:
        """Fraction recalled exactly, averaged over trials (n_models, n_loads)."""
        return self.recalled.mean(axis=2)

    def capacity(self, threshold: float = 0.9) -> dict[str, int]:
        """Per model, the largest tested P up to which the mean recalled fraction stays >= ``threshold``
        (0 if it is below at the smallest P)."""
        out = {}
        for k, name in enumerate(self.models):
            ok = self.mean_recalled[k] >= threshold
            first_bad = int(np.argmin(ok)) if not ok.all() else len(ok)
            out[name] = int(self.n_patterns[first_bad - 1]) if first_bad > 0 else 0
        return out


def dense_capacity_experiment(
    n: int = 100,
    n_patterns: Sequence[int] = (5, 10, 20, 40, 80),
    models: Sequence[str] = ("classical", "polynomial-3", "exponential"),
    n_trials: int = 2,
    flip_fraction: float = 0.1,
    max_steps: int = 20,
    max_probes: int | None = None,
    seed: int | np.random.Generator = 0,
) -> DenseCapacityResult:
    """Store the same random ±1 patterns in several networks and count how many each recalls.

    For every P in ``n_patterns`` and every trial, draw P random patterns (P, n) and one corrupted probe per
    pattern (``round(flip_fraction n)`` units flipped); store the patterns in each model (``"classical"``:
    Hebbian :class:`~fbnn.recurrent.hopfield.Hopfield`; ``"polynomial-k"``, ``"rectified-k"``,
    ``"exponential"``: :class:`DenseAssociativeMemory`), recall asynchronously (at most ``max_steps`` sweeps)
    and record the fraction of patterns that are fixed points and the fraction recalled exactly. All networks
    see the same patterns, probes and update orders, drawn from ``seed``. With ``max_probes`` only the first
    ``min(P, max_probes)`` patterns are probed and tested (a sample, to save time at large P).
    """
    n = check_positive_int(n, "n")
    n_trials = check_positive_int(n_trials, "n_trials")
    check_positive_int(max_steps, "max_steps")
    if max_probes is not None:
        max_probes = check_positive_int(max_probes, "max_probes")
    Ps = np.asarray(n_patterns)
    if Ps.ndim != 1 or Ps.size == 0 or not np.issubdtype(Ps.dtype, np.integer) or np.any(Ps < 1):
        raise ValueError(f"n_patterns must be a non-empty list of integers >= 1, got {n_patterns!r}")
    if isinstance(models, str) or len(models) == 0:
        raise ValueError(f"models must be a non-empty list of model names, got {models!r}")
    names = tuple(models)
    for spec in names:
        _make_model(spec, 1)
    if (
        isinstance(flip_fraction, bool)
        or not isinstance(flip_fraction, (int, float))
        or not 0 <= flip_fraction < 0.5
    ):
        raise ValueError(f"flip_fraction must be a number in [0, 0.5), got {flip_fraction!r}")
    rng = make_rng(seed)
    n_flips = int(round(flip_fraction * n))
    shape = (len(names), len(Ps), n_trials)
    stable, recalled = np.zeros(shape), np.zeros(shape)
    for a, P in enumerate(Ps):
        for t in range(n_trials):
            xi = rng.choice(np.array([-1, 1], dtype=np.int8), size=(int(P), n))
            tested = xi[: int(P) if max_probes is None else min(int(P), max_probes)]
            probes = tested.copy()
            for row in probes:
                idx = rng.choice(n, size=n_flips, replace=False)
                row[idx] = -row[idx]
            order_seed = int(rng.integers(2**31))
            for k, spec in enumerate(names):
                net = _make_model(spec, n)
                net.store(xi)
                stable[k, a, t] = np.mean(np.all(net._sync(tested) == tested, axis=1))
                if isinstance(net, Hopfield):
                    final = net.recall_many(probes, mode="async", max_steps=max_steps, seed=order_seed)
                else:
                    final = net.recall_many(probes, max_steps=max_steps, seed=order_seed)
                recalled[k, a, t] = np.mean(np.all(final == tested, axis=1))
    return DenseCapacityResult(n, names, Ps.astype(np.int64), stable, recalled)


# ---------------------------------------------------------------------------------------------- continuous
class ModernHopfield:
    """Continuous modern Hopfield network (Ramsauer et al. 2021).

    Parameters
    ----------
    patterns : (N, d) array
        The stored patterns ``x_1..x_N`` as rows (the paper's ``X`` is their transpose, (d, N)).
    beta : float
        Inverse temperature (> 0). Large ``beta`` retrieves single patterns; small ``beta`` averages them.

    Notes
    -----
    Energy ``E(xi) = -lse(beta, X xi) + xi . xi / 2 + log(N) / beta + M^2 / 2`` with ``M = max_i |x_i|``.
    The update ``xi <- X.T softmax(beta X xi)`` is the concave-convex procedure for ``E`` and never raises it.
    For a batch of states as rows ``R`` (B, d) it reads ``softmax(beta R X.T) X``: attention with queries
    ``R`` and keys and values ``X``; with ``beta = 1/sqrt(d)`` it is the scaled dot-product attention of
    Vaswani et al. (2017).
    """

    def __init__(self, patterns: object, beta: float = 1.0) -> None:
        X = as_float_array(patterns, "patterns", np.float64)
        if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] == 0:
            raise ValueError(f"patterns must have shape (N, d) with N, d >= 1, got {X.shape}")
        self.patterns = X.copy()
        self.beta = _check_beta(beta)

    @property
    def n_patterns(self) -> int:
        """N, the number of stored patterns."""
        return self.patterns.shape[0]

    @property
    def dim(self) -> int:
        """d, the dimension of a pattern."""
        return self.patterns.shape[1]

    def __repr__(self) -> str:
        return f"ModernHopfield(N={self.n_patterns}, d={self.dim}, beta={self.beta!r})"

    def _states(self, state: object, name: str = "state") -> tuple[np.ndarray, bool]:
        S = as_float_array(state, name, np.float64)
        if S.ndim not in (1, 2) or S.shape[-1] != self.dim:
            raise ValueError(f"{name} must have shape (d,) or (B, d) with d={self.dim}, got {S.shape}")
        return (S[None, :] if S.ndim == 1 else S), S.ndim == 1

    def attention_weights(self, state: object) -> np.ndarray:
        """``softmax(beta X xi)``, the weight of each stored pattern; (N,) for (d,), (B, N) for (B, d)."""
        S, single = self._states(state)
        p = softmax(self.beta * (S @ self.patterns.T))
        return p[0] if single else p

    def update(self, state: object) -> np.ndarray:
        """One update ``xi <- X.T softmax(beta X xi)``; a state (d,) or states (B, d), same shape back."""
        S, single = self._states(state)
        new = softmax(self.beta * (S @ self.patterns.T)) @ self.patterns
        return new[0] if single else new

    def energy(self, state: object) -> float | np.ndarray:
        """``E(xi)`` of a state (d,) (float) or states (B, d) ((B,)); it lies in ``[0, 2 M^2]``."""
        S, single = self._states(state)
        M = float(np.max(np.linalg.norm(self.patterns, axis=1)))
        e = (
            -lse(self.beta, S @ self.patterns.T)
            + 0.5 * np.einsum("bd,bd->b", S, S)
            + np.log(self.n_patterns) / self.beta
            + 0.5 * M * M
        )
        return float(e[0]) if single else e

    def gradient(self, state: object) -> np.ndarray:
        """``dE/dxi = xi - X.T softmax(beta X xi)``; an update is ``xi - dE/dxi``. Same shape as ``state``."""
        S, single = self._states(state)
        g = S - softmax(self.beta * (S @ self.patterns.T)) @ self.patterns
        return g[0] if single else g

    def retrieve(self, state: object, max_steps: int = 100, tol: float = 1e-10) -> tuple[np.ndarray, int]:
        """Update until no state moves by more than ``tol`` (max-norm) or ``max_steps`` updates are done.

        Returns the final state(s), same shape as ``state``, and the number of updates made.
        """
        check_positive_int(max_steps, "max_steps")
        if isinstance(tol, bool) or not isinstance(tol, (int, float)) or not tol >= 0:
            raise ValueError(f"tol must be a number >= 0, got {tol!r}")
        S, single = self._states(state)
        steps = 0
        for steps in range(1, max_steps + 1):  # noqa: B007 - steps is the result
            new = softmax(self.beta * (S @ self.patterns.T)) @ self.patterns
            moved = float(np.max(np.abs(new - S)))
            S = new
            if moved <= tol:
                break
        return (S[0] if single else S), steps
