"""The regression summary: statsmodels' OLS table for the training split, and its residual diagnostics.

:func:`render` is the Streamlit block; the tables, the CSV and the code snippet come
from pure helpers below it, which the tests call directly. Names come from visitors'
files: they go into dataframes (plain text) and the CSV (through
:func:`linreg.tables.safe_csv_cell`), never into Markdown.
"""

from __future__ import annotations

import csv
import io
import math

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard import cache, figures_inference
from dashboard.text import inert
from linreg import Experiment, TrainSpec
from linreg.inference import COV_TYPES, OLSInference, from_experiment
from linreg.tables import safe_csv_cell

LEVELS = {"90%": 0.90, "95%": 0.95, "99%": 0.99}
DEFAULT_LEVEL = "95%"
NA = "n/a"
COLUMNS = ("Estimate", "Std. error", "t", "p-value", "CI lower", "CI upper")

# For each statistic, words of the reasons (linreg.inference's ``reasons``) that explain it.
_WHY = {
    "R²": ("R²",),
    "Adj. R²": ("R²", "residual degrees of freedom"),
    "F statistic": ("F test", "leverage"),
    "Prob (F)": ("F test", "leverage"),
    "σ̂ (residual std. dev.)": ("sigma",),
    "Log-likelihood": ("log-likelihood",),
    "AIC": ("AIC",),
    "BIC": ("BIC",),
    "Condition number": ("collinear", "rank"),
    "Durbin–Watson": ("Durbin-Watson",),
    "Jarque–Bera": ("Jarque-Bera",),
    "Prob (JB)": ("Jarque-Bera",),
    "Omnibus": ("omnibus",),
    "Prob (omnibus)": ("omnibus",),
    "Skew": ("residuals are all zero",),
    "Kurtosis": ("residuals are all zero",),
    "Std. error": ("standard errors",),
}


def level() -> float:
    """The confidence level last chosen in the Summary tab, 95 % until then."""
    return LEVELS.get(st.session_state.get("ci_level") or DEFAULT_LEVEL, LEVELS[DEFAULT_LEVEL])


def render(source: cache.Source, spec: TrainSpec, exp: Experiment) -> None:
    """The coefficient table, the model statistics and the residual diagnostics of OLS on ``exp``'s training split."""
    row = st.container(horizontal=True)
    with row:
        level_name = st.segmented_control(
            "Confidence level",
            options=list(LEVELS),
            default=DEFAULT_LEVEL,
            required=True,
            key="ci_level",
            bind="query-params",
            help="The coverage of the coefficients' intervals.",
        )
        cov_type = st.segmented_control(
            "Standard errors",
            options=list(COV_TYPES),
            default="nonrobust",
            required=True,
            key="cov_type",
            bind="query-params",
            help="nonrobust assumes constant noise variance; HC0–HC3 are White's heteroskedasticity-robust "
            "covariances (HC3 is the safest in small samples). Robust p-values and intervals use the normal "
            "distribution, as statsmodels does.",
        )
    level = LEVELS.get(level_name, LEVELS[DEFAULT_LEVEL])
    cov_type = cov_type if cov_type in COV_TYPES else "nonrobust"
    inf = inference_of(source, spec, cov_type, exp)

    st.markdown(f"**Coefficients**, least squares on the {inf.nobs:,} training rows")
    st.dataframe(
        coefficient_table(inf, level),
        key="summary_coefficients",
        column_config={c: st.column_config.NumberColumn(c, format="%.4g") for c in coefficient_columns(inf)},
    )
    st.download_button(
        "Coefficients (CSV)",
        lambda: coefficient_csv(inf, level),
        "coefficients.csv",
        "text/csv",
        key="download_coefficients",
        on_click="ignore",
    )
    st.markdown("**Model**")
    st.dataframe(model_table(inf), key="summary_model", hide_index=True)
    if inf.reasons:
        st.dataframe(pd.DataFrame({"Why some numbers are n/a or infinite": inf.reasons}), key="summary_reasons")

    st.markdown("**Residual diagnostics** (OLS, training split)")
    metrics = st.container(horizontal=True, key="summary_diagnostics")
    for label, value, why in diagnostics(inf):
        metrics.metric(label, value, help=why, width="content")
    st.plotly_chart(qq_figure(source, spec, exp), width="stretch", key="qq_chart")

    st.markdown("**The same table in statsmodels**")
    st.code(statsmodels_code(inf, level), language="python")


