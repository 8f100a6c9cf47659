"""Input validation shared by the numeric engine.

Every public entry point checks its arguments once, with a message that names the argument, says
what was expected and what was given. The inner training loop calls private helpers that skip
these checks, so validation costs nothing per minibatch.
"""

from __future__ import annotations

import numbers

import numpy as np

FLOAT_DTYPES: dict[str, type] = {"float64": np.float64, "float32": np.float32}


def check_dtype(dtype: object) -> np.dtype:
    """Return the numpy dtype for ``"float64"`` or ``"float32"`` (or the numpy types themselves)."""
    try:
        dt = np.dtype(dtype)  # type: ignore[call-overload]
    except TypeError as exc:
        raise TypeError(f"dtype must be 'float64' or 'float32', got {dtype!r}") from exc
    if dt.name not in FLOAT_DTYPES:
        raise ValueError(f"dtype must be 'float64' or 'float32', got {dt.name!r}")
    return dt


def check_array(
    x: object,
    name: str,
    *,
    ndim: int | tuple[int, ...] | None = None,
    dtype: np.dtype | None = None,
    finite: bool = True,
) -> np.ndarray:
    """Convert ``x`` to an array and check its dimension and that it holds finite real numbers.

    ``dtype`` (if given) is the floating type to convert to; otherwise the array keeps its type
    as long as it is numeric.
    """
    if isinstance(x, (str, bytes)) or x is None:
        raise TypeError(f"{name} must be an array of numbers, got {type(x).__name__}")
    arr = np.asarray(x)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(f"{name} must be an array of real numbers, got dtype {arr.dtype}")
    if np.iscomplexobj(arr):
        raise TypeError(f"{name} must be real, got complex dtype {arr.dtype}")
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else ndim
        if arr.ndim not in allowed:
            want = " or ".join(f"{d}-D" for d in allowed)
            raise ValueError(f"{name} must be {want}, got an array of shape {arr.shape}")
    # Finite check before the cast: a NaN must be reported as a NaN, and a finite value that the
    # cast would turn into inf (1e300 in float32) as an overflow, not as a mysterious infinity.
    if finite and arr.dtype.kind == "f" and not np.isfinite(arr).all():
        bad = int(arr.size - np.isfinite(arr).sum())
        raise ValueError(f"{name} contains {bad} NaN or infinite value(s); all entries must be finite")
    if dtype is not None:
        dt = np.dtype(dtype)
        # Only a narrowing float cast can overflow (the largest int64 is far below float32's range).
        narrowing = arr.dtype.kind == "f" and dt.kind == "f" and arr.dtype.itemsize > dt.itemsize
        if finite and arr.size and narrowing:
            big = float(np.finfo(dt).max)
            lo, hi = float(arr.min()), float(arr.max())
            if hi > big or lo < -big:
                raise ValueError(
                    f"{name} holds values up to {max(abs(lo), abs(hi)):.3g} in magnitude, "
                    f"which overflow {dt.name} (largest {big:.3g}); rescale the data or use dtype='float64'"
                )
        arr = np.ascontiguousarray(arr, dtype=dt)
    return arr


def check_positive_int(value: object, name: str) -> int:
    """Check that ``value`` is an integer >= 1 (bools are refused)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a positive integer, got {value!r} ({type(value).__name__})")
    if value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value}")
    return int(value)


def check_nonnegative_int(value: object, name: str) -> int:
    """Check that ``value`` is an integer >= 0 (bools are refused)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a non-negative integer, got {value!r} ({type(value).__name__})")
    if value < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {value}")
    return int(value)


def check_positive_float(value: object, name: str) -> float:
    """Check that ``value`` is a finite real number > 0."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a positive number, got {value!r} ({type(value).__name__})")
    v = float(value)
    if not np.isfinite(v) or v <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {value}")
    return v


def check_nonnegative_float(value: object, name: str) -> float:
    """Check that ``value`` is a finite real number >= 0."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a non-negative number, got {value!r} ({type(value).__name__})")
    v = float(value)
    if not np.isfinite(v) or v < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value}")
    return v


def check_fraction(value: object, name: str, *, low_open: bool = False, high_open: bool = True) -> float:
    """Check that ``value`` is a real number in [0, 1) (bounds adjustable)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {value!r} ({type(value).__name__})")
    v = float(value)
    lo_ok = v > 0 if low_open else v >= 0
    hi_ok = v < 1 if high_open else v <= 1
    if not (np.isfinite(v) and lo_ok and hi_ok):
        lo = "(0" if low_open else "[0"
        hi = "1)" if high_open else "1]"
        raise ValueError(f"{name} must lie in {lo}, {hi}, got {value}")
    return v


def check_bool(value: object, name: str) -> bool:
    """Check that ``value`` is ``True`` or ``False`` (numbers and other truthy objects are refused)."""
    if not isinstance(value, bool | np.bool_):
        raise TypeError(f"{name} must be True or False, got {value!r} ({type(value).__name__})")
    return bool(value)


def check_rng(seed: object, name: str = "seed") -> np.random.Generator:
    """A ``numpy.random.Generator`` from ``seed``: an int >= 0, a Generator (used as is) or None (fresh
    entropy from the operating system, so the run is not reproducible)."""
    if seed is None:
        return np.random.default_rng()
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(
            f"{name} must be an int >= 0, a numpy.random.Generator or None, "
            f"got {seed!r} ({type(seed).__name__})"
        )
    if seed < 0:
        raise ValueError(f"{name} must be an int >= 0, got {seed}")
    return np.random.default_rng(int(seed))


def check_name(name: object, valid: dict | tuple | list, what: str) -> str:
    """Check that ``name`` is one of ``valid`` (keys), with a message listing the valid names."""
    names = list(valid)
    if not isinstance(name, str):
        raise TypeError(f"{what} must be a string, one of {names}; got {name!r} ({type(name).__name__})")
    if name not in names:
        raise ValueError(f"unknown {what} {name!r}; valid names are {names}")
    return name
