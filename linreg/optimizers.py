"""First-order optimizers on a least-squares :class:`~linreg.Problem`: one interface, one result type.

Each optimizer is a small frozen spec (:class:`GD`, :class:`HeavyBall`, :class:`Nesterov`,
:class:`SGD`, :class:`Adam`, :class:`RMSProp`, :class:`AdaGrad`) whose ``run(problem, n_iters, ...)`` returns a
:class:`Trajectory`, which has every field of :class:`~linreg.gd.FitResult` plus the spec
and the schedule. All run in the Problem's scaled coordinates on ``A = Xa'Xa/m`` and
``b = Xa'y/m``; no step costs O(m).

For least squares every non-adaptive optimizer is an affine map of its state:

- GD and, with a constant rate, heavy ball and Nesterov decouple along the Hessian's
  eigenvectors. Each eigen-coordinate ``e_k`` of heavy ball follows
  ``e_{k+1} = (1 + beta - lr*lam) e_k - beta e_{k-1}``, a 2x2 companion matrix ``C``;
  ``[e_k, e_{k-1}] = C**k [e_0, e_0]`` for every k comes from repeated squaring,
  vectorized over k (the states 0..n-1 times ``C**n`` give n..2n-1).
- A time-varying rate, or mini-batches, make the map change with k. The states then
  come from :func:`_affine_scan`, which composes the maps in chunks of about sqrt(K).
- Adam, RMSProp and AdaGrad divide by a running gradient scale, so they are not affine;
  they run one loop over k (:mod:`linreg._adaptive`) with the batch's ``A_B, b_B``
  precomputed, O(d^2) per step: compiled by Numba when it is installed (imported on
  first use, so ``import linreg`` still loads NumPy alone), in Python otherwise.

Mini-batches follow scikit-learn's ``shuffle=True``: each epoch visits the rows in a
fresh random order (``numpy.random.default_rng(seed)``, one ``permutation(m)`` per
epoch) and cuts it into batches of ``batch_size`` rows, the last one possibly shorter.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, fields

import numpy as np

from linreg import _adaptive
from linreg._validation import check_float, check_int, readonly
from linreg.gd import (
    EXPLODE_FACTOR,
    GTOL,
    MAX_ITERS,
    MAX_LOSS,
    ConvergenceWarning,
    FitResult,
    _checkpoints,
    _initial_theta,
    check_lr,
    gradient_descent,
)
from linreg.problem import Problem
from linreg.status import Status, describe

# --- learning-rate schedules ---------------------------------------------------------------


@dataclass(frozen=True)
class Constant:
    """``lr_k = lr``."""

    def rates(self, lr: float, n_iters: int) -> np.ndarray:
        return np.full(n_iters, lr)


@dataclass(frozen=True)
class StepDecay:
    """``lr_k = lr * gamma**floor(k / step_size)``."""

    step_size: int
    gamma: float = 0.5

    def __post_init__(self):
        check_int("step_size", self.step_size, low=1)
        check_float("gamma", self.gamma, low=0.0, high=1.0, low_open=True)

    def rates(self, lr: float, n_iters: int) -> np.ndarray:
        return lr * self.gamma ** (np.arange(n_iters) // self.step_size)


@dataclass(frozen=True)
class InvScaling:
    """scikit-learn's ``invscaling``: ``lr_k = lr / t**power_t`` at step ``t = k + 1``."""

    power_t: float = 0.25

    def __post_init__(self):
        check_float("power_t", self.power_t, low=0.0, high=10.0)

    def rates(self, lr: float, n_iters: int) -> np.ndarray:
        return lr / np.arange(1, n_iters + 1, dtype=np.float64) ** self.power_t


@dataclass(frozen=True)
class Cosine:
    """Cosine annealing over the run: ``lr_k = lr_min + (lr - lr_min) (1 + cos(pi k / K)) / 2``."""

    lr_min: float = 0.0

    def __post_init__(self):
        check_float("lr_min", self.lr_min, low=0.0)

    def rates(self, lr: float, n_iters: int) -> np.ndarray:
        return self.lr_min + (lr - self.lr_min) * 0.5 * (1.0 + np.cos(np.pi * np.arange(n_iters) / n_iters))


Schedule = Constant | StepDecay | InvScaling | Cosine


