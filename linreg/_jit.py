"""The loop that NumPy cannot vectorize, compiled by Numba: imported only on first use.

:func:`adaptive_loop` runs Adam, RMSProp and AdaGrad (for :func:`linreg._adaptive.states`).
Importing this module imports Numba, so nothing imports it at ``import linreg``. The
first call of each function compiles it and caches the machine code on disk, beside
this file or, where that is read-only, in the user's cache directory; later processes
load it from there.
"""

from __future__ import annotations

import math

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def adaptive_loop(A_B, b_B, theta0, step, unbias, b1, d1, b2, d2, eps):  # pragma: no cover - compiled
    """The same arithmetic as :func:`linreg._adaptive.python_loop`, one compiled pass over the K steps."""
    K, p = step.shape[0], theta0.shape[0]
    batched = A_B.shape[0] > 1
    thetas = np.empty((K + 1, p))
    theta, g = theta0.copy(), np.empty(p)
    m, v = np.zeros(p), np.zeros(p)
    thetas[0] = theta
    for k in range(K):
        j = k if batched else 0
        for i in range(p):
            total = 0.0
            for c in range(p):
                total += A_B[j, i, c] * theta[c]
            g[i] = total - b_B[j, i]
        for i in range(p):
            m[i] = b1 * m[i] + d1 * g[i]
            v[i] = b2 * v[i] + d2 * (g[i] * g[i])
            theta[i] = theta[i] - step[k] * m[i] / (math.sqrt(v[i] * unbias[k]) + eps)
        thetas[k + 1] = theta
    return thetas
