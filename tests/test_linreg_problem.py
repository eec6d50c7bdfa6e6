"""One Problem per run: its conventions, and GD and the diagnostics sharing it."""

import numpy as np
import pytest

from linreg import Dataset, Problem, TrainSpec, diagnose, gradient_descent, load_dataset, make_synthetic, run

X, Y = make_synthetic(n=50)


def count_calls(monkeypatch, *names):
    """Count the calls of the named np.linalg functions."""
    calls = dict.fromkeys(names, 0)
    for name in names:
        original = getattr(np.linalg, name)

        def counted(*args, _name=name, _original=original, **kwargs):
            calls[_name] += 1
            return _original(*args, **kwargs)

        monkeypatch.setattr(np.linalg, name, counted)
    return calls


@pytest.mark.parametrize("dataset", [Dataset.synthetic(), load_dataset("longley")], ids=["article", "longley"])
def test_a_run_decomposes_the_hessian_once(monkeypatch, dataset):
    calls = count_calls(monkeypatch, "eigh", "eigvalsh")
    e = run(dataset, TrainSpec(lr=None, standardize=True, n_iters=1_000))
    assert calls == {"eigh": 1, "eigvalsh": 1}  # the Hessian's eigenbasis, and the rank of its equilibrated form
    assert e.diagnostics.eigenvalues is e.problem.eigenvalues
    assert e.fit.max_stable_lr == e.diagnostics.max_stable_lr == e.problem.max_stable_lr


def test_gd_and_diagnose_accept_a_prebuilt_problem():
    p = Problem.from_data(X, Y, standardize=True)
    by_problem = gradient_descent(p, lr=0.5, n_iters=100)
    by_arrays = gradient_descent(X, Y, lr=0.5, n_iters=100, standardize=True)
    assert np.array_equal(by_problem.theta, by_arrays.theta) and by_problem.standardized
    assert np.array_equal(diagnose(p).eigenvalues, diagnose(X, standardize=True).eigenvalues)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda p: gradient_descent(p, Y, lr=0.5, n_iters=10), r"y must be omitted when X is a Problem"),
        (lambda p: gradient_descent(p, lr=0.5, n_iters=10, standardize=False), r"standardize=False contradicts"),
        (lambda p: diagnose(p, fit_intercept=False), r"fit_intercept=False contradicts the Problem"),
        (lambda p: gradient_descent(X, lr=0.5, n_iters=10), r"y is required unless X is a Problem"),
    ],
)
def test_a_problem_is_not_contradicted(call, message):
    with pytest.raises(ValueError, match=message):
        call(Problem.from_data(X, Y, standardize=True))


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("standardize", [True, False])
def test_loss_and_gradient_follow_the_documented_conventions(standardize, fit_intercept):
    rng = np.random.RandomState(3)
    Xm = rng.normal(size=(30, 3)) * [1.0, 10.0, 0.1] + [0.0, 5.0, 1.0]
    y = rng.normal(size=30)
    p = Problem.from_data(Xm, y, standardize=standardize, fit_intercept=fit_intercept)
    assert p.n_params == 3 + fit_intercept and p.A.shape == (p.n_params, p.n_params)
    Z = (Xm - p.scaling.mean) / p.scaling.scale
    Za = np.column_stack([Z, np.ones(30)]) if fit_intercept else Z
    theta = rng.normal(size=p.n_params)  # scaled coordinates: weights, then the bias
    assert p.loss(theta) == pytest.approx(np.mean((Za @ theta - y) ** 2), rel=1e-10)
    assert p.gradient(theta) == pytest.approx(Za.T @ (Za @ theta - y) / 30, rel=1e-10)  # of MSE/2
    assert p.c == pytest.approx(np.mean(y**2))
    original = p.to_original(theta)
    assert original.shape == (p.n_params,) and p.to_scaled(original) == pytest.approx(theta)
    Xa = np.column_stack([Xm, np.ones(30)]) if fit_intercept else Xm
    assert Xa @ original == pytest.approx(Za @ theta)  # the same predictions in either coordinates


def test_problem_arrays_are_read_only():
    p = Problem.from_data(X, Y)
    for arr in (p.A, p.b, p.eigenvalues, p.eigenvectors, p.theta_star, p.X, p.y):
        with pytest.raises(ValueError, match="read-only"):
            arr.flat[0] = 1.0
