"""The reference implementation: the article's loop, generalised to d features.

Tests compare ``linreg`` against it number for number.
"""

from __future__ import annotations

import numpy as np


def literal_loop(X, y, *, lr, n_iters, theta0=None, standardize=False, fit_intercept=True):
    """Run the article's update ``w <- w - lr * mean(error * x)`` literally.

    Returns ``(thetas, losses)``: the parameters after 0..K updates, in the original
    units, shape (K + 1, d + 1) (weights then bias; (K + 1, d) without an intercept),
    and the training MSE at each of them, shape (K + 1,). Without an intercept,
    standardizing divides each column by its root mean square and does not centre it.
    """
    X = np.asarray(X, dtype=float).reshape(len(y), -1)
    y = np.asarray(y, dtype=float)
    d = X.shape[1]
    mean, scale = np.zeros(d), np.ones(d)
    if standardize and fit_intercept:
        mean, scale = X.mean(axis=0), X.std(axis=0)
    elif standardize:
        scale = np.sqrt(np.mean(X**2, axis=0))
    Z = (X - mean) / scale
    Xa = np.column_stack([Z, np.ones(len(y))]) if fit_intercept else Z
    if theta0 is None:
        theta = np.zeros(Xa.shape[1])
    elif fit_intercept:
        theta = _to_scaled(np.asarray(theta0, float), mean, scale)
    else:
        theta = np.asarray(theta0, float) * scale
    thetas, losses = [theta], []
    for _ in range(n_iters):
        error = Xa @ theta - y
        losses.append(np.mean(error**2))
        theta = theta - lr * np.mean(error[:, None] * Xa, axis=0)
        thetas.append(theta)
    losses.append(np.mean((Xa @ theta - y) ** 2))
    thetas = np.array(thetas)
    return (_to_original(thetas, mean, scale) if fit_intercept else thetas / scale), np.array(losses)


def tol_stop(losses, tol):
    """First update k whose relative improvement ``(L[k-1] - L[k]) / L[k-1]`` is below tol, else None."""
    below = np.flatnonzero(~(relative_gains(losses) >= tol))  # 0/0 at an exact fit counts as below
    return int(below[0]) + 1 if below.size else None


def relative_gains(losses):
    with np.errstate(invalid="ignore", divide="ignore"):
        return (losses[:-1] - losses[1:]) / losses[:-1]


def _to_scaled(theta, mean, scale):
    return np.append(theta[:-1] * scale, theta[-1] + theta[:-1] @ mean)


def _to_original(thetas, mean, scale):
    w = thetas[:, :-1] / scale
    return np.column_stack([w, thetas[:, -1] - w @ mean])
