"""The training MSE of a linear model as a quadratic in its parameters: one object per run.

With the design matrix ``Xa = [Z, 1]`` (or ``Xa = Z`` without an intercept), where
``Z`` is ``X`` as gradient descent sees it (standardized or not), and ``m`` rows:

    MSE(theta) = theta' A theta - 2 b' theta + c,   A = Xa'Xa / m,  b = Xa'y / m,  c = mean(y**2).

``A`` is the Hessian of MSE/2, the loss whose gradient the article's update uses.
Everything gradient descent does depends on the data only through ``A`` and ``b``, so
GD, the diagnostics and the figures share one :class:`Problem` and its eigenbasis.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from linreg._validation import MIN_SPREAD, as_1d, as_2d, check_same_length, readonly
from linreg.data import THREADED_ROWS, _drain, _on_two_threads, _order


@dataclass(frozen=True)
class Scaling:
    """Per-column shift and scale of the features; the identity when not standardizing."""

    mean: np.ndarray
    scale: np.ndarray

    @classmethod
    def fit(cls, X: np.ndarray, *, standardize: bool, center: bool = True) -> Scaling:
        """Identity scaling, or each column's mean and standard deviation (root mean square if not ``center``).

        Without an intercept there is no bias to absorb a shift, so centring would change
        the model: the columns are then only divided by their root mean square, which
        gives the Hessian a unit diagonal as standardizing does.
        """
        d = X.shape[1]
        if not standardize:
            return cls(mean=np.zeros(d), scale=np.ones(d))
        return _scaling(X, center=center)

    @property
    def is_identity(self) -> bool:
        return not np.any(self.mean) and bool(np.all(self.scale == 1.0))

    def transform(self, X: np.ndarray) -> np.ndarray:
        return X if self.is_identity else (X - self.mean) / self.scale


BLOCK_BYTES = 1 << 21
"""About how many bytes of rows a Problem standardizes at a time when it passes over the data.

Each pass (the scaling's, the moments', the residuals') works on one block of rows in
a buffer that stays in the CPU's cache (2 MB: a core's L2 here; one buffer per thread
where two share the blocks, see :func:`_each_block`), so that no temporary
as large as X is made: allocating one costs more than the arithmetic on it, on the
first touch of its pages. Blocks much larger measured up to twice as slow when another
process kept one of the two cores busy; much smaller ones, slower for the calls.
"""


def _blocks(X: np.ndarray) -> range:
    return range(0, X.shape[0], _block_rows(X))


def _block_rows(X: np.ndarray) -> int:
    return max(4096, BLOCK_BYTES // (8 * X.shape[1]))


def _buffer(X: np.ndarray) -> np.ndarray:
    """A block's worth of rows, in the memory order of ``X``, so that the elementwise passes run along memory."""
    return np.empty((min(_block_rows(X), X.shape[0]), X.shape[1]), order=_order(X))


def _room(buffer: np.ndarray, rows: int) -> np.ndarray:
    """The first ``rows`` rows' worth of ``buffer`` as a contiguous array in its memory order.

    ``buffer[:rows]`` of a column-ordered buffer is not contiguous (its columns keep the
    buffer's stride); a contiguous block is what :func:`_dot` needs.
    """
    if rows == buffer.shape[0]:
        return buffer
    order = _order(buffer)
    return buffer.reshape(-1, order=order)[: rows * buffer.shape[1]].reshape((rows, buffer.shape[1]), order=order)


