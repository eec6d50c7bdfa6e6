"""Blocks of the playground that need Streamlit: the status, the numbers and the downloads.

The page decides where they go; what they show comes from :mod:`dashboard.report`.
"""

from __future__ import annotations

import contextlib
from dataclasses import replace

import streamlit as st

from dashboard import cache, controls, report, sources, summary
from dashboard import params as P
from dashboard.script import script_for
from dashboard.text import inert
from linreg import Experiment, TrainSpec
from linreg.tables import MAX_FEATURES, Table

LAST_GOOD = "_last_good"

_ALERT = {"success": st.success, "info": st.info, "warning": st.warning}


def table_source(key: str) -> cache.Source | None:
    """For a bundled or uploaded table: its target and feature pickers, and the Source they choose.

    None for synthetic data. Without a file yet, or with a file that cannot be read,
    the page says so and, where there is one, keeps showing the last run that worked.
    """
    if key == sources.SYNTHETIC:
        return None
    digest = ""
    if key in sources.BUNDLED:
        table = cache.bundled_table(key)
        defaults = (sources.BUNDLED[key].target, sources.BUNDLED[key].features)
    else:
        file = controls.upload()
        if file is None:
            st.info("Choose a CSV, TSV or Parquet file in the sidebar: its numeric columns become the features.")
            return _fall_back()
        try:
            digest, table = cache.uploaded_table(*file)
            defaults = _upload_defaults(table)
        except ValueError as exc:
            st.error(inert(str(exc), 300), icon=":material/block:")
            return _fall_back()
    controls.table_controls(table, defaults)
    source = cache.Source(
        key, digest=digest, target=st.session_state["target"], features=tuple(st.session_state["features"])
    )
    if st.session_state.pop("_rate_due", False):
        # A new table starts at the fastest stable rate of its own training split.
        now = controls.current() | {k: st.session_state[k] for k in P.KEYS if k in st.session_state}
        spec = replace(P.to_train_spec(now | {"features": tuple(now["features"])}), lr=None)
        with contextlib.suppress(ValueError):  # a selection that cannot run is reported with the run
            controls.use_rate(cache.experiment(source, spec).fit.lr)
    return source


def _upload_defaults(table: Table) -> tuple[str, tuple[str, ...]]:
    """The last numeric column as the target, the other numeric columns (up to the cap) as features."""
    if not table.numeric:
        raise ValueError("it has no numeric column to predict")
    target = table.numeric[-1]
    return target, tuple(c for c in table.numeric if c != target)[:MAX_FEATURES]


def _fall_back() -> cache.Source:
    if LAST_GOOD not in st.session_state:
        st.stop()
    st.caption("Showing the last data that worked.")
    return st.session_state[LAST_GOOD][0]


def run_or_last_good(source: cache.Source, spec: TrainSpec) -> tuple[cache.Source, TrainSpec, Experiment]:
    """The run of ``spec`` on ``source``; on bad settings or data, the message and the last run that worked."""
    try:
        exp = cache.experiment(source, spec)
    except ValueError as exc:
        st.error(f"These settings cannot run: {inert(str(exc), 300)}", icon=":material/block:")
        if LAST_GOOD not in st.session_state:
            st.stop()
        st.caption("Showing the last settings that worked.")
        source, spec = st.session_state[LAST_GOOD]
        return source, spec, cache.experiment(source, spec)
    st.session_state[LAST_GOOD] = (source, spec)
    return source, spec, exp


def data_notices(notices: tuple[str, ...]) -> None:
    """What reading and selecting the table did on the visitor's behalf; it may quote their column names."""
    for notice in notices:
        st.info(inert(notice, 300), icon=":material/table:")


def status(exp: Experiment) -> None:
    """How the run ended, with a button that fixes a diverged run."""
    level, message = report.status(exp)
    diag = exp.diagnostics
    _ALERT[level](message, icon=":material/warning:" if level == "warning" else None)
    if exp.fit.diverged:
        st.button(
            f"Use a stable rate: α = {P.format_lr(P.snap_lr(diag.suggested_lr))}",
            key="use_stable_rate",
            type="primary",
            on_click=controls.use_rate,
            args=(diag.suggested_lr,),
            help="Set the learning rate near 2/(λ_min + λ_max), the fastest stable rate on this data.",
        )


