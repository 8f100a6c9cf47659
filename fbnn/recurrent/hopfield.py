"""Hopfield networks: bipolar units, symmetric weights, recall by descending an energy.

A Hopfield (1982) network has ``n`` units with states ``s_i`` in {-1, +1} and a symmetric weight matrix
``W`` (n, n) with zero diagonal. A unit looks at its local field ``h_i = sum_j W_ij s_j`` and takes the
sign of ``h_i - theta_i`` (a tie keeps the current state). Asynchronous updates (one unit at a time) never
raise the energy ``E(s) = -1/2 s^T W s + theta^T s``, so the state rolls downhill to a fixed point;
synchronous updates (all units at once) end in a fixed point or a 2-cycle.
"""

from __future__ import annotations

from dataclasses import dataclass
from os import PathLike
from typing import Any

import numpy as np

from fbnn import serialization
from fbnn.recurrent._validate import as_float_array, as_spin_array, check_choice, check_positive_int, make_rng

RULES: tuple[str, ...] = ("hebbian", "pseudoinverse", "storkey")
"""Storage rules accepted by :class:`Hopfield`."""

MODES: tuple[str, ...] = ("async", "sync")
"""Update modes accepted by :meth:`Hopfield.recall`."""


@dataclass(frozen=True)
class Trajectory:
    """What a recall went through.

    Attributes
    ----------
    states : (n_steps + 1, n) int8
        ``states[k]`` is the state after ``k`` steps (``states[0]`` is the probe). A step is one sweep over
        all units (asynchronous mode, in a fresh seeded random order) or one synchronous update. Recording
        stops when a step would repeat the state of one or two steps before; that repeat is not stored again.
    energies : (n_steps + 1,) float64
        ``E(states[k])``.
    status : str
        ``"fixed_point"`` (the last state maps to itself), ``"two_cycle"`` (synchronous only: the last two
        states map to each other) or ``"max_steps"`` (stopped before either was detected).
    """

    states: np.ndarray
    energies: np.ndarray
    status: str

    @property
    def n_steps(self) -> int:
        """Number of recorded steps (``len(states) - 1``)."""
        return len(self.states) - 1

    @property
    def converged(self) -> bool:
        """True if the recall ended in a fixed point or a 2-cycle."""
        return self.status != "max_steps"


