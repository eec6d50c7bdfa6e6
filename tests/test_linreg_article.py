"""The article's experiment, reproduced exactly."""

import numpy as np
import pytest

from linreg import gradient_descent, make_synthetic, r2_score, run_experiment, train_test_split


def article_data():
    """The article's own code for the data and the split, with the global generator."""
    state = np.random.get_state()
    try:
        np.random.seed(43)
        X = np.linspace(0, 100, 400)
        y = 3.5 * X + 10 + np.random.normal(0, 25, size=X.shape)
        indices = np.random.permutation(400)
    finally:
        np.random.set_state(state)
    return X, y, indices[:320], indices[320:]


def test_data_and_split_match_the_article_bit_for_bit():
    X, y, train_idx, test_idx = article_data()
    x, yy = make_synthetic()
    split = train_test_split(x, yy)
    assert np.array_equal(x, X)
    assert np.array_equal(yy, y)
    assert np.array_equal(split.train_idx, train_idx)
    assert np.array_equal(split.test_idx, test_idx)
    assert np.array_equal(split.x_test, X[test_idx])
    assert np.array_equal(split.y_train, y[train_idx])


def test_article_result_to_six_decimals():
    split = train_test_split(*make_synthetic())
    fit = gradient_descent(split.x_train, split.y_train, lr=5e-4, n_iters=100_000)
    assert round(float(fit.weights[0]), 6) == 3.480336
    assert round(fit.bias, 6) == 9.565101
    r2 = r2_score(split.y_test, fit.weights[0] * split.x_test + fit.bias)
    assert round(r2, 4) == 0.9488
    assert f"{r2:.2f}" == "0.95"
    assert fit.converged and not fit.diverged
    assert fit.n_iter == 100_000 and fit.loss_history.shape == (100_000,)


def test_run_experiment_defaults_are_the_article():
    e = run_experiment()
    assert (f"{e.fit.weights[0]:.2f}", f"{e.fit.bias:.2f}", f"{e.test.r2:.2f}") == ("3.48", "9.57", "0.95")
    assert e.split.x_train.shape == (320,)


def test_the_global_generator_is_never_touched():
    np.random.seed(123)
    before = np.random.get_state()
    run_experiment()
    train_test_split(*make_synthetic(seed=7), seed=7)
    after = np.random.get_state()
    assert np.array_equal(before[1], after[1])
    assert before[2:] == after[2:]


def test_a_random_state_continues_one_stream():
    rng = np.random.RandomState(43)
    rng.normal(0.0, 25.0, size=400)
    split = train_test_split(*make_synthetic(), seed=rng)
    assert np.array_equal(split.train_idx, article_data()[2])


@pytest.mark.parametrize("seed", [0, 1, 2**32 - 1])
def test_other_seeds_give_other_data(seed):
    _, y = make_synthetic(seed=seed)
    assert not np.array_equal(y, make_synthetic()[1])
