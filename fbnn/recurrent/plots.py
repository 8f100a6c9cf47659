"""Figures for the feedback-network chapters: Hopfield states and capacity, recurrent-net errors, gradients.

Every helper draws on a Matplotlib ``Axes`` (a new one if ``ax`` is None), labels it, and returns it; none
calls ``plt.show()``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

__all__ = [
    "ALPHA_C",
    "plot_capacity",
    "plot_energy",
    "plot_error_by_step",
    "plot_gradient_norms",
    "show_state",
    "state_grid",
]

ALPHA_C: float = 0.138
"""Amit, Gutfreund & Sompolinsky's (1985) critical load of a Hebbian Hopfield network (n -> infinity)."""


def _axes(ax: Axes | None, figsize: tuple[float, float]) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def show_state(state, shape: tuple[int, int], ax: Axes | None = None, title: str | None = None) -> Axes:
    """Draw a bipolar state (n,) as a ``shape`` = (rows, cols) image: +1 black, -1 white.

    Raises a ValueError if ``rows * cols != n`` or the state holds values other than -1 and +1.
    """
    s = np.asarray(state)
    if s.ndim != 1:
        raise ValueError(f"state must be a 1-D array of ±1 of length n, got shape {s.shape}")
    if len(shape) != 2 or int(shape[0]) * int(shape[1]) != s.size:
        raise ValueError(f"shape must be (rows, cols) with rows * cols = {s.size}, got {tuple(shape)}")
    if not np.all((s == 1) | (s == -1)):
        raise ValueError("state must contain only -1 and +1")
    ax = _axes(ax, (1.6, 1.6))
    ax.imshow(s.reshape(shape), cmap="gray_r", vmin=-1, vmax=1, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    if title is not None:
        ax.set_title(title, fontsize=9)
    return ax


def plot_energy(energies, ax: Axes | None = None, xlabel: str = "unit updates") -> Axes:
    """Plot a recall's energy per step, ``energies`` (n_steps + 1,): a step line, markers where it changed."""
    e = np.asarray(energies, dtype=np.float64)
    if e.ndim != 1 or e.size == 0:
        raise ValueError(f"energies must be a non-empty 1-D array, got shape {e.shape}")
    ax = _axes(ax, (6, 3))
    steps = np.arange(e.size)
    ax.step(steps, e, where="post", color="C0", label="$E(s)$")
    changed = np.flatnonzero(np.diff(e) != 0) + 1
    ax.plot(steps[changed], e[changed], "o", ms=3, color="C3", label="a unit flipped")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("energy $E(s)$")
    ax.grid(alpha=0.3)
    ax.legend()
    return ax


def plot_capacity(result, ax: Axes | None = None, alpha_c: float = ALPHA_C) -> Axes:
    """Plot a :class:`~fbnn.recurrent.CapacityResult`: stable fraction and recall overlap against the load.

    Each curve is the mean over trials with the per-trial range shaded; a dashed line marks ``alpha_c``.
    """
    ax = _axes(ax, (6.5, 3.6))
    alphas = result.actual_alphas
    for values, label, color in (
        (result.stable, "stored patterns that are fixed points", "C0"),
        (result.overlap, "overlap $m$ after recall from a corrupted probe", "C1"),
    ):
        ax.plot(alphas, values.mean(axis=1), "o-", ms=4, color=color, label=label)
        ax.fill_between(alphas, values.min(axis=1), values.max(axis=1), color=color, alpha=0.2, lw=0)
    ax.axvline(alpha_c, color="k", ls="--", lw=1, label=rf"$\alpha_c \approx {alpha_c}$")
    ax.set_xlabel(r"load $\alpha = P / n$")
    ax.set_ylabel("fraction / overlap")
    ax.set_title(f"Hebbian Hopfield network, n = {result.n}")
    ax.set_ylim(-0.02, 1.05)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower left")
    return ax


def plot_error_by_step(errors, ax: Axes | None = None, predictable=None) -> Axes:
    """Bar chart of a sequence model's mean error per time step, ``errors`` (T,).

    ``predictable`` is an optional boolean mask (T,) of the steps whose target can be predicted; those bars
    are drawn in a second colour (for the temporal XOR, every third step).
    """
    err = np.asarray(errors, dtype=np.float64)
    if err.ndim != 1 or err.size == 0:
        raise ValueError(f"errors must be a non-empty 1-D array (T,), got shape {err.shape}")
    mask = np.zeros(err.size, dtype=bool) if predictable is None else np.asarray(predictable, dtype=bool)
    if mask.shape != err.shape:
        raise ValueError(f"predictable must have shape {err.shape} like errors, got {mask.shape}")
    ax = _axes(ax, (7, 3))
    steps = np.arange(1, err.size + 1)
    ax.bar(steps[~mask], err[~mask], color="C0", label="target not predictable")
    if mask.any():
        ax.bar(steps[mask], err[mask], color="C3", label="target predictable")
    ax.set_xlabel("time step $t$")
    ax.set_ylabel("mean |error|")
    ax.set_xticks(steps)
    ax.grid(alpha=0.3, axis="y")
    ax.legend(fontsize=8)
    return ax


def plot_gradient_norms(norms: Mapping[str, object], ax: Axes | None = None) -> Axes:
    """Plot ``||dh_T/dh_t||`` against the lag ``t - T`` on a log scale, one line per labelled run.

    ``norms`` maps a label to a :class:`~fbnn.recurrent.gradients.GradientNorms` (its geometric mean over
    sequences is drawn).
    """
    if len(norms) == 0:
        raise ValueError("norms must map at least one label to a GradientNorms result")
    ax = _axes(ax, (6.5, 3.6))
    for label, g in norms.items():
        ax.semilogy(g.lags, g.geometric_mean, "-", label=label)
    ax.set_xlabel("lag $t - T$")
    ax.set_ylabel(r"$\|\partial h_T / \partial h_t\|_2$")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    return ax


def state_grid(states: Sequence, shape: tuple[int, int], titles: Sequence[str] | None = None,
               axes=None) -> np.ndarray:
    """Draw several states side by side with :func:`show_state`; returns the array of Axes used.

    ``states`` is (k, n); ``axes`` (optional) is a sequence of k Axes; ``titles`` k strings.
    """
    S = np.asarray(states)
    if S.ndim != 2 or S.shape[0] == 0:
        raise ValueError(f"states must be a non-empty 2-D array (k, n), got shape {S.shape}")
    if titles is not None and len(titles) != S.shape[0]:
        raise ValueError(f"titles must have {S.shape[0]} entries (one per state), got {len(titles)}")
    if axes is None:
        _, axes = plt.subplots(1, S.shape[0], figsize=(1.5 * S.shape[0], 1.8), squeeze=False)
    axes = np.asarray(axes).ravel()
    if axes.size != S.shape[0]:
        raise ValueError(f"axes must hold {S.shape[0]} Axes (one per state), got {axes.size}")
    for k, (s, a) in enumerate(zip(S, axes, strict=True)):
        show_state(s, shape, ax=a, title=None if titles is None else titles[k])
    return axes
