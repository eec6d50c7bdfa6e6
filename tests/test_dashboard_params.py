"""Unit tests of the URL rules (dashboard/params.py) and the numbers beside the charts (dashboard/report.py)."""

from __future__ import annotations

import json

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
    assert len(notices) == 1 and "n_iters='12345' is not one of the offered values; using 10000" in notices[0]


def test_parse_query_accepts_valid_values():
    values, notices = P.parse_query({"n": "1000", "lr": "5e-4", "standardize": "on", "tol": "1e-6", "other": "x"})
    assert values == {"n": 1000, "lr": 5e-4, "standardize": True, "tol": 1e-6}
    assert notices == []


@pytest.mark.parametrize(
    ("key", "raw", "reason"),
    [
        ("noise", "abc", "must be a number"),
        ("noise", "-1", "between 0 and 200"),
        ("n_iters", "0", "between 1 and 1e+06"),
        ("n", "5", "between 10 and 100000"),
        ("n", "10.5", "whole number"),
        ("seed", "nan", "finite"),
        ("lr", "2", "between 1e-06 and 1"),
        ("standardize", "maybe", "true or false"),
        ("tol", "-1", "between 0 and 1"),
    ],
)
def test_parse_query_falls_back_to_the_default_with_a_notice(key, raw, reason):
    values, notices = P.parse_query({key: raw})
    assert values == {key: P.DEFAULTS[key]}
    assert len(notices) == 1 and f"{key}={raw!r}" in notices[0] and reason in notices[0]


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
    assert table.loc[report.GD_ROW].tolist() == ["3.48", "9.57"]
    left, noise = report.gaps(article)
    assert left < 1e-3 < noise


@pytest.mark.parametrize(
    ("settings", "level", "start"),
    [
        ({}, "success", "Converged"),
        ({"tol": 1e-3}, "success", "Stopped at iteration"),
        ({"n_iters": 10}, "info", "Ran all 10 iterations"),
        ({"n_iters": 10, "tol": 1e-12}, "info", "Ran out of iterations"),
        ({"lr": 1e-3}, "warning", "Diverged"),
    ],
)
def test_status_names_the_outcome(settings, level, start):
    got_level, message = report.status(run_experiment(ExperimentParams(**settings)).fit)
    assert got_level == level and message.startswith(start)


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
