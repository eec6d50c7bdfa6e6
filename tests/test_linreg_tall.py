"""Large designs: OLS's fast route and the work a run shares, exact against the slow routes they replace.

A design with more than REFINE_ALWAYS entries first tries the refined normal equations of
its standardized columns (the Problem a run builds anyway); these tests hold it to the
``lstsq`` route refined in extended precision, and check that it gives way where it
cannot be sure. The run's other shortcuts (no second check of a Dataset's arrays, column
order kept through the split, the four scores from one residual vector each) must give
what the public functions give.
"""

import importlib

import numpy as np
import pytest
from test_linreg_problem import count_calls

from linreg import (
    Dataset,
    Problem,
    Scaling,
    Scores,
    TrainSpec,
    mean_absolute_error,
    mean_squared_error,
    ols,
    r2_score,
    root_mean_squared_error,
    run,
    train_test_split,
)

ols_module = importlib.import_module("linreg.ols")  # the package exports the function under the same name
data_module = importlib.import_module("linreg.data")
problem_module = importlib.import_module("linreg.problem")
M, D = 150_000, 7  # 1.2 million entries with the intercept: past REFINE_ALWAYS


def table(seed=0, m=M, d=D, offset=100.0):
    """Features of different scales and offsets, y linear in them plus noise."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, d)) * rng.uniform(0.5, 50, d) + rng.uniform(-offset, offset, d)
    y = X @ rng.uniform(-5, 5, d) + 3.0 + rng.normal(scale=10.0, size=m)
    return X, y


def refined(X, y, fit_intercept=True):
    """The lstsq route with Björck's refinement in extended precision, always: the reference."""
    Xa = np.column_stack([X, np.ones(len(y))]) if fit_intercept else X
    scale = ols_module._power_of_two_norms(Xa)
    A = Xa / scale
    return ols_module._bjorck(A, y, np.linalg.lstsq(A, y, rcond=None)[0]) / scale


def digits(estimate, reference):
    with np.errstate(divide="ignore"):
        return float(np.min(np.minimum(15.0, -np.log10(np.abs(estimate - reference) / np.abs(reference)))))


def fast_route(X, y, fit_intercept=True):
    return ols_module._from_problem(Problem.from_data(X, y, standardize=True, fit_intercept=fit_intercept))


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("order", ["C", "F"])
def test_the_fast_route_is_taken_and_agrees_with_the_refined_lstsq_route(fit_intercept, order):
    X, y = table()
    X = np.asarray(X, order=order)
    assert fast_route(X, y, fit_intercept) is not None
    fit = ols(X, y, fit_intercept=fit_intercept)
    assert fit.rank == D + fit_intercept and fit.collinear == ()
    assert digits(fit.theta, refined(X, y, fit_intercept)) >= 12


def test_an_irrelevant_feature_keeps_the_fast_route():
    """Its weight is noise: judged against its standard error, not against itself."""
    X, y = table()
    X = np.column_stack([X, np.random.default_rng(9).normal(size=M)])
    assert fast_route(X, y) is not None
    fit = ols(X, y)
    reference = refined(X, y)
    assert abs(fit.weights[-1]) < 0.1  # indistinguishable from zero
    assert digits(np.delete(fit.theta, D), np.delete(reference, D)) >= 12
    assert abs(fit.weights[-1] - reference[D]) <= 1e-12


@pytest.mark.parametrize(
    ("case", "named"),
    [
        ("duplicate", ("x2", "x8")),
        ("constant", ("x8", "(intercept)")),
        ("collinear", ("x1", "x2", "x8")),
    ],
)
def test_rank_deficiency_leaves_the_fast_route_and_is_named(case, named):
    X, y = table()
    extra = {"duplicate": X[:, 1], "constant": np.full(M, 4.0), "collinear": X[:, 0] - 2 * X[:, 1]}[case]
    X = np.column_stack([X, extra])
    fit = ols(X, y)
    assert fit.rank == D + 1 and fit.collinear == named


def test_an_ill_conditioned_design_leaves_the_fast_route_and_keeps_its_digits():
    """Nearly collinear columns: the normal equations could not be sure, lstsq refined in extended precision is."""
    X, y = table()
    X[:, 1] = X[:, 0] + 1e-5 * X[:, 1]
    assert fast_route(X, y) is None
    assert digits(ols(X, y).theta, refined(X, y)) >= 10


