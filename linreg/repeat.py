"""Repeat a synthetic experiment K times: the same x and split, new noise each time.

The design matrix stays fixed (the generator's x and the run's train/test split) and
only the noise is drawn again. Least squares is then the linear map ``theta = P y`` of
the training targets, and gradient descent after T iterations from zero is another,
``theta_T = M y`` (see :mod:`linreg.gd`: ``theta_T = V diag((1 - rho**T) / lam) V' Za'y / m``,
mapped to the units of X), so all K repeats are one matrix product each, and the
sampling distributions are exactly normal:

* OLS: ``N(theta_true, sigma**2 (Xa'Xa)^-1)``;
* GD: ``N(M E[y], sigma**2 M M')``, whose mean is off ``theta_true`` when GD stops early.

Noise seeds
-----------
Repeat ``j`` (from 0) draws its noise as :func:`~linreg.make_synthetic` would with seed
``noise_seeds(seed, K)[j]``, the ``j``-th 32-bit word of
``numpy.random.SeedSequence(seed).generate_state(K)``: a fixed hash of the data's seed,
so a shared link reproduces every repeat, and the first K repeats are the same for any
larger K. Its training targets are those of ``Dataset.synthetic`` at that seed, taken at
the base run's training rows: ``linreg.run`` of that dataset with ``split_seed`` set to
the base run's split seed gives the same estimates (within rounding; the tests check
1e-9).

A tolerance stop depends on each data set's loss path, which would make GD a non-linear
function of y. Every repeat therefore runs exactly the iterations the base run made
(``fit.n_iter``: all of them, or where its tolerance stopped it). A diverged base run
has no GD distribution to show: ``gd`` is then None.

SciPy (for the t quantile and the binomial range) is imported inside the functions that
need it, so ``import linreg`` still loads NumPy alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from linreg._validation import check_float, check_int, readonly
from linreg.dataset import Dataset, SyntheticSpec
from linreg.experiment import Experiment, TrainSpec, run
from linreg.gd import move_factors
from linreg.ols import INTERCEPT_NAME, design
from linreg.problem import Scaling

MIN_REPEATS, MAX_REPEATS, DEFAULT_REPEATS = 10, 2_000, 1_000
"""How many data sets a repeat may draw, and how many by default."""

MAX_DRAWS = 20_000_000
"""The most noise values one call draws (``K * n``), about 0.6 s of NumPy's legacy normal generator.

