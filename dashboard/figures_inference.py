"""Plotly figures of the least-squares inference: pure functions from linreg results to ``go.Figure``.

:func:`qq_figure` plots the OLS training residuals against the normal distribution;
:func:`fit_with_bands` adds the confidence and prediction bands to the one-feature fit
chart. Arrays go out as float32 with every non-finite value dropped, as in
:mod:`dashboard.figures`; names are HTML-escaped, because Plotly renders HTML in text.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from dashboard.figures import (
    COLORS,
    LEGEND,
    MARGIN,
    MAX_SCATTER_POINTS,
    OLS_NAME,
    WEBGL_THRESHOLD,
    compact,
    finite_xy,
    fit_figure,
    note,
    sample_indices,
    x_span,
)
from dashboard.figures_multi import predicted_vs_actual
from linreg import Experiment
from linreg.inference import OLSInference

GRID_POINTS = 200
QQ_NAME = "Standardized residuals"
LINE_NAME = "y = x (normal residuals)"
# The OLS green, translucent: the wide prediction band under the narrower confidence band.
BAND_FILL = {"confidence": "rgba(44, 160, 44, 0.40)", "prediction": "rgba(44, 160, 44, 0.15)"}


def level_label(level: float) -> str:
    """``0.95`` as ``"95%"``; ``0.995`` as ``"99.5%"``.

    Examples
    --------
    >>> level_label(0.95), level_label(0.995)
    ('95%', '99.5%')
    """
    return f"{100 * level:.10g}%"


def qq_points(resid, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """(theoretical normal quantiles, sorted standardized residuals), both float64 of shape (n,).

    The i-th smallest of ``resid / sqrt(scale)`` is paired with ``norm.ppf((i - 0.5) / n)``.
    Without a positive finite ``scale`` (no residual degrees of freedom, an exact fit)
    there is nothing to standardize by and both arrays are empty.
    """
    from scipy import stats

    resid = np.asarray(resid, dtype=np.float64)
    n = resid.shape[0]
    if n == 0 or not np.isfinite(scale) or scale <= 0:
        return np.empty(0), np.empty(0)
    sample = np.sort(resid / np.sqrt(scale))
    theory = stats.norm.ppf((np.arange(1, n + 1) - 0.5) / n)
    return theory, sample


def qq_figure(inf: OLSInference, max_points: int = MAX_SCATTER_POINTS) -> go.Figure:
    """The normal Q–Q plot of the OLS training residuals, standardized by σ̂, with the 45° line.

    Past ``max_points`` residuals an evenly strided sample of the sorted points is drawn;
    it keeps both tails' extremes.
    """
    theory, sample = qq_points(inf.resid, inf.scale)
    idx = sample_indices(len(theory), max_points)
    xs, ys = finite_xy(theory[idx], sample[idx])
    name = QQ_NAME if len(idx) == len(theory) else f"{QQ_NAME} ({len(idx):,} of {len(theory):,} shown)"
    trace = go.Scattergl if len(xs) > WEBGL_THRESHOLD else go.Scatter
    traces = [
        trace(
            x=compact(xs),
            y=compact(ys),
            mode="markers",
            name=name,
            marker={"color": COLORS["Test data"], "size": 5},
            hovertemplate="normal quantile %{x:.3f}<br>standardized residual %{y:.3f}<extra></extra>",
        )
    ]
    if len(xs):
        lo = float(min(xs.min(), ys.min()))
        hi = float(max(xs.max(), ys.max()))
        ends = np.array([lo, hi], dtype=np.float32)
        traces.append(
            go.Scatter(
                x=compact(ends),
                y=compact(ends),
                mode="lines",
                name=LINE_NAME,
                line={"color": COLORS[OLS_NAME], "dash": "dash", "width": 2},
                hoverinfo="skip",
            )
        )
    fig = go.Figure(traces)
    fig.update_layout(
        title="Normal Q–Q plot of the training residuals (OLS)",
        xaxis_title="theoretical normal quantile",
        yaxis_title="standardized residual (residual / σ̂)",
        legend=LEGEND,
        margin=MARGIN,
    )
    if not len(xs):
        note(fig, "No Q–Q plot: σ̂ is undefined or zero (no residual degrees of freedom, or an exact fit).", y=0.5)
    return fig


def band_grid(exp: Experiment, points: int = GRID_POINTS) -> np.ndarray:
    """``points`` evenly spaced values of the one feature across the fit chart's x range (float64)."""
    lo, hi = x_span(exp)
    return np.linspace(lo, hi, points)


