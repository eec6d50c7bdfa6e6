"""Closed-form least squares: the minimum that gradient descent approaches."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from linreg._validation import as_1d, as_2d, check_float, check_same_length, peak, readonly


@dataclass(frozen=True)
class OLSResult:
    """Least-squares weights and bias, with the rank of the design matrix ``[X, 1]``."""

    weights: np.ndarray
    bias: float
    rank: int

    @property
    def theta(self) -> np.ndarray:
        """Weights followed by the bias: ``(w_1, w_2)`` in the article's names."""
        return readonly(np.append(self.weights, self.bias))


def ols(X, y) -> OLSResult:
    """Solve ``min ||[X, 1] theta - y||^2`` with ``np.linalg.lstsq`` (minimum norm if rank-deficient).

    Parameters
    ----------
    X : array-like of shape (m,) or (m, d)
        Finite, within ±MAX_MAGNITUDE (1e150).
    y : array-like of shape (m,)
        Finite, within ±MAX_MAGNITUDE.

    Examples
    --------
    >>> fit = ols([0.0, 1.0, 2.0], [1.0, 3.0, 5.0])
    >>> [round(float(v), 6) for v in fit.theta]
    [2.0, 1.0]
    """
    X = as_2d("X", X)
    y = as_1d("y", y)
    check_same_length(X, y)
    Xa = np.column_stack([X, np.ones(X.shape[0])])
    theta, _, rank, _ = np.linalg.lstsq(Xa, y, rcond=None)
    if not np.all(np.isfinite(theta)):
        raise ValueError("X and y are too large for float64 together: the least-squares solution overflows")
    return OLSResult(weights=readonly(theta[:-1]), bias=float(theta[-1]), rank=int(rank))


def predict(X, weights, bias: float) -> np.ndarray:
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
