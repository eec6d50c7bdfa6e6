"""How a gradient-descent run ended: a :class:`Status` and the numbers behind it, put into words in one place.

Callers branch on ``fit.status`` and read the numbers from the fit's fields;
:func:`describe` is the only place that turns them into a sentence.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from linreg.gd import FitResult


class Status(StrEnum):
    """How a run ended. A ``str`` enum: ``fit.status == "converged"`` holds for ``Status.CONVERGED``."""

    CONVERGED = "converged"
    """All iterations ran and the gradient fell below GTOL of its initial norm."""
    TOL = "tol"
    """Stopped early: an update improved the loss by less than ``tol``, relatively."""
    MAX_ITER = "max_iter"
    """Ran out of iterations before converging (or before ``tol`` was met)."""
    DIVERGED = "diverged"
    """``lr`` is not below the method's stable bound (GD's ``2 / lam_max``), or the loss passed its limit."""


def describe(fit: FitResult) -> str:
    """Why the run stopped, in words, with the numbers behind it.

    Examples
    --------
    >>> from linreg import gradient_descent
    >>> describe(gradient_descent([0.0, 1.0, 2.0], [1.0, 3.0, 5.0], lr=1.0, n_iters=50, standardize=True))
    'converged: after 50 iterations the gradient is 0.0e+00 of its initial norm'
    """
    k = fit.n_iter
    if fit.status == Status.DIVERGED:
        return _divergence(fit)
    if fit.status == Status.TOL:
        return f"stopped at iteration {k:,}: the relative improvement in loss fell below tol={fit.tol:g}"
    if fit.status == Status.CONVERGED:
        return f"converged: after {k:,} iterations the gradient is {fit.gradient_ratio:.1e} of its initial norm"
    if fit.tol is not None:
        return (
            f"reached n_iters={k:,} before the relative improvement in loss fell below tol={fit.tol:g}; "
            + _slowness(fit)
        )
    return (
        f"ran all {k:,} iterations without converging: the gradient is still {fit.gradient_ratio:.1e} of its "
        "initial norm; " + _slowness(fit)
    )


def _slowness(fit: FitResult) -> str:
    """Why a stable run had not converged, and what would help."""
    rate, lr, bound = fit.contraction, fit.lr, fit.max_stable_lr
    method = _method(fit)
    if method.adaptive:
        return (
            f"{method.name} has no contraction rate fixed by the Hessian: its steps scale with the gradient's "
            "running size, not with λ; more iterations, another lr or standardize=True may help"
        )
    if rate >= 1.0 and lr < bound:
        return (
            f"lr={lr:g} is so far below the stable bound {method.bound}={bound:.3g} that the slowest "
            "direction shrinks by less than float64 resolves per step; a larger lr will help"
        )
    if rate >= 1.0:
        return f"lr={lr:g} sits on the stable bound {method.bound}={bound:.3g}, so {method.name} cannot converge"
    if rate == 0.0:
        return f"lr={lr:g} reaches the minimum in one step, so more iterations will help"
    per_efold = -1.0 / math.log(rate)
    return (
        f"the slowest direction shrinks by a factor {rate:.6f} per step "
        f"(about {per_efold:,.0f} steps per e-fold); a larger lr below {bound:.3g}, "
        "more iterations or standardize=True will help"
    )


def _divergence(fit: FitResult) -> str:
    if fit.exploded_at is None:
        where = f"the loss grows with every step (ran {fit.n_iter:,})"
    else:
        where = (
            f"the loss passed {fit.loss_limit:.3g} at iteration {fit.exploded_at:,}, "
            f"so the run stopped after {fit.n_iter:,}"
        )
    method = _method(fit)
    if method.adaptive:
        return (
            f"diverged: {method.name} at lr={fit.lr:g}: {where}. {method.name} has no stable bound from the "
            "Hessian: it divides each step by the gradient's running size, so each parameter moves by up to about "
            f"lr per step whatever λ_max is{method.noise}. Try a smaller lr, or standardize x"
        )
    if method.stochastic:
        return (
            f"diverged: mini-batch SGD at lr={fit.lr:g}: {where}. Full-batch GD is stable below "
            f"2/λ_max={fit.max_stable_lr:.3g}, but each step follows one batch's Hessian, whose largest "
            "eigenvalue can exceed λ_max, and the batches' noise adds to the error. "
            f"Try lr={fit.suggested_lr:.2g} or smaller, a larger batch, or standardize x"
        )
    if method.momentum:
        return (
            f"diverged: lr={fit.lr:g} is not below {method.name}'s stable bound {method.bound}="
            f"{fit.max_stable_lr:.3g} at {method.beta}; {where}. "
            f"Try lr={_round_down(0.9 * fit.max_stable_lr):.2g} or smaller, or standardize x"
        )
    return (
        f"diverged: lr={fit.lr:g} is not below the stable bound 2/λ_max={fit.max_stable_lr:.3g}; "
        f"{where}. Try lr={fit.suggested_lr:.2g} or smaller, or standardize x"
    )


@dataclass(frozen=True)
class _Method:
    """What the wording needs to know of the optimizer that ran."""

    name: str = "GD"
    bound: str = "2/λ_max"
    beta: str = ""
    momentum: bool = False
    stochastic: bool = False
    adaptive: bool = False
    noise: str = ""


def _method(fit: FitResult) -> _Method:
    """The optimizer of a :class:`~linreg.optimizers.Trajectory`; plain GD for a :class:`~linreg.gd.FitResult`."""
    optimizer = getattr(fit, "optimizer", None)
    if optimizer is None:
        return _Method()
    from linreg import optimizers as o  # imported here: linreg.optimizers imports this module

    if isinstance(optimizer, o.Nesterov | o.HeavyBall):
        nesterov = isinstance(optimizer, o.Nesterov)
        return _Method(
            name="Nesterov" if nesterov else "heavy ball",
            bound="2(1+β)/((1+2β)λ_max)" if nesterov else "2(1+β)/λ_max",
            beta=f"β={optimizer.beta:g}",
            momentum=True,
        )
    if isinstance(optimizer, o.SGD):
        return _Method(name="mini-batch SGD", stochastic=True)
    if isinstance(optimizer, o.Adam | o.RMSProp | o.AdaGrad):
        batch = optimizer.batch_size
        noise = "" if batch is None else f"; batches of {batch} rows add noise to every step"
        return _Method(name=type(optimizer).__name__, adaptive=True, noise=noise)
    return _Method()


def _round_down(x: float) -> float:
    """``x`` rounded down to two significant digits, so that a suggested rate stays below its bound."""
    if not (x > 0 and math.isfinite(x)):
        return x
    scale = 10.0 ** (math.floor(math.log10(x)) - 1)
    return math.floor(x / scale) * scale
