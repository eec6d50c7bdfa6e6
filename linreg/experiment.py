"""One experiment end to end: data, split, gradient descent, least squares, metrics, diagnostics.

:class:`ExperimentParams` holds the article's settings as its defaults; they are the
single source of those values for the CLI and the dashboard.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import asdict, dataclass

import numpy as np

from linreg.data import Split, make_synthetic, train_test_split
from linreg.diagnostics import Diagnostics, diagnose
from linreg.gd import ConvergenceWarning, FitResult, gradient_descent
from linreg.metrics import mean_absolute_error, mean_squared_error, r2_score, root_mean_squared_error
from linreg.ols import OLSResult, ols, predict


@dataclass(frozen=True)
class ExperimentParams:
    """Every setting of one run; the defaults are the article's experiment.

    :func:`run_experiment` checks them as :func:`~linreg.make_synthetic`,
    :func:`~linreg.train_test_split` and :func:`~linreg.gradient_descent` do: slope,
    intercept, noise, x_min and x_max within ±MAX_MAGNITUDE (1e150) and y with them,
    ``x_max - x_min >= MIN_SPREAD`` (1e-150), lr in (0, MAX_LR] (1e3), tol in (0, 1).
    """

    n: int = 400
    slope: float = 3.5
    intercept: float = 10.0
    noise: float = 25.0
    seed: int = 43
    x_min: float = 0.0
    x_max: float = 100.0
    train_ratio: float = 0.8
    lr: float = 5e-4
    n_iters: int = 100_000
    standardize: bool = False
    tol: float | None = None

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Scores:
    """Regression metrics of one model on one part of the data."""

    mse: float
    rmse: float
    mae: float
    r2: float

    @classmethod
    def of(cls, y_true: np.ndarray, y_pred: np.ndarray) -> Scores:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r2 = r2_score(y_true, y_pred)
        return cls(
            mse=mean_squared_error(y_true, y_pred),
            rmse=root_mean_squared_error(y_true, y_pred),
            mae=mean_absolute_error(y_true, y_pred),
            r2=r2,
        )


@dataclass(frozen=True)
class Experiment:
    """The outcome of :func:`run_experiment`; every array in it is read-only."""

    params: ExperimentParams
    x: np.ndarray
    y: np.ndarray
    split: Split
    fit: FitResult
    ols: OLSResult
    diagnostics: Diagnostics
    train: Scores
    test: Scores
    ols_train: Scores
    ols_test: Scores
    seconds: float

    @property
    def true_theta(self) -> np.ndarray:
        return np.array([self.params.slope, self.params.intercept])


def make_data(params: ExperimentParams = ExperimentParams()) -> tuple[np.ndarray, np.ndarray, Split]:
    """The data and the split of ``params``, as :func:`run_experiment` draws them.

    Examples
    --------
    >>> x, y, split = make_data()
    >>> x.shape, split.x_train.shape
    ((400,), (320,))
    """
    p = params
    x, y = make_synthetic(
        n=p.n, slope=p.slope, intercept=p.intercept, noise=p.noise, seed=p.seed, x_min=p.x_min, x_max=p.x_max
    )
    return x, y, train_test_split(x, y, train_ratio=p.train_ratio, seed=p.seed)


def run_experiment(params: ExperimentParams = ExperimentParams()) -> Experiment:
    """Generate the data, split it, fit it by GD and by OLS, and score both.

    Invalid settings raise ``ValueError`` naming the setting, the rule and the value.
    Every number in the result is finite, except R² on fewer than two samples (NaN)
    and the infinities :class:`~linreg.Diagnostics` documents.
    ``seconds`` is the wall time of the gradient-descent fit alone.

    Examples
    --------
    >>> e = run_experiment()
    >>> print(f"R2={e.test.r2:.2f} w_1={e.fit.weights[0]:.2f} w_2={e.fit.bias:.2f}")
    R2=0.95 w_1=3.48 w_2=9.57
    """
    p = params
    x, y, split = make_data(p)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fit = gradient_descent(
            split.x_train, split.y_train, lr=p.lr, n_iters=p.n_iters, standardize=p.standardize, tol=p.tol
        )
    seconds = time.perf_counter() - start
    lsq = ols(split.x_train, split.y_train)
    return Experiment(
        params=p,
        x=x,
        y=y,
        split=split,
        fit=fit,
        ols=lsq,
        diagnostics=diagnose(split.x_train, standardize=p.standardize),
        **_all_scores(split, fit, lsq),
        seconds=seconds,
    )


def _all_scores(split: Split, fit: FitResult, lsq: OLSResult) -> dict[str, Scores]:
    """Scores of both fits on both parts, or ``ValueError`` naming the settings if a prediction overflows."""
    try:
        return {
            "train": Scores.of(split.y_train, predict(split.x_train, fit.weights, fit.bias)),
            "test": Scores.of(split.y_test, predict(split.x_test, fit.weights, fit.bias)),
            "ols_train": Scores.of(split.y_train, predict(split.x_train, lsq.weights, lsq.bias)),
            "ols_test": Scores.of(split.y_test, predict(split.x_test, lsq.weights, lsq.bias)),
        }
    except ValueError as exc:
        raise ValueError(
            f"the fitted lines cannot be scored in float64 ({exc}): their predictions grow too large where the "
            "test x lie far from the training x; use more points (n, train_ratio), a narrower range x_min..x_max, "
            "or a smaller lr"
        ) from None
