"""A standalone NumPy script that reproduces one run with the article's literal loop."""

from __future__ import annotations

from linreg import EXPLODE_FACTOR, ExperimentParams

_TEMPLATE = '''\
"""Linear regression by gradient descent, as in the article, with the dashboard's settings.

Needs only NumPy. The loop is the article's; the data and the split come from one
RandomState stream (noise first, then the permutation), as the article draws them.
"""

import numpy as np

n, slope, intercept, noise, seed = {n!r}, {slope!r}, {intercept!r}, {noise!r}, {seed!r}
x_min, x_max, train_ratio = {x_min!r}, {x_max!r}, {train_ratio!r}
a, n_iters = {lr!r}, {n_iters!r}  # learning rate and number of iterations
standardize, tol = {standardize!r}, {tol!r}

rng = np.random.RandomState(seed)
X = np.linspace(x_min, x_max, n)
y = slope * X + intercept + rng.normal(0, noise, size=X.shape)
indices = rng.permutation(n)
train_size = int(n * train_ratio)
train_idx, test_idx = indices[:train_size], indices[train_size:]
X_train, y_train = X[train_idx], y[train_idx]
X_test, y_test = X[test_idx], y[test_idx]

# GD runs on (x - mean) / std when standardizing; the weights are mapped back below.
mu, sd = (X_train.mean(), X_train.std()) if standardize else (0.0, 1.0)
Z = (X_train - mu) / sd


def model(X, w_1, w_2):
    return w_1 * X + w_2


def gradient_descent(X, y, w_1, w_2):
    """The article's loop; it also stops on tol and before the loss blows up."""
    prev, first, k = None, None, 0
    for k in range(n_iters + 1):
        error = model(X, w_1, w_2) - y
        loss = np.mean(error**2)  # the MSE before update k + 1
        first = loss if first is None else first
        if not np.isfinite(loss) or loss > {explode:g} * first:
            return w_1_prev, w_2_prev, k - 1  # diverged: keep the iterate before this one
        if k == n_iters or (tol is not None and prev is not None and not (prev - loss) / prev >= tol):
            return w_1, w_2, k
        prev, w_1_prev, w_2_prev = loss, w_1, w_2
        w_1 = w_1 - a * np.mean(error * X)
        w_2 = w_2 - a * np.mean(error)
    return w_1, w_2, k


w_1, w_2, updates = gradient_descent(Z, y_train, 0.0, 0.0)
w_1, w_2 = w_1 / sd, w_2 - w_1 * mu / sd


def r2_score(y_true, y_pred):
    ss_res = np.sum((y_true - y_pred) ** 2)
    ss_tot = np.sum((y_true - np.mean(y_true)) ** 2)
    return 1 - (ss_res / ss_tot)


print(f"updates={{updates}}")
print(f"w_1={{w_1:.10f}}")
print(f"w_2={{w_2:.10f}}")
print(f"R² on Test Data = {{r2_score(y_test, model(X_test, w_1, w_2)):.2f}}")
'''


def numpy_script(params: ExperimentParams) -> str:
    """Python source that reruns ``params`` with a plain loop and prints w_1 and w_2 to ten decimals."""
    return _TEMPLATE.format(**params.as_dict(), explode=EXPLODE_FACTOR)
