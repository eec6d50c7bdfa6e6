"""Rank-deficient designs: duplicate or collinear columns, more features than rows. No crash, no NaN, names given."""

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linreg import INTERCEPT_NAME, ConvergenceWarning, Dataset, TrainSpec, diagnose, gradient_descent, ols, run

RNG = np.random.RandomState(7)
A, B, C = RNG.normal(size=(3, 12))


def pinv_solution(X, y, fit_intercept=True):
    Xa = np.column_stack([X, np.ones(len(y))]) if fit_intercept else X
    return np.linalg.pinv(Xa) @ y


CASES = {
    # name: (X, feature names, the columns OLS must name)
    "duplicate column": (np.column_stack([A, B, A]), ["a", "b", "a_again"], ("a", "a_again")),
    "collinear columns": (np.column_stack([A, B, C, A + 2 * B]), ["a", "b", "c", "a_plus_2b"], ("a", "b", "a_plus_2b")),
    "a constant column": (np.column_stack([A, np.full(12, 3.0)]), ["a", "three"], ("three", INTERCEPT_NAME)),
    "more features than rows": (RNG.normal(size=(12, 15)), None, None),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_ols_gives_the_minimum_norm_solution_and_names_the_columns(case):
    X, names, collinear = CASES[case]
    y = X @ np.linspace(1.0, 2.0, X.shape[1]) + 0.1 * np.sin(np.arange(12.0))
    fit = ols(X, y, feature_names=names)
    assert fit.rank < X.shape[1] + 1
    assert np.all(np.isfinite(fit.theta))
    assert fit.theta == pytest.approx(pinv_solution(X, y), rel=1e-8, abs=1e-10)
    expected = collinear if collinear is not None else (*(f"x{j + 1}" for j in range(15)), INTERCEPT_NAME)
    assert fit.collinear == expected


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_diagnostics_say_the_coefficients_are_not_identifiable(case):
    X = CASES[case][0]
    d = diagnose(X)
    assert d.eigenvalues[0] == 0.0 and math.isinf(d.condition_number)
    assert not d.identifiable and d.rank < X.shape[1] + 1
    assert d.identifiability.startswith("The coefficients are not identifiable: λ_min ≈ 0")
    assert f"only {d.rank} of the {X.shape[1] + 1} parameters" in d.identifiability


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_a_run_on_rank_deficient_data_is_finite(case):
    X, names, _ = CASES[case]
    ds = Dataset(X, X[:, 0] + 1.0, feature_names=names)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        e = run(ds, TrainSpec(lr=None, n_iters=2_000, train_ratio=0.75))
    for value in (*e.fit.theta, *e.ols.theta, e.train.mse, e.ols_train.mse, e.fit.final_loss):
        assert math.isfinite(value)
    assert not e.diagnostics.identifiable and e.ols.collinear


def test_gd_from_zero_without_standardizing_approaches_the_same_minimum_norm_solution():
    x = np.arange(8.0)
    X, y = np.column_stack([x, 2 * x]), 1.0 + 3.0 * x
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fit = gradient_descent(X, y, lr=diagnose(X).suggested_lr, n_iters=200_000)
    assert fit.theta == pytest.approx(pinv_solution(X, y), rel=1e-6)
    assert ols(X, y).theta == pytest.approx([0.6, 1.2, 1.0])


def test_full_rank_names_nothing():
    fit = ols(np.column_stack([A, B]), C)
    assert fit.rank == 3 and fit.collinear == ()
    assert diagnose(np.column_stack([A, B])).identifiable


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 6), st.integers(0, 2**32 - 1), st.booleans())
def test_a_copied_column_always_gives_the_pinv_solution(d, seed, fit_intercept):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(20, d)) * rng.uniform(0.5, 2.0, size=d)
    j, k = rng.choice(d, size=2, replace=False)
    X[:, k] = X[:, j]
    y = rng.normal(size=20)
    fit = ols(X, y, fit_intercept=fit_intercept)
    assert fit.rank == d - 1 + fit_intercept
    assert fit.theta == pytest.approx(pinv_solution(X, y, fit_intercept), rel=1e-7, abs=1e-9)
    assert set(fit.collinear) == {f"x{j + 1}", f"x{k + 1}"}
