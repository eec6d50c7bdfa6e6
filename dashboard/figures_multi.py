"""Plotly figures of an experiment with any number of features: pure functions from linreg results to ``go.Figure``.

They work for one feature too, and follow :mod:`dashboard.figures`: legends under the
figure, bounded payloads (point clouds strided to MAX_SCATTER_POINTS in float32, WebGL
past WEBGL_THRESHOLD), non-finite values dropped. Coefficients go out in float64: there
are at most a few hundred of them, and a diverged run's weights can pass float32's range.

Feature and target names come from users' files, and Plotly renders some HTML in titles,
tick labels, legends and hover text: every name goes through :func:`label` first.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import plotly.graph_objects as go

from dashboard.figures import (
    COLORS,
    F32_MAX,
    GD_NAME,
    LEGEND,
    MARGIN,
    MAX_SCATTER_POINTS,
    OLS_NAME,
    REPLAY_HEIGHT,
    REPLAY_NAME,
    TEST_NAME,
    TRAIN_NAME,
    TRUE_NAME,
    WEBGL_THRESHOLD,
    assemble,
    compact,
    finite_rows,
    finite_xy,
    label,
    loss_axes,
    loss_spec,
    marker_spec,
    note,
    replay_layout,
    sample_indices,
    subplot_grid,
    title_dict,
)
from linreg import Experiment

INTERCEPT_LABEL = "(intercept)"
TRUE_COEF_NAME = "True coefficients"
BAND_FILL = "rgba(127, 127, 127, 0.18)"
# A figure whose frame would span more than this many times the data's own span frames the data instead.
_RUNAWAY = 10.0


# --- helpers ------------------------------------------------------------------------------------------------


def _predict(X: np.ndarray, w: np.ndarray, b: float) -> np.ndarray:
    """``X @ w + b`` with overflow left to :func:`~dashboard.figures.finite_rows` to drop, not warned about."""
    with np.errstate(all="ignore"):
        return X @ np.asarray(w, dtype=np.float64) + float(b)


def _markers(
    x: np.ndarray,
    y: np.ndarray,
    name: str,
    color: str,
    *,
    total: int | None = None,
    symbol: str = "circle",
    error: np.ndarray | None = None,
    **kwargs,
) -> dict:
    """Points already sampled from ``total`` rows; pairs with a non-finite value are dropped, float32 out.

    Like :func:`dashboard.figures.scatter`, but with the colour given, so any name will do; a
    trace dict (``scatter`` or ``scattergl``) for :func:`~dashboard.figures.assemble`.
    """
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    keep = finite_rows(x, y) if error is None else finite_rows(x, y, error)
    xs, ys = finite_xy(x[keep], y[keep])
    total = len(x) if total is None else total
    shown = f"{name} ({len(x):,} of {total:,} shown)" if len(x) < total else name
    if error is not None:
        kwargs["error_y"] = {
            "array": compact(np.asarray(error, dtype=np.float64)[keep].astype(np.float32)),
            "color": color,
            "thickness": 1,
            "type": "data",
            "width": 0,
        }
    return {
        "type": "scattergl" if len(xs) > WEBGL_THRESHOLD else "scatter",
        "x": compact(xs),
        "y": compact(ys),
        "mode": "markers",
        "name": shown,
        "marker": {"color": color, "size": 5 if symbol == "circle" else 6, "symbol": symbol},
        **kwargs,
    }


def _span(values: np.ndarray) -> tuple[float, float] | None:
    values = np.asarray(values, dtype=np.float64)
    values = values[np.isfinite(values)]
    return (float(values.min()), float(values.max())) if values.size else None


def _padded(lo: float, hi: float, pad: float = 0.05) -> list[float]:
    span = hi - lo if hi > lo else max(abs(hi), 1.0)
    return [lo - pad * span, hi + pad * span]


def _frame(data: np.ndarray, extra: np.ndarray) -> tuple[tuple[float, float], bool]:
    """The range to show: ``data`` and ``extra`` together, or ``data`` alone if ``extra`` runs far past it.

    The flag says whether ``extra`` was left out.
    """
    base = _span(data) or (0.0, 1.0)
    both = _span(np.concatenate([np.asarray(data, dtype=np.float64), np.asarray(extra, dtype=np.float64)])) or base
    width = max(base[1] - base[0], abs(base[1]), 1e-300)
    if both[1] - both[0] > _RUNAWAY * width:
        return base, True
    return both, False


def _target(exp: Experiment) -> str:
    return label(exp.dataset.target_name)


# --- predicted vs actual ------------------------------------------------------------------------------------


def predicted_vs_actual(exp: Experiment, *, intervals=None, ols_intervals=None, ols_name: str = OLS_NAME) -> go.Figure:
    """GD's predictions on the test data against the actual values, OLS's as open markers, and the line y = x.

    Both axes show the same range, at the same scale, so a perfect model puts every point
    on the diagonal. A diverged GD whose predictions run far past the data is left off
    the frame, with a note saying how many points that hides.

    ``intervals`` adds prediction intervals:

    * a float in (0, 1), a coverage level: the band y = x ± z·RMSE, with z the normal
      quantile and RMSE gradient descent's on the training data. A point lies inside
      the band exactly when its interval ŷ ± z·RMSE covers the actual value (Gaussian
      noise, parameter uncertainty ignored).
    * an array of shape (m_test,): each test point's half-width, drawn as error bars on
      GD's predictions.

    ``ols_intervals``, an array of shape (m_test,), draws each half-width as an error bar
    on least squares' prediction instead (for OLS's own intervals), and ``ols_name``
    names those markers in the legend.
    """
    s, fit, lsq = exp.split, exp.fit, exp.ols
    m = len(s.y_test)
    idx = sample_indices(m, MAX_SCATTER_POINTS)
    X, y = s.X_test[idx], s.y_test[idx]
    gd, ls = _predict(X, fit.weights, fit.bias), _predict(X, lsq.weights, lsq.bias)
    level, half = _intervals(intervals, m, exp)
    error = None if half is None else half[idx]
    ols_error = None if ols_intervals is None else _intervals(ols_intervals, m, exp)[1][idx]

    frame, hidden = _frame(np.concatenate([y[finite_rows(y)], ls[finite_rows(ls)]]), gd[finite_rows(gd)])
    lo, hi = frame
    traces = [
        _markers(
            y,
            ls,
            ols_name,
            COLORS[OLS_NAME],
            total=m,
            symbol="circle-open",
            error=ols_error,
            hovertemplate="actual %{x:.6g}<br>predicted %{y:.6g}<extra>OLS</extra>",
        ),
        _markers(
            y,
            gd,
            GD_NAME,
            COLORS[GD_NAME],
            total=m,
            error=error,
            hovertemplate="actual %{x:.6g}<br>predicted %{y:.6g}<extra>gradient descent</extra>",
        ),
    ]
    diagonal = finite_xy([lo, hi], [lo, hi])
    traces.append(
        {
            "type": "scatter",
            "x": compact(diagonal[0]),
            "y": compact(diagonal[1]),
            "mode": "lines",
            "name": "Perfect prediction: y = x",
            "line": {"color": COLORS[TRUE_NAME], "dash": "dot"},
            "hoverinfo": "skip",
        }
    )
    if level is not None:
        traces = _band(lo, hi, level, exp.train.rmse) + traces
    target = _target(exp)
    rng = _padded(lo, hi, 0.03)
    layout = {
        "xaxis": {"title": title_dict(f"actual {target}"), "range": rng, "constrain": "domain"},
        "yaxis": {
            "title": title_dict(f"predicted {target}"),
            "range": list(rng),
            "scaleanchor": "x",
            "scaleratio": 1,
            "constrain": "domain",
        },
        "legend": dict(LEGEND),
        "margin": dict(MARGIN),
        "title": title_dict("Predicted vs actual on the test data"),
    }
    fig = assemble(traces, layout)
    if hidden:
        off = int(np.sum(finite_rows(gd) & ((gd < rng[0]) | (gd > rng[1]))))
        note(fig, f"{off:,} gradient-descent predictions lie off the chart: the run diverged")
    return fig


def _intervals(intervals, m: int, exp: Experiment) -> tuple[float | None, np.ndarray | None]:
    """(coverage level, None), (None, half-widths) or (None, None); ValueError for anything else."""
    if intervals is None:
        return None, None
    if np.ndim(intervals) == 0:
        level = float(intervals)
        if not 0.0 < level < 1.0:
            raise ValueError(f"intervals must be a coverage level in (0, 1) or m_test half-widths, got {intervals!r}")
        return level, None
    half = np.asarray(intervals, dtype=np.float64)
    if half.shape != (m,):
        raise ValueError(f"intervals must hold one half-width per test point, shape ({m},), got shape {half.shape}")
    if not np.all(np.isfinite(half) & (half >= 0)):
        raise ValueError("intervals must be finite half-widths of at least 0")
    return None, half


def _band(lo: float, hi: float, level: float, rmse: float) -> list[dict]:
    """The band y = x ± z·rmse across [lo, hi], filled between its edges: two trace dicts."""
    z = NormalDist().inv_cdf(0.5 + level / 2)
    h = z * rmse
    xs = np.array([lo, hi])
    lower, upper = finite_xy(xs, xs - h), finite_xy(xs, xs + h)
    return [
        {
            "type": "scatter",
            "x": compact(lower[0]),
            "y": compact(lower[1]),
            "mode": "lines",
            "line": {"color": BAND_FILL, "width": 0},
            "showlegend": False,
            "legendgroup": "band",
            "hoverinfo": "skip",
        },
        {
            "type": "scatter",
            "x": compact(upper[0]),
            "y": compact(upper[1]),
            "mode": "lines",
            "line": {"color": BAND_FILL, "width": 0},
            "fill": "tonexty",
            "fillcolor": BAND_FILL,
            "name": f"{level:.0%} prediction band: ± {z:.3g} × training RMSE",
            "legendgroup": "band",
            "hoverinfo": "skip",
        },
    ]


# --- residuals ----------------------------------------------------------------------------------------------


def residuals_figure(exp: Experiment) -> go.Figure:
    """Residuals y − ŷ of gradient descent against its fitted ŷ: test points, and train points hidden in the legend."""
    s, fit = exp.split, exp.fit
    traces = []
    for X, y, name, visible in (
        (s.X_train, s.y_train, TRAIN_NAME, "legendonly"),
        (s.X_test, s.y_test, TEST_NAME, True),
    ):
        idx = sample_indices(len(y), MAX_SCATTER_POINTS)
        fitted = _predict(X[idx], fit.weights, fit.bias)
        with np.errstate(all="ignore"):
            resid = y[idx] - fitted
        traces.append(
            _markers(
                fitted,
                resid,
                name,
                COLORS[name],
                total=len(y),
                visible=visible,
                hovertemplate="fitted %{x:.6g}<br>residual %{y:.6g}<extra>" + name.lower() + "</extra>",
            )
        )
    target = _target(exp)
    # The line y = 0 across the plot, as fig.add_hline(y=0, line=...) draws it.
    zero = {
        "line": {"color": COLORS[TRUE_NAME], "dash": "dot"},
        "type": "line",
        "x0": 0,
        "x1": 1,
        "xref": "x domain",
        "y0": 0,
        "y1": 0,
        "yref": "y",
    }
    layout = {
        "shapes": [zero],
        "legend": dict(LEGEND),
        "margin": dict(MARGIN),
        "title": title_dict("Residuals of gradient descent"),
        "xaxis": {"title": title_dict(f"fitted {target}")},
        "yaxis": {"title": title_dict(f"residual: actual − fitted {target}")},
    }
    return assemble(traces, layout)


# --- coefficients -------------------------------------------------------------------------------------------


def beta_scale(exp: Experiment) -> tuple[np.ndarray, float]:
    """Each feature's standard deviation over the training X, and y's (ddof 0); y's is 1.0 if y is constant."""
    s = exp.split
    with np.errstate(all="ignore"):
        sx = np.std(s.X_train, axis=0)
        sy = float(np.std(s.y_train))
    return sx, (sy if math.isfinite(sy) and sy > 0 else 1.0)


