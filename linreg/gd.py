"""Batch gradient descent for linear least squares, computed in closed form.

The article's update is ``w <- w - lr * (1/m) * sum((h(x) - y) * x)``: the gradient
of MSE/2 (the article drops the factor 2). With a constant learning rate the
iterates obey ``theta_k = theta* + V diag((1 - lr*lam)**k) V' (theta_0 - theta*)``,
where ``lam, V`` are the eigenpairs of the Hessian ``A = Xa'Xa/m`` held by a
:class:`~linreg.Problem`. So the whole run costs O(m d^2) once for ``A`` plus O(K d) for
the loss history, never O(m) per iteration, and it gives the same iterates as the
literal loop.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np

from linreg._validation import MAX_MAGNITUDE, as_1d, check_float, check_int, peak, readonly
from linreg.problem import Problem
from linreg.status import Status, describe

MAX_ITERS = 1_000_000
"""The largest ``n_iters`` accepted."""

MAX_LR = 1e3
"""The largest learning rate accepted.

With an intercept, the bias column alone gives the Hessian an eigenvalue ``lam_max >= 1``,
so every rate above 2 diverges on any data: the cap rejects only meaningless rates
(without an intercept, tiny features may be stable above it; standardize them). It keeps
``lr * lam`` finite, since with data within MAX_MAGNITUDE, ``lam_max <= 1 + d * 1e300``,
and ``1e3 * (1 + d * 1e300)`` stays below float64's 1.8e308 for any d below 1.8e5.
"""

GTOL = 1e-6
"""Without ``tol``, a run has converged when its gradient norm is below GTOL times the initial one."""

EXPLODE_FACTOR = 1e10
"""A loss above EXPLODE_FACTOR times the initial loss counts as exploded."""

MAX_LOSS = MAX_MAGNITUDE**2
"""A loss above 1e300 (or above the initial loss, if that is larger) counts as exploded too.

It keeps the residuals of the iterate a diverging run returns within about
MAX_MAGNITUDE, so that its weights, its predictions and their metrics stay finite.
It is also checked through logarithms, along each eigenvector, for runs on data so
small that their loss underflows to zero while the weights blow up.
"""

N_CHECKPOINTS = 80
"""About this many log-spaced iterations keep their weights, for replaying the fit."""


class ConvergenceWarning(UserWarning):
    """Gradient descent stopped before it converged."""


@dataclass(frozen=True)
class FitResult:
    """The outcome of one gradient-descent run; weights are in the original units of X.

    Attributes
    ----------
    weights : ndarray of shape (d,)
        Feature weights after ``n_iter`` updates (``w_1`` in the article).
    bias : float
        Intercept (``w_2`` in the article); 0.0 when the model has none.
    loss_history : ndarray of shape (n_iter,)
        Training MSE before each update.
    final_loss : float
        Training MSE at the returned weights.
    n_iter : int
        Number of updates performed.
    converged, diverged : bool
        ``converged`` is true for the statuses CONVERGED and TOL.
    status : Status
        How the run ended (a ``str`` enum): ``"converged"`` (all iterations ran and the
        gradient fell below GTOL of its initial norm), ``"tol"`` (stopped early by
        ``tol``), ``"max_iter"`` (ran out of iterations before converging) or
        ``"diverged"``. :func:`~linreg.describe` (or ``stop_reason``) puts it into words.
    standardized : bool
        True when GD ran on standardized features; the weights are still reported in
        the original units.
    fit_intercept : bool
    lr : float
    tol : float or None
    max_stable_lr : float
        ``2 / lam_max`` of the Hessian GD ran on: rates at or above it do not converge;
        ``inf`` for a zero Hessian (no intercept, and features whose squares underflow).
    suggested_lr : float
        The fastest stable rate, ``2 / (lam_min + lam_max)`` rounded down to two digits.
    contraction : float
        ``max |1 - lr * lam|`` over the positive eigenvalues: how the slowest error shrinks per step.
    gradient_ratio : float or None
        Gradient norm after the last update over the initial one; None for a diverged run.
    exploded_at : int or None
        The iteration whose loss passed ``loss_limit``, which stopped a diverged run;
        None if the run was not cut short.
    loss_limit : float or None
        The loss a diverging run may not pass: EXPLODE_FACTOR times the initial loss, or
        MAX_LOSS (1e300) if lower (or the initial loss, if higher).
    checkpoint_iters : ndarray of shape (c,)
        Log-spaced iterations from 0 to ``n_iter``.
    checkpoint_weights : ndarray of shape (c, d)
    checkpoint_bias : ndarray of shape (c,)
    checkpoint_loss : ndarray of shape (c,)
    """

    weights: np.ndarray
    bias: float
    loss_history: np.ndarray
    final_loss: float
    n_iter: int
    converged: bool
    diverged: bool
    status: Status
    standardized: bool
    fit_intercept: bool
    lr: float
    tol: float | None
    max_stable_lr: float
    suggested_lr: float
    contraction: float
    gradient_ratio: float | None
    exploded_at: int | None
    loss_limit: float | None
    checkpoint_iters: np.ndarray
    checkpoint_weights: np.ndarray
    checkpoint_bias: np.ndarray
    checkpoint_loss: np.ndarray

    @property
    def theta(self) -> np.ndarray:
        """Weights followed by the bias if the model has one: ``(w_1, w_2)`` in the article's names."""
        return readonly(np.append(self.weights, self.bias) if self.fit_intercept else self.weights)

    @property
    def stop_reason(self) -> str:
        """Why the run stopped, in words: :func:`~linreg.describe` of this fit."""
        return describe(self)