# --- the result ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Trajectory(FitResult):
    """The outcome of one optimizer run: every field of :class:`~linreg.gd.FitResult`, with the same meaning, plus:

    Attributes
    ----------
    optimizer : GD, HeavyBall, Nesterov, SGD, Adam, RMSProp or AdaGrad
        The spec that ran, with its hyperparameters.
    schedule : Constant, StepDecay, InvScaling or Cosine
    lr : float
        The base rate; the schedule scales it per step.
    max_stable_lr : float
        The full-batch method's stable bound on a constant ``lr`` (given ``beta`` for
        momentum): :func:`gd_max_lr`, :func:`heavy_ball_max_lr`, :func:`nesterov_max_lr`;
        for SGD and the adaptive methods, GD's ``2 / lam_max``.
    contraction : float
        Predicted factor by which the slowest error shrinks per step for the full-batch
        method at the constant rate ``lr``: the spectral radius of its iteration
        (:func:`momentum_contraction`); GD's for SGD, and NaN for Adam, RMSProp and
        AdaGrad, which have none.
    diverged : bool
        A constant-rate full-batch run outside its stable region, or any run whose loss
        passed ``loss_limit`` (then it stops before that iterate, as GD does).
    """

    optimizer: object = None
    schedule: object = None


# --- stability from the Hessian -----------------------------------------------------------


def gd_max_lr(eigenvalues) -> float:
    """GD converges for ``0 < lr < 2 / lam_max``."""
    lam_max = float(np.max(eigenvalues))
    return 2.0 / lam_max if lam_max > 0 else math.inf


def heavy_ball_max_lr(eigenvalues, beta: float) -> float:
    """Heavy ball with ``0 <= beta < 1`` converges for ``0 < lr < 2 (1 + beta) / lam_max``."""
    beta = _check_beta(beta)
    return (1.0 + beta) * gd_max_lr(eigenvalues)


def nesterov_max_lr(eigenvalues, beta: float) -> float:
    """Nesterov with ``0 <= beta < 1`` converges for ``0 < lr < 2 (1 + beta) / ((1 + 2 beta) lam_max)``.

    Along an eigenvector the error follows ``e_{k+1} = (1 + beta) q e_k - beta q e_{k-1}``
    with ``q = 1 - lr*lam``; Jury's test puts both roots inside the unit circle iff
    ``-1 / (1 + 2 beta) < q < 1``.
    """
    beta = _check_beta(beta)
    return (1.0 + beta) / (1.0 + 2.0 * beta) * gd_max_lr(eigenvalues)


def optimal_momentum(eigenvalues) -> tuple[float, float]:
    """Polyak's optimal heavy ball ``(lr*, beta*)``: ``(2 / (sqrt(lam_min) + sqrt(lam_max)))**2`` and
    ``((sqrt(kappa) - 1) / (sqrt(kappa) + 1))**2``, over the positive eigenvalues; the error
    then shrinks by ``sqrt(beta*)`` per step."""
    lam = np.asarray(eigenvalues, dtype=np.float64)
    lam = lam[lam > 0]
    if lam.size == 0:
        raise ValueError("the Hessian is zero: there is no optimal momentum")
    low, high = math.sqrt(lam.min()), math.sqrt(lam.max())
    return (2.0 / (low + high)) ** 2, ((high - low) / (high + low)) ** 2


def momentum_contraction(eigenvalues, lr: float, beta: float, *, nesterov: bool = False) -> float:
    """Spectral radius of heavy ball's (or Nesterov's) iteration: the predicted error contraction per step.

    The largest modulus, over the positive eigenvalues, of the roots of
    ``z**2 - t z + c`` with ``t = 1 + beta - lr*lam, c = beta`` (heavy ball) or
    ``t = (1 + beta)(1 - lr*lam), c = beta (1 - lr*lam)`` (Nesterov); ``beta = 0`` gives GD's.
    """
    lam = np.asarray(eigenvalues, dtype=np.float64)
    lam = lam[lam > 0]
    if lam.size == 0:
        return 0.0
    t, c = _companion(lam, check_lr(lr), _check_beta(beta), nesterov)
    root = np.sqrt((t * t - 4.0 * c).astype(complex))
    return float(np.max(np.maximum(np.abs(t + root), np.abs(t - root))) / 2.0)


