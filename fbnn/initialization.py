"""Why the scale of the initial weights matters: signal and gradient size through depth.

A stack of ``depth`` dense layers of equal ``width`` with zero biases computes
``a^(l) = f(W^(l) a^(l-1))``. If the inputs of a layer are independent with second moment ``q`` and the
weights have mean 0 and variance ``v``, each pre-activation has variance ``width * v * q``: the factor
``width * v`` is applied once per layer, forward, and (through ``W^T``) once per layer backward. So
``v = 1 / width`` keeps a linear (or tanh, near 0) signal at one size; Glorot and Bengio (2010) take
``v = 2 / (n_in + n_out)`` to balance the forward and the backward pass, and He et al. (2015) take
``v = 2 / n_in`` because a ReLU zeroes half of its inputs and so halves the second moment.

:func:`depth_profile` measures this on a seeded random batch: the root mean square (RMS) of every
layer's activations on the way forward, and of the weight gradients ``dL/dW^(l)`` on the way back,
for the fixed linear read-out loss ``L = (1/N) sum_n g_n . a_n^(depth)`` with random ``g_n``. The
read-out makes ``dL/da^(depth) = G / N`` independent of the forward signal, so a shrinking gradient
is caused by the backward pass alone.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from fbnn._checks import check_name, check_positive_float, check_positive_int
from fbnn.activations import get_activation
from fbnn.layers import INITIALIZERS, dense_backward, dense_forward
from fbnn.names import HIDDEN_ACTIVATIONS

__all__ = ["DepthProfile", "depth_profile", "propagate", "weight_std"]


def weight_std(scheme: str | float, n_in: int, n_out: int) -> float:
    """Standard deviation of the weights a scheme draws for a layer ``n_in -> n_out``.

    ``"glorot"``: uniform on [-l, l] with l = sqrt(6 / (n_in + n_out)), so std = sqrt(2 / (n_in + n_out));
    ``"he"``: normal with std sqrt(2 / n_in); a positive number: that std (normal weights).
    """
    check_positive_int(n_in, "n_in")
    check_positive_int(n_out, "n_out")
    if isinstance(scheme, str):
        check_name(scheme, INITIALIZERS, "scheme")
        return float(np.sqrt(2.0 / (n_in + n_out))) if scheme == "glorot" else float(np.sqrt(2.0 / n_in))
    if isinstance(scheme, numbers.Real) and not isinstance(scheme, bool):
        return check_positive_float(scheme, "scheme")
    raise TypeError(f"scheme must be 'glorot', 'he' or a positive std, got {scheme!r}")


def _draw(scheme: str | float, n_in: int, n_out: int, rng: np.random.Generator) -> np.ndarray:
    std = weight_std(scheme, n_in, n_out)  # validates the scheme
    if isinstance(scheme, str):
        return INITIALIZERS[scheme](n_in, n_out, rng)
    return rng.normal(0.0, std, size=(n_out, n_in))


@dataclass(frozen=True)
class DepthProfile:
    """Signal and gradient size in every layer of a deep stack, from :func:`depth_profile`.

    Attributes
    ----------
    activation : the activation of every layer.
    scheme : ``"glorot"``, ``"he"`` or the std of normal weights.
    width, depth, n_samples, seed : the experiment's settings.
    activation_rms : ``(depth,)``, RMS of the entries of ``a^(l)``, l = 1..depth.
    gradient_rms : ``(depth,)``, RMS of the entries of ``dL/dW^(l)``, l = 1..depth.
    """

    activation: str
    scheme: str | float
    width: int
    depth: int
    n_samples: int
    seed: int
    activation_rms: np.ndarray
    gradient_rms: np.ndarray

    @property
    def label(self) -> str:
        """A legend label such as ``"tanh, Glorot"`` or ``"tanh, std 0.01"``."""
        name = {"glorot": "Glorot", "he": "He"}.get(self.scheme) if isinstance(self.scheme, str) else None
        return f"{self.activation}, {name or f'std {self.scheme:g}'}"


def propagate(
    weights: list[np.ndarray], X: np.ndarray, G: np.ndarray, activation: str
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Forward and backward pass through bias-free layers, for the read-out loss ``(1/N) sum(G * a^(depth))``.

    Parameters
    ----------
    weights : ``W^(1), ..., W^(depth)``, each ``(n_l, n_{l-1})``.
    X : ``(N, n_0)``, the inputs ``a^(0)``, one per row.
    G : ``(N, n_depth)``, the read-out directions ``g_n``.
    activation : a hidden activation name.

    Returns
    -------
    ``(A, dW)``: the activations ``[a^(1), ..., a^(depth)]`` (each ``(N, n_l)``) and the gradients
    ``[dL/dW^(1), ..., dL/dW^(depth)]`` (each of its weight's shape).
    """
    act = get_activation(activation, hidden=True)
    n = X.shape[0]
    A, Z = [X], []
    for W in weights:
        Z.append(dense_forward(A[-1], W, np.zeros(W.shape[0])))
        A.append(act(Z[-1]))
    dA = G / n  # dL/da^(depth)
    grads = []
    for k in range(len(weights) - 1, -1, -1):
        delta = dA * act.df(Z[k])  # delta^(k+1) = dL/da (.) f'(z)
        dA, dW, _ = dense_backward(A[k], weights[k], delta, need_dX=k > 0)
        grads.append(dW)
    return A[1:], grads[::-1]


def _rms(a: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(a))))


def depth_profile(
    activation: str,
    scheme: str | float,
    *,
    width: int = 256,
    depth: int = 20,
    n_samples: int = 256,
    seed: int = 0,
) -> DepthProfile:
    """Measure activation and gradient RMS in each of ``depth`` layers of ``width`` units.

    Inputs and read-out directions are standard normal, ``(n_samples, width)``; weights are drawn
    with ``scheme`` (see :func:`weight_std`) from ``numpy.random.default_rng(seed)``, biases are 0.
    """
    check_name(activation, HIDDEN_ACTIVATIONS, "activation")
    weight_std(scheme, 1, 1)  # validate the scheme before drawing anything
    width = check_positive_int(width, "width")
    depth = check_positive_int(depth, "depth")
    n_samples = check_positive_int(n_samples, "n_samples")
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"seed must be an int, got {seed!r}")
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, width))
    G = rng.standard_normal((n_samples, width))
    weights = [_draw(scheme, width, width, rng) for _ in range(depth)]
    A, grads = propagate(weights, X, G, activation)
    return DepthProfile(
        activation,
        scheme,
        width,
        depth,
        n_samples,
        int(seed),
        np.array([_rms(a) for a in A]),
        np.array([_rms(g) for g in grads]),
    )
