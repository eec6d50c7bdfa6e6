"""Plotly figures of one experiment: pure functions from linreg results to ``go.Figure``.

Payloads stay bounded whatever the settings: histories are downsampled on a log scale
to about MAX_LINE_POINTS, scatters switch to WebGL past WEBGL_THRESHOLD points and are
sampled down to MAX_SCATTER_POINTS, and arrays go out as float32. Non-finite values are
dropped, because Plotly's JSON turns them into nulls or invalid numbers.

The charts are assembled from plain dicts already in the form Plotly's validation gives
(:func:`assemble`), not through its per-property checks: those were most of the time a
chart took to build. Their JSON is what the validated figures gave, byte for byte.
"""

from __future__ import annotations

import copy
import functools
import html
import math
import re
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from linreg import Experiment, FitResult

MAX_LINE_POINTS = 2_000
WEBGL_THRESHOLD = 5_000
MAX_SCATTER_POINTS = 25_000
REPLAY_SCATTER_POINTS = 2_000

GD_NAME = "Gradient descent"
OLS_NAME = "Least squares (OLS)"
TRUE_NAME = "True line"
TEST_NAME = "Test data"
TRAIN_NAME = "Train data"
LOSS_NAME = "Training MSE"
MIN_NAME = "OLS minimum"
EXCESS_NAME = "Training MSE − OLS minimum"
MARKER_NAME = "Current iteration"

# Every colour has a relative luminance between 0.12 and 0.30, which keeps at least 3:1
# contrast against both the light and the dark background.
COLORS = {GD_NAME: "#d62728", OLS_NAME: "#2ca02c", TRUE_NAME: "#7f7f7f", TEST_NAME: "#1f77b4", TRAIN_NAME: "#d95f02"}
BACKGROUNDS = {"light": "#ffffff", "dark": "#171614"}  # Streamlit 1.67's page backgrounds
# Legends sit under the whole figure, so that they never cover data, nor the title when they wrap on a phone;
# Plotly grows the bottom margin to fit them.
LEGEND = {"orientation": "h", "x": 0, "xanchor": "left", "yref": "container", "y": 0, "yanchor": "bottom"}
# The title needs about 60 px; Plotly's default top margin of 100 px left an empty band.
MARGIN = {"t": 60}
_NUMBERED = re.compile(r"[a-z]+[0-9]+")  # layout keys of numbered subplots: xaxis2, yaxis2
_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def log_indices(n: int, max_points: int = MAX_LINE_POINTS) -> np.ndarray:
    """At most ``max_points`` indices into ``range(n)``, log-spaced, always keeping the first and last."""
    if n <= max_points:
        return np.arange(n)
    # Rounding merges the dense start of a geometric grid, so draw as many as still fit the budget.
    lo, hi = max_points, 8 * max_points
    while lo < hi:
        mid = (lo + hi + 1) // 2
        lo, hi = (mid, hi) if len(_log_grid(n, mid)) <= max_points else (lo, mid - 1)
    return _log_grid(n, lo)


def _log_grid(n: int, num: int) -> np.ndarray:
    return np.unique(np.round(np.geomspace(1, n, num)).astype(np.int64) - 1)


def sample_indices(n: int, max_points: int = MAX_SCATTER_POINTS) -> np.ndarray:
    """At most ``max_points`` evenly strided indices into ``range(n)``: deterministic, so reruns agree."""
    if n <= max_points:
        return np.arange(n)
    idx = np.linspace(0, n - 1, max_points).astype(np.int64)
    # With n > max_points the stride exceeds 1, so the indices come out strictly increasing: what np.unique,
    # a sort, would return. The check keeps that promise for any rounding at a cost of microseconds.
    return idx if np.all(idx[1:] > idx[:-1]) else np.unique(idx)


F32_MAX = float(np.finfo(np.float32).max)


