"""The loss landscape and the race between optimizers: pure functions from linreg results to ``go.Figure``.

The training MSE is a quadratic in the parameters, so its landscape over any plane of
parameter space is known exactly from the run's :class:`~linreg.Problem`. A
:class:`Plane` picks the slice: two coefficients in the units of X (the article's
``(w_1, w_2)`` for one feature), the others held at the least-squares optimum; or the
directions of the smallest and the largest eigenvalue of the Hessian, through the
optimum, in the coordinates the optimizers run in. Contours sit at log-spaced levels of
``L - L*``, so that the article's narrow valley shows as nested ellipses instead of one
flat colour.

Paths are drawn from the runs' checkpoints (about 80, log-spaced), and the race's
animation steps through the same checkpoints in the browser: bounded payloads whatever
the number of iterations. Names from visitors' files go through
:func:`dashboard.figures.label` before Plotly sees them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboard.figures import (
    COLORS,
    F32_MAX,
    GD_NAME,
    LEGEND,
    MARGIN,
    OLS_NAME,
    TRUE_NAME,
    _set_axis,
    compact,
    finite_rows,
    label,
    log_indices,
    note,
    play_buttons,
    scrubber,
    tick_labels,
)
from dashboard.figures_multi import INTERCEPT_LABEL
from linreg import Experiment, FitResult, Problem

GRID = 90  # contour grid points per axis: 8,100 float32 values
LEVELS_PER_DECADE = 2
DECADES = 9  # contour levels span this many decades below the frame's highest loss
LOSS_POINTS = 400  # per loss curve in the race
# One colour per optimizer slot; the first is the playground's gradient-descent red.
RUN_COLORS = (COLORS[GD_NAME], "#1f77b4", "#d95f02", "#7b3294")
CONTOUR_SCALE = [[0.0, "#f7fbff"], [0.5, "#c6dbef"], [1.0, "#6baed6"]]


@dataclass(frozen=True)
class Plane:
    """A 2-D slice through the least-squares optimum: two coefficients, or the two extreme eigendirections.

    ``axes`` indexes the parameters (the coefficients in the order of the features, then
    the intercept) for ``kind == "coef"``; it is ignored for ``kind == "eigen"``.
    """

    kind: str = "coef"
    axes: tuple[int, int] = (0, 1)


EIGEN = Plane("eigen")


def planes(problem: Problem) -> list[Plane]:
    """Every plane the problem offers: the eigendirections first (when there are two), then each coefficient pair."""
    p = problem.n_params
    pairs = [Plane("coef", (i, j)) for i in range(p) for j in range(i + 1, p)]
    return ([EIGEN] if p >= 2 else []) + pairs


def default_plane(problem: Problem) -> Plane | None:
    """``(w_1, w_2)`` for one feature with an intercept, the extreme eigendirections beyond; None with one parameter."""
    if problem.n_params < 2:
        return None
    return Plane("coef", (0, 1)) if problem.n_params == 2 else EIGEN


def parameter_names(problem: Problem, feature_names: Sequence[str] | None = None) -> list[str]:
    """Each parameter's name, escaped: ``w_1, w_2`` for the article's one feature, else the features' names."""
    if feature_names is None or (problem.d == 1 and problem.fit_intercept and tuple(feature_names) == ("x",)):
        return [f"w_{i + 1}" for i in range(problem.n_params)]
    names = [label(n, 24) for n in feature_names]
    return names + [INTERCEPT_LABEL] if problem.fit_intercept else names


def plane_titles(problem: Problem, plane: Plane, feature_names: Sequence[str] | None = None) -> tuple[str, str]:
    """The axis titles of ``plane`` (escaped HTML)."""
    if plane.kind == "eigen":
        lo, hi = problem.lam_min, problem.lam_max
        return f"along the λ_min = {lo:.3g} eigenvector", f"along the λ_max = {hi:.3g} eigenvector"
    names = parameter_names(problem, feature_names)
    return names[plane.axes[0]], names[plane.axes[1]]


# --- geometry -------------------------------------------------------------------------------------------------


def _scaled(problem: Problem, thetas: np.ndarray) -> np.ndarray:
    """Parameters in the units of X, shape (..., p), mapped to the coordinates the optimizers run in."""
    d = problem.d
    with np.errstate(all="ignore"):
        w = thetas[..., :d] * problem.scaling.scale
        if not problem.fit_intercept:
            return w
        bias = thetas[..., d] + thetas[..., :d] @ problem.scaling.mean
    return np.concatenate([w, bias[..., None]], axis=-1)