def coefficient_rows(exp: Experiment, *, standardized: bool = False) -> tuple[list[str], dict[str, np.ndarray]]:
    """Row labels (escaped) and, per model, one float64 value per row: the features, then the intercept if any.

    ``standardized`` multiplies each weight by its feature's SD and divides by y's (see
    :func:`beta_scale`) and leaves the intercept out: it has no standardized counterpart.
    The models are GD_NAME, OLS_NAME and, for synthetic data, TRUE_COEF_NAME.
    """
    d = exp.dataset.d
    labels = [label(n) for n in exp.feature_names]
    values = {GD_NAME: (exp.fit.weights, exp.fit.bias), OLS_NAME: (exp.ols.weights, exp.ols.bias)}
    if exp.true_theta is not None:
        values[TRUE_COEF_NAME] = (exp.true_theta[:d], exp.true_theta[d])
    with_bias = exp.fit.fit_intercept and not standardized
    if standardized:
        sx, sy = beta_scale(exp)
    rows = {}
    for name, (w, b) in values.items():
        w = np.asarray(w, dtype=np.float64)
        if standardized:
            with np.errstate(all="ignore"):
                w = w * sx / sy
        rows[name] = np.append(w, b) if with_bias else w
    return labels + ([INTERCEPT_LABEL] if with_bias else []), rows