@st.cache_resource(max_entries=cache.MAX_ENTRIES, hash_funcs=cache.KEY, show_spinner="Computing the inference…")
def inference_of(source: cache.Source, spec: TrainSpec, cov_type: str, _exp: Experiment) -> OLSInference:
    """The inference of the run of ``spec`` on ``source`` (which is ``_exp``), cached per covariance."""
    return from_experiment(_exp, cov_type=cov_type)


@st.cache_resource(max_entries=cache.MAX_ENTRIES, hash_funcs=cache.KEY, show_spinner=False)
def qq_figure(source: cache.Source, spec: TrainSpec, _exp: Experiment) -> go.Figure:
    """The Q–Q plot of the run's OLS residuals; they do not depend on the covariance."""
    return cache.toolbar(figures_inference.qq_figure(inference_of(source, spec, "nonrobust", _exp)))


@st.cache_resource(max_entries=cache.MAX_ENTRIES, hash_funcs=cache.KEY, show_spinner=False)
def bands_figure(
    source: cache.Source,
    spec: TrainSpec,
    _exp: Experiment,
    *,
    show_train: bool = False,
    level: float = 0.95,
    cov_type: str = "nonrobust",
) -> go.Figure:
    """The Fit tab's chart with OLS's intervals; ``_exp`` is the run of ``spec``.

    One feature: the fit line with the confidence and prediction bands. More: predicted
    vs actual with each test point's prediction interval as an error bar.
    """
    inf = inference_of(source, spec, cov_type, _exp)
    if _exp.dataset.d > 1:
        return cache.toolbar(figures_inference.predicted_with_intervals(_exp, inf, level))
    return cache.toolbar(figures_inference.fit_with_bands(_exp, inf, level, show_train=show_train))


def coefficient_columns(inf: OLSInference) -> tuple[str, ...]:
    """The table's columns; the statistic is z, not t, when a robust covariance refers it to the normal."""
    return COLUMNS if inf.use_t else tuple("z" if c == "t" else c for c in COLUMNS)


def coefficient_table(inf: OLSInference, level: float) -> pd.DataFrame:
    """One row per coefficient (the features' names, then the intercept): estimate, SE, t, p and the interval.

    A row with a non-finite number gets a "Note" column saying why (the column is there only then).
    """
    ci = inf.conf_int(1 - level)
    values = (inf.params, inf.bse, inf.tvalues, inf.pvalues, ci[:, 0], ci[:, 1])
    frame = pd.DataFrame(
        {c: pd.Series(v, dtype="float64") for c, v in zip(coefficient_columns(inf), values, strict=True)}
    )
    frame.index = pd.Index(list(inf.names), name="Term")
    notes = [
        why(inf, "Std. error", min(bse, abs(t), key=_badness)) for bse, t in zip(inf.bse, inf.tvalues, strict=True)
    ]
    if any(notes):
        frame["Note"] = notes
    return frame


def _badness(value: float) -> int:
    """Sorts a non-finite value first, so that ``min`` picks it."""
    return 0 if not math.isfinite(float(value)) else 1


def coefficient_csv(inf: OLSInference, level: float) -> str:
    """:func:`coefficient_table` as CSV, every digit kept, the names safe from spreadsheets' formulas."""
    pct = figures_inference.level_label(level).rstrip("%").replace(".", "_")
    stat = "t" if inf.use_t else "z"
    header = ["term", "estimate", "std_err", stat, "p_value", f"ci_lower_{pct}", f"ci_upper_{pct}"]
    ci = inf.conf_int(1 - level)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for i, name in enumerate(inf.names):
        numbers = (inf.params[i], inf.bse[i], inf.tvalues[i], inf.pvalues[i], ci[i, 0], ci[i, 1])
        writer.writerow([safe_csv_cell(name), *(repr(float(v)) for v in numbers)])
    return out.getvalue()


