"""AppTests of the Optimizers page: four optimizers on the playground's data, the race chart, the table, the URL."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
from plotly_spec import chart_spec, decode_array, trace
from streamlit.testing.v1 import AppTest

from linreg import ConvergenceWarning, run_experiment
from linreg.optimizers import GD, SGD, Adam, HeavyBall, Nesterov

APP = str(Path(__file__).resolve().parent.parent / "app.py")
PAGE = "app_pages/optimizers.py"


@pytest.fixture
def page():
    """The Optimizers page in a fresh session, opened with the given query parameters."""

    def _open(**query) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=120)
        for key, value in query.items():
            at.query_params[key] = str(value)
        at.switch_page(PAGE)
        return at.run()

    return _open


def texts(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


def table(at):
    return at.dataframe[0].value


def runs(*optimizers, n_iters=100_000):
    problem = run_experiment().problem
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return problem, [o.run(problem, n_iters) for o in optimizers]


def first_within(problem, run, tol) -> int:
    gap = np.append(run.loss_history, run.final_loss) - problem.loss_star
    return int(np.flatnonzero(gap <= tol * gap[0])[0])


def test_four_optimizers_race_on_the_article_data(page):
    at = page()
    assert not at.exception
    assert at.title[0].value == "Optimizers on the same data"
    spec = chart_spec(at, "race_chart")
    problem, (gd, hb, adam, sgd) = runs(GD(5e-4), HeavyBall(1.2e-3, 0.9648), Adam(1e-3), SGD(1e-4, 1))

    # The landscape: log10(L - L*) on a grid over (w_1, w_2), the optimum, the true line's θ.
    contour = next(t for t in spec["data"] if t["type"] == "contour")
    assert contour["contours"]["size"] == 0.5  # two levels per decade of L - L*
    ols = trace(spec, "Least squares (OLS)")
    assert ols["x"][0] == pytest.approx(3.480336, abs=1e-5) and ols["y"][0] == pytest.approx(9.565125, abs=1e-5)
    truth = trace(spec, "True θ")
    assert (truth["x"], truth["y"]) == ([3.5], [10.0])

    # One legend entry, one path and one loss curve per optimizer, each ending where its run ended.
    legend = [t["name"] for t in spec["data"] if t.get("showlegend", True) and t["type"] == "scatter"]
    assert legend == ["Least squares (OLS)", "True θ", "1. GD", "2. Heavy ball", "3. Adam", "4. SGD"]
    faint = [t for t in spec["data"] if t["type"] == "scatter" and t.get("opacity") == 0.6]
    assert len(faint) == 4
    for path, run in zip(faint, (gd, hb, adam, sgd), strict=True):
        x, y = decode_array(path["x"]), decode_array(path["y"])
        assert len(x) == len(run.checkpoint_iters) <= 100  # bounded: checkpoints, not 100,000 iterates
        assert x[-1] == pytest.approx(run.weights[0], rel=1e-6) and y[-1] == pytest.approx(run.bias, rel=1e-6)
    curves = [t for t in spec["data"] if t.get("xaxis") == "x2" and t["mode"] == "lines"]
    assert [c["name"] for c in curves] == ["1. GD", "2. Heavy ball", "3. Adam", "4. SGD"]
    assert spec["layout"]["xaxis2"]["type"] == "log" and spec["layout"]["yaxis2"]["type"] == "log"

    # One scrubber: a frame per checkpoint moves the four paths and the four loss markers together.
    frames = spec["frames"]
    assert [s["label"] for s in spec["layout"]["sliders"][0]["steps"]] == [f["name"] for f in frames]
    assert len(frames) == len(gd.checkpoint_iters) and frames[-1]["name"] == "100,000"
    assert all(len(f["data"]) == len(f["traces"]) == 8 for f in frames)
    last = frames[-1]["data"]
    assert decode_array(last[0]["x"])[-1] == pytest.approx(gd.weights[0], rel=1e-6)
    assert len(decode_array(frames[0]["data"][0]["x"])) == 1 < len(decode_array(last[0]["x"]))
    assert last[1]["x"] == [100_001.0]  # the loss marker after the last update

    # The table: iterations to the tolerance, epochs, final loss, distance to OLS.
    t = table(at)
    assert list(t.index) == [
        "1. GD (α=0.0005)",
        "2. Heavy ball (α=0.0012, β=0.9648)",
        "3. Adam (α=0.001, β=0.9)",
        "4. SGD (α=0.0001, batch 1)",
    ]
    assert t.loc["1. GD (α=0.0005)", "Iterations to 1e-06"] == f"{first_within(problem, gd, 1e-6):,}"
    assert t.loc["2. Heavy ball (α=0.0012, β=0.9648)", "Iterations to 1e-06"] == f"{first_within(problem, hb, 1e-6):,}"
    assert t.loc["4. SGD (α=0.0001, batch 1)", "Iterations to 1e-06"] == "not reached"
    assert list(t["Status"]) == ["converged", "converged", "converged", "max_iter"]
    assert t.loc["1. GD (α=0.0005)", "Final MSE"] == f"{gd.final_loss:.6g}"
    assert (
        float(t.loc["4. SGD (α=0.0001, batch 1)", "‖θ − θ_OLS‖"])
        > 0.1
        > float(t.loc["1. GD (α=0.0005)", "‖θ − θ_OLS‖"])
    )
    assert all(v.endswith(" ms") for v in t["Wall time"])
    # Each method's stable region from the Hessian.
    notes = texts(at.markdown)
    assert "Stable for α < 2/λ_max = 0.0006223" in notes
    assert "Polyak's optimum on this data: α* = 0.00122, β* = (√κ − 1)²/(√κ + 1)² = 0.9648" in notes


def test_a_link_sets_every_setting_and_the_table_counts_epochs(page):
    at = page(
        o1="Nesterov",
        o1_lr="4.0e-04",
        o1_beta="0.95",
        o2="SGD",
        o2_lr="1.0e-04",
        o2_batch=32,
        o2_sched="inverse scaling",
        o3="off",
        o4="off",
        o_iters="2k",
        o_tol="1e-03",
    )
    assert not at.exception and not at.warning
    t = table(at)
    assert list(t.index) == ["1. Nesterov (α=0.0004, β=0.95)", "2. SGD (α=0.0001, batch 32, inverse scaling)"]
    problem, (nag,) = runs(Nesterov(4e-4, 0.95), n_iters=2000)
    k = first_within(problem, nag, 1e-3)
    assert t.loc["1. Nesterov (α=0.0004, β=0.95)", "Iterations to 1e-03"] == f"{k:,}"
    assert t.loc["1. Nesterov (α=0.0004, β=0.95)", "Epochs"] == f"{k:,}" if k >= 100 else f"{k:.3g}"
    sgd = t.loc["2. SGD (α=0.0001, batch 32, inverse scaling)"]
    if sgd["Iterations to 1e-03"] != "not reached":  # ten batches of 32 make one epoch of 320 rows
        assert float(sgd["Epochs"].replace(",", "")) == pytest.approx(
            int(sgd["Iterations to 1e-03"].replace(",", "")) / 10
        )
    spec = chart_spec(at, "race_chart")
    assert spec["frames"][-1]["name"] == "2,000"
    assert at.select_slider(key="o_iters").value == 2000


def test_bad_settings_get_messages_not_tracebacks(page):
    at = page(o1_lr="5.0e-03", o2="Heavy ball", o2_beta="1.5", o4_batch=500, o3_lr="banana")
    assert not at.exception
    warnings_ = texts(at.warning)
    assert "o2_beta = ` 1.5 ` was ignored: β must be below 1" in warnings_
    assert "o3_lr = ` banana ` was ignored: it is not a number" in warnings_
    assert "Optimizer 1 diverged: α = 0.005 is not below GD's stable bound 0.000622 on this data." in warnings_
    assert "Optimizer 4 cannot run: a batch of 500 rows is larger than the 320 training rows" in texts(at.error)
    assert at.number_input(key="o2_beta").value == 0.9648  # the default, as the notice says
    assert len(table(at)) == 3

    # The offered stable rate brings the diverged run back.
    at.button(key="o1_stable").click().run()
    assert at.select_slider(key="o1_lr").value == pytest.approx(6.2e-4)
    assert "Optimizer 1 diverged" not in texts(at.warning)
    assert table(at).iloc[0]["Status"] == "converged"


def test_presets_follow_the_hessian_and_standardizing(page):
    at = page()
    at.toggle(key="standardize").set_value(True).run()
    at.selectbox(key="o2_preset").set_value("Optimal momentum").run()
    # Standardized x has κ = 1: the optimal heavy ball is plain GD at α = 1/λ = 1.
    assert at.select_slider(key="o2_lr").value == 1.0
    assert at.number_input(key="o2_beta").value == 0.0
    assert at.selectbox(key="o2_preset").value is None
    row = table(at).loc["2. Heavy ball (α=1, β=0)"]
    assert row["Iterations to 1e-06"] == "1"
    assert at.query_params["o2_lr"] == "1.0e+00"
    assert "320 training rows, x standardized" in at.caption[0].value


def test_the_article_presets_are_the_page_defaults():
    from dashboard import optimizers as O

    found = O.presets(run_experiment().problem)
    assert found["The article's GD"] == O.DEFAULT_SETTINGS[0]
    assert found["Optimal momentum"] == O.DEFAULT_SETTINGS[1]
    assert found["Adam with default settings"] == O.DEFAULT_SETTINGS[2]
    assert found["SGD, batch 1"] == O.DEFAULT_SETTINGS[3]


def test_rmsprop_and_adagrad_race_from_a_link(page):
    from linreg.optimizers import AdaGrad, RMSProp

    at = page(
        o1="RMSProp",
        o1_lr="1.0e-02",
        o1_beta="0.8",
        o2="AdaGrad",
        o2_lr="1.0e+00",
        o2_batch=32,
        o3="off",
        o4="off",
        o_iters="5k",
    )
    assert not at.exception and not at.warning
    t = table(at)
    assert list(t.index) == ["1. RMSProp (α=0.01, ρ=0.8)", "2. AdaGrad (α=1, batch 32)"]
    problem, (rms, ada) = runs(RMSProp(1e-2, rho=0.8), AdaGrad(1.0, batch_size=32, seed=0), n_iters=5000)
    assert t.loc["1. RMSProp (α=0.01, ρ=0.8)", "Final MSE"] == f"{rms.final_loss:.6g}"
    assert t.loc["2. AdaGrad (α=1, batch 32)", "Final MSE"] == f"{ada.final_loss:.6g}"
    spec = chart_spec(at, "race_chart")
    faint = [tr for tr in spec["data"] if tr["type"] == "scatter" and tr.get("opacity") == 0.6]
    for path, run in zip(faint, (rms, ada), strict=True):
        x, y = decode_array(path["x"]), decode_array(path["y"])
        assert x[-1] == pytest.approx(run.weights[0], rel=1e-6) and y[-1] == pytest.approx(run.bias, rel=1e-6)
    notes = texts(at.markdown)
    assert "RMSProp divides each coordinate's step by the root mean square of its recent gradients" in notes
    assert "AdaGrad divides each coordinate's step by the root of the sum of all its squared gradients" in notes
    assert at.number_input(key="o1_beta").label == "Decay ρ"


def test_an_unknown_plane_in_a_link_is_named_beside_the_other_notices(page):
    at = page(o_plane="[x](https://evil.example) " + "A" * 5000, o1_lr="zz")
    assert not at.exception
    notices = [w.value for w in at.warning]
    assert any(n.startswith("The link's o1_lr = ` zz ` was ignored") for n in notices)
    plane = next(n for n in notices if "o_plane" in n)
    assert plane.startswith("The link's o_plane = ` [x](https://evil.example) AAA") and len(plane) < 200
    assert plane.endswith("is not a plane these data offer: showing the default plane.")
    assert at.selectbox(key="o_plane").value == ""
