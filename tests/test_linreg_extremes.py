"""Extreme inputs: every result is finite, or a ValueError names the input. No warning escapes.

float64 overflows at 1.8e308, so squares overflow near 1.3e154 and underflow below
1.5e-154; the library bounds what it accepts (MAX_MAGNITUDE, MIN_SPREAD, MAX_LR, ...)
and these tests throw everything around and beyond those bounds at every entry point.
"""

from __future__ import annotations

import math
import re
import warnings
from dataclasses import fields, is_dataclass
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linreg import (
    MAX_ITERS,
    MAX_LR,
    MAX_MAGNITUDE,
    ConvergenceWarning,
    Dataset,
    Diagnostics,
    ExperimentParams,
    TrainSpec,
    diagnose,
    gradient_descent,
    mae,
    make_synthetic,
    mse,
    ols,
    predict,
    r2_score,
    rmse,
    run,
    run_experiment,
    train_test_split,
)

X = np.linspace(0.0, 100.0, 20)
Y = 3.5 * X + 10.0
D = diagnose(X)


def non_finite(obj, path: str = "result"):
    """Paths of every NaN or infinity in ``obj``, walking dataclasses, tuples and arrays.

    A singular Hessian's ``condition_number`` is documented to be ``inf`` and is skipped.
    """
    if is_dataclass(obj):
        for f in fields(obj):
            if isinstance(obj, Diagnostics) and f.name == "condition_number" and obj.eigenvalues[0] == 0:
                continue
            yield from non_finite(getattr(obj, f.name), f"{path}.{f.name}")
    elif isinstance(obj, tuple):
        for i, item in enumerate(obj):
            yield from non_finite(item, f"{path}[{i}]")
    elif isinstance(obj, np.ndarray) and obj.dtype.kind == "f":
        if not np.all(np.isfinite(obj)):
            yield path
    elif isinstance(obj, float) and not math.isfinite(obj):
        yield path


def strictly(call, *, quiet: bool = False):
    """Run ``call`` with every warning an error; ``quiet`` lets a run end without converging."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        if quiet:
            warnings.filterwarnings("ignore", category=ConvergenceWarning)
        return call()


def names(message: str, name: str) -> bool:
    """True if ``name`` appears in ``message`` as a whole word."""
    return re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", message) is not None


def fit(**kwargs):
    """A call of gradient_descent on the line X, Y unless X or y is given, at the article's lr."""
    kw = {"lr": 5e-4, "n_iters": 100} | kwargs
    return lambda: gradient_descent(kw.pop("X", X), kw.pop("y", Y), **kw)


def experiment(**kwargs):
    return lambda: run_experiment(ExperimentParams(**kwargs))


