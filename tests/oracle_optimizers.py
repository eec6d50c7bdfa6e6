"""Reference loops for every optimizer: one literal update per step on the raw rows X, y.

Each returns ``(thetas, losses)`` like :func:`oracle.literal_loop`: the parameters after
0..K updates in the original units (weights then bias) and the training MSE at each.
``lrs`` holds the rate of each step. Mini-batches: epoch e visits the rows in the order
of the e-th ``rng.permutation(m)`` of ``numpy.random.default_rng(seed)``, cut into
batches of ``batch_size`` rows (the last one possibly shorter).
"""

from __future__ import annotations

import numpy as np


def design(X, y, standardize=False):
    """``Xa = [Z, 1]`` with ``Z`` the (standardized) features, and the map of scaled parameters to original units."""
    X = np.asarray(X, dtype=float).reshape(len(y), -1)
    mean, scale = (X.mean(axis=0), X.std(axis=0)) if standardize else (np.zeros(X.shape[1]), np.ones(X.shape[1]))
    Xa = np.column_stack([(X - mean) / scale, np.ones(len(y))])

    def original(thetas):
        w = thetas[:, :-1] / scale
        return np.column_stack([w, thetas[:, -1] - w @ mean])

    return Xa, np.asarray(y, dtype=float), original


def gradient(Xa, y, theta, rows=None):
    """``mean((Xa theta - y) * Xa)`` over ``rows`` (all by default): the gradient of MSE/2."""
    if rows is not None:
        Xa, y = Xa[rows], y[rows]
    error = Xa @ theta - y
    return np.mean(error[:, None] * Xa, axis=0)


def batches(m, batch_size, n_iters, seed):
    """Each step's rows: reshuffle every epoch, cut into consecutive batches."""
    rng = np.random.default_rng(seed)
    out = []
    while len(out) < n_iters:
        order = rng.permutation(m)
        out.extend(order[i : i + batch_size] for i in range(0, m, batch_size))
    return out[:n_iters]


def _finish(Xa, y, original, thetas):
    thetas = np.array(thetas)
    losses = np.array([np.mean((Xa @ t - y) ** 2) for t in thetas])
    return original(thetas), losses


def momentum_loop(X, y, *, lrs, beta, nesterov=False, standardize=False, theta0=None):
    """Heavy ball, or Nesterov; ``theta0`` (scaled units, zeros by default) is also ``theta_{-1}``."""
    Xa, y, original = design(X, y, standardize)
    theta = previous = np.zeros(Xa.shape[1]) if theta0 is None else np.asarray(theta0, dtype=float)
    thetas = [theta]
    for lr in lrs:
        if nesterov:
            ahead = theta + beta * (theta - previous)
            new = ahead - lr * gradient(Xa, y, ahead)
        else:
            new = theta - lr * gradient(Xa, y, theta) + beta * (theta - previous)
        previous, theta = theta, new
        thetas.append(theta)
    return _finish(Xa, y, original, thetas)


def sgd_loop(X, y, *, lrs, batch_size, seed, standardize=False):
    Xa, y, original = design(X, y, standardize)
    theta = np.zeros(Xa.shape[1])
    thetas = [theta]
    for lr, rows in zip(lrs, batches(len(y), batch_size, len(lrs), seed), strict=True):
        theta = theta - lr * gradient(Xa, y, theta, rows)
        thetas.append(theta)
    return _finish(Xa, y, original, thetas)


def adam_loop(X, y, *, lrs, beta1=0.9, beta2=0.999, eps=1e-8, batch_size=None, seed=0, standardize=False):
    Xa, y, original = design(X, y, standardize)
    theta = np.zeros(Xa.shape[1])
    m, v = np.zeros_like(theta), np.zeros_like(theta)
    rows = batches(len(y), batch_size, len(lrs), seed) if batch_size else [None] * len(lrs)
    thetas = [theta]
    for t, (lr, batch) in enumerate(zip(lrs, rows, strict=True), start=1):
        g = gradient(Xa, y, theta, batch)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
        theta = theta - lr * m_hat / (np.sqrt(v_hat) + eps)
        thetas.append(theta)
    return _finish(Xa, y, original, thetas)


def rmsprop_loop(X, y, *, lrs, rho=0.9, eps=1e-8, batch_size=None, seed=0, standardize=False):
    return _scaled_step_loop(X, y, lrs, lambda v, g: rho * v + (1 - rho) * g**2, eps, batch_size, seed, standardize)


def adagrad_loop(X, y, *, lrs, eps=1e-8, batch_size=None, seed=0, standardize=False):
    return _scaled_step_loop(X, y, lrs, lambda v, g: v + g**2, eps, batch_size, seed, standardize)


def _scaled_step_loop(X, y, lrs, accumulate, eps, batch_size, seed, standardize):
    """``v = accumulate(v, g)``, ``theta -= lr g / (sqrt(v) + eps)``: RMSProp and AdaGrad."""
    Xa, y, original = design(X, y, standardize)
    theta = np.zeros(Xa.shape[1])
    v = np.zeros_like(theta)
    rows = batches(len(y), batch_size, len(lrs), seed) if batch_size else [None] * len(lrs)
    thetas = [theta]
    for lr, batch in zip(lrs, rows, strict=True):
        g = gradient(Xa, y, theta, batch)
        v = accumulate(v, g)
        theta = theta - lr * g / (np.sqrt(v) + eps)
        thetas.append(theta)
    return _finish(Xa, y, original, thetas)
