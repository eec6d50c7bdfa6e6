"""Why gradient descent is fast or slow on given data: the spectrum of the loss's Hessian.

In the GD convention the loss is MSE/2, whose Hessian is ``A = Xa'Xa / m`` with
``Xa = [X, 1]`` (``Xa = X`` without an intercept). Each step multiplies the error along eigenvector i by
``1 - lr * lam_i``, so GD converges iff ``lr < 2 / lam_max``, fastest at
``lr = 2 / (lam_min + lam_max)``, where the error shrinks by
``(kappa - 1) / (kappa + 1)`` per step, ``kappa`` being the condition number.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from linreg._validation import as_2d, check_float
from linreg.gd import as_problem, check_lr, contraction
from linreg.problem import Problem


@dataclass(frozen=True)
class Diagnostics:
    """Eigenvalues of the Hessian of MSE/2 and the learning rates they imply.

    Attributes
    ----------
    eigenvalues : ndarray of shape (n_params,)
        Ascending; zero for directions the data cannot determine (``d + 1`` parameters
        with an intercept, ``d`` without).
    max_stable_lr : float
        ``2 / lam_max``: GD converges only below it.
    optimal_lr : float
        ``2 / (lam_min + lam_max)``, the fastest constant rate (``lam_min``: the smallest
        positive eigenvalue).
    suggested_lr : float
        ``optimal_lr`` rounded down to two significant digits.
    condition_number : float
        ``lam_max / lam_min``; ``inf`` when the Hessian is singular.
    standardized, fit_intercept : bool
    rank : int
        How many of the parameters the data determine (see :attr:`Problem.rank <linreg.Problem>`).
    identifiable : bool
        ``rank`` equals the number of parameters. When it does not, some combination of
        columns is constant, collinear or duplicated (or there are more parameters than
        rows): ``lam_min`` is zero, GD never moves along that direction and the
        coefficients are not identifiable. :attr:`identifiability` says so in words.
    """

    eigenvalues: np.ndarray
    max_stable_lr: float
    optimal_lr: float
    suggested_lr: float
    condition_number: float
    standardized: bool
    fit_intercept: bool
    rank: int
    identifiable: bool

    @property
    def identifiability(self) -> str:
        """One sentence on whether the data determine the coefficients.

        Examples
        --------
        >>> import numpy as np
        >>> x = np.arange(5.0)
        >>> diagnose(np.column_stack([x, 2 * x])).identifiability.split(":")[0]
        'The coefficients are not identifiable'
        """
        p = self.eigenvalues.size
        if self.identifiable:
            return f"The coefficients are identifiable: all {p} eigenvalues of the Hessian are positive."
        null = p - self.rank
        return (
            f"The coefficients are not identifiable: λ_min ≈ 0, so the data determine only {self.rank} of the {p} "
            f"parameters: columns are collinear or duplicated (or there are more parameters than rows) to the "
            f"Hessian's resolution in float64, and gradient descent never moves along "
            f"{'that direction' if null == 1 else f'those {null} directions'}."
        )

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


def diagnose(X, *, standardize: bool | None = None, fit_intercept: bool | None = None) -> Diagnostics:
    """Spectrum of the Hessian of MSE/2 for features ``X`` with a bias column (or without).

    Parameters
    ----------
    X : array-like of shape (m,) or (m, d), or Problem
        Finite, within ±MAX_MAGNITUDE (1e150); with ``standardize`` each column must
        span at least MIN_SPREAD (1e-150). A prebuilt :class:`~linreg.Problem` is used
        as it is: its eigendecomposition is not computed again.
    standardize : bool, default False
        Analyse ``(X - mean) / std`` instead, as ``gradient_descent(standardize=True)`` runs.
    fit_intercept : bool, default True

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
    if isinstance(X, Problem):
        problem = as_problem(X, standardize=standardize, fit_intercept=fit_intercept)
    else:
        X = as_2d("X", X)  # the Hessian does not depend on y
        problem = Problem.from_data(
            X, np.zeros(X.shape[0]), standardize=bool(standardize), fit_intercept=fit_intercept is not False
        )
    lam = problem.eigenvalues
    lam_max, lam_min = problem.lam_max, problem.lam_min
    # Null directions never move, so the fastest rate balances the smallest *positive* eigenvalue.
    lam_low = float(lam[lam > 0][0]) if lam_max > 0 else 0.0
    return Diagnostics(
        eigenvalues=lam,
        max_stable_lr=problem.max_stable_lr,
        optimal_lr=2.0 / (lam_low + lam_max) if lam_max > 0 else math.inf,
        suggested_lr=problem.suggested_lr,
        condition_number=lam_max / lam_min if lam_min > 0 else math.inf,
        standardized=problem.standardized,
        fit_intercept=problem.fit_intercept,
        rank=problem.rank,
        identifiable=problem.rank == problem.n_params,
    )
