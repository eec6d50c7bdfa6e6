"""Command line: ``python -m linreg`` runs the article's experiment, a bundled data set or a CSV file.

    python -m linreg                                   # the article: synthetic data, its settings
    python -m linreg --data longley                    # a bundled table (see linreg.DATASETS)
    python -m linreg --csv FILE --target y [--features a,b,c] [--no-intercept]

On synthetic data every flag defaults to the article's value. On a table, gradient
descent runs on standardized features at the fastest stable rate the Hessian suggests,
unless ``--lr`` or ``--no-standardize`` say otherwise, so that the first run converges.
``--json`` prints one JSON object instead of text. Bad flags give argparse's usage
error; a bad value gives the library's message, with each parameter named by its flag
(``noise`` becomes ``--noise``). Both exit 2.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
from dataclasses import asdict, fields
from pathlib import Path

from linreg.dataset import DATASETS, Dataset, SyntheticSpec, load_dataset
from linreg.experiment import Experiment, TrainSpec, run
from linreg.status import describe
from linreg.tables import read_table

_SYNTHETIC_HELP = {
    "n": "number of points",
    "slope": "slope of the true line",
    "intercept": "intercept of the true line",
    "noise": "standard deviation of the Gaussian noise",
    "seed": "seed of the local RandomState (noise, then the permutation)",
    "x_min": "smallest x",
    "x_max": "largest x",
}
_SYNTHETIC = tuple(f.name for f in fields(SyntheticSpec))
_ARTICLE = TrainSpec()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m linreg",
        description=(
            "Fit a linear model by gradient descent and by least squares. Without --data or --csv, on the "
            "article's synthetic line, and every default reproduces the article."
        ),
    )
    source = parser.add_argument_group("data (one of; default: synthetic)")
    source.add_argument("--data", choices=DATASETS, help="a bundled table")
    source.add_argument("--csv", metavar="FILE", help="a comma-separated file with a header row")
    source.add_argument("--target", help="the column to predict (with --csv)")
    source.add_argument("--features", help="comma-separated feature columns (with --csv; default: every other one)")
    synthetic = parser.add_argument_group("synthetic data")
    spec = SyntheticSpec()
    for name in _SYNTHETIC:
        default = getattr(spec, name)
        synthetic.add_argument(
            _flag(name), type=type(default), default=None, help=f"{_SYNTHETIC_HELP[name]} (default: {default:g})"
        )
    train = parser.add_argument_group("training")
    train.add_argument(
        "--lr", type=float, help=f"learning rate (default: {_ARTICLE.lr:g}; on a table, the suggested rate)"
    )
    train.add_argument(
        "--n-iters",
        type=int,
        default=_ARTICLE.n_iters,
        help=f"number of gradient-descent updates (default: {_ARTICLE.n_iters:,})",
    )
    train.add_argument(
        "--standardize",
        action=argparse.BooleanOptionalAction,
        help="run gradient descent on standardized x, weights still reported in original units "
        "(default: off on synthetic data, on for a table)",
    )
    train.add_argument("--tol", type=float, help="stop once the relative improvement in loss falls below this")
    train.add_argument(
        "--train-ratio",
        type=float,
        default=_ARTICLE.train_ratio,
        help=f"fraction of points used for training (default: {_ARTICLE.train_ratio:g})",
    )
    train.add_argument("--split-seed", type=int, help="seed of the split (default: the data's seed, or 43 for a table)")
    train.add_argument("--no-intercept", action="store_true", help="fit y ~ X w, without a bias")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    return parser


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


_FLAGS = {name: _flag(name) for name in (*_SYNTHETIC, *(f.name for f in fields(TrainSpec))) if name != "fit_intercept"}
# A parameter's name as a whole word: "n" in "n=10" but not in "x_min" or "--n".
_PARAM_NAME = re.compile(r"(?<![\w-])(" + "|".join(sorted(_FLAGS, key=len, reverse=True)) + r")(?![\w-])")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(join_negative_values(sys.argv[1:] if argv is None else argv))
    _check_combination(parser, args)
    try:
        (dataset, settings), spec = _dataset(args), _train_spec(args)
        experiment = run(dataset, spec)
    except ValueError as exc:
        parser.exit(2, f"{parser.prog}: error: {with_flags(str(exc))}\n")
    if args.json:
        print(json.dumps(summary(experiment, settings | asdict(spec)), allow_nan=False))
    else:
        print(report(experiment))
    return 0


def _check_combination(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Usage errors for flags that do not go together."""
    if args.data and args.csv:
        parser.error("--data and --csv are alternatives: give one")
    if args.csv and not args.target:
        parser.error("--csv needs --target, the column to predict")
    if not args.csv and (args.target or args.features):
        parser.error("--target and --features go with --csv")
    given = [_flag(name) for name in _SYNTHETIC if getattr(args, name) is not None]
    if (args.data or args.csv) and given:
        parser.error(f"{', '.join(given)} set synthetic data; they do not apply to --data or --csv")


