"""Regression metrics with scikit-learn's semantics (``*_error``: lower is better; ``*_score``: higher).

They accept any finite values. Where squares or sums of the residuals would overflow
float64, they are computed on values divided by a power of two (which is exact) and
scaled back; a metric whose value itself exceeds float64 raises ``ValueError``.
"""

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
    r, scale = _residuals(y_true, y_pred)
    return _unscaled("mean_squared_error", float(np.mean(r * r)), scale, 2)


def root_mean_squared_error(y_true, y_pred) -> float:
    """Square root of :func:`mean_squared_error`, in the units of y.

    Examples
    --------
    >>> root_mean_squared_error([0.0, 0.0], [3.0, -3.0])
    3.0
    """
    r, scale = _residuals(y_true, y_pred)
    return _unscaled("root_mean_squared_error", math.sqrt(float(np.mean(r * r))), scale, 1)


def mean_absolute_error(y_true, y_pred) -> float:
    """Mean of the absolute residuals.

    Examples
    --------
    >>> mean_absolute_error([3.0, -0.5, 2.0, 7.0], [2.5, 0.0, 2.0, 8.0])
    0.5
    """
    r, scale = _residuals(y_true, y_pred)
    return _unscaled("mean_absolute_error", float(np.mean(np.abs(r))), scale, 1)


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
    r, res_scale = _residuals(y_true, y_pred)
    y_true = as_1d("y_true", y_true, limit=None)
    if y_true.shape[0] < 2:
        warnings.warn("R^2 score is not well-defined with less than two samples.", UndefinedMetricWarning, stacklevel=2)
        return float("nan")
    tot_scale = _power_of_two_scale(y_true)
    y_true = y_true / tot_scale
    ss_res = float(np.sum(r * r))
    ss_tot = float(np.sum((y_true - y_true.mean()) ** 2))
    if ss_tot == 0.0:
        if force_finite:
            return 1.0 if ss_res == 0.0 else 0.0
        return float("nan") if ss_res == 0.0 else -math.inf
    # ss_res and ss_tot were computed on values divided by res_scale and tot_scale.
    factor = res_scale / tot_scale
    ratio = ss_res / ss_tot * factor * factor  # Python floats: an overflow gives inf, not an exception
    if not math.isfinite(ratio):
        raise ValueError(
            "y_pred must be close enough to y_true for R² to be representable: "
            "the residual sum of squares over the total sum of squares overflows float64"
        )
    return 1.0 - ratio


mse = mean_squared_error
rmse = root_mean_squared_error
mae = mean_absolute_error


def _regression_scores(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    *,
    truth: tuple[float, float] | None = None,
    pred_scale: float | None = None,
    reuse_pred: bool = False,
) -> tuple[float, float, float, float]:
    """MSE, RMSE, MAE and R² of checked vectors of one length, from one vector of residuals.

    The same values as the four functions, operation for operation (``np.mean`` is
    ``np.sum`` divided by the count); R² is NaN, without a warning, below two samples.
    ``truth`` is :func:`_truth` of ``y_true`` and ``pred_scale`` is ``_power_of_two_scale(y_pred)``,
    when the caller has them (to score several predictions of one ``y_true``);
    ``reuse_pred`` lets the residuals overwrite ``y_pred``, which the caller no longer needs.
    The absolute residuals, then their squares, overwrite the residuals: one vector in all.
    """
    tot_scale, ss_tot = _truth(y_true) if truth is None else truth
    scale = max(tot_scale, _power_of_two_scale(y_pred) if pred_scale is None else pred_scale)
    if scale == 1.0:
        r = np.subtract(y_true, y_pred, out=y_pred if reuse_pred else None)
    else:
        r = y_true / scale - y_pred / scale
    n = r.shape[0]
    np.abs(r, out=r)
    mean_abs = float(np.mean(r))
    ss_res = float(np.sum(np.multiply(r, r, out=r)))  # |r|*|r| is r*r exactly
    mean_square = float(np.float64(ss_res) / n)
    mse = _unscaled("mean_squared_error", mean_square, scale, 2)
    rmse = _unscaled("root_mean_squared_error", math.sqrt(mean_square), scale, 1)
    mae = _unscaled("mean_absolute_error", mean_abs, scale, 1)
    if n < 2:
        return mse, rmse, mae, float("nan")
    if ss_tot == 0.0:
        return mse, rmse, mae, (1.0 if ss_res == 0.0 else 0.0)
    factor = scale / tot_scale
    ratio = ss_res / ss_tot * factor * factor
    if not math.isfinite(ratio):
        raise ValueError(
            "y_pred must be close enough to y_true for R² to be representable: "
            "the residual sum of squares over the total sum of squares overflows float64"
        )
    return mse, rmse, mae, 1.0 - ratio


def _truth(y_true: np.ndarray) -> tuple[float, float]:
    """What the scores need of ``y_true`` alone: its power-of-two scale and its total sum of squares,
    on values divided by that scale (NaN below two samples)."""
    tot_scale = _power_of_two_scale(y_true)
    if y_true.shape[0] < 2:
        return tot_scale, float("nan")
    y = y_true / tot_scale if tot_scale != 1.0 else y_true
    deviation = y - y.mean()
    return tot_scale, float(np.sum(np.multiply(deviation, deviation, out=deviation)))


SAFE_MAGNITUDE = 2.0**400
"""Values within ±SAFE_MAGNITUDE (about 2.6e120) are used as they are: sums of squares of their
differences stay far from overflow for any length. Larger values are divided by a power of two."""


def _residuals(y_true, y_pred) -> tuple[np.ndarray, float]:
    """``(y_true - y_pred) / scale`` and ``scale``: a power of two, 1.0 unless a value exceeds SAFE_MAGNITUDE."""
    y_true = as_1d("y_true", y_true, limit=None)
    y_pred = as_1d("y_pred", y_pred, limit=None)
    check_same_length(y_true, y_pred, ("y_true", "y_pred"))
    scale = max(_power_of_two_scale(y_true), _power_of_two_scale(y_pred))
    if scale == 1.0:
        return y_true - y_pred, scale
    return y_true / scale - y_pred / scale, scale


def _power_of_two_scale(values: np.ndarray) -> float:
    """1.0 if every value is within ±SAFE_MAGNITUDE, else a power of two within a factor 2 below ``max |values|``."""
    return _scale_of(float(np.min(values)), float(np.max(values)))


def _scale_of(low: float, high: float) -> float:
    """:func:`_power_of_two_scale` of values whose minimum and maximum are ``low`` and ``high``."""
    top = max(-low, high)  # max |values|, without a temporary
    return math.ldexp(1.0, math.frexp(top)[1] - 1) if top > SAFE_MAGNITUDE else 1.0


def _unscaled(metric: str, value: float, scale: float, power: int) -> float:
    """``value * scale**power``, or ``ValueError`` if that overflows float64."""
    if scale == 1.0:
        return value
    out = value
    for _ in range(power):
        out *= scale  # Python floats: an overflow gives inf, not an exception
    if not math.isfinite(out):
        raise ValueError(
            f"{metric} is too large for float64: y_true and y_pred differ by up to about {scale:.3g}; rescale them"
        )
    return out