def _companion(lam, lr, beta, nesterov: bool):
    """``t, c`` of ``e_{k+1} = t e_k - c e_{k-1}`` along each eigenvector, for a rate or an array of rates."""
    if nesterov:
        q = 1.0 - lr * lam
        return (1.0 + beta) * q, beta * q
    return 1.0 + beta - lr * lam, beta + 0.0 * lam


def _check_beta(beta) -> float:
    return check_float("beta", beta, low=0.0, high=1.0, high_open=True)


# --- the optimizers -----------------------------------------------------------------------


class _Optimizer:
    """The shared ``run``: validate, compute the states, then stop and report like GD."""

    def run(self, problem: Problem, n_iters: int, *, schedule=None, tol=None, w_init=None) -> Trajectory:
        """Run ``n_iters`` updates on ``problem`` from ``w_init`` (original units; zeros by default).

        ``schedule`` scales ``lr`` per step (default :class:`Constant`). ``tol`` in (0, 1)
        stops after the first update whose relative improvement in loss is in
        ``[0, tol)``; an update that raises the loss (a momentum overshoot, a noisy
        batch) does not stop the run. Returns a :class:`Trajectory`; a run that stops
        unconverged also emits a :class:`~linreg.ConvergenceWarning`.
        """
        _check_problem(problem)
        n_iters = check_int("n_iters", n_iters, low=1, high=MAX_ITERS)
        tol = None if tol is None else check_float("tol", tol, low=0.0, high=1.0, low_open=True, high_open=True)
        schedule = Constant() if schedule is None else schedule
        if not isinstance(schedule, Schedule):
            raise ValueError(f"schedule must be Constant, StepDecay, InvScaling or Cosine, got {schedule!r}")
        theta0 = _initial_theta(w_init, problem)
        errors = self._errors(problem, theta0, schedule.rates(self.lr, n_iters))
        return _finish(self, schedule, problem, errors, tol)

    def _constant_rate(self, rates: np.ndarray) -> bool:
        return bool(np.all(rates == self.lr))


@dataclass(frozen=True)
class GD(_Optimizer):
    """Full-batch gradient descent: ``theta <- theta - lr_k (A theta - b)``."""

    lr: float

    def __post_init__(self):
        check_lr(self.lr)

    def run(self, problem: Problem, n_iters: int, *, schedule=None, tol=None, w_init=None) -> Trajectory:
        if schedule is None or isinstance(schedule, Constant):
            _check_problem(problem)  # gradient_descent would take any array for X
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", ConvergenceWarning)
                fit = gradient_descent(problem, lr=self.lr, n_iters=n_iters, tol=tol, w_init=w_init)
            result = Trajectory(
                **{f.name: getattr(fit, f.name) for f in fields(FitResult)}, optimizer=self, schedule=Constant()
            )
            for caught_warning in caught:
                warnings.warn(caught_warning.message, caught_warning.category, stacklevel=2)
            return result
        return super().run(problem, n_iters, schedule=schedule, tol=tol, w_init=w_init)

    def _errors(self, problem: Problem, theta0, rates) -> np.ndarray:
        factors = 1.0 - rates[:, None] * problem.eigenvalues
        with np.errstate(all="ignore"):
            return np.vstack([np.ones(problem.n_params), np.cumprod(factors, axis=0)]) * _eigen(problem, theta0)

    def bound(self, problem: Problem) -> float:
        return gd_max_lr(problem.eigenvalues)

    def predicted_contraction(self, problem: Problem) -> float:
        return momentum_contraction(problem.eigenvalues, self.lr, 0.0)


@dataclass(frozen=True)
class HeavyBall(_Optimizer):
    """Polyak's heavy ball: ``theta_{k+1} = theta_k - lr_k (A theta_k - b) + beta (theta_k - theta_{k-1})``,
    with ``theta_{-1} = theta_0``; ``0 <= beta < 1``."""

    lr: float
    beta: float = 0.9
    nesterov = False

    def __post_init__(self):
        check_lr(self.lr)
        _check_beta(self.beta)

    def _errors(self, problem: Problem, theta0, rates) -> np.ndarray:
        e0 = _eigen(problem, theta0)
        lam = problem.eigenvalues
        if self._constant_rate(rates):
            t, c = _companion(lam, self.lr, self.beta, self.nesterov)
            return _companion_powers(t, c, e0, len(rates))
        t, c = _companion(lam, rates[:, None], self.beta, self.nesterov)
        M = np.zeros((len(rates), lam.size, 2, 2))
        M[..., 0, 0], M[..., 0, 1], M[..., 1, 0] = t, -c, 1.0
        return _affine_scan(M, np.zeros((len(rates), lam.size, 2)), np.stack([e0, e0], axis=-1))[..., 0]

    def bound(self, problem: Problem) -> float:
        if self.nesterov:
            return nesterov_max_lr(problem.eigenvalues, self.beta)
        return heavy_ball_max_lr(problem.eigenvalues, self.beta)

    def predicted_contraction(self, problem: Problem) -> float:
        return momentum_contraction(problem.eigenvalues, self.lr, self.beta, nesterov=self.nesterov)


