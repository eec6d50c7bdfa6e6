"""Closed-form least squares, the minimum that gradient descent approaches, computed to the last digits it can keep.

Plain ``lstsq`` on ``[X, 1]`` loses every digit on ill-conditioned tables (NIST's Filip)
because the columns differ in scale by many orders of magnitude. :func:`ols` divides
each column by a power of two near its norm (exact in binary, so the scaled problem is
the same problem), solves with ``lstsq`` and refines the solution on the augmented
system ``[I A; A' 0] [r; x] = [y; 0]`` with residuals accumulated in extended precision
(Björck's iterative refinement). On the NIST StRD linear least-squares suite this keeps
at least 7 significant digits in every certified coefficient.

A large design (more than REFINE_ALWAYS entries) is first solved the way a tall,
well-conditioned problem allows at a fraction of the cost: the normal equations of its
standardized columns (one pass over the data for ``Z'Z``, which a :class:`~linreg.Problem`
computes anyway), refined once with residuals computed from the data (one more pass).
That solution is kept only when the ``lstsq`` route would keep its own unrefined: the
standardized design has full rank and the error bound of a backward-stable solver,
``eps * (kappa + kappa**2 * tan(theta))``, is small, on the whole and for every
coefficient (see REFINE_ABOVE and COEF_BOUND). The normal equations square ``kappa``;
the refinement step takes that square back out (Björck, 1967; Higham, *Accuracy and
Stability of Numerical Algorithms*, §20.5). Otherwise the design goes the ``lstsq`` route.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from linreg._validation import as_1d, as_2d, check_float, check_names, check_same_length, peak, readonly
from linreg.problem import Problem

INTERCEPT_NAME = "(intercept)"
"""How :attr:`OLSResult.collinear` names the intercept's column of ones."""

REFINE_ALWAYS = 1_000_000
"""Designs with at most this many entries are always refined: it takes milliseconds.

Larger ones are refined only when the normwise error bound of ``lstsq``,
``eps * (kappa + kappa**2 * tan(theta))``, exceeds REFINE_ABOVE, or its share of a
coefficient exceeds COEF_BOUND: each refinement step passes over the data in extended
precision, seconds for ten million rows.
"""

REFINE_ABOVE = 1e-12
"""The normwise error bound, relative to the solution's norm, above which a large design is refined."""

COEF_BOUND = 1e-10
"""The bound carried to each coefficient, relative to it, above which a large design is refined.

A normwise bound says little about a small coefficient, which can lose more digits than
it says: each coefficient must also keep ten digits (NIST asks for seven), with the
bound's constants left out. A coefficient within its own standard error of zero is
judged against that standard error instead: its digits beyond the noise in the data
mean nothing, and demanding them would refine every table with an irrelevant column.
An exact fit has no noise, so its coefficients are judged against themselves.
"""

MAX_REFINEMENTS = 5

NULL_LOADING = 1e-6
"""A column takes part in a null direction when its entry in the unit null vector exceeds this."""


@dataclass(frozen=True)
class OLSResult:
    """Least-squares weights and bias, with the rank of the design matrix and the columns that make it deficient.

    Attributes
    ----------
    weights : ndarray of shape (d,)
    bias : float
        0.0 without an intercept.
    rank : int
        Numerical rank of the design ``[X, 1]`` (``X`` without an intercept), judged on
        its columns scaled to a common norm.
    fit_intercept : bool
    collinear : tuple of str
        The columns in a linear dependency (a duplicate, a collinear combination, more
        columns than rows), by feature name and INTERCEPT_NAME; empty at full rank. The
        coefficients are then not identifiable and ``theta`` is the solution of least norm.
    """

    weights: np.ndarray
    bias: float
    rank: int
    fit_intercept: bool = True
    collinear: tuple[str, ...] = ()

    @property
    def theta(self) -> np.ndarray:
        """Weights followed by the bias if the model has one: ``(w_1, w_2)`` in the article's names."""
        return readonly(np.append(self.weights, self.bias) if self.fit_intercept else self.weights)


