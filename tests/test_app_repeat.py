"""AppTests of the Repeat tab (dashboard/repeat.py): in the playground, and alone on tests/repeat_app.py."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from plotly_spec import chart_spec, decode_array, trace, xy
from repeat_app import case
from streamlit.testing.v1 import AppTest

from dashboard import figures_repeat
from linreg import SyntheticSpec, TrainSpec
from linreg.repeat import binomial_range, repeat

SCRIPT = str(Path(__file__).resolve().parent / "repeat_app.py")
TIMEOUT = 60
EARLY = {"n_iters": 100}
CONVERGED = {"lr": 1.0, "standardize": True, "n_iters": 200}


def open_repeat(name: str = "synthetic", spec: dict | None = None, n: int = 400, **query) -> AppTest:
    at = AppTest.from_file(SCRIPT, default_timeout=TIMEOUT)
    at.session_state["case"] = name
    at.session_state["spec"] = spec
    at.session_state["n"] = n
    for key, value in query.items():
        at.query_params[key] = str(value)
    at.run()
    assert not at.exception
    return at


def texts(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


def charts(at: AppTest) -> list[str]:
    return [el.proto.id.rsplit("-", 1)[-1] for el in at.get("plotly_chart")]


def bars(spec: dict, name: str) -> tuple[np.ndarray, np.ndarray, float]:
    t = trace(spec, name)
    return decode_array(t["x"]), decode_array(t["y"]), float(t["width"])


def coverage(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric if m.label.startswith("95 % intervals")}


def test_the_playground_repeats_the_article_from_a_link(app):
    at = app(view="Repeat", n_iters="100", repeats="250")
    assert not at.exception
    assert charts(at) == ["repeat_chart_0", "repeat_chart_1"]  # only the open tab is built
    r = repeat(SyntheticSpec(), TrainSpec(n_iters=100), 250)
    shares = r.coverage()
    assert coverage(at) == {
        "95 % intervals covering the true slope w_1": f"{100 * shares[0]:.1f} %",
        "95 % intervals covering the true intercept w_2": f"{100 * shares[1]:.1f} %",
    }
    lo, hi = binomial_range(250, 0.95)
    assert "of 250 intervals cover it" in texts(at.success)
    assert f"{lo:,} to {hi:,} of 250" in texts(at.success)
    assert "not reached least squares" in texts(at.caption)


@pytest.mark.parametrize("raw", ["5000", "abc", "9"])
def test_a_bad_k_in_the_link_is_named_and_the_default_used(raw):
    at = open_repeat(spec=EARLY, repeats=raw)
    assert f"The link asks for ` {raw} ` repeats: K must be a whole number from 10 to 2,000. Showing 1,000." in texts(
        at.warning
    )
    assert at.number_input(key="repeats").value == 1000
    assert "of 1,000 intervals cover it" in texts(at.success)
    at.number_input(key="repeats").set_value(300).run()
    assert not at.exception
    assert "The link asks" not in texts(at.warning)
    assert "of 300 intervals cover it" in texts(at.success)


def test_markdown_in_the_link_stays_text():
    at = open_repeat(spec=EARLY, repeats="[win](http://e.x)")
    (warning,) = [w for w in at.warning if "The link asks" in w.value]
    assert "` [win](http://e.x) `" in warning.value


def test_a_table_explains_that_it_needs_the_generator():
    at = open_repeat("table")
    assert "needs the data generator" in texts(at.info)
    assert charts(at) == [] and not at.metric and not at.get("number_input")


def test_in_the_playground_a_table_explains_it_too(app):
    at = app(view="Repeat", data="norris")
    assert not at.exception
    assert "Choose **synthetic** under Data set" in texts(at.info)
    assert charts(at) == []


def test_the_histograms_are_the_repeats_binned_with_their_normal_curves():
    at = open_repeat(spec=EARLY, repeats="2000")
    r = repeat(SyntheticSpec(), TrainSpec(**EARLY), 2000)
    bins = figures_repeat.bin_count(2000)
    for i in (0, 1):
        spec = chart_spec(at, f"repeat_chart_{i}")
        for name, est in ((figures_repeat.OLS_BARS, r.ols), (figures_repeat.GD_BARS, r.gd)):
            x, y, width = bars(spec, name)
            assert len(x) == bins
            counts, edges = np.histogram(est.theta[:, i], bins=bins)
            np.testing.assert_allclose(x, (edges[:-1] + edges[1:]) / 2, rtol=1e-12)
            np.testing.assert_allclose(y * width * 2000, counts, rtol=1e-9)
        cx, cy = xy(spec, figures_repeat.OLS_CURVE)
        sd = float(r.ols.sd[i])
        np.testing.assert_allclose(
            cy, np.exp(-0.5 * ((cx - r.true_theta[i]) / sd) ** 2) / (sd * math.sqrt(2 * math.pi))
        )
        tx, _ = xy(spec, figures_repeat.TRUE_LINE)
        assert tx.tolist() == [r.true_theta[i]] * 2


def test_the_charts_stay_small_whatever_k():
    at = open_repeat(spec=EARLY, repeats="2000")
    for key in ("repeat_chart_0", "repeat_chart_1"):
        spec = chart_spec(at, key)
        points = sum(len(decode_array(t["x"])) for t in spec["data"])
        assert points <= 2 * (figures_repeat.MAX_BINS + figures_repeat.CURVE_POINTS + 2)
        assert len(json.dumps(spec)) < 40_000


def test_stopped_early_gd_sits_off_the_true_value_and_ols_does_not():
    at = open_repeat(spec=EARLY, repeats="500")
    spec = chart_spec(at, "repeat_chart_1")  # the intercept, true value 10
    ols_x, _, ols_w = bars(spec, figures_repeat.OLS_BARS)
    gd_x, _, gd_w = bars(spec, figures_repeat.GD_BARS)
    assert ols_x[0] - ols_w / 2 < 10.0 < ols_x[-1] + ols_w / 2
    assert gd_x[-1] + gd_w / 2 < 1.0  # GD's whole histogram sits below 1, far from 10
    table = at.dataframe[0].value
    assert table.loc[("intercept w_2", "GD"), "Intervals covering"] == 0.0
    assert table.loc[("intercept w_2", "OLS"), "Intervals covering"] > 0.9
    assert "misses the slope w_1 by +0.149" in texts(at.caption)


def test_the_gd_histogram_equals_ols_once_converged():
    at = open_repeat(spec=CONVERGED, repeats="1000")
    for key in ("repeat_chart_0", "repeat_chart_1"):
        spec = chart_spec(at, key)
        ols, gd = bars(spec, figures_repeat.OLS_BARS), bars(spec, figures_repeat.GD_BARS)
        np.testing.assert_allclose(gd[0], ols[0], rtol=1e-9)
        np.testing.assert_array_equal(np.rint(gd[1] * gd[2] * 1000), np.rint(ols[1] * ols[2] * 1000))  # counts
    assert "Gradient descent has converged: its histograms are those of least squares." in texts(at.caption)


def test_a_tolerance_is_explained():
    at = open_repeat(spec={"lr": 0.5, "standardize": True, "n_iters": 10_000, "tol": 1e-6}, repeats="100")
    exp = case("synthetic", {"lr": 0.5, "standardize": True, "n_iters": 10_000, "tol": 1e-6})[2]
    assert f"The tolerance stopped gradient descent after {exp.fit.n_iter:,} iterations" in texts(at.caption)
    title = chart_spec(at, "repeat_chart_0")["layout"]["annotations"][1]["text"]
    assert title == f"Gradient descent after {exp.fit.n_iter:,} iterations"


def test_a_diverged_run_shows_ols_alone():
    at = open_repeat(spec={"lr": 1e-3, "n_iters": 1000}, repeats="100")
    assert "only least squares is repeated" in texts(at.caption)
    names = [t["name"] for t in chart_spec(at, "repeat_chart_0")["data"]]
    assert figures_repeat.OLS_BARS in names and figures_repeat.GD_BARS not in names
    assert list(at.dataframe[0].value.index.get_level_values("Estimator")) == ["OLS", "OLS"]


def test_many_points_keep_to_the_draw_budget():
    at = open_repeat(spec=EARLY, n=100_000, repeats="1000")
    assert "the first 200 repeats are shown" in texts(at.info)
    assert "of 200 intervals cover it" in texts(at.success)


def test_noiseless_data_cannot_be_repeated(app):
    at = app(view="Repeat", noise="0", n_iters="100")
    assert not at.exception
    assert "noise must be > 0" in texts(at.warning)
    assert charts(at) == []
