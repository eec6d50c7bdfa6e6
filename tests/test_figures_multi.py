"""Unit tests of dashboard/figures_multi.py on real runs with one, three, six, ten and a hundred features."""

from __future__ import annotations

import json
import time

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import pytest
from plotly_spec import decode_array, trace
from test_figures import assert_replay_layout, pruned

from dashboard import figures_multi as M
from dashboard.figures import LEGEND, MARGIN, MAX_SCATTER_POINTS, WEBGL_THRESHOLD
from linreg import Dataset, ExperimentParams, TrainSpec, load_dataset, run, run_experiment

TRUE_W = np.array([2.0, -1.5, 0.5])
TRUE_B = 4.0
HOSTILE = ("<script>alert(1)</script>", "[link](http://x)", "=cmd|' /C calc'!A0")


def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a, dtype=np.float64)
    a.flags.writeable = False
    return a


def synthetic3(seed: int = 7, m: int = 600, names=("a", "b", "c"), target: str = "z") -> Dataset:
    """Three features of different scales, y = X @ TRUE_W + TRUE_B + N(0, 0.5²)."""
    rng = np.random.RandomState(seed)
    X = rng.standard_normal((m, 3)) * [1.0, 10.0, 0.1] + [0.0, 50.0, -3.0]
    y = X @ TRUE_W + TRUE_B + 0.5 * rng.standard_normal(m)
    return Dataset(X, y, feature_names=names, target_name=target, true_theta=np.append(TRUE_W, TRUE_B))


@pytest.fixture(scope="module")
def longley():
    return run(load_dataset("longley"), TrainSpec(lr=None, standardize=True, n_iters=5000))


@pytest.fixture(scope="module")
def synth():
    return run(synthetic3(), TrainSpec(lr=None, standardize=True, n_iters=20_000))


@pytest.fixture(scope="module")
def single():
    return run_experiment()


@pytest.fixture(scope="module")
def hostile():
    return run(synthetic3(names=HOSTILE, target="<b>target</b>"), TrainSpec(lr=None, standardize=True, n_iters=200))


@pytest.fixture(scope="module")
def diverged():
    return run(load_dataset("longley"), TrainSpec(lr=1.0, standardize=True, n_iters=1000))


@pytest.fixture(params=["longley", "synth", "single"])
def exp(request):
    return request.getfixturevalue(request.param)


def spec(fig: go.Figure) -> dict:
    return json.loads(pio.to_json(fig, validate=False))


def figures(exp) -> dict[str, go.Figure]:
    feature = exp.feature_names[-1]
    return {
        "predicted": M.predicted_vs_actual(exp),
        "band": M.predicted_vs_actual(exp, intervals=0.9),
        "residuals": M.residuals_figure(exp),
        "coefficients": M.coefficients_figure(exp),
        "standardized": M.coefficients_figure(exp, standardized=True),
        "partial": M.partial_figure(exp, feature),
        "replay": M.coefficient_replay(exp),
    }


def arrays(s: dict, key: str = "") -> list[tuple[str, np.ndarray]]:
    """Every numeric array (and number) anywhere in a decoded spec, with its key."""
    if isinstance(s, dict):
        if "bdata" in s:
            return [(key, decode_array(s))]
        return [a for k, v in s.items() for a in arrays(v, k)]
    if isinstance(s, list):
        if s and all(isinstance(v, int | float) and not isinstance(v, bool) for v in s):
            return [(key, np.asarray(s, dtype=float))]
        return [a for v in s for a in arrays(v, key)]
    if isinstance(s, float):
        return [(key, np.array([s]))]
    return []


def strings(s) -> list[str]:
    if isinstance(s, dict):
        return [t for k, v in s.items() for t in [k, *strings(v)]]
    if isinstance(s, list):
        return [t for v in s for t in strings(v)]
    return [s] if isinstance(s, str) else []


def xy(s: dict, name: str) -> tuple[np.ndarray, np.ndarray]:
    t = trace(s, name)
    return decode_array(t["x"]), decode_array(t["y"])


def f32(values) -> np.ndarray:
    return np.asarray(values, dtype=np.float32).astype(float)


# --- predicted vs actual ------------------------------------------------------------------------------------