def design(X: np.ndarray, fit_intercept: bool) -> np.ndarray:
    """``X`` with a column of ones appended when the model has an intercept: ``[X, 1]``."""
    return np.column_stack([X, np.ones(X.shape[0])]) if fit_intercept else X


def ols(X, y, *, fit_intercept: bool = True, feature_names=None) -> OLSResult:
    """Solve ``min ||[X, 1] theta - y||^2`` (``[X]`` without an intercept), the minimum-norm solution if rank-deficient.

    Parameters
    ----------
    X : array-like of shape (m,) or (m, d)
        Finite, within ±MAX_MAGNITUDE (1e150).
    y : array-like of shape (m,)
        Finite, within ±MAX_MAGNITUDE.
    fit_intercept : bool, default True
    feature_names : sequence of d str, optional
        Names for :attr:`OLSResult.collinear`; ``x`` or ``x1`` .. ``xd`` by default.

    Returns
    -------
    OLSResult
        A rank-deficient design gives the solution of least Euclidean norm in the units
        of X, as ``np.linalg.pinv`` does, and names the columns involved.

    Examples
    --------
    >>> fit = ols([0.0, 1.0, 2.0], [1.0, 3.0, 5.0])
    >>> [round(float(v), 6) for v in fit.theta]
    [2.0, 1.0]
    >>> x = [0.0, 1.0, 2.0, 3.0]
    >>> ols(np.column_stack([x, x]), [1.0, 3.0, 5.0, 7.0], feature_names=["a", "b"]).collinear
    ('a', 'b')
    """
    X = as_2d("X", X)
    y = as_1d("y", y)
    check_same_length(X, y)
    fit_intercept = bool(fit_intercept)
    names = check_names("feature_names", feature_names, X.shape[1])
    return _solve(X, y, fit_intercept=fit_intercept, names=names, try_normal=True)


def _solve(X: np.ndarray, y: np.ndarray, *, fit_intercept: bool, names, try_normal: bool) -> OLSResult:
    """:func:`ols` on checked arrays; ``try_normal`` tries the refined normal equations first on a large design."""
    if try_normal and X.shape[0] * (X.shape[1] + fit_intercept) > REFINE_ALWAYS:
        try:
            problem = Problem._of_valid(X, y, standardize=True, fit_intercept=fit_intercept)
        except ValueError:  # a constant column, or one too narrow to standardize: the lstsq route names it
            problem = None
        fast = None if problem is None else _from_problem(problem)
        if fast is not None:
            return fast
    names = tuple(names) + ((INTERCEPT_NAME,) if fit_intercept else ())
    Xa = design(X, fit_intercept)
    scale = _power_of_two_norms(Xa)
    A = Xa / scale  # exact: a power of two only shifts exponents
    with np.errstate(all="ignore"):
        beta, _, rank, s = np.linalg.lstsq(A, y, rcond=None)
        if rank < A.shape[1]:
            theta, null = _least_norm(A, y, scale, rank)
        else:
            theta, null = _refined(A, y, beta, s) / scale, np.zeros((A.shape[1], 0))
    if not np.all(np.isfinite(theta)):
        raise ValueError("X and y are too large for float64 together: the least-squares solution overflows")
    d = X.shape[1]
    involved = np.flatnonzero(np.max(np.abs(null), axis=1, initial=0.0) > NULL_LOADING)
    return OLSResult(
        weights=readonly(theta[:d].copy()),
        bias=float(theta[d]) if fit_intercept else 0.0,
        rank=int(rank),
        fit_intercept=fit_intercept,
        collinear=tuple(names[j] for j in involved),
    )