def _dataset(args: argparse.Namespace) -> tuple[Dataset, dict]:
    """The dataset the flags ask for, and the settings that made it."""
    if args.data:
        return load_dataset(args.data), {"data": args.data}
    if args.csv:
        features = None if args.features is None else [f.strip() for f in args.features.split(",") if f.strip()]
        settings = {"csv": args.csv, "target": args.target, "features": features}
        return read_csv(args.csv, args.target, features), settings
    values = {name: getattr(args, name) for name in _SYNTHETIC if getattr(args, name) is not None}
    spec = SyntheticSpec(**values)
    return Dataset.synthetic(spec), asdict(spec)


def _train_spec(args: argparse.Namespace) -> TrainSpec:
    table = bool(args.data or args.csv)
    return TrainSpec(
        lr=args.lr if args.lr is not None or table else _ARTICLE.lr,
        n_iters=args.n_iters,
        standardize=table if args.standardize is None else args.standardize,
        tol=args.tol,
        fit_intercept=not args.no_intercept,
        train_ratio=args.train_ratio,
        split_seed=args.split_seed,
    )


def read_csv(path: str, target: str, features: list[str] | None) -> Dataset:
    """The ``target`` and ``features`` columns of a CSV file, read by :func:`linreg.tables.read_table`.

    What reading and selecting did on the user's behalf (rows dropped, say) goes to stderr.
    """
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise ValueError(f"cannot read --csv {path}: {exc.strerror or exc}") from None
    table = read_table(raw, Path(path).name)
    selection = table.select(target, features)
    for notice in (*table.notices, *selection.notices):
        print(notice, file=sys.stderr)
    return Dataset(
        X=selection.X,
        y=selection.y,
        feature_names=selection.feature_names,
        target_name=selection.target_name,
        source=f"{table.name}: {len(selection.y):,} rows",
    )


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


def summary(e: Experiment, params: dict | None = None) -> dict:
    """The flat JSON record of one experiment; non-finite numbers become null.

    ``coef`` and ``ols_coef`` hold one weight per feature, in ``feature_names`` order;
    with one feature, ``w_1`` and ``w_2`` (slope and intercept) are kept as well.
    ``params`` records the settings (by default the experiment's ExperimentParams, or its TrainSpec).
    """
    fit, diag, lsq = e.fit, e.diagnostics, e.ols
    record = {
        "feature_names": list(e.feature_names),
        "target_name": e.dataset.target_name,
        "coef": fit.weights.tolist(),
        "intercept": fit.bias,
        "ols_coef": lsq.weights.tolist(),
        "ols_intercept": lsq.bias,
    }
    if e.dataset.d == 1:
        record |= {"w_1": float(fit.weights[0]), "w_2": fit.bias, "ols_w_1": float(lsq.weights[0]), "ols_w_2": lsq.bias}
    record |= {
        "r2_test": e.test.r2,
        "r2_train": e.train.r2,
        "mse_test": e.test.mse,
        "mse_train": e.train.mse,
        "rmse_test": e.test.rmse,
        "rmse_train": e.train.rmse,
        "mae_test": e.test.mae,
        "mae_train": e.train.mae,
        "n_iter": fit.n_iter,
        "status": str(fit.status),
        "converged": fit.converged,
        "diverged": fit.diverged,
        "stop_reason": describe(fit),
        "lr": fit.lr,
        "ols_mse_train": e.ols_train.mse,
        "ols_rank": lsq.rank,
        "collinear": list(lsq.collinear),
        "identifiable": diag.identifiable,
        "max_stable_lr": diag.max_stable_lr,
        "optimal_lr": diag.optimal_lr,
        "suggested_lr": diag.suggested_lr,
        "condition_number": diag.condition_number,
        "seconds": e.seconds,
        "source": e.dataset.source,
        "params": params if params is not None else _params(e),
    }
    return {k: _finite_or_none(v) for k, v in record.items()}


