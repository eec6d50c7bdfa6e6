"""One experiment end to end: split a dataset, fit it by GD and by OLS, score both, diagnose the Hessian.

:func:`run` runs a :class:`TrainSpec` on a :class:`~linreg.Dataset`. The article's
settings are the defaults of :class:`~linreg.SyntheticSpec` and :class:`TrainSpec`,
their single source. :class:`ExperimentParams` and :func:`run_experiment` are the
one-feature synthetic convenience built on them.
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import asdict, dataclass, replace

import numpy as np

from linreg._validation import as_1d, check_int, check_same_length
from linreg.data import DEFAULT_SEED, MAX_SEED, Split, _split_valid
from linreg.dataset import Dataset, SyntheticSpec
from linreg.diagnostics import Diagnostics, diagnose
from linreg.gd import ConvergenceWarning, FitResult, gradient_descent
from linreg.metrics import _regression_scores, _scale_of, _truth
from linreg.ols import OLSResult, _from_problem, _solve, predict
from linreg.problem import Problem


@dataclass(frozen=True)
class TrainSpec:
    """How to train on a dataset; the defaults are the article's.

    Attributes
    ----------
    lr : float or None, default 5e-4
        Learning rate in (0, MAX_LR]; None takes the Problem's suggested rate, the
        fastest stable one, rounded down to two digits.
    n_iters : int, default 100_000
    standardize : bool, default False
    tol : float or None, default None
    fit_intercept : bool, default True
    train_ratio : float, default 0.8
        In (0, 1); both parts must be non-empty.
    split_seed : int or None, default None
        Seed of the shuffle. None takes the dataset's own seed, so that the split of
        synthetic data continues the stream that drew its noise, as the article does
        (``DEFAULT_SEED``, 43, for a dataset without one). An int ``s`` splits as the
        article would with data seed ``s``: see :func:`~linreg.train_test_split`.
    """

    lr: float | None = 5e-4
    n_iters: int = 100_000
    standardize: bool = False
    tol: float | None = None
    fit_intercept: bool = True
    train_ratio: float = 0.8
    split_seed: int | None = None

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
        """The four metrics of :mod:`linreg.metrics`, from one vector of residuals; R² is NaN below two samples."""
        y_true = as_1d("y_true", y_true, limit=None)
        y_pred = as_1d("y_pred", y_pred, limit=None)
        check_same_length(y_true, y_pred, ("y_true", "y_pred"))
        mse, rmse, mae, r2 = _regression_scores(y_true, y_pred)
        return cls(mse=mse, rmse=rmse, mae=mae, r2=r2)


_DATA, _TRAIN = SyntheticSpec(), TrainSpec()


@dataclass(frozen=True)
class ExperimentParams:
    """The article's one-feature synthetic experiment: a :class:`~linreg.SyntheticSpec` and a :class:`TrainSpec` in one.

    :func:`run_experiment` checks them as :func:`~linreg.make_synthetic`,
    :func:`~linreg.train_test_split` and :func:`~linreg.gradient_descent` do: slope,
    intercept, noise, x_min and x_max within ±MAX_MAGNITUDE (1e150) and y with them,
    ``x_max - x_min >= MIN_SPREAD`` (1e-150), lr in (0, MAX_LR] (1e3), tol in (0, 1).
    """

    n: int = _DATA.n
    slope: float = _DATA.slope
    intercept: float = _DATA.intercept
    noise: float = _DATA.noise
    seed: int = _DATA.seed
    x_min: float = _DATA.x_min
    x_max: float = _DATA.x_max
    train_ratio: float = _TRAIN.train_ratio
    lr: float = _TRAIN.lr
    n_iters: int = _TRAIN.n_iters
    standardize: bool = _TRAIN.standardize
    tol: float | None = _TRAIN.tol

    def as_dict(self) -> dict:
        return asdict(self)

    def data_spec(self) -> SyntheticSpec:
        p = self
        return SyntheticSpec(
            n=p.n, slope=p.slope, intercept=p.intercept, noise=p.noise, seed=p.seed, x_min=p.x_min, x_max=p.x_max
        )

    def train_spec(self) -> TrainSpec:
        p = self
        return TrainSpec(lr=p.lr, n_iters=p.n_iters, standardize=p.standardize, tol=p.tol, train_ratio=p.train_ratio)


@dataclass(frozen=True)
class Experiment:
    """The outcome of :func:`run`; every array in it is read-only.

    ``problem`` is the one :class:`~linreg.Problem` that ``fit`` and ``diagnostics``
    were computed from. ``seconds`` is the wall time of gradient descent, building its
    Problem included. ``params`` is set by :func:`run_experiment` only.
    """

    dataset: Dataset
    spec: TrainSpec
    split: Split
    problem: Problem
    fit: FitResult
    ols: OLSResult
    diagnostics: Diagnostics
    train: Scores
    test: Scores
    ols_train: Scores
    ols_test: Scores
    seconds: float
    params: ExperimentParams | None = None

    @property
    def feature_names(self) -> tuple[str, ...]:
        return self.dataset.feature_names

    @property
    def coef(self) -> np.ndarray:
        """Gradient descent's weight for each feature, in the units of X; shape (d,)."""
        return self.fit.weights

    @property
    def intercept(self) -> float:
        """Gradient descent's intercept (0.0 without one)."""
        return self.fit.bias

    @property
    def x(self) -> np.ndarray:
        """The features: the article's vector ``x`` for one feature, else the (m, d) matrix."""
        X = self.dataset.X
        return X[:, 0] if X.shape[1] == 1 else X

    @property
    def y(self) -> np.ndarray:
        return self.dataset.y

    @property
    def true_theta(self) -> np.ndarray | None:
        """The generating coefficients then intercept, for synthetic data; None otherwise."""
        return self.dataset.true_theta