@dataclass(frozen=True)
class Nesterov(HeavyBall):
    """Nesterov's momentum: ``u = theta_k + beta (theta_k - theta_{k-1})``, ``theta_{k+1} = u - lr_k (A u - b)``."""

    nesterov = True


@dataclass(frozen=True)
class SGD(_Optimizer):
    """Mini-batch SGD: ``theta <- theta - lr_k (A_B theta - b_B)`` with the batch's moments ``A_B``, ``b_B``."""

    lr: float
    batch_size: int = 32
    seed: int = 0

    def __post_init__(self):
        check_lr(self.lr)
        check_int("batch_size", self.batch_size, low=1)
        check_int("seed", self.seed, low=0)

    def _errors(self, problem: Problem, theta0, rates) -> np.ndarray:
        A_B, b_B = batch_moments(problem, self.batch_size, len(rates), self.seed)
        M = np.eye(problem.n_params) - rates[:, None, None] * A_B
        with np.errstate(all="ignore"):
            thetas = _affine_scan(M, rates[:, None] * b_B, theta0)
        return _eigen(problem, thetas)

    def bound(self, problem: Problem) -> float:
        return gd_max_lr(problem.eigenvalues)

    def predicted_contraction(self, problem: Problem) -> float:
        return momentum_contraction(problem.eigenvalues, self.lr, 0.0)


class _Adaptive(_Optimizer):
    """The shared ``_errors`` of Adam, RMSProp and AdaGrad: the loop of :mod:`linreg._adaptive`."""

    def _errors(self, problem: Problem, theta0, rates) -> np.ndarray:
        K = len(rates)
        if self.batch_size is None:
            A_B, b_B = problem.A[None], problem.b[None]
        else:
            A_B, b_B = batch_moments(problem, self.batch_size, K, self.seed)
        thetas = _adaptive.states(A_B, b_B, theta0, *self._constants(rates))
        return _eigen(problem, thetas)

    def _check_batch(self) -> None:
        if self.batch_size is not None:
            check_int("batch_size", self.batch_size, low=1)
        check_int("seed", self.seed, low=0)

    def bound(self, problem: Problem) -> float:
        return gd_max_lr(problem.eigenvalues)

    def predicted_contraction(self, problem: Problem) -> float:
        return math.nan


@dataclass(frozen=True)
class Adam(_Adaptive):
    """Adam (Kingma and Ba, bias-corrected), on the full batch (``batch_size=None``) or on mini-batches.

    ``m = b1 m + (1 - b1) g``, ``v = b2 v + (1 - b2) g**2``,
    ``theta -= lr_k (m / (1 - b1**t)) / (sqrt(v / (1 - b2**t)) + eps)`` at step ``t = k + 1``.

    Not affine, so it runs a loop over k (:mod:`linreg._adaptive`: compiled when Numba is
    installed). Its iterates equal the literal loop's until it reaches the minimum; there
    the gradient is rounding noise that Adam divides by its own tiny scale ``sqrt(v)``, so
    the last digits of the data's sums (``A, b`` here, the rows in the loop) steer its
    bursts, and long runs agree only to about 1e-5.
    """

    lr: float
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    batch_size: int | None = None
    seed: int = 0

    def __post_init__(self):
        check_lr(self.lr)
        check_float("beta1", self.beta1, low=0.0, high=1.0, high_open=True)
        check_float("beta2", self.beta2, low=0.0, high=1.0, high_open=True)
        check_float("eps", self.eps, low=0.0, low_open=True)
        self._check_batch()

    def _constants(self, rates):
        K = len(rates)
        step = rates / _one_minus_powers(self.beta1, K)
        unbias = 1.0 / _one_minus_powers(self.beta2, K)
        return step, unbias, self.beta1, 1.0 - self.beta1, self.beta2, 1.0 - self.beta2, self.eps


