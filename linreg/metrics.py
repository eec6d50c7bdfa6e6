"""Regression metrics with scikit-learn's semantics (``*_error``: lower is better; ``*_score``: higher)."""

from __future__ import annotations

import math
import warnings

import numpy as np

from linreg._validation import as_1d, check_same_length


class UndefinedMetricWarning(UserWarning):
    """A metric is not defined for the input, as with R² on fewer than two samples."""


def mean_squared_error(y_true, y_pred) -> float:
    """Mean of the squared residuals.

    Examples
    --------
    >>> mean_squared_error([3.0, -0.5, 2.0, 7.0], [2.5, 0.0, 2.0, 8.0])
    0.375
    """
    r = _residuals(y_true, y_pred)
    return float(np.mean(r * r))


def root_mean_squared_error(y_true, y_pred) -> float:
    """Square root of :func:`mean_squared_error`, in the units of y.

    Examples
    --------
    >>> root_mean_squared_error([0.0, 0.0], [3.0, -3.0])
    3.0
    """
    return math.sqrt(mean_squared_error(y_true, y_pred))


def mean_absolute_error(y_true, y_pred) -> float:
    """Mean of the absolute residuals.

    Examples
    --------
    >>> mean_absolute_error([3.0, -0.5, 2.0, 7.0], [2.5, 0.0, 2.0, 8.0])
    0.5
    """
    return float(np.mean(np.abs(_residuals(y_true, y_pred))))


def r2_score(y_true, y_pred, *, force_finite: bool = True) -> float:
    """Coefficient of determination, ``1 - SS_res / SS_tot``.

    Edge cases follow scikit-learn: with fewer than two samples R² is not
    defined, so an :class:`UndefinedMetricWarning` is emitted and NaN returned.
    With a constant ``y_true`` (``SS_tot = 0``) the score is 1.0 for a perfect
    prediction and 0.0 otherwise; with ``force_finite=False`` it is NaN or -inf.

    Examples
    --------
    >>> r2_score([3.0, -0.5, 2.0, 7.0], [2.5, 0.0, 2.0, 8.0])
    0.9486081370449679
    >>> r2_score([1.0, 1.0], [1.0, 2.0])
    0.0
    """
    r = _residuals(y_true, y_pred)
    y_true = np.asarray(y_true, dtype=np.float64)
    if y_true.shape[0] < 2:
        warnings.warn("R^2 score is not well-defined with less than two samples.", UndefinedMetricWarning, stacklevel=2)
        return float("nan")
    ss_res = float(np.sum(r * r))
    ss_tot = float(np.sum((y_true - y_true.mean()) ** 2))
    if ss_tot == 0.0:
        if force_finite:
            return 1.0 if ss_res == 0.0 else 0.0
        return float("nan") if ss_res == 0.0 else -math.inf
    return 1.0 - ss_res / ss_tot


mse = mean_squared_error
rmse = root_mean_squared_error
mae = mean_absolute_error


def _residuals(y_true, y_pred) -> np.ndarray:
    y_true = as_1d("y_true", y_true)
    y_pred = as_1d("y_pred", y_pred)
    check_same_length(y_true, y_pred, ("y_true", "y_pred"))
    return y_true - y_pred