At the article's 400 points every K up to MAX_REPEATS fits; at 100,000 points at most 200 do.
"""

CHUNK_VALUES = 1 << 20
"""About how many noise values are held at once (8 MB): the repeats are drawn and mapped in chunks."""


def noise_seeds(seed: int, k: int) -> np.ndarray:
    """The seeds of the noise of ``k`` repeats of data drawn with ``seed``; shape (k,), uint32.

    Examples
    --------
    >>> noise_seeds(43, 3).tolist()
    [3994432209, 2044548950, 822718314]
    """
    return np.random.SeedSequence(seed).generate_state(k)


def max_repeats(n: int) -> int:
    """The largest K for data of ``n`` points: MAX_REPEATS, or fewer where ``K * n`` would pass MAX_DRAWS.

    Below MIN_REPEATS (past 2,000,000 points) the data cannot be repeated at all.
    """
    return min(MAX_REPEATS, MAX_DRAWS // max(int(n), 1))


@dataclass(frozen=True)
class Estimates:
    """One estimator's K estimates and the normal distribution its linear map gives them; read-only arrays.

    ``theta`` has shape (K, p): the coefficients then the intercept, in the units of X.
    ``mean`` (p,) and ``cov`` (p, p) are the exact mean and covariance of an estimate.
    """

    theta: np.ndarray
    mean: np.ndarray
    cov: np.ndarray

    @property
    def sd(self) -> np.ndarray:
        """The predicted standard deviation of each coefficient."""
        return np.sqrt(np.maximum(np.diag(self.cov), 0.0))


@dataclass(frozen=True)
class Repeats:
    """K repeats of one synthetic experiment; every array is read-only.

    Attributes
    ----------
    names : tuple of p str
        The feature's name then INTERCEPT_NAME (without an intercept, the feature only).
    true_theta : ndarray of shape (p,)
        The line that generated the data.
    sigma : float
        The noise's standard deviation.
    seeds : ndarray of shape (K,)
        Each repeat's noise seed (:func:`noise_seeds`).
    ols : Estimates
    gd : Estimates or None
        Gradient descent after ``gd_iters`` iterations; None when the base run diverged.
    gd_iters : int
    bse : ndarray of shape (K, p)
        Each repeat's classical standard errors, ``s * sqrt(diag((Xa'Xa)^-1))``, with
        ``s**2 = SSR / df_resid`` (``linreg.inference``'s nonrobust ``bse``).
    df_resid : int
        Training rows minus parameters.
    level : float
        The intervals' coverage, ``t_quantile`` the t quantile that makes it.
    tol_stopped : bool
        True when a tolerance stopped the base run, and so fixed ``gd_iters``.
    """

    names: tuple[str, ...]
    true_theta: np.ndarray
    sigma: float
    seeds: np.ndarray
    ols: Estimates
    gd: Estimates | None
    gd_iters: int
    bse: np.ndarray
    df_resid: int
    level: float
    t_quantile: float
    tol_stopped: bool

    @property
    def k(self) -> int:
        """The number of repeats."""
        return int(self.seeds.shape[0])

    def covered(self, theta: np.ndarray | None = None) -> np.ndarray:
        """Whether each repeat's interval ``theta ± t_quantile * bse`` holds the true value; (K, p) bool.

        ``theta`` defaults to the OLS estimates, whose intervals these are; GD's estimates
        with the same half-widths show what its bias does to them.
        """
        theta = self.ols.theta if theta is None else theta
        return np.abs(theta - self.true_theta) <= self.t_quantile * self.bse

    def coverage(self, theta: np.ndarray | None = None) -> np.ndarray:
        """The share of the intervals of :meth:`covered` that hold the true value, per coefficient; (p,)."""
        return self.covered(theta).mean(axis=0)


def binomial_range(k: int, level: float, confidence: float = 0.95) -> tuple[int, int]:
    """The counts of covering intervals among ``k`` that a true coverage of ``level`` gives with ``confidence``.

    The central ``confidence`` range of Binomial(k, level): a count outside it says the
    intervals do not cover as they claim, beyond what chance would do.

    Examples
    --------
    >>> binomial_range(1000, 0.95)
    (936, 963)
    """
    from scipy import stats

    lo, hi = stats.binom.interval(confidence, int(k), float(level))
    return int(lo), int(hi)


def repeat(
    data: SyntheticSpec,
    spec: TrainSpec,
    k: int = DEFAULT_REPEATS,
    *,
    level: float = 0.95,
    base: Experiment | None = None,
) -> Repeats:
    """Draw ``k`` new noise vectors for the data of ``data`` and fit each training part by OLS and by GD.

    Parameters
    ----------
    data : SyntheticSpec
        The generator's settings; its noise must be positive.
    spec : TrainSpec
        The training settings (lr, n_iters, standardize, fit_intercept, split).
    k : int, default 1000
        In [MIN_REPEATS, MAX_REPEATS] (10 to 2,000), with ``k * data.n <= MAX_DRAWS``.
    level : float, default 0.95
        The coverage of the intervals, in (0, 1).
    base : Experiment, optional
        ``run(Dataset.synthetic(data), spec)`` if already computed; its design, split,
        Problem and iterations are reused.

    Returns
    -------
    Repeats

    Examples
    --------
    >>> from linreg import SyntheticSpec, TrainSpec
    >>> r = repeat(SyntheticSpec(), TrainSpec(lr=1.0, standardize=True, n_iters=100), 1000)
    >>> r.names, r.k, r.coverage().tolist()
    (('x', '(intercept)'), 1000, [0.952, 0.946])
    """
    k = check_int("k", k, low=MIN_REPEATS, high=MAX_REPEATS)
    level = check_float("level", level, low=0.0, high=1.0, low_open=True, high_open=True)
    if not data.noise > 0:
        raise ValueError(
            f"noise must be > 0 to repeat the experiment: every repeat would draw the same data, got {data.noise!r}"
        )
    if k * data.n > MAX_DRAWS:
        raise ValueError(
            f"k * n must be <= {MAX_DRAWS:,} noise draws, got {k:,} * {data.n:,}; "
            f"at n = {data.n:,} use k <= {max_repeats(data.n):,}"
        )
    base = run(Dataset.synthetic(data), spec) if base is None else _check_base(base, data)
    maps = _Maps(base)
    seeds = noise_seeds(data.seed, k)
    ols, gd, ssr = maps.apply(data, seeds)
    return maps.result(data, ols, gd, ssr, level, seeds)


def _check_base(base: Experiment, data: SyntheticSpec) -> Experiment:
    """``base`` if it ran on the data of ``data``, else ValueError: its design and split are reused."""
    ds = base.dataset
    same = (
        ds.true_theta is not None
        and ds.seed == data.seed
        and ds.m == data.n
        and ds.true_theta.tolist() == [float(data.slope), float(data.intercept)]
        and (float(ds.X[0, 0]), float(ds.X[-1, 0])) == (float(data.x_min), float(data.x_max))
    )
    if not same:
        raise ValueError(f"base must be a run on Dataset.synthetic(data), got a run on {ds.source!r}")
    return base


class _Maps:
    """The linear maps from the training targets to the OLS and GD estimates of one base run."""

    def __init__(self, base: Experiment):
        split, problem = base.split, base.problem
        self.base, self.train_idx = base, split.train_idx
        X = split.X_train
        self.m, self.p = X.shape[0], problem.n_params
        if self.m <= self.p:
            raise ValueError(
                f"the training part must have more rows than parameters to estimate the noise, got {self.m} rows "
                f"for {self.p} parameters; use more points or a larger train_ratio"
            )
        self.ols_map = _ols_map(X, problem.fit_intercept)
        self.design = design(X, problem.fit_intercept)
        self.gd_map = None if base.fit.diverged else _GDMap(base)
        self.gd_matrix = None if self.gd_map is None else self.gd_map.matrix()

    def apply(self, data: SyntheticSpec, seeds: np.ndarray):
        """The OLS and GD estimates, (K, p) each, and the OLS residual sums of squares, (K,)."""
        x = self.base.dataset.X[:, 0]
        signal = float(data.slope) * x + float(data.intercept)  # as make_synthetic adds it, so y matches bit for bit
        n, k = x.shape[0], seeds.shape[0]
        ols, gd, ssr = np.empty((k, self.p)), np.empty((k, self.p)), np.empty(k)
        rng = np.random.RandomState(0)  # reseeded per repeat: constructing K generators costs 15 times more
        step = max(1, CHUNK_VALUES // n)
        noise = float(data.noise)
        for start in range(0, k, step):
            chunk = seeds[start : start + step]
            Y = np.empty((chunk.shape[0], n))
            for i, s in enumerate(chunk.tolist()):
                rng.seed(s)
                Y[i] = signal + rng.normal(0.0, noise, size=n)
            Y = Y[:, self.train_idx]
            rows = slice(start, start + chunk.shape[0])
            ols[rows] = Y @ self.ols_map.T
            resid = Y - ols[rows] @ self.design.T
            ssr[rows] = np.einsum("ij,ij->i", resid, resid)
            if self.gd_map is not None:
                gd[rows] = self.gd_map(Y)
        return ols, (None if self.gd_map is None else gd), ssr

    def result(self, data: SyntheticSpec, ols, gd, ssr, level: float, seeds: np.ndarray) -> Repeats:
        from scipy import stats

        base, sigma = self.base, float(data.noise)
        expected = (float(data.slope) * base.dataset.X[:, 0] + float(data.intercept))[self.train_idx]
        df = self.m - self.p
        normal = self.ols_map @ self.ols_map.T  # (Xa'Xa)^-1
        bse = np.sqrt(ssr / df)[:, None] * np.sqrt(np.diag(normal))[None, :]
        theta = base.dataset.true_theta if base.problem.fit_intercept else base.dataset.true_theta[:-1]
        names = base.dataset.feature_names + ((INTERCEPT_NAME,) if base.problem.fit_intercept else ())
        return Repeats(
            names=names,
            true_theta=readonly(np.array(theta, dtype=np.float64)),
            sigma=sigma,
            seeds=readonly(seeds),
            ols=_estimates(ols, self.ols_map @ expected, sigma**2 * normal),
            gd=None if gd is None else _estimates(gd, *self.gd_moments(expected, sigma)),
            gd_iters=int(base.fit.n_iter),
            bse=readonly(bse),
            df_resid=df,
            level=level,
            t_quantile=float(stats.t.ppf(0.5 + level / 2, df)),
            tol_stopped=base.fit.status == "tol",
        )

    def gd_moments(self, expected: np.ndarray, sigma: float) -> tuple[np.ndarray, np.ndarray]:
        """GD's mean and covariance: its map applied to ``E[y]``, and ``sigma**2 M M'`` with M the map's matrix."""
        M = self.gd_matrix
        return M @ expected, sigma**2 * (M @ M.T)


def _estimates(theta: np.ndarray, mean: np.ndarray, cov: np.ndarray) -> Estimates:
    return Estimates(theta=readonly(theta), mean=readonly(mean), cov=readonly(cov))


def _ols_map(X: np.ndarray, fit_intercept: bool) -> np.ndarray:
    """``P`` with ``theta = P y`` the least-squares fit in the units of X; shape (p, m).

    The pseudo-inverse is taken of the design with its columns centred (with an
    intercept) and scaled to unit root mean square, whose condition number is near 1
    for the generator's evenly spaced x, and then mapped to the original units: the
    digits lost are those of the scaled design, not of ``[x, 1]`` with x up to 1000.
    """
    scaling = Scaling.fit(X, standardize=True, center=fit_intercept)
    Za = design(scaling.transform(X), fit_intercept)
    return _to_original(scaling, fit_intercept) @ np.linalg.pinv(Za)


def _to_original(scaling: Scaling, fit_intercept: bool) -> np.ndarray:
    """The matrix of :meth:`linreg.Problem.to_original`: ``w = w_z / scale``, ``bias = b_z - w . mean``."""
    d = scaling.scale.shape[0]
    p = d + int(fit_intercept)
    C = np.zeros((p, p))
    C[:d, :d] = np.diag(1.0 / scaling.scale)
    if fit_intercept:
        C[d, :d] = -scaling.mean / scaling.scale
        C[d, d] = 1.0
    return C


class _GDMap:
    """GD after the base run's iterations, from zero, as a linear function of the training targets.

    ``theta_T = V diag(f) V' b`` with ``b = Za'y / m`` in the coordinates GD runs in
    (its Problem's scaling), then mapped to the units of X; the same steps as
    :mod:`linreg.gd` from ``theta_0 = 0``, where the gradient is ``-b``.
    """

    def __init__(self, base: Experiment):
        problem, fit = base.problem, base.fit
        self.problem = problem
        self.V = problem.eigenvectors
        self.f = move_factors(problem.eigenvalues, fit.lr, fit.n_iter)
        self.Za = design(problem.scaling.transform(problem.X), problem.fit_intercept)

    def __call__(self, Y: np.ndarray) -> np.ndarray:
        """The estimates for the targets in the rows of ``Y``, applied step by step as GD does."""
        b = (Y @ self.Za) / self.problem.m
        return self.problem.to_original(((b @ self.V) * self.f) @ self.V.T)

    def matrix(self) -> np.ndarray:
        """The map as a matrix, shape (p, m): ``C V diag(f) V' Za' / m`` with C the map to the units of X."""
        C = _to_original(self.problem.scaling, self.problem.fit_intercept)
        return C @ (self.V * self.f) @ self.V.T @ self.Za.T / self.problem.m