def _one_minus_powers(beta: float, K: int) -> np.ndarray:
    """``1 - beta**t`` for t = 1..K, the same numbers as a loop's ``1 - beta**t``, at a fraction of the cost.

    Once ``beta**t`` is below 2**-60, ``1 - beta**t`` rounds to 1.0 exactly, so only the
    powers before that are computed (``power`` costs far more than a fill).
    """
    out = np.ones(K)
    if beta > 0.0:
        n = min(K, math.ceil(-60.0 * math.log(2.0) / math.log(beta)) + 1)
        out[:n] = 1.0 - beta ** np.arange(1, n + 1, dtype=np.float64)
    return out


@dataclass(frozen=True)
class RMSProp(_Adaptive):
    """RMSProp (Hinton's, as in Keras and TensorFlow): ``v = rho v + (1 - rho) g**2``,
    ``theta -= lr_k g / (sqrt(v) + eps)``; full batch (``batch_size=None``) or mini-batches.

    Adam without the first moment and without bias correction, so the same loop. Like
    Adam, once at the minimum it keeps stepping by about ``lr`` on a gradient that is
    rounding noise, so from there on it matches a literal loop only loosely.
    """

    lr: float
    rho: float = 0.9
    eps: float = 1e-8
    batch_size: int | None = None
    seed: int = 0

    def __post_init__(self):
        check_lr(self.lr)
        check_float("rho", self.rho, low=0.0, high=1.0, high_open=True)
        check_float("eps", self.eps, low=0.0, low_open=True)
        self._check_batch()

    def _constants(self, rates):
        return rates, np.ones(len(rates)), 0.0, 1.0, self.rho, 1.0 - self.rho, self.eps


@dataclass(frozen=True)
class AdaGrad(_Adaptive):
    """AdaGrad (Duchi, Hazan and Singer): ``G = G + g**2``, ``theta -= lr_k g / (sqrt(G) + eps)``, ``G_0 = 0``;
    full batch (``batch_size=None``) or mini-batches. Each parameter's steps shrink as its
    squared gradients add up."""

    lr: float
    eps: float = 1e-8
    batch_size: int | None = None
    seed: int = 0

    def __post_init__(self):
        check_lr(self.lr)
        check_float("eps", self.eps, low=0.0, low_open=True)
        self._check_batch()

    def _constants(self, rates):
        return rates, np.ones(len(rates)), 0.0, 1.0, 1.0, 1.0, self.eps


# --- shared machinery ---------------------------------------------------------------------


