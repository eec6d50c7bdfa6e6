"""What the Theory page reads of the playground: the current data and training, without drawing a widget."""

from __future__ import annotations

import math
from dataclasses import dataclass

import streamlit as st

from dashboard import cache
from dashboard import params as P
from dashboard.sources import BUNDLED, SYNTHETIC
from dashboard.text import inert
from dashboard.views import LAST_GOOD
from linreg import TrainSpec
from linreg.optimizers import momentum_contraction, optimal_momentum


def current_run(values: dict[str, object]) -> tuple[cache.Source, TrainSpec]:
    """The playground's data and training: the generator's settings, a bundled table, or the last uploaded run."""
    spec = P.to_train_spec(values)
    key = values["data"]
    if key == SYNTHETIC:
        return cache.Source(key, synthetic=P.to_synthetic_spec(values)), spec
    if key in BUNDLED:
        b = BUNDLED[key]
        return cache.Source(key, target=values["target"] or b.target, features=values["features"] or b.features), spec
    last = st.session_state.get(LAST_GOOD)
    if last is None:
        return cache.Source(SYNTHETIC, synthetic=P.to_synthetic_spec(P.DEFAULTS)), spec
    return last[0], spec


def describe_data(source: cache.Source, values: dict[str, object]) -> str:
    """A short description of the data, as in the playground's caption."""
    if source.synthetic is not None:
        s = source.synthetic
        return f"n = {s.n:,}, x in [{s.x_min:g}, {s.x_max:g}]"
    data = cache.dataset(source)[0]
    return f"{data.m:,} rows, target {inert(data.target_name)}, {data.d} feature{'s' if data.d > 1 else ''}"


@dataclass(frozen=True)
class Momentum:
    """Polyak's optimal heavy ball on a Hessian, against gradient descent at its fastest constant rate."""

    lr: float
    beta: float
    rate: float  # the error's contraction per step at (lr, beta)
    gd_rate: float  # gradient descent's at 2 / (lam_min + lam_max)

    @property
    def speedup(self) -> float:
        """How many times fewer steps momentum needs for the same shrinking of the error."""
        if not 0 < self.rate < 1 or not 0 < self.gd_rate < 1:
            return math.nan
        return math.log(self.rate) / math.log(self.gd_rate)


def momentum(eigenvalues, optimal_lr: float) -> Momentum | None:
    """The optimal momentum of a Hessian with these eigenvalues; None when it has no positive one.

    >>> m = momentum([1.0, 100.0], 2 / 101)
    >>> round(m.beta, 4), round(m.rate, 4), round(m.gd_rate, 4)
    (0.6694, 0.8182, 0.9802)
    """
    try:
        lr, beta = optimal_momentum(eigenvalues)
    except ValueError:
        return None
    return Momentum(
        lr, beta, momentum_contraction(eigenvalues, lr, beta), momentum_contraction(eigenvalues, optimal_lr, 0.0)
    )


def momentum_gain(best: Momentum, kappa: float) -> str:
    """What optimal momentum buys on this data, in a sentence (Markdown, numbers only)."""
    races = (
        "The Optimizers page races them, with Nesterov's momentum, mini-batch SGD and the adaptive methods, "
        "on the loss landscape."
    )
    if not math.isfinite(best.speedup) or best.speedup < 1.5:
        return (
            f"On this data κ = {kappa:,.3g}: the valley is round, one step of the best plain rate already lands on "
            f"the minimum or close to it, and momentum has nothing to gain. {races}"
        )
    return (
        f"On this data κ = {kappa:,.0f}, so √κ ≈ {math.sqrt(kappa):,.0f}: optimal momentum needs about "
        f"{best.speedup:,.0f} times fewer steps than the best plain rate. {races}"
    )


def per_efold(rate: float) -> str:
    """Steps for the error to shrink e-fold at a contraction ``rate`` per step, in words for a metric.

    >>> per_efold(0.999), per_efold(0.5), per_efold(1.0)
    ('999', '1.44', 'never')
    """
    if not rate < 1:
        return "never"
    if rate <= 0:
        return "1"
    return P.format_amount(-1 / math.log(rate))
