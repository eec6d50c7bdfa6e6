"""The loop of the adaptive optimizers (Adam, RMSProp, AdaGrad): one recurrence with four constants.

Each keeps a first moment ``m`` and a second moment ``v`` of the gradient ``g`` per parameter:

    m <- b1 m + d1 g,   v <- b2 v + d2 g**2,   theta <- theta - step_k m / (sqrt(v unbias_k) + eps)

Adam is ``(b1, 1 - b1, b2, 1 - b2)`` with the bias corrections folded into ``step_k``
and ``unbias_k``; RMSProp is ``(0, 1, rho, 1 - rho)`` and AdaGrad ``(0, 1, 1, 1)``, both
with ``unbias_k = 1``. With ``b1 = 0`` and ``d1 = 1``, ``m`` is ``g`` exactly, and with
``b2 = d2 = 1``, ``v`` is the plain sum of squares, so each has its textbook arithmetic.

Dividing by ``sqrt(v)`` makes the map nonlinear, so no closed form or affine scan applies:
the states come from a loop over k, compiled by Numba when it is installed
(:mod:`linreg._jit`, imported here on first use only) and otherwise run in Python.
"""

from __future__ import annotations

import math

import numpy as np

USE_COMPILED = True
"""Use the compiled loop when Numba imports; False forces the Python loop (the tests run both)."""

_compiled = None


def states(A_B, b_B, theta0, step, unbias, b1, d1, b2, d2, eps) -> np.ndarray:
    """The iterates ``theta_0..theta_K``, shape (K + 1, p).

    ``A_B, b_B`` hold each step's moments, shapes (K, p, p) and (K, p), or one pair for
    every step, shapes (1, p, p) and (1, p); ``step, unbias`` have shape (K,).
    """
    loop = _compiled_loop() if USE_COMPILED else None
    if loop is not None:
        return loop(
            np.ascontiguousarray(A_B, dtype=np.float64),
            np.ascontiguousarray(b_B, dtype=np.float64),
            np.asarray(theta0, dtype=np.float64),
            np.ascontiguousarray(step, dtype=np.float64),
            np.ascontiguousarray(unbias, dtype=np.float64),
            float(b1),
            float(d1),
            float(b2),
            float(d2),
            float(eps),
        )
    return python_loop(A_B, b_B, theta0, step, unbias, b1, d1, b2, d2, eps)


def warm_up() -> bool:
    """Compile the loop now (or load it from Numba's disk cache), on a two-parameter problem of three steps.

    A Docker image runs it once at build time, so that every container loads the machine
    code instead of compiling it on its first adaptive run (2.9 s against 0.4 s; see
    bench/bench_optimizers.py). Returns whether the compiled loop is available.
    """
    loop = _compiled_loop() if USE_COMPILED else None
    if loop is not None:
        states(np.eye(2)[None], np.ones((1, 2)), np.zeros(2), np.ones(3), np.ones(3), 0.9, 0.1, 0.999, 0.001, 1e-8)
    return loop is not None


def compiled_available() -> bool:
    """Whether the compiled loop can run here (Numba installed and importable)."""
    return _compiled_loop() is not None


def _compiled_loop():
    global _compiled
    if _compiled is None:
        try:
            from linreg._jit import adaptive_loop
        except ImportError:
            adaptive_loop = False
        _compiled = adaptive_loop
    return _compiled or None


def python_loop(A_B, b_B, theta0, step, unbias, b1, d1, b2, d2, eps) -> np.ndarray:
    """:func:`states` in Python: on floats for two parameters, one NumPy step per iteration otherwise."""
    K = len(step)
    A_B = np.broadcast_to(A_B, (K, *np.shape(A_B)[1:]))
    b_B = np.broadcast_to(b_B, (K, np.shape(b_B)[1]))
    loop = _two_loop if np.size(theta0) == 2 else _numpy_loop
    with np.errstate(all="ignore"):
        return loop(A_B, b_B, np.asarray(theta0, dtype=np.float64), step, unbias, b1, d1, b2, d2, eps)


def _numpy_loop(A_B, b_B, theta0, step, unbias, b1, d1, b2, d2, eps) -> np.ndarray:
    thetas = np.empty((len(step) + 1, theta0.size))
    thetas[0] = theta = theta0.copy()
    m, v = np.zeros_like(theta), np.zeros_like(theta)
    for k in range(len(step)):
        g = A_B[k] @ theta - b_B[k]
        m = b1 * m + d1 * g
        v = b2 * v + d2 * (g * g)
        theta = theta - step[k] * m / (np.sqrt(v * unbias[k]) + eps)
        thetas[k + 1] = theta
    return thetas


def _two_loop(A_B, b_B, theta0, step, unbias, b1, d1, b2, d2, eps) -> np.ndarray:
    """Two parameters (one feature and a bias) on Python floats: on a 2-vector each NumPy call
    costs far more in overhead than its two multiplications."""
    (a00, a01, a11), (c0, c1) = (A_B[:, i, j].tolist() for i, j in ((0, 0), (0, 1), (1, 1))), b_B.T.tolist()
    t0, t1 = (float(t) for t in theta0)
    m0 = m1 = v0 = v1 = 0.0
    out0, out1 = [t0], [t1]
    sqrt = math.sqrt
    for s, u, A00, A01, A11, B0, B1 in zip(step.tolist(), unbias.tolist(), a00, a01, a11, c0, c1, strict=True):
        g0, g1 = A00 * t0 + A01 * t1 - B0, A01 * t0 + A11 * t1 - B1
        m0, m1 = b1 * m0 + d1 * g0, b1 * m1 + d1 * g1
        v0, v1 = b2 * v0 + d2 * (g0 * g0), b2 * v1 + d2 * (g1 * g1)
        t0, t1 = t0 - s * m0 / (sqrt(v0 * u) + eps), t1 - s * m1 / (sqrt(v1 * u) + eps)
        out0.append(t0)
        out1.append(t1)
    return np.column_stack([out0, out1])