def test_predicted_points_are_the_test_predictions(exp):
    s = spec(M.predicted_vs_actual(exp))
    split = exp.split
    x, y = xy(s, "Gradient descent")
    np.testing.assert_array_equal(x, f32(split.y_test))
    np.testing.assert_allclose(y, split.X_test @ exp.coef + exp.intercept, rtol=1e-6)
    x, y = xy(s, "Least squares")
    np.testing.assert_array_equal(x, f32(split.y_test))
    np.testing.assert_allclose(y, split.X_test @ exp.ols.weights + exp.ols.bias, rtol=1e-6)
    assert trace(s, "Least squares")["marker"]["symbol"] == "circle-open"  # the lighter of the two


def test_the_diagonal_spans_the_data_on_equal_axes(exp):
    fig = M.predicted_vs_actual(exp)
    s = spec(fig)
    x, y = xy(s, "Perfect prediction")
    np.testing.assert_array_equal(x, y)
    points = np.concatenate([v for name in ("Gradient descent", "Least squares") for v in xy(s, name)])
    assert x[0] <= points.min() and x[-1] >= points.max()
    assert fig.layout.xaxis.range == fig.layout.yaxis.range
    assert fig.layout.xaxis.range[0] <= x[0] and x[-1] <= fig.layout.xaxis.range[1]
    assert fig.layout.title.text == "Predicted vs actual on the test data"
    target = exp.dataset.target_name
    assert fig.layout.xaxis.title.text == f"actual {target}" and fig.layout.yaxis.title.text == f"predicted {target}"


def test_a_coverage_level_draws_the_band_of_the_prediction_interval(synth):
    s = spec(M.predicted_vs_actual(synth, intervals=0.95))
    lower, upper = s["data"][0], s["data"][1]
    assert upper["fill"] == "tonexty" and upper["name"].startswith("95% prediction band")
    width = decode_array(upper["y"]) - decode_array(lower["y"])
    np.testing.assert_allclose(width, 2 * 1.959964 * synth.train.rmse, rtol=1e-5)
    # About 95% of the test points lie inside it: the noise is Gaussian.
    actual, predicted = xy(s, "Gradient descent")
    inside = np.mean(np.abs(predicted - actual) <= 1.959964 * synth.train.rmse)
    assert 0.9 < inside <= 1.0


def test_half_widths_draw_error_bars_and_bad_ones_are_refused(synth):
    half = np.linspace(0.1, 1.0, len(synth.split.y_test))
    s = spec(M.predicted_vs_actual(synth, intervals=half))
    np.testing.assert_allclose(decode_array(trace(s, "Gradient descent")["error_y"]["array"]), half, rtol=1e-6)
    for bad in (0.0, 1.5, half[:-1], -half, np.full_like(half, np.nan)):
        with pytest.raises(ValueError, match="intervals"):
            M.predicted_vs_actual(synth, intervals=bad)


def test_a_diverged_run_leaves_the_frame_to_the_data(diverged):
    assert diverged.fit.diverged
    fig = M.predicted_vs_actual(diverged)
    lo, hi = fig.layout.xaxis.range
    y = diverged.split.y_test
    assert lo < y.min() and y.max() < hi
    (note,) = fig.layout.annotations
    assert "off the chart" in note.text


# --- residuals ----------------------------------------------------------------------------------------------


def test_residuals_are_actual_minus_fitted_on_both_parts(exp):
    fig = M.residuals_figure(exp)
    s = spec(fig)
    for part, X, y in (("Test", exp.split.X_test, exp.split.y_test), ("Train", exp.split.X_train, exp.split.y_train)):
        fitted = X @ exp.coef + exp.intercept
        x, r = xy(s, part)
        np.testing.assert_allclose(x, fitted, rtol=1e-6)
        expected = y - fitted
        assert r.sum() == pytest.approx(expected.sum(), abs=1e-6 * np.abs(expected).sum())
    assert trace(s, "Train")["visible"] == "legendonly" and trace(s, "Test").get("visible", True) is True
    (zero,) = fig.layout.shapes
    assert zero.y0 == zero.y1 == 0


def test_converged_training_residuals_sum_to_zero(synth):
    assert synth.fit.converged
    _, r = xy(spec(M.residuals_figure(synth)), "Train")
    assert abs(r.sum()) < 1e-4 * np.abs(r).sum()