def overlap(a, b) -> float | np.ndarray:
    """Overlap ``m = a . b / n`` of bipolar states: 1 for equal, -1 for opposite, about 0 for unrelated.

    ``a`` and ``b`` are (n,) or (B, n) arrays (broadcast along the last axis); returns a float or (B,) array.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape[-1] != b.shape[-1]:
        raise ValueError(f"overlap needs states of equal length, got shapes {a.shape} and {b.shape}")
    m = np.sum(a * b, axis=-1) / a.shape[-1]
    return float(m) if np.ndim(m) == 0 else m


def corrupt(pattern, n_flips: int, seed=0) -> np.ndarray:
    """Return a copy of a ±1 ``pattern`` (n,) with ``n_flips`` distinct units flipped (seeded choice)."""
    pattern = np.asarray(pattern)
    n = pattern.shape[-1] if pattern.ndim else 0
    pattern = as_spin_array(pattern, "pattern", n, ndim=1)
    check_positive_int(n_flips, "n_flips", minimum=0)
    if n_flips > n:
        raise ValueError(f"n_flips must be at most the pattern length {n}, got {n_flips}")
    rng = make_rng(seed)
    out = pattern.copy()
    idx = rng.choice(n, size=n_flips, replace=False)
    out[idx] = -out[idx]
    return out


@serialization.register("Hopfield")
class Hopfield:
    """A Hopfield network of ``n`` bipolar units.

    Parameters
    ----------
    n : int
        Number of units.
    rule : {"hebbian", "pseudoinverse", "storkey"}
        Storage rule used by :meth:`store`. Every rule gives a symmetric ``W`` with zero diagonal (a
        nonzero self-coupling would break the energy argument for asynchronous updates).
    thresholds : (n,) array, optional
        Thresholds ``theta``; zero by default.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> patterns = rng.choice([-1, 1], size=(3, 100))
    >>> net = Hopfield(n=100)
    >>> net.store(patterns)
    >>> state, traj = net.recall(corrupt(patterns[0], 10, seed=1), mode="async", seed=0)
    >>> overlap(state, patterns[0])
    1.0
    """

    def __init__(self, n: int, rule: str = "hebbian", thresholds=None) -> None:
        self.n = check_positive_int(n, "n")
        self.rule = check_choice(rule, "rule", RULES)
        if thresholds is None:
            self.thresholds = np.zeros(self.n)
        else:
            theta = as_float_array(thresholds, "thresholds", np.float64)
            if theta.shape != (self.n,):
                raise ValueError(f"thresholds must have shape ({self.n},), got {theta.shape}")
            self.thresholds = theta.copy()
        self._W = np.zeros((self.n, self.n))
        self.patterns = np.zeros((0, self.n), dtype=np.int8)

    # ----------------------------------------------------------------- storage
    @property
    def weights(self) -> np.ndarray:
        """The weight matrix ``W`` (n, n): symmetric, zero diagonal (a read-only view)."""
        view = self._W.view()
        view.flags.writeable = False
        return view

    def store(self, patterns) -> None:
        """Store ``patterns`` (P, n) of ±1, replacing whatever was stored before.

        hebbian: ``W = (1/n) sum_mu xi^mu xi^mu^T`` with the diagonal set to zero.
        pseudoinverse: ``W`` is the orthogonal projection onto the span of the patterns (so each pattern
        is mapped to itself), diagonal set to zero (Personnaz et al. 1985; Kanter & Sompolinsky 1987).
        storkey: Storkey's (1997) incremental local rule, which subtracts the cross-talk seen by each pair.
        """
        xi = as_spin_array(patterns, "patterns", self.n, ndim=2).astype(np.float64)
        n = self.n
        if self.rule == "hebbian":
            W = xi.T @ xi / n
        elif self.rule == "pseudoinverse":
            W = np.linalg.pinv(xi) @ xi
            W = (W + W.T) / 2  # remove rounding asymmetry
        else:
            W = np.zeros((n, n))
            for p in xi:
                # h_ij = sum_{k != i, j} W_ik p_k; with zero diagonal that is (W p)_i - W_ij p_j, so the
                # Storkey increment p_i p_j - p_i h_ji - h_ij p_j collapses to the matrix form below.
                h = W @ p
                W = W + (np.outer(p, p) - np.outer(p, h) - np.outer(h, p) + 2 * W) / n
                np.fill_diagonal(W, 0.0)
            W = (W + W.T) / 2  # the update is symmetric in exact arithmetic; make it so in floating point
        np.fill_diagonal(W, 0.0)
        self._W = W
        self.patterns = xi.astype(np.int8)

    # ----------------------------------------------------------------- dynamics
    def _state(self, state, name: str = "state") -> np.ndarray:
        return as_spin_array(state, name, self.n, ndim=1)

    def energy(self, state) -> float | np.ndarray:
        """Energy ``E(s) = -1/2 s^T W s + theta^T s`` of a state (n,) (float) or of states (B, n) ((B,))."""
        s = np.asarray(state)
        s = as_spin_array(s, "state", self.n, ndim=s.ndim if s.ndim in (1, 2) else 1).astype(np.float64)
        e = -0.5 * np.einsum("...i,ij,...j->...", s, self._W, s) + s @ self.thresholds
        return float(e) if s.ndim == 1 else e

    def local_field(self, state) -> np.ndarray:
        """Local fields ``h = W s`` (n,) for a state (n,)."""
        return self._W @ self._state(state).astype(np.float64)

    def update_unit(self, state, i: int) -> np.ndarray:
        """Return a copy of ``state`` (n,) after the asynchronous update of unit ``i`` alone."""
        s = self._state(state).copy()
        if isinstance(i, bool) or not isinstance(i, (int, np.integer)) or not 0 <= i < self.n:
            raise ValueError(f"i must be a unit index in [0, {self.n}), got {i!r}")
        h = self._W[i] @ s - self.thresholds[i]
        if h != 0:
            s[i] = 1 if h > 0 else -1
        return s

    def sync_step(self, state) -> np.ndarray:
        """Synchronous update of all units, ``sign(W s - theta)`` (ties keep the old value). (n,) -> (n,)"""
        s = self._state(state)
        return self._sync(s[None, :])[0]

    def _sync(self, S: np.ndarray) -> np.ndarray:
        H = S.astype(np.float64) @ self._W - self.thresholds  # W symmetric, so S @ W == (W S^T)^T
        return np.where(H > 0, 1, np.where(H < 0, -1, S)).astype(np.int8)

    def _async_sweep(self, S: np.ndarray, order: np.ndarray) -> bool:
        """Update the rows of ``S`` (B, n) in place, unit by unit in ``order``; return whether any changed."""
        changed = False
        Sf = S.astype(np.float64)
        W, theta = self._W, self.thresholds
        for i in order:
            h = Sf @ W[i] - theta[i]
            new = np.where(h > 0, 1.0, np.where(h < 0, -1.0, Sf[:, i]))
            if np.any(new != Sf[:, i]):
                changed = True
                Sf[:, i] = new
        S[...] = Sf.astype(np.int8)
        return changed

    def is_fixed_point(self, state) -> bool:
        """True if no unit of ``state`` (n,) would change (the state is stable under every update order)."""
        s = self._state(state)
        return bool(np.array_equal(self._sync(s[None, :])[0], s))

    def is_two_cycle(self, state) -> bool:
        """True if synchronous updates send ``state`` (n,) to a different state and straight back."""
        s = self._state(state)
        s1 = self._sync(s[None, :])
        return bool(not np.array_equal(s1[0], s) and np.array_equal(self._sync(s1)[0], s))

    def recall(
        self, probe, mode: str = "async", max_steps: int = 100, seed=0
    ) -> tuple[np.ndarray, Trajectory]:
        """Run the network from ``probe`` (n,) of ±1 until it settles.

        Parameters
        ----------
        probe : (n,) array of ±1
            Starting state, e.g. a stored pattern with a few units flipped (see :func:`corrupt`).
        mode : {"async", "sync"}
            ``"async"``: each step is a sweep over all units in a fresh random order drawn from ``seed``;
            stops at a fixed point. ``"sync"``: each step updates all units at once; stops at a fixed
            point or a 2-cycle.
        max_steps : int
            Maximum number of steps (sweeps).
        seed : int or numpy.random.Generator
            Seeds the update orders (unused in synchronous mode).

        Returns
        -------
        state : (n,) int8
            The last state.
        trajectory : Trajectory
            States and energies per step and how the run ended.
        """
        s = self._state(probe, "probe").copy()
        check_choice(mode, "mode", MODES)
        check_positive_int(max_steps, "max_steps")
        rng = make_rng(seed)
        states = [s.copy()]
        status = "max_steps"
        for _ in range(max_steps):
            if mode == "async":
                S = s[None, :].copy()
                if not self._async_sweep(S, rng.permutation(self.n)):
                    status = "fixed_point"
                    break
                s = S[0]
            else:
                new = self._sync(s[None, :])[0]
                if np.array_equal(new, s):
                    status = "fixed_point"
                    break
                if len(states) >= 2 and np.array_equal(new, states[-2]):
                    status = "two_cycle"
                    break
                s = new
            states.append(s.copy())
        else:
            # The loop used all steps; the last state may still happen to be stable.
            if self.is_fixed_point(s):
                status = "fixed_point"
            elif mode == "sync" and self.is_two_cycle(s):
                status = "two_cycle"
        states_arr = np.array(states, dtype=np.int8)
        return s.copy(), Trajectory(states_arr, np.asarray(self.energy(states_arr)), status)

    def recall_many(self, probes, mode: str = "async", max_steps: int = 100, seed=0) -> np.ndarray:
        """Recall from many probes at once (vectorised over the batch); returns the final states (B, n).

        In asynchronous mode all probes share the same random order in each sweep, so each row ends where
        :meth:`recall` with the same ``seed`` ends (if both settle within ``max_steps``).
        """
        S = as_spin_array(probes, "probes", self.n, ndim=2).copy()
        check_choice(mode, "mode", MODES)
        check_positive_int(max_steps, "max_steps")
        rng = make_rng(seed)
        for _ in range(max_steps):
            if mode == "async":
                if not self._async_sweep(S, rng.permutation(self.n)):
                    break
            else:
                new = self._sync(S)
                if np.array_equal(new, S):
                    break
                S = new
        return S

    # ----------------------------------------------------------------- saving
    def get_config(self) -> dict[str, Any]:
        """Constructor arguments and the number of stored patterns (:meth:`save` writes them as the
        header)."""
        return {"n": self.n, "rule": self.rule, "n_patterns": int(self.patterns.shape[0])}

    def state_dict(self) -> dict[str, np.ndarray]:
        """Copies of the weights ``W`` (n, n), thresholds (n,) and stored patterns (P, n) int8."""
        return {
            "weights": self._W.copy(),
            "thresholds": self.thresholds.copy(),
            "patterns": self.patterns.copy(),
        }

    @classmethod
    def array_specs(cls, config: dict[str, Any]) -> dict[str, tuple[tuple[int, ...], str]]:
        """Name -> (shape, dtype) of the arrays a saved network with ``config`` holds (from the config
        alone)."""
        n = check_positive_int(config.get("n"), "n")
        P = check_positive_int(config.get("n_patterns"), "n_patterns", minimum=0)
        return {"weights": ((n, n), "float64"), "thresholds": ((n,), "float64"), "patterns": ((P, n), "int8")}

    @classmethod
    def from_config(cls, config: dict[str, Any], arrays: dict[str, np.ndarray]) -> Hopfield:
        """Rebuild a network from :meth:`get_config` and :meth:`state_dict` arrays, checking that ``W`` is
        symmetric with a zero diagonal and the patterns are ±1."""
        net = cls(config["n"], rule=config["rule"], thresholds=arrays["thresholds"])
        W = as_float_array(arrays["weights"], "weights", np.float64)
        if not np.array_equal(W, W.T) or np.any(np.diag(W)):
            raise ValueError("weights must be symmetric with a zero diagonal")
        if arrays["patterns"].shape[0]:
            net.patterns = as_spin_array(arrays["patterns"], "patterns", net.n, ndim=2)
        net._W = W.copy()
        return net

    def save(self, path: str | PathLike) -> None:
        """Write the network (weights, thresholds, stored patterns) to ``path`` atomically
        (see :mod:`fbnn.serialization`)."""
        serialization.save_model(self, path)

    @classmethod
    def load(cls, path: str | PathLike) -> Hopfield:
        """Read a network written by :meth:`save`."""
        return serialization.load_model(path, expect=cls)
