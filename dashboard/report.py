"""The numbers beside the charts, as plain values: metrics, parameters, status and downloads."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass

import numpy as np
import pandas as pd

from linreg import Experiment, FitResult, Scores
from linreg.tables import safe_csv_cell

GD_ROW, OLS_ROW, TRUE_ROW = "Gradient descent", "Least squares (OLS)", "True line"
LARGE = 1e5
"""Numbers from this size up are shown in scientific notation, so that a metric never runs out of room."""
GAP_THAT_MATTERS = 0.01
"""A run that stopped with a coefficient this far from least squares (relative) gets a warning, not a success."""


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
            f"{part} R²", fmt(s.r2, ".2f"), f"Share of the {where} variance explained; OLS gets {fmt(ols.r2, '.4f')}."
        ),
        Metric(
            f"{part} MSE",
            fmt(s.mse, ",.2f"),
            f"Mean squared error on the {where} data; OLS gets {fmt(ols.mse, ',.2f')}.",
        ),
        Metric(f"{part} RMSE", fmt(s.rmse, ",.2f"), f"Root mean squared error on the {where} data, in units of y."),
        Metric(f"{part} MAE", fmt(s.mae, ",.2f"), f"Mean absolute error on the {where} data, in units of y."),
    ]


def fmt(value: float, spec: str) -> str:
    """Format a number; a huge one (a diverged fit) in short scientific notation, a non-finite one as 'n/a'.

    Examples
    --------
    >>> fmt(0.9488, ".2f"), fmt(-53226300.69, ".2f"), fmt(520374710.5, ",.2f"), fmt(float("nan"), ".2f")
    ('0.95', '-5.3e+07', '5.2e+08', 'n/a')
    >>> fmt(99_999.5, ",.2f"), fmt(100_000, ",.2f")
    ('99,999.50', '1e+05')
    """
    if not np.isfinite(value):
        return "n/a"
    return format(value, ".2g" if abs(value) >= LARGE else spec)


def coefficient_names(exp: Experiment) -> list[str]:
    """One label per coefficient: the article's w_1 (slope) and w_2 (intercept) for its one-feature line,
    else the feature names, then the intercept."""
    names = list(exp.feature_names)
    if exp.params is not None:
        return ["w_1 (slope)", "w_2 (intercept)"]
    return names + ["(intercept)"] if exp.spec.fit_intercept else names


def parameters_table(exp: Experiment) -> pd.DataFrame:
    """One row per coefficient: GD's, OLS's and (for synthetic data) the true value, to four significant digits."""
    columns = {GD_ROW: exp.fit.theta, OLS_ROW: exp.ols.theta}
    if exp.true_theta is not None:
        columns[TRUE_ROW] = exp.true_theta
    digits = ".2f" if exp.params is not None else ".4g"
    return pd.DataFrame(
        {name: [fmt(float(v), digits) for v in theta] for name, theta in columns.items()},
        index=coefficient_names(exp),
    )


def coefficients(exp: Experiment) -> list[Metric]:
    """The headline coefficients: the slope and intercept of a one-feature fit; for more, the gap to OLS."""
    if exp.dataset.d > 1:
        left, _ = gaps(exp)
        return [
            Metric(
                "‖θ_GD − θ_OLS‖",
                fmt(left, ".3g"),
                f"How far gradient descent's {len(exp.fit.theta)} coefficients still are from least squares; "
                "the Numbers tab lists them.",
            )
        ]
    out = []
    labels = (("w₁ (slope)", "slope"), ("w₂ (intercept)", "intercept"))[: len(exp.fit.theta)]
    for i, (label, what) in enumerate(labels):
        gd, ls = float(exp.fit.theta[i]), float(exp.ols.theta[i])
        help_text = f"The {what} gradient descent found; least squares gets {fmt(ls, '.4f')}."
        out.append(Metric(label, fmt(gd, ".2f"), help_text))
    return out


def gaps(exp: Experiment) -> tuple[float, float | None]:
    """‖θ_GD − θ_OLS‖, what is left to optimize, and ‖θ_OLS − θ_true‖, what the noise costs (synthetic data)."""
    left = float(np.linalg.norm(exp.fit.theta - exp.ols.theta))
    if exp.true_theta is None:
        return left, None
    return left, float(np.linalg.norm(exp.ols.theta - exp.true_theta))


def identifiability(exp: Experiment) -> list[str]:
    """What the Hessian and least squares say about coefficients the data cannot pin down."""
    lines = []
    if not exp.diagnostics.identifiable:
        lines.append(exp.diagnostics.identifiability)
    if exp.ols.collinear:
        lines.append("Least squares found these columns collinear: " + ", ".join(exp.ols.collinear) + ".")
    return lines


def status(exp: Experiment) -> tuple[str, str]:
    """(level, message) for the run's outcome; level is 'success', 'info' or 'warning'.

    linreg's stop_reason already says converged, stopped at iteration k by tol, ran out
    of iterations or diverged, with the numbers; only the headline is added here. A
    stop that leaves a coefficient far from least squares is a warning: a flat loss is
    not a finished fit.
    """
    fit = exp.fit
    reason = fit.stop_reason[:1].upper() + fit.stop_reason[1:] + "."
    if fit.status == "max_iter" and fit.tol is not None:
        reason = "Ran out of iterations: " + fit.stop_reason + "."
    level = {"diverged": "warning", "max_iter": "info"}.get(fit.status, "success")
    gap = largest_gap(exp)
    if level == "success" and gap is not None:
        name, gd, ls = gap
        reason += (
            f" But {name} is still {gd:.3g} against least squares' {ls:.3g}: the loss had flattened, "
            "not the gap. Lower the tolerance, raise the iterations or standardize x."
        )
        level = "warning"
    return level, reason


def largest_gap(exp: Experiment) -> tuple[str, float, float] | None:
    """(coefficient, GD value, OLS value) of the coefficient furthest from least squares, if it matters.

    A gap matters when it exceeds GAP_THAT_MATTERS of the coefficient's own size (or of
    the largest coefficient's, for one near zero).
    """
    gd, ls = exp.fit.theta, exp.ols.theta
    scale = np.maximum(np.abs(ls), GAP_THAT_MATTERS * np.max(np.abs(ls)))
    with np.errstate(all="ignore"):
        rel = np.abs(gd - ls) / scale
    if not np.all(np.isfinite(rel)) or rel.max() <= GAP_THAT_MATTERS:
        return None
    i = int(np.argmax(rel))
    names = coefficient_names(exp)
    if exp.params is not None:
        names = ["the slope", "the intercept"]
    return names[i], float(gd[i]), float(ls[i])


def describe(exp: Experiment) -> str:
    """One line on what the current settings draw and fit."""
    p, s, spec = exp.params, exp.split, exp.spec
    stop = "" if spec.tol is None else f", or until an update gains less than {spec.tol:g}"
    how = "on standardized features" if spec.standardize else "on the features as they are"
    train = (
        f"{len(s.y_train):,} train and {len(s.y_test):,} test. Gradient descent {how}"
        f"{'' if spec.fit_intercept else ', with no intercept'}: "
        f"α = {exp.fit.lr:.1e} for {spec.n_iters:,} iterations{stop}."
    )
    if p is None:
        d = exp.dataset
        return f"{d.m:,} rows, {d.d} feature{'s' if d.d > 1 else ''} to predict the target; {train}"
    rule = f"y = {p.slope:g}x {'+' if p.intercept >= 0 else '−'} {abs(p.intercept):g}"
    how = "on standardized x" if p.standardize else "on x as it is"
    return (
        f"{p.n:,} points with x from {p.x_min:g} to {p.x_max:g} around {rule}, with Gaussian noise σ = {p.noise:g} "
        f"(seed {p.seed}); {len(s.y_train):,} train and {len(s.y_test):,} test. Gradient descent {how}: "
        f"α = {p.lr:.1e} for {p.n_iters:,} iterations{stop}."
    )


def data_csv(exp: Experiment) -> str:
    """Every feature, the target and which split each row went to, in the data's order.

    Column names from a file are written so that no spreadsheet reads them as a formula.
    """
    split = np.full(exp.dataset.m, "test", dtype=object)
    split[np.asarray(exp.split.train_idx)] = "train"
    d = exp.dataset
    names = ["x"] if exp.params is not None else list(d.feature_names)
    columns = {safe_csv_cell(n): d.X[:, j] for j, n in enumerate(names)}
    columns[safe_csv_cell("y" if exp.params is not None else d.target_name)] = d.y
    return pd.DataFrame(columns | {"split": split}).to_csv(index=False)


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
    names = coefficient_names(exp)
    parameters = {
        "gradient_descent": dict(zip(names, map(float, fit.theta), strict=True)),
        "ols": dict(zip(names, map(float, exp.ols.theta), strict=True)),
        "gap_gd_ols": left,
    }
    if exp.params is not None:  # the article's names, kept for one feature
        parameters["gradient_descent"] |= {"w_1": float(fit.weights[0]), "w_2": fit.bias}
        parameters["ols"] |= {"w_1": float(exp.ols.weights[0]), "w_2": exp.ols.bias}
        parameters["true"] = {"w_1": exp.params.slope, "w_2": exp.params.intercept}
        parameters["gap_ols_true"] = noise
    doc = {
        "settings": exp.params.as_dict() if exp.params is not None else exp.spec.as_dict(),
        "data": {"source": exp.dataset.source, "target": exp.dataset.target_name, "features": names},
        "parameters": parameters,
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