def coefficients_figure(exp: Experiment, *, standardized: bool = False) -> go.Figure:
    """GD's and OLS's coefficients as horizontal grouped bars, the true ones as diamonds for synthetic data.

    One row per feature, top to bottom in the table's order, the intercept last. Rows sit
    at positions 0, 1, ... named by tick labels, so two names that truncate alike stay two rows.
    """
    labels, rows = coefficient_rows(exp, standardized=standardized)
    pos = np.arange(len(labels), dtype=np.float64)
    traces = []
    for name in (GD_NAME, OLS_NAME):
        keep = finite_rows(rows[name])  # finite always for a run; the guard keeps the promise
        traces.append(
            {
                "type": "bar",
                "x": compact(rows[name][keep]),
                "y": compact(pos[keep]),
                "orientation": "h",
                "name": name,
                "marker": {"color": COLORS[name]},
                "customdata": [labels[i] for i in np.flatnonzero(keep)],
                "hovertemplate": "%{customdata}: %{x:.6g}<extra>" + name + "</extra>",
            }
        )
    if TRUE_COEF_NAME in rows:
        traces.append(_diamonds(rows[TRUE_COEF_NAME], labels, TRUE_COEF_NAME, COLORS[TRUE_NAME], "true"))
    if standardized:
        title = f"Standardized coefficients (beta weights): weight × SD of the feature ÷ SD of {_target(exp)}"
        x_title = "standardized coefficient"
    else:
        title = "Coefficients: gradient descent and least squares"
        x_title = "coefficient, in the units of the data"
    layout = {
        # "title": {} is what validation made of the title None that cleared the axis title.
        "yaxis": _feature_axis(pos, labels) | {"title": {}},
        "legend": dict(LEGEND),
        "margin": dict(MARGIN),
        "title": title_dict(title),
        "barmode": "group",
        "xaxis": {"title": title_dict(x_title)},
        "height": _bars_height(len(labels)),
    }
    return assemble(traces, layout)