# (id, call, the input a ValueError must name or None for a finite result, quiet)
CASES = [
    # make_synthetic
    ("slope 1e308", lambda: make_synthetic(slope=1e308), "slope", False),
    ("slope -1e308", lambda: make_synthetic(slope=-1e308), "slope", False),
    ("slope int 10**400", lambda: make_synthetic(slope=10**400), "slope", False),
    ("slope Fraction 10**400/3", lambda: make_synthetic(slope=Fraction(10**400, 3)), "slope", False),
    ("noise 1e308", lambda: make_synthetic(noise=1e308), "noise", False),
    ("noise inf", lambda: make_synthetic(noise=math.inf), "noise", False),
    ("noise 1e150 (10 sigma beyond the limit)", lambda: make_synthetic(noise=1e150), "noise", False),
    ("x range +-1e308", lambda: make_synthetic(x_min=-1e308, x_max=1e308), "x_min", False),
    ("x_max longdouble 1e400", lambda: make_synthetic(x_max=np.longdouble("1e400")), "x_max", False),
    ("x spread 1e-300", lambda: make_synthetic(x_min=0.0, x_max=1e-300), "x_min", False),
    ("slope * x beyond the limit", lambda: make_synthetic(slope=1e150, x_max=1e10), "slope", False),
    ("intercept 1e151", lambda: make_synthetic(intercept=1e151), "intercept", False),
    ("seed 2**32", lambda: make_synthetic(seed=2**32), "seed", False),
    ("seed uint64 2**63", lambda: make_synthetic(seed=np.uint64(2**63)), "seed", False),
    ("seed True", lambda: make_synthetic(seed=True), "seed", False),
    ("n numpy bool", lambda: make_synthetic(n=np.True_), "n", False),
    ("n 10**400", lambda: make_synthetic(n=10**400), "n", False),
    ("noise 0 with slope 1e150", lambda: make_synthetic(slope=1e150, noise=0.0, x_max=1.0), None, False),
    ("tiny everything", lambda: make_synthetic(slope=1e-300, intercept=0.0, noise=1e-300, x_max=1e-150), None, False),
    ("numpy scalars", lambda: make_synthetic(n=np.int64(10), slope=np.float32(3.5), seed=np.uint32(7)), None, False),
    ("widest x range", lambda: make_synthetic(x_min=-1e150, x_max=1e150, slope=0.0, noise=0.0), None, False),
    # train_test_split
    ("split x 1e200", lambda: train_test_split(X * 1e198, Y), "x", False),
    ("split x int 10**400", lambda: train_test_split([10**400, 1, 2], [1.0, 2.0, 3.0]), "x", False),
    ("split y nan", lambda: train_test_split(X, np.full(20, np.nan)), "y", False),
    ("split seed 2**32", lambda: train_test_split(X, Y, seed=2**32), "seed", False),
    ("split ratio 1e-300", lambda: train_test_split(X, Y, train_ratio=1e-300), "train_ratio", False),
    ("split at the limit", lambda: train_test_split(X * 1e148, Y * 1e147, train_ratio=np.float64(0.5)), None, False),
    # gradient_descent
    ("w_init 1e200", fit(w_init=[1e200, 1e200]), "w_init", False),
    ("w_init predictions 1e152", fit(w_init=[1e150, 0.0]), "w_init", False),
    ("w_init complex", fit(w_init=[1j, 0.0]), "w_init", False),
    ("w_init bools", fit(w_init=[True, False]), None, True),
    ("X int 10**400", fit(X=[10**400, 1], y=[1.0, 2.0]), "X", False),
    ("X 1e200", fit(X=X * 1e198), "X", False),
    ("y 1e200", fit(y=Y * 1e198), "y", False),
    ("lr 1e308", fit(lr=1e308), "lr", False),
    ("lr inf", fit(lr=math.inf), "lr", False),
    ("lr MAX_LR diverges", fit(lr=MAX_LR, n_iters=MAX_ITERS), None, True),
    ("lr 5e-324", fit(lr=5e-324), None, True),
    ("lr numpy 1e-300", fit(lr=np.float64(1e-300)), None, True),
    ("tol 1e300", fit(tol=1e300), "tol", False),
    ("tol 1", fit(tol=1.0), "tol", False),
    ("tol 5e-324", fit(tol=5e-324, n_iters=MAX_ITERS), None, True),
    ("n_iters 10**400", fit(n_iters=10**400), "n_iters", False),
    ("n_iters MAX_ITERS + 1", fit(n_iters=MAX_ITERS + 1), "n_iters", False),
    ("n_iters True", fit(n_iters=True), "n_iters", False),
    ("n_iters numpy int", fit(n_iters=np.int64(10)), None, True),
    ("data at the limit, stable", fit(X=X * 1e148, y=Y * 1e147, lr=1e-300), None, True),
    ("data at the limit, diverging", fit(X=X * 1e148, y=Y * 1e147, n_iters=MAX_ITERS), None, True),
    ("data at the limit, standardized", fit(X=X * 1e148, y=Y * 1e147, lr=1.0, standardize=True), None, False),
    ("loss underflows, diverging", fit(X=X * 1e33, y=Y * 1e-168, n_iters=1000), None, True),
    ("loss underflows, stable", fit(X=X * 1e-300, y=Y * 1e-300, lr=1.0), None, True),
    ("standardize a 1e-300 spread", fit(X=X * 1e-302, standardize=True), "x", False),
    ("standardize a spread at MIN_SPREAD", fit(X=X * 1e-150, lr=1.0, standardize=True), None, False),
    (
        "no intercept at the limit, diverging",
        fit(X=X * 1e148, y=Y * 1e147, n_iters=MAX_ITERS, fit_intercept=False),
        None,
        True,
    ),
    (
        "no intercept, loss underflows, diverging",
        fit(X=X * 1e33, y=Y * 1e-168, n_iters=1000, fit_intercept=False),
        None,
        True,
    ),
    (
        "no intercept, scaled at the limit",
        fit(X=X * 1e148, y=Y * 1e147, lr=1.0, standardize=True, fit_intercept=False),
        None,
        False,
    ),
    ("no intercept, scale an all-zero x", fit(X=X * 0.0, standardize=True, fit_intercept=False), "x", False),
    # ols and predict
    ("ols X 1e200", lambda: ols(X * 1e198, Y), "X", False),
    ("ols at the limit", lambda: ols(X * 1e148, Y * 1e147), None, False),
    ("ols tiny", lambda: ols(X * 1e-300, Y * 1e-300), None, False),
    ("ols no intercept at the limit", lambda: ols(X * 1e148, Y * 1e147, fit_intercept=False), None, False),
    ("ols no intercept tiny", lambda: ols(X * 1e-300, Y * 1e-300, fit_intercept=False), None, False),
    ("ols duplicate columns at the limit", lambda: ols(np.column_stack([X, X]) * 1e148, Y * 1e147), None, False),
    ("ols columns 1e-300 and 1e148", lambda: ols(np.column_stack([X * 1e-300, X * 1e148]), Y), None, False),
    ("predict overflow", lambda: predict(X * 1e148, [1e300], 0.0), "weights", False),
    ("predict bias 10**400", lambda: predict(X, [1.0], 10**400), "bias", False),
    ("predict bias nan", lambda: predict(X, [1.0], math.nan), "bias", False),
    ("predict bias None", lambda: predict(X, [1.0], None), "bias", False),
    ("predict X 1e200", lambda: predict(X * 1e198, [1.0], 0.0), "X", False),
    ("predict 0-d bias", lambda: predict(X, [1e150], np.array(-1e150)), None, False),
    # diagnose, contraction and iterations_to
    ("diagnose X 1e200", lambda: diagnose(X * 1e198), "X", False),
    ("diagnose at the limit", lambda: diagnose(X * 1e148), None, False),
    ("diagnose tiny (singular)", lambda: diagnose(X * 1e-300), None, False),
    ("diagnose standardized at the limit", lambda: diagnose(X * 1e148, standardize=True), None, False),
    ("diagnose standardize 1e-300 spread", lambda: diagnose(X * 1e-302, standardize=True), "x", False),
    ("contraction lr 1e308", lambda: D.contraction(1e308), "lr", False),
    ("contraction lr True", lambda: D.contraction(True), "lr", False),
    ("contraction lr MAX_LR", lambda: diagnose(X * 1e148).contraction(np.float64(MAX_LR)), None, False),
    ("iterations_to tol 1e300", lambda: D.iterations_to(1e300, lr=5e-4), "tol", False),
    ("iterations_to lr 1e308", lambda: D.iterations_to(1e-6, lr=1e308), "lr", False),
    ("iterations_to tol 5e-324", lambda: D.iterations_to(5e-324, lr=5e-4), None, False),
    # metrics
    ("mse overflows", lambda: mse([1e200], [-1e200]), "y_true", False),
    ("mae overflows", lambda: mae([1.7e308], [-1.7e308]), "y_pred", False),
    ("r2 overflows", lambda: r2_score([0.0, 1e-140], [1e300, -1e300]), "y_pred", False),
    ("r2 of an underflowing spread", lambda: r2_score([0.0, 1e-300], [1e300, -1e300]), None, False),
    ("mse y_pred inf", lambda: mse([1.0], [math.inf]), "y_pred", False),
    ("mse huge but representable", lambda: mse([1e150, -1e150, 0.0], [-1e150, 1e150, 0.0]), None, False),
    ("rmse of 1e200 residuals", lambda: rmse([1e200, 0.0], [-1e200, 0.0]), None, False),
    ("mae of 1e300 residuals", lambda: mae([1e300, 1e-300], [-1e300, 0.0]), None, False),
    ("r2 of 1e300 values", lambda: r2_score([1e300, -1e300, 0.0], [1e300, -1e300, 1e299]), None, False),
    ("mse of 1e-300 values", lambda: mse([1e-300, 0.0], [0.0, 1e-300]), None, False),
    # run_experiment
    ("experiment noise 1e308", experiment(noise=1e308), "noise", False),
    ("experiment lr 1e308", experiment(lr=1e308), "lr", False),
    ("experiment slope 1e308", experiment(slope=1e308), "slope", False),
    ("experiment x range +-1e308", experiment(x_min=-1e308, x_max=1e308), "x_min", False),
    ("experiment tol 1e300", experiment(tol=1e300), "tol", False),
    ("experiment seed -1", experiment(seed=-1), "seed", False),
    (
        "experiment at the limit",
        experiment(slope=1e148, intercept=1e148, noise=1e148, x_min=-1.0, x_max=1.0),
        None,
        False,
    ),
    ("experiment tiny data, diverging", experiment(slope=1e-300, intercept=0.0, noise=1e-300, lr=1.0), None, False),
    ("experiment MAX_LR for MAX_ITERS", experiment(lr=MAX_LR, n_iters=MAX_ITERS), None, False),
    ("experiment tol 5e-324", experiment(tol=5e-324, n_iters=MAX_ITERS), None, False),
    ("experiment narrow x, standardized", experiment(x_min=0.0, x_max=1e-149, standardize=True, lr=1.0), None, False),
    ("experiment numpy scalars", experiment(n=np.int64(50), seed=np.uint32(7), lr=np.float64(1e-3)), None, False),
    # run on a Dataset
    ("dataset X 1e200", lambda: Dataset(X * 1e198, Y), "X", False),
    (
        "run a table at the limit",
        lambda: run(Dataset(X * 1e148, Y * 1e147), TrainSpec(lr=None, standardize=True)),
        None,
        False,
    ),
    (
        "run at the limit without intercept",
        lambda: run(Dataset(X * 1e148, Y * 1e147), TrainSpec(lr=None, standardize=True, fit_intercept=False)),
        None,
        False,
    ),
    ("run duplicate columns", lambda: run(Dataset(np.column_stack([X, X]), Y), TrainSpec(lr=None)), None, False),
]