def batch_order(m: int, batch_size: int, n_iters: int, seed: int) -> np.ndarray:
    """Row indices of each step's batch, shape (n_iters, batch_size), padded with ``m`` where a last batch is short.

    Epoch ``e`` visits the rows in the order of the e-th ``permutation(m)`` of
    ``numpy.random.default_rng(seed)``, drawn here for all epochs at once.
    """
    if batch_size > m:
        raise ValueError(
            f"batch_size must be at most the number of training rows m={m}, got {batch_size}; "
            "use batch_size=None (Adam, RMSProp, AdaGrad) or GD for the full batch"
        )
    per_epoch = -(-m // batch_size)
    epochs = -(-n_iters // per_epoch)
    orders = np.random.default_rng(seed).permuted(np.broadcast_to(np.arange(m), (epochs, m)), axis=1)
    pad = per_epoch * batch_size - m
    if pad:
        orders = np.concatenate([orders, np.full((epochs, pad), m)], axis=1)
    return orders.reshape(epochs * per_epoch, batch_size)[:n_iters]


def batch_moments(problem: Problem, batch_size: int, n_iters: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Each step's ``A_B = Xa_B'Xa_B / |B|`` and ``b_B = Xa_B'y_B / |B|``: shapes (n_iters, p, p) and (n_iters, p).

    The per-row products are tabulated once, O(m p^2); each batch sums its rows' entries.
    """
    m, p = problem.m, problem.n_params
    batch_size = check_int("batch_size", batch_size, low=1)
    idx = batch_order(m, batch_size, n_iters, seed)
    Z = problem.scaling.transform(problem.X)
    Za = np.column_stack([Z, np.ones(m)]) if problem.fit_intercept else Z
    Za = np.vstack([Za, np.zeros(p)])  # the padding row
    y = np.append(problem.y, 0.0)
    per_epoch = -(-m // batch_size)
    sizes = np.full(per_epoch, float(batch_size))
    sizes[-1] = m - (per_epoch - 1) * batch_size
    sizes = np.resize(sizes, n_iters)  # the steps' batch sizes, epoch after epoch
    rows, cols = np.triu_indices(p)
    A_B, b_B = np.empty((n_iters, p, p)), np.empty((n_iters, p))
    for i, j in zip(rows, cols, strict=True):
        if problem.fit_intercept and i == j == p - 1:
            A_B[:, i, j] = 1.0  # the mean of the bias column's ones
            continue
        A_B[:, i, j] = A_B[:, j, i] = (Za[:, i] * Za[:, j])[idx].sum(axis=1) / sizes
    for i in range(p):
        b_B[:, i] = (Za[:, i] * y)[idx].sum(axis=1) / sizes
    return A_B, b_B


def _check_problem(problem) -> None:
    if not isinstance(problem, Problem):
        raise ValueError(f"problem must be a linreg.Problem, got {type(problem).__name__}")


def _eigen(problem: Problem, thetas) -> np.ndarray:
    """Coordinates of ``theta - theta*`` along the Hessian's eigenvectors (the last axis)."""
    with np.errstate(all="ignore"):
        return (np.asarray(thetas) - problem.theta_star) @ problem.eigenvectors


def _companion_powers(t: np.ndarray, c: np.ndarray, e0: np.ndarray, K: int) -> np.ndarray:
    """``e_k`` for k = 0..K of ``e_{k+1} = t e_k - c e_{k-1}``, ``e_{-1} = e_0``, per eigenvector: shape (K + 1, p).

    Repeated squaring vectorized over k: with the states 0..n-1 known and ``P = C**n``,
    the states n..2n-1 are ``P`` times them, so about log2(K) passes of O(K p) in all.
    """
    S = np.empty((K + 1, t.size, 2))
    S[0, :, 0] = S[0, :, 1] = e0
    P = np.zeros((t.size, 2, 2))
    P[:, 0, 0], P[:, 0, 1], P[:, 1, 0] = t, -c, 1.0
    n = 1
    with np.errstate(all="ignore"):
        while n <= K:
            count = min(n, K + 1 - n)
            old = S[:count]
            S[n : n + count, :, 0] = P[:, 0, 0] * old[..., 0] + P[:, 0, 1] * old[..., 1]
            S[n : n + count, :, 1] = P[:, 1, 0] * old[..., 0] + P[:, 1, 1] * old[..., 1]
            P = P @ P
            n *= 2
    return S[..., 0]


def _affine_scan(M: np.ndarray, v: np.ndarray, s0: np.ndarray) -> np.ndarray:
    """States ``s_0..s_K`` of ``s_{k+1} = M_k s_k + v_k``; ``M`` (K, ..., n, n), ``v`` (K, ..., n), ``s0`` (..., n).

    The K maps are cut into about sqrt(K) chunks of about sqrt(K) steps: one pass
    composes each chunk's maps (vectorized over chunks), a short loop chains the chunks'
    start states, and one more pass runs every chunk from its start. About 3 sqrt(K)
    NumPy calls on O(K n^3) numbers in all, never one call per step.
    """
    K, n = len(M), s0.shape[-1]
    L = max(1, math.isqrt(K // 2))  # 2L passes over all chunks and K/L short steps: fewest NumPy calls
    chunks = -(-K // L)
    pad = chunks * L - K
    eye = np.broadcast_to(np.eye(n), M.shape[1:])
    if pad:
        M = np.concatenate([M, np.broadcast_to(eye, (pad, *M.shape[1:]))])
        v = np.concatenate([v, np.zeros((pad, *v.shape[1:]))])
    # step j of every chunk, contiguous: M[j] is (chunks, ..., n, n)
    M = np.ascontiguousarray(M.reshape(chunks, L, *M.shape[1:]).swapaxes(0, 1))
    v = np.ascontiguousarray(v.reshape(chunks, L, *v.shape[1:]).swapaxes(0, 1))
    with np.errstate(all="ignore"):
        P, q = np.broadcast_to(eye, (chunks, *eye.shape)), np.zeros((chunks, *s0.shape))
        for j in range(L):
            P, q = M[j] @ P, _apply(M[j], q) + v[j]
        starts = np.empty((chunks, *s0.shape))
        s = s0
        for i in range(chunks):
            starts[i] = s
            s = _apply(P[i], s) + q[i]
        states = np.empty((L, chunks, *s0.shape))
        current = starts
        for j in range(L):
            states[j] = current
            current = _apply(M[j], current) + v[j]
    return np.concatenate([states.swapaxes(0, 1).reshape(chunks * L, *s0.shape)[:K], s[None]])


def _apply(M: np.ndarray, s: np.ndarray) -> np.ndarray:
    """``M @ s`` over stacks of matrices and vectors (einsum is twice as fast as matmul on 2x2 stacks)."""
    return np.einsum("...ij,...j->...i", M, s)


def _finish(optimizer, schedule, problem: Problem, errors: np.ndarray, tol) -> Trajectory:
    """Losses, the stop, checkpoints and status of the states ``errors`` (eigen-coordinates, k = 0..K)."""
    lam = problem.eigenvalues
    with np.errstate(all="ignore"):
        losses = problem.loss_star + (errors * errors) @ lam
    K = len(losses) - 1
    initial = float(losses[0])
    if not math.isfinite(initial):
        raise ValueError("the initial loss is not finite: X and y are too large for float64; rescale them")
    limit = min(EXPLODE_FACTOR * initial, max(MAX_LOSS, initial))
    bad = ~np.isfinite(losses) | (losses > limit) | ~np.all(np.isfinite(errors), axis=1)
    exploded = int(np.argmax(bad)) if bad.any() else None
    unstable = (
        isinstance(optimizer, GD | HeavyBall)
        and isinstance(schedule, Constant)
        and optimizer.lr >= optimizer.bound(problem)
    )
    n_iter, kind = K, "done"
    if exploded is not None:
        n_iter, kind = exploded - 1, "exploded"
    elif tol is not None and not unstable:
        with np.errstate(all="ignore"):
            gain = (losses[:-1] - losses[1:]) / losses[:-1]
        met = ~(gain >= tol) & ~(gain < 0)
        n_iter, kind = (int(np.argmax(met)) + 1, "tol") if met.any() else (K, "tol-unmet")
    diverged = unstable or kind == "exploded"
    gradient = errors[[0, n_iter]] * lam
    norm0 = float(np.linalg.norm(gradient[0]))
    ratio = float(np.linalg.norm(gradient[1]) / norm0) if norm0 > 0 else 0.0
    if diverged:
        status = Status.DIVERGED
    elif kind == "tol":
        status = Status.TOL
    elif kind == "tol-unmet" or ratio > GTOL:
        status = Status.MAX_ITER
    else:
        status = Status.CONVERGED
    iters = _checkpoints(n_iter)
    thetas = problem.to_original(problem.theta_star + errors[iters] @ problem.eigenvectors.T)
    d = problem.d
    bias = thetas[:, d] if problem.fit_intercept else np.zeros(len(iters))
    fit = Trajectory(
        weights=readonly(thetas[-1, :d].copy()),
        bias=float(bias[-1]),
        loss_history=readonly(losses[:n_iter].copy()),
        final_loss=float(losses[n_iter]),
        n_iter=n_iter,
        converged=status in (Status.CONVERGED, Status.TOL),
        diverged=diverged,
        status=status,
        standardized=problem.standardized,
        fit_intercept=problem.fit_intercept,
        lr=optimizer.lr,
        tol=tol,
        max_stable_lr=optimizer.bound(problem),
        suggested_lr=problem.suggested_lr,
        contraction=optimizer.predicted_contraction(problem),
        gradient_ratio=None if diverged else ratio,
        exploded_at=n_iter + 1 if kind == "exploded" else None,
        loss_limit=limit if kind == "exploded" else None,
        checkpoint_iters=readonly(iters),
        checkpoint_weights=readonly(thetas[:, :d].copy()),
        checkpoint_bias=readonly(bias.copy()),
        checkpoint_loss=readonly(losses[iters].copy()),
        optimizer=optimizer,
        schedule=schedule,
    )
    if not fit.converged:
        warnings.warn(describe(fit), ConvergenceWarning, stacklevel=3)
    return fit
