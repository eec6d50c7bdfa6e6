"""AppTests: each sidebar control changes what a user should see change."""

from __future__ import annotations

import re

import numpy as np
import pytest
from plotly_spec import chart_spec, trace, xy

from dashboard.params import KEYS


def show(at, tab: str):
    at.session_state["view"] = tab
    return at.run()


def fit_xy(at, name="Test data"):
    return xy(chart_spec(show(at, "Fit"), "fit_chart"), name)


def loss_xy(at):
    return xy(chart_spec(show(at, "Loss"), "loss_chart"), "Training MSE")


def table(at):
    return show(at, "Numbers").dataframe[0].value


def metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def gd_line(at):
    return fit_xy(at, "Gradient descent")[1]


@pytest.fixture
def base(app):
    at = app()
    assert not at.exception
    return at


def test_noise_changes_the_scatter_not_x(base):
    x0, y0 = fit_xy(base)
    base.slider(key="noise").set_value(1.0).run()
    x1, y1 = fit_xy(base)
    np.testing.assert_array_equal(x0, x1)
    assert np.std(y1 - 3.5 * x1 - 10) < 2 < np.std(y0 - 3.5 * x0 - 10)


def test_seed_changes_the_data(base):
    x0, y0 = fit_xy(base)
    base.number_input(key="seed").set_value(44).run()
    x1, y1 = fit_xy(base)
    assert not np.array_equal(np.sort(x0), np.sort(x1))  # a different split too
    assert table(base).loc["w_1 (slope)", "Gradient descent"] != "3.48"


def test_sample_size_and_train_ratio_change_the_test_set(base):
    base.select_slider(key="n").set_value(1000).run()
    assert len(fit_xy(base)[0]) == 200
    base.slider(key="train_ratio").set_value(0.5).run()
    assert len(fit_xy(base)[0]) == 500


def test_true_line_and_x_range(base):
    base.slider(key="slope").set_value(-2.0).run()
    base.slider(key="intercept").set_value(50.0).run()
    base.number_input(key="x_max").set_value(10.0).run()
    assert trace(chart_spec(show(base, "Fit"), "fit_chart"), "True line")["name"] == "True line: y = -2x + 50"
    x, _ = fit_xy(base)
    assert x.min() >= 0 and x.max() <= 10
    assert list(table(base)["True line"]) == ["-2.00", "50.00"]


def test_learning_rate_changes_the_loss_curve_and_the_line(base):
    _, loss0 = loss_xy(base)
    line0 = gd_line(base)
    base.select_slider(key="lr").set_value(1e-5).run()
    _, loss1 = loss_xy(base)
    # Fifty times smaller steps: slower all along, and short of the minimum at the end.
    assert loss1[10] > 2 * loss0[10]
    assert loss1[-1] > loss0[-1] + 10
    assert not np.allclose(gd_line(base), line0)


def test_iterations_change_the_loss_curve_length_and_the_line(base):
    line0 = gd_line(base)
    base.select_slider(key="n_iters").set_value(1000).run()
    it, _ = loss_xy(base)
    assert it[-1] == 1000
    assert not np.allclose(gd_line(base), line0)
    assert "Ran all 1,000 iterations without converging" in base.info[0].value


def stopped_at(at) -> int:
    status = " ".join(str(e.value) for e in [*at.success, *at.warning])
    return int(re.search(r"Stopped at iteration ([\d,]+)", status).group(1).replace(",", ""))


def test_standardize_reaches_the_ols_line_in_far_fewer_iterations(base):
    base.selectbox(key="tol").set_value(1e-9).run()
    raw = stopped_at(base)
    base.toggle(key="standardize").set_value(True).run()
    base.select_slider(key="lr").set_value(0.5).run()
    fast = stopped_at(base)
    assert fast * 100 < raw
    assert loss_xy(base)[0][-1] == fast
    numbers = table(base)
    assert float(metric(base, "Left to optimize ‖θ_GD − θ_OLS‖")) < 1e-3
    assert numbers["Gradient descent"].equals(numbers["Least squares (OLS)"])


def test_tolerance_stops_early(base):
    base.selectbox(key="tol").set_value(1e-3).run()
    assert stopped_at(base) < 100_000
    assert loss_xy(base)[0][-1] == stopped_at(base)


def test_view_toggles(base):
    assert all(not t["name"].startswith("Train data") for t in chart_spec(base, "fit_chart")["data"])
    base.toggle(key="show_train").set_value(True).run()
    assert len(fit_xy(base, "Train data")[0]) == 320
    assert chart_spec(show(base, "Loss"), "loss_chart")["layout"]["yaxis"]["type"] == "log"
    base.toggle(key="log_scale").set_value(False).run()
    assert chart_spec(base, "loss_chart")["layout"]["yaxis"]["type"] == "linear"
    base.toggle(key="excess").set_value(True).run()
    spec = chart_spec(base, "loss_chart")
    assert spec["layout"]["yaxis"]["type"] == "log"  # the excess is always on a log axis
    assert [t["name"] for t in spec["data"]] == ["Training MSE − OLS minimum"]


def test_every_control_has_help_and_its_url_key(base):
    widgets = {w.key: w for w in base.sidebar if getattr(w, "key", None)}
    table_only = {"target", "features"}  # drawn only for a table
    assert set(KEYS) - table_only <= set(widgets)
    assert all(widgets[k].help for k in set(KEYS) - table_only)
    assert widgets["tol"].value == 0.0 and widgets["tol"].options[0] == "off"
    assert widgets["lr"].value == 5e-4