@pytest.mark.parametrize(("call", "name", "quiet"), [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_extreme_input_gives_finite_results_or_names_the_input(call, name, quiet):
    if name is None:
        result = strictly(call, quiet=quiet)
        assert not list(non_finite(result))
    else:
        with pytest.raises(ValueError) as error:
            strictly(call, quiet=quiet)
        assert names(str(error.value), name), str(error.value)


def test_the_limits_are_what_the_docs_say():
    assert MAX_MAGNITUDE == 1e150 and MAX_LR == 1e3
    assert math.isfinite((2 * MAX_MAGNITUDE) ** 2 * 1e7)  # the largest residual squared, summed over MAX_SAMPLES


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: make_synthetic(noise=1e308), r"^noise must be <= 1e\+150, got 1e\+308$"),
        (lambda: make_synthetic(slope=-1e308), r"^slope must be >= -1e\+150, got -1e\+308$"),
        (lambda: make_synthetic(x_min=0.0, x_max=1e-300), r"^x_max - x_min must be >= 1e-150, got 1e-300$"),
        (lambda: make_synthetic(slope=10**400), r"^slope must be finite, got an integer of 401 digits"),
        (fit(lr=1e308), r"^lr must be <= 1000.0, got 1e\+308$"),
        (fit(w_init=[1e200, 1e200]), r"^w_init must be within ±1e\+150, got 1e\+200$"),
        (fit(X=[10**400, 1], y=[1.0, 2.0]), r"^X must be finite, got an integer too large for float64$"),
        (fit(tol=1e300), r"^tol must be < 1.0, got 1e\+300$"),
    ],
)
def test_messages_give_the_rule_and_the_value(call, message):
    with pytest.raises(ValueError, match=message):
        strictly(call)


