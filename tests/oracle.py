"""The reference implementation: the article's loop, generalised to d features.

Tests compare ``linreg`` against it number for number.
"""

from __future__ import annotations

import numpy as np


def literal_loop(X, y, *, lr, n_iters, theta0=None, standardize=False):
    """Run the article's update ``w <- w - lr * mean(error * x)`` literally.

    Returns ``(thetas, losses)``: the parameters after 0..K updates, in the original
    units, shape (K + 1, d + 1), and the training MSE at each of them, shape (K + 1,).
    """
    X = np.asarray(X, dtype=float).reshape(len(y), -1)
    y = np.asarray(y, dtype=float)
    mean, scale = (X.mean(axis=0), X.std(axis=0)) if standardize else (np.zeros(X.shape[1]), np.ones(X.shape[1]))
    Xa = np.column_stack([(X - mean) / scale, np.ones(len(y))])
    theta = np.zeros(Xa.shape[1]) if theta0 is None else _to_scaled(np.asarray(theta0, float), mean, scale)
    thetas, losses = [theta], []
    for _ in range(n_iters):
        error = Xa @ theta - y
        losses.append(np.mean(error**2))
        theta = theta - lr * np.mean(error[:, None] * Xa, axis=0)
        thetas.append(theta)
    losses.append(np.mean((Xa @ theta - y) ** 2))
    return _to_original(np.array(thetas), mean, scale), np.array(losses)


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