def gradient_descent(
    X, y=None, *, lr, n_iters, w_init=None, standardize=None, tol=None, fit_intercept=None
) -> FitResult:
    """Fit ``y ~ X w + bias`` (or ``y ~ X w``) by full-batch gradient descent on the MSE.

    Each update is ``theta <- theta - lr * (1/m) * Xa'(Xa theta - y)`` with
    ``Xa = [X, 1]`` (``Xa = X`` without an intercept): the gradient of MSE/2, as in the
    article. The iterates equal those of the literal loop, computed without one.

    Parameters
    ----------
    X : array-like of shape (m,) or (m, d), or Problem
        Finite, within ±MAX_MAGNITUDE (1e150). With ``standardize``, each column
        must span at least MIN_SPREAD (1e-150). A prebuilt :class:`~linreg.Problem`
        is used as it is, with its own scaling and intercept; ``y`` is then omitted.
    y : array-like of shape (m,)
        Finite, within ±MAX_MAGNITUDE.
    lr : float
        Learning rate, in (0, MAX_LR]; MAX_LR is 1e3.
    n_iters : int
        Number of updates, in [1, MAX_ITERS].
    w_init : array-like of shape (n_params,), optional
        Starting weights then bias (no bias without an intercept), in the original
        units, within ±MAX_MAGNITUDE, and such that the initial predictions
        ``X @ w + bias`` are too. Defaults to zeros.
    standardize : bool, default False
        Run GD on ``(X - mean) / std`` (on ``X / rms`` without an intercept: a shift
        would change a model with no bias). The result is reported in the original units.
    tol : float, optional
        In (0, 1): the relative improvement of a non-negative loss never exceeds 1.
        Stop after the first update whose relative improvement in loss,
        ``(L_{k-1} - L_k) / L_{k-1}``, falls below ``tol``. Without it, all
        ``n_iters`` updates run and the run has converged when the gradient norm
        has fallen below ``GTOL`` times its initial value.
    fit_intercept : bool, default True
        Fit a bias. Without one the model is ``y ~ X w`` and ``bias`` is 0.0.

    Returns
    -------
    FitResult
        A run that stops unconverged also emits a :class:`ConvergenceWarning`.
        When ``lr > 2 / lam_max`` the run is flagged ``diverged``; it stops before the
        first iterate whose loss is non-finite, above EXPLODE_FACTOR times the
        initial loss or above MAX_LOSS, and keeps the last iterate before it.
        Every number in it is finite; inputs the computation cannot represent raise
        ``ValueError`` instead.

    Examples
    --------
    >>> from linreg import make_synthetic, train_test_split
    >>> s = train_test_split(*make_synthetic())
    >>> fit = gradient_descent(s.x_train, s.y_train, lr=5e-4, n_iters=100_000)
    >>> print(f"w_1={fit.weights[0]:.2f}, w_2={fit.bias:.2f}")
    w_1=3.48, w_2=9.57
    """
    problem = as_problem(X, y, standardize=standardize, fit_intercept=fit_intercept)
    lr = check_lr(lr)
    n_iters = check_int("n_iters", n_iters, low=1, high=MAX_ITERS)
    tol = None if tol is None else check_float("tol", tol, low=0.0, high=1.0, low_open=True, high_open=True)
    theta0 = _initial_theta(w_init, problem)
    return _Run(problem, theta0, lr, n_iters, tol).result()