def finite_rows(*arrays: np.ndarray) -> np.ndarray:
    """Rows where every array is finite and within float32's range, so the float32 conversion keeps them finite."""
    keep = np.ones(len(arrays[0]), dtype=bool)
    for a in arrays:
        with np.errstate(invalid="ignore"):
            keep &= np.isfinite(a) & (np.abs(a) < F32_MAX)
    return keep


def finite_xy(x, y) -> tuple[np.ndarray, np.ndarray]:
    """``x`` and ``y`` as float32 with every pair holding a non-finite value dropped."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    keep = np.isfinite(x) & np.isfinite(y) & (np.abs(y) < np.finfo(np.float32).max)
    return x[keep].astype(np.float32), y[keep].astype(np.float32)


def compact(values: np.ndarray) -> np.ndarray | list[float]:
    """Short arrays as lists: Plotly spends far longer base64-encoding an array than writing a few numbers."""
    return values.tolist() if len(values) <= 16 else values


def scatter(x, y, name: str, max_points: int = MAX_SCATTER_POINTS) -> go.Scatter | go.Scattergl:
    """Points as markers; WebGL past WEBGL_THRESHOLD, a strided sample past ``max_points``."""
    spec = scatter_spec(x, y, name, max_points)
    return (go.Scattergl if spec.pop("type") == "scattergl" else go.Scatter)(spec)


def scatter_spec(x, y, name: str, max_points: int = MAX_SCATTER_POINTS) -> dict:
    """:func:`scatter` as a trace dict, for :func:`assemble`."""
    idx = sample_indices(len(x), max_points)
    xs, ys = finite_xy(np.asarray(x)[idx], np.asarray(y)[idx])
    label = name if len(idx) == len(x) else f"{name} ({len(idx):,} of {len(x):,} shown)"
    return {
        "type": "scattergl" if len(xs) > WEBGL_THRESHOLD else "scatter",
        "x": xs,
        "y": ys,
        "mode": "markers",
        "name": label,
        "marker": {"color": COLORS[name], "size": 5},
    }


def line(x_range: tuple[float, float], slope: float, intercept: float, name: str, dash: str = "solid") -> go.Scatter:
    """The straight line ``slope * x + intercept`` across ``x_range``, labelled with its equation."""
    return go.Scatter(line_spec(x_range, slope, intercept, name, dash))


def line_spec(x_range: tuple[float, float], slope: float, intercept: float, name: str, dash: str = "solid") -> dict:
    """:func:`line` as a trace dict, for :func:`assemble`."""
    xs = np.array(x_range, dtype=np.float64)
    xs, ys = finite_xy(xs, slope * xs + intercept)
    return {
        "type": "scatter",
        "x": compact(xs),
        "y": compact(ys),
        "mode": "lines",
        "name": f"{name}: y = {slope:.3g}x + {intercept:.3g}",
        "line": {"color": COLORS[name], "dash": dash, "width": 3},
    }


def fit_figure(exp: Experiment, *, show_train: bool = False) -> go.Figure:
    """The test points (and optionally the training points) with the GD, OLS and true lines."""
    s = exp.split
    x_range = x_span(exp)
    traces = [scatter_spec(s.x_test, s.y_test, TEST_NAME)]
    if show_train:
        traces.insert(0, scatter_spec(s.x_train, s.y_train, TRAIN_NAME))
    traces += [
        line_spec(x_range, float(exp.ols.weights[0]), exp.ols.bias, OLS_NAME, dash="dash"),
        line_spec(x_range, float(exp.fit.weights[0]), exp.fit.bias, GD_NAME),
    ]
    truth = exp.true_theta
    if truth is not None:
        traces.insert(-2, line_spec(x_range, float(truth[0]), float(truth[1]), TRUE_NAME, dash="dot"))
    x_title, y_title = axis_names(exp)
    # Frame the data, not the lines: a diverged GD line would otherwise squash the points flat.
    y_range = _padded_range(np.concatenate([s.y_test, s.y_train if show_train else []]))
    layout = {
        "legend": dict(LEGEND),
        "margin": dict(MARGIN),
        "title": title_dict("The fit on the test data"),
        "xaxis": {"title": title_dict(x_title)},
        "yaxis": {"title": title_dict(y_title), "range": y_range},
    }
    fig = assemble(traces, layout)
    w, b = float(exp.fit.weights[0]), exp.fit.bias
    if _visible_share(w, b, x_range, y_range) < 0.05:
        note(fig, f"The gradient-descent line runs off the chart:<br>y = {w:.3g}x + {b:.3g}")
    return fig


def assemble(
    data: list[dict],
    layout: dict,
    *,
    frames: list[dict] | None = None,
    subplots: tuple | None = None,
    axes: Sequence[tuple[str, str]] = (),
) -> go.Figure:
    """A ``go.Figure`` of trace dicts and layout entries that are already in the form Plotly's validation gives.

    Validating every property was most of a chart's build time, so the figure is built
    without it from values built valid: each trace dict names its ``type``, nested dicts
    list their keys in the order of Plotly's classes, titles are ``{"text": ...}``. The
    layout's entries follow the default template in the order given, which is the order
    Plotly's update calls wrote them in, so the JSON stays the same to the byte. ``axes``
    gives trace i its (xaxis, yaxis), after its type, as ``add_trace(row=, col=)`` does;
    ``subplots`` is ``(grid_str, grid_ref)`` of a ``make_subplots`` figure. Frames are
    validated, as Plotly always does. Validation is back on in the figure returned, so a
    caller's later edits are checked as usual.
    """
    spec: dict = {"data": data, "frames": frames}
    if subplots is not None:
        spec["_grid_str"], spec["_grid_ref"] = subplots
    fig = go.Figure(spec, _validate=False)
    for key, value in layout.items():
        if _NUMBERED.fullmatch(key):
            # Plotly validates a numbered subplot's axis (xaxis2) as one object, its keys in its class's order:
            # set entry by entry, they keep the order given.
            fig.layout[key] = {}
            axis = fig.layout[key]
            for name, setting in value.items():
                axis[name] = setting
        else:
            fig.layout[key] = value
    for trace, (xaxis, yaxis) in zip(fig.data, axes, strict=False):
        trace["xaxis"], trace["yaxis"] = xaxis, yaxis
    # Plotly's own flags, which _validate=False cleared: later edits of the figure are checked again.
    fig._validate = fig.layout._validate = True
    for trace in fig.data:
        trace._validate = True
    return fig


def subplot_grid(
    titles: tuple[str, str], spacing: float, widths: tuple[float, float] | None = None
) -> tuple[dict, tuple[str, list]]:
    """Two subplots side by side, as ``make_subplots(rows=1, cols=2, ...)`` lays them out, for :func:`assemble`.

    A fresh copy of its layout entries (the axes with their anchors and domains, the
    subplot titles as annotations) and of its ``subplots`` grid: they depend on the
    arguments only, so make_subplots runs once for each.
    """
    return copy.deepcopy(_subplot_grid(titles, spacing, widths))


@functools.cache
def _subplot_grid(titles: tuple[str, str], spacing: float, widths: tuple[float, float] | None):
    fig = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=titles,
        horizontal_spacing=spacing,
        column_widths=None if widths is None else list(widths),
    )
    layout = fig.to_dict()["layout"]
    del layout["template"]
    return layout, (fig._grid_str, fig._grid_ref)


def title_dict(text: str) -> dict:
    """A title as Plotly's validation stores a plain string: ``{"text": text}``."""
    return {"text": text}


