"""Metrics and least squares against hand-worked values and scikit-learn's documented edge cases."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linreg import (
    UndefinedMetricWarning,
    mae,
    mean_absolute_error,
    mean_squared_error,
    mse,
    ols,
    r2_score,
    rmse,
    root_mean_squared_error,
)

Y_TRUE = [3.0, -0.5, 2.0, 7.0]
Y_PRED = [2.5, 0.0, 2.0, 8.0]


def test_hand_worked_values():
    # residuals 0.5, -0.5, 0, -1: squares sum to 1.5, absolutes to 2.0; SS_tot = 29.1875
    assert mean_squared_error(Y_TRUE, Y_PRED) == pytest.approx(1.5 / 4)
    assert root_mean_squared_error(Y_TRUE, Y_PRED) == pytest.approx(math.sqrt(1.5 / 4))
    assert mean_absolute_error(Y_TRUE, Y_PRED) == pytest.approx(0.5)
    assert r2_score(Y_TRUE, Y_PRED) == pytest.approx(1 - 1.5 / 29.1875)


def test_short_names_are_the_same_functions():
    assert (mse, rmse, mae) == (mean_squared_error, root_mean_squared_error, mean_absolute_error)


def test_perfect_and_mean_predictions():
    y = [1.0, 2.0, 4.0]
    assert r2_score(y, y) == 1.0
    assert r2_score(y, [7 / 3] * 3) == pytest.approx(0.0)
    assert r2_score(y, [4.0, 2.0, 1.0]) < 0  # worse than the mean


def test_constant_y_true_follows_force_finite():
    assert r2_score([2.0, 2.0, 2.0], [2.0, 2.0, 2.0]) == 1.0
    assert r2_score([2.0, 2.0, 2.0], [2.0, 2.0, 3.0]) == 0.0
    assert math.isnan(r2_score([2.0, 2.0], [2.0, 2.0], force_finite=False))
    assert r2_score([2.0, 2.0], [2.0, 3.0], force_finite=False) == -math.inf


def test_r2_with_fewer_than_two_samples_warns_and_is_nan():
    with pytest.warns(UndefinedMetricWarning, match="less than two samples"):
        assert math.isnan(r2_score([1.0], [2.0]))
    assert mean_squared_error([1.0], [3.0]) == 4.0  # the error metrics are defined for one sample


@pytest.mark.parametrize("metric", [mean_squared_error, root_mean_squared_error, mean_absolute_error, r2_score])
def test_bad_inputs_raise(metric):
    with pytest.raises(ValueError, match="at least 1 sample"):
        metric([], [])
    with pytest.raises(ValueError, match="same number of samples, got 2 and 3"):
        metric([1.0, 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="must be finite"):
        metric([1.0, np.nan], [1.0, 2.0])


def test_ols_recovers_an_exact_line():
    fit = ols([0.0, 1.0, 2.0, 3.0], [1.0, 3.0, 5.0, 7.0])
    assert fit.theta == pytest.approx([2.0, 1.0])
    assert fit.rank == 2


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 5), st.integers(0, 40), st.integers(0, 2**32 - 1))
def test_ols_matches_lstsq_and_the_normal_equations(d, extra, seed):
    rng = np.random.RandomState(seed)
    m = d + 1 + extra
    X = rng.normal(size=(m, d)) * rng.uniform(0.1, 10, size=d)
    y = rng.normal(size=m)
    fit = ols(X, y)
    Xa = np.column_stack([X, np.ones(m)])
    expected = np.linalg.lstsq(Xa, y, rcond=None)[0]
    assert fit.theta == pytest.approx(expected, rel=1e-9, abs=1e-9)
    assert fit.theta == pytest.approx(np.linalg.solve(Xa.T @ Xa, Xa.T @ y), rel=1e-6, abs=1e-6)


def test_ols_on_collinear_features_gives_the_minimum_norm_solution():
    x = np.arange(6.0)
    fit = ols(np.column_stack([x, x]), 2 * x + 1)
    assert fit.rank == 2
    assert fit.theta == pytest.approx([1.0, 1.0, 1.0])
