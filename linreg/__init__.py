"""Linear regression by gradient descent, in pure NumPy.

Reproduces the article's experiment (400 points, noise 25, seed 43, lr 5e-4,
100,000 iterations: w_1 = 3.48, w_2 = 9.57, test R² = 0.95) and computes the same
iterates as its loop in closed form, without an O(m) pass per iteration.

A :class:`Dataset` (synthetic, bundled or your own arrays) and a :class:`TrainSpec`
go into :func:`run`, which builds one :class:`Problem` (the quadratic and its
Hessian's eigenbasis) shared by gradient descent and the diagnostics, and returns an
:class:`Experiment`.
"""

from linreg._validation import MAX_MAGNITUDE, MIN_SPREAD
from linreg.data import DEFAULT_SEED, MAX_SAMPLES, NOISE_SIGMAS, Split, make_synthetic, train_test_split
from linreg.dataset import DATASETS, Dataset, SyntheticSpec, load_dataset
from linreg.diagnostics import Diagnostics, diagnose
from linreg.experiment import (
    Experiment,
    ExperimentParams,
    Scores,
    TrainSpec,
    make_data,
    run,
    run_experiment,
    split_dataset,
)
from linreg.gd import (
    EXPLODE_FACTOR,
    GTOL,
    MAX_ITERS,
    MAX_LOSS,
    MAX_LR,
    ConvergenceWarning,
    FitResult,
    gradient_descent,
)
from linreg.metrics import (
    UndefinedMetricWarning,
    mae,
    mean_absolute_error,
    mean_squared_error,
    mse,
    r2_score,
    rmse,
    root_mean_squared_error,
)
from linreg.ols import INTERCEPT_NAME, OLSResult, ols, predict
from linreg.problem import Problem, Scaling
from linreg.status import Status, describe

__all__ = [
    "DATASETS",
    "DEFAULT_SEED",
    "EXPLODE_FACTOR",
    "GTOL",
    "INTERCEPT_NAME",
    "MAX_ITERS",
    "MAX_LOSS",
    "MAX_LR",
    "MAX_MAGNITUDE",
    "MAX_SAMPLES",
    "MIN_SPREAD",
    "NOISE_SIGMAS",
    "ConvergenceWarning",
    "Dataset",
    "Diagnostics",
    "Experiment",
    "ExperimentParams",
    "FitResult",
    "OLSResult",
    "Problem",
    "Scaling",
    "Scores",
    "Split",
    "Status",
    "SyntheticSpec",
    "TrainSpec",
    "UndefinedMetricWarning",
    "describe",
    "diagnose",
    "gradient_descent",
    "load_dataset",
    "mae",
    "make_data",
    "make_synthetic",
    "mean_absolute_error",
    "mean_squared_error",
    "mse",
    "ols",
    "predict",
    "r2_score",
    "rmse",
    "root_mean_squared_error",
    "run",
    "run_experiment",
    "split_dataset",
    "train_test_split",
]