def as_problem(X, y=None, *, standardize=None, fit_intercept=None) -> Problem:
    """``X`` itself if it is a Problem (whose settings must not be contradicted), else one built from X and y."""
    if not isinstance(X, Problem):
        if y is None:
            raise ValueError("y is required unless X is a Problem")
        return Problem.from_data(X, y, standardize=bool(standardize), fit_intercept=fit_intercept is not False)
    if y is not None:
        raise ValueError("y must be omitted when X is a Problem: the Problem holds its own y")
    for name, given, held in (
        ("standardize", standardize, X.standardized),
        ("fit_intercept", fit_intercept, X.fit_intercept),
    ):
        if given is not None and bool(given) != held:
            raise ValueError(f"{name}={given!r} contradicts the Problem, built with {name}={held!r}")
    return X


def check_lr(lr) -> float:
    """Return ``lr`` as a float in (0, MAX_LR], or raise."""
    return check_float("lr", lr, low=0.0, low_open=True, high=MAX_LR)


def _initial_theta(w_init, problem: Problem) -> np.ndarray:
    d, p = problem.d, problem.n_params
    if w_init is None:
        return np.zeros(p)
    theta = as_1d("w_init", w_init)
    if theta.shape != (p,):
        then = " then the bias" if problem.fit_intercept else " (no bias: the model has no intercept)"
        raise ValueError(f"w_init must have shape ({p},): {d} weight(s){then}, got {theta.shape}")
    with np.errstate(all="ignore"):
        predictions = problem.X @ theta[:d] + (theta[d] if problem.fit_intercept else 0.0)
    if not np.max(np.abs(predictions)) <= MAX_MAGNITUDE:
        raise ValueError(
            f"w_init must keep the initial predictions X @ w + bias within ±{MAX_MAGNITUDE:g}, "
            f"so that the loss stays finite, got {peak(predictions):.3g}"
        )
    return problem.to_scaled(theta)