def _feature_axis(pos: np.ndarray, labels: list[str]) -> dict:
    """A y axis of one row per feature (row i at y = i), named by its label, the first at the top."""
    return {"tickvals": pos.tolist(), "ticktext": list(labels), "autorange": "reversed"}


def _diamonds(values: np.ndarray, labels: list[str], name: str, color: str, tag: str) -> dict:
    """One diamond per coefficient at its bar's row (row i at y = i), the non-finite ones left out: a trace dict."""
    keep = finite_rows(values)
    return {
        "type": "scatter",
        "x": compact(values[keep]),
        "y": compact(np.flatnonzero(keep).astype(np.float64)),
        "mode": "markers",
        "name": name,
        "marker": {"color": color, "line": {"width": 1}, "size": 10, "symbol": "diamond"},
        "customdata": [labels[i] for i in np.flatnonzero(keep)],
        "hovertemplate": "%{customdata}: %{x:.6g}<extra>" + tag + "</extra>",
    }


def _bars_height(rows: int) -> int:
    return int(min(max(420, 160 + 26 * rows), 3_000))


# --- partial view along one feature -------------------------------------------------------------------------


def partial_figure(exp: Experiment, feature: str) -> go.Figure:
    """The test points along ``feature``, with the GD and OLS predictions as lines, the other features at their means.

    The line of a model (w, b) is ŷ(x_j) = Σ_{k≠j} w_k·mean_k + w_j·x_j + b, the means over
    the training X; it passes through the mean training prediction at x_j = mean_j. It
    spans the feature's range over train and test. Raises ValueError for an unknown feature.
    """
    names = list(exp.feature_names)
    if feature not in names:
        raise ValueError(f"feature must be one of the experiment's features, got {feature!r}")
    j = names.index(feature)
    s = exp.split
    mean = s.X_train.mean(axis=0)
    train, test = s.X_train[:, j], s.X_test[:, j]
    x_range = (float(min(train.min(), test.min())), float(max(train.max(), test.max())))
    idx = sample_indices(len(s.y_test), MAX_SCATTER_POINTS)
    y_test = s.y_test[idx]
    traces = [
        _markers(
            s.X_test[idx, j],
            y_test,
            TEST_NAME,
            COLORS[TEST_NAME],
            total=len(s.y_test),
            hovertemplate="%{x:.6g}, %{y:.6g}<extra>test</extra>",
        )
    ]
    models = [(GD_NAME, exp.fit.weights, exp.fit.bias, "solid"), (OLS_NAME, exp.ols.weights, exp.ols.bias, "dash")]
    if exp.true_theta is not None:
        d = exp.dataset.d
        models.insert(0, (TRUE_NAME, exp.true_theta[:d], exp.true_theta[d], "dot"))
    lines = {}
    for name, w, b, dash in models:
        slope, intercept = partial_line(mean, w, b, j)
        lines[name] = (slope, intercept)
        xs = np.array(x_range)
        with np.errstate(all="ignore"):
            xs, ys = finite_xy(xs, slope * xs + intercept)
        traces.append(
            {
                "type": "scatter",
                "x": compact(xs),
                "y": compact(ys),
                "mode": "lines",
                "name": f"{name}: slope {slope:.4g}",
                "line": {"color": COLORS[name], "dash": dash, "width": 3},
                "hovertemplate": "%{x:.6g}, %{y:.6g}<extra>" + name + "</extra>",
            }
        )
    shown = label(feature)
    # Frame the data and the OLS line, not a runaway GD line, which would squash the points flat.
    ols_ends = np.array(x_range) * lines[OLS_NAME][0] + lines[OLS_NAME][1]
    y_lo, y_hi = _span(np.concatenate([y_test, ols_ends])) or (0.0, 1.0)
    y_rng = _padded(y_lo, y_hi, 0.08)
    layout = {
        "legend": dict(LEGEND),
        "margin": dict(MARGIN),
        # Two short lines: one long line ran past a phone's width.
        "title": title_dict(f"Along {shown}<br><sup>the other features at their training means</sup>"),
        "xaxis": {"title": title_dict(shown)},
        "yaxis": {"title": title_dict(_target(exp)), "range": y_rng},
    }
    fig = assemble(traces, layout)
    w, b = lines[GD_NAME]
    if _share_inside(w, b, x_range, y_rng) < 0.05:
        note(fig, f"The gradient-descent line runs off the chart: slope {w:.3g}")
    return fig