# --- coefficients -------------------------------------------------------------------------------------------


def test_coefficient_bars_are_the_fitted_weights(exp):
    fig = M.coefficients_figure(exp)
    s = spec(fig)
    gd, ls = trace(s, "Gradient descent"), trace(s, "Least squares")
    np.testing.assert_allclose(decode_array(gd["x"]), [*exp.coef, exp.intercept], rtol=1e-12)
    np.testing.assert_allclose(decode_array(ls["x"]), [*exp.ols.weights, exp.ols.bias], rtol=1e-12)
    assert gd["orientation"] == "h" and fig.layout.barmode == "group"
    d = exp.dataset.d
    np.testing.assert_array_equal(decode_array(gd["y"]), np.arange(d + 1))
    assert list(fig.layout.yaxis.ticktext) == [*exp.feature_names, "(intercept)"]
    assert list(fig.layout.yaxis.tickvals) == list(range(d + 1))
    true = [t for t in s["data"] if t["name"] == "True coefficients"]
    if exp.true_theta is None:
        assert not true
    else:
        np.testing.assert_allclose(decode_array(true[0]["x"]), exp.true_theta)


def test_standardized_coefficients_are_beta_weights(exp):
    fig = M.coefficients_figure(exp, standardized=True)
    s = spec(fig)
    X, y = exp.split.X_train, exp.split.y_train
    scale = np.std(X, axis=0) / np.std(y)
    np.testing.assert_allclose(decode_array(trace(s, "Gradient descent")["x"]), exp.coef * scale, rtol=1e-12)
    np.testing.assert_allclose(decode_array(trace(s, "Least squares")["x"]), exp.ols.weights * scale, rtol=1e-12)
    assert list(fig.layout.yaxis.ticktext) == list(exp.feature_names)  # no intercept in beta weights
    assert "Standardized coefficients (beta weights)" in fig.layout.title.text


def test_beta_weights_rank_features_by_effect_whatever_their_units(synth):
    s = spec(M.coefficients_figure(synth, standardized=True))
    beta = np.abs(decode_array(trace(s, "Least squares")["x"]))
    # Raw weights rank a, b, c as 2 > 1.5 > 0.5; per SD, b (SD 10) dwarfs a (SD 1) and c (SD 0.1).
    assert np.argsort(-beta).tolist() == [1, 0, 2]


# --- partial view -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("j", [0, 1, 2])
def test_partial_lines_have_the_weight_as_slope_and_pass_through_the_mean_prediction(synth, j):
    feature = synth.feature_names[j]
    s = spec(M.partial_figure(synth, feature))
    X = synth.split.X_train
    mean = X.mean(axis=0)
    for name, w, b in (
        ("Gradient descent", synth.coef, synth.intercept),
        ("Least squares", synth.ols.weights, synth.ols.bias),
        ("True line", TRUE_W, TRUE_B),
    ):
        x, y = xy(s, name)
        slope = (y[1] - y[0]) / (x[1] - x[0])
        assert slope == pytest.approx(w[j], rel=1e-4, abs=1e-4)
        at_mean = y[0] + slope * (mean[j] - x[0])
        assert at_mean == pytest.approx(float(np.mean(X @ w + b)), rel=1e-5)
    column = np.concatenate([X[:, j], synth.split.X_test[:, j]])
    x, _ = xy(s, "Gradient descent")
    assert x[0] == pytest.approx(column.min(), rel=1e-6) and x[-1] == pytest.approx(column.max(), rel=1e-6)
    x, y = xy(s, "Test data")
    np.testing.assert_array_equal(x, f32(synth.split.X_test[:, j]))
    np.testing.assert_array_equal(y, f32(synth.split.y_test))


def test_partial_figure_refuses_an_unknown_feature(synth):
    with pytest.raises(ValueError, match="feature"):
        M.partial_figure(synth, "nope")


# --- replay -------------------------------------------------------------------------------------------------


