"""Linear regression by gradient descent, in pure NumPy.

Reproduces the article's experiment (400 points, noise 25, seed 43, lr 5e-4,
100,000 iterations: w_1 = 3.48, w_2 = 9.57, test R² = 0.95) and computes the same
iterates as its loop in closed form, without an O(m) pass per iteration.
"""

from linreg._validation import MAX_MAGNITUDE, MIN_SPREAD
from linreg.data import MAX_SAMPLES, NOISE_SIGMAS, Split, make_synthetic, train_test_split
from linreg.diagnostics import Diagnostics, diagnose
from linreg.experiment import Experiment, ExperimentParams, Scores, make_data, run_experiment
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
from linreg.ols import OLSResult, ols, predict

__all__ = [
    "EXPLODE_FACTOR",
    "GTOL",
    "MAX_ITERS",
    "MAX_LOSS",
    "MAX_LR",
    "MAX_MAGNITUDE",
    "MAX_SAMPLES",
    "MIN_SPREAD",
    "NOISE_SIGMAS",
    "ConvergenceWarning",
    "Diagnostics",
    "Experiment",
    "ExperimentParams",
    "FitResult",
    "OLSResult",
    "Scores",
    "Split",
    "UndefinedMetricWarning",
    "diagnose",
    "gradient_descent",
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
    "run_experiment",
    "train_test_split",
]