def _params(e: Experiment) -> dict:
    return e.params.as_dict() if e.params is not None else asdict(e.spec)


def report(e: Experiment) -> str:
    """Human-readable report: the article's result first, then the comparison and diagnostics."""
    fit, diag, spec = e.fit, e.diagnostics, e.spec
    lines = [
        f"Gradient descent: lr={fit.lr:g}, {fit.n_iter:,} of {spec.n_iters:,} iterations"
        f"{' on standardized x' if fit.standardized else ''}{'' if fit.fit_intercept else ', no intercept'}, "
        f"{len(e.split.y_train)} train / {len(e.split.y_test)} test points",
        f"Data: {e.dataset.source}",
        "",
        f"R² on Test Data = {e.test.r2:.2f}",
        *(_line_table(e) if e.dataset.d == 1 else _coefficient_table(e)),
        "",
        f"{'':8}{'train':>14}{'test':>14}",
        *(
            f"{label:8}{getattr(e.train, attr):>14.4f}{getattr(e.test, attr):>14.4f}"
            for label, attr in (("MSE", "mse"), ("RMSE", "rmse"), ("MAE", "mae"), ("R²", "r2"))
        ),
        "",
        f"Status: {describe(fit)}",
        "",
        "Diagnostics (Hessian of MSE/2):",
        "  eigenvalues: " + ", ".join(f"{v:.4g}" for v in diag.eigenvalues),
        f"  condition number: {diag.condition_number:.4g}",
        f"  stable below lr = {diag.max_stable_lr:.4g} (2/λmax); fastest at lr = {diag.optimal_lr:.4g}",
        f"  predicted iterations to shrink the error 1e6-fold at lr={fit.lr:g}: "
        + _count(diag.iterations_to(1e-6, lr=fit.lr)),
        *([] if diag.identifiable else ["  " + diag.identifiability]),
        *([f"  least squares: columns {', '.join(e.ols.collinear)} are linearly dependent"] if e.ols.collinear else []),
        "",
        f"Fit time: {e.seconds * 1e3:.2f} ms",
    ]
    return "\n".join(lines)


def _line_table(e: Experiment) -> list[str]:
    """The article's layout for one feature: slope and intercept of each line."""
    fit, lsq = e.fit, e.ols
    rows = [("gradient descent", fit.weights[0], fit.bias), ("least squares", lsq.weights[0], lsq.bias)]
    if e.true_theta is not None:
        rows.append(("true line", *e.true_theta))
    return [
        f"Final Model: w_1={fit.weights[0]:.2f}, w_2={fit.bias:.2f}",
        "",
        f"{'':18}{'w_1 (slope)':>14}{'w_2 (intercept)':>18}",
        *(f"{name:18}{w1:>14.6f}{w2:>18.6f}" for name, w1, w2 in rows),
    ]


def _coefficient_table(e: Experiment) -> list[str]:
    """One row per coefficient, gradient descent against least squares."""
    names = [*e.feature_names, *(["intercept"] if e.fit.fit_intercept else [])]
    width = max(18, *(len(n) + 2 for n in names))
    return [
        "",
        f"{'':{width}}{'gradient descent':>20}{'least squares':>20}",
        *(f"{n:{width}}{gd:>20.10g}{ls:>20.10g}" for n, gd, ls in zip(names, e.fit.theta, e.ols.theta, strict=True)),
    ]


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
