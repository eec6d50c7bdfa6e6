"""AppTests of the whole app: pages, defaults, divergence, URL, payloads and downloads."""

from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pytest
from plotly_spec import chart_spec, decode_array, trace, xy

from dashboard.params import DEFAULTS, to_experiment
from dashboard.script import numpy_script
from linreg import run_experiment


def metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def texts(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


def show(at, tab: str):
    """Open one of the playground's tabs (Fit, Loss, Numbers, Replay, Downloads), as a click would."""
    at.session_state["view"] = tab
    return at.run()


def charts(at) -> list[str]:
    return [el.proto.id.rsplit("-", 1)[-1] for el in at.get("plotly_chart")]


def test_every_page_runs(app):
    at = app()
    assert not at.exception
    assert at.title[0].value == "Linear regression by gradient descent"
    at.switch_page("app_pages/theory.py").run()
    assert not at.exception
    assert at.title[0].value == "The maths behind the playground"
    assert len(at.latex) >= 4
    at.switch_page("app_pages/playground.py").run()
    assert not at.exception
    # Only the open tab is built: one chart per rerun.
    assert charts(at) == ["fit_chart"]
    assert charts(show(at, "Loss")) == ["loss_chart"]
    assert charts(show(at, "Numbers")) == []


def test_defaults_reproduce_the_article(app):
    at = app()
    assert metric(at, "Test R²") == "0.95"
    assert metric(at, "w₁ (slope)") == "3.48" and metric(at, "w₂ (intercept)") == "9.57"
    assert at.caption[0].value.startswith("400 points with x from 0 to 100 around y = 3.5x + 10")
    table = show(at, "Numbers").dataframe[0].value  # one row per coefficient
    assert list(table.index) == ["w_1 (slope)", "w_2 (intercept)"]
    assert list(table["Gradient descent"]) == ["3.48", "9.57"]
    assert list(table["True line"]) == ["3.50", "10.00"]
    assert "Converged" in at.success[0].value
    assert "Diverges at α ≥ 6.22e-04 (2/λ_max)" in texts(at.sidebar.caption)


def test_unstable_rate_is_flagged_before_and_after_the_run(app):
    at = app()
    at.select_slider(key="lr").set_value(1e-3).run()
    assert not at.exception
    assert "past the stable bound 6.22e-04" in texts(at.sidebar.warning)
    warning = texts(at.warning)
    assert "Diverged" in warning and "2/λ_max" in warning
    for tab, key in (("Fit", "fit_chart"), ("Loss", "loss_chart"), ("Replay", "replay_chart")):
        for t in chart_spec(show(at, tab), key)["data"]:
            for axis in ("x", "y"):
                if axis in t:
                    assert np.isfinite(decode_array(t[axis])).all()


def test_use_a_stable_rate_button_fixes_divergence(app):
    at = app(lr="0.001")
    assert at.button(key="use_stable_rate").label == "Use a stable rate: α = 6.2e-04"
    at.button(key="use_stable_rate").click().run()
    assert not at.exception
    assert at.select_slider(key="lr").value == pytest.approx(6.2e-4)
    assert not at.warning and "Converged" in at.success[0].value
    assert metric(at, "Test R²") == "0.95"


def test_url_sets_the_controls(app):
    at = app(noise="10", seed="7", n="1000", lr="0.0001", n_iters="5000", standardize="true", tol="1e-06")
    assert not at.exception and not texts(at.warning)
    assert at.slider(key="noise").value == 10.0
    assert at.number_input(key="seed").value == 7
    assert at.select_slider(key="n").value == 1000
    assert at.select_slider(key="lr").value == pytest.approx(1e-4)
    assert at.select_slider(key="n_iters").value == 5000
    assert at.toggle(key="standardize").value is True
    assert at.selectbox(key="tol").value == pytest.approx(1e-6)
    x, _ = xy(chart_spec(at, "fit_chart"), "Test data")
    assert len(x) == 200


def test_garbage_in_the_url_falls_back_with_a_notice(app):
    at = app(noise="lots", n="5", lr="fast", standardize="maybe")
    assert not at.exception
    notices = texts(at.warning)
    for name in ("noise", "n", "lr", "standardize"):
        assert f"The link's {name} = ` " in notices
    assert at.slider(key="noise").value == DEFAULTS["noise"]
    assert at.select_slider(key="n").value == DEFAULTS["n"]
    assert metric(at, "Test R²") == "0.95"
    assert "noise" not in at.query_params


@pytest.mark.parametrize(
    ("query", "message"),
    [({"x_min": "50", "x_max": "10"}, "x_min must be < x_max"), ({"n": "10", "train_ratio": "0.05"}, "train split")],
)
def test_invalid_combinations_show_linreg_error(app, query, message):
    at = app(**query)
    assert not at.exception
    assert message in at.error[0].value
    assert not at.get("plotly_chart")


def test_an_arrival_url_is_rewritten_as_the_widgets_write_it(app):
    # The browser writes a moved widget into the URL (tested in tests/e2e); the app rewrites the arrival URL.
    at = app(noise="12.50", n="1000", lr="0.0003", standardize="on", other="kept")
    assert dict(at.query_params) == {
        "noise": "12.5",
        "n": "1k",
        "lr": "3.0e-04",
        "standardize": "true",
        "other": "kept",
    }


def test_notices_go_once_a_control_changes(app):
    at = app(noise="lots")
    assert "The link's noise" in texts(at.warning)
    at.slider(key="slope").set_value(2.0).run()
    assert "The link's noise" not in texts(at.warning)


def test_notices_show_url_text_inertly(app):
    at = app(slope="[Session expired, log in](https://evil.example/login)", intercept="A" * 30_000)
    notices = [w.value for w in at.warning]
    assert any("= ` [Session expired, log in](https://evil.example/login) ` was ignored" in n for n in notices)
    long = next(n for n in notices if "intercept" in n)
    assert "A" * 59 + "…" in long and len(long) < 200
    assert metric(at, "Test R²") == "0.95"


def test_a_tolerance_stop_far_from_least_squares_is_a_warning(app):
    at = app(tol="1e-06")
    assert not at.success
    assert "Stopped at iteration 8,639" in texts(at.warning)
    assert "the intercept is still 6.44 against least squares' 9.57" in texts(at.warning)


def test_standardize_offers_the_rate_that_suits_it(app):
    at = app(standardize="true")
    assert "α = 1.0e+00 is stable and fastest here" in texts(at.sidebar.info)
    at.button(key="use_standardized_rate").click().run()
    assert at.select_slider(key="lr").value == 1.0
    assert "Converged" in at.success[0].value and not at.sidebar.info


def test_a_diverged_run_shows_readable_numbers_and_the_blow_up(app):
    at = app(lr="1")
    assert all(len(m.value) <= 9 for m in at.metric), [m.value for m in at.metric]
    assert metric(at, "Test MSE").endswith(("e+11", "e+12"))
    spec = chart_spec(show(at, "Loss"), "loss_chart")
    assert len(decode_array(spec["data"][0]["y"])) >= 2


def test_theory_page_links_to_standardized_playground(app):
    at = app()
    at.switch_page("app_pages/theory.py").run()
    assert metric(at, "Condition number κ") == "12,468"
    assert metric(at, "Stable below") == "0.0006223"
    assert metric(at, "Fastest rate") == "0.0006222"  # told apart
    link = at.get("page_link")[0].proto
    assert "standardize=true" in link.query_string


def test_replay_is_built_only_when_opened(app):
    at = app()
    assert "replay_chart" not in charts(at)
    spec = chart_spec(show(at, "Replay"), "replay_chart")
    fit = run_experiment().fit
    assert len(spec["frames"]) == len(fit.checkpoint_iters)
    steps = spec["layout"]["sliders"][0]["steps"]
    assert steps[0]["label"] == "0" and steps[-1]["label"] == "100,000"
    assert [b["label"] for b in spec["layout"]["updatemenus"][0]["buttons"]] == ["▶ Play", "❚❚ Pause"]
    assert [t.get("name") for t in spec["data"]][:3] == [
        "Test data",
        "Least squares (OLS): y = 3.48x + 9.57",
        "Gradient descent (current iteration)",  # not the first checkpoint's equation, which the line leaves
    ]
    # Readable on a dark theme: no near-white active button, a grey scrubber rail, the loss marker unclipped.
    assert spec["layout"]["updatemenus"][0]["showactive"] is False
    assert spec["layout"]["sliders"][0]["bgcolor"] == "rgba(127, 127, 127, 0.35)"
    assert spec["data"][4]["cliponaxis"] is False


def test_settings_survive_a_page_switch(app):
    at = app()
    at.slider(key="noise").set_value(40.0).run()
    at.switch_page("app_pages/theory.py").run()
    at.switch_page("app_pages/playground.py").run()
    assert at.slider(key="noise").value == 40.0


@pytest.mark.parametrize("show_train", ["false", "true"])
def test_chart_payloads_stay_bounded_at_the_largest_settings(app, show_train):
    at = app(n="100000", n_iters="1000000", show_train=show_train)
    assert not at.exception
    sizes = {}
    for tab in ("Fit", "Loss", "Replay"):
        for el in show(at, tab).get("plotly_chart"):
            sizes[el.proto.id] = len(el.proto.spec)
    assert len(sizes) == 3 and max(sizes.values()) < 1_000_000, sizes
    show(at, "Fit")
    loss = trace(chart_spec(show(at, "Loss"), "loss_chart"), "Training MSE")
    assert len(decode_array(loss["x"])) <= 2_000
    assert trace(chart_spec(show(at, "Fit"), "fit_chart"), "Test data")["type"] == "scattergl"


@pytest.mark.parametrize(
    "settings", [{}, {"standardize": True, "lr": 0.5, "tol": 1e-9}, {"n": 1000, "noise": 5.0, "n_iters": 3000}]
)
def test_downloaded_script_prints_the_same_weights(settings):
    params = to_experiment(DEFAULTS | settings)
    out = subprocess.run([sys.executable, "-c", numpy_script(params)], capture_output=True, text=True, check=True)
    w_1 = float(re.search(r"w_1=(\S+)", out.stdout).group(1))
    w_2 = float(re.search(r"w_2=(\S+)", out.stdout).group(1))
    fit = run_experiment(params).fit
    assert w_1 == pytest.approx(float(fit.weights[0]), rel=1e-8)
    assert w_2 == pytest.approx(fit.bias, rel=1e-8)
    assert f"updates={fit.n_iter}" in out.stdout


def test_the_summary_tab_and_the_bands_toggle_on_the_page(app):
    at = app()
    summary = show(at, "Summary")
    assert not summary.exception
    table = summary.dataframe[0].value
    assert len(table) == 2  # the slope and the intercept
    at = show(at, "Fit")
    at.toggle(key="bands").set_value(True).run()
    names = [t.get("name", "") for t in chart_spec(at, "fit_chart")["data"]]
    assert "95% confidence band" in names and "95% prediction band" in names


def test_the_landscape_tab_draws_gd_path_to_the_minimum(app):
    at = show(app(), "Landscape")
    assert not at.exception
    assert charts(at) == ["landscape_chart"]
    fig = chart_spec(at, "landscape_chart")
    assert trace(fig, "Training MSE")["type"] == "contour"
    exp = run_experiment()
    x, y = xy(fig, "Gradient descent")
    # The path starts at zero and ends at the article's weights, (w_1, w_2) = (3.48, 9.57).
    assert (x[0], y[0]) == (0.0, 0.0)
    np.testing.assert_allclose([x[-1], y[-1]], [exp.fit.weights[0], exp.fit.bias], rtol=1e-6)
    ols_x, ols_y = xy(fig, "Least squares (OLS)")
    np.testing.assert_allclose([ols_x[0], ols_y[0]], [exp.ols.weights[0], exp.ols.bias], rtol=1e-6)
    assert xy(fig, "True θ")[0][0] == 3.5


def test_theory_page_explains_momentum_with_this_datas_numbers(app):
    at = app()
    at.switch_page("app_pages/theory.py").run()
    assert not at.exception
    assert metric(at, "Optimal α*") == "0.001223" and metric(at, "Optimal β*") == "0.9648"
    # GD at its best rate: 1 / -ln((κ - 1)/(κ + 1)) ≈ κ/2 steps per e-fold; momentum: about √κ/2.
    assert metric(at, "GD: steps per e-fold") == "6,234"
    assert metric(at, "Momentum: steps per e-fold") == "55.8"
    assert "optimal momentum needs about 112 times fewer steps" in texts(at.markdown)
    links = [link.proto for link in at.get("page_link")]
    assert any(link.page.endswith("optimizers.py") or "optimizers" in link.page for link in links)


def test_theory_page_on_a_single_parameter_has_no_momentum_numbers(app):
    at = app(fit_intercept="false")
    at.switch_page("app_pages/theory.py").run()
    assert not at.exception
    assert metric(at, "Optimal β*") == "0.0000"  # one eigenvalue: κ = 1, no momentum helps
    assert "κ = 1: the valley is round" in texts(at.markdown) and "nan" not in texts(at.markdown)