def fmt(value: float, spec: str = ".4g") -> str:
    """A number for a table cell: "n/a" for NaN, "+inf" / "−inf", else ``format(value, spec)``.

    Examples
    --------
    >>> fmt(float("nan")), fmt(float("-inf")), fmt(0.123456)
    ('n/a', '−inf', '0.1235')
    """
    value = float(value)
    if math.isnan(value):
        return NA
    if math.isinf(value):
        return "+inf" if value > 0 else "−inf"
    return format(value, spec)


def why(inf: OLSInference, label: str, value: float) -> str:
    """The reason ``value`` (the statistic ``label``) is NaN or infinite; "" for a finite value."""
    if math.isfinite(float(value)):
        return ""
    words = _WHY.get(label, ())
    for reason in inf.reasons:
        if any(w.lower() in reason.lower() for w in words):
            return reason
    if label == "Condition number":
        return "the design is singular: its smallest singular value is 0"
    return "; ".join(inf.reasons) or "undefined for this fit"


def model_table(inf: OLSInference) -> pd.DataFrame:
    """The model's statistics as statsmodels' summary prints them, as text, with why any of them is n/a."""
    rows = [
        ("R²", inf.rsquared, ".4f"),
        ("Adj. R²", inf.rsquared_adj, ".4f"),
        ("F statistic", inf.fvalue, ".4g"),
        ("Prob (F)", inf.f_pvalue, ".3g"),
        ("σ̂ (residual std. dev.)", inf.resid_std, ".4g"),
        ("Log-likelihood", inf.llf, ".6g"),
        ("AIC", inf.aic, ".6g"),
        ("BIC", inf.bic, ".6g"),
        ("Condition number", inf.condition_number, ".3g"),
    ]
    table = [(label, fmt(v, spec), why(inf, label, v)) for label, v, spec in rows]
    table += [
        ("df model", fmt(inf.df_model, "g"), ""),
        ("df residuals", fmt(inf.df_resid, "g"), why(inf, "σ̂ (residual std. dev.)", inf.resid_std)),
        ("Observations", f"{inf.nobs:,}", ""),
        ("Covariance", inf.cov_type, ""),
    ]
    return pd.DataFrame(table, columns=["Statistic", "Value", "Note"])


def diagnostics(inf: OLSInference) -> list[tuple[str, str, str]]:
    """(label, value, help) of the residual diagnostics statsmodels' summary prints."""
    rows = [
        ("Durbin–Watson", inf.durbin_watson, "Near 2 without autocorrelation of the residuals (in row order)."),
        ("Jarque–Bera", inf.jarque_bera, "Tests normality of the residuals from their skew and kurtosis."),
        ("Prob (JB)", inf.jb_pvalue, "Small: the residuals are unlikely to be normal."),
        ("Omnibus", inf.omnibus, "D'Agostino and Pearson's normality test of the residuals."),
        ("Prob (omnibus)", inf.omnibus_pvalue, "Small: the residuals are unlikely to be normal."),
        ("Skew", inf.skew, "0 for symmetric residuals."),
        ("Kurtosis", inf.kurtosis, "3 for normal residuals."),
    ]
    out = []
    for label, value, text in rows:
        reason = why(inf, label, value)
        # help renders Markdown, and a reason may quote a column's name
        out.append((label, fmt(value, ".3g"), f"{text} n/a: {inert(reason, 300)}" if reason else text))
    return out


def statsmodels_code(inf: OLSInference, level: float) -> str:
    """A short statsmodels snippet that reproduces the table (the intercept last, as here)."""
    design = "sm.add_constant(X_train, prepend=False)" if inf.fit_intercept else "X_train"
    return (
        "import statsmodels.api as sm\n\n"
        "# X_train, y_train: the training split's features and target\n"
        f'res = sm.OLS(y_train, {design}).fit(cov_type="{inf.cov_type}")\n'
        f"print(res.summary(alpha={round(1 - level, 6)!r}))\n"
    )