def partial_line(mean: np.ndarray, w, b: float, j: int) -> tuple[float, float]:
    """(slope, intercept) of ŷ along feature ``j`` with every other feature at ``mean``."""
    w = np.asarray(w, dtype=np.float64)
    with np.errstate(all="ignore"):
        others = float(np.dot(np.delete(w, j), np.delete(mean, j)))
    return float(w[j]), others + float(b)


def _share_inside(w: float, b: float, x_range: tuple[float, float], y_range: list[float]) -> float:
    """The share of ``x_range`` over which ``w x + b`` stays inside ``y_range``."""
    lo, hi = x_range
    if not (math.isfinite(w) and math.isfinite(b)):
        return 0.0
    if w == 0 or hi <= lo:
        return 1.0 if y_range[0] <= w * lo + b <= y_range[1] else 0.0
    ends = sorted(((y_range[0] - b) / w, (y_range[1] - b) / w))
    return max(min(hi, ends[1]) - max(lo, ends[0]), 0.0) / (hi - lo)


# --- replay of the coefficients -----------------------------------------------------------------------------


def coefficient_replay(exp: Experiment, *, standardized: bool = False) -> go.Figure:
    """GD's feature weights at each checkpoint as bars, OLS's as fixed diamonds, beside the loss with a moving marker.

    Frames animate in the browser (play/pause and a slider) and carry only what moves:
    d bar lengths and the loss marker. ``standardized`` shows beta weights, as
    :func:`coefficients_figure` does; the intercept is never replayed. Checkpoints with a
    non-finite number are skipped.
    """
    fit, d = exp.fit, exp.dataset.d
    labels = [label(n) for n in exp.feature_names]
    scale = np.ones(d)
    if standardized:
        sx, sy = beta_scale(exp)
        scale = sx / sy
    with np.errstate(all="ignore"):
        path = np.asarray(fit.checkpoint_weights, dtype=np.float64) * scale
        target = np.asarray(exp.ols.weights, dtype=np.float64) * scale
    loss = np.asarray(fit.checkpoint_loss, dtype=np.float64)
    ok = np.all(np.isfinite(path), axis=1) & np.isfinite(loss) & (loss < F32_MAX)
    iters = np.asarray(fit.checkpoint_iters)[ok]
    path, loss = path[ok], loss[ok]
    names = [f"{int(k):,}" for k in iters]
    pos = np.arange(d, dtype=np.float64)

    start = path[0] if len(path) else np.zeros(d)
    keep = finite_rows(target)
    curve = loss_spec(fit)
    first = (int(iters[0]), float(loss[0])) if len(iters) else (0, float(fit.loss_history[0]))
    traces = [
        {
            "type": "bar",
            "x": compact(start),
            "y": compact(pos),
            "orientation": "h",
            "name": REPLAY_NAME,
            "marker": {"color": COLORS[GD_NAME]},
            "customdata": list(labels),
            "hovertemplate": "%{customdata}: %{x:.6g}<extra>gradient descent</extra>",
        },
        _diamonds(target, labels, OLS_NAME, COLORS[OLS_NAME], "OLS"),
        curve,
        marker_spec(*first),
    ]
    moving = [0, 3]  # the bars and the loss marker; the rest stays put
    frames = [
        {
            "data": [{"type": "bar", "x": compact(w)}, {"type": "scatter", "x": [int(k) + 1], "y": [float(v)]}],
            "name": name,
            "traces": list(moving),
        }
        for name, w, k, v in zip(names, path, iters, loss, strict=True)
    ]
    # The bar axis keeps one range through the animation: every checkpoint and the OLS weights fit in it.
    lo, hi = _span(np.concatenate([path.ravel(), target[keep], [0.0]])) or (0.0, 1.0)
    layout, subplots = subplot_grid(("", ""), 0.12, (0.55, 0.45))  # no subplot titles: see replay_layout
    layout["xaxis"] |= {
        "title": title_dict("standardized coefficient" if standardized else "coefficient"),
        "range": _padded(lo, hi),
    }
    layout["yaxis"] |= _feature_axis(pos, labels)
    loss_axes(layout, curve)
    # The title fits a 390 px phone on one line; the caption above the chart says it goes checkpoint by checkpoint.
    layout |= replay_layout("Replay: gradient descent's coefficients", names, max(_bars_height(d), REPLAY_HEIGHT))
    # Each trace on its subplot, as add_trace(row=1, col=...) placed it.
    axes = [("x", "y"), ("x", "y"), ("x2", "y2"), ("x2", "y2")]
    return assemble(traces, layout, frames=frames, subplots=subplots, axes=axes)