def note(fig: go.Figure, text: str, *, x: float = 0.5, y: float = 0.02, **where) -> None:
    """A line of text on the chart, placed in paper coordinates (0 to 1 across the plot area)."""
    fig.add_annotation(text=text, xref="paper", yref="paper", x=x, y=y, showarrow=False, **where)


def x_span(exp: Experiment) -> tuple[float, float]:
    """The range of the one feature: the generator's x range, or the data's."""
    if exp.params is not None:
        return exp.params.x_min, exp.params.x_max
    x = np.asarray(exp.dataset.X[:, 0])
    return float(x.min()), float(x.max())


def axis_names(exp: Experiment) -> tuple[str, str]:
    """The feature's and the target's names as :func:`label` shows them: Plotly renders HTML in titles."""
    if exp.params is not None:
        return "x", "y"
    return label(exp.feature_names[0]), label(exp.dataset.target_name)


LABEL_LIMIT = 40
"""The most characters of a column's name a chart shows."""


def label(name: str, limit: int = LABEL_LIMIT) -> str:
    """``name`` as Plotly may show it: whitespace runs as one space, at most ``limit`` characters, HTML-escaped.

    Truncation comes first, so that an entity is never cut in half; a cut name ends in "…".

    Examples
    --------
    >>> label("<script>alert(1)</script>")
    '&lt;script&gt;alert(1)&lt;/script&gt;'
    >>> label("a very long column name", limit=10)
    'a very lo…'
    """
    text = " ".join(str(name).split())
    if len(text) > limit:
        text = text[: max(limit - 1, 0)] + "…"
    return html.escape(text)


