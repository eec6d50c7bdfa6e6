"""Where the playground's data comes from: the article's generator, bundled tables, or a visitor's file.

Every source ends as a :class:`linreg.Dataset`. The bundled tables are real and offline:
two NIST StRD least-squares sets that ship with linreg, and three everyday tables that
Plotly ships in ``plotly.express.data``. Each names its default target and features.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from linreg import Dataset, load_dataset
from linreg.tables import Table, read_table

SYNTHETIC = "synthetic"
UPLOAD = "upload"


@dataclass(frozen=True)
class Bundled:
    """A bundled table: its label, what it is, where it comes from and what to fit by default."""

    key: str
    label: str
    description: str
    source: str
    target: str
    features: tuple[str, ...]
    load: Callable[[], str]  # the table as CSV text


def _nist(name: str) -> Callable[[], str]:
    def load() -> str:
        data = load_dataset(name)
        header = ",".join((data.target_name, *data.feature_names))
        rows = np.column_stack([data.y, data.X])
        return header + "\n" + "\n".join(",".join(repr(float(v)) for v in row) for row in rows) + "\n"

    return load


def _plotly(name: str, derive: Callable) -> Callable[[], str]:
    def load() -> str:
        import plotly.express as px

        return derive(getattr(px.data, name)()).to_csv(index=False)

    return load


def _gapminder_2007(frame):
    frame = frame[frame["year"] == 2007].copy()
    frame["log10_gdpPercap"] = np.log10(frame["gdpPercap"])
    return frame[["lifeExp", "log10_gdpPercap", "gdpPercap", "pop"]]


def _iris(frame):
    return frame[["petal_width", "petal_length", "sepal_length", "sepal_width"]]


def _tips(frame):
    return frame[["tip", "total_bill", "size", "day", "time", "sex", "smoker"]]


BUNDLED: dict[str, Bundled] = {
    b.key: b
    for b in (
        Bundled(
            "norris",
            "NIST Norris (1 feature)",
            "36 calibrations of ozone monitors against a standard: an almost perfect straight line.",
            "NIST Statistical Reference Datasets, linear least squares: Norris.",
            "y",
            ("x",),
            _nist("norris"),
        ),
        Bundled(
            "longley",
            "NIST Longley (6 collinear features)",
            "US employment 1947–1962 against six economic series that move together: a famous ill-conditioned fit.",
            "NIST Statistical Reference Datasets, linear least squares: Longley (1967).",
            "employed",
            ("gnp_deflator", "gnp", "unemployed", "armed_forces", "population", "year"),
            _nist("longley"),
        ),
        Bundled(
            "tips",
            "Restaurant tips",
            "244 restaurant bills and the tip left on each.",
            "plotly.express.data.tips (Bryant and Smith, 1995).",
            "tip",
            ("total_bill",),
            _plotly("tips", _tips),
        ),
        Bundled(
            "gapminder",
            "Gapminder 2007",
            "Life expectancy of 142 countries in 2007 against the log of GDP per head.",
            "plotly.express.data.gapminder, year 2007 (Gapminder Foundation).",
            "lifeExp",
            ("log10_gdpPercap",),
            _plotly("gapminder", _gapminder_2007),
        ),
        Bundled(
            "iris",
            "Iris flowers",
            "150 iris flowers: petal width against petal length.",
            "plotly.express.data.iris (Fisher, 1936).",
            "petal_width",
            ("petal_length",),
            _plotly("iris", _iris),
        ),
    )
}

SOURCES: dict[str, str] = {SYNTHETIC: "Synthetic line (the article)"} | {k: b.label for k, b in BUNDLED.items()}
SOURCES[UPLOAD] = "Upload a file…"


def bundled_table(key: str) -> Table:
    """A bundled table as a :class:`linreg.tables.Table`, read the same way as an uploaded file."""
    return read_table(BUNDLED[key].load().encode(), f"{key}.csv")


def dataset_of(table: Table, target: str, features: tuple[str, ...], source: str) -> tuple[Dataset, tuple[str, ...]]:
    """The :class:`linreg.Dataset` of ``target`` on ``features``, and what reading and selecting noticed.

    Numeric features enter as they are; a categorical one enters as drop-first dummies.
    """
    numeric = [f for f in features if f in table.numeric]
    categorical = [f for f in features if f in table.categorical]
    unknown = [f for f in features if f not in table.numeric and f not in table.categorical]
    chosen = table.select(target, numeric + unknown if features else None, categorical=categorical)
    data = Dataset(chosen.X, chosen.y, feature_names=chosen.feature_names, target_name=target, source=source)
    return data, table.notices + chosen.notices