def rate_advice(slot, exp: Experiment) -> None:
    """Beside the learning rate: the two rates that matter, and a faster one when x is standardized."""
    lr, diag = exp.fit.lr, exp.diagnostics
    controls.lr_note(slot, lr, diag, exp.spec.tol)
    best = P.snap_lr(diag.suggested_lr)
    if exp.spec.standardize and lr < best / 10:
        slot.info(
            f"Standardized x allows far larger steps: α = {P.format_lr(best)} is stable and fastest here, "
            f"{best / lr:,.0f}× the current rate.",
            icon=":material/speed:",
        )
        slot.button(
            f"Use α = {P.format_lr(best)}",
            key="use_standardized_rate",
            on_click=controls.use_rate,
            args=(best,),
            help="The fastest stable rate for the standardized problem, 2/(λ_min + λ_max).",
        )


def headline(exp: Experiment) -> None:
    """The four numbers a visitor watches, in one row that wraps on a phone."""
    shown = {m.label: m for m in report.metrics(exp)}
    row = st.container(horizontal=True, key="headline")
    for m in [shown["Test R²"], shown["Test MSE"], *report.coefficients(exp)]:
        row.metric(m.label, m.value, help=m.help, width="content")


def numbers(exp: Experiment) -> None:
    """Every metric for train and test, the parameters of GD, OLS and the true line, and the gaps."""
    all_metrics = report.metrics(exp)
    for part in (all_metrics[4:], all_metrics[:4]):
        row = st.container(horizontal=True)
        for m in part:
            row.metric(m.label, m.value, help=m.help, width="content")
    st.dataframe(report.parameters_table(exp), key="parameters")
    left, noise = report.gaps(exp)
    row = st.container(horizontal=True)
    row.metric(
        "Left to optimize ‖θ_GD − θ_OLS‖",
        report.fmt(left, ".3g"),
        help="How far gradient descent still is from the least-squares fit.",
    )
    if noise is not None:
        row.metric(
            "Due to noise ‖θ_OLS − θ_true‖",
            report.fmt(noise, ".3g"),
            help="How far even the best fit is from the true line.",
        )
    for line in report.identifiability(exp):
        st.warning(inert(line, 300), icon=":material/warning:")


def downloads(exp: Experiment) -> None:
    """The data, the loss history, the fit and a script that reruns it; built only when clicked."""
    files = (
        ("Data (CSV)", lambda: report.data_csv(exp), "data.csv", "text/csv", "download_data"),
        ("Loss history (CSV)", lambda: report.loss_csv(exp.fit), "loss.csv", "text/csv", "download_loss"),
        ("Fit (JSON)", lambda: report.fit_json(exp), "fit.json", "application/json", "download_fit"),
        ("NumPy script", lambda: script_for(exp), "linreg_run.py", "text/x-python", "download_script"),
    )
    row = st.container(horizontal=True)
    for label, build, name, mime, key in files:
        row.download_button(label, build, name, mime, key=key, on_click="ignore")


def fit(source: cache.Source, spec: TrainSpec, exp: Experiment, show_train: bool) -> None:
    """The fit: the line (one feature) or predicted vs actual (more), with OLS's intervals on a toggle."""
    bands = st.toggle(
        "OLS bands",
        key="bands",
        bind="query-params",
        help="Least squares' intervals at the Summary tab's level and covariance. One feature: the confidence "
        "band (where the mean lies) and the prediction band (where a new point falls). More features: each test "
        "point's prediction interval as an error bar.",
    )
    fig = (
        summary.bands_figure(
            source,
            spec,
            exp,
            show_train=show_train,
            level=summary.level(),
            cov_type=st.session_state.get("cov_type") or "nonrobust",
        )
        if bands
        else cache.fit_figure(source, spec, show_train)
    )
    st.plotly_chart(fig, width="stretch", key="fit_chart")
    if exp.dataset.d > 1:
        partial(source, spec, exp)


def partial(source: cache.Source, spec: TrainSpec, exp: Experiment) -> None:
    """The fit along one chosen feature, the others held at their means."""
    feature = st.selectbox(
        "Partial view along",
        options=exp.feature_names,
        key="partial_feature",
        help="The fitted line along this feature, with every other feature at its training mean.",
    )
    st.plotly_chart(cache.partial_figure(source, spec, feature), width="stretch", key="partial_chart")


def coefficients(source: cache.Source, spec: TrainSpec) -> None:
    """GD's coefficients against least squares', raw or standardized."""
    # On by default: raw coefficients of features in different units (Longley's) are mostly invisible bars.
    standardized = st.toggle(
        "Standardized coefficients",
        value=True,
        key="standardized_coef",
        help="Each weight times its feature's standard deviation, over the target's: comparable across units.",
    )
    fig = cache.coefficients_figure(source, spec, standardized)
    st.plotly_chart(fig, width="stretch", key="coefficients_chart")
