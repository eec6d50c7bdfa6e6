"""Input checks shared by the public entry points.

Every check raises ``ValueError`` naming the rule and the value received.
"""

from __future__ import annotations

import math
import numbers

import numpy as np


def check_int(name: str, value, *, low: int | None = None, high: int | None = None) -> int:
    """Return ``value`` as an int, or raise if it is not an integer within [low, high]."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    value = int(value)
    if low is not None and value < low:
        raise ValueError(f"{name} must be >= {low}, got {value!r}")
    if high is not None and value > high:
        raise ValueError(f"{name} must be <= {high:,}, got {value!r}")
    return value


def check_float(
    name: str,
    value,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """Return ``value`` as a finite float, or raise if it is outside the given bounds."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a real number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if low is not None and (value <= low if low_open else value < low):
        raise ValueError(f"{name} must be {'>' if low_open else '>='} {low}, got {value!r}")
    if high is not None and (value >= high if high_open else value > high):
        raise ValueError(f"{name} must be {'<' if high_open else '<='} {high}, got {value!r}")
    return value


def as_1d(name: str, values, *, min_len: int = 1) -> np.ndarray:
    """Return a finite float64 vector, or raise on a wrong shape, length or value."""
    arr = _as_float_array(name, values)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-dimensional, got shape {arr.shape}")
    _check_len_and_finite(name, arr, min_len)
    return arr


def as_2d(name: str, values, *, min_len: int = 1) -> np.ndarray:
    """Return features as a finite float64 matrix of shape (m, d); a vector becomes (m, 1)."""
    arr = _as_float_array(name, values)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[1] < 1:
        raise ValueError(f"{name} must have shape (m,) or (m, d) with d >= 1, got shape {arr.shape}")
    _check_len_and_finite(name, arr, min_len)
    return arr


def check_same_length(x: np.ndarray, y: np.ndarray, names: tuple[str, str] = ("X", "y")) -> None:
    """Raise unless ``x`` and ``y`` hold the same number of samples."""
    if x.shape[0] != y.shape[0]:
        raise ValueError(
            f"{names[0]} and {names[1]} must have the same number of samples, got {x.shape[0]} and {y.shape[0]}"
        )


def readonly(arr) -> np.ndarray:
    """Return a read-only float64 copy-free view of ``arr``."""
    out = np.asarray(arr)
    out = out.view()
    out.flags.writeable = False
    return out


def _as_float_array(name: str, values) -> np.ndarray:
    try:
        return np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric, got {type(values).__name__}: {exc}") from None


def _check_len_and_finite(name: str, arr: np.ndarray, min_len: int) -> None:
    if arr.shape[0] < min_len:
        raise ValueError(f"{name} must hold at least {min_len} sample(s), got {arr.shape[0]}")
    if not np.all(np.isfinite(arr)):
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(f"{name} must be finite, got {bad} NaN or infinite value(s)")
