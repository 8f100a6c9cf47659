"""What the equilibrium networks share: the relaxation result, its failure, unit nonlinearities, targets.

A network with feedback connections computes by *relaxing*: its state is updated until it stops changing.
Every gradient of this subpackage is exact only at a true fixed point, so a relaxation that has not
converged raises :class:`ConvergenceError` instead of returning a state that would give a wrong gradient.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from fbnn._checks import check_array, check_name, check_positive_int

__all__ = [
    "ACTIVATIONS",
    "ConvergenceError",
    "Nonlinearity",
    "Relaxation",
    "accuracy",
    "get_nonlinearity",
    "one_hot",
]


class ConvergenceError(RuntimeError):
    """A relaxation (forward, adjoint or energy descent) did not reach its tolerance.

    Attributes
    ----------
    what : which relaxation failed, e.g. ``"forward relaxation"``.
    iterations : the number of iterations run.
    residual : the largest remaining residual ``max |s_next - s|`` (or ``max |dF/ds|``).
    tol : the tolerance that was asked for.
    """

    def __init__(self, what: str, iterations: int, residual: float, tol: float, hint: str = "") -> None:
        self.what, self.iterations, self.residual, self.tol = what, iterations, residual, tol
        msg = (f"{what} did not converge: residual {residual:.3e} > tol {tol:.1e} after {iterations} "
               f"iterations; no gradient is returned from a state that is not a fixed point")
        super().__init__(msg + (f". {hint}" if hint else ""))


@dataclass(frozen=True)
class Relaxation:
    """The result of a converged relaxation.

    Attributes
    ----------
    states : (n_samples, n_units) the fixed point, one row per example.
    iterations : the number of update steps it took.
    residual : the largest residual left (at most the tolerance).
    """

    states: np.ndarray
    iterations: int
    residual: float


@dataclass(frozen=True)
class Nonlinearity:
    """A smooth, increasing unit nonlinearity ``rho`` with its derivative and its antiderivative
    (elementwise).

    ``antiderivative`` is ``Phi`` with ``Phi' = rho``; the continuous Hopfield energy needs it.
    """

    name: str
    f: Callable[[np.ndarray], np.ndarray]
    df: Callable[[np.ndarray], np.ndarray]
    antiderivative: Callable[[np.ndarray], np.ndarray]


def _sigmoid(z: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0, e) / (1.0 + e)


def _sigmoid_d1(z: np.ndarray) -> np.ndarray:
    s = _sigmoid(z)
    return s * (1.0 - s)


def _softplus(z: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, z)


def _tanh_d1(z: np.ndarray) -> np.ndarray:
    return 1.0 - np.tanh(z) ** 2


def _log_cosh(z: np.ndarray) -> np.ndarray:
    a = np.abs(z)
    return a + np.log1p(np.exp(-2.0 * a)) - np.log(2.0)


ACTIVATIONS: dict[str, Nonlinearity] = {
    "tanh": Nonlinearity("tanh", np.tanh, _tanh_d1, _log_cosh),
    "sigmoid": Nonlinearity("sigmoid", _sigmoid, _sigmoid_d1, _softplus),
}
"""The nonlinearities the equilibrium networks accept, by name."""


def get_nonlinearity(name: str) -> Nonlinearity:
    """Return the :class:`Nonlinearity` called ``name`` (``"tanh"`` or ``"sigmoid"``)."""
    return ACTIVATIONS[check_name(name, ACTIVATIONS, "activation")]


def one_hot(y, n_classes: int, low: float = 0.0, high: float = 1.0) -> np.ndarray:
    """Targets ``(n_samples, n_classes)``: ``high`` at each label's column, ``low`` elsewhere.

    Parameters
    ----------
    y : (n_samples,) integer labels in ``0 .. n_classes - 1``.
    n_classes : the number of classes (columns).
    low, high : the target values for the other classes and for the true class.
    """
    n_classes = check_positive_int(n_classes, "n_classes")
    y = check_array(y, "y", ndim=1)
    if y.dtype.kind not in "iu":
        raise TypeError(f"y must hold integer class labels, got dtype {y.dtype}")
    if y.size and (y.min() < 0 or y.max() >= n_classes):
        raise ValueError(f"y must hold labels in 0..{n_classes - 1}, got values from {y.min()} to {y.max()}")
    T = np.full((y.size, n_classes), float(low))
    T[np.arange(y.size), y] = float(high)
    return T


def accuracy(scores, y) -> float:
    """Fraction of rows of ``scores`` ``(n_samples, n_classes)`` whose largest entry is at the label ``y``."""
    scores = check_array(scores, "scores", ndim=2)
    y = check_array(y, "y", ndim=1)
    if y.shape[0] != scores.shape[0]:
        raise ValueError(f"y has {y.shape[0]} labels but scores has {scores.shape[0]} rows")
    return float(np.mean(np.argmax(scores, axis=1) == y))


def check_tolerance(tol: object) -> float:
    """A tolerance must be a finite number > 0."""
    if isinstance(tol, bool) or not isinstance(tol, int | float | np.floating):
        raise TypeError(f"tol must be a positive number, got {tol!r}")
    if not np.isfinite(tol) or tol <= 0:
        raise ValueError(f"tol must be a finite number > 0, got {tol}")
    return float(tol)


def check_step(step: object) -> float:
    """A relaxation step (Euler time step) must lie in (0, 1]."""
    if isinstance(step, bool) or not isinstance(step, int | float | np.floating):
        raise TypeError(f"step must be a number in (0, 1], got {step!r}")
    if not (0 < step <= 1):
        raise ValueError(f"step must be a number in (0, 1], got {step}")
    return float(step)