def test_a_diverging_run_on_tiny_data_stops_before_its_weights_overflow():
    fit_ = strictly(fit(X=X * 1e33, y=Y * 1e-168, n_iters=1000), quiet=True)
    assert fit_.diverged and fit_.n_iter < 1000
    assert "passed 1e+300" in fit_.stop_reason
    assert not list(non_finite(fit_))


def test_a_stable_run_warns_only_when_it_does_not_converge():
    converged = strictly(fit(X=X * 1e148, y=Y * 1e147, lr=1.0, standardize=True))
    assert converged.converged
    with pytest.warns(ConvergenceWarning, match="diverged"):
        gradient_descent(X * 1e148, Y * 1e147, lr=5e-4, n_iters=100)


def test_a_tiny_lr_does_not_claim_to_sit_on_the_stable_bound():
    with pytest.warns(ConvergenceWarning, match="so far below the stable bound 2/λ_max"):
        gradient_descent(X, Y, lr=1e-300, n_iters=10)


def test_iterations_to_is_infinite_only_when_lr_makes_no_progress():
    assert math.isinf(D.iterations_to(1e-6, lr=1e-300))  # 1 - lr * lam rounds to 1
    assert math.isinf(D.iterations_to(1e-6, lr=1.0))  # unstable
    assert math.isfinite(D.iterations_to(1e-6, lr=1e-12))


