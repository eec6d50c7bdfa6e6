"""A standalone NumPy script that reproduces one run with the article's literal loop."""

from __future__ import annotations

import io

import numpy as np

from linreg import EXPLODE_FACTOR, ExperimentParams
from linreg.data import DEFAULT_SEED
from linreg.tables import safe_csv_cell

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


MAX_EMBEDDED_BYTES = 5_000_000
"""A table up to this size travels inside the script; a larger one is read from data.csv beside it."""

_TABLE_TEMPLATE = '''\
"""Linear regression by gradient descent on a table, with the dashboard's settings.

Needs only NumPy. {where}
The loop is the article's, for any number of features: each update subtracts
a * mean(error * x_j) from every weight.
"""

import io

import numpy as np

{data}
table = np.genfromtxt(DATA, delimiter=",", skip_header=1, dtype=float)
y, X = table[:, 0], table[:, 1:]  # the target first, then the features (dummies already expanded)
train_ratio, split_seed = {train_ratio!r}, {split_seed!r}
a, n_iters = {lr!r}, {n_iters!r}  # learning rate and number of iterations
standardize, fit_intercept, tol = {standardize!r}, {fit_intercept!r}, {tol!r}

m = len(y)
rng = np.random.RandomState(split_seed)
rng.standard_normal(size=m)  # the draws a synthetic data set would have made first
indices = rng.permutation(m)
train_size = int(m * train_ratio)
train_idx, test_idx = indices[:train_size], indices[train_size:]
X_train, y_train, X_test, y_test = X[train_idx], y[train_idx], X[test_idx], y[test_idx]

# GD runs on scaled columns; without an intercept they are scaled by their root mean square, not centred.
if standardize and fit_intercept:
    mu, sd = X_train.mean(axis=0), X_train.std(axis=0)
elif standardize:
    mu, sd = np.zeros(X.shape[1]), np.sqrt(np.mean(X_train**2, axis=0))
else:
    mu, sd = np.zeros(X.shape[1]), np.ones(X.shape[1])
Z = (X_train - mu) / sd

w, b, prev = np.zeros(X.shape[1]), 0.0, None
for k in range(n_iters):
    error = Z @ w + b - y_train
    loss = np.mean(error**2)
    if tol is not None and prev is not None and not (prev - loss) / prev >= tol:
        break
    prev = loss
    w = w - a * (Z.T @ error) / len(y_train)
    if fit_intercept:
        b = b - a * np.mean(error)

w_orig = w / sd
b_orig = b - w_orig @ mu
pred = X_test @ w_orig + b_orig
r2 = 1 - np.sum((y_test - pred) ** 2) / np.sum((y_test - y_test.mean()) ** 2)
print("coef=" + ",".join(f"{{v:.10g}}" for v in w_orig))
print(f"intercept={{b_orig:.10g}}")
print(f"R² on Test Data = {{r2:.4f}}")
'''


def table_csv(exp) -> str:
    """The target then the features, one row per sample, as the script reads them."""
    rows = np.column_stack([exp.dataset.y, exp.dataset.X])
    buf = io.StringIO()
    np.savetxt(buf, rows, fmt="%.17g", delimiter=",")
    header = ",".join(safe_name(n) for n in (exp.dataset.target_name, *exp.dataset.feature_names))
    return header + "\n" + buf.getvalue()


def safe_name(name: str) -> str:
    """A column name for a CSV header: quoted when it needs to be, and never a spreadsheet formula."""
    cell = safe_csv_cell(name)
    return '"' + cell.replace('"', '""') + '"' if any(c in cell for c in ',"\n\r') else cell


def script_for(exp) -> str:
    """A NumPy script that reruns ``exp``: the article's generator for synthetic data, else the table itself."""
    if exp.params is not None:
        return numpy_script(exp.params)
    csv = table_csv(exp)
    if len(csv) <= MAX_EMBEDDED_BYTES:
        data, where = f"DATA = io.StringIO({csv!r})", "The data travels inside this file."
    else:
        data = 'DATA = "data.csv"  # the Data (CSV) download, saved beside this script'
        where = "Save the dashboard's Data (CSV) download as data.csv beside it."
    spec = exp.spec
    return _TABLE_TEMPLATE.format(
        data=data,
        where=where,
        train_ratio=spec.train_ratio,
        split_seed=DEFAULT_SEED if spec.split_seed is None else spec.split_seed,
        lr=exp.fit.lr,
        n_iters=spec.n_iters,
        standardize=spec.standardize,
        fit_intercept=spec.fit_intercept,
        tol=spec.tol,
    )