class _Run:
    """The closed-form trajectory of one run and where it stops."""

    def __init__(self, problem: Problem, theta0: np.ndarray, lr: float, n_iters: int, tol):
        self.problem, self.theta0, self.lr, self.tol = problem, theta0, lr, tol
        lam = problem.eigenvalues
        with np.errstate(all="ignore"):
            # The initial gradient in the eigenbasis; along eigenvector i, g_k = rho_i**k * g_0.
            self.g0 = problem.eigenvectors.T @ (problem.A @ theta0 - problem.b)
        if not np.all(np.isfinite(self.g0)):
            raise ValueError("X, y and w_init are too large together: the initial gradient overflows float64")
        self.rho, self.log_abs_rho = _rates(lam, lr)
        self.max_stable_lr = problem.max_stable_lr
        moving = (lam > 0) & (self.g0 != 0)
        self.unstable = bool(np.any(moving & (np.abs(self.rho) > 1.0)))
        self.losses = self._losses(n_iters)
        self.n_iter, self.kind, self.loss_limit = self._stop(n_iters)

    def _losses(self, n_iters: int) -> np.ndarray:
        """L_0 .. L_K: the loss before each update and after the last."""
        k = np.arange(n_iters + 1, dtype=np.float64)
        lam = self.problem.eigenvalues
        excess = np.zeros(n_iters + 1)
        with np.errstate(all="ignore"):
            weight = _excess_weights(self.g0, lam)
            for w_i, log_i in zip(weight, self.log_abs_rho, strict=True):
                if w_i > 0:
                    excess += w_i * _exp_k(2.0 * log_i, k)
            return self.problem.loss_star + excess

    def _stop(self, n_iters: int) -> tuple[int, str, float | None]:
        """The number of updates, how the run stops and, for a cut divergence, the loss limit it passed."""
        L = self.losses
        if self.unstable:
            initial = float(L[0])  # Python floats: EXPLODE_FACTOR * initial may overflow to inf quietly
            limit = min(EXPLODE_FACTOR * initial, max(MAX_LOSS, initial))
            bad = ~np.isfinite(L) | (L > limit)
            exploded = int(np.argmax(bad)) if bad.any() else n_iters + 1
            runaway, runaway_limit = self._first_runaway(n_iters)
            if min(exploded, runaway) > n_iters:
                return n_iters, "unstable", None
            return (exploded - 1, "exploded", limit) if exploded <= runaway else (runaway - 1, "runaway", runaway_limit)
        if self.tol is not None:
            with np.errstate(all="ignore"):
                gain = (L[:-1] - L[1:]) / L[:-1]
            met = ~(gain >= self.tol)
            if met.any():
                return int(np.argmax(met)) + 1, "tol", None
            return n_iters, "tol-unmet", None
        return n_iters, "done", None

    def _first_runaway(self, n_iters: int) -> tuple[int, float]:
        """The first iteration whose excess loss along an eigenvector passes MAX_LOSS (else n_iters + 1), and the limit.

        The same limit as the loss's, but through logarithms, which neither overflow nor
        underflow: a diverging run on tiny data (y near 1e-200, say) has a loss that
        underflows to zero while its weights and predictions blow up. The limit is the
        initial excess instead, if that is larger.
        """
        lam = self.problem.eigenvalues
        with np.errstate(divide="ignore", invalid="ignore"):
            c = np.divide(self.g0, lam, out=np.zeros_like(lam), where=lam > 0)
            log_excess = np.log(lam) + 2.0 * np.log(np.abs(c))  # log(lam * c**2)
            log_limit = max(math.log(MAX_LOSS), float(np.max(log_excess)))
            growing = (self.log_abs_rho > 0) & np.isfinite(log_excess)
            # log_excess + 2k log|rho| > log_limit first holds at k = floor((log_limit - log_excess) / (2 log|rho|)) + 1
            first = np.floor((log_limit - log_excess[growing]) / (2.0 * self.log_abs_rho[growing])) + 1
        limit = math.exp(min(log_limit, math.log(np.finfo(float).max)))
        return (int(min(np.min(first), n_iters + 1)) if first.size else n_iters + 1), limit

    def powers(self, k) -> np.ndarray:
        """``rho**k`` for each iteration in ``k`` and each eigen-direction; shape (len(k), n_params)."""
        return _powers(self.rho, self.log_abs_rho, np.atleast_1d(np.asarray(k, dtype=np.float64))[:, None])

    def theta_at(self, k) -> np.ndarray:
        """Parameters after each of the iterations ``k``, in scaled coordinates; shape (len(k), n_params).

        Written as ``theta_0 - V diag((1 - rho**k) / lam) g_0`` rather than around
        ``theta*``: the factor tends to ``k * lr`` as ``lam -> 0``, so slow, badly
        conditioned directions lose no precision to cancellation.
        """
        k = np.atleast_1d(np.asarray(k, dtype=np.float64))[:, None]
        factor = _factors(self.problem.eigenvalues, self.rho, self.log_abs_rho, self.lr, k)
        with np.errstate(all="ignore"):
            move = factor * self.g0
            if not np.all(np.isfinite(move)):
                move = np.where(np.isfinite(move), move, self._move_by_logs(k))
            return self.theta0 - move @ self.problem.eigenvectors.T

    def _move_by_logs(self, k: np.ndarray) -> np.ndarray:
        """``(1 - rho**k) * c`` with ``c = g0 / lam``, the move along each eigenvector, through logarithms.

        In a diverging run ``rho**k`` can overflow while the move itself, ``c * rho**k``
        with a tiny ``c``, is still finite: the runaway stop keeps ``lam * (c * rho**k)**2``
        within MAX_LOSS.
        """
        lam = self.problem.eigenvalues
        c = np.divide(self.g0, lam, out=np.zeros_like(lam), where=lam > 0)
        sign = np.sign(c) * np.where(np.signbit(self.rho) & (k % 2 == 1), -1.0, 1.0)
        return c - sign * np.exp(np.log(np.abs(c)) + k * self.log_abs_rho)

    def gradient_ratio(self) -> float:
        """Gradient norm after the last update over the initial one.

        The gradient is divided by a power of two first, which is exact, so that its
        squares cannot overflow.
        """
        g0 = self.g0 / _power_of_two_near(self.g0)
        norm0 = np.linalg.norm(g0)
        gk = np.linalg.norm(g0 * self.powers(self.n_iter)[0])
        return float(gk / norm0) if norm0 > 0 else 0.0

    def result(self) -> FitResult:
        if self.n_iter < 0:
            raise ValueError("the initial loss is not finite: X and y are too large for float64; rescale them")
        problem, d = self.problem, self.problem.d
        iters = _checkpoints(self.n_iter)
        thetas = problem.to_original(self.theta_at(iters))
        if not (np.all(np.isfinite(thetas)) and np.all(np.isfinite(self.losses[: self.n_iter + 1]))):
            raise ValueError("X, y and w_init are too large together: the fit overflows float64; rescale them")
        status = self._status()
        bias = thetas[:, d] if problem.fit_intercept else np.zeros(len(iters))
        fit = FitResult(
            weights=readonly(thetas[-1, :d].copy()),
            bias=float(bias[-1]),
            loss_history=readonly(self.losses[: self.n_iter].copy()),
            final_loss=float(self.losses[self.n_iter]),
            n_iter=self.n_iter,
            converged=status in (Status.CONVERGED, Status.TOL),
            diverged=self.unstable,
            status=status,
            standardized=problem.standardized,
            fit_intercept=problem.fit_intercept,
            lr=self.lr,
            tol=self.tol,
            max_stable_lr=self.max_stable_lr,
            suggested_lr=problem.suggested_lr,
            contraction=contraction(problem.eigenvalues, self.lr),
            gradient_ratio=None if self.unstable else self.gradient_ratio(),
            exploded_at=self.n_iter + 1 if self.kind in ("exploded", "runaway") else None,
            loss_limit=self.loss_limit,
            checkpoint_iters=readonly(iters),
            checkpoint_weights=readonly(thetas[:, :d].copy()),
            checkpoint_bias=readonly(bias.copy()),
            checkpoint_loss=readonly(self.losses[iters].copy()),
        )
        if not fit.converged:
            warnings.warn(describe(fit), ConvergenceWarning, stacklevel=3)
        return fit

    def _status(self) -> Status:
        if self.unstable:
            return Status.DIVERGED
        if self.kind == "tol":
            return Status.TOL
        if self.kind == "tol-unmet" or self.gradient_ratio() > GTOL:
            return Status.MAX_ITER
        return Status.CONVERGED