def test_replay_has_a_frame_per_checkpoint_ending_at_the_final_weights(exp):
    fig = M.coefficient_replay(exp)
    fit, d = exp.fit, exp.dataset.d
    assert len(fig.frames) == len(fit.checkpoint_iters)
    assert [st.label for st in fig.layout.sliders[0].steps] == [f.name for f in fig.frames]
    assert [b.label for b in fig.layout.updatemenus[0].buttons] == ["▶ Play", "❚❚ Pause"]
    s = spec(fig)
    first, last = s["frames"][0], s["frames"][-1]
    assert last["traces"] == [0, 3] and s["data"][0]["type"] == "bar" and s["data"][3]["name"] == "Current iteration"
    assert [t["type"] for t in last["data"]] == ["bar", "scatter"]
    assert set(last["data"][0]) == {"x", "type"} and set(last["data"][1]) == {"x", "y", "type"}
    np.testing.assert_array_equal(decode_array(first["data"][0]["x"]), np.zeros(d))  # GD starts from w = 0
    np.testing.assert_allclose(decode_array(last["data"][0]["x"]), fit.weights, rtol=1e-12)
    assert last["data"][1]["x"] == [fit.n_iter + 1]
    assert last["data"][1]["y"][0] == pytest.approx(fit.checkpoint_loss[-1], rel=1e-12)
    np.testing.assert_allclose(decode_array(trace(s, "Least squares")["x"]), exp.ols.weights, rtol=1e-12)
    lo, hi = fig.layout.xaxis.range  # one range through the animation, holding every frame
    for frame in s["frames"]:
        bars = decode_array(frame["data"][0]["x"])
        assert len(bars) == d and lo <= bars.min() and bars.max() <= hi


def test_a_replay_with_many_features_keeps_its_layout_and_grows_with_its_rows(exp):
    fig = M.coefficient_replay(exp)
    assert_replay_layout(fig)
    assert fig.layout.title.text.startswith("Replay: gradient descent")
    assert fig.layout.height == max(M._bars_height(exp.dataset.d), 480)


def test_a_standardized_replay_ends_at_the_beta_weights(longley):
    s = spec(M.coefficient_replay(longley, standardized=True))
    X, y = longley.split.X_train, longley.split.y_train
    last = decode_array(s["frames"][-1]["data"][0]["x"])
    np.testing.assert_allclose(last, longley.coef * np.std(X, axis=0) / np.std(y), rtol=1e-12)


# --- every figure -------------------------------------------------------------------------------------------


def test_every_figure_keeps_the_house_layout_and_finite_numbers(exp):
    for name, fig in figures(exp).items():
        if name == "replay":
            assert_replay_layout(fig)  # the legend on top: see figures.replay_layout
        else:
            assert fig.layout.legend.to_plotly_json() == LEGEND, name
        assert fig.layout.margin.t == MARGIN["t"], name
        for key, values in arrays(spec(fig)):
            assert np.isfinite(values).all(), (name, key)


def test_a_diverged_run_sends_only_finite_numbers(diverged):
    for name, fig in figures(diverged).items():
        for key, values in arrays(spec(fig)):
            assert np.isfinite(values).all(), (name, key)


def test_hostile_names_come_out_escaped(hostile):
    found = []
    for name, fig in figures(hostile).items():
        if name == "partial":
            fig = M.partial_figure(hostile, HOSTILE[0])
        texts = strings(spec(fig))
        for bad in ("<script", "</script", "<b>", "<a "):
            assert not any(bad in t for t in texts), (name, bad)
        found += texts
    assert any("&lt;script&gt;alert(1)&lt;/script&gt;" in t for t in found)
    assert any("&lt;b&gt;target&lt;/b&gt;" in t for t in found)
    assert "=cmd|&#x27; /C calc&#x27;!A0" in found


def test_label_escapes_then_truncates_whole_characters():
    assert M.label("<script>") == "&lt;script&gt;"
    assert M.label("x" * 40) == "x" * 40
    assert M.label("x" * 41) == "x" * 39 + "…"
    assert M.label("<" * 50, limit=5) == "&lt;" * 4 + "…"  # never half an entity
    assert M.label("two\nlines\t here") == "two lines here"


def test_long_names_that_truncate_alike_stay_apart():
    names = ("a" * 45 + "1", "a" * 45 + "2", "c")
    exp = run(synthetic3(names=names), TrainSpec(lr=None, standardize=True, n_iters=200))
    fig = M.coefficients_figure(exp)
    assert len(fig.data[0].x) == 4 and list(fig.layout.yaxis.tickvals) == [0, 1, 2, 3]
    assert fig.layout.yaxis.ticktext[0] == fig.layout.yaxis.ticktext[1] == "a" * 39 + "…"


