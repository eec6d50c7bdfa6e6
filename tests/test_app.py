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
    assert len(at.get("plotly_chart")) == 2  # the fit and the loss; the replay waits in its expander


def test_defaults_reproduce_the_article(app):
    at = app()
    assert metric(at, "Test R²") == "0.95"
    table = at.table[0].value
    assert list(table.loc["Gradient descent"]) == ["3.48", "9.57"]
    assert list(table.loc["True line"]) == ["3.50", "10.00"]
    assert "Converged" in at.success[0].value
    assert "Stable below 6.2e-04" in texts(at.sidebar.caption)


def test_unstable_rate_is_flagged_before_and_after_the_run(app):
    at = app()
    at.select_slider(key="lr").set_value(1e-3).run()
    assert not at.exception
    assert "past the stable bound 6.2e-04" in texts(at.sidebar.warning)
    warning = texts(at.warning)
    assert "Diverged" in warning and "6.22e-04" in warning
    open_replay(at)
    for key in ("fit_chart", "loss_chart", "replay_chart"):
        for t in chart_spec(at, key)["data"]:
            for axis in ("x", "y"):
                if axis in t:
                    assert np.isfinite(decode_array(t[axis])).all()


def test_use_a_stable_rate_button_fixes_divergence(app):
    at = app(lr="0.001")
    assert at.button(key="use_stable_rate").label == "Use a stable rate"
    at.button(key="use_stable_rate").click().run()
    assert not at.exception
    assert at.select_slider(key="lr").value == pytest.approx(6.2e-4)
    assert not at.warning and "Converged" in at.success[0].value
    assert at.query_params["lr"] == "0.00062"


def test_url_sets_the_controls(app):
    at = app(noise="10", seed="7", n="1000", lr="0.0001", n_iters="5000", standardize="true", tol="1e-06")
    assert not at.exception and not at.warning
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
        assert f"URL parameter {name}=" in notices
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


def test_moving_a_control_updates_the_url(app):
    at = app()
    at.slider(key="noise").set_value(12.5).run()
    at.toggle(key="standardize").set_value(True).run()
    assert at.query_params["noise"] == "12.5"
    assert at.query_params["standardize"] == "true"
    assert "lr" not in at.query_params  # defaults stay out of the URL


def test_theory_page_links_to_standardized_playground(app):
    at = app()
    at.switch_page("app_pages/theory.py").run()
    assert metric(at, "Condition number κ") == "12,468"
    assert metric(at, "Stable below") == "6.22e-04"
    link = at.get("page_link")[0].proto
    assert "standardize=true" in link.query_string


def open_replay(at):
    at.session_state["replay"] = True
    at.run()


def test_replay_is_built_only_when_opened(app):
    at = app()
    assert at.expander[0].label == "Replay: watch the line converge"
    assert "replay_chart" not in " ".join(el.proto.id for el in at.get("plotly_chart"))
    open_replay(at)
    spec = chart_spec(at, "replay_chart")
    fit = run_experiment().fit
    assert len(spec["frames"]) == len(fit.checkpoint_iters)
    steps = spec["layout"]["sliders"][0]["steps"]
    assert steps[0]["label"] == "0" and steps[-1]["label"] == "100,000"
    assert [b["label"] for b in spec["layout"]["updatemenus"][0]["buttons"]] == ["▶ Play", "❚❚ Pause"]


def test_settings_survive_a_page_switch(app):
    at = app()
    at.slider(key="noise").set_value(40.0).run()
    at.switch_page("app_pages/theory.py").run()
    at.switch_page("app_pages/playground.py").run()
    assert at.slider(key="noise").value == 40.0


@pytest.mark.parametrize("show_train", ["false", "true"])
def test_chart_payloads_stay_bounded_at_the_largest_settings(app, show_train):
    at = app(n="100000", n_iters="1000000", show_train=show_train)
    open_replay(at)
    assert not at.exception
    assert len(at.get("plotly_chart")) == 3
    for el in at.get("plotly_chart"):
        assert len(el.proto.spec) < 1_000_000, (el.proto.id, len(el.proto.spec))
    loss = trace(chart_spec(at, "loss_chart"), "Training MSE")
    assert len(decode_array(loss["x"])) <= 2_000
    assert trace(chart_spec(at, "fit_chart"), "Test data")["type"] == "scattergl"


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
