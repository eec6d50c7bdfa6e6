"""Command line: ``python -m linreg`` runs the article's experiment, or any variation of it.

Every flag defaults to the article's value. ``--json`` prints one JSON object instead of text.
Bad flags give argparse's usage error; a bad value gives the library's message, with each
parameter named by its flag (``noise`` becomes ``--noise``). Both exit 2.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
from dataclasses import fields

from linreg.experiment import Experiment, ExperimentParams, run_experiment

_HELP = {
    "n": "number of points",
    "slope": "slope of the true line",
    "intercept": "intercept of the true line",
    "noise": "standard deviation of the Gaussian noise",
    "seed": "seed of the local RandomState (noise, then the permutation)",
    "x_min": "smallest x",
    "x_max": "largest x",
    "train_ratio": "fraction of points used for training",
    "lr": "learning rate",
    "n_iters": "number of gradient-descent updates",
    "standardize": "run gradient descent on standardized x (weights still reported in original units)",
    "tol": "stop once the relative improvement in loss falls below this",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m linreg",
        description="Fit a line by gradient descent on synthetic data. Defaults reproduce the article.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    for f in fields(ExperimentParams):
        flag = "--" + f.name.replace("_", "-")
        if f.name == "standardize":
            parser.add_argument(flag, action="store_true", help=_HELP[f.name])
        else:
            kind = int if f.type in ("int", int) else float
            parser.add_argument(flag, type=kind, default=f.default, help=_HELP[f.name])
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    return parser


_FLAGS = {f.name: "--" + f.name.replace("_", "-") for f in fields(ExperimentParams)}
# A parameter's name as a whole word: "n" in "n=10" but not in "x_min" or "--n".
_PARAM_NAME = re.compile(r"(?<![\w-])(" + "|".join(sorted(_FLAGS, key=len, reverse=True)) + r")(?![\w-])")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = vars(parser.parse_args(join_negative_values(sys.argv[1:] if argv is None else argv)))
    as_json = args.pop("json")
    try:
        experiment = run_experiment(ExperimentParams(**args))
    except ValueError as exc:
        parser.exit(2, f"{parser.prog}: error: {with_flags(str(exc))}\n")
    if as_json:
        print(json.dumps(summary(experiment), allow_nan=False))
    else:
        print(report(experiment))
    return 0


def join_negative_values(argv: list[str]) -> list[str]:
    """Write ``--flag -1e-3`` as ``--flag=-1e-3``, so that argparse takes the number as the flag's value.

    argparse treats an argument that starts with "-" as an option unless it matches its
    pattern for negative numbers, which misses ``-1e-3``, ``-1E3`` and ``-inf``. The
    ``--flag=value`` form is documented argparse syntax that always binds the value, so
    joining them is robust across Python versions, unlike replacing the parser's private
    ``_negative_number_matcher``. Only a ``--long`` flag followed by something ``float()``
    parses is joined; anything else reaches argparse unchanged.
    """
    out: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            return out + argv[i:]
        if arg.startswith("--") and "=" not in arg and i + 1 < len(argv) and _is_negative_number(argv[i + 1]):
            out.append(f"{arg}={argv[i + 1]}")
            i += 2
        else:
            out.append(arg)
            i += 1
    return out


def with_flags(message: str) -> str:
    """The library's message with each parameter name replaced by its flag: ``x_min`` becomes ``--x-min``."""
    return _PARAM_NAME.sub(lambda m: _FLAGS[m.group(1)], message)


def _is_negative_number(arg: str) -> bool:
    if not arg.startswith("-"):
        return False
    try:
        float(arg)
    except ValueError:
        return False
    return True


def summary(e: Experiment) -> dict:
    """The flat JSON record of one experiment; non-finite numbers become null."""
    fit, diag = e.fit, e.diagnostics
    record = {
        "w_1": float(fit.weights[0]),
        "w_2": fit.bias,
        "r2_test": e.test.r2,
        "r2_train": e.train.r2,
        "mse_test": e.test.mse,
        "mse_train": e.train.mse,
        "rmse_test": e.test.rmse,
        "rmse_train": e.train.rmse,
        "mae_test": e.test.mae,
        "mae_train": e.train.mae,
        "n_iter": fit.n_iter,
        "converged": fit.converged,
        "diverged": fit.diverged,
        "stop_reason": fit.stop_reason,
        "ols_w_1": float(e.ols.weights[0]),
        "ols_w_2": e.ols.bias,
        "ols_mse_train": e.ols_train.mse,
        "max_stable_lr": diag.max_stable_lr,
        "optimal_lr": diag.optimal_lr,
        "condition_number": diag.condition_number,
        "seconds": e.seconds,
        "params": e.params.as_dict(),
    }
    return {k: _finite_or_none(v) for k, v in record.items()}


def report(e: Experiment) -> str:
    """Human-readable report: the article's result first, then the comparison and diagnostics."""
    p, fit, diag = e.params, e.fit, e.diagnostics
    rows = [
        ("gradient descent", fit.weights[0], fit.bias),
        ("least squares", e.ols.weights[0], e.ols.bias),
        ("true line", p.slope, p.intercept),
    ]
    lines = [
        f"Gradient descent: lr={p.lr:g}, {fit.n_iter:,} of {p.n_iters:,} iterations"
        f"{' on standardized x' if p.standardize else ''}, "
        f"{len(e.split.y_train)} train / {len(e.split.y_test)} test points",
        "",
        f"R² on Test Data = {e.test.r2:.2f}",
        f"Final Model: w_1={fit.weights[0]:.2f}, w_2={fit.bias:.2f}",
        "",
        f"{'':18}{'w_1 (slope)':>14}{'w_2 (intercept)':>18}",
        *(f"{name:18}{w1:>14.6f}{w2:>18.6f}" for name, w1, w2 in rows),
        "",
        f"{'':8}{'train':>14}{'test':>14}",
        *(
            f"{label:8}{getattr(e.train, attr):>14.4f}{getattr(e.test, attr):>14.4f}"
            for label, attr in (("MSE", "mse"), ("RMSE", "rmse"), ("MAE", "mae"), ("R²", "r2"))
        ),
        "",
        f"Status: {fit.stop_reason}",
        "",
        "Diagnostics (Hessian of MSE/2):",
        "  eigenvalues: " + ", ".join(f"{v:.4g}" for v in diag.eigenvalues),
        f"  condition number: {diag.condition_number:.4g}",
        f"  stable below lr = {diag.max_stable_lr:.4g} (2/λmax); fastest at lr = {diag.optimal_lr:.4g}",
        f"  predicted iterations to shrink the error 1e6-fold at lr={p.lr:g}: "
        + _count(diag.iterations_to(1e-6, lr=p.lr)),
        "",
        f"Fit time: {e.seconds * 1e3:.2f} ms",
    ]
    return "\n".join(lines)


def _count(value: float) -> str:
    return f"{value:,.0f}" if math.isfinite(value) else "never (the slowest error does not shrink at this lr)"


def _finite_or_none(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:
        # The reader (say `| head`) stopped early: that is not an error of ours.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)
