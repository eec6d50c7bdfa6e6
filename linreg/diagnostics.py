"""Why gradient descent is fast or slow on given data: the spectrum of the loss's Hessian.

In the GD convention the loss is MSE/2, whose Hessian is ``A = Xa'Xa / m`` with
``Xa = [X, 1]``. Each step multiplies the error along eigenvector i by
``1 - lr * lam_i``, so GD converges iff ``lr < 2 / lam_max``, fastest at
``lr = 2 / (lam_min + lam_max)``, where the error shrinks by
``(kappa - 1) / (kappa + 1)`` per step, ``kappa`` being the condition number.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from linreg._quadratic import Quadratic, Scaling
from linreg._validation import as_2d, check_float
from linreg.gd import check_lr, contraction, suggest_lr


@dataclass(frozen=True)
class Diagnostics:
    """Eigenvalues of the Hessian of MSE/2 and the learning rates they imply.

    Attributes
    ----------
    eigenvalues : ndarray of shape (d + 1,)
        Ascending; zero for directions the data cannot determine.
    max_stable_lr : float
        ``2 / lam_max``: GD converges only below it.
    optimal_lr : float
        ``2 / (lam_min + lam_max)``, the fastest constant rate (``lam_min``: the smallest
        positive eigenvalue).
    suggested_lr : float
        ``optimal_lr`` rounded down to two significant digits.
    condition_number : float
        ``lam_max / lam_min``; ``inf`` when the Hessian is singular.
    standardized : bool
    """

    eigenvalues: np.ndarray
    max_stable_lr: float
    optimal_lr: float
    suggested_lr: float
    condition_number: float
    standardized: bool

    def contraction(self, lr: float) -> float:
        """Factor ``max_i |1 - lr * lam_i|`` by which the error shrinks per step (>= 1: no convergence).

        ``lr`` must be in (0, MAX_LR], as for :func:`~linreg.gradient_descent`.
        """
        return contraction(self.eigenvalues, check_lr(lr))

    def iterations_to(self, tol: float, *, lr: float) -> float:
        """Predicted iterations until the error in the slowest direction shrinks by ``tol``.

        ``tol`` must be in (0, 1) and ``lr`` in (0, MAX_LR]. Returns ``inf`` when ``lr``
        does not converge, or is so small that ``1 - lr * lam`` rounds to 1; otherwise
        the count is at most about 6.7e18 (``log(5e-324) / log(1 - 2**-53)``).

        Examples
        --------
        >>> from linreg import make_synthetic, train_test_split
        >>> d = diagnose(train_test_split(*make_synthetic()).x_train)
        >>> round(d.iterations_to(1e-6, lr=5e-4), -3)
        107000.0
        """
        tol = check_float("tol", tol, low=0.0, high=1.0, low_open=True, high_open=True)
        rate = self.contraction(lr)
        if rate >= 1.0:
            return math.inf
        if rate == 0.0:
            return 1.0
        return float(math.ceil(math.log(tol) / math.log(rate)))


def diagnose(X, *, standardize: bool = False) -> Diagnostics:
    """Spectrum of the Hessian of MSE/2 for features ``X`` with a bias column.

    Parameters
    ----------
    X : array-like of shape (m,) or (m, d)
        Finite, within ±MAX_MAGNITUDE (1e150); with ``standardize`` each column must
        span at least MIN_SPREAD (1e-150).
    standardize : bool, default False
        Analyse ``(X - mean) / std`` instead, as ``gradient_descent(standardize=True)`` runs.

    Returns
    -------
    Diagnostics
        Finite, except ``condition_number``, which is ``inf`` for a singular Hessian.

    Examples
    --------
    >>> from linreg import make_synthetic, train_test_split
    >>> d = diagnose(train_test_split(*make_synthetic()).x_train)
    >>> f"{d.max_stable_lr:.2e}", f"{d.condition_number:.3g}"
    ('6.22e-04', '1.25e+04')
    """
    X = as_2d("X", X)
    Z = Scaling.fit(X, standardize=bool(standardize)).transform(X)
    quad = Quadratic.from_data(Z, np.zeros(X.shape[0]))
    lam = quad.eigenvalues
    lam_max, lam_min = quad.lam_max, quad.lam_min
    # Null directions never move, so the fastest rate balances the smallest *positive* eigenvalue.
    lam_low = float(lam[lam > 0][0]) if lam_max > 0 else 0.0
    return Diagnostics(
        eigenvalues=lam,
        max_stable_lr=2.0 / lam_max if lam_max > 0 else math.inf,
        optimal_lr=2.0 / (lam_low + lam_max) if lam_max > 0 else math.inf,
        suggested_lr=suggest_lr(quad),
        condition_number=lam_max / lam_min if lam_min > 0 else math.inf,
        standardized=bool(standardize),
    )
