"""The dashboard's controls as plain values: defaults, bounds, URL parsing and formatting.

No Streamlit here, so the rules for what a URL may say are testable on their own.
The experiment's defaults come from :class:`linreg.ExperimentParams`, their single source.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields

from dashboard.text import inert
from linreg import MAX_ITERS, Diagnostics, ExperimentParams, SyntheticSpec, TrainSpec

ARTICLE = ExperimentParams()

LR_MIN, LR_MAX = 1e-6, 1.0
# Two significant digits per step: the article's 5e-4 and every rate linreg suggests
# (rounded down to two digits) are exact members of the grid.
LR_GRID: tuple[float, ...] = tuple(float(f"{m / 10:.1f}e{e}") for e in range(-6, 0) for m in range(10, 100)) + (LR_MAX,)


def _one_digit_grid(low_exp: int, high_exp: int) -> tuple[int, ...]:
    """1, 2, ..., 9 times each power of ten from 10**low_exp, up to 10**high_exp."""
    return tuple(m * 10**e for e in range(low_exp, high_exp) for m in range(1, 10)) + (10**high_exp,)


# Log-scale sliders with one significant digit: the article's 400 points and 100,000 iterations are on them.
N_GRID = _one_digit_grid(1, 5)
ITERS_GRID = _one_digit_grid(0, 6)

# 0.0 stands for "no tolerance": a selectbox shows None as an empty choice, not as an option.
TOL_OFF = 0.0
TOL_OPTIONS: tuple[float, ...] = (TOL_OFF,) + tuple(float(f"1e-{k}") for k in range(2, 13))

_TRUE = {"1", "true", "on", "yes"}
_FALSE = {"0", "false", "off", "no"}


@dataclass(frozen=True)
class Field:
    """One control: its URL/widget key, its type and its allowed range."""

    key: str
    kind: str  # "int", "float", "bool", "tol", "choice" (one of grid), "name" or "names" (column names)
    default: object
    low: float | None = None
    high: float | None = None
    grid: tuple | None = None  # a slider's only values; others snap down onto it


SOURCE_KEYS = ("synthetic", "norris", "longley", "tips", "gapminder", "iris", "upload")

FIELDS: tuple[Field, ...] = (
    # Which data: the article's generator, a bundled table or an uploaded file; for a table, what to fit.
    Field("data", "choice", SOURCE_KEYS[0], grid=SOURCE_KEYS),
    Field("target", "name", ""),
    Field("features", "names", ()),
    Field("fit_intercept", "bool", True),
    Field("noise", "float", ARTICLE.noise, 0.0, 200.0),
    Field("seed", "int", ARTICLE.seed, 0, 2**32 - 1),
    Field("n", "int", ARTICLE.n, N_GRID[0], N_GRID[-1], N_GRID),
    Field("slope", "float", ARTICLE.slope, -20.0, 20.0),
    Field("intercept", "float", ARTICLE.intercept, -200.0, 200.0),
    Field("x_min", "float", ARTICLE.x_min, -1000.0, 1000.0),
    Field("x_max", "float", ARTICLE.x_max, -1000.0, 1000.0),
    Field("train_ratio", "float", ARTICLE.train_ratio, 0.01, 0.99),
    Field("lr", "float", ARTICLE.lr, LR_MIN, LR_MAX, LR_GRID),
    Field("n_iters", "int", ARTICLE.n_iters, 1, MAX_ITERS, ITERS_GRID),
    Field("standardize", "bool", ARTICLE.standardize),
    Field("tol", "tol", ARTICLE.tol or TOL_OFF),
    # How the results are shown; in the URL too, so a shared link shows the same view.
    Field("show_train", "bool", False),
    Field("log_scale", "bool", True),
    Field("excess", "bool", False),
)
FIELD_BY_KEY = {f.key: f for f in FIELDS}
KEYS = tuple(FIELD_BY_KEY)
DEFAULTS: dict[str, object] = {f.key: f.default for f in FIELDS}
_EXPERIMENT_KEYS = tuple(f.name for f in fields(ExperimentParams))


def snap_down(grid: tuple, value: float):
    """The largest grid value not above ``value`` (the smallest one if ``value`` is below the grid)."""
    below = [g for g in grid if g <= value * (1 + 1e-12)]
    return below[-1] if below else grid[0]


def snap_lr(lr: float) -> float:
    """``lr`` onto the learning-rate slider."""
    return snap_down(LR_GRID, lr)


def snap_tol(tol: float) -> float:
    """The offered tolerance nearest to ``tol`` on a log scale."""
    return min(TOL_OPTIONS[1:], key=lambda t: abs(math.log10(t) - math.log10(tol)))


def parse_value(key: str, raw: str) -> object:
    """Parse one URL value for ``key``; raise ValueError saying what is wrong."""
    field = FIELD_BY_KEY[key]
    if field.kind in ("name", "names"):
        # Column names are checked against the table once it is read.
        return tuple(raw) if field.kind == "names" else raw
    text = raw.strip().lower()
    if field.kind == "choice":
        if text in field.grid:
            return text
        raise ValueError(f"it must be one of {', '.join(field.grid)}")
    if field.kind == "bool":
        if text in _TRUE | _FALSE:
            return text in _TRUE
        raise ValueError("it must be true or false")
    if field.kind == "tol" and text in {"", "none", "off", "0"}:
        return TOL_OFF
    value = parse_number(raw, integer=field.kind == "int")
    _check_range(field, value)
    if field.grid:
        return snap_down(field.grid, value)
    if field.kind == "tol":
        return snap_tol(value)
    if key == "train_ratio":
        return round(value, 2)
    return value


_SUFFIX = {"k": 1e3, "m": 1e6}


def parse_number(raw: str, *, integer: bool = False) -> float | int:
    """A number as a URL may write it: ``0.0005``, ``5.0e-04``, ``100000``, ``100,000`` or ``100k``."""
    text = raw.strip().lower().replace(",", "").replace("_", "")
    # In a query string "+" means a space: a pasted 1.0e+00 arrives as "1.0e 00".
    text = re.sub(r"e\s+(\d)", r"e+\1", text)
    scale = _SUFFIX.get(text[-1:], 1.0)
    try:
        value = float(text[:-1] if scale != 1.0 else text) * scale
    except ValueError:
        raise ValueError("it is not a number") from None
    if not math.isfinite(value):
        raise ValueError("it is not a finite number")
    if integer:
        if value != int(value):
            raise ValueError("it is not a whole number")
        return int(value)
    return value


def _check_range(field: Field, value: float) -> None:
    if field.kind == "tol":
        if not 0 < value < 1:
            raise ValueError("it must lie between 0 and 1")
        return
    if not field.low <= value <= field.high:
        raise ValueError(
            f"it must lie between {format_value(field.key, field.low)} and {format_value(field.key, field.high)}"
        )


def parse_query(query: Mapping[str, object]) -> tuple[dict[str, object], list[str]]:
    """Values for the known keys in ``query``; an invalid one falls back to its default with a notice."""
    values: dict[str, object] = {}
    notices: list[str] = []
    for key, raw in query.items():
        if key not in FIELD_BY_KEY:
            continue
        try:
            values[key] = parse_value(key, raw)
        except ValueError as exc:
            values[key] = DEFAULTS[key]
            notices.append(f"The link's {key} = {inert(raw)} was ignored: {exc}. Using the default, {_shown(key)}.")
            continue
        field = FIELD_BY_KEY[key]
        if (
            field.kind in ("int", "float", "tol")
            and (field.grid or field.kind == "tol")
            and not _same_number(raw, values[key])
        ):
            notices.append(
                f"The link's {key} = {inert(raw)} is not one of the offered values. Using {_shown(key, values[key])}."
            )
    return values, notices


def _shown(key: str, value: object = None) -> str:
    """A value as its control shows it."""
    value = DEFAULTS[key] if value is None else value
    show = {"n": format_count, "n_iters": format_count, "lr": format_lr, "tol": format_tol}.get(key)
    return show(value) if show else format_value(key, value)


def _same_number(raw: str, value: object) -> bool:
    if value == TOL_OFF:
        return True
    try:
        return math.isclose(parse_number(raw, integer=False), float(value), rel_tol=1e-9)
    except ValueError:
        return False


def format_count(n: int) -> str:
    """A count on a log slider, short and URL-safe: 400, 2k, 100k, 1M.

    Examples
    --------
    >>> [format_count(n) for n in (7, 400, 2_000, 100_000, 1_000_000)]
    ['7', '400', '2k', '100k', '1M']
    """
    for unit, size in (("M", 1_000_000), ("k", 1_000)):
        if n >= size and n % size == 0:
            return f"{n // size}{unit}"
    return str(n)


def format_amount(x: float) -> str:
    """An amount that may be a fraction, such as steps or epochs: separators from 100 up, else 3 digits.

    >>> format_amount(12_345.6), format_amount(1.4427)
    ('12,346', '1.44')
    """
    return f"{x:,.0f}" if x >= 100 else f"{x:.3g}"


def format_lr(lr: float) -> str:
    """A learning rate as its slider shows it: 5.0e-04."""
    return f"{lr:.1e}"


def format_tol(tol: float) -> str:
    """A tolerance as its select box shows it: off, or 1e-06."""
    return "off" if tol == TOL_OFF else f"{tol:.0e}"


def rates_note(diag: Diagnostics) -> str:
    """The two rates that matter on this data, told apart: where GD stops converging and where it is fastest."""
    bound, best = diag.max_stable_lr, diag.optimal_lr
    text = f"Diverges at α ≥ {bound:.2e} (2/λ_max)."
    if best > 0.99 * bound:
        return (
            f"{text} The fastest rate, 2/(λ_min + λ_max), is only {max(1 - best / bound, 1e-4):.2%} below it: "
            "λ_min is tiny next to λ_max, so the slow direction, not stability, sets the pace."
        )
    return f"{text} Fastest at α = {best:.2e}, 2/(λ_min + λ_max)."


def format_value(key: str, value: object = None) -> str | list[str]:
    """A value as it appears in the URL (round-trips through :func:`parse_value`)."""
    value = DEFAULTS[key] if value is None else value
    if FIELD_BY_KEY[key].kind == "names":
        return list(value)
    if key in ("n", "n_iters"):
        return format_count(value)
    if key == "lr":
        return format_lr(value)
    if key == "tol":
        return format_tol(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    # As Streamlit writes a bound widget's number into the URL: 25.0 as 25, 12.5 as 12.5.
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value) if isinstance(value, float) else str(value)


def to_query(values: Mapping[str, object]) -> dict[str, str | list[str]]:
    """The URL parameters for ``values``: only those that differ from the default, for short links."""
    return {k: format_value(k, values[k]) for k in KEYS if k in values and values[k] != DEFAULTS[k]}


def to_experiment(values: Mapping[str, object]) -> ExperimentParams:
    """The synthetic experiment's settings out of the controls' values (display options are dropped)."""
    settings = {k: values[k] for k in _EXPERIMENT_KEYS}
    return ExperimentParams(**settings | {"tol": settings["tol"] or None})


def to_train_spec(values: Mapping[str, object]) -> TrainSpec:
    """How to train, out of the controls' values. Synthetic data splits on its own seed, a table on ``seed``."""
    synthetic = values["data"] == SOURCE_KEYS[0]
    return TrainSpec(
        lr=values["lr"],
        n_iters=values["n_iters"],
        standardize=values["standardize"],
        tol=values["tol"] or None,
        fit_intercept=values["fit_intercept"],
        train_ratio=values["train_ratio"],
        split_seed=None if synthetic else values["seed"],
    )


def to_synthetic_spec(values: Mapping[str, object]) -> SyntheticSpec:
    """The article's generator's settings out of the controls' values."""
    return SyntheticSpec(**{f.name: values[f.name] for f in fields(SyntheticSpec)})
