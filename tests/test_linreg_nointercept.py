"""Models without an intercept, ``y ~ X w``, as scikit-learn's ``fit_intercept=False``: OLS, GD, diagnostics, run."""

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from oracle import literal_loop
from test_linreg_gd import assert_close

from linreg import MAX_LR, ConvergenceWarning, Dataset, Problem, TrainSpec, diagnose, gradient_descent, ols, run


@st.composite
def design(draw):
    """X of shape (m, d) with columns of different scales and offsets, and y; m >= d."""
    d = draw(st.integers(1, 5))
    m = d + draw(st.integers(0, 40))
    rng = np.random.RandomState(draw(st.integers(0, 2**32 - 1)))
    X = rng.normal(size=(m, d)) * rng.uniform(0.1, 10, size=d) + draw(st.sampled_from([0.0, 5.0]))
    return X, rng.normal(size=m) + X @ rng.normal(size=d)


@settings(max_examples=60, deadline=None)
@given(design())
def test_ols_without_intercept_matches_lstsq_on_x_alone(problem):
    X, y = problem
    assume(np.linalg.cond(X) < 1e8)
    fit = ols(X, y, fit_intercept=False)
    expected = np.linalg.lstsq(X, y, rcond=None)[0]
    assert fit.bias == 0.0 and fit.theta.shape == (X.shape[1],) and not fit.fit_intercept
    assert fit.theta == pytest.approx(expected, rel=1e-8, abs=1e-8 * np.max(np.abs(expected)))
    assert fit.rank == X.shape[1]


@st.composite
def gd_problems(draw):
    X, y = draw(design())
    standardize = draw(st.booleans())
    diag = diagnose(X, standardize=standardize, fit_intercept=False)
    assume(diag.identifiable)
    return dict(
        X=X,
        y=y,
        lr=min(draw(st.floats(0.05, 0.95)) * diag.max_stable_lr, MAX_LR),  # one tiny x can be stable beyond MAX_LR
        n_iters=draw(st.integers(1, 3_000)),
        standardize=standardize,
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(gd_problems())
def test_gd_without_intercept_equals_the_literal_loop(p):
    thetas, losses = literal_loop(
        p["X"], p["y"], lr=p["lr"], n_iters=p["n_iters"], standardize=p["standardize"], fit_intercept=False
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fit = gradient_descent(
            p["X"], p["y"], lr=p["lr"], n_iters=p["n_iters"], standardize=p["standardize"], fit_intercept=False
        )
    assert fit.bias == 0.0 and not np.any(fit.checkpoint_bias) and fit.theta.shape == (p["X"].shape[1],)
    assert_close(fit.theta, thetas[-1])
    assert_close(fit.loss_history, losses[:-1])
    assert_close(fit.checkpoint_weights, thetas[fit.checkpoint_iters])


def test_standardizing_without_intercept_scales_by_the_root_mean_square_and_does_not_centre():
    X = np.column_stack([np.linspace(100.0, 101.0, 30), np.linspace(-1.0, 2.0, 30)])
    p = Problem.from_data(X, X @ [2.0, -3.0], standardize=True, fit_intercept=False)
    assert not np.any(p.scaling.mean)
    assert p.scaling.scale == pytest.approx(np.sqrt(np.mean(X**2, axis=0)))
    assert np.diag(p.A) == pytest.approx([1.0, 1.0])  # unit diagonal, as standardizing gives with an intercept
    fit = gradient_descent(p, lr=p.suggested_lr, n_iters=20_000)
    assert fit.converged and fit.theta == pytest.approx([2.0, -3.0], rel=1e-6)


def test_an_all_zero_column_cannot_be_scaled():
    with pytest.raises(ValueError, match=r"x must not be all zero to be scaled: column 1"):
        Problem.from_data(np.column_stack([np.ones(4), np.zeros(4)]), np.ones(4), standardize=True, fit_intercept=False)


def test_through_the_origin_the_hessian_has_d_eigenvalues():
    x = np.linspace(1.0, 5.0, 20)
    d = diagnose(x, fit_intercept=False)
    assert d.eigenvalues.shape == (1,) and d.eigenvalues[0] == pytest.approx(np.mean(x**2))
    assert d.condition_number == 1.0 and d.max_stable_lr == pytest.approx(2 / np.mean(x**2))
    assert not d.fit_intercept and d.identifiable


def test_w_init_has_no_bias_without_an_intercept():
    x = np.linspace(1.0, 5.0, 20)
    with pytest.raises(ValueError, match=r"w_init must have shape \(1,\): 1 weight\(s\) \(no bias"):
        gradient_descent(x, 2 * x, lr=0.01, n_iters=10, w_init=[1.0, 0.0], fit_intercept=False)
    thetas, _ = literal_loop(x, 2 * x, lr=0.01, n_iters=10, theta0=[5.0], fit_intercept=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fit = gradient_descent(x, 2 * x, lr=0.01, n_iters=10, w_init=[5.0], fit_intercept=False)
    assert_close(fit.theta, thetas[-1])


def test_run_without_intercept_on_a_line_through_the_origin():
    x = np.linspace(0.0, 10.0, 50)
    noise = np.random.RandomState(0).normal(0.0, 0.5, 50)
    e = run(Dataset(x, 1.5 * x + noise), TrainSpec(lr=None, standardize=True, fit_intercept=False, n_iters=200))
    assert e.intercept == 0.0 and e.ols.bias == 0.0 and e.coef.shape == (1,)
    assert e.coef[0] == pytest.approx(e.ols.weights[0], rel=1e-9) and e.coef[0] == pytest.approx(1.5, abs=0.05)
    assert e.diagnostics.eigenvalues.shape == (1,) and e.fit.converged
