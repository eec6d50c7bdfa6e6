"""Unit tests of dashboard/figures.py on linreg results, without Streamlit."""

from __future__ import annotations

import json

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import pytest
from plotly_spec import decode_array

from dashboard import figures as F
from linreg import ExperimentParams, run_experiment


@pytest.fixture(scope="module")
def article():
    return run_experiment()


@pytest.fixture(scope="module")
def diverged():
    return run_experiment(ExperimentParams(lr=1e-3))


def spec(fig: go.Figure) -> dict:
    return json.loads(pio.to_json(fig, validate=False))


def names(fig: go.Figure) -> list[str]:
    return [t.name for t in fig.data]


def all_finite(fig: go.Figure) -> bool:
    s = spec(fig)
    traces = s["data"] + [t for f in s.get("frames", []) for t in f["data"]]
    return all(np.isfinite(decode_array(t[a])).all() for t in traces for a in ("x", "y") if a in t)


def test_fit_figure_labels_every_line(article):
    fig = F.fit_figure(article)
    assert names(fig) == [
        "Test data",
        "True line: y = 3.5x + 10",
        "Least squares (OLS): y = 3.48x + 9.57",
        "Gradient descent: y = 3.48x + 9.57",
    ]
    assert len(fig.data[0].x) == 80
    assert names(F.fit_figure(article, show_train=True))[0] == "Train data"


def test_gradient_descent_line_follows_the_fit(article):
    line = F.fit_figure(article).data[-1]
    assert list(line.x) == [0.0, 100.0]
    expected = article.fit.bias + article.fit.weights[0] * 100
    assert line.y[1] == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize(("n", "expected"), [(1, 1), (1_500, 1_500), (2_000, 2_000), (100_000, None)])
def test_log_indices_keep_first_and_last_within_the_budget(n, expected):
    idx = F.log_indices(n)
    assert idx[0] == 0 and idx[-1] == n - 1
    assert len(idx) <= F.MAX_LINE_POINTS
    assert np.all(np.diff(idx) > 0)
    if expected is not None:
        assert len(idx) == expected
    else:
        assert len(idx) > 1_900  # the budget is used, not thrown away by rounding


def test_loss_figure_downsamples_and_shows_the_minimum(article):
    fig = F.loss_figure(article.fit, article.ols_train.mse)
    loss, minimum = fig.data
    assert loss.name == "Training MSE" and minimum.name.startswith("OLS minimum")
    assert len(loss.x) <= F.MAX_LINE_POINTS
    assert loss.x[0] == 1 and loss.x[-1] == 100_000
    assert loss.y[0] == pytest.approx(article.fit.loss_history[0], rel=1e-6)
    assert list(minimum.y) == pytest.approx([article.ols_train.mse] * 2, rel=1e-6)
    assert fig.layout.xaxis.type == "log" and fig.layout.yaxis.type == "log"
    assert "iteration" in loss.hovertemplate and "MSE" in loss.hovertemplate
    assert F.loss_figure(article.fit, 1.0, log_scale=False).layout.yaxis.type == "linear"


def test_excess_loss_shows_the_slow_phase_on_a_log_axis(article):
    fig = F.loss_figure(article.fit, article.ols_train.mse, excess=True)
    (gap,) = fig.data
    assert gap.name == "Training MSE − OLS minimum" and fig.layout.yaxis.type == "log"
    y = np.asarray(gap.y, dtype=float)
    assert y[0] == pytest.approx(article.fit.loss_history[0] - article.ols_train.mse, rel=1e-6)
    assert np.all(y > 0) and np.all(np.diff(y) <= 0)
    # The fast direction is gone within a few dozen steps; the slow one leaves a plateau of about 23...
    at = {k: y[np.flatnonzero(np.asarray(gap.x) == k)[0]] for k in (20, 10_000)}
    assert 20.0 < at[20] < 25.0
    # ...which then shrinks by (1 - lr * lam_min)**2 per step, as the Hessian's smallest eigenvalue predicts.
    rate = (1 - 5e-4 * article.diagnostics.eigenvalues[0]) ** 2
    assert at[10_000] / at[20] == pytest.approx(rate ** (10_000 - 20), rel=1e-3)
    assert y[-1] < 1e-8


