"""Unit tests of the URL rules (dashboard/params.py) and the numbers beside the charts (dashboard/report.py)."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dashboard import params as P
from dashboard import report
from linreg import ExperimentParams, run_experiment


def test_defaults_are_the_article_settings():
    assert P.to_experiment(P.DEFAULTS) == ExperimentParams()
    assert P.to_query(P.DEFAULTS) == {}


def test_learning_rate_grid_spans_the_log_scale_and_hits_the_article_rate():
    assert P.LR_GRID[0] == 1e-6 and P.LR_GRID[-1] == 1.0
    assert 5e-4 in P.LR_GRID and 6.2e-4 in P.LR_GRID
    assert all(b > a for a, b in zip(P.LR_GRID, P.LR_GRID[1:], strict=False))


@pytest.mark.parametrize(("rate", "expected"), [(6.2e-4, 6.2e-4), (6.2199e-4, 6.2e-4), (1e-9, 1e-6), (5.0, 1.0)])
def test_snap_lr_rounds_down_onto_the_grid(rate, expected):
    assert P.snap_lr(rate) == expected


def test_iteration_grid_is_log_spaced_and_snaps_with_a_notice():
    assert P.ITERS_GRID[0] == 1 and P.ITERS_GRID[-1] == 1_000_000 and 100_000 in P.ITERS_GRID
    assert P.snap_down(P.ITERS_GRID, 12_345) == 10_000 and P.snap_down(P.ITERS_GRID, 100_000) == 100_000
    assert 400 in P.N_GRID and P.N_GRID[0] == 10 and P.N_GRID[-1] == 100_000
    values, notices = P.parse_query({"n_iters": "12345"})
    assert values == {"n_iters": 10_000}
    assert notices == ["The link's n_iters = ` 12345 ` is not one of the offered values. Using 10k."]


@pytest.mark.parametrize(
    ("raw", "expected"), [("1000", 1000), ("1k", 1000), ("1,000", 1000), ("1e3", 1000), ("2K", 2000)]
)
def test_counts_read_as_the_slider_writes_them_or_as_plain_numbers(raw, expected):
    assert P.parse_query({"n": raw}) == ({"n": expected}, [])
    assert P.format_value("n", expected) == P.format_count(expected)


def test_a_pasted_plus_sign_that_arrives_as_a_space_still_reads():
    # "?lr=1.0e+00" typed into the address bar reaches the app as "1.0e 00".
    assert P.parse_query({"lr": "1.0e 00"}) == ({"lr": 1.0}, [])


def test_url_values_are_written_as_the_bound_widgets_write_them():
    # Streamlit writes a bound slider's 25.0 as "25", a select slider's option as its label.
    assert P.to_query(P.DEFAULTS | {"noise": 30.0, "slope": 2.5, "lr": 3e-4, "n_iters": 1_000_000, "tol": 1e-6}) == {
        "noise": "30",
        "slope": "2.5",
        "lr": "3.0e-04",
        "n_iters": "1M",
        "tol": "1e-06",
    }


def test_parse_query_accepts_valid_values():
    values, notices = P.parse_query({"n": "1000", "lr": "5e-4", "standardize": "on", "tol": "1e-6", "other": "x"})
    assert values == {"n": 1000, "lr": 5e-4, "standardize": True, "tol": 1e-6}
    assert notices == []


@pytest.mark.parametrize(
    ("key", "raw", "reason"),
    [
        ("noise", "abc", "it is not a number"),
        ("noise", "-1", "it must lie between 0 and 200"),
        ("n_iters", "0", "it must lie between 1 and 1M"),
        ("n", "5", "it must lie between 10 and 100k"),
        ("n", "10.5", "it is not a whole number"),
        ("seed", "nan", "it is not a finite number"),
        ("lr", "2", "it must lie between 1.0e-06 and 1.0e+00"),
        ("standardize", "maybe", "it must be true or false"),
        ("tol", "-1", "it must lie between 0 and 1"),
    ],
)
def test_parse_query_falls_back_to_the_default_with_a_notice(key, raw, reason):
    values, notices = P.parse_query({key: raw})
    assert values == {key: P.DEFAULTS[key]}
    assert len(notices) == 1 and f"{key} = ` {raw} ` was ignored: {reason}." in notices[0]


@pytest.mark.parametrize(
    "raw",
    [
        "[Session expired, log in](https://evil.example/login)",
        "![x](https://evil.example/p.png)",
        ":red[**big**] $x^2$ <b>bold</b>",
        "a `tick` and ``two``",
        "line\n\n# heading",
        "A" * 30_000,
    ],
)
def test_url_text_in_a_notice_is_one_short_code_span(raw):
    (notice,) = P.parse_query({"slope": raw})[1]
    before, code, after = re.fullmatch(r"(.*?= )(`+ .* `+)( was ignored.*)", notice).groups()
    fence = re.match(r"`+", code).group()
    # The value sits between fences longer than any backtick run inside it, on one line, at most 60 characters.
    inner = code[len(fence) + 1 : -len(fence) - 1]
    assert "\n" not in notice and len(inner) <= 60 and fence not in inner
    flat = " ".join(raw.split())
    assert inner == flat if len(flat) <= 60 else inner == flat[:59] + "…"
    assert len(notice) < 200


@pytest.mark.parametrize("raw", ["off", "none", "0", ""])
def test_tolerance_can_be_switched_off_in_the_url(raw):
    values, notices = P.parse_query({"tol": raw})
    assert values == {"tol": P.TOL_OFF} and notices == []
    assert P.to_experiment(P.DEFAULTS | values).tol is None


def test_off_grid_rates_are_snapped_with_a_notice():
    values, notices = P.parse_query({"lr": "0.00051234", "tol": "3e-6"})
    assert values == {"lr": 5.1e-4, "tol": 1e-6}
    assert len(notices) == 2


controls = st.fixed_dictionaries(
    {
        "noise": st.floats(0, 200),
        "seed": st.integers(0, 2**32 - 1),
        "n": st.sampled_from(P.N_GRID),
        "slope": st.floats(-20, 20),
        "intercept": st.floats(-200, 200),
        "x_min": st.floats(-1000, 1000),
        "lr": st.sampled_from(P.LR_GRID),
        "n_iters": st.sampled_from(P.ITERS_GRID),
        "standardize": st.booleans(),
        "tol": st.sampled_from(P.TOL_OPTIONS),
        "show_train": st.booleans(),
    }
)


@given(controls)
def test_url_round_trip_reproduces_every_value(changes):
    values = P.DEFAULTS | changes
    parsed, notices = P.parse_query(P.to_query(values))
    assert notices == []
    assert P.DEFAULTS | parsed == values


@pytest.fixture(scope="module")
def article():
    return run_experiment()


def test_metrics_show_the_article_r2(article):
    shown = {m.label: m.value for m in report.metrics(article)}
    assert shown["Test R²"] == "0.95"
    assert set(shown) == {f"{p} {m}" for p in ("Train", "Test") for m in ("R²", "MSE", "RMSE", "MAE")}


def test_parameters_table_and_gaps(article):
    table = report.parameters_table(article)
    assert table[report.GD_ROW].tolist() == ["3.48", "9.57"]
    left, noise = report.gaps(article)
    assert left < 1e-3 < noise


@pytest.mark.parametrize(
    ("settings", "level", "start"),
    [
        ({}, "success", "Converged"),
        ({"tol": 1e-3, "standardize": True, "lr": 0.5}, "success", "Stopped at iteration"),
        ({"tol": 1e-6}, "warning", "Stopped at iteration 8,639"),
        ({"n_iters": 10}, "info", "Ran all 10 iterations"),
        ({"n_iters": 10, "tol": 1e-12}, "info", "Ran out of iterations"),
        ({"lr": 1e-3}, "warning", "Diverged"),
    ],
)
def test_status_names_the_outcome(settings, level, start):
    got_level, message = report.status(run_experiment(ExperimentParams(**settings)))
    assert got_level == level and message.startswith(start)


def test_an_early_stop_far_from_least_squares_warns_and_names_the_gap():
    level, message = report.status(run_experiment(ExperimentParams(tol=1e-6)))
    assert level == "warning"
    assert "the intercept is still 6.44 against least squares' 9.57" in message


@pytest.mark.parametrize(("value", "shown"), [(0.9488, "0.95"), (-53226300.69, "-5.3e+07"), (1.2e9, "1.2e+09")])
def test_huge_metrics_are_short(value, shown):
    assert report.fmt(value, ".2f") == shown


def test_metrics_of_a_diverged_run_fit_their_box():
    shown = report.metrics(run_experiment(ExperimentParams(lr=1.0)))
    assert all(len(m.value) <= 9 for m in shown), [m.value for m in shown]


def test_the_caption_describes_the_current_settings():
    text = report.describe(run_experiment(ExperimentParams(n=1000, slope=-2.0, intercept=-5.0, noise=3.0, tol=1e-6)))
    assert text.startswith("1,000 points with x from 0 to 100 around y = -2x − 5, with Gaussian noise σ = 3 (seed 43)")
    assert "800 train and 200 test" in text and "or until an update gains less than 1e-06" in text


def test_the_rates_note_tells_the_bound_and_the_fastest_rate_apart():
    note = P.rates_note(run_experiment().diagnostics)
    assert note.startswith(
        "Diverges at α ≥ 6.22e-04 (2/λ_max). The fastest rate, 2/(λ_min + λ_max), is only 0.01% below"
    )
    note = P.rates_note(run_experiment(ExperimentParams(standardize=True)).diagnostics)
    assert note == "Diverges at α ≥ 2.00e+00 (2/λ_max). Fastest at α = 1.00e+00, 2/(λ_min + λ_max)."


def test_downloads_hold_the_run(article):
    data = report.data_csv(article).splitlines()
    assert data[0] == "x,y,split" and len(data) == 401
    assert sum(line.endswith(",test") for line in data) == 80
    loss = report.loss_csv(article.fit).splitlines()
    assert loss[0] == "iteration,mse" and len(loss) == 100_002
    assert float(loss[1].split(",")[1]) == article.fit.loss_history[0]
    doc = json.loads(report.fit_json(article))
    assert round(doc["parameters"]["gradient_descent"]["w_1"], 2) == 3.48
    assert doc["settings"]["lr"] == 5e-4 and doc["metrics"]["test"]["r2"] == pytest.approx(0.9488, abs=1e-4)


def test_fit_json_has_no_nan_for_a_diverged_run():
    doc = report.fit_json(run_experiment(ExperimentParams(lr=0.5, n_iters=50)))
    assert "NaN" not in doc and "Infinity" not in doc
    assert np.isfinite(json.loads(doc)["parameters"]["gradient_descent"]["w_1"])


def test_fit_json_writes_an_undefined_r2_as_null():
    # 10 points at train ratio 0.99 leave one test point, where R² is not defined.
    doc = report.fit_json(run_experiment(ExperimentParams(n=10, train_ratio=0.99)))
    assert "NaN" not in doc
    assert json.loads(doc)["metrics"]["test"]["r2"] is None


def test_every_rate_linreg_suggests_is_a_member_of_the_slider_grid():
    """The rate a table starts at goes on the slider as it is, so the page's run is the run that suggested it."""
    from linreg.problem import suggest_lr

    rates = [suggest_lr(np.array([lam * ratio, lam])) for lam in np.geomspace(1e-2, 1e7, 3000) for ratio in (0.0, 0.3)]
    on_slider = [r for r in rates if P.LR_MIN <= r < P.LR_MAX]
    assert len(on_slider) > 3000
    assert [r for r in on_slider if r not in P.LR_GRID] == []
    assert suggest_lr(np.array([1.0, 2.0 / 0.93 - 1.0])) == 0.93  # not 93 * 0.01 = 0.9300000000000001
