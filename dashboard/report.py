"""The numbers beside the charts, as plain values: metrics, parameters, status and downloads."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass

import numpy as np
import pandas as pd

from linreg import Experiment, FitResult, Scores

GD_ROW, OLS_ROW, TRUE_ROW = "Gradient descent", "Least squares (OLS)", "True line"


@dataclass(frozen=True)
class Metric:
    """One ``st.metric``: label, formatted value and help text."""

    label: str
    value: str
    help: str


def metrics(exp: Experiment) -> list[Metric]:
    """R², MSE, RMSE and MAE of the GD fit on the train and the test part."""
    out = []
    for part, scores, ols in (("Train", exp.train, exp.ols_train), ("Test", exp.test, exp.ols_test)):
        out += _part_metrics(part, scores, ols)
    return out


def _part_metrics(part: str, s: Scores, ols: Scores) -> list[Metric]:
    where = "training" if part == "Train" else "test"
    return [
        Metric(
            f"{part} R²", _fmt(s.r2, ".2f"), f"Share of the {where} variance explained; OLS gets {_fmt(ols.r2, '.4f')}."
        ),
        Metric(
            f"{part} MSE",
            _fmt(s.mse, ",.2f"),
            f"Mean squared error on the {where} data; OLS gets {_fmt(ols.mse, ',.2f')}.",
        ),
        Metric(f"{part} RMSE", _fmt(s.rmse, ",.2f"), f"Root mean squared error on the {where} data, in units of y."),
        Metric(f"{part} MAE", _fmt(s.mae, ",.2f"), f"Mean absolute error on the {where} data, in units of y."),
    ]


def _fmt(value: float, spec: str) -> str:
    """Format a number; a non-finite one (R² of constant y, a diverged fit) shows as 'n/a'."""
    return format(value, spec) if np.isfinite(value) else "n/a"


def parameters_table(exp: Experiment) -> pd.DataFrame:
    """w_1 (slope) and w_2 (intercept) from GD, from OLS and of the true line, to two decimals."""
    rows = {GD_ROW: exp.fit.theta, OLS_ROW: exp.ols.theta, TRUE_ROW: exp.true_theta}
    return pd.DataFrame(
        [[_fmt(float(t[0]), ".2f"), _fmt(float(t[1]), ".2f")] for t in rows.values()],
        index=list(rows),
        columns=["w_1 (slope)", "w_2 (intercept)"],
    )


def gaps(exp: Experiment) -> tuple[float, float]:
    """‖θ_GD − θ_OLS‖, what is left to optimize, and ‖θ_OLS − θ_true‖, what the noise costs."""
    left = float(np.linalg.norm(exp.fit.theta - exp.ols.theta))
    noise = float(np.linalg.norm(exp.ols.theta - exp.true_theta))
    return left, noise


def status(fit: FitResult) -> tuple[str, str]:
    """(level, message) for the run's outcome; level is 'success', 'info' or 'warning'.

    linreg's stop_reason already says converged, stopped at iteration k by tol, ran out
    of iterations or diverged, with the numbers; only the headline is added here.
    """
    reason = fit.stop_reason[:1].upper() + fit.stop_reason[1:] + "."
    if fit.status == "max_iter" and not reason.startswith("Ran all"):
        reason = "Ran out of iterations: " + fit.stop_reason + "."
    level = {"diverged": "warning", "max_iter": "info"}.get(fit.status, "success")
    return level, reason


def data_csv(exp: Experiment) -> str:
    """x, y and which split each point went to, in the generated order."""
    split = np.full(len(exp.x), "test", dtype=object)
    split[np.asarray(exp.split.train_idx)] = "train"
    return pd.DataFrame({"x": exp.x, "y": exp.y, "split": split}).to_csv(index=False)


def loss_csv(fit: FitResult) -> str:
    """Every iteration's training MSE before its update, then the final loss."""
    mse = np.append(fit.loss_history, fit.final_loss)
    buf = io.StringIO()
    buf.write("iteration,mse\n")
    np.savetxt(buf, np.column_stack([np.arange(len(mse)), mse]), fmt=["%d", "%.17g"], delimiter=",")
    return buf.getvalue()


def fit_json(exp: Experiment) -> str:
    """Settings, parameters, outcome and metrics of the run."""
    fit = exp.fit
    left, noise = gaps(exp)
    doc = {
        "settings": exp.params.as_dict(),
        "parameters": {
            "gradient_descent": {"w_1": float(fit.weights[0]), "w_2": fit.bias},
            "ols": {"w_1": float(exp.ols.weights[0]), "w_2": exp.ols.bias},
            "true": {"w_1": exp.params.slope, "w_2": exp.params.intercept},
            "gap_gd_ols": left,
            "gap_ols_true": noise,
        },
        "run": {
            "n_iter": fit.n_iter,
            "converged": fit.converged,
            "diverged": fit.diverged,
            "stop_reason": fit.stop_reason,
            "final_loss": fit.final_loss,
            "max_stable_lr": exp.diagnostics.max_stable_lr,
            "condition_number": exp.diagnostics.condition_number,
        },
        "metrics": {name: vars(getattr(exp, name)) for name in ("train", "test", "ols_train", "ols_test")},
    }
    return json.dumps(_finite(doc), indent=2, allow_nan=False)


def _finite(value):
    """``value`` with NaN and infinities (R² of a one-point test set, say) as null: JSON has no NaN."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, float | np.floating):
        return float(value) if np.isfinite(value) else None
    return value