def _from_problem(problem: Problem) -> OLSResult | None:
    """The least-squares fit from a standardized Problem of a large design, refined once; None unless it is sure.

    ``problem.theta_star`` solves the normal equations of the standardized design
    ``Za``; ``problem.refinement`` is one step of iterative refinement from the residuals,
    which takes the squared condition number of the normal equations back out. What
    remains is bounded as for a backward-stable solver, ``eps * (kappa + kappa**2 *
    tan(theta)) * ||theta||`` (``kappa``, the condition number of ``Za``, is the square
    root of that of ``A``), and kept under the rules of the ``lstsq`` route (see
    :func:`_sure`), in the units of X: each weight is divided by its column's scale, and
    the bias shifted by the weighted means. The refinement step must have been small too.
    """
    p, d = problem.n_params, problem.d
    if not problem.standardized or problem.refinement is None or problem.m * p <= REFINE_ALWAYS:
        return None
    lam, V = problem.eigenvalues, problem.eigenvectors
    if problem.rank < p or not lam[0] > 0:
        return None
    theta = problem.theta_star + problem.refinement
    original = problem.to_original(theta)
    mean, scale = problem.scaling.mean, problem.scaling.scale
    # original = T @ theta: the weights divided by the scales, then the bias less the weighted means
    T = np.diag(np.append(1.0 / scale, 1.0)[:p])
    if problem.fit_intercept:
        T[d, :d] = -mean / scale
    with np.errstate(all="ignore"):
        kappa = math.sqrt(lam[-1] / lam[0])
        fit_square = float(theta @ problem.A @ theta)  # ||Za theta||**2 / m
        tan_theta = math.sqrt(problem.loss_star / fit_square) if fit_square > 0 else math.inf
        size = float(np.linalg.norm(theta))
        error = np.finfo(float).eps * (kappa + kappa * kappa * tan_theta) * size  # of theta, normwise
        # |T e|_j <= ||e|| * ||T_j||, plus the rounding of the bias's sum
        reach = error * np.linalg.norm(T, axis=1)
        if problem.fit_intercept:
            reach[d] += np.finfo(float).eps * (d + 1) * (abs(theta[d]) + float(np.abs(original[:d]) @ np.abs(mean)))
        # Cov(theta) = s2 / m * A^-1 with s2 the mean squared residual; Cov(original) = T Cov(theta) T'
        TV = T @ V
        noise = np.sqrt(problem.loss_star / problem.m * np.sum(TV * TV / lam, axis=1))
        step = float(np.linalg.norm(problem.refinement)) / size
    if not (step <= math.sqrt(COEF_BOUND) and _sure(original, error / size, reach, noise)):
        return None
    return OLSResult(
        weights=readonly(original[:d].copy()),
        bias=float(original[d]) if problem.fit_intercept else 0.0,
        rank=p,
        fit_intercept=problem.fit_intercept,
    )


def _sure(coef: np.ndarray, bound: float, reach: np.ndarray, noise: np.ndarray) -> bool:
    """Whether a large design's solution ``coef`` is kept without refinement.

    ``bound``: the normwise error bound relative to the solution's norm, at most
    REFINE_ABOVE; ``reach``: each coefficient's error bound, at most COEF_BOUND times
    the coefficient, or times its standard error ``noise`` where that is larger.
    """
    with np.errstate(invalid="ignore"):
        scale = np.maximum(np.abs(coef), np.where(np.isfinite(noise), noise, 0.0))
        return bool(bound <= REFINE_ABOVE and np.all(np.isfinite(coef)) and np.all(reach <= COEF_BOUND * scale))


def _power_of_two_norms(A: np.ndarray) -> np.ndarray:
    """For each column, a power of two within a factor sqrt(2) of its norm (1.0 for a zero column)."""
    peak_ = np.max(np.abs(A), axis=0)
    safe = np.where(peak_ > 0, peak_, 1.0)
    norms = np.linalg.norm(A / safe, axis=0) * safe  # scaled first so that squares cannot overflow
    return np.where(norms > 0, np.exp2(np.round(np.log2(np.where(norms > 0, norms, 1.0)))), 1.0)


