"""Input checks shared by the public entry points, and the float64 limits they enforce.

Every check raises ``ValueError`` naming the input, the rule and the value received.
"""

from __future__ import annotations

import math
import numbers
import weakref

import numpy as np

MAX_MAGNITUDE = 1e150
"""The largest ``|value|`` accepted for data (X, y, w_init) and for the settings that make it.

The loss squares residuals such as ``y - X @ w``. With every value within ±1e150 a
residual stays within ±2e150, its square within 4e300 and a mean of squares finite:
float64 overflows at 1.8e308, whose square root is 1.3e154. The Hessian's entries,
means of ``x * x`` and ``x * y``, stay within 1e300 for the same reason.
"""

MIN_SPREAD = 1e-150
"""The smallest range ``max(x) - min(x)`` that can be standardized or drawn by make_synthetic.

Squares of deviations below about 1.5e-154 fall under float64's smallest normal number,
2.2e-308, and lose their precision or vanish, so the variance of a narrower spread is
rounding noise or zero, and standardizing would divide by it.
"""


def check_int(name: str, value, *, low: int | None = None, high: int | None = None) -> int:
    """Return ``value`` as an int, or raise if it is not an integer within [low, high]."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    value = int(value)
    if low is not None and value < low:
        raise ValueError(f"{name} must be >= {low}, got {show(value)}")
    if high is not None and value > high:
        raise ValueError(f"{name} must be <= {high:,}, got {show(value)}")
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
    try:
        number = float(value)
    except OverflowError:  # an int or a Fraction beyond float64
        raise ValueError(f"{name} must be finite, got {show(value)}, which overflows float64") from None
    if not math.isfinite(number):
        raise ValueError(f"{name} must be finite, got {number!r}")
    if low is not None and (number <= low if low_open else number < low):
        raise ValueError(f"{name} must be {'>' if low_open else '>='} {low}, got {number!r}")
    if high is not None and (number >= high if high_open else number > high):
        raise ValueError(f"{name} must be {'<' if high_open else '<='} {high}, got {number!r}")
    return number


def as_1d(name: str, values, *, min_len: int = 1, limit: float | None = MAX_MAGNITUDE) -> np.ndarray:
    """Return a finite float64 vector within ±limit, or raise on a wrong shape, length or value."""
    arr = _as_float_array(name, values)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-dimensional, got shape {arr.shape}")
    _check_values(name, arr, min_len, limit)
    return arr


def as_2d(name: str, values, *, min_len: int = 1, limit: float | None = MAX_MAGNITUDE) -> np.ndarray:
    """Return features as a finite float64 matrix of shape (m, d) within ±limit; a vector becomes (m, 1)."""
    arr = _as_float_array(name, values)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[1] < 1:
        raise ValueError(f"{name} must have shape (m,) or (m, d) with d >= 1, got shape {arr.shape}")
    _check_values(name, arr, min_len, limit)
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


def show(value) -> str:
    """``repr(value)``, except that an integer too long to print well is described by its length."""
    if not isinstance(value, numbers.Integral) or abs(int(value)) < 10**30:
        return repr(value)
    size = abs(int(value))
    kind = "a negative integer" if value < 0 else "an integer"
    if size.bit_length() < 10_000:  # str() refuses integers of more than 4,300 digits
        return f"{kind} of {len(str(size)):,} digits"
    return f"{kind} of about {int(size.bit_length() * math.log10(2)) + 1:,} digits"


def peak(arr: np.ndarray) -> float:
    """The entry of largest magnitude (NaN if there is one), with its sign."""
    flat = np.ravel(arr)
    if flat.size == 0:
        return 0.0
    with np.errstate(invalid="ignore"):
        return float(flat[np.argmax(np.where(np.isnan(flat), np.inf, np.abs(flat)))])


def _as_float_array(name: str, values) -> np.ndarray:
    try:
        raw = np.asarray(values)
        if raw.dtype.kind == "c":
            raise ValueError(f"{name} must be real, got complex values")
        with np.errstate(over="ignore"):  # a longdouble beyond float64 becomes inf, rejected below
            return raw.astype(np.float64, copy=False)
    except OverflowError:
        raise ValueError(f"{name} must be finite, got an integer too large for float64") from None
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric, got {type(values).__name__}: {exc}") from None


_CHECKED: weakref.WeakValueDictionary[int, np.ndarray] = weakref.WeakValueDictionary()


def checked(arr: np.ndarray) -> np.ndarray:
    """Note that the read-only float64 ``arr`` is finite and within ±MAX_MAGNITUDE, and return it.

    :func:`as_1d` and :func:`as_2d` then pass it without reading its values again: a
    table's selection, checked when it was made, is not read twice more by the
    :class:`~linreg.Dataset` built from it (two passes over 80 MB on a 1,000,000-row
    table). Only the very object is trusted, while it lives, and only a read-only one,
    which no one changes through it.
    """
    if arr.dtype != np.float64 or arr.flags.writeable:
        raise ValueError("only a read-only float64 array can be marked as checked")
    _CHECKED[id(arr)] = arr
    return arr


def _check_values(name: str, arr: np.ndarray, min_len: int, limit: float | None) -> None:
    if arr.shape[0] < min_len:
        raise ValueError(f"{name} must hold at least {min_len} sample(s), got {arr.shape[0]}")
    if arr.size and limit in (MAX_MAGNITUDE, None) and _CHECKED.get(id(arr)) is arr:
        return
    if arr.size and _within(arr, limit):
        return
    if not np.all(np.isfinite(arr)):
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(f"{name} must be finite, got {bad} NaN or infinite value(s)")
    if limit is not None and arr.size and not np.max(np.abs(arr)) <= limit:
        raise ValueError(f"{name} must be within ±{limit:g}, got {peak(arr)!r}")


def _within(arr: np.ndarray, limit: float | None) -> bool:
    """True if every value is finite and within ±limit: the common case, in two passes and no temporary.

    ``min`` and ``max`` propagate NaN, and an infinity is its own extreme, so both are
    finite exactly when every value is. Otherwise the caller looks closer, for its message.
    """
    with np.errstate(invalid="ignore"):
        lo, hi = float(np.min(arr)), float(np.max(arr))
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return False
    return limit is None or max(-lo, hi) <= limit


def check_names(name: str, names, count: int) -> tuple[str, ...]:
    """``names`` as a tuple of ``count`` distinct non-empty strings, or default ones (``x``, or ``x1`` .. ``xd``)."""
    if names is None:
        return ("x",) if count == 1 else tuple(f"x{j + 1}" for j in range(count))
    if isinstance(names, str) or not all(isinstance(n, str) for n in names):
        raise ValueError(f"{name} must be a sequence of strings, got {names!r}")
    names = tuple(names)
    if len(names) != count:
        raise ValueError(f"{name} must name each of the {count} column(s), got {len(names)} name(s)")
    empty = [j for j, n in enumerate(names) if not n.strip()]
    if empty:
        raise ValueError(f"{name} must not be empty or blank, got {names[empty[0]]!r} for column {empty[0]}")
    seen: set[str] = set()
    for n in names:
        if n in seen:
            raise ValueError(f"{name} must be distinct, got {n!r} twice")
        seen.add(n)
    return names
