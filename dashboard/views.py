"""Blocks of the playground that need Streamlit: the status, the numbers and the downloads.

The page decides where they go; what they show comes from :mod:`dashboard.report`.
"""

from __future__ import annotations

import streamlit as st

from dashboard import controls, report
from dashboard import params as P
from dashboard.script import numpy_script
from linreg import Experiment, ExperimentParams

_ALERT = {"success": st.success, "info": st.info, "warning": st.warning}


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
    params, diag = exp.params, exp.diagnostics
    controls.lr_note(slot, params.lr, diag)
    best = P.snap_lr(diag.suggested_lr)
    if params.standardize and params.lr < best / 10:
        slot.info(
            f"Standardized x allows far larger steps: α = {P.format_lr(best)} is stable and fastest here, "
            f"{best / params.lr:,.0f}× the current rate.",
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
    for label in ("Test R²", "Test MSE"):
        m = shown[label]
        row.metric(m.label, m.value, help=m.help, width="content")
    for m in report.coefficients(exp):
        row.metric(m.label, m.value, help=m.help, width="content")


def numbers(exp: Experiment) -> None:
    """Every metric for train and test, the parameters of GD, OLS and the true line, and the gaps."""
    all_metrics = report.metrics(exp)
    for part in (all_metrics[4:], all_metrics[:4]):
        row = st.container(horizontal=True)
        for m in part:
            row.metric(m.label, m.value, help=m.help, width="content")
    st.table(report.parameters_table(exp))
    left, noise = report.gaps(exp)
    row = st.container(horizontal=True)
    row.metric(
        "Left to optimize ‖θ_GD − θ_OLS‖",
        report.fmt(left, ".3g"),
        help="How far gradient descent still is from the least-squares fit.",
    )
    row.metric(
        "Due to noise ‖θ_OLS − θ_true‖",
        report.fmt(noise, ".3g"),
        help="How far even the best fit is from the true line.",
    )


def downloads(exp: Experiment, params: ExperimentParams) -> None:
    """The data, the loss history, the fit and a script that reruns it; built only when clicked."""
    fit = exp.fit
    row = st.container(horizontal=True)
    row.download_button(
        "Data (CSV)", lambda: report.data_csv(exp), "data.csv", "text/csv", key="download_data", on_click="ignore"
    )
    row.download_button(
        "Loss history (CSV)",
        lambda: report.loss_csv(fit),
        "loss.csv",
        "text/csv",
        key="download_loss",
        on_click="ignore",
    )
    row.download_button(
        "Fit (JSON)",
        lambda: report.fit_json(exp),
        "fit.json",
        "application/json",
        key="download_fit",
        on_click="ignore",
    )
    row.download_button(
        "NumPy script",
        lambda: numpy_script(params),
        "linreg_run.py",
        "text/x-python",
        key="download_script",
        on_click="ignore",
    )