def test_an_exact_fit_with_small_coefficients_leaves_the_fast_route():
    """No noise to judge them against, and a normwise bound says little about the smallest coefficient."""
    x = np.tile(np.arange(21.0), M // 21)
    X = x[:, None] ** np.arange(1, 6)
    y = X @ np.ones(5) + 1.0  # Wampler1: every coefficient 1
    assert fast_route(X, y) is None
    assert digits(ols(X, y).theta, np.ones(6)) >= 12


def test_a_large_run_shares_its_problem_with_ols(monkeypatch):
    X, y = table(m=200_000)
    ds = Dataset(X, y)
    calls = count_calls(monkeypatch, "eigh", "eigvalsh", "lstsq", "qr", "svd")
    e = run(ds, TrainSpec(lr=None, n_iters=1_000, standardize=True))
    assert calls == {"eigh": 1, "eigvalsh": 1, "lstsq": 0, "qr": 0, "svd": 0}
    s = e.split
    assert digits(e.ols.theta, refined(s.X_train, s.y_train)) >= 12
    assert e.ols.rank == D + 1 and e.ols.collinear == ()
    assert e.fit.converged and digits(e.fit.theta, e.ols.theta) >= 5


def test_a_large_run_without_standardizing_still_gets_exact_ols():
    X, y = table(m=200_000)
    e = run(Dataset(X, y), TrainSpec(lr=None, n_iters=10, standardize=False))
    s = e.split
    assert digits(e.ols.theta, refined(s.X_train, s.y_train)) >= 12


def test_a_run_scores_as_the_metric_functions_do_bit_for_bit():
    X, y = table(m=20_000)
    e = run(Dataset(X, y), TrainSpec(lr=None, n_iters=100, standardize=True))
    s = e.split
    for scores, X_part, y_part, model in (
        (e.train, s.X_train, s.y_train, e.fit),
        (e.test, s.X_test, s.y_test, e.fit),
        (e.ols_train, s.X_train, s.y_train, e.ols),
        (e.ols_test, s.X_test, s.y_test, e.ols),
    ):
        pred = X_part @ model.weights + model.bias
        assert scores == Scores(
            mse=mean_squared_error(y_part, pred),
            rmse=root_mean_squared_error(y_part, pred),
            mae=mean_absolute_error(y_part, pred),
            r2=r2_score(y_part, pred),
        )


@pytest.mark.parametrize(
    ("y_true", "y_pred"),
    [
        (np.random.default_rng(1).normal(size=1001), np.random.default_rng(2).normal(size=1001)),
        ([1e150, -3e149, 5e149, 2e149], [1.1e150, -2.9e149, 4e149, 2.2e149]),  # scaled by powers of two
        ([1e140, 1e-200, -1e140], [0.0, 0.0, 0.0]),
        ([2.0, 2.0, 2.0], [2.0, 2.0, 2.0]),  # constant y_true, perfect prediction
        ([2.0, 2.0, 2.0], [2.0, 2.5, 2.0]),
    ],
)
def test_scores_equal_the_four_metrics_exactly(y_true, y_pred):
    got = Scores.of(y_true, y_pred)
    assert (got.mse, got.rmse, got.mae) == (
        mean_squared_error(y_true, y_pred),
        root_mean_squared_error(y_true, y_pred),
        mean_absolute_error(y_true, y_pred),
    )
    assert got.r2 == r2_score(y_true, y_pred)


def test_scores_of_one_sample_have_no_r2_and_no_warning(recwarn):
    assert np.isnan(Scores.of([1.0], [2.0]).r2) and not recwarn.list


def test_scores_of_an_overflowing_ratio_raise_as_r2_does():
    y_true, y_pred = [1e-150, -1e-150, 0.0], [1e150, -1e150, 0.0]
    with pytest.raises(ValueError, match="R² to be representable"):
        r2_score(y_true, y_pred)
    with pytest.raises(ValueError, match="R² to be representable"):
        Scores.of(y_true, y_pred)


def test_a_column_ordered_table_splits_as_a_row_ordered_one_and_stays_column_ordered():
    X, y = table(m=5_000)
    F, C = train_test_split(np.asfortranarray(X), y, seed=3), train_test_split(np.ascontiguousarray(X), y, seed=3)
    for name in ("X_train", "X_test", "y_train", "y_test", "train_idx", "test_idx"):
        assert np.array_equal(getattr(F, name), getattr(C, name))
    assert F.X_train.flags.f_contiguous and C.X_train.flags.c_contiguous
    assert np.array_equal(F.X_train, X[F.train_idx])


@pytest.mark.parametrize("center", [True, False])
def test_scaling_is_each_columns_mean_and_deviation_in_either_memory_order(center):
    X, _ = table(m=5_000)
    for arranged in (np.asfortranarray(X), np.ascontiguousarray(X)):
        s = Scaling.fit(arranged, standardize=True, center=center)
        if center:
            assert s.mean == pytest.approx(X.mean(axis=0), rel=1e-14) and s.scale == pytest.approx(X.std(axis=0))
        else:
            assert not np.any(s.mean) and s.scale == pytest.approx(np.sqrt(np.mean(X * X, axis=0)), rel=1e-14)


@pytest.mark.parametrize("d", [1, 2, 5])
def test_the_threaded_split_gathers_the_same_arrays_as_the_simple_one(monkeypatch, d):
    X, y = table(m=5_001, d=d)
    X = np.asfortranarray(X)
    simple = train_test_split(X, y, seed=3)
    monkeypatch.setattr(data_module, "THREADED_ROWS", 2)
    threaded = train_test_split(X, y, seed=3)
    for name in ("X_train", "X_test", "y_train", "y_test", "train_idx", "test_idx"):
        got, want = getattr(threaded, name), getattr(simple, name)
        assert got.tobytes() == want.tobytes() and got.flags.f_contiguous == want.flags.f_contiguous
    assert threaded.X_train.flags.f_contiguous and np.array_equal(threaded.X_train, X[threaded.train_idx])


@pytest.mark.parametrize("center", [True, False])
@pytest.mark.parametrize("order", ["C", "F"])
def test_scaling_is_the_blocked_two_pass_mean_and_deviation_bit_for_bit(center, order):
    """The minimum, maximum and sum come from one pass: the same values as whole-column extremes and blocked sums."""
    X = np.asarray(table(m=70_001, d=5)[0], order=order)  # several blocks of rows, the last one short
    rows = problem_module._block_rows(X)
    mean = np.zeros(5)
    if center:
        for r in range(0, len(X), rows):
            mean += X[r : r + rows].sum(axis=0)
        mean /= len(X)
    squares = np.zeros(5)
    for r in range(0, len(X), rows):
        squares += ((X[r : r + rows] - mean) ** 2).sum(axis=0)
    s = Scaling.fit(X, standardize=True, center=center)
    assert s.mean.tobytes() == mean.tobytes() and s.scale.tobytes() == np.sqrt(squares / len(X)).tobytes()


def test_scaling_names_a_constant_column():
    X = np.asfortranarray(table(m=1_000, d=4)[0])
    X[:, 3] = 2.5
    with pytest.raises(ValueError, match="column 3 has zero variance"):
        Scaling.fit(X, standardize=True)


def test_a_problem_does_not_depend_on_the_memory_order_of_x():
    X, y = table(m=5_000)
    pf = Problem.from_data(np.asfortranarray(X), y, standardize=True)
    pc = Problem.from_data(np.ascontiguousarray(X), y, standardize=True)
    assert pf.A == pytest.approx(pc.A, abs=1e-13) and pf.theta_star == pytest.approx(pc.theta_star, rel=1e-12)
    assert pf.refinement is not None and np.linalg.norm(pf.refinement) <= 1e-12 * np.linalg.norm(pf.theta_star)


@pytest.mark.parametrize("n", [1 << 14, (1 << 14) + 1, 100_001, 250_000])
@pytest.mark.parametrize("seed", [0, 43, 2**32 - 1])
def test_skipping_the_normals_leaves_the_generator_where_drawing_them_does(n, seed):
    drawn, skipped = np.random.RandomState(seed), np.random.RandomState(seed)
    drawn.standard_normal(size=n)
    data_module._skip_normals(skipped, n)
    (_, key, pos, *_), (_, key_skipped, pos_skipped, *_) = drawn.get_state(), skipped.get_state()
    assert pos_skipped == pos and np.array_equal(key_skipped, key)
    assert np.array_equal(skipped.permutation(n), drawn.permutation(n))


def test_a_pair_near_the_unit_circle_leaves_the_normals_to_the_generator(monkeypatch):
    drawn = np.random.RandomState(5)
    drawn.standard_normal(size=50_001)
    monkeypatch.setattr(data_module, "_TIE", 2.0)  # every pair is a tie
    skipped = np.random.RandomState(5)
    data_module._skip_normals(skipped, 50_001)
    assert skipped.get_state()[2:] == drawn.get_state()[2:] and np.array_equal(
        skipped.get_state()[1], drawn.get_state()[1]
    )


def test_a_large_split_is_the_article_recipe_on_large_data():
    n = 60_000
    X, y = table(m=n, d=2)
    rng = np.random.RandomState(9)
    rng.standard_normal(size=n)
    idx = rng.permutation(n)
    s = train_test_split(np.asfortranarray(X), y, seed=9)
    assert np.array_equal(s.train_idx, idx[:48_000]) and np.array_equal(s.test_idx, idx[48_000:])
    assert np.array_equal(s.X_test, X[idx[48_000:]]) and np.array_equal(s.y_train, y[idx[:48_000]])