def _visible_share(w: float, b: float, x_range: tuple[float, float], y_range: list[float]) -> float:
    """The share of ``x_range`` over which the line ``w x + b`` stays inside ``y_range``."""
    lo, hi = x_range
    if w == 0:
        return 1.0 if y_range[0] <= b <= y_range[1] else 0.0
    ends = sorted(((y_range[0] - b) / w, (y_range[1] - b) / w))
    inside = min(hi, ends[1]) - max(lo, ends[0])
    return max(inside, 0.0) / (hi - lo)


def _padded_range(values: np.ndarray, pad: float = 0.08) -> list[float]:
    lo, hi = float(np.min(values)), float(np.max(values))
    span = hi - lo if hi > lo else max(abs(hi), 1.0)
    return [lo - pad * span, hi + pad * span]


def loss_points(fit: FitResult, max_points: int = MAX_LINE_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """(iteration, MSE before that iteration), 1-based and log-spaced so a log x axis shows it all."""
    idx = log_indices(len(fit.loss_history), max_points)
    return finite_xy(idx + 1, np.asarray(fit.loss_history)[idx])


def loss_trace(fit: FitResult, *, above: float | None = None) -> go.Scatter:
    """The loss curve; with ``above``, the loss minus it, keeping only positive values for a log axis."""
    return go.Scatter(loss_spec(fit, above=above))


def loss_spec(fit: FitResult, *, above: float | None = None) -> dict:
    """:func:`loss_trace` as a trace dict, for :func:`assemble`."""
    it, mse = loss_points(fit)
    if above is not None:
        # In float64 before the float32 conversion, so the excess keeps its digits.
        idx = log_indices(len(fit.loss_history))
        gap = np.asarray(fit.loss_history)[idx] - above
        it, mse = finite_xy(idx[gap > 0] + 1, gap[gap > 0])
    return {
        "type": "scatter",
        "x": it,
        "y": mse,
        "mode": "lines",
        "name": LOSS_NAME if above is None else EXCESS_NAME,
        "line": {"color": COLORS[GD_NAME]},
        "hovertemplate": "iteration %{x:,.0f}<br>"
        + ("MSE" if above is None else "MSE − minimum")
        + " %{y:.6g}<extra></extra>",
    }


def minimum_trace(ols_mse: float, x_from: float, x_to: float) -> go.Scatter:
    """The least-squares training MSE, dashed, from ``x_from`` to ``x_to``: the floor GD can reach."""
    return go.Scatter(_minimum_spec(ols_mse, x_from, x_to))


def _minimum_spec(ols_mse: float, x_from: float, x_to: float) -> dict:
    xs, ys = finite_xy([x_from, x_to], [ols_mse, ols_mse])
    return {
        "type": "scatter",
        "x": compact(xs),
        "y": compact(ys),
        "mode": "lines",
        "name": f"{MIN_NAME}: {ols_mse:.6g}",
        "line": {"color": COLORS[OLS_NAME], "dash": "dash"},
        "hovertemplate": "OLS minimum %{y:.6g}<extra></extra>",
    }


def loss_figure(fit: FitResult, ols_mse: float, *, log_scale: bool = True, excess: bool = False) -> go.Figure:
    """MSE against iteration with the OLS minimum for reference.

    With ``excess`` the curve is the MSE above the OLS minimum, on a log y axis: each
    direction of the error then decays as a straight line on a linear x axis, so the
    fast and the slow phase of gradient descent show apart. A diverged run shows its
    blow-up instead: every loss up to the stop, on a log y axis, with the stop marked.
    """
    if fit.diverged:
        return divergence_figure(fit, ols_mse)
    axis = "log" if log_scale else "linear"
    if excess:
        traces = [loss_spec(fit, above=ols_mse)]
        text, y_text, y_type = "Training loss above the least-squares minimum", "MSE − OLS minimum", "log"
    else:
        traces = [loss_spec(fit), _minimum_spec(ols_mse, 1, max(fit.n_iter, 1) + 1)]
        text, y_text, y_type = "Training loss", "MSE", axis
    layout = {
        "title": title_dict(text),
        "yaxis": {"title": title_dict(y_text)} | axis_settings(y_type, np.concatenate([t["y"] for t in traces])),
        "legend": dict(LEGEND),
        "margin": dict(MARGIN),
        "xaxis": {"title": title_dict("iteration")} | axis_settings(axis, traces[0]["x"]),
        "hovermode": "x",
    }
    return assemble(traces, layout)


def divergence_figure(fit: FitResult, ols_mse: float) -> go.Figure:
    """Every loss of a diverged run against the updates done, the one after the last update included.

    The x axis is linear: an exponential blow-up is then a straight line on the log y axis.
    """
    mse = np.append(fit.loss_history, fit.final_loss)
    done, mse = finite_xy(np.arange(len(mse)), mse)
    grew = mse[-1] / mse[0] if len(mse) > 1 and mse[0] > 0 else 1.0
    updates = f"{fit.n_iter:,} update{'' if fit.n_iter == 1 else 's'}"
    stop = float(done[-1])
    traces = [
        {
            "type": "scatter",
            "x": compact(done),
            "y": compact(mse),
            "mode": "lines+markers",
            "name": f"{LOSS_NAME}: ×{grew:.1e} in {updates}",
            "line": {"color": COLORS[GD_NAME]},
            "hovertemplate": "after %{x:,.0f} updates<br>MSE %{y:.3g}<extra></extra>",
        },
        _minimum_spec(ols_mse, 0.0, max(stop, 1.0)),
    ]
    xaxis = {"title": title_dict("updates done")}
    if fit.n_iter <= 10:
        xaxis |= {"dtick": 1, "tick0": 0}  # whole updates only
    layout = {
        # The stop, as fig.add_vline(x=stop, line=...) and fig.add_annotation(...) mark it.
        "shapes": [
            {
                "line": {"color": COLORS[GD_NAME], "dash": "dot"},
                "type": "line",
                "x0": stop,
                "x1": stop,
                "xref": "x",
                "y0": 0,
                "y1": 1,
                "yref": "y domain",
            }
        ],
        "annotations": [
            {
                "showarrow": False,
                "text": f"stopped after {updates} ",
                "x": stop,
                "xanchor": "right",
                "xshift": -6,
                "y": 1,
                "yanchor": "top",
                "yref": "paper",
            }
        ],
        "legend": dict(LEGEND),
        "margin": dict(MARGIN),
        "title": title_dict("Training loss: gradient descent diverged"),
        "xaxis": xaxis,
        "yaxis": {"title": title_dict("MSE")} | axis_settings("log", np.concatenate([mse, [ols_mse]])),
    }
    return assemble(traces, layout)


def _set_axis(fig: go.Figure, axis: str, kind: str, values, **where) -> None:
    """A log axis gets clean ticks at powers of ten (or 1-2-5 when the range is short); linear stays Plotly's.

    ``where`` picks a subplot (``row=1, col=2``).
    """
    update = fig.update_xaxes if axis == "x" else fig.update_yaxes
    update(**axis_settings(kind, values), **where)


def axis_settings(kind: str, values) -> dict:
    """What :func:`_set_axis` sets on an axis, in its order: the type, then a log axis's ticks and range."""
    values = np.asarray(values, dtype=np.float64)
    values = values[np.isfinite(values) & (values > 0)]
    if kind != "log" or values.size == 0:
        return {"type": kind}
    lo, hi = float(values.min()), float(values.max())
    ticks = log_ticks(lo, hi)
    # A little room past the data, so that a decade tick at the very end (10⁵ iterations) keeps its label.
    pad = 0.02 * max(math.log10(hi / lo), 1.0)
    span = [math.log10(lo) - pad, math.log10(hi) + pad]
    return {"type": "log", "tickvals": ticks, "ticktext": tick_labels(ticks), "range": span}


def log_ticks(lo: float, hi: float, max_ticks: int = 8) -> list[float]:
    """Tick values for a log axis from ``lo`` to ``hi``: every k-th power of ten, or 1-2-5 within two decades.

    Examples
    --------
    >>> log_ticks(1, 100_001)
    [1.0, 10.0, 100.0, 1000.0, 10000.0, 100000.0]
    >>> log_ticks(600, 4000)
    [1000.0, 2000.0]
    """
    e_lo, e_hi = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
    if e_hi - e_lo <= 2:
        ticks = [m * 10.0**e for e in range(e_lo, e_hi + 1) for m in (1, 2, 5)]
    else:
        step = math.ceil((e_hi - e_lo + 1) / max_ticks)
        ticks = [10.0**e for e in range(e_lo, e_hi + 1, step)]
    inside = [t for t in ticks if lo * (1 - 1e-9) <= t <= hi * (1 + 1e-9)]
    return inside if len(inside) >= 2 else ticks[:: max(1, len(ticks) // max_ticks)]


def tick_labels(ticks: list[float]) -> list[str]:
    """Labels in one style per axis: plain when every tick lies from 0.001 to 99,999, else powers of ten.

    Examples
    --------
    >>> tick_labels([1, 10, 100, 1000, 10_000])
    ['1', '10', '100', '1000', '10000']
    >>> tick_labels([1e4, 1e6, 1e8, 2e-7])
    ['10⁴', '10⁶', '10⁸', '2×10⁻⁷']
    """
    if all(1e-3 <= t < 1e5 for t in ticks):
        return [f"{t:g}" for t in ticks]
    return [_power(t) for t in ticks]


def _power(value: float) -> str:
    exponent = math.floor(math.log10(value) + 1e-9)
    mantissa = round(value / 10.0**exponent)
    power = "10" + str(exponent).translate(_SUPERSCRIPT)
    return power if mantissa == 1 else f"{mantissa}×{power}"


def replay_figure(exp: Experiment) -> go.Figure:
    """The GD line converging over the checkpoints, with a marker moving along the loss curve in step.

    Frames animate in the browser: play/pause buttons and a slider, no server round trip.
    """
    fit, s = exp.fit, exp.split
    x_min, x_max = x_span(exp)
    names, lines, marks = _replay_states(exp)
    curve = loss_spec(fit)
    traces = [
        scatter_spec(s.x_test, s.y_test, TEST_NAME, REPLAY_SCATTER_POINTS),
        line_spec((x_min, x_max), float(exp.ols.weights[0]), exp.ols.bias, OLS_NAME, dash="dash"),
        line_spec((x_min, x_max), *lines[0], GD_NAME) | {"name": REPLAY_NAME},  # no equation: the line moves
        curve,
        marker_spec(*marks[0]),
    ]
    moving = [2, 4]  # the GD line and the loss marker; the rest stays put
    # A frame only carries the coordinates that change: Plotly merges them into the traces above.
    frames = [
        {
            "data": [
                {"type": "scatter", "x": [x_min, x_max], "y": [w * x_min + b, w * x_max + b]},
                {"type": "scatter", "x": [k + 1], "y": [loss]},
            ],
            "name": name,
            "traces": list(moving),
        }
        for name, (w, b), (k, loss) in zip(names, lines, marks, strict=True)
    ]
    layout, subplots = subplot_grid(("", ""), 0.1)  # no subplot titles: see replay_layout
    layout["xaxis"] |= {"title": title_dict("x")}
    layout["yaxis"] |= {"title": title_dict("y")}
    loss_axes(layout, curve)
    layout |= replay_layout("Replay: gradient descent's line and loss", names, REPLAY_HEIGHT)
    # Each trace on its subplot, as add_trace(row=1, col=...) placed it.
    axes = [("x", "y")] * 3 + [("x2", "y2")] * 2
    return assemble(traces, layout, frames=frames, subplots=subplots, axes=axes)


def _replay_states(exp: Experiment) -> tuple[list[str], list[tuple[float, float]], list[tuple[int, float]]]:
    """Frame names, GD (slope, intercept) and (iteration, loss) at each checkpoint whose numbers are all finite."""
    fit = exp.fit
    x_min, x_max = x_span(exp)
    names, lines, marks = [], [], []
    for k, w, b, loss in zip(
        fit.checkpoint_iters, fit.checkpoint_weights[:, 0], fit.checkpoint_bias, fit.checkpoint_loss, strict=True
    ):
        ends = (w * x_min + b, w * x_max + b)
        if not np.isfinite([w, b, loss, *ends]).all() or np.abs(ends).max() >= np.finfo(np.float32).max:
            continue
        names.append(f"{int(k):,}")
        lines.append((float(w), float(b)))
        marks.append((int(k), float(loss)))
    return names, lines, marks


def loss_marker(k: int, loss: float) -> go.Scatter:
    """The replay's marker on the loss curve, at iteration ``k``."""
    return go.Scatter(marker_spec(k, loss))


def marker_spec(k: int, loss: float) -> dict:
    """:func:`loss_marker` as a trace dict, for :func:`assemble`."""
    xs, ys = finite_xy([k + 1], [loss])
    return {
        "type": "scatter",
        "x": compact(xs),
        "y": compact(ys),
        "mode": "markers",
        "name": MARKER_NAME,
        "marker": {"color": COLORS[TRUE_NAME], "line": {"color": COLORS[GD_NAME], "width": 2}, "size": 12},
        "cliponaxis": False,  # whole at the first checkpoint, which sits on the top edge of the loss axis
    }


# Keys in the order of Plotly's classes (layout.Updatemenu, layout.Slider and theirs), as validation stores them.


REPLAY_NAME = "Gradient descent (current iteration)"

REPLAY_HEIGHT = 480
"""The one-feature replay's height, in pixels."""

# A replay stacks its parts at fixed pixel offsets, so that they stack alike at every width: the title, the
# legend, the plots, their tick labels and axis titles, a row with the Play and Pause buttons on the left and
# the slider's current value on the right, then the slider's rail with its tick labels. The legend is the one
# part whose height depends on the width (one row on a desktop, five on a 390 px phone): on top, under the
# title, it pushes the plots down by its own height, and nothing is placed against it. Under the plots it would
# need a bottom margin for the phone's five rows, left empty on a desktop, since Plotly grows a margin to fit
# the largest of what it holds, not their sum. The plots carry no subplot titles, which the legend would cover:
# their axis titles name them.
REPLAY_TITLE_TOP = 14
"""Pixels from the figure's top edge to the title's."""
REPLAY_LEGEND_TOP = 44
"""Pixels from the figure's top edge to the legend's: the title's line and a gap."""
REPLAY_AXES = 58
"""Pixels under the plots for the tick labels and the axis titles, down to the buttons' row."""
REPLAY_CONTROLS = 84
"""Pixels for the buttons' row, the rail and its tick labels, down to the figure's bottom edge."""


def loss_axes(layout: dict, curve: dict) -> None:
    """Title a replay's loss subplot (``xaxis2``, ``yaxis2`` of ``layout``) and put it on log axes fitted to the
    loss trace ``curve``."""
    layout["xaxis2"] |= {"title": title_dict("iteration")} | axis_settings("log", curve["x"])
    layout["yaxis2"] |= {"title": title_dict("MSE")} | axis_settings("log", curve["y"])


def replay_layout(title: str, names: list[str], height: int) -> dict:
    """The layout entries that place a replay's title, legend, buttons and slider, for a figure ``height`` px tall.

    The legend sits ``REPLAY_LEGEND_TOP`` pixels under the figure's top edge: in the container's coordinates,
    a fraction of ``height``. Plotly places the buttons and the slider in fractions of the plot area and adds
    their ``pad`` in pixels: at ``y=0`` with a top pad, each sits that many pixels under the plot area, whatever
    the plot area's size.
    """
    return {
        # Plotly centres a title in the top margin, which the legend grows: the title keeps to the top edge.
        "title": title_dict(title) | {"y": 1 - REPLAY_TITLE_TOP / height, "yanchor": "top"},
        "legend": dict(LEGEND) | {"y": 1 - REPLAY_LEGEND_TOP / height, "yanchor": "top"},
        "margin": MARGIN | {"b": REPLAY_AXES + REPLAY_CONTROLS},
        "updatemenus": [play_buttons() | {"pad": {"t": REPLAY_AXES}, "y": 0}],
        "sliders": [scrubber(names) | {"len": 1.0, "pad": {"t": REPLAY_AXES + 2}, "x": 0.0, "y": 0, "yanchor": "top"}],
        "height": height,
    }


RAIL = "rgba(127, 127, 127, 0.35)"
"""The scrubber's rail: mid-grey, seen on a light and on a dark theme (Plotly's own is near-white)."""


def play_buttons() -> dict:
    # Pause interrupts Play's animation, and Plotly.js rejects the promise of an interrupted Plotly.animate: its
    # buttons neither catch that rejection nor let a figure ask them to, so the browser logs "API call to
    # Plotly.animate rejected" and an uncaught (in promise) undefined on every Pause, as the Plotly docs' own
    # Pause button does. Dragging the slider during Play interrupts it the same way. The animation stops as meant.
    play = {"frame": {"duration": 120, "redraw": True}, "fromcurrent": True, "transition": {"duration": 0}}
    pause = {"frame": {"duration": 0, "redraw": False}, "mode": "immediate", "transition": {"duration": 0}}
    return {
        "buttons": [
            {"args": [None, play], "label": "▶ Play", "method": "animate"},
            {"args": [[None], pause], "label": "❚❚ Pause", "method": "animate"},
        ],
        "direction": "left",
        "showactive": False,  # Plotly paints the active button near-white, unreadable under a dark theme
        "type": "buttons",
        "x": 0.0,
        "xanchor": "left",
        "y": -0.18,
        "yanchor": "top",
    }


def scrubber(names: list[str]) -> dict:
    def step_args() -> dict:
        return {"frame": {"duration": 0, "redraw": True}, "mode": "immediate", "transition": {"duration": 0}}

    return {
        "active": 0,
        "bgcolor": RAIL,
        "bordercolor": RAIL,
        "currentvalue": {"prefix": "after update ", "xanchor": "right"},
        "len": 0.8,
        "steps": [{"args": [[name], step_args()], "label": name, "method": "animate"} for name in names],
        "x": 0.2,
        "y": -0.12,
    }