def fit_with_bands(exp: Experiment, inf: OLSInference, level: float = 0.95, *, show_train: bool = False) -> go.Figure:
    """The one-feature fit chart with the OLS confidence band (the mean) and prediction band (a new observation).

    ``inf`` is the inference of ``exp``'s training split (:func:`linreg.inference.from_experiment`),
    under whichever covariance the page chose; ``level`` is the coverage in (0, 1);
    ``show_train`` is :func:`dashboard.figures.fit_figure`'s.
    Each band is one closed, filled polygon over :data:`GRID_POINTS` x values; the bands
    go under the points and lines. Where a bound is not finite (no residual degrees of
    freedom) the band is left out and the chart says so.
    """
    if exp.dataset.d != 1:
        raise ValueError(f"bands need a one-feature fit, this one has {exp.dataset.d} features")
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level!r}")
    grid = band_grid(exp)
    pred = inf.predict(grid[:, None], alpha=1 - level)
    fig = fit_figure(exp, show_train=show_train)
    text = level_label(level)
    bands = []
    for kind, lower, upper in (
        ("prediction", pred.obs_ci_lower, pred.obs_ci_upper),
        ("confidence", pred.mean_ci_lower, pred.mean_ci_upper),
    ):
        band = band_trace(grid, lower, upper, f"{text} {kind} band", BAND_FILL[kind])
        if band is not None:
            bands.append(band)
    if bands:
        k = len(fig.data)
        fig.add_traces(bands)
        fig.data = fig.data[k:] + fig.data[:k]  # a permutation, as Plotly requires
    if len(bands) < 2:
        note(fig, "No bands: without residual degrees of freedom σ̂ is undefined.", y=0.95)
    fig.update_layout(title=f"The fit on the test data, with the OLS {text} bands")
    return fig


def predicted_with_intervals(exp: Experiment, inf: OLSInference, level: float = 0.95) -> go.Figure:
    """Predicted vs actual on the test data with each OLS prediction's interval as an error bar.

    The bar is the prediction interval for a new observation at that test point, at
    ``level``, under ``inf``'s covariance. A note counts the test points whose actual value
    lies inside their interval, which should be close to ``level`` when the model holds.
    Without residual degrees of freedom the intervals are undefined: no bars, and the note says so.
    """
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level!r}")
    s = exp.split
    pred = inf.predict(s.X_test, alpha=1 - level)
    half = np.asarray(pred.obs_ci_upper, dtype=np.float64) - np.asarray(pred.mean, dtype=np.float64)
    text = level_label(level)
    with np.errstate(invalid="ignore"):
        usable = bool(len(half)) and bool(np.all(np.isfinite(half) & (half >= 0)))
    if not usable:
        fig = predicted_vs_actual(exp)
        message = "No intervals: without residual degrees of freedom σ̂ is undefined."
    else:
        fig = predicted_vs_actual(exp, ols_intervals=half, ols_name=f"{OLS_NAME}, {text} prediction interval")
        inside = int(np.sum(np.abs(np.asarray(s.y_test) - pred.mean) <= half))
        m = len(half)
        message = f"{inside:,} of {m:,} test points ({inside / m:.1%}) lie inside their {text} prediction interval"
    note(fig, message, x=0.0, y=1.0, xanchor="left")
    fig.update_layout(title=f"Predicted vs actual on the test data, with OLS's {text} prediction intervals")
    return fig


def band_trace(x, lower, upper, name: str, fill: str) -> go.Scatter | None:
    """The area between ``lower`` and ``upper`` over ``x`` as one closed polygon; None if no point is finite.

    The polygon runs along the upper bound left to right, then back along the lower one.
    """
    x, lower, upper = (np.asarray(a, dtype=np.float64) for a in (x, lower, upper))
    big = np.finfo(np.float32).max
    with np.errstate(invalid="ignore"):
        keep = np.isfinite(lower) & np.isfinite(upper) & (np.abs(lower) < big) & (np.abs(upper) < big)
    if not keep.any():
        return None
    x, lower, upper = x[keep], lower[keep], upper[keep]
    xs, ys = finite_xy(np.concatenate([x, x[::-1]]), np.concatenate([upper, lower[::-1]]))
    return go.Scatter(
        x=xs,
        y=ys,
        mode="lines",
        fill="toself",
        fillcolor=fill,
        line={"width": 0, "color": fill},
        name=name,
        hoverinfo="skip",
    )
