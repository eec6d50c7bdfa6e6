"""Unit tests of dashboard/figures_inference.py: the Q–Q plot and the bands, without Streamlit."""

from __future__ import annotations

import json

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import pytest
from plotly_spec import decode_array
from scipy import stats
from summary_app import case

from dashboard import figures as F
from dashboard import figures_inference as FI
from linreg import Dataset, TrainSpec, run
from linreg.inference import from_experiment


@pytest.fixture(scope="module")
def synthetic():
    exp = case("synthetic")[2]
    return exp, from_experiment(exp)


@pytest.fixture(scope="module")
def degenerate():
    exp = case("degenerate")[2]
    return exp, from_experiment(exp)


def spec(fig: go.Figure) -> dict:
    return json.loads(pio.to_json(fig, validate=False))


def arrays(fig: go.Figure) -> list[np.ndarray]:
    return [decode_array(t[a]) for t in spec(fig)["data"] for a in ("x", "y") if a in t]


def by_name(fig: go.Figure, name: str) -> dict:
    return next(t for t in spec(fig)["data"] if t.get("name") == name)


@pytest.mark.parametrize("level", [0.90, 0.95, 0.99])
def test_bands_are_the_predictions_intervals(synthetic, level):
    exp, inf = synthetic
    fig = FI.fit_with_bands(exp, inf, level)
    grid = np.linspace(*F.x_span(exp), FI.GRID_POINTS)
    pred = inf.predict(grid[:, None], alpha=1 - level)
    label = FI.level_label(level)
    for kind, lower, upper in (
        ("confidence", pred.mean_ci_lower, pred.mean_ci_upper),
        ("prediction", pred.obs_ci_lower, pred.obs_ci_upper),
    ):
        t = by_name(fig, f"{label} {kind} band")
        assert t["fill"] == "toself"
        x, y = decode_array(t["x"]), decode_array(t["y"])
        assert len(x) == 2 * FI.GRID_POINTS
        np.testing.assert_allclose(x, np.concatenate([grid, grid[::-1]]), rtol=1e-6)
        np.testing.assert_allclose(y, np.concatenate([upper, lower[::-1]]), rtol=1e-6)
    # Under the points and lines, which keep their names.
    names = [t.name for t in fig.data]
    assert names[:2] == [f"{label} prediction band", f"{label} confidence band"]
    assert names[2:] == [t.name for t in F.fit_figure(exp).data]


def test_band_legend_at_95_and_the_prediction_band_is_wider(synthetic):
    exp, inf = synthetic
    fig = FI.fit_with_bands(exp, inf, 0.95)
    conf, pred = by_name(fig, "95% confidence band"), by_name(fig, "95% prediction band")
    width = {k: np.ptp(decode_array(t["y"])) for k, t in (("c", conf), ("p", pred))}
    assert width["p"] > width["c"] > 0
    assert all(np.isfinite(a).all() for a in arrays(fig))


def test_robust_bands_use_the_robust_covariance(synthetic):
    exp, _ = synthetic
    robust = from_experiment(exp, cov_type="HC3")
    grid = np.linspace(*F.x_span(exp), FI.GRID_POINTS)
    pred = robust.predict(grid[:, None], alpha=0.05)
    y = decode_array(by_name(FI.fit_with_bands(exp, robust, 0.95), "95% confidence band")["y"])
    np.testing.assert_allclose(y[: FI.GRID_POINTS], pred.mean_ci_upper, rtol=1e-6)


def test_degenerate_fit_leaves_the_bands_out_and_says_so(degenerate):
    exp, inf = degenerate
    fig = FI.fit_with_bands(exp, inf, 0.95)
    assert not any("band" in (t.name or "") for t in fig.data)
    assert "No bands" in fig.layout.annotations[-1].text
    assert all(np.isfinite(a).all() for a in arrays(fig))


def test_bands_refuse_several_features_and_bad_levels(synthetic):
    exp, inf = synthetic
    with pytest.raises(ValueError, match="level"):
        FI.fit_with_bands(exp, inf, 95)
    multi = case("names")[2]
    with pytest.raises(ValueError, match="one-feature"):
        FI.fit_with_bands(multi, from_experiment(multi), 0.95)


