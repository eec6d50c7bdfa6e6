"""Plotly figures of a repeated experiment: histograms of the estimates with the normal curves their maps predict.

Pure functions from :class:`linreg.repeat.Repeats` to ``go.Figure``. The estimates are
binned here, on the server: a chart carries at most MAX_BINS bars and CURVE_POINTS
points per curve, whatever K is. Those few arrays go out as float64, so that GD's bars
and OLS's compare exactly once GD has converged. Names are HTML-escaped, because Plotly
renders HTML in text.
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboard.figures import COLORS, GD_NAME, LEGEND, MARGIN, OLS_NAME, TRUE_NAME, label
from linreg.ols import INTERCEPT_NAME
from linreg.repeat import Estimates, Repeats

MIN_BINS, MAX_BINS = 5, 50
CURVE_POINTS = 200
OLS_BARS = "OLS estimates"
GD_BARS = "GD estimates"
OLS_CURVE = "Normal from the standard error: N(θ, σ²(XᵀX)⁻¹)"
GD_CURVE = "Normal from GD's linear map"
TRUE_LINE = "True value"


def coefficient_label(name: str, n_features: int = 1) -> str:
    """The article's name of a coefficient (``slope w_1``, ``intercept w_2``) for one feature, else its own, escaped.

    Examples
    --------
    >>> coefficient_label("x"), coefficient_label("(intercept)"), coefficient_label("<b>", 2)
    ('slope w_1', 'intercept w_2', 'weight of &lt;b&gt;')
    """
    if name == INTERCEPT_NAME:
        return "intercept w_2" if n_features == 1 else "intercept"
    return "slope w_1" if n_features == 1 else f"weight of {label(name)}"


def bin_count(k: int) -> int:
    """Rice's rule, ``2 K^(1/3)``, within [MIN_BINS, MAX_BINS]: 20 bins for 1,000 repeats.

    Examples
    --------
    >>> bin_count(10), bin_count(1000), bin_count(2000)
    (5, 20, 26)
    """
    return int(min(MAX_BINS, max(MIN_BINS, math.ceil(2 * k ** (1 / 3)))))


def histogram(values: np.ndarray, bins: int) -> tuple[np.ndarray, np.ndarray, float]:
    """(bin centres, density, bin width) of ``values`` over their own range; the density integrates to 1.

    A range too narrow for float64 to split into ``bins`` (every value the same) is widened
    around its centre, so that the single bar stays finite and visible.
    """
    values = np.asarray(values, dtype=np.float64)
    lo, hi = float(values.min()), float(values.max())
    floor = 1e-9 * max(abs(lo), abs(hi), 1e-300)
    if hi - lo < floor:
        mid = (lo + hi) / 2
        lo, hi = mid - floor / 2, mid + floor / 2
    counts, edges = np.histogram(values, bins=bins, range=(lo, hi))
    width = float(edges[1] - edges[0])
    return (edges[:-1] + edges[1:]) / 2, counts / (values.shape[0] * width), width


def normal_curve(mean: float, sd: float, lo: float, hi: float) -> tuple[np.ndarray, np.ndarray]:
    """CURVE_POINTS points of the N(mean, sd²) density across [lo, hi] widened to mean ± 4 sd."""
    lo, hi = min(lo, mean - 4 * sd), max(hi, mean + 4 * sd)
    x = np.linspace(lo, hi, CURVE_POINTS)
    if sd <= 0:
        return x, np.zeros_like(x)
    return x, np.exp(-0.5 * ((x - mean) / sd) ** 2) / (sd * math.sqrt(2 * math.pi))


def repeat_figure(r: Repeats, i: int, *, n_features: int = 1) -> go.Figure:
    """The estimates of coefficient ``i`` over the repeats: OLS above, GD below on the same x axis.

    Each row has the histogram (a density), the normal curve its linear map predicts and
    the true value. Without GD (a diverged run) there is one row.
    """
    label = coefficient_label(r.names[i], n_features)
    rows = [(OLS_NAME, OLS_BARS, OLS_CURVE, r.ols)]
    if r.gd is not None:
        rows.append((f"{GD_NAME} after {r.gd_iters:,} iterations", GD_BARS, GD_CURVE, r.gd))
    fig = make_subplots(
        rows=len(rows),
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.12,
        subplot_titles=[title for title, *_ in rows],
    )
    bins = bin_count(r.k)
    truth = float(r.true_theta[i])
    for row, (_, bars, curve, est) in enumerate(rows, start=1):
        for trace in _row_traces(est, i, bins, truth, bars, curve, label, show_truth=row == 1):
            fig.add_trace(trace, row=row, col=1)
        fig.update_yaxes(title_text="density", row=row, col=1)
    fig.update_xaxes(title_text=f"estimate of the {label}", row=len(rows), col=1)
    fig.update_layout(
        title=f"The {label} over {r.k:,} repeats",
        barmode="overlay",
        bargap=0.02,
        legend=LEGEND,
        margin=MARGIN,
    )
    return fig


def _row_traces(est: Estimates, i: int, bins: int, truth: float, bars: str, curve: str, label: str, *, show_truth):
    """The histogram, the predicted normal curve and the true value's line of one estimator."""
    centres, density, width = histogram(est.theta[:, i], bins)
    mean, sd = float(est.mean[i]), float(est.sd[i])
    cx, cy = normal_curve(mean, sd, centres[0] - width / 2, centres[-1] + width / 2)
    top = 1.05 * max(float(density.max()), float(cy.max()))
    color = COLORS[OLS_NAME if bars == OLS_BARS else GD_NAME]
    return [
        go.Bar(
            x=centres,
            y=density,
            width=width,
            name=bars,
            marker={"color": color},
            opacity=0.55,
            hovertemplate=f"{label} %{{x:.4g}}<br>density %{{y:.4g}}<extra>{bars}</extra>",
        ),
        go.Scatter(
            x=cx,
            y=cy,
            mode="lines",
            name=curve,
            line={"color": color, "width": 2},
            hovertemplate=f"mean {mean:.4g}, sd {sd:.3g}<extra>{curve}</extra>",
        ),
        go.Scatter(
            x=[truth, truth],
            y=[0.0, top],
            mode="lines",
            name=f"{TRUE_LINE}: {truth:.4g}",
            legendgroup=TRUE_LINE,
            showlegend=show_truth,
            line={"color": COLORS[TRUE_NAME], "dash": "dash", "width": 2},
            hoverinfo="skip",
        ),
    ]