def test_scatter_switches_to_webgl_and_samples():
    x = np.arange(30_000, dtype=float)
    assert isinstance(F.scatter(x[:5_000], x[:5_000], "Test data"), go.Scatter)
    big = F.scatter(x[:5_001], x[:5_001], "Test data")
    assert isinstance(big, go.Scattergl) and big.name == "Test data"
    sampled = F.scatter(x, x, "Train data")
    assert len(sampled.x) == F.MAX_SCATTER_POINTS
    assert sampled.name == "Train data (25,000 of 30,000 shown)"
    assert sampled.x[0] == 0 and sampled.x[-1] == 29_999


def test_fit_figure_frames_the_data_even_when_the_line_diverges(diverged):
    fig = F.fit_figure(diverged)
    low, high = fig.layout.yaxis.range
    y = diverged.split.y_test
    assert low < y.min() and y.max() < high
    assert max(abs(v) for v in fig.data[-1].y) > high  # the runaway line leaves the frame


def test_non_finite_values_never_reach_a_chart(diverged):
    assert diverged.fit.diverged
    for fig in (
        F.fit_figure(diverged, show_train=True),
        F.loss_figure(diverged.fit, diverged.ols_train.mse),
        F.replay_figure(diverged),
    ):
        assert all_finite(fig)
    xs, ys = F.finite_xy([1, 2, 3, 4], [1.0, np.nan, np.inf, 1e300])
    assert xs.tolist() == [1] and ys.tolist() == [1]


def test_replay_moves_the_line_and_the_marker_together(article):
    fig = F.replay_figure(article)
    fit = article.fit
    assert len(fig.frames) == len(fit.checkpoint_iters)
    steps = fig.layout.sliders[0].steps
    assert [s.label for s in steps] == [f.name for f in fig.frames]
    assert [b.label for b in fig.layout.updatemenus[0].buttons] == ["▶ Play", "❚❚ Pause"]
    first, last = fig.frames[0], fig.frames[-1]
    assert list(first.traces) == [2, 4]
    assert names(fig)[2].startswith("Gradient descent") and names(fig)[4] == "Current iteration"
    assert list(first.data[0].y) == [0.0, 0.0]  # GD starts from w = 0
    assert last.data[0].y[1] == pytest.approx(fit.bias + 100 * fit.weights[0], rel=1e-6)
    assert last.data[1].x[0] == fit.n_iter + 1
    assert last.data[1].y[0] == pytest.approx(fit.checkpoint_loss[-1], rel=1e-6)


def test_payloads_stay_bounded_at_the_largest_settings():
    exp = run_experiment(ExperimentParams(n=100_000, n_iters=1_000_000))
    for fig in (F.fit_figure(exp, show_train=True), F.loss_figure(exp.fit, 1.0), F.replay_figure(exp)):
        assert len(pio.to_json(fig, validate=False)) < 1_000_000


@pytest.fixture(scope="module")
def blown_up():
    """The issue's case: lr = 1 at the article's defaults, far past the stable bound."""
    return run_experiment(ExperimentParams(lr=1.0))


def test_a_diverged_loss_chart_shows_the_blow_up_and_marks_the_stop(blown_up):
    fig = F.loss_figure(blown_up.fit, blown_up.ols_train.mse)
    x, y = decode_array(fig.data[0].x), decode_array(fig.data[0].y)
    assert list(x) == list(range(blown_up.fit.n_iter + 1))  # updates done, from the initial loss on
    assert len(y) >= 2 and np.all(np.diff(y) > 0)
    assert y[-1] / y[0] > 1e6  # orders of magnitude, on a log axis
    assert fig.layout.yaxis.type == "log"
    stop = [s for s in fig.layout.shapes if s.type == "line"]
    assert len(stop) == 1 and stop[0].x0 == x[-1]
    assert f"stopped after {blown_up.fit.n_iter:,}" in fig.layout.annotations[0].text
    assert "diverged" in fig.layout.title.text