def split_dataset(dataset: Dataset, spec: TrainSpec = TrainSpec()) -> Split:
    """The train/test split that :func:`run` uses for ``dataset`` under ``spec``."""
    seed = spec.split_seed
    if seed is None:
        seed = DEFAULT_SEED if dataset.seed is None else dataset.seed
    else:
        seed = check_int("split_seed", seed, low=0, high=MAX_SEED)
    return _split_valid(dataset.X, dataset.y, train_ratio=spec.train_ratio, seed=seed)  # a Dataset is checked


def run(dataset: Dataset, spec: TrainSpec = TrainSpec()) -> Experiment:
    """Split ``dataset``, fit the training part by GD and by OLS, score both, and diagnose the Hessian.

    One :class:`~linreg.Problem` is built from the training part and shared by gradient
    descent and the diagnostics, and by OLS when the design is large and well
    conditioned enough for its refined normal equations to be exact (see
    :mod:`linreg.ols`); otherwise OLS solves on its own. The data were checked once, by
    the :class:`~linreg.Dataset`, and not again by each step. Invalid settings raise ``ValueError`` naming the
    setting, the rule and the value. Every number in the result is finite, except R² on
    fewer than two samples (NaN) and the infinities :class:`~linreg.Diagnostics` documents.

    Examples
    --------
    >>> from linreg import load_dataset
    >>> e = run(load_dataset("norris"), TrainSpec(lr=None, standardize=True, n_iters=100))
    >>> e.feature_names, e.fit.status, round(float(e.coef[0]), 4)
    (('x',), <Status.CONVERGED: 'converged'>, 1.0023)
    """
    split = split_dataset(dataset, spec)
    start = time.perf_counter()
    problem = Problem._of_valid(  # the split checked the data: a minimum and a maximum per array
        split.X_train, split.y_train, standardize=bool(spec.standardize), fit_intercept=bool(spec.fit_intercept)
    )
    lr = problem.suggested_lr if spec.lr is None else spec.lr
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fit = gradient_descent(problem, lr=lr, n_iters=spec.n_iters, tol=spec.tol)
    seconds = time.perf_counter() - start
    # OLS from the same Problem when its normal equations, refined once, are sure to be exact; else on its own.
    lsq = _from_problem(problem) or _solve(
        split.X_train,
        split.y_train,
        fit_intercept=problem.fit_intercept,
        names=dataset.feature_names,
        try_normal=not problem.standardized,
    )
    return Experiment(
        dataset=dataset,
        spec=spec,
        split=split,
        problem=problem,
        fit=fit,
        ols=lsq,
        diagnostics=diagnose(problem),
        **_all_scores(split, fit, lsq),
        seconds=seconds,
    )


def make_data(params: ExperimentParams = ExperimentParams()) -> tuple[np.ndarray, np.ndarray, Split]:
    """The data (x as a vector) and the split of ``params``, as :func:`run_experiment` draws them.

    Examples
    --------
    >>> x, y, split = make_data()
    >>> x.shape, split.x_train.shape
    ((400,), (320,))
    """
    dataset = Dataset.synthetic(params.data_spec())
    return dataset.X[:, 0], dataset.y, split_dataset(dataset, params.train_spec())


def run_experiment(params: ExperimentParams = ExperimentParams()) -> Experiment:
    """Generate the article's kind of data for ``params`` and :func:`run` its training settings on it.

    Examples
    --------
    >>> e = run_experiment()
    >>> print(f"R2={e.test.r2:.2f} w_1={e.coef[0]:.2f} w_2={e.intercept:.2f}")
    R2=0.95 w_1=3.48 w_2=9.57
    """
    return replace(run(Dataset.synthetic(params.data_spec()), params.train_spec()), params=params)


def _all_scores(split: Split, fit: FitResult, lsq: OLSResult) -> dict[str, Scores]:
    """Scores of both fits on both parts, or ``ValueError`` naming the settings if a prediction overflows."""
    try:
        train, test = _truth(split.y_train), _truth(split.y_test)
        return {
            "train": _scores(split.X_train, split.y_train, fit.weights, fit.bias, train),
            "test": _scores(split.X_test, split.y_test, fit.weights, fit.bias, test),
            "ols_train": _scores(split.X_train, split.y_train, lsq.weights, lsq.bias, train),
            "ols_test": _scores(split.X_test, split.y_test, lsq.weights, lsq.bias, test),
        }
    except ValueError as exc:
        raise ValueError(
            f"the fitted lines cannot be scored in float64 ({exc}): their predictions grow too large where the "
            "test x lie far from the training x; use more points (n, train_ratio), a narrower range x_min..x_max, "
            "or a smaller lr"
        ) from None


def _scores(X: np.ndarray, y: np.ndarray, weights: np.ndarray, bias: float, truth: tuple[float, float]) -> Scores:
    """``Scores.of(y, predict(X, weights, bias))`` for a checked split and finite weights, without checking again.

    ``truth`` is ``_truth(y)``, shared by the two fits; the residuals overwrite the predictions.
    """
    with np.errstate(all="ignore"):
        y_pred = X @ weights
        y_pred += bias
        low, high = float(np.min(y_pred)), float(np.max(y_pred))
    if not (math.isfinite(low) and math.isfinite(high)):
        predict(X, weights, bias)  # raises, saying why
    return Scores(*_regression_scores(y, y_pred, truth=truth, pred_scale=_scale_of(low, high), reuse_pred=True))
