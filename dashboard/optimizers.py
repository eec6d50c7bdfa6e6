"""The Optimizers page's settings: up to four optimizers, presets from the Hessian, the URL, the comparison table.

Every setting is a widget bound to a query parameter, as on the playground: ``o1`` is
the first optimizer's method, ``o1_lr`` its rate, ``o1_beta`` its momentum (Adam's β₁, RMSProp's ρ),
``o1_beta2``, ``o1_batch`` (0 for the full batch) and ``o1_sched``; ``o_iters``,
``o_tol``, ``o_seed`` and ``o_plane`` are shared. A visitor arriving with a link gets
its values parsed leniently (:func:`parse_query`): values the widgets would not take
snap onto the offered ones, and invalid ones fall back to the default with a notice.
The data are the playground's (:mod:`dashboard.controls`), so the two pages never
disagree about what is being fitted.
"""

from __future__ import annotations

import logging
import math
import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import streamlit as st

from dashboard import cache, controls
from dashboard import params as P
from dashboard.figures_landscape import Plane, default_plane, parameter_names, planes, race_figure
from dashboard.text import inert, shorten
from linreg import ConvergenceWarning, Problem, TrainSpec
from linreg.optimizers import (
    GD,
    SGD,
    AdaGrad,
    Adam,
    Cosine,
    HeavyBall,
    InvScaling,
    Nesterov,
    RMSProp,
    StepDecay,
    Trajectory,
    gd_max_lr,
    heavy_ball_max_lr,
    momentum_contraction,
    nesterov_max_lr,
    optimal_momentum,
)