def test_one_feature_works_everywhere(single):
    figs = figures(single)
    x, y = xy(spec(figs["partial"]), "Gradient descent")
    assert (y[1] - y[0]) / (x[1] - x[0]) == pytest.approx(single.coef[0], rel=1e-5)
    assert y[0] == pytest.approx(single.intercept + single.coef[0] * x[0], rel=1e-5)
    assert list(figs["coefficients"].layout.yaxis.ticktext) == ["x", "(intercept)"]
    assert len(figs["replay"].frames[-1].data[0].x) == 1


def test_payloads_stay_bounded_at_a_million_rows_and_ten_features():
    start = time.perf_counter()
    rng = np.random.RandomState(0)
    X = rng.standard_normal((1_000_000, 10)) * np.arange(1, 11)
    y = X @ np.linspace(-2, 2, 10) + 3 + rng.standard_normal(len(X))
    exp = run(Dataset(_frozen(X), _frozen(y)), TrainSpec(lr=None, standardize=True, n_iters=1_000))
    for name, fig in figures(exp).items():
        assert len(pio.to_json(fig, validate=False)) < 2_000_000, name
        for t in fig.data:
            assert len(t.x) <= MAX_SCATTER_POINTS, name
            assert len(t.x) <= WEBGL_THRESHOLD or t.type == "scattergl", name
    half = np.ones(len(exp.split.y_test))
    assert len(pio.to_json(M.predicted_vs_actual(exp, intervals=half), validate=False)) < 2_000_000
    assert trace(spec(M.residuals_figure(exp)), "Train")["name"] == "Train data (25,000 of 800,000 shown)"
    assert time.perf_counter() - start < 10


def test_a_hundred_features_stay_small():
    rng = np.random.RandomState(1)
    X = rng.standard_normal((2_000, 100))
    y = X @ rng.standard_normal(100) + rng.standard_normal(2_000)
    exp = run(Dataset(X, y), TrainSpec(lr=None, standardize=True, n_iters=100_000))
    for name, fig in figures(exp).items():
        assert len(pio.to_json(fig, validate=False)) < 2_000_000, name
    replay = M.coefficient_replay(exp)
    assert all(len(f.data[0].x) == 100 for f in replay.frames)
    assert len(M.coefficients_figure(exp).layout.yaxis.ticktext) == 101


def test_the_article_diverging_replay_skips_nothing_it_can_draw():
    exp = run_experiment(ExperimentParams(lr=1.0))
    assert exp.fit.diverged
    fig = M.coefficient_replay(exp)
    assert 1 <= len(fig.frames) <= len(exp.fit.checkpoint_iters)
    for key, values in arrays(spec(fig)):
        assert np.isfinite(values).all(), key


def test_figures_built_without_validation_are_what_validation_makes_of_them(exp, diverged):
    """Each figure is assembled from dicts Plotly does not check: validating its own dict afresh changes nothing.

    Validation is back on in the figure returned, so later edits (a page's, cache.toolbar's) are checked as usual.
    """
    for result in (exp, diverged):
        for name, fig in figures(result).items():
            assert pruned(spec(go.Figure(fig.to_dict()))) == pruned(spec(fig)), name
            fig.update_layout(title="edited", modebar={"orientation": "v"})
            assert fig.to_dict()["layout"]["title"] == {"text": "edited"}, name
            with pytest.raises(ValueError):
                fig.update_layout(no_such_property=1)
            with pytest.raises(ValueError):
                fig.data[0].update(no_such_property=1)


def test_the_figures_leave_the_shared_legend_and_margin_alone(longley):
    fig = M.coefficient_replay(longley)
    fig.layout.legend.x = 0.5
    fig.layout.margin.t = 10
    assert LEGEND["x"] == 0 and MARGIN == {"t": 60}
    assert fig.layout.xaxis2.type == "log" and fig.data[2].xaxis == "x2"
    fig.update_xaxes(title_text="steps", row=1, col=2)  # the subplot grid is kept
    assert fig.layout.xaxis2.title.text == "steps"