def optimum(problem: Problem) -> np.ndarray:
    """The least-squares optimum in the units of X: coefficients, then the intercept."""
    return problem.to_original(problem.theta_star)


def excess_loss(problem: Problem, thetas: np.ndarray) -> np.ndarray:
    """``L(theta) - L*`` for parameters in the units of X, shape (..., p), through the Hessian's eigenbasis."""
    with np.errstate(all="ignore"):
        e = (_scaled(problem, np.asarray(thetas, dtype=np.float64)) - problem.theta_star) @ problem.eigenvectors
        return (e * e) @ problem.eigenvalues


def coordinates(problem: Problem, plane: Plane, thetas: np.ndarray) -> np.ndarray:
    """Where parameters in the units of X, shape (K, p), fall on ``plane``: shape (K, 2).

    A point off the plane is projected onto it: for coefficients, the others are
    ignored; for the eigendirections, its offset from the optimum is projected on them.
    """
    thetas = np.asarray(thetas, dtype=np.float64)
    if plane.kind == "coef":
        return thetas[:, list(plane.axes)]
    V = problem.eigenvectors[:, [0, -1]]
    with np.errstate(all="ignore"):
        return (_scaled(problem, thetas) - problem.theta_star) @ V


def _grid_excess(problem: Problem, plane: Plane, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """``L - L*`` on the grid ``xs`` × ``ys`` of ``plane``: shape (len(ys), len(xs))."""
    X, Y = np.meshgrid(xs, ys)
    if plane.kind == "eigen":
        return problem.lam_min * X * X + problem.lam_max * Y * Y
    thetas = np.broadcast_to(optimum(problem), (*X.shape, problem.n_params)).copy()
    thetas[..., plane.axes[0]], thetas[..., plane.axes[1]] = X, Y
    return excess_loss(problem, thetas)


def _finite(points: np.ndarray) -> np.ndarray:
    """Rows of ``points`` whose values are finite and within float32's range."""
    return points[finite_rows(*points.T)]


def _frame(problem: Problem, plane: Plane, runs: Sequence[tuple[str, FitResult]], anchors: np.ndarray) -> list:
    """Axis ranges that hold the anchors (the optimum, the true θ), the starts and every path point no worse
    than the worst start.

    A diverged path, or a momentum's overshoot far up the valley's walls, leaves the frame
    instead of stretching it until the valley is a line.
    """
    points = [coordinates(problem, plane, anchors)]
    start = max((float(fit.checkpoint_loss[0]) for _, fit in runs), default=math.inf)
    for _, fit in runs:
        thetas = _thetas(problem, fit)
        losses = np.asarray(fit.checkpoint_loss)
        with np.errstate(invalid="ignore"):
            fine = losses <= start
        points.append(coordinates(problem, plane, thetas[fine]))
    pts = _finite(np.vstack(points))
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    span = np.maximum(hi - lo, 1e-9 * np.maximum(np.abs(hi), 1.0))
    if plane.kind == "eigen":  # a path that never leaves one direction still deserves some room in the other
        span = np.maximum(span, 0.05 * span.max())
    return [(float(a - 0.08 * s), float(b + 0.08 * s)) for a, b, s in zip(lo, hi, span, strict=True)]


def _thetas(problem: Problem, fit: FitResult) -> np.ndarray:
    """A run's checkpoints in the units of X: coefficients, then the intercept; shape (K, p)."""
    w = np.asarray(fit.checkpoint_weights, dtype=np.float64)
    if problem.fit_intercept:
        return np.column_stack([w, fit.checkpoint_bias])
    return w


# --- traces ---------------------------------------------------------------------------------------------------


def contour_trace(
    problem: Problem, plane: Plane, ranges: list, titles: tuple[str, str], *, colorbar: bool = True
) -> go.Contour:
    """The training MSE over ``ranges`` of ``plane``, coloured by log10(L - L*) with a contour every half decade."""
    xs, ys = (np.linspace(lo, hi, GRID) for lo, hi in ranges)
    excess = _grid_excess(problem, plane, xs, ys)
    floor = _floor(problem)
    z = np.log10(np.maximum(np.where(np.isfinite(excess), excess, floor), floor))
    top = float(np.max(z))
    bottom = max(float(np.min(z)), top - DECADES)
    step = 1.0 / LEVELS_PER_DECADE
    start = math.floor(bottom / step) * step
    decades = list(range(math.ceil(bottom), math.floor(top) + 1))
    bar = {
        "title": {"text": "L − L*", "side": "top"},
        "tickvals": decades,
        "ticktext": tick_labels([10.0**e for e in decades]) if decades else [],
        "thickness": 12,
        "len": 0.8,
    }
    return go.Contour(
        x=xs.astype(np.float32),
        y=ys.astype(np.float32),
        z=z.astype(np.float32),
        contours={"start": start, "end": top, "size": step, "coloring": "fill", "showlines": True},
        colorscale=CONTOUR_SCALE,
        line={"color": "rgba(60, 60, 60, 0.35)", "width": 0.7},
        showscale=colorbar,
        colorbar=bar,
        name="Training MSE",
        showlegend=False,
        hovertemplate=f"{titles[0]} %{{x:.4g}}<br>{titles[1]} %{{y:.4g}}<br>log₁₀(L − L*) %{{z:.2f}}<extra></extra>",
    )


def _floor(problem: Problem) -> float:
    """Below this, ``L - L*`` is rounding noise of the MSE."""
    return max(abs(problem.loss_star), problem.c, 1e-300) * 1e-13


def point_trace(problem: Problem, plane: Plane, theta: np.ndarray, name: str, symbol: str, color: str) -> go.Scatter:
    """One marked point of parameter space (the optimum, the true θ) on ``plane``."""
    xy = _finite(coordinates(problem, plane, np.asarray(theta, dtype=np.float64)[None, :])).astype(np.float32)
    return go.Scatter(
        x=compact(xy[:, 0]),
        y=compact(xy[:, 1]),
        mode="markers",
        name=name,
        marker={"symbol": symbol, "size": 13, "color": color, "line": {"color": "#ffffff", "width": 1}},
        hovertemplate=f"{name}<extra></extra>",
    )


def path_trace(xy: np.ndarray, name: str, color: str, *, faint: bool = False, group: str | None = None) -> go.Scatter:
    """A path through parameter space: its checkpoints joined in order."""
    xy = _finite(xy).astype(np.float32)
    return go.Scatter(
        x=compact(xy[:, 0]),
        y=compact(xy[:, 1]),
        mode="lines" if faint else "lines+markers",
        name=name,
        legendgroup=group or name,
        showlegend=not faint,
        line={"color": color, "width": 1 if faint else 2.5, "dash": "dot" if faint else "solid"},
        marker={"size": 4, "color": color},
        opacity=0.6 if faint else 1.0,
        hoverinfo="skip" if faint else None,
        hovertemplate=None if faint else f"{name}<br>%{{x:.4g}}, %{{y:.4g}}<extra></extra>",
    )


def _anchors(problem: Problem, true_theta) -> np.ndarray:
    points = [optimum(problem)]
    if true_theta is not None:
        points.append(np.asarray(true_theta, dtype=np.float64))
    return np.vstack(points)


def _no_plane(problem: Problem) -> go.Figure:
    fig = go.Figure()
    note(fig, "One parameter only: there is no plane to draw. The loss curve tells the whole story.", y=0.5)
    fig.update_layout(title="The loss landscape", xaxis={"visible": False}, yaxis={"visible": False}, margin=MARGIN)
    return fig


# --- the figures ----------------------------------------------------------------------------------------------


def landscape_figure(
    source: Experiment | Problem,
    *,
    runs: Sequence[tuple[str, FitResult]] | None = None,
    true_theta=None,
    plane: Plane | None = None,
    feature_names: Sequence[str] | None = None,
) -> go.Figure:
    """The training MSE's contours over a plane of parameter space, with each run's path, the OLS minimum and the
    true θ.

    Called with an :class:`~linreg.Experiment` alone, it draws the experiment's
    gradient-descent path on ``(w_1, w_2)`` for one feature (the extreme
    eigendirections for more), its true θ and its feature names.
    """
    if isinstance(source, Experiment):
        runs = [(GD_NAME, source.fit)] if runs is None else runs
        true_theta = source.true_theta if true_theta is None else true_theta
        names = feature_names if feature_names is not None else _names(source)
        problem = source.problem
    else:
        problem, names, runs = source, feature_names, runs or []
    plane = plane or default_plane(problem)
    if plane is None:
        return _no_plane(problem)
    titles = plane_titles(problem, plane, names)
    anchors = _anchors(problem, true_theta)
    ranges = _frame(problem, plane, runs, anchors)
    fig = go.Figure([contour_trace(problem, plane, ranges, titles)])
    for i, (name, fit) in enumerate(runs):
        fig.add_trace(path_trace(coordinates(problem, plane, _thetas(problem, fit)), name, _color(i)))
    _add_points(fig, problem, plane, true_theta)
    fig.update_layout(
        title="The loss landscape",
        legend=LEGEND,
        margin=MARGIN,
        xaxis={"title": titles[0], "range": list(ranges[0])},
        yaxis={"title": titles[1], "range": list(ranges[1])},
    )
    return fig


def _names(exp: Experiment) -> tuple[str, ...] | None:
    return None if exp.params is not None else exp.feature_names


def _color(i: int) -> str:
    return RUN_COLORS[i % len(RUN_COLORS)]


def _add_points(fig: go.Figure, problem: Problem, plane: Plane, true_theta, **where) -> None:
    fig.add_trace(point_trace(problem, plane, optimum(problem), OLS_NAME, "star", COLORS[OLS_NAME]), **where)
    if true_theta is not None:
        fig.add_trace(point_trace(problem, plane, true_theta, "True θ", "x", COLORS[TRUE_NAME]), **where)


def excess_points(problem: Problem, fit: FitResult, max_points: int = LOSS_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """(iteration + 1, L - L*) of a run's loss history, log-spaced, floored at rounding noise for a log axis."""
    history = np.append(fit.loss_history, fit.final_loss)
    idx = log_indices(len(history), max_points)
    with np.errstate(all="ignore"):
        gap = np.maximum(history[idx] - problem.loss_star, _floor(problem))
    keep = np.isfinite(gap) & (gap < F32_MAX)
    return (idx[keep] + 1).astype(np.float32), gap[keep].astype(np.float32)


def race_frames(runs: Sequence[tuple[str, FitResult]]) -> np.ndarray:
    """The iterations the race's frames show: every checkpoint of every run, in order."""
    return np.unique(np.concatenate([np.asarray(fit.checkpoint_iters) for _, fit in runs]))


def race_figure(
    problem: Problem,
    runs: Sequence[tuple[str, FitResult]],
    *,
    true_theta=None,
    plane: Plane | None = None,
    feature_names: Sequence[str] | None = None,
) -> go.Figure:
    """Several runs together: their paths on the landscape (top) and their L - L* on log axes (below).

    One scrubber animates every path and every loss marker together, checkpoint by
    checkpoint, in the browser: each frame carries the paths up to that iteration and
    the markers, never a server round trip.
    """
    plane = plane or default_plane(problem)
    if plane is None or not runs:
        return _no_plane(problem)
    titles = plane_titles(problem, plane, feature_names)
    # Stacked, not side by side: each chart keeps the page's whole width on a phone as on a desktop.
    fig = make_subplots(
        rows=2,
        cols=1,
        subplot_titles=("Paths on the loss landscape", "L − L*: the MSE above its minimum"),
        vertical_spacing=0.14,
    )
    ranges = _frame(problem, plane, runs, _anchors(problem, true_theta))
    fig.add_trace(contour_trace(problem, plane, ranges, titles, colorbar=False), row=1, col=1)
    paths = [coordinates(problem, plane, _thetas(problem, fit)) for _, fit in runs]
    for i, ((name, _), xy) in enumerate(zip(runs, paths, strict=True)):
        fig.add_trace(path_trace(xy, name, _color(i), faint=True, group=name), row=1, col=1)
    _add_points(fig, problem, plane, true_theta, row=1, col=1)
    curves = [excess_points(problem, fit) for _, fit in runs]
    for i, ((name, _), (it, gap)) in enumerate(zip(runs, curves, strict=True)):
        fig.add_trace(_curve(it, gap, name, _color(i)), row=2, col=1)
    frames = race_frames(runs)
    first = len(fig.data)
    for i, ((name, fit), xy) in enumerate(zip(runs, paths, strict=True)):
        step = _state(problem, fit, xy, 0)
        fig.add_trace(_moving_path(step[0], name, _color(i)), row=1, col=1)
        fig.add_trace(_loss_marker(step[1], step[2], name, _color(i)), row=2, col=1)
    moving = list(range(first, len(fig.data)))
    fig.frames = [_race_frame(problem, runs, paths, int(k), moving) for k in frames]
    _style_race(fig, problem, plane, titles, ranges, curves, [f"{int(k):,}" for k in frames])
    return fig


def _curve(it: np.ndarray, gap: np.ndarray, name: str, color: str) -> go.Scatter:
    return go.Scatter(
        x=it,
        y=gap,
        mode="lines",
        name=name,
        legendgroup=name,
        showlegend=False,
        line={"color": color},
        hovertemplate=f"{name}<br>iteration %{{x:,.0f}}<br>L − L* %{{y:.3g}}<extra></extra>",
    )


def _state(problem: Problem, fit: FitResult, xy: np.ndarray, k: int) -> tuple[np.ndarray, int, float]:
    """A run at iteration ``k``: its path so far, and the iteration and ``L - L*`` of its last checkpoint."""
    iters = np.asarray(fit.checkpoint_iters)
    last = max(int(np.searchsorted(iters, k, side="right")) - 1, 0)
    with np.errstate(all="ignore"):
        gap = max(float(fit.checkpoint_loss[last]) - problem.loss_star, _floor(problem))
    return xy[: last + 1], int(iters[last]), gap


def _moving_path(xy: np.ndarray, name: str, color: str) -> go.Scatter:
    xy = _finite(xy).astype(np.float32)
    return go.Scatter(
        x=xy[:, 0],
        y=xy[:, 1],
        mode="lines+markers",
        name=name,
        legendgroup=name,
        line={"color": color, "width": 2.5},
        marker={"size": 5, "color": color},
        hovertemplate=f"{name}<br>%{{x:.4g}}, %{{y:.4g}}<extra></extra>",
    )


def _loss_marker(k: int, gap: float, name: str, color: str) -> go.Scatter:
    xs, ys = _marker_xy(k, gap)
    return go.Scatter(
        x=xs,
        y=ys,
        mode="markers",
        name=f"{name} (current iteration)",
        legendgroup=name,
        showlegend=False,
        marker={"size": 11, "color": color, "line": {"color": "#ffffff", "width": 1.5}},
        hovertemplate=f"{name}<br>iteration %{{x:,.0f}}<br>L − L* %{{y:.3g}}<extra></extra>",
    )


def _marker_xy(k: int, gap: float) -> tuple[list[float], list[float]]:
    if not (math.isfinite(gap) and gap < F32_MAX):
        return [], []
    return [float(k + 1)], [gap]


def _race_frame(problem: Problem, runs, paths, k: int, moving: list[int]) -> dict:
    """The moving traces at iteration ``k``: each run's path so far, then its loss marker."""
    data = []
    for (_, fit), xy in zip(runs, paths, strict=True):
        so_far, at, gap = _state(problem, fit, xy, k)
        pts = _finite(so_far).astype(np.float32)
        xs, ys = _marker_xy(at, gap)
        data += [{"x": pts[:, 0], "y": pts[:, 1]}, {"x": xs, "y": ys}]
    return {"name": f"{k:,}", "data": data, "traces": moving}


def _style_race(fig, problem, plane, titles, ranges, curves, names) -> None:
    fig.update_xaxes(title_text=titles[0], range=list(ranges[0]), row=1, col=1)
    fig.update_yaxes(title_text=titles[1], range=list(ranges[1]), row=1, col=1)
    fig.update_xaxes(title_text="iteration", row=2, col=1)
    fig.update_yaxes(title_text="L − L*", row=2, col=1)
    its = np.concatenate([it for it, _ in curves])
    gaps = np.concatenate([gap for _, gap in curves])
    _set_axis(fig, "x", "log", its, row=2, col=1)
    _set_axis(fig, "y", "log", gaps, row=2, col=1)
    fig.update_layout(
        title="The race, checkpoint by checkpoint",
        # The playground's controls, nearer the plot: this figure is about twice as tall as its replay.
        updatemenus=[play_buttons() | {"y": -0.09}],
        sliders=[scrubber(names) | {"y": -0.06}],
        legend=LEGEND,
        margin=MARGIN | {"b": 210},
        height=980,
    )
