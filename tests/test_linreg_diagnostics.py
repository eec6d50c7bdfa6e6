"""The Hessian's spectrum explains the article's 100,000 iterations."""

import math
import warnings

import numpy as np
import pytest

from linreg import ConvergenceWarning, diagnose, gradient_descent, make_synthetic, train_test_split


@pytest.fixture(scope="module")
def split():
    return train_test_split(*make_synthetic())


def test_article_bound_and_condition_number(split):
    d = diagnose(split.x_train)
    assert d.max_stable_lr == pytest.approx(6.2e-4, rel=0.01)
    assert d.condition_number == pytest.approx(1.25e4, rel=0.01)
    assert d.eigenvalues[-1] == pytest.approx(3.2e3, rel=0.01)
    assert d.eigenvalues[0] == pytest.approx(0.26, rel=0.01)
    assert 5e-4 < d.max_stable_lr  # the article's rate sits just under the bound
    assert d.suggested_lr == 6.2e-4 and d.suggested_lr < d.optimal_lr < d.max_stable_lr


def test_eigenvalues_are_those_of_the_hessian(split):
    Xa = np.column_stack([split.x_train, np.ones(len(split.x_train))])
    expected = np.linalg.eigvalsh(Xa.T @ Xa / len(Xa))
    assert diagnose(split.x_train).eigenvalues == pytest.approx(expected, rel=1e-12)


def test_standardizing_removes_the_ill_conditioning(split):
    d = diagnose(split.x_train, standardize=True)
    assert d.condition_number == pytest.approx(1.0)
    assert d.max_stable_lr == pytest.approx(2.0) and d.optimal_lr == pytest.approx(1.0)


def test_predicted_iterations_match_what_gd_does(split):
    d = diagnose(split.x_train)
    k = d.iterations_to(1e-6, lr=5e-4)
    assert k == pytest.approx(1e5, rel=0.1)  # why the article runs 100,000 iterations
    assert d.contraction(5e-4) ** k <= 1e-6 < d.contraction(5e-4) ** (k - 1)
    assert gradient_descent(split.x_train, split.y_train, lr=5e-4, n_iters=int(k)).converged
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        assert not gradient_descent(split.x_train, split.y_train, lr=5e-4, n_iters=int(k) // 10).converged


def test_unstable_rate_never_converges(split):
    d = diagnose(split.x_train)
    assert d.contraction(1e-3) > 1
    assert math.isinf(d.iterations_to(1e-6, lr=1e-3))


def test_singular_hessian_has_infinite_condition_number():
    x = np.arange(5.0)
    d = diagnose(np.column_stack([x, 2 * x]))
    assert d.eigenvalues[0] == 0.0 and math.isinf(d.condition_number)
    assert d.optimal_lr < d.max_stable_lr