def test_a_diverged_line_off_the_chart_is_stated(blown_up):
    fig = F.fit_figure(blown_up)
    (note,) = fig.layout.annotations
    assert note.text.startswith("The gradient-descent line runs off the chart:<br>y = ")
    w = blown_up.fit.weights[0]
    assert f"{w:.3g}x" in note.text


def test_log_axes_have_clean_decade_ticks_to_the_last_iteration(article):
    fig = F.loss_figure(article.fit, article.ols_train.mse)
    assert list(fig.layout.xaxis.tickvals) == [1, 10, 100, 1000, 10_000, 100_000]
    assert list(fig.layout.xaxis.ticktext) == ["10⁰", "10¹", "10²", "10³", "10⁴", "10⁵"]
    assert fig.layout.xaxis.range[1] > 5  # the axis reaches past 10⁵, so its last tick is drawn
    labels = list(fig.layout.yaxis.ticktext)
    assert labels and not any(letter in "".join(labels) for letter in "kMGTµmnp")


@pytest.mark.parametrize(
    ("lo", "hi", "expected"),
    [(1, 1e6, [1, 10, 100, 1e3, 1e4, 1e5, 1e6]), (1e-18, 1e4, [1e-18, 1e-15, 1e-12, 1e-9, 1e-6, 1e-3, 1])],
)
def test_log_ticks_thin_out_long_ranges(lo, hi, expected):
    ticks = F.log_ticks(lo, hi)
    assert ticks[: len(expected)] == pytest.approx(expected) and len(ticks) <= 8


@pytest.mark.parametrize("figure", ["fit", "loss"])
def test_legends_sit_outside_the_plot_area(article, figure):
    fig = {
        "fit": lambda: F.fit_figure(article, show_train=True),
        "loss": lambda: F.loss_figure(article.fit, article.ols_train.mse),
    }[figure]()
    legend = fig.layout.legend
    assert fig.layout.showlegend is not False
    assert legend.orientation == "h" and legend.yref == "container" and legend.y == 0 and legend.yanchor == "bottom"


# A title of at most this many characters fits on one line of a 390 px phone (the app's chart is 358 px wide there,
# the title's bold 17 px font about 7.3 px a character).
PHONE_TITLE_CHARS = 46


def assert_replay_layout(fig: go.Figure) -> None:
    """The replay's parts stack at fixed pixel offsets, so that none overlaps another at any width.

    Top to bottom: the title, the legend (the one part whose height depends on the width), the plots without
    subplot titles, then the buttons' row and the slider, padded in pixels under the plot area.
    """
    layout = fig.layout
    height = layout.height
    assert height >= F.REPLAY_HEIGHT
    title = layout.title
    assert len(title.text) <= PHONE_TITLE_CHARS and "<br>" not in title.text
    assert title.yanchor == "top" and (1 - title.y) * height == pytest.approx(F.REPLAY_TITLE_TOP)
    # The legend under the title, in the container's pixels: the top margin grows to fit its rows, whatever they are.
    legend = layout.legend
    assert legend.orientation == "h" and legend.yref == "container" and legend.yanchor == "top"
    assert (1 - legend.y) * height == pytest.approx(F.REPLAY_LEGEND_TOP)
    assert F.REPLAY_LEGEND_TOP >= F.REPLAY_TITLE_TOP + 24  # the title's line of 21 px, and a gap
    assert not layout.annotations  # subplot titles would sit under the legend's last row
    # Under the plots: the buttons and the slider's current value share a row, the rail below them.
    (menu,), (slider,) = layout.updatemenus, layout.sliders
    for control in (menu, slider):
        assert control.y == 0 and control.yanchor == "top" and control.pad.t >= F.REPLAY_AXES
    assert slider.x == 0 and slider.len == 1 and slider.currentvalue.xanchor == "right"
    assert slider.currentvalue.prefix == "after update "
    assert menu.x == 0 and menu.xanchor == "left" and menu.direction == "left"
    assert layout.margin.b == F.REPLAY_AXES + F.REPLAY_CONTROLS
    assert layout.margin.t == F.MARGIN["t"]  # the legend's rows grow it