def _dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` for a block ``a`` (or its transpose) contiguous in memory, by ``np.dot``.

    The two call the same BLAS routine and give the same bits on contiguous operands
    (``np.dot`` would copy a strided one into another memory order, and round otherwise),
    but only ``np.dot`` releases the GIL for products of these shapes (a few columns by
    thousands of rows): with ``@`` the two threads of :func:`_each_block` took turns.
    """
    return np.dot(a, b)


THREADED_COLUMNS = 24
"""Up to how many columns a Problem's passes run on two threads (from THREADED_ROWS rows).

Wider blocks' products are large enough for BLAS to spread each over both cores itself,
and two threads calling it at once then contend for its threads: on 800,000 rows, two
threads took 36 -> 21 ms at 9 columns and 98 -> 52 ms at 24, but 123 -> 109 ms at 28,
156 -> 128 ms at 32, and were slower from 34 (163 -> 185 ms; 276 -> 340 ms at 40).
"""


def _each_block(X: np.ndarray, work) -> list:
    """``work(r, buffer)`` for the block of rows of ``X`` from each ``r`` of :func:`_blocks`, in block order.

    A pass over the data keeps one result per block (a few numbers per column) and adds
    them up afterwards in block order, so that its sums do not depend on who computed
    which block. From THREADED_ROWS rows of at most THREADED_COLUMNS columns, in more
    than one block, two threads take the blocks from one queue (NumPy's ufuncs,
    reductions and matrix products release the GIL), each with its own buffer; one
    slowed down by another process leaves more blocks to the other, and the results are
    still the single thread's, bit for bit.
    """
    starts = _blocks(X)
    if X.shape[0] < THREADED_ROWS or X.shape[1] > THREADED_COLUMNS or len(starts) < 2:
        buffer = _buffer(X)
        return [work(r, buffer) for r in starts]
    results = [None] * len(starts)
    queue = deque(enumerate(starts))

    def works() -> None:
        buffer = _buffer(X)

        def one(i: int, r: int) -> None:
            results[i] = work(r, buffer)

        _drain(queue, one)

    _on_two_threads(works)
    return results


def _scaling(X: np.ndarray, *, center: bool) -> Scaling:
    """Each column's mean and standard deviation (root mean square if not ``center``), block by block.

    Two passes: each block's minimum, maximum and sum while the block is in the cache,
    then the squares of the deviations from the mean (a two-pass variance).
    """
    m, d = X.shape
    lo, hi = np.full(d, np.inf), np.full(d, -np.inf)
    mean, squares = np.zeros(d), np.zeros(d)

    def extremes(r: int, buffer: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        block = X[r : r + len(buffer)]
        return block.min(axis=0), block.max(axis=0), block.sum(axis=0) if center else None

    def deviations(r: int, buffer: np.ndarray) -> np.ndarray:
        block = X[r : r + len(buffer)]
        deviation = np.subtract(block, mean, out=_room(buffer, block.shape[0]))
        return np.multiply(deviation, deviation, out=deviation).sum(axis=0)

    with np.errstate(over="ignore", invalid="ignore"):
        for low, high, total in _each_block(X, extremes):
            np.minimum(lo, low, out=lo)
            np.maximum(hi, high, out=hi)
            if center:
                mean += total
    if center:
        _check_spread(X, hi - lo)
    else:
        _check_magnitude(X, np.maximum(-lo, hi))
    with np.errstate(over="ignore"):
        if center:
            mean /= m
        for part in _each_block(X, deviations):
            squares += part
        scale = np.sqrt(squares / m)
    if center and not np.all(np.isfinite(scale)):
        raise ValueError("x is too large to standardize: its variance overflows float64; rescale it")
    return Scaling(mean=mean, scale=scale)


def _standardized(X: np.ndarray, r: int, scaling: Scaling, buffer: np.ndarray) -> np.ndarray:
    """The block of rows from ``r`` of ``Z = (X - mean) / scale``, contiguous in the memory order of X for :func:`_dot`:
    for the identity scaling a view of X where that is contiguous (a row-ordered X), else a copy in ``buffer``."""
    block = X[r : r + len(buffer)]
    if scaling.is_identity and (block.flags.c_contiguous or block.flags.f_contiguous):
        return block
    out = _room(buffer, block.shape[0])
    if scaling.is_identity:
        np.copyto(out, block)
        return out
    np.subtract(block, scaling.mean, out=out)
    return np.divide(out, scaling.scale, out=out)


def _check_spread(X: np.ndarray, spread: np.ndarray) -> None:
    """Raise unless every column of ``X`` spans at least MIN_SPREAD (``spread``: its ``max - min``)."""
    narrow = np.flatnonzero(~(spread >= MIN_SPREAD))
    if not narrow.size:
        return
    j = int(narrow[0])
    if spread[j] == 0:
        raise ValueError(
            f"x must vary to be standardized: column {j} has zero variance (every value is {float(X[0, j])!r})"
        )
    raise ValueError(
        f"x must span at least {MIN_SPREAD:g} to be standardized: column {j} spans {float(spread[j])!r}, "
        "so its variance would be rounding noise"
    )


def _check_magnitude(X: np.ndarray, peak: np.ndarray) -> None:
    """Raise unless every column of ``X`` has a value of magnitude at least MIN_SPREAD (``peak``: its largest)."""
    small = np.flatnonzero(~(peak >= MIN_SPREAD))
    if small.size:
        j = int(small[0])
        raise ValueError(
            f"x must not be all zero to be scaled: column {j} has no value beyond ±{MIN_SPREAD:g}, "
            "so its root mean square would be rounding noise"
        )


@dataclass(frozen=True)
class Problem:
    """The quadratic that gradient descent minimizes, with its Hessian's eigenbasis, built once per run.

    Conventions
    -----------
    ``theta`` lives in the coordinates gradient descent runs in: the weights of the
    scaled features ``Z = (X - scaling.mean) / scaling.scale``, then the bias when
    ``fit_intercept``; shape ``(n_params,)``. :meth:`to_original` and :meth:`to_scaled`
    convert to and from the units of ``X``. :meth:`loss` is the MSE; ``A`` is the
    Hessian of MSE/2 and :meth:`gradient` its gradient, the direction of the article's
    update ``theta <- theta - lr * gradient(theta)``.

    Attributes
    ----------
    X : ndarray of shape (m, d)
        The features in their original units. ``y`` : ndarray of shape (m,).
    scaling : Scaling
    standardized, fit_intercept : bool
    A : ndarray of shape (n_params, n_params)
        ``Xa'Xa / m``. ``b`` : ndarray of shape (n_params,), ``Xa'y / m``. ``c`` : float, ``mean(y**2)``.
    m : int
    eigenvalues, eigenvectors : ndarray
        Of ``A``, ascending; eigenvalues within rounding noise of zero are set to zero.
    theta_star : ndarray of shape (n_params,)
        The minimizer of least norm, in scaled coordinates. ``loss_star`` : float, the MSE there.
    rank : int
        How many parameters the data determine: the eigenvalues above rounding noise of
        ``A`` with its columns equilibrated (``A_ij / sqrt(A_ii A_jj)``), so that the units
        of the features do not matter. The Hessian squares the design's condition number,
        so a design whose condition number exceeds about 1e8 is numerically singular here.
    refinement : ndarray of shape (n_params,) or None
        One step of iterative refinement of ``theta_star`` (Björck's, on the normal
        equations, in working precision): ``A^+ Xa'r / m`` with the residuals ``r`` at
        ``theta_star`` computed from the data, not from ``A`` and ``b``. Its size is the
        error of ``theta_star`` as far as ``A`` resolves it; :func:`~linreg.ols` adds it
        to ``theta_star`` when the data are large and well conditioned.
    """

    X: np.ndarray
    y: np.ndarray
    scaling: Scaling
    standardized: bool
    fit_intercept: bool
    A: np.ndarray
    b: np.ndarray
    c: float
    m: int
    eigenvalues: np.ndarray
    eigenvectors: np.ndarray
    theta_star: np.ndarray
    loss_star: float
    rank: int
    refinement: np.ndarray | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_data(cls, X, y, *, standardize: bool = False, fit_intercept: bool = True) -> Problem:
        """Build the problem of fitting ``y ~ X w (+ bias)``; raises ``ValueError`` on invalid data.

        Parameters
        ----------
        X : array-like of shape (m,) or (m, d)
            Finite, within ±MAX_MAGNITUDE (1e150). With ``standardize`` each column must
            span at least MIN_SPREAD (1e-150), or without an intercept reach it.
        y : array-like of shape (m,)
            Finite, within ±MAX_MAGNITUDE.
        standardize : bool, default False
            Run on standardized columns (only scaled, not centred, without an intercept).
        fit_intercept : bool, default True

        Examples
        --------
        >>> p = Problem.from_data([0.0, 1.0, 2.0], [1.0, 3.0, 5.0])
        >>> [round(float(t), 6) for t in p.theta_star], p.loss(p.theta_star) < 1e-20
        ([2.0, 1.0], True)
        """
        X = as_2d("X", X)
        y = as_1d("y", y)
        check_same_length(X, y)
        return cls._of_valid(X, y, standardize=bool(standardize), fit_intercept=bool(fit_intercept))

    @classmethod
    def _of_valid(cls, X: np.ndarray, y: np.ndarray, *, standardize: bool, fit_intercept: bool) -> Problem:
        """:meth:`from_data` for arrays already checked: float64, finite, within ±MAX_MAGNITUDE, same length."""
        d = X.shape[1]
        scaling = _scaling(X, center=fit_intercept) if standardize else Scaling(mean=np.zeros(d), scale=np.ones(d))
        A, b = _moments(X, y, scaling, fit_intercept)
        lam, V = np.linalg.eigh(A)
        lam = np.where(lam > _null_cutoff(lam), lam, 0.0)
        theta_star, loss_star, refinement = _minimum(X, y, scaling, lam, V, b, fit_intercept)
        with np.errstate(over="ignore"):
            c = float(np.mean(y * y))
        return cls(
            X=readonly(X),
            y=readonly(y),
            scaling=scaling,
            standardized=bool(standardize),
            fit_intercept=fit_intercept,
            A=readonly(A),
            b=readonly(b),
            c=c,
            m=X.shape[0],
            eigenvalues=readonly(lam),
            eigenvectors=readonly(V),
            theta_star=readonly(theta_star),
            loss_star=loss_star,
            rank=_rank(A),
            refinement=readonly(refinement),
        )

    @property
    def d(self) -> int:
        """Number of features."""
        return self.X.shape[1]

    @property
    def n_params(self) -> int:
        """Number of parameters: ``d + 1`` with an intercept, ``d`` without."""
        return self.d + int(self.fit_intercept)

    @property
    def lam_max(self) -> float:
        return float(self.eigenvalues[-1])

    @property
    def lam_min(self) -> float:
        return float(self.eigenvalues[0])

    @property
    def max_stable_lr(self) -> float:
        """``2 / lam_max``: gradient descent converges only below it."""
        return 2.0 / self.lam_max if self.lam_max > 0 else math.inf

    @property
    def suggested_lr(self) -> float:
        """The fastest constant rate ``2 / (lam_min + lam_max)``, rounded down to two significant digits."""
        return suggest_lr(self.eigenvalues)

    def loss(self, theta) -> float:
        """The training MSE at ``theta`` (scaled coordinates), through the eigenbasis so that no precision is lost."""
        c = self.eigenvectors.T @ (np.asarray(theta, dtype=np.float64) - self.theta_star)
        return self.loss_star + float(self.eigenvalues @ (c * c))

    def gradient(self, theta) -> np.ndarray:
        """The gradient of MSE/2 at ``theta`` (scaled coordinates): ``A theta - b``."""
        return self.A @ np.asarray(theta, dtype=np.float64) - self.b

    def to_original(self, theta) -> np.ndarray:
        """Parameters in scaled coordinates mapped to the units of ``X``, along the last axis."""
        theta = np.asarray(theta, dtype=np.float64)
        d = self.d
        with np.errstate(over="ignore", invalid="ignore"):
            w = theta[..., :d] / self.scaling.scale
            if not self.fit_intercept:
                return w
            bias = theta[..., d] - w @ self.scaling.mean
        return np.concatenate([w, bias[..., None]], axis=-1)

    def to_scaled(self, theta) -> np.ndarray:
        """Parameters in the units of ``X``, shape (n_params,), mapped to scaled coordinates."""
        theta = np.asarray(theta, dtype=np.float64)
        d = self.d
        with np.errstate(over="ignore", invalid="ignore"):
            w = theta[:d] * self.scaling.scale
            if not self.fit_intercept:
                return w
            return np.append(w, theta[d] + theta[:d] @ self.scaling.mean)


def suggest_lr(eigenvalues: np.ndarray) -> float:
    """The optimal constant rate ``2 / (lam_min + lam_max)`` over the positive eigenvalues, rounded down
    to two significant digits (1.0 when every eigenvalue is zero).

    The result is the float nearest that two-digit decimal (``0.93``, not ``93 * 0.01``,
    which is 0.9300000000000001): the number a slider of two-digit rates, or a person,
    writes for it.
    """
    nonzero = eigenvalues[eigenvalues > 0]
    if nonzero.size == 0:
        return 1.0
    best = 2.0 / (nonzero[0] + nonzero[-1])
    exponent = math.floor(math.log10(best)) - 1
    return float(f"{math.floor(best / 10.0**exponent)}e{exponent}")


def _moments(X: np.ndarray, y: np.ndarray, scaling: Scaling, fit_intercept: bool) -> tuple[np.ndarray, np.ndarray]:
    """``A = Xa'Xa / m`` and ``b = Xa'y / m`` for ``Xa = [Z, 1]`` (or ``Z``), block by block, never building ``Z``."""
    m, d = X.shape
    p = d + int(fit_intercept)
    A, b = np.zeros((p, p)), np.zeros(p)

    def products(r: int, buffer: np.ndarray) -> tuple:
        Z, part = _standardized(X, r, scaling, buffer), y[r : r + len(buffer)]
        sums = (Z.sum(axis=0), part.sum()) if fit_intercept else (None, None)
        return _dot(Z.T, Z), _dot(Z.T, part), *sums

    with np.errstate(all="ignore"):
        for gram, cross, column_sums, total in _each_block(X, products):
            A[:d, :d] += gram
            b[:d] += cross
            if fit_intercept:
                A[d, :d] += column_sums
                b[d] += total
        if fit_intercept:
            A[:d, d] = A[d, :d]
            A[d, d] = m
    if not (np.all(np.isfinite(A)) and np.all(np.isfinite(b))):
        raise ValueError("X and y are too large for float64: their products overflow; rescale them")
    return A / m, b / m


def _minimum(X, y, scaling: Scaling, lam, V, b, fit_intercept: bool) -> tuple[np.ndarray, float, np.ndarray]:
    """The least-norm minimizer ``A^+ b``, the MSE there, computed from the residuals, and a refinement step.

    The step is ``A^+ Za'r / m`` for the residuals ``r`` at the minimizer: the error of
    the minimizer as far as ``A`` resolves it (Björck's refinement of the normal
    equations, in working precision), for :func:`linreg.ols` to use or not. One pass
    over the data, block by block, gives both.
    """
    inv = np.divide(1.0, lam, out=np.zeros_like(lam), where=lam > 0)
    m, d = X.shape
    squares, g = 0.0, np.zeros(d + int(fit_intercept))

    def residuals(r: int, buffer: np.ndarray) -> tuple:
        Z = _standardized(X, r, scaling, buffer)
        residual = _dot(Z, theta_star[:d])
        np.subtract(y[r : r + len(buffer)], residual, out=residual)
        total = None
        if fit_intercept:
            residual -= theta_star[d]
            total = residual.sum()
        return total, float(np.sum(residual * residual)), _dot(Z.T, residual)

    with np.errstate(all="ignore"):
        theta_star = V @ (inv * (V.T @ b))
        for total, square, cross in _each_block(X, residuals):
            if fit_intercept:
                g[d] += total
            squares += square
            g[:d] += cross
        loss_star = squares / m
        refinement = V @ (inv * (V.T @ (g / m)))
    if not np.isfinite(loss_star):
        raise ValueError("y is too large for float64: its mean square overflows; rescale it")
    return theta_star, loss_star, refinement


def _rank(A: np.ndarray) -> int:
    """Eigenvalues above rounding noise of ``A`` with equilibrated columns; an all-zero column counts as null."""
    diag = np.diag(A)
    root = np.sqrt(np.where(diag > 0, diag, 1.0))
    with np.errstate(all="ignore"):
        mu = np.linalg.eigvalsh(A / root[:, None] / root[None, :])
    return int(np.count_nonzero(mu > _null_cutoff(mu)))


def _null_cutoff(lam: np.ndarray) -> float:
    """Eigenvalues below this are rounding noise of a singular Hessian and count as zero."""
    return max(float(lam[-1]), 0.0) * lam.size * np.finfo(float).eps * 10
