"""Repeat the experiment: K new noise draws on the same x and split, and what OLS and GD make of them.

:func:`render` is the Streamlit block for the playground's Repeat tab; the words and the
table come from pure helpers below it, which the tests call directly. The work is
:func:`linreg.repeat.repeat`: with the design fixed both estimators are linear in y, so
the K fits are one matrix product and the normal curves are exact.

The number of repeats K is the one control, ``repeats`` in the URL. A link's value
that the number box would silently drop (``repeats=5000``, ``repeats=abc``) is read
before the box is first drawn and named in a warning, until K is changed; the box then
shows the default.
"""

from __future__ import annotations

import re

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard import cache, figures_repeat
from dashboard.text import inert
from linreg import Experiment, TrainSpec
from linreg.repeat import DEFAULT_REPEATS, MAX_DRAWS, MAX_REPEATS, MIN_REPEATS, Repeats, binomial_range, max_repeats

KEY = "repeats"
_NOTICE = "_repeats_notice"
_INTEGER = re.compile(r"\s*[+]?\d+\s*")
LEVEL = 0.95
NEEDS_GENERATOR = (
    "Repeating the experiment needs the data generator: it draws new noise around the true line, which a table "
    "does not have. Choose **synthetic** under Data set to repeat it."
)


def render(source: cache.Source, spec: TrainSpec, exp: Experiment) -> None:
    """The Repeat tab: K, the coverage, a histogram per coefficient and the table of moments."""
    if source.synthetic is None:
        st.info(NEEDS_GENERATOR, icon=":material/casino:")
        return
    st.caption(intro(source.synthetic.seed))
    k = _choose_k()
    allowed = max_repeats(source.synthetic.n)
    if k > allowed:
        st.info(budget_note(k, allowed, source.synthetic.n), icon=":material/speed:")
        k = allowed
    try:
        r = repeats_of(source, spec, k, exp)
    except ValueError as exc:
        st.warning(f"Cannot repeat these settings: {inert(str(exc), 300)}", icon=":material/block:")
        return
    for note in method_notes(r, exp):
        st.caption(note)
    row = st.container(horizontal=True, key="repeat_coverage")
    for label, value, text in coverage_metrics(r):
        row.metric(label, value, help=text, width="content")
    for ok, line in verdicts(r):
        (st.success if ok else st.warning)(line)
    for i in range(len(r.names)):
        st.plotly_chart(repeat_figure(source, spec, k, i, exp), width="stretch", key=f"repeat_chart_{i}")
    st.dataframe(moments_table(r), key="repeat_moments", column_config=MOMENT_COLUMNS)


def _choose_k() -> int:
    """The number box for K, bound to the URL, with a warning for a link's value that the box drops."""
    if KEY not in st.session_state:  # the box's first drawing this session: the link decides
        st.session_state[_NOTICE] = parse_repeats(st.query_params.get(KEY))[1]
    k = st.number_input(
        "Repeats K",
        min_value=MIN_REPEATS,
        max_value=MAX_REPEATS,
        value=DEFAULT_REPEATS,
        step=100,
        width=240,
        key=KEY,
        bind="query-params",
        persist_state="session",  # kept while another tab is open
        help=f"How many new data sets to draw, {MIN_REPEATS} to {MAX_REPEATS:,}: the same x and split, new noise.",
    )
    notice = st.session_state.get(_NOTICE)
    if notice and k == DEFAULT_REPEATS:  # until K is changed
        st.warning(notice, icon=":material/link:")
    elif notice:
        st.session_state[_NOTICE] = None
    return int(k)


def parse_repeats(raw: str | None) -> tuple[int | None, str | None]:
    """K from the URL's ``repeats``: (K, None) if valid, (None, notice) if not, (None, None) if absent.

    Examples
    --------
    >>> parse_repeats("500"), parse_repeats(None)
    ((500, None), (None, None))
    >>> parse_repeats("5000")[1]
    'The link asks for ` 5000 ` repeats: K must be a whole number from 10 to 2,000. Showing 1,000.'
    """
    if raw is None:
        return None, None
    if _INTEGER.fullmatch(raw) and MIN_REPEATS <= int(raw) <= MAX_REPEATS:
        return int(raw), None
    return None, (
        f"The link asks for {inert(raw, 40)} repeats: K must be a whole number from {MIN_REPEATS} to "
        f"{MAX_REPEATS:,}. Showing {DEFAULT_REPEATS:,}."
    )


@st.cache_resource(max_entries=cache.MAX_ENTRIES, hash_funcs=cache.KEY, show_spinner="Repeating the experiment…")
def repeats_of(source: cache.Source, spec: TrainSpec, k: int, _exp: Experiment) -> Repeats:
    """K repeats of the run of ``spec`` on the generator of ``source`` (whose run is ``_exp``)."""
    from linreg.repeat import repeat

    return repeat(source.synthetic, spec, k, level=LEVEL, base=_exp)


@st.cache_resource(max_entries=cache.MAX_ENTRIES, hash_funcs=cache.KEY, show_spinner=False)
def repeat_figure(source: cache.Source, spec: TrainSpec, k: int, i: int, _exp: Experiment) -> go.Figure:
    return cache.toolbar(figures_repeat.repeat_figure(repeats_of(source, spec, k, _exp), i))