def _refined(A: np.ndarray, y: np.ndarray, x: np.ndarray, s: np.ndarray) -> np.ndarray:
    """``x`` refined on the augmented system, unless the design is large and the error bound small (:func:`_sure`)."""
    if A.size > REFINE_ALWAYS:
        fitted = A @ x
        size = np.linalg.norm(fitted)
        kappa = s[0] / s[-1]
        residual = y - fitted
        tan_theta = np.linalg.norm(residual) / size if size > 0 else np.inf
        bound = np.finfo(float).eps * (kappa + kappa * kappa * tan_theta)
        if bound <= REFINE_ABOVE:  # so kappa <= 4.5e3, and A'A, of condition below 2e7, inverts accurately
            noise = np.sqrt(np.mean(residual * residual) * np.diag(np.linalg.inv(A.T @ A)))
            if _sure(x, bound, np.full(x.shape, bound * np.linalg.norm(x)), noise):
                return x
    return _bjorck(A, y, x)


def _bjorck(A: np.ndarray, y: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Iterative refinement of ``r = y - A x``, ``A'r = 0`` (Björck, 1967).

    Each step computes the residuals ``f = y - r - A x`` and ``g = -A'r`` in
    ``np.longdouble`` and solves for the correction with the QR factors of ``A``. Where
    longdouble is float64 (Windows, macOS on arm64) the steps still help, but less.
    """
    Q, R = np.linalg.qr(A)
    r = y - A @ x
    A_ext, y_ext = A.astype(np.longdouble), y.astype(np.longdouble)
    previous = np.inf
    for _ in range(MAX_REFINEMENTS):
        f = np.asarray(y_ext - r - A_ext @ x, dtype=np.float64)
        g = -np.asarray(A_ext.T @ r, dtype=np.float64)
        dx = np.linalg.solve(R, Q.T @ f - np.linalg.solve(R.T, g))
        step = np.linalg.norm(dx)
        if not step < previous:  # no longer contracting
            break
        x, r, previous = x + dx, r + (f - A @ dx), step
        if step <= np.finfo(float).eps * np.linalg.norm(x):
            break
    return x


def _least_norm(A: np.ndarray, y: np.ndarray, scale: np.ndarray, rank: int) -> tuple[np.ndarray, np.ndarray]:
    """The least-squares solution of least norm in the original units, and the null space of the scaled ``A``.

    ``A = Xa / scale``, so the null space of ``Xa`` is that of ``A`` divided by ``scale``;
    removing its component from any solution leaves the one of least norm, as ``pinv`` gives.
    """
    m, p = A.shape
    U, s, Vt = np.linalg.svd(A, full_matrices=m < p)
    k = rank
    beta = Vt[:k].T @ ((U[:, :k].T @ y) / s[:k])
    null = Vt[k:].T
    theta = beta / scale
    basis, _ = np.linalg.qr(null / scale[:, None])
    return theta - basis @ (basis.T @ theta), null


def predict(X, weights, bias: float = 0.0) -> np.ndarray:
    """Return ``X @ weights + bias`` for X of shape (m,) or (m, d).

    ``X`` must be finite and within ±MAX_MAGNITUDE (1e150); ``weights`` and ``bias``
    finite, of any size that keeps the predictions finite.

    Examples
    --------
    >>> predict([0.0, 2.0], [3.0], 1.0)
    array([1., 7.])
    """
    X = as_2d("X", X)
    weights = as_1d("weights", weights, limit=None)
    bias = check_float("bias", bias.item() if isinstance(bias, np.ndarray) and bias.ndim == 0 else bias)
    if weights.shape[0] != X.shape[1]:
        raise ValueError(f"weights must have {X.shape[1]} entries to match X, got {weights.shape[0]}")
    with np.errstate(all="ignore"):
        out = X @ weights + bias
    if not np.all(np.isfinite(out)):
        raise ValueError(
            f"weights must keep X @ weights + bias finite in float64, got weights up to {peak(weights):.3g} "
            f"for X up to {peak(X):.3g}"
        )
    return out