PAGE = "optimizers"
SLOTS = 4
OFF, GD_, HB, NAG, SGD_, ADAM = "off", "GD", "Heavy ball", "Nesterov", "SGD", "Adam"
RMS, ADAGRAD = "RMSProp", "AdaGrad"
METHODS = (GD_, HB, NAG, SGD_, ADAM, RMS, ADAGRAD, OFF)
ADAPTIVE = (ADAM, RMS, ADAGRAD)  # a step per coordinate scaled by its own gradients' size: no bound from the Hessian
MINIBATCH = (SGD_, *ADAPTIVE)  # the methods that take a batch size
SCHEDULES = ("constant", "step decay", "inverse scaling", "cosine")
SCHEDULE_HELP = (
    "How the rate changes over the run: constant; step decay halves it every tenth of the run; "
    "inverse scaling divides it by t^0.25 at step t (scikit-learn's invscaling); cosine anneals it to 0."
)
# Two significant digits per step, from 1e-7 to 10: the playground's rates and ones past every stable bound.
LR_GRID: tuple[float, ...] = tuple(float(f"{m / 10:.1f}e{e}") for e in range(-7, 1) for m in range(10, 100)) + (10.0,)
BETA_MAX = 0.9999
MAX_BATCH = 1_000_000
TOL_GRID = P.TOL_OPTIONS[1:]
ARTICLE_LR = P.ARTICLE.lr
_LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class Setting:
    """One optimizer's settings, as the sidebar holds them; ``batch == 0`` means the full batch."""

    method: str
    lr: float
    beta: float = 0.9
    beta2: float = 0.999
    batch: int = 0
    schedule: str = "constant"

    @property
    def title(self) -> str:
        """A short name for legends and the table: the method and its numbers."""
        parts = [f"α={self.lr:.2g}"]
        if self.method in (HB, NAG, ADAM):
            parts.append(f"β={self.beta:g}")
        if self.method == RMS:
            parts.append(f"ρ={self.beta:g}")
        if self.method == ADAM and self.beta2 != 0.999:
            parts.append(f"β₂={self.beta2:g}")
        if self.method in MINIBATCH and self.batch:
            parts.append(f"batch {self.batch:,}")
        if self.schedule != "constant":
            parts.append(self.schedule)
        return f"{self.method} ({', '.join(parts)})"

    def optimizer(self, m: int, seed: int):
        """The linreg optimizer of these settings on ``m`` training rows; raises ValueError for bad settings."""
        if self.method == GD_:
            return GD(self.lr)
        if self.method in (HB, NAG):
            return (HeavyBall if self.method == HB else Nesterov)(self.lr, self.beta)
        if self.method == SGD_:
            return SGD(self.lr, batch_size=self.batch or m, seed=seed)
        if self.method == RMS:
            return RMSProp(self.lr, rho=self.beta, batch_size=self.batch or None, seed=seed)
        if self.method == ADAGRAD:
            return AdaGrad(self.lr, batch_size=self.batch or None, seed=seed)
        return Adam(self.lr, self.beta, self.beta2, batch_size=self.batch or None, seed=seed)

    def schedule_for(self, n_iters: int):
        return {
            "constant": None,
            "step decay": StepDecay(max(1, n_iters // 10), 0.5),
            "inverse scaling": InvScaling(0.25),
            "cosine": Cosine(0.0),
        }[self.schedule]

    def batch_rows(self, m: int) -> int:
        """Rows per step: the batch, or all ``m`` for full-batch methods."""
        return self.batch if self.method in MINIBATCH and self.batch else m


# The default race, tuned on the article's data (tests check that the presets give these numbers there).
DEFAULT_SETTINGS = (
    Setting(GD_, ARTICLE_LR),
    Setting(HB, 1.2e-3, beta=0.9648),
    Setting(ADAM, 1e-3),
    Setting(SGD_, 1e-4, batch=1),
)


# --- keys, defaults and the URL --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    key: str
    kind: str  # "method", "schedule", "lr", "beta", "batch", "iters", "tol", "seed", "plane"
    default: object


def _slot_fields(i: int, s: Setting) -> tuple[Field, ...]:
    k = f"o{i}"
    return (
        Field(k, "method", s.method),
        Field(f"{k}_lr", "lr", s.lr),
        Field(f"{k}_beta", "beta", s.beta),
        Field(f"{k}_beta2", "beta", s.beta2),
        Field(f"{k}_batch", "batch", s.batch),
        Field(f"{k}_sched", "schedule", s.schedule),
    )


FIELDS: tuple[Field, ...] = (
    *(f for i, s in enumerate(DEFAULT_SETTINGS, 1) for f in _slot_fields(i, s)),
    Field("o_iters", "iters", P.ARTICLE.n_iters),
    Field("o_tol", "tol", 1e-6),
    Field("o_seed", "seed", 0),
    Field("o_plane", "plane", ""),  # "" is the data's default plane
)
FIELD_BY_KEY = {f.key: f for f in FIELDS}
KEYS = tuple(FIELD_BY_KEY)
DEFAULTS = {f.key: f.default for f in FIELDS}


def snap_lr(lr: float) -> float:
    """The largest rate on the slider not above ``lr``: a stable rate stays stable."""
    return P.snap_down(LR_GRID, lr)


def _choice(raw: str, options: Sequence[str]) -> str:
    for option in options:
        if raw.strip().lower() == option.lower():
            return option
    raise ValueError(f"it must be one of {', '.join(options)}")


def parse_value(key: str, raw: str) -> tuple[object, bool]:
    """One URL value for ``key``, and whether it was moved onto an offered value; ValueError says what is wrong."""
    kind = FIELD_BY_KEY[key].kind
    if kind == "method":
        return _choice(raw, METHODS), False
    if kind == "schedule":
        return _choice(raw, SCHEDULES), False
    if kind == "plane":
        return shorten(raw, 200), False  # checked against the data's planes once the data are known
    value = P.parse_number(raw)
    if kind == "lr":
        if not 0 < value <= LR_GRID[-1]:
            raise ValueError(f"a rate must lie in (0, {LR_GRID[-1]:g}]")
        snapped = snap_lr(value)
        return snapped, not math.isclose(snapped, value, rel_tol=1e-9)
    if kind == "beta":
        if value >= 1:
            raise ValueError(
                "β must be below 1: at β ≥ 1 the momentum never decays, so the run cannot converge "
                f"(the largest offered is {BETA_MAX})"
            )
        if value < 0:
            raise ValueError("β must be at least 0")
        return round(value, 4), round(value, 4) != value
    if kind == "tol":
        if not 0 < value < 1:
            raise ValueError("it must lie between 0 and 1")
        snapped = P.snap_tol(value)
        return snapped, not math.isclose(snapped, value, rel_tol=1e-9)
    if value != int(value):
        raise ValueError("it is not a whole number")
    value = int(value)
    if kind == "iters":
        if not 1 <= value <= P.ITERS_GRID[-1]:
            raise ValueError(f"it must lie between 1 and {P.format_count(P.ITERS_GRID[-1])}")
        snapped = P.snap_down(P.ITERS_GRID, value)
        return snapped, snapped != value
    high = MAX_BATCH if kind == "batch" else 2**32 - 1
    if not 0 <= value <= high:
        raise ValueError(f"it must lie between 0 and {high:,}")
    return value, False


def shown(key: str, value: object) -> str:
    """A value as its widget shows it."""
    kind = FIELD_BY_KEY[key].kind
    if kind == "lr":
        return P.format_lr(value)
    if kind == "iters":
        return P.format_count(value)
    if kind == "tol":
        return P.format_tol(value)
    if kind == "plane":
        return value or "the default plane"
    return str(value)


def parse_query(query: Mapping[str, str]) -> tuple[dict[str, object], list[str]]:
    """Values for the page's keys in ``query``; an invalid one falls back to its default with a notice."""
    values: dict[str, object] = {}
    notices: list[str] = []
    for key, raw in query.items():
        if key not in FIELD_BY_KEY:
            continue
        try:
            values[key], moved = parse_value(key, raw)
        except ValueError as exc:
            values[key] = DEFAULTS[key]
            notices.append(
                f"The link's {key} = {inert(raw)} was ignored: {exc}. Using the default, {shown(key, DEFAULTS[key])}."
            )
            continue
        if moved:
            notices.append(
                f"The link's {key} = {inert(raw)} is not one of the offered values. Using {shown(key, values[key])}."
            )
    return values, notices


def url_value(key: str, value: object) -> str:
    """A value as its widget writes it into the URL."""
    kind = FIELD_BY_KEY[key].kind
    if kind in ("lr", "iters", "tol"):
        return shown(key, value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def to_query(values: Mapping[str, object]) -> dict[str, str]:
    """The URL parameters for ``values``: only those that differ from the default."""
    return {k: url_value(k, values[k]) for k in KEYS if k in values and values[k] != DEFAULTS[k]}


def setting_of(values: Mapping[str, object], i: int) -> Setting | None:
    """Slot ``i``'s settings out of the page's values; None when the slot is off."""
    k = f"o{i}"
    if values[k] == OFF:
        return None
    return Setting(
        values[k],
        values[f"{k}_lr"],
        values[f"{k}_beta"],
        values[f"{k}_beta2"],
        values[f"{k}_batch"],
        values[f"{k}_sched"],
    )


def slot_values(i: int, s: Setting) -> dict[str, object]:
    k = f"o{i}"
    return {
        k: s.method,
        f"{k}_lr": s.lr,
        f"{k}_beta": s.beta,
        f"{k}_beta2": s.beta2,
        f"{k}_batch": s.batch,
        f"{k}_sched": s.schedule,
    }


# --- presets and stability, from the Hessian --------------------------------------------------------------------


def _row_norm_max(problem: Problem) -> float:
    """The largest ``|x_i|²`` over the training rows as the optimizers see them (bias column included)."""
    Z = problem.scaling.transform(problem.X)
    return float(np.max(np.einsum("ij,ij->i", Z, Z))) + float(problem.fit_intercept)


def sgd_one_row_lr(problem: Problem) -> float:
    """``1 / max |x_i|²``: every single-row step then shrinks the error along its row, never overshooting."""
    return 1.0 / _row_norm_max(problem)


def nesterov_preset(eigenvalues) -> tuple[float, float]:
    """Nesterov's textbook choice for a quadratic: ``α = 1/λ_max``, ``β = (√κ − 1)/(√κ + 1)``."""
    lam = np.asarray(eigenvalues)
    lam = lam[lam > 0]
    root = math.sqrt(lam.max() / lam.min())
    return 1.0 / lam.max(), (root - 1) / (root + 1)


def _beta(value: float) -> float:
    return min(round(value, 4), BETA_MAX)


def presets(problem: Problem) -> dict[str, Setting]:
    """The presets on this data: their rates come from the Hessian's eigenvalues and the rows."""
    lam = problem.eigenvalues
    lr_hb, beta_hb = optimal_momentum(lam)
    lr_nag, beta_nag = nesterov_preset(lam)
    return {
        "The article's GD": Setting(GD_, ARTICLE_LR),
        "GD at the fastest rate": Setting(GD_, snap_lr(problem.suggested_lr)),
        "Optimal momentum": Setting(HB, snap_lr(lr_hb), beta=_beta(beta_hb)),
        "Nesterov, α = 1/λ_max": Setting(NAG, snap_lr(lr_nag), beta=_beta(beta_nag)),
        "Adam with default settings": Setting(ADAM, 1e-3),
        "RMSProp with default settings": Setting(RMS, 1e-3),
        "SGD, batch 1": Setting(SGD_, snap_lr(sgd_one_row_lr(problem)), batch=1),
    }


def bound(problem: Problem, s: Setting) -> float:
    """The largest stable constant rate of the full-batch method (GD's for SGD and the adaptive methods)."""
    lam = problem.eigenvalues
    if s.method == HB:
        return heavy_ball_max_lr(lam, s.beta)
    if s.method == NAG:
        return nesterov_max_lr(lam, s.beta)
    return gd_max_lr(lam)


def _per_step(rho: float) -> str:
    if not math.isfinite(rho):
        return ""
    if rho >= 1:
        return "the error does not shrink: the run cannot converge"
    if rho == 0:
        return "the error vanishes in one step"
    return f"the error shrinks by {rho:.6f} per step (about {-1 / math.log(rho):,.0f} steps per e-fold)"


def explain(problem: Problem, s: Setting) -> str:
    """Where this method is stable on this data, its best parameters, and what the chosen ones give (Markdown)."""
    lam = problem.eigenvalues
    kappa = problem.lam_max / problem.lam_min if problem.lam_min > 0 else math.inf
    top = bound(problem, s)
    if s.method in (GD_, SGD_):
        best = 2 / (problem.lam_min + problem.lam_max)
        text = (
            f"Stable for α < 2/λ_max = {top:.4g}; fastest at α = 2/(λ_min + λ_max) = {best:.4g}, "
            f"where the error shrinks by (κ − 1)/(κ + 1) = {(kappa - 1) / (kappa + 1):.6f} per step (κ = {kappa:,.3g})."
        )
        if s.method == SGD_:
            text += (
                f" A batch is a quadratic of its own: one row is stable only for α < 2/|x_i|², down to "
                f"{2 * sgd_one_row_lr(problem):.3g} here. With a constant α, SGD ends on a noise floor that rises "
                "with α and falls with the batch; a decaying schedule lowers it."
            )
    elif s.method in (HB, NAG):
        lr_hb, beta_hb = optimal_momentum(lam)
        rule = "2(1 + β)/λ_max" if s.method == HB else "2(1 + β)/((1 + 2β) λ_max)"
        text = (
            f"At β = {s.beta:g}, stable for α < {rule} = {top:.3g}. Polyak's optimum on this data: "
            f"α* = {lr_hb:.3g}, β* = (√κ − 1)²/(√κ + 1)² = {beta_hb:.4f}, where the error shrinks by √β* = "
            f"{math.sqrt(beta_hb):.6f} per step (κ = {kappa:,.3g})."
        )
    elif s.method == ADAGRAD:
        return (
            "AdaGrad divides each coordinate's step by the root of the sum of all its squared gradients so far: "
            f"every coordinate starts by moving about α = {s.lr:.2g} per step whatever its curvature, and the steps "
            f"shrink like 1/√t as the sum grows, so κ does not set its pace and no stable bound follows from the "
            f"Hessian (GD's is {top:.3g}). The shrinking steps let it settle without a schedule, but can stall it "
            "far from the minimum when α is small."
        )
    else:
        average = (
            "root mean square of its recent gradients (decay ρ)"
            if s.method == RMS
            else ("root mean square of its own gradients")
        )
        return (
            f"{s.method} divides each coordinate's step by the {average}: every coordinate "
            f"moves by about α = {s.lr:.2g} per step whatever its curvature, so κ does not set its pace and no "
            f"stable bound follows from the Hessian (GD's is {top:.3g}). With a constant α it keeps hopping "
            "around the minimum by about α; a decaying schedule lets it settle."
        )
    if s.schedule != "constant":
        return text + f" The {s.schedule} schedule changes α along the run, so the constant-rate rates above bound it."
    if s.lr >= top:
        return text + f" **At α = {s.lr:.2g} the run diverges.**"
    rho = momentum_contraction(lam, s.lr, s.beta if s.method in (HB, NAG) else 0.0, nesterov=s.method == NAG)
    return text + f" At α = {s.lr:.2g}, {_per_step(rho)}."


def check(s: Setting, m: int) -> str | None:
    """What is wrong with ``s`` on ``m`` training rows, in words, or None."""
    if s.method in MINIBATCH and s.batch > m:
        return (
            f"a batch of {s.batch:,} rows is larger than the {m:,} training rows. "
            f"Use at most {m:,}, or 0 for the full batch."
        )
    return None


def divergence(problem: Problem, s: Setting, run: Trajectory) -> str:
    """Why a run diverged, with this method's stable bound."""
    top = bound(problem, s)
    if s.schedule == "constant" and s.lr >= top and s.method not in MINIBATCH:
        return f"α = {s.lr:.2g} is not below {s.method}'s stable bound {top:.3g} on this data."
    where = (
        f"its loss passed {run.loss_limit:.3g} at iteration {run.exploded_at:,}" if run.exploded_at else "its loss grew"
    )
    if s.method == SGD_:
        return (
            f"{where}: a batch's own bound, down to 2/|x_i|² = {2 * sgd_one_row_lr(problem):.3g} for one row, "
            f"can sit far below the full batch's {top:.3g}."
        )
    return f"{where}, below the full-batch bound {top:.3g}: the schedule or the method's own steps overshot."


def stable_lr(problem: Problem, s: Setting) -> float:
    """A rate that brings a diverged run back: half the method's bound, or a row's bound for SGD."""
    if s.method == SGD_:
        return snap_lr(min(sgd_one_row_lr(problem), 0.5 * bound(problem, s)))
    if s.method == GD_:
        return snap_lr(problem.suggested_lr)
    if s.method in ADAPTIVE:
        return snap_lr(s.lr / 10)
    return snap_lr(0.5 * bound(problem, s))


# --- runs and the comparison --------------------------------------------------------------------------------


_KEY = {**cache.KEY, Setting: repr, Plane: repr}


@st.cache_resource(max_entries=64, hash_funcs=_KEY, show_spinner="Running the optimizers…")
def trajectory(source: cache.Source, spec: TrainSpec, s: Setting, n_iters: int, seed: int) -> tuple[Trajectory, float]:
    """The run of ``s`` on the playground's training data, and its wall time in seconds; raises ValueError.

    A two-step run goes first, untimed: the adaptive methods' compiled loop compiles (or loads
    from its cache) on its first call in a server, which is no part of the method's own time.
    """
    problem = cache.experiment(source, spec).problem
    optimizer, schedule = s.optimizer(problem.m, seed), s.schedule_for(n_iters)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        optimizer.run(problem, 2)
        start = time.perf_counter()
        run = optimizer.run(problem, n_iters, schedule=schedule)
    return run, time.perf_counter() - start


@st.cache_resource(max_entries=16, hash_funcs=_KEY, show_spinner=False)
def race_chart(source: cache.Source, spec: TrainSpec, runs_key: str, plane: Plane, _runs, _names, _truth):
    """The race figure of ``_runs`` (named by ``runs_key``, which keys the cache) on ``plane``."""
    problem = cache.experiment(source, spec).problem
    return cache.toolbar(race_figure(problem, _runs, true_theta=_truth, plane=plane, feature_names=_names))


def iterations_to(problem: Problem, run: Trajectory, tol: float) -> int | None:
    """The first iteration at which ``L - L*`` is at most ``tol`` times its start; None if never."""
    history = np.append(run.loss_history, run.final_loss)
    with np.errstate(all="ignore"):
        gap = history - problem.loss_star
        reached = np.flatnonzero(gap <= tol * gap[0])
    return int(reached[0]) if reached.size else None


def comparison(problem: Problem, rows: Sequence[tuple[str, Setting, Trajectory, float]], tol: float):
    """The comparison table: per optimizer, iterations and epochs to ``tol``, final loss, distance to OLS, time."""
    import pandas as pd

    best = problem.to_original(problem.theta_star)
    reach = f"Iterations to {P.format_tol(tol)}"
    table = []
    for name, s, run, seconds in rows:
        k = iterations_to(problem, run, tol)
        per_epoch = -(-problem.m // s.batch_rows(problem.m))
        theta = np.append(run.weights, run.bias) if problem.fit_intercept else np.asarray(run.weights)
        with np.errstate(all="ignore"):
            distance = float(np.linalg.norm(theta - best))
            gap = run.final_loss - problem.loss_star
        table.append(
            {
                "Optimizer": name,
                "Status": str(run.status),
                reach: "not reached" if k is None else f"{k:,}",
                "Epochs": "—" if k is None else P.format_amount(k / per_epoch),
                "Final MSE": f"{run.final_loss:.6g}",
                "MSE − minimum": f"{gap:.3g}",
                "‖θ − θ_OLS‖": f"{distance:.3g}",
                "Wall time": f"{seconds * 1e3:,.1f} ms",
            }
        )
    return pd.DataFrame(table).set_index("Optimizer")


# --- Streamlit: arrival, the sidebar -----------------------------------------------------------------------


_STORE = "_optimizers"
_NOTICES = "_optimizer_notices"


def arrive() -> None:
    """The playground's arrival (its data settings), then the page's own settings out of the URL, once per arrival."""
    first = controls.arrive(PAGE)
    if not first:
        return
    query = {k: st.query_params[k] for k in st.query_params if k in FIELD_BY_KEY}
    values, notices = parse_query(query)
    store = dict(st.session_state.get(_STORE, DEFAULTS)) | values
    for key in KEYS:
        st.session_state[key] = store[key]
    st.session_state[_NOTICES] = (store, notices)
    wanted = to_query(store)
    if query != wanted:
        controls.reseed_url(wanted, FIELD_BY_KEY)


def show_notices(values: Mapping[str, object]) -> None:
    """What was wrong with the link's optimizer settings, until one of them changes."""
    controls.show_notices(values, _NOTICES)


def finish(values: Mapping[str, object]) -> None:
    st.session_state[_STORE] = dict(values)


def _bound(key: str) -> dict:
    return {"key": key, "bind": "query-params"}


def sidebar(problem: Problem, feature_names: Sequence[str] | None) -> tuple[dict[str, object], Plane | None]:
    """The shared settings and the four optimizers' expanders; every value of the page, and the chosen plane."""
    sb = st.sidebar
    sb.header("Optimizers")
    sb.select_slider(
        "Iterations",
        options=P.ITERS_GRID,
        format_func=P.format_count,
        value=DEFAULTS["o_iters"],
        help="Updates each optimizer makes, on a log scale. The mini-batch methods count one per batch.",
        **_bound("o_iters"),
    )
    sb.selectbox(
        "Tolerance for the table",
        options=TOL_GRID,
        format_func=P.format_tol,
        index=TOL_GRID.index(DEFAULTS["o_tol"]),
        help="The table counts the iterations until the MSE above the least-squares minimum first falls "
        "to this fraction of where it started.",
        **_bound("o_tol"),
    )
    sb.number_input(
        "Batch seed",
        min_value=0,
        max_value=2**32 - 1,
        step=1,
        value=DEFAULTS["o_seed"],
        help="Seed of the order in which mini-batches visit the rows (a fresh shuffle each epoch).",
        **_bound("o_seed"),
    )
    choices = presets(problem)
    for i in range(1, SLOTS + 1):
        with sb.expander(f"Optimizer {i}", expanded=i == 1):
            _slot(i, choices)
    plane = _plane_picker(sb, problem, feature_names)
    values = {k: st.session_state.get(k, DEFAULTS[k]) for k in KEYS}
    return values, plane


def _slot(i: int, choices: dict[str, Setting]) -> None:
    k = f"o{i}"
    st.selectbox(
        "Preset",
        options=list(choices),
        index=None,
        placeholder="Apply a preset…",
        key=f"{k}_preset",
        on_change=_apply_preset,
        args=(i, choices),
        help="Fill in this optimizer's settings; the rates come from this data's Hessian.",
    )
    st.selectbox(
        "Method",
        options=METHODS,
        index=METHODS.index(DEFAULTS[k]),
        help="Gradient descent, Polyak's heavy ball, Nesterov's momentum, mini-batch SGD, or the adaptive Adam, "
        "RMSProp and AdaGrad; off hides it.",
        **_bound(k),
    )
    method = st.session_state[k]
    if method == OFF:
        return
    st.select_slider(
        "Learning rate α",
        options=LR_GRID,
        format_func=P.format_lr,
        value=DEFAULTS[f"{k}_lr"],
        help="The base step size, on a log scale; the schedule scales it per step.",
        **_bound(f"{k}_lr"),
    )
    if method in (HB, NAG, ADAM, RMS):
        st.number_input(
            {ADAM: "β₁", RMS: "Decay ρ"}.get(method, "Momentum β"),
            min_value=0.0,
            max_value=BETA_MAX,
            step=0.01,
            format="%.4f",
            value=DEFAULTS[f"{k}_beta"],
            help="How much of the last step carries over (Adam: the decay of its gradient average; RMSProp: "
            "the decay of its average of squared gradients); below 1.",
            **_bound(f"{k}_beta"),
        )
    if method == ADAM:
        st.number_input(
            "β₂",
            min_value=0.0,
            max_value=BETA_MAX,
            step=0.001,
            format="%.4f",
            value=DEFAULTS[f"{k}_beta2"],
            help="The decay of Adam's average of squared gradients; below 1.",
            **_bound(f"{k}_beta2"),
        )
    if method in MINIBATCH:
        st.number_input(
            "Batch size",
            min_value=0,
            max_value=MAX_BATCH,
            step=1,
            value=DEFAULTS[f"{k}_batch"],
            help="Rows per step; 0 uses every training row (the full batch).",
            **_bound(f"{k}_batch"),
        )
    st.selectbox(
        "Schedule",
        options=SCHEDULES,
        index=SCHEDULES.index(DEFAULTS[f"{k}_sched"]),
        help=SCHEDULE_HELP,
        **_bound(f"{k}_sched"),
    )


def _apply_preset(i: int, choices: dict[str, Setting]) -> None:
    """Preset callback: write the preset's settings into slot ``i``'s widgets, then clear the picker."""
    name = st.session_state.get(f"o{i}_preset")
    if name in choices:
        for key, value in slot_values(i, choices[name]).items():
            st.session_state[key] = value
    st.session_state[f"o{i}_preset"] = None


def use_rate(i: int, lr: float) -> None:
    """Button callback: move slot ``i``'s rate onto ``lr``."""
    st.session_state[f"o{i}_lr"] = lr


def plane_options(problem: Problem, feature_names: Sequence[str] | None) -> dict[str, Plane]:
    """The planes on offer by their picker labels (plain text: a selectbox renders no Markdown)."""
    names = [shorten(n, 30) for n in _raw_names(problem, feature_names)]
    options = {}
    for plane in planes(problem):
        if plane.kind == "eigen":
            options["slowest × fastest eigendirection"] = plane
        else:
            options[f"{names[plane.axes[0]]} × {names[plane.axes[1]]}"] = plane
    return options


def _raw_names(problem: Problem, feature_names: Sequence[str] | None) -> list[str]:
    escaped = parameter_names(problem, feature_names)
    if feature_names is None or escaped[0] == "w_1":
        return escaped
    return [*feature_names, "(intercept)"] if problem.fit_intercept else list(feature_names)


def _unknown_plane(raw) -> None:
    """A link's plane that these data do not offer: the default plane instead, said among the link's notices.

    The arrival's record takes the default too, so the page's other notices stay up until a control changes.
    """
    arrived, notices = st.session_state.get(_NOTICES, ({}, []))
    if raw and arrived.get("o_plane") == raw:
        notice = (
            f"The link's o_plane = {inert(str(raw), 60)} is not a plane these data offer: showing the default plane."
        )
        st.session_state[_NOTICES] = ({**arrived, "o_plane": ""}, [*notices, notice])


def _plane_picker(sb, problem: Problem, feature_names: Sequence[str] | None) -> Plane | None:
    options = plane_options(problem, feature_names)
    default = default_plane(problem)
    if len(options) < 2:
        _unknown_plane(st.session_state.get("o_plane"))
        st.session_state["o_plane"] = ""
        return default
    default_label = next(label for label, plane in options.items() if plane == default)
    labels = ["", *(label for label, plane in options.items() if plane != default)]
    if st.session_state.get("o_plane") not in labels:
        _unknown_plane(st.session_state.get("o_plane"))
        st.session_state["o_plane"] = ""
    sb.header("Landscape")
    sb.selectbox(
        "Plane",
        options=labels,
        format_func=lambda label: label or default_label,
        index=0,
        help="The slice of parameter space the contours show: through the least-squares optimum, along the "
        "Hessian's slowest and fastest eigenvectors, or along two coefficients with the others at the optimum.",
        **_bound("o_plane"),
    )
    return options.get(st.session_state["o_plane"], default)
