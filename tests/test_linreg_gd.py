"""Closed-form gradient descent against the literal loop, and its stopping rules."""

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from oracle import literal_loop, relative_gains, tol_stop

from linreg import ConvergenceWarning, diagnose, gradient_descent, make_synthetic, ols, train_test_split


@st.composite
def problems(draw):
    """A random regression problem with d = 1..4 features and a stable learning rate."""
    d = draw(st.integers(1, 4))
    m = draw(st.integers(2, 60))
    rng = np.random.RandomState(draw(st.integers(0, 2**32 - 1)))
    offset = draw(st.sampled_from([0.0, 3.0, 50.0]))
    scale = draw(st.sampled_from([0.1, 1.0, 10.0, 100.0]))
    X = offset + scale * rng.uniform(-1.0, 1.0, size=(m, d))
    y = (
        X @ rng.normal(0.0, 3.0, size=d)
        + rng.normal(0.0, 10.0)
        + draw(st.sampled_from([0.0, 1.0, 25.0])) * (rng.normal(size=m))
    )
    standardize = draw(st.booleans())
    assume(not standardize or np.all(X.std(axis=0) > 0))
    diag = diagnose(X, standardize=standardize)
    lr = draw(st.floats(0.02, 0.98)) * diag.max_stable_lr
    return dict(
        X=X if d > 1 or draw(st.booleans()) else X[:, 0],
        y=y,
        lr=lr,
        n_iters=draw(st.integers(1, 10_000)),
        standardize=standardize,
        tol=draw(st.none() | st.sampled_from([1e-2, 1e-4, 1e-6, 1e-8])),
    )


def assert_close(actual, expected, rtol=1e-9, scale=None):
    """Equal within ``rtol`` relative to the largest expected magnitude (or to ``scale``)."""
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape
    scale = np.max(np.abs(expected)) if scale is None else scale
    assert np.max(np.abs(actual - expected)) <= rtol * scale, (actual, expected)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_closed_form_equals_the_literal_loop(p):
    thetas, losses = literal_loop(p["X"], p["y"], lr=p["lr"], n_iters=p["n_iters"], standardize=p["standardize"])
    k = p["n_iters"]
    if p["tol"] is not None:
        gains = relative_gains(losses)
        assume(not np.any(np.abs(gains / p["tol"] - 1.0) <= 1e-6))  # not on the knife edge of the rule
        assume(losses.min() > 1e-8 * losses[0])  # near an exact fit the loop's own losses are rounding noise
        k = tol_stop(losses, p["tol"]) or k
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fit = gradient_descent(p["X"], p["y"], **{key: p[key] for key in ("lr", "n_iters", "standardize", "tol")})
    assert fit.n_iter == k
    assert_close(fit.theta, thetas[k])
    assert_close(fit.loss_history, losses[:k])
    assert_close(fit.final_loss, losses[k], scale=losses[0])
    assert not fit.diverged
    assert_close(np.column_stack([fit.checkpoint_weights, fit.checkpoint_bias]), thetas[fit.checkpoint_iters])


def test_article_iterates_equal_the_loop_along_the_way():
    split = train_test_split(*make_synthetic())
    thetas, losses = literal_loop(split.x_train, split.y_train, lr=5e-4, n_iters=3_000)
    for k in (1, 10, 999, 3_000):
        with pytest.warns(ConvergenceWarning, match="without converging"):
            fit = gradient_descent(split.x_train, split.y_train, lr=5e-4, n_iters=k)
        assert_close(fit.theta, thetas[k])
        assert_close(fit.loss_history, losses[:k])