def test_bands_escape_the_names():
    rng = np.random.default_rng(1)
    x = np.linspace(0.0, 1.0, 30)
    ds = Dataset(x[:, None], 2 * x + rng.normal(size=30), feature_names=["<b>x</b>"], target_name="<img src=x>")
    exp = run(ds, TrainSpec(lr=None, n_iters=50))
    fig = FI.fit_with_bands(exp, from_experiment(exp), 0.9)
    assert fig.layout.xaxis.title.text == "&lt;b&gt;x&lt;/b&gt;"
    assert fig.layout.yaxis.title.text == "&lt;img src=x&gt;"
    assert "<" not in fig.layout.title.text
    assert by_name(fig, "90% prediction band")


@pytest.mark.parametrize("level", [0.90, 0.99])
def test_several_features_get_statsmodels_prediction_intervals_as_error_bars(level):
    sm = pytest.importorskip("statsmodels.api")
    exp = case("names")[2]
    s = exp.split
    fig = FI.predicted_with_intervals(exp, from_experiment(exp), level)
    label = FI.level_label(level)
    ols = by_name(fig, f"{F.OLS_NAME}, {label} prediction interval")
    frame = sm.OLS(s.y_train, sm.add_constant(s.X_train)).fit().get_prediction(sm.add_constant(s.X_test))
    frame = frame.summary_frame(alpha=1 - level)
    half = (frame["obs_ci_upper"] - frame["mean"]).to_numpy()
    np.testing.assert_allclose(decode_array(ols["y"]), frame["mean"], rtol=1e-6)
    np.testing.assert_allclose(decode_array(ols["error_y"]["array"]), half, rtol=1e-6)
    inside = int(np.sum((frame["obs_ci_lower"] <= s.y_test) & (s.y_test <= frame["obs_ci_upper"])))
    note = fig.layout.annotations[-1].text
    assert note.startswith(f"{inside} of {len(s.y_test)} test points") and f"{label} prediction interval" in note
    # Gradient descent's markers carry no bars: the intervals are least squares'.
    assert "error_y" not in by_name(fig, F.GD_NAME)


def test_error_bars_without_residual_degrees_of_freedom_are_left_out_and_say_so():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(4, 2))
    exp = run(Dataset(X, X @ [1.0, 2.0] + 1.0 + rng.normal(size=4)), TrainSpec(train_ratio=0.75, lr=None, n_iters=10))
    fig = FI.predicted_with_intervals(exp, from_experiment(exp), 0.95)
    assert all("error_y" not in t for t in spec(fig)["data"])
    assert "No intervals" in fig.layout.annotations[-1].text


def test_qq_points_are_sorted_against_normal_quantiles(synthetic):
    _, inf = synthetic
    fig = FI.qq_figure(inf)
    t = by_name(fig, FI.QQ_NAME)
    x, y = decode_array(t["x"]), decode_array(t["y"])
    n = inf.nobs
    assert len(x) == len(y) == n
    assert np.all(np.diff(y) >= 0) and np.all(np.diff(x) > 0)
    np.testing.assert_allclose(x, stats.norm.ppf((np.arange(1, n + 1) - 0.5) / n), rtol=1e-6)
    np.testing.assert_allclose(y, np.sort(inf.resid) / inf.resid_std, rtol=1e-5)
    line = by_name(fig, FI.LINE_NAME)
    assert decode_array(line["x"]).tolist() == decode_array(line["y"]).tolist()  # the 45° line
    assert all(np.isfinite(a).all() for a in arrays(fig))


def test_qq_samples_large_residuals_keeping_both_tails(synthetic):
    _, inf = synthetic
    theory, sample = FI.qq_points(inf.resid, inf.scale)
    t = by_name(FI.qq_figure(inf, max_points=50), f"{FI.QQ_NAME} (50 of {inf.nobs:,} shown)")
    y = decode_array(t["y"])
    assert len(y) == 50
    assert y[0] == pytest.approx(sample[0], rel=1e-6) and y[-1] == pytest.approx(sample[-1], rel=1e-6)


def test_qq_of_a_degenerate_fit_is_empty_and_says_so(degenerate):
    _, inf = degenerate
    fig = FI.qq_figure(inf)
    assert [t.name for t in fig.data] == [FI.QQ_NAME]
    assert "No Q–Q plot" in fig.layout.annotations[0].text
    assert all(np.isfinite(a).all() and a.size == 0 for a in arrays(fig))


def test_qq_points_without_spread_are_empty():
    for scale in (0.0, float("nan")):
        theory, sample = FI.qq_points([0.0, 0.0, 0.0], scale)
        assert theory.size == sample.size == 0
