"""Dataset, SyntheticSpec and TrainSpec: data apart from training settings, and the article reproduced through them."""

import dataclasses

import numpy as np
import pytest
from test_linreg_article import article_data

from linreg import (
    DATASETS,
    DEFAULT_SEED,
    Dataset,
    ExperimentParams,
    SyntheticSpec,
    TrainSpec,
    load_dataset,
    make_data,
    run,
    run_experiment,
    split_dataset,
)


def test_synthetic_reproduces_the_article_bit_for_bit():
    X, y, train_idx, test_idx = article_data()
    ds = Dataset.synthetic(SyntheticSpec())
    assert ds.X.shape == (400, 1) and np.array_equal(ds.X[:, 0], X) and np.array_equal(ds.y, y)
    assert ds.feature_names == ("x",) and ds.target_name == "y" and ds.seed == 43
    assert ds.true_theta.tolist() == [3.5, 10.0]
    split = split_dataset(ds, TrainSpec())
    assert np.array_equal(split.train_idx, train_idx) and np.array_equal(split.test_idx, test_idx)


def test_run_on_the_synthetic_dataset_is_run_experiment():
    e, old = run(Dataset.synthetic()), run_experiment()
    assert np.array_equal(e.fit.theta, old.fit.theta) and np.array_equal(e.ols.theta, old.ols.theta)
    assert e.test == old.test and old.params == ExperimentParams() and e.params is None
    assert (f"{e.coef[0]:.2f}", f"{e.intercept:.2f}", f"{e.test.r2:.2f}") == ("3.48", "9.57", "0.95")


def test_the_article_defaults_live_in_the_specs():
    params, data, train = ExperimentParams(), SyntheticSpec(), TrainSpec()
    assert params.data_spec() == data and params.train_spec() == train
    assert (data.n, data.noise, data.seed, train.lr, train.n_iters) == (400, 25.0, DEFAULT_SEED, 5e-4, 100_000)
    assert train.fit_intercept and train.split_seed is None


def test_make_data_keeps_the_one_feature_vectors():
    x, y, split = make_data()
    assert x.shape == (400,) and split.x_train.shape == (320,) and split.X_train.shape == (320, 1)


def test_arrays_are_read_only_and_copied():
    X, y = np.arange(6.0).reshape(3, 2), np.array([1.0, 2.0, 4.0])
    ds = Dataset(X, y, feature_names=["a", "b"], true_theta=[1.0, 2.0, 3.0])
    X[0, 0] = 99.0  # the caller's array stays theirs
    assert ds.X[0, 0] == 0.0
    for arr in (ds.X, ds.y, ds.true_theta):
        with pytest.raises(ValueError, match="read-only"):
            arr[0] = 1.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        ds.source = "elsewhere"


@pytest.mark.parametrize(("X", "names"), [(np.ones(4), ("x",)), (np.ones((4, 3)), ("x1", "x2", "x3"))])
def test_shapes_and_default_names(X, names):
    ds = Dataset(X, np.arange(4.0))
    assert ds.X.ndim == 2 and ds.X.shape[0] == ds.m == 4 and len(ds.feature_names) == ds.d
    assert ds.feature_names == names and ds.true_theta is None and ds.seed is None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"feature_names": ["a"]}, r"feature_names must name each of the 2 column\(s\), got 1 name\(s\)"),
        ({"feature_names": ["a", "a"]}, r"feature_names must be distinct, got 'a' twice"),
        ({"feature_names": ["a", " "]}, r"feature_names must not be empty or blank, got ' ' for column 1"),
        ({"feature_names": "ab"}, r"feature_names must be a sequence of strings"),
        ({"target_name": ""}, r"target_name must be a non-empty string"),
        ({"true_theta": [1.0, 2.0]}, r"true_theta must have shape \(3,\)"),
        ({"source": "two\nlines"}, r"source must be one line of text"),
        ({"seed": -1}, r"seed must be >= 0, got -1"),
        ({"y": [1.0, 2.0]}, r"X and y must have the same number of samples, got 3 and 2"),
        ({"X": [[1.0, np.nan], [1.0, 2.0], [3.0, 4.0]]}, r"X must be finite, got 1 NaN"),
    ],
)
def test_invalid_datasets_name_the_field(kwargs, message):
    fields = {"X": np.arange(6.0).reshape(3, 2), "y": [1.0, 2.0, 3.0]} | kwargs
    with pytest.raises(ValueError, match=message):
        Dataset(**fields)


def test_load_dataset_names_and_errors():
    assert set(DATASETS) == {"longley", "norris"}
    norris = load_dataset("norris")
    assert norris.X.shape == (36, 1) and norris.feature_names == ("x",) and "NIST" in norris.source
    assert not norris.X.flags.writeable
    with pytest.raises(ValueError, match=r"name must be one of longley, norris, got 'iris'"):
        load_dataset("iris")


def test_split_seed_none_continues_the_datas_stream_and_an_int_replays_it():
    ds = Dataset.synthetic(SyntheticSpec(seed=7))
    own = split_dataset(ds, TrainSpec())
    assert np.array_equal(own.train_idx, split_dataset(ds, TrainSpec(split_seed=7)).train_idx)
    assert not np.array_equal(own.train_idx, split_dataset(ds, TrainSpec(split_seed=8)).train_idx)
    table = load_dataset("norris")  # no seed of its own: DEFAULT_SEED
    assert np.array_equal(
        split_dataset(table, TrainSpec()).train_idx, split_dataset(table, TrainSpec(split_seed=43)).train_idx
    )
    with pytest.raises(ValueError, match=r"split_seed must be <= 4,294,967,295"):
        split_dataset(table, TrainSpec(split_seed=2**32))


def test_lr_none_takes_the_suggested_rate():
    e = run(load_dataset("norris"), TrainSpec(lr=None, standardize=True, n_iters=50))
    assert e.fit.lr == e.diagnostics.suggested_lr == 1.0 and e.fit.converged