MOMENT_COLUMNS = {
    "True": st.column_config.NumberColumn(format="%.4g", help="The generator's value."),
    "Mean of estimates": st.column_config.NumberColumn(format="%.4g"),
    "Predicted mean": st.column_config.NumberColumn(
        format="%.4g", help="The estimator's linear map applied to the noise-free y: the true value for OLS."
    ),
    "SD of estimates": st.column_config.NumberColumn(format="%.3g"),
    "Predicted SD": st.column_config.NumberColumn(
        format="%.3g", help="σ times the norm of the map's row: σ·sqrt((XᵀX)⁻¹) on the diagonal for OLS."
    ),
    "Mean SE": st.column_config.NumberColumn(
        format="%.3g",
        help="The average standard error the repeats report: OLS's, which estimates σ from the residuals. GD's "
        "intervals use the same half-widths.",
    ),
    "Intervals covering": st.column_config.NumberColumn(
        format="percent",
        help="The share of intervals estimate ± t·SE that hold the true value; for GD, around its estimates "
        "with OLS's half-widths.",
    ),
}


def intro(seed: int) -> str:
    """What a repeat is, and where its noise comes from."""
    return (
        "Each repeat draws new noise around the true line, on the same x and the same train/test split, and fits "
        "it by least squares and by gradient descent with the sidebar's settings. Both fits are linear in y, so "
        "the repeats take one matrix product and the normal curves below are exact. Repeat j uses the noise seed "
        f"`SeedSequence({seed}).generate_state(K)[j]`: the same link draws the same data."
    )


def budget_note(k: int, allowed: int, n: int) -> str:
    return (
        f"{k:,} repeats of {n:,} points would draw {k * n / 1e6:,.0f} million noise values; the budget is "
        f"{MAX_DRAWS / 1e6:,.0f} million, so the first {allowed:,} repeats are shown."
    )


def method_notes(r: Repeats, exp: Experiment) -> list[str]:
    """How GD was run over the repeats: the tolerance, a divergence, its distance from the true values."""
    notes = []
    if exp.fit.diverged:
        notes.append("Gradient descent diverges at this learning rate: only least squares is repeated.")
    elif exp.spec.tol is not None:
        if r.tol_stopped:
            notes.append(
                f"The tolerance stopped gradient descent after {r.gd_iters:,} iterations on the data shown; every "
                f"repeat runs exactly {r.gd_iters:,}, so that GD stays linear in y (a stop that moved with each "
                "data set would not be)."
            )
        else:
            notes.append(f"The tolerance never stopped gradient descent: every repeat runs all {r.gd_iters:,}.")
    if r.gd is not None:
        notes.append(bias_note(r))
    return notes


def bias_note(r: Repeats) -> str:
    """Where GD's mean sits against the true values, in OLS standard deviations."""
    shift = (r.gd.mean - r.ols.mean) / r.ols.sd
    if float(max(abs(shift))) < 0.01:
        return "Gradient descent has converged: its histograms are those of least squares."
    parts = []
    for i in range(len(r.names)):
        gap = float(r.gd.mean[i] - r.true_theta[i])
        parts.append(f"the {_label(r, i)} by {gap:+.3g} ({shift[i]:+.2f} OLS standard deviations)")
    return (
        f"Stopped after {r.gd_iters:,} iterations, gradient descent has not reached least squares: its mean misses "
        + " and ".join(parts)
        + "."
    )


def coverage_metrics(r: Repeats) -> list[tuple[str, str, str]]:
    """(label, value, help) of the share of OLS intervals that hold each true value."""
    share = r.coverage()
    pct = f"{100 * r.level:g} %"
    return [
        (
            f"{pct} intervals covering the true {_label(r, i)}",
            f"{100 * share[i]:.1f} %",
            f"Of {r.k:,} intervals estimate ± t·SE (t = {r.t_quantile:.4g}, {r.df_resid:,} degrees of freedom), "
            f"the share that holds {float(r.true_theta[i]):.4g}.",
        )
        for i in range(len(r.names))
    ]


def verdicts(r: Repeats) -> list[tuple[bool, str]]:
    """(within binomial error, the sentence saying so) per coefficient."""
    lo, hi = binomial_range(r.k, r.level)
    out = []
    for i, count in enumerate(r.covered().sum(axis=0).tolist()):
        ok = lo <= count <= hi
        where = "within" if ok else "outside"
        out.append(
            (
                ok,
                f"True {_label(r, i)}: {count:,} of {r.k:,} intervals cover it ({100 * count / r.k:.1f} %), "
                f"{where} binomial error: intervals that really cover {100 * r.level:g} % of the time give "
                f"{lo:,} to {hi:,} of {r.k:,} in 95 % of experiments.",
            )
        )
    return out


def moments_table(r: Repeats) -> pd.DataFrame:
    """Per coefficient and estimator: the true value, the estimates' mean and SD against the predicted ones,
    and the share of intervals (OLS's half-widths, around each estimate) that hold the true value."""
    rows = []
    for i in range(len(r.names)):
        for method, est in (("OLS", r.ols), ("GD", r.gd)):
            if est is None:
                continue
            rows.append(
                {
                    "Coefficient": _label(r, i),
                    "Estimator": method,
                    "True": float(r.true_theta[i]),
                    "Mean of estimates": float(est.theta[:, i].mean()),
                    "Predicted mean": float(est.mean[i]),
                    "SD of estimates": float(est.theta[:, i].std(ddof=1)),
                    "Predicted SD": float(est.sd[i]),
                    "Mean SE": float(r.bse[:, i].mean()),
                    "Intervals covering": float(r.coverage(est.theta)[i]),
                }
            )
    return pd.DataFrame(rows).set_index(["Coefficient", "Estimator"])


def _label(r: Repeats, i: int) -> str:
    """The coefficient's name in words; synthetic data have one feature."""
    return figures_repeat.coefficient_label(r.names[i], 1)
