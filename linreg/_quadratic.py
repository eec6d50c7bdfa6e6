"""The training MSE of a linear model as a quadratic in its parameters.

With ``theta = (w_1, ..., w_d, bias)`` and the design matrix ``Xa = [X, 1]``:

    MSE(theta) = theta' A theta - 2 b' theta + mean(y**2),  A = Xa'Xa / m,  b = Xa'y / m.

``A`` is the Hessian of MSE/2, the loss whose gradient the article's update uses.
Everything gradient descent does depends on the data only through ``A`` and ``b``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from linreg._validation import MIN_SPREAD, readonly


@dataclass(frozen=True)
class Scaling:
    """Per-column mean and scale; the identity when not standardizing."""

    mean: np.ndarray
    scale: np.ndarray

    @classmethod
    def fit(cls, X: np.ndarray, *, standardize: bool) -> Scaling:
        """Identity scaling, or the column means and standard deviations of ``X``.

        Standardizing needs each column to span at least MIN_SPREAD, so that its
        variance is not rounding noise.
        """
        d = X.shape[1]
        if not standardize:
            return cls(mean=np.zeros(d), scale=np.ones(d))
        _check_spread(X)
        mean = X.mean(axis=0)
        with np.errstate(over="ignore"):
            scale = X.std(axis=0)
        if not np.all(np.isfinite(scale)):
            raise ValueError("x is too large to standardize: its variance overflows float64; rescale it")
        return cls(mean=mean, scale=scale)

    def transform(self, X: np.ndarray) -> np.ndarray:
        if not np.any(self.mean) and np.all(self.scale == 1.0):
            return X
        return (X - self.mean) / self.scale

    def theta_to_original(self, theta: np.ndarray) -> np.ndarray:
        """Map parameters fitted on scaled features back to the original units (last axis)."""
        with np.errstate(over="ignore", invalid="ignore"):
            w = theta[..., :-1] / self.scale
            bias = theta[..., -1] - w @ self.mean
        return np.concatenate([w, bias[..., None]], axis=-1)

    def theta_to_scaled(self, theta: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore", invalid="ignore"):
            w = theta[:-1] * self.scale
            bias = theta[-1] + theta[:-1] @ self.mean
        return np.append(w, bias)


def _check_spread(X: np.ndarray) -> None:
    """Raise unless every column of ``X`` spans at least MIN_SPREAD."""
    spread = np.ptp(X, axis=0)
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


@dataclass(frozen=True)
class Quadratic:
    """Sufficient statistics of the MSE, the eigenbasis of its Hessian and its minimizer."""

    A: np.ndarray
    b: np.ndarray
    eigenvalues: np.ndarray
    eigenvectors: np.ndarray
    theta_star: np.ndarray
    loss_star: float

    @classmethod
    def from_data(cls, X: np.ndarray, y: np.ndarray) -> Quadratic:
        A, b = _moments(X, y)
        lam, V = np.linalg.eigh(A)
        lam = np.where(lam > _null_cutoff(lam), lam, 0.0)
        inv = np.divide(1.0, lam, out=np.zeros_like(lam), where=lam > 0)
        with np.errstate(all="ignore"):
            theta_star = V @ (inv * (V.T @ b))
            residual = y - X @ theta_star[:-1] - theta_star[-1]
            loss_star = float(np.mean(residual * residual))
        if not np.isfinite(loss_star):
            raise ValueError("y is too large for float64: its mean square overflows; rescale it")
        return cls(*(readonly(a) for a in (A, b, lam, V, theta_star)), loss_star=loss_star)

    @property
    def lam_max(self) -> float:
        return float(self.eigenvalues[-1])

    @property
    def lam_min(self) -> float:
        return float(self.eigenvalues[0])

    def loss(self, theta: np.ndarray) -> float:
        """Training MSE at ``theta``, through the eigenbasis so that no precision is lost."""
        c = self.eigenvectors.T @ (theta - self.theta_star)
        return self.loss_star + float(self.eigenvalues @ (c * c))


def _moments(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``A = Xa'Xa / m`` and ``b = Xa'y / m`` for ``Xa = [X, 1]``, without building ``Xa``."""
    m, d = X.shape
    A = np.empty((d + 1, d + 1))
    with np.errstate(all="ignore"):
        A[:d, :d] = X.T @ X
        A[:d, d] = A[d, :d] = X.sum(axis=0)
        A[d, d] = m
        b = np.append(X.T @ y, y.sum())
    if not (np.all(np.isfinite(A)) and np.all(np.isfinite(b))):
        raise ValueError("X and y are too large for float64: their products overflow; rescale them")
    return A / m, b / m


def _null_cutoff(lam: np.ndarray) -> float:
    """Eigenvalues below this are rounding noise of a singular Hessian and count as zero."""
    return max(float(lam[-1]), 0.0) * lam.size * np.finfo(float).eps * 10
