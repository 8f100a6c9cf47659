"""How many random patterns a Hopfield network can hold: the load alpha = P / n and its collapse near 0.14.

Amit, Gutfreund & Sompolinsky (1985) showed that for Hebbian storage of random patterns, retrieval with a
small fraction of errors survives up to a load ``alpha_c ~= 0.138`` and then collapses. In a finite network
(n of a few hundred) the drop is smeared over a range around that value.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fbnn.recurrent._validate import as_float_array, check_positive_int, make_rng
from fbnn.recurrent.hopfield import MODES, RULES, Hopfield

DEFAULT_ALPHAS: tuple[float, ...] = (0.05, 0.08, 0.11, 0.14, 0.17, 0.20, 0.25, 0.30)
"""Loads used by :func:`capacity_experiment` unless told otherwise."""


@dataclass(frozen=True)
class CapacityResult:
    """Result of :func:`capacity_experiment`; per-trial arrays have shape (n_alphas, n_trials).

    Attributes
    ----------
    n : int
        Number of units.
    alphas : (n_alphas,) requested loads; ``n_patterns`` (n_alphas,) the pattern counts ``round(alpha n)``.
    stable : fraction of stored patterns that are exact fixed points, per load and trial.
    bit_errors : fraction of units of stored patterns that would flip in one update, per load and trial.
    overlap : mean overlap ``m`` between each stored pattern and the state recalled from a corrupted copy.
    """

    n: int
    alphas: np.ndarray
    n_patterns: np.ndarray
    stable: np.ndarray
    bit_errors: np.ndarray
    overlap: np.ndarray

    @property
    def actual_alphas(self) -> np.ndarray:
        """The loads actually used, ``n_patterns / n`` (n_alphas,)."""
        return self.n_patterns / self.n

    @property
    def mean_stable(self) -> np.ndarray:
        """Fraction of stable stored patterns averaged over trials (n_alphas,)."""
        return self.stable.mean(axis=1)

    @property
    def mean_overlap(self) -> np.ndarray:
        """Recall overlap averaged over trials (n_alphas,)."""
        return self.overlap.mean(axis=1)

    @property
    def mean_bit_errors(self) -> np.ndarray:
        """One-step bit-error rate averaged over trials (n_alphas,)."""
        return self.bit_errors.mean(axis=1)


def capacity_experiment(
    n: int = 200,
    alphas=DEFAULT_ALPHAS,
    n_trials: int = 3,
    flip_fraction: float = 0.05,
    rule: str = "hebbian",
    mode: str = "async",
    max_steps: int = 20,
    seed=0,
) -> CapacityResult:
    """Store ``P = round(alpha n)`` random patterns for each load and measure how many survive.

    For every load and trial: draw P random ±1 patterns (n,), store them with ``rule``, count the patterns
    that are fixed points and the one-step bit-error rate, then start from each pattern with
    ``round(flip_fraction n)`` units flipped, recall (``mode``, at most ``max_steps`` sweeps) and record
    the mean overlap with the original. Everything is drawn from ``seed``. The defaults take about a second.

    Returns
    -------
    CapacityResult
        Per-trial arrays of shape (len(alphas), n_trials) and their means.
    """
    n = check_positive_int(n, "n")
    n_trials = check_positive_int(n_trials, "n_trials")
    alphas = as_float_array(alphas, "alphas", np.float64)
    if alphas.ndim != 1 or alphas.size == 0:
        raise ValueError(f"alphas must be a non-empty 1-D sequence of loads, got shape {alphas.shape}")
    if np.any(alphas <= 0):
        raise ValueError(f"alphas must all be > 0, got {alphas.tolist()}")
    if not 0 <= flip_fraction < 0.5:
        raise ValueError(f"flip_fraction must be in [0, 0.5), got {flip_fraction!r}")
    if rule not in RULES or mode not in MODES:
        raise ValueError(f"rule must be one of {RULES} and mode one of {MODES}; got {rule!r}, {mode!r}")
    rng = make_rng(seed)
    n_patterns = np.maximum(1, np.rint(alphas * n)).astype(int)
    n_flips = int(round(flip_fraction * n))
    shape = (len(alphas), n_trials)
    stable, bit_errors, mean_overlap = np.zeros(shape), np.zeros(shape), np.zeros(shape)
    for a, P in enumerate(n_patterns):
        for t in range(n_trials):
            patterns = rng.choice(np.array([-1, 1], dtype=np.int8), size=(P, n))
            net = Hopfield(n, rule=rule)
            net.store(patterns)
            one_step = net._sync(net.patterns)
            stable[a, t] = np.mean(np.all(one_step == net.patterns, axis=1))
            bit_errors[a, t] = np.mean(one_step != net.patterns)
            probes = net.patterns.copy()
            for row in probes:
                idx = rng.choice(n, size=n_flips, replace=False)
                row[idx] = -row[idx]
            final = net.recall_many(probes, mode=mode, max_steps=max_steps, seed=rng)
            mean_overlap[a, t] = np.mean(np.sum(final.astype(np.float64) * net.patterns, axis=1) / n)
    return CapacityResult(n, alphas, n_patterns, stable, bit_errors, mean_overlap)