def test_huge_values_leave_the_article_metrics_unchanged():
    y_true, y_pred = np.array([3.0, -0.5, 2.0, 7.0]), np.array([2.5, 0.0, 2.0, 8.0])
    scale = 2.0**500  # beyond SAFE_MAGNITUDE; a power of two, so scaling is exact
    assert mse(y_true * scale, y_pred * scale) / scale / scale == mse(y_true, y_pred)
    assert r2_score(y_true * scale, y_pred * scale) == r2_score(y_true, y_pred)


MAGNITUDE = st.floats(-300.0, 300.0).map(lambda e: 10.0**e)
SIGNED = st.tuples(st.sampled_from([-1.0, 1.0]), MAGNITUDE).map(lambda t: t[0] * t[1])
PARAM_NAMES = [f.name for f in fields(ExperimentParams)]


@settings(max_examples=150, deadline=None)
@given(
    slope=SIGNED | st.just(3.5),
    intercept=SIGNED | st.just(10.0),
    noise=MAGNITUDE | st.just(0.0),
    x_min=SIGNED | st.just(0.0),
    width=MAGNITUDE,
    lr=MAGNITUDE | st.just(5e-4),
    n_iters=st.sampled_from([1, 100, 10_000]),
    standardize=st.booleans(),
)
def test_any_magnitude_gives_a_finite_experiment_or_names_a_setting(
    slope, intercept, noise, x_min, width, lr, n_iters, standardize
):
    params = ExperimentParams(
        slope=slope,
        intercept=intercept,
        noise=noise,
        x_min=x_min,
        x_max=x_min + width,
        lr=lr,
        n_iters=n_iters,
        standardize=standardize,
    )
    try:
        result = strictly(lambda: run_experiment(params))
    except ValueError as exc:
        assert any(names(str(exc), name) for name in PARAM_NAMES), str(exc)
    else:
        assert not list(non_finite(result))


@settings(max_examples=150, deadline=None)
@given(
    x_scale=MAGNITUDE,
    y_scale=MAGNITUDE,
    w_init=st.none() | st.tuples(SIGNED, SIGNED),
    lr=MAGNITUDE,
    n_iters=st.sampled_from([1, 100, 10_000]),
    standardize=st.booleans(),
    tol=st.none() | st.floats(-300.0, -0.01).map(lambda e: 10.0**e),
)
def test_any_magnitude_gives_a_finite_fit_or_a_value_error(x_scale, y_scale, w_init, lr, n_iters, standardize, tol):
    x, y = make_synthetic(n=50)
    call = fit(X=x * x_scale, y=y * y_scale, w_init=w_init, lr=lr, n_iters=n_iters, standardize=standardize, tol=tol)
    try:
        result = strictly(call, quiet=True)
    except ValueError as exc:
        assert any(names(str(exc), name) for name in ("X", "y", "x", "lr", "w_init", "tol")), str(exc)
    else:
        assert not list(non_finite(result))
        scores = [mse(y * y_scale, predict(x * x_scale, result.weights, result.bias))]
        assert all(math.isfinite(s) for s in scores)