def test_w_init_starts_from_given_weights():
    X, y = make_synthetic(n=50)
    thetas, _ = literal_loop(X, y, lr=1e-4, n_iters=500, theta0=[3.0, 5.0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fit = gradient_descent(X, y, lr=1e-4, n_iters=500, w_init=[3.0, 5.0])
    assert_close(fit.theta, thetas[-1])
    assert fit.checkpoint_weights[0, 0] == pytest.approx(3.0) and fit.checkpoint_bias[0] == pytest.approx(5.0)


@given(problems())
@settings(max_examples=40, deadline=None)
def test_converged_gradient_descent_reaches_ols(p):
    X = np.reshape(p["X"], (len(p["y"]), -1))
    diag = diagnose(X, standardize=True)
    assume(diag.condition_number < 100)
    fit = gradient_descent(X, p["y"], lr=diag.optimal_lr, n_iters=2_000, standardize=True)
    exact = ols(X, p["y"])
    assert fit.converged
    assert_close(fit.theta, exact.theta, rtol=1e-8)
    assert_close(fit.final_loss, np.mean((p["y"] - X @ exact.weights - exact.bias) ** 2), scale=fit.loss_history[0])


def test_article_converges_to_ols():
    split = train_test_split(*make_synthetic())
    fit = gradient_descent(split.x_train, split.y_train, lr=5e-4, n_iters=1_000_000)
    assert_close(fit.theta, ols(split.x_train, split.y_train).theta, rtol=1e-12)


class TestStandardize:
    def setup_method(self):
        self.split = train_test_split(*make_synthetic())

    def test_reports_original_units_and_says_so(self):
        fit = gradient_descent(self.split.x_train, self.split.y_train, lr=1.0, n_iters=5, standardize=True)
        assert fit.standardized
        assert_close(fit.theta, ols(self.split.x_train, self.split.y_train).theta, rtol=1e-12)
        assert fit.max_stable_lr == pytest.approx(2.0)

    def test_reaches_the_minimum_in_far_fewer_iterations(self):
        kwargs = dict(lr=5e-4, n_iters=1_000_000, tol=1e-10)
        raw = gradient_descent(self.split.x_train, self.split.y_train, **kwargs)
        std = gradient_descent(self.split.x_train, self.split.y_train, standardize=True, **kwargs)
        assert std.converged and raw.converged
        assert std.n_iter * 2 < raw.n_iter

    def test_constant_x_cannot_be_standardized(self):
        with pytest.raises(ValueError, match="zero variance"):
            gradient_descent(np.ones(10), np.arange(10.0), lr=0.1, n_iters=10, standardize=True)


class TestTolerance:
    def test_stops_and_reports_the_iteration(self):
        split = train_test_split(*make_synthetic())
        fit = gradient_descent(split.x_train, split.y_train, lr=5e-4, n_iters=1_000_000, tol=1e-9)
        assert fit.converged and fit.n_iter < 1_000_000
        assert f"stopped at iteration {fit.n_iter:,}" in fit.stop_reason
        assert len(fit.loss_history) == fit.n_iter
        gain = (fit.loss_history[-1] - fit.final_loss) / fit.loss_history[-1]
        assert gain < 1e-9 <= (fit.loss_history[-2] - fit.loss_history[-1]) / fit.loss_history[-2]

    def test_unmet_tolerance_warns_and_flags(self):
        split = train_test_split(*make_synthetic())
        with pytest.warns(ConvergenceWarning, match="before the relative improvement"):
            fit = gradient_descent(split.x_train, split.y_train, lr=5e-4, n_iters=100, tol=1e-12)
        assert not fit.converged and fit.n_iter == 100

    def test_without_tol_too_few_iterations_is_not_converged(self):
        split = train_test_split(*make_synthetic())
        with pytest.warns(ConvergenceWarning, match="7,758 steps per e-fold"):
            fit = gradient_descent(split.x_train, split.y_train, lr=5e-4, n_iters=1_000)
        assert not fit.converged and not fit.diverged
        assert "without converging" in fit.stop_reason


class TestDivergence:
    @pytest.mark.parametrize("lr", [6.3e-4, 1e-3, 0.1, 1.0])
    def test_unstable_rate_stops_with_a_finite_history_and_advice(self, lr):
        split = train_test_split(*make_synthetic())
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            warnings.simplefilter("ignore", ConvergenceWarning)
            fit = gradient_descent(split.x_train, split.y_train, lr=lr, n_iters=1_000_000)
        assert fit.diverged and not fit.converged
        assert fit.n_iter < 1_000_000
        for arr in (fit.loss_history, fit.weights, fit.checkpoint_weights, fit.checkpoint_bias, fit.checkpoint_loss):
            assert np.all(np.isfinite(arr))
        assert np.isfinite(fit.final_loss) and np.isfinite(fit.bias)
        assert "stable bound 2/λ_max=0.000622" in fit.stop_reason
        assert "Try lr=0.00062" in fit.stop_reason

    def test_loss_grows_before_it_is_cut(self):
        split = train_test_split(*make_synthetic())
        with pytest.warns(ConvergenceWarning, match="diverged"):
            fit = gradient_descent(split.x_train, split.y_train, lr=1e-3, n_iters=1_000)
        assert fit.final_loss > 1e6 * fit.loss_history[0] * 1e-3
        assert np.all(np.diff(fit.loss_history[3:]) > 0)

    def test_slightly_unstable_short_run_is_flagged_without_cut(self):
        split = train_test_split(*make_synthetic())
        with pytest.warns(ConvergenceWarning):
            fit = gradient_descent(split.x_train, split.y_train, lr=6.3e-4, n_iters=50)
        assert fit.diverged and fit.n_iter == 50
        assert "grows with every step" in fit.stop_reason


def test_results_are_read_only():
    fit = gradient_descent([0.0, 1.0, 2.0], [1.0, 2.0, 3.0], lr=1.0, n_iters=10, standardize=True)
    for arr in (fit.weights, fit.loss_history, fit.checkpoint_iters, fit.checkpoint_weights, fit.theta):
        with pytest.raises(ValueError, match="read-only"):
            arr[0] = 1.0
    with pytest.raises(AttributeError):
        fit.bias = 0.0


def test_checkpoints_are_log_spaced_from_zero_to_the_end():
    split = train_test_split(*make_synthetic())
    fit = gradient_descent(split.x_train, split.y_train, lr=5e-4, n_iters=100_000)
    iters = fit.checkpoint_iters
    assert iters[0] == 0 and iters[-1] == 100_000 and 40 <= len(iters) <= 82
    assert np.all(np.diff(iters) > 0)
    assert iters[len(iters) // 2] < 2_000  # log-spaced: half of them in the first 2%
    assert fit.checkpoint_loss[-1] == pytest.approx(fit.final_loss)


def test_singular_features_still_match_the_loop():
    X = np.column_stack([np.arange(8.0), 2 * np.arange(8.0)])
    y = 1.0 + 3.0 * np.arange(8.0)
    thetas, losses = literal_loop(X, y, lr=0.005, n_iters=2_000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fit = gradient_descent(X, y, lr=0.005, n_iters=2_000)
    assert_close(fit.theta, thetas[-1])
    assert_close(fit.loss_history, losses[:-1])


@pytest.mark.parametrize(
    ("kwargs", "status", "converged"),
    [
        ({"lr": 5e-4, "n_iters": 100_000}, "converged", True),
        ({"lr": 5e-4, "n_iters": 1_000_000, "tol": 1e-9}, "tol", True),
        ({"lr": 5e-4, "n_iters": 1_000}, "max_iter", False),
        ({"lr": 5e-4, "n_iters": 10, "tol": 1e-12}, "max_iter", False),
        ({"lr": 1e-3, "n_iters": 1_000}, "diverged", False),
    ],
)
def test_status_names_how_the_run_ended(kwargs, status, converged):
    split = train_test_split(*make_synthetic())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fit = gradient_descent(split.x_train, split.y_train, **kwargs)
    assert (fit.status, fit.converged, fit.diverged) == (status, converged, status == "diverged")