def contraction(eigenvalues: np.ndarray, lr: float) -> float:
    """Factor ``max |1 - lr * lam|`` over the positive eigenvalues: how the slowest error shrinks per step."""
    lam = eigenvalues[eigenvalues > 0]
    return float(np.max(np.abs(1.0 - contraction_steps(lam, lr)))) if lam.size else 0.0


def contraction_steps(eigenvalues: np.ndarray, lr: float) -> np.ndarray:
    """``lr * lam`` for each eigenvalue, or ``ValueError`` naming lr if a product overflows float64."""
    with np.errstate(over="ignore"):
        step = lr * eigenvalues
    if not np.all(np.isfinite(step)):
        raise ValueError(f"lr={lr!r} times the largest eigenvalue {float(np.max(eigenvalues)):.3g} overflows float64")
    return step


def _excess_weights(g0: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """Excess loss over the minimum along each eigenvector: ``lam_i * c_i**2`` with ``c_i = g0_i / lam_i``.

    Computed as ``g0_i**2 / lam_i``; where ``g0_i**2`` overflows, as ``g0_i * c_i``,
    which is finite whenever the initial loss is.
    """
    weight = np.divide(g0 * g0, lam, out=np.zeros_like(lam), where=lam > 0)
    safe = np.divide(g0, lam, out=np.zeros_like(lam), where=lam > 0) * g0
    return np.where(np.isfinite(weight), weight, safe)


def _power_of_two_near(values: np.ndarray) -> float:
    """A power of two within a factor 2 below ``max |values|`` (1.0 for zeros): dividing by it is exact."""
    top = float(np.max(np.abs(values))) if np.size(values) else 0.0
    return math.ldexp(1.0, math.frexp(top)[1] - 1) if top > 0 else 1.0


def move_factors(eigenvalues: np.ndarray, lr: float, k: int) -> np.ndarray:
    """``(1 - rho**k) / lam`` per eigenvalue after ``k`` updates at ``lr`` (``k * lr`` where ``lam`` is 0).

    Gradient descent from ``theta_0`` stands at ``theta_0 - V diag(factors) V' (A theta_0 - b)``,
    computed exactly as :func:`gradient_descent` computes its iterates.
    """
    rho, log_abs_rho = _rates(eigenvalues, lr)
    return _factors(eigenvalues, rho, log_abs_rho, lr, np.array([[float(k)]]))[0]


def _rates(eigenvalues: np.ndarray, lr: float) -> tuple[np.ndarray, np.ndarray]:
    """``rho = 1 - lr * lam`` and ``log|rho|`` per eigenvalue; ValueError if ``lr * lam`` overflows."""
    step = contraction_steps(eigenvalues, lr)
    rho = 1.0 - step
    with np.errstate(divide="ignore"):
        # log1p keeps the precision of lr*lam in the slow directions, where rho is close to 1
        log_abs_rho = np.where(step < 1.0, np.log1p(-np.minimum(step, 1.0)), np.log(np.abs(rho)))
    return rho, log_abs_rho


def _powers(rho: np.ndarray, log_abs_rho: np.ndarray, k: np.ndarray) -> np.ndarray:
    """``rho**k`` for a column of iterations ``k`` and each eigen-direction, from ``log|rho|`` and the sign."""
    sign = np.where(np.signbit(rho) & (k % 2 == 1), -1.0, 1.0)
    with np.errstate(all="ignore"):
        return sign * _exp_k(log_abs_rho, k)


def _factors(lam: np.ndarray, rho: np.ndarray, log_abs_rho: np.ndarray, lr: float, k: np.ndarray) -> np.ndarray:
    """``(1 - rho**k) / lam`` for a column of iterations ``k``, ``k * lr`` where ``lam`` is 0.

    Through ``expm1`` where ``0 < rho``: the factor tends to ``k * lr`` as ``lam -> 0``, so
    slow, badly conditioned directions lose no precision to cancellation.
    """
    powers = _powers(rho, log_abs_rho, k)
    with np.errstate(all="ignore"):
        shrunk = np.where(rho > 0, -np.expm1(k * log_abs_rho), 1.0 - powers)
        return np.where(lam > 0, shrunk / np.where(lam > 0, lam, 1.0), k * lr)


def _exp_k(log_base, k: np.ndarray) -> np.ndarray:
    """``base**k`` from ``log(base)``, with ``0**0 = 1``; exp is several times faster than power."""
    out = np.exp(k * log_base)
    return np.where(k == 0, 1.0, out)


def _checkpoints(n_iter: int) -> np.ndarray:
    if n_iter == 0:
        return np.zeros(1, dtype=np.int64)
    spaced = np.geomspace(1, n_iter, num=min(N_CHECKPOINTS, n_iter))
    return np.unique(np.concatenate([[0], np.round(spaced).astype(np.int64), [n_iter]]))