def test_the_replay_stacks_its_parts_in_pixels(article):
    assert_replay_layout(F.replay_figure(article))
    assert F.replay_figure(article).layout.title.text.startswith("Replay: gradient descent")


def test_the_race_keeps_its_own_controls():
    """The Optimizers page's race places the shared buttons and slider itself: the replay's layout is not theirs."""
    assert F.play_buttons()["y"] == -0.18 and "pad" not in F.play_buttons()
    assert F.scrubber(["0"])["y"] == -0.12 and "pad" not in F.scrubber(["0"])


def _luminance(hex_colour: str) -> float:
    rgb = np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)]) / 255
    lin = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    return float(lin @ [0.2126, 0.7152, 0.0722])


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("name", list(F.COLORS))
def test_data_marks_keep_3_to_1_contrast_on_both_themes(name, theme):
    pair = sorted([_luminance(F.COLORS[name]), _luminance(F.BACKGROUNDS[theme])])
    assert (pair[1] + 0.05) / (pair[0] + 0.05) >= 3


def test_points_are_drawn_opaque_so_their_colour_is_their_contrast(article):
    marker = F.fit_figure(article).data[0].marker
    assert marker.opacity is None or marker.opacity == 1


def pruned(s):
    """A decoded spec without its empty dicts: validation drops the empty title that a title of None set."""
    if isinstance(s, dict):
        return {k: pruned(v) for k, v in s.items() if v != {}}
    if isinstance(s, list):
        return [pruned(v) for v in s]
    return s


@pytest.mark.parametrize("n", [25_001, 25_002, 99_999, 200_000, 800_000, 1_000_000, 123_456_789])
def test_sample_indices_are_the_sorted_distinct_strided_rows(n):
    expected = np.unique(np.linspace(0, n - 1, F.MAX_SCATTER_POINTS).astype(np.int64))
    got = F.sample_indices(n)
    assert got.dtype == expected.dtype and np.array_equal(got, expected)


def test_figures_built_without_validation_are_what_validation_makes_of_them(article, diverged, blown_up):
    """Each figure is assembled from dicts Plotly does not check: validating its own dict afresh changes nothing."""
    assert blown_up.fit.n_iter <= 10  # the diverged loss chart's whole-update ticks
    for result in (article, diverged, blown_up):
        fit, mse = result.fit, result.ols_train.mse
        for fig in (
            F.fit_figure(result),
            F.fit_figure(result, show_train=True),
            F.replay_figure(result),
            F.loss_figure(fit, mse),
            F.loss_figure(fit, mse, log_scale=False),
            F.loss_figure(fit, mse, excess=True),
        ):
            assert pruned(spec(go.Figure(fig.to_dict()))) == pruned(spec(fig))
            fig.update_layout(title="edited")
            assert fig.to_dict()["layout"]["title"] == {"text": "edited"}
            with pytest.raises(ValueError):
                fig.update_layout(no_such_property=1)


def test_a_long_hostile_column_name_is_cut_and_escaped_in_the_fit_chart_titles():
    """A table's names reach the one-feature chart's axis titles inert and at most LABEL_LIMIT characters long."""
    from dashboard.figures import LABEL_LIMIT, axis_names
    from linreg import Dataset, TrainSpec, run

    name, target = "<b>" + "x" * 200, "[y](http://x)" + "y" * 100
    exp = run(Dataset(np.arange(10.0)[:, None], np.arange(10.0) * 2 + 1, feature_names=(name,), target_name=target),
              TrainSpec(lr=None, n_iters=10, standardize=True))  # fmt: skip
    x_title, y_title = axis_names(exp)
    assert x_title == "&lt;b&gt;" + "x" * (LABEL_LIMIT - 4) + "…"
    assert y_title == "[y](http://x)" + "y" * (LABEL_LIMIT - 14) + "…"
