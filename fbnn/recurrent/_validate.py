"""Small input checks shared by the recurrent modules (clear messages, no silent broadcasting)."""

from __future__ import annotations

import numbers

import numpy as np

from fbnn._checks import check_rng


def check_positive_int(value, name: str, *, minimum: int = 1) -> int:
    """Return ``value`` as an int, or raise if it is not an integer ``>= minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        kind = type(value).__name__
        raise TypeError(f"{name} must be an integer >= {minimum}, got {value!r} of type {kind}")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value}")
    return int(value)


def check_choice(value, name: str, choices: tuple[str, ...]) -> str:
    """Raise unless ``value`` is one of ``choices``."""
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}")
    return value


def check_finite(array: np.ndarray, name: str) -> None:
    """Raise if ``array`` holds NaN or inf."""
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} contains NaN or inf; expected finite numbers")


def as_float_array(x, name: str, dtype) -> np.ndarray:
    """Convert to a float array of ``dtype``, rejecting non-numeric input and NaN/inf."""
    try:
        arr = np.asarray(x)
    except Exception as exc:  # pragma: no cover - numpy raises many kinds of errors here
        raise TypeError(f"{name} must be array-like of numbers: {exc}") from exc
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(f"{name} must hold numbers, got an array of dtype {arr.dtype}")
    arr = arr.astype(dtype, copy=False)
    check_finite(arr, name)
    return arr


def as_spin_array(x, name: str, n: int, *, ndim: int) -> np.ndarray:
    """Return ``x`` as an int8 array of ±1 with ``ndim`` dims and last axis of length ``n``.

    Raises a ValueError naming ``name`` if the shape is wrong or any entry is not -1 or +1.
    """
    arr = np.asarray(x)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(f"{name} must hold numbers -1/+1, got an array of dtype {arr.dtype}")
    expected = "(n,)" if ndim == 1 else "(n_patterns, n)"
    if arr.ndim != ndim:
        raise ValueError(f"{name} must have shape {expected} with n={n}, got an array of shape {arr.shape}")
    if arr.shape[-1] != n:
        raise ValueError(f"{name} must have length n={n} along its last axis, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} is empty; expected at least one pattern of length n={n}")
    ok = (arr == 1) | (arr == -1)
    if not np.all(ok):
        bad = arr[~ok].ravel()[0]
        raise ValueError(f"{name} must contain only -1 and +1 (bipolar states); found the value {bad!r}")
    return arr.astype(np.int8)


def make_rng(seed) -> np.random.Generator:
    """A ``numpy.random.Generator`` from an int seed >= 0, an existing Generator or None (the engine's rule,
    :func:`fbnn._checks.check_rng`)."""
    return check_rng(seed)
