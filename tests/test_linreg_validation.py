"""Every invalid input raises ValueError naming the rule and the value received."""

import numpy as np
import pytest

from linreg import MAX_ITERS, gradient_descent, make_synthetic, ols, predict, train_test_split

X = np.linspace(0.0, 1.0, 10)
Y = 2 * X + 1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n": 1}, r"n must be >= 2, got 1"),
        ({"n": 2.5}, r"n must be an integer, got 2.5"),
        ({"noise": -1.0}, r"noise must be >= 0.0, got -1.0"),
        ({"noise": float("nan")}, r"noise must be finite, got nan"),
        ({"slope": float("inf")}, r"slope must be finite, got inf"),
        ({"seed": -1}, r"seed must be >= 0, got -1"),
        ({"seed": 2**32}, r"seed must be <= 4,294,967,295"),
        ({"x_min": 5.0, "x_max": 5.0}, r"x_min must be < x_max, got x_min=5.0, x_max=5.0"),
        ({"n": True}, r"n must be an integer, got True"),
    ],
)
def test_make_synthetic_rules(kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_synthetic(**kwargs)


@pytest.mark.parametrize(
    ("n", "ratio", "message"),
    [
        (10, 0.05, r"the train split must not be empty: n=10 with train_ratio=0.05 gives 0 train and 10 test"),
        (10, 1.0, r"train_ratio must be < 1.0, got 1.0"),
        (10, 0.0, r"train_ratio must be > 0.0, got 0.0"),
    ],
)
def test_split_rules(n, ratio, message):
    with pytest.raises(ValueError, match=message):
        train_test_split(*make_synthetic(n=n), train_ratio=ratio)


def test_smallest_splits_are_allowed():
    split = train_test_split(*make_synthetic(n=10), train_ratio=0.99)
    assert (len(split.y_train), len(split.y_test)) == (9, 1)  # int(n * ratio) never takes every point
    split = train_test_split(*make_synthetic(n=10), train_ratio=0.1)
    assert (len(split.y_train), len(split.y_test)) == (1, 9)


def test_split_shape_mismatch():
    with pytest.raises(ValueError, match=r"x and y must have the same number of samples, got 3 and 2"):
        train_test_split([1.0, 2.0, 3.0], [1.0, 2.0])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"lr": 0.0}, r"lr must be > 0.0, got 0.0"),
        ({"lr": -1e-3}, r"lr must be > 0.0, got -0.001"),
        ({"lr": float("nan")}, r"lr must be finite, got nan"),
        ({"lr": "fast"}, r"lr must be a real number, got 'fast'"),
        ({"n_iters": 0}, r"n_iters must be >= 1, got 0"),
        ({"n_iters": MAX_ITERS + 1}, r"n_iters must be <= 1,000,000, got 1000001"),
        ({"n_iters": 10.0}, r"n_iters must be an integer, got 10.0"),
        ({"tol": 0.0}, r"tol must be > 0.0, got 0.0"),
        ({"w_init": [1.0]}, r"w_init must have shape \(2,\): 1 weight\(s\) then the bias, got \(1,\)"),
    ],
)
def test_gradient_descent_setting_rules(kwargs, message):
    settings = {"lr": 0.1, "n_iters": 10} | kwargs
    with pytest.raises(ValueError, match=message):
        gradient_descent(X, Y, **settings)


@pytest.mark.parametrize(
    ("x", "y", "message"),
    [
        (X, Y[:-1], r"X and y must have the same number of samples, got 10 and 9"),
        ([1.0, np.nan], [1.0, 2.0], r"X must be finite, got 1 NaN or infinite value\(s\)"),
        ([1.0, 2.0], [1.0, np.inf], r"y must be finite, got 1 NaN or infinite value\(s\)"),
        ([], [], r"X must hold at least 1 sample\(s\), got 0"),
        (np.ones((2, 2, 2)), [1.0, 2.0], r"X must have shape \(m,\) or \(m, d\) with d >= 1, got shape \(2, 2, 2\)"),
        (np.ones((3, 0)), [1.0, 2.0, 3.0], r"X must have shape \(m,\) or \(m, d\) with d >= 1"),
        (["a", "b"], [1.0, 2.0], r"X must be numeric"),
        (X, np.ones((10, 2)), r"y must be 1-dimensional, got shape \(10, 2\)"),
    ],
)
def test_gradient_descent_data_rules(x, y, message):
    with pytest.raises(ValueError, match=message):
        gradient_descent(x, y, lr=0.1, n_iters=10)


def test_zero_variance_x_when_standardizing():
    with pytest.raises(ValueError, match=r"x must vary to be standardized: column 0 has zero variance"):
        gradient_descent(np.full(5, 3.0), np.arange(5.0), lr=0.1, n_iters=10, standardize=True)


def test_values_beyond_the_float64_limit():
    with pytest.raises(ValueError, match=r"X must be within ±1e\+150, got 2e\+200"):
        gradient_descent([1e200, 2e200], [1.0, 2.0], lr=0.1, n_iters=10)


def test_ols_and_predict_rules():
    with pytest.raises(ValueError, match=r"X and y must have the same number of samples, got 10 and 9"):
        ols(X, Y[:-1])
    with pytest.raises(ValueError, match=r"weights must have 1 entries to match X, got 2"):
        predict(X, [1.0, 2.0], 0.0)


def test_a_checked_selection_is_not_read_again_and_anything_else_is(monkeypatch):
    """A Dataset built from a table's selection trusts its check; a copy, or any other array, is checked."""
    from linreg import Dataset, _validation
    from linreg.tables import read_table

    selection = read_table(b"a,b,y\n1,2,3\n4,5,6\n7,8,10\n", "data.csv").select("y")
    reads = []
    within = _validation._within
    monkeypatch.setattr(_validation, "_within", lambda arr, limit: reads.append(arr.shape) or within(arr, limit))
    Dataset(selection.X, selection.y)
    assert reads == []
    Dataset(selection.X.copy(), selection.y.copy())
    assert reads == [(3, 2), (3,)]
    bad = np.array([[1.0, np.inf], [2.0, 3.0]])
    bad.flags.writeable = False
    with pytest.raises(ValueError, match="finite"):
        Dataset(bad, [1.0, 2.0])
    with pytest.raises(ValueError, match="read-only float64"):
        _validation.checked(np.zeros(3))  # a writable array could change after its check
