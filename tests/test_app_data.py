"""AppTests of your own data: the bundled tables, an upload, bad files and hostile column names."""

from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pytest
from plotly_spec import chart_spec

from dashboard.params import LR_GRID
from dashboard.script import script_for
from dashboard.sources import BUNDLED
from linreg import ols

TABS = ("Fit", "Loss", "Residuals", "Coefficients", "Numbers", "Replay", "Downloads")


def show(at, tab: str):
    at.session_state["view"] = tab
    return at.run()


def metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def status(at) -> str:
    return " ".join(str(e.value) for e in [*at.success, *at.info, *at.warning])


def table_csv(rng=None, m=200) -> bytes:
    rng = rng or np.random.RandomState(0)
    X = rng.normal(size=(m, 2))
    y = X @ [2.0, -1.0] + 3 + rng.normal(0, 0.1, m)
    return ("a,b,target\n" + "\n".join(f"{a:.17g},{b:.17g},{t:.17g}" for (a, b), t in zip(X, y, strict=True))).encode()


def uploaded(app, data: bytes, name: str = "mine.csv"):
    at = app()
    at.selectbox(key="data").set_value("upload").run()
    at.file_uploader[0].set_value((name, data, "text/csv")).run()
    return at


@pytest.mark.parametrize("key", list(BUNDLED))
def test_every_bundled_table_starts_converged_and_draws_every_tab(app, key):
    at = app(data=key)
    assert not at.exception
    assert status(at).startswith("Converged")
    assert at.toggle(key="standardize").value is True
    for tab in TABS:
        assert not show(at, tab).exception, tab
    n_charts = {
        el.proto.id
        for tab in ("Fit", "Loss", "Residuals", "Coefficients", "Replay")
        for el in show(at, tab).get("plotly_chart")
    }
    assert len(n_charts) >= 5


def test_longley_fits_its_six_features_and_names_them(app):
    at = show(app(data="longley"), "Numbers")
    table = at.dataframe[0].value
    assert list(table.index) == [*BUNDLED["longley"].features, "(intercept)"]
    spec = chart_spec(show(at, "Coefficients"), "coefficients_chart")
    assert len(spec["data"]) >= 2


def test_switching_to_a_table_takes_its_defaults_and_back_restores_the_article(app):
    at = app()
    at.selectbox(key="data").set_value("tips").run()
    assert at.selectbox(key="target").value == "tip"
    assert at.multiselect(key="features").value == ["total_bill"]
    assert status(at).startswith("Converged")
    at.selectbox(key="data").set_value("synthetic").run()
    assert metric(at, "Test R²") == "0.95" and at.select_slider(key="lr").value == 5e-4


def test_a_categorical_feature_enters_as_named_dummies(app):
    at = app(data="tips", features=["total_bill", "day"])
    table = show(at, "Numbers").dataframe[0].value
    assert list(table.index) == ["total_bill", "day[T.Sat]", "day[T.Sun]", "day[T.Thur]", "(intercept)"]


def test_an_unknown_feature_in_a_link_falls_back_to_the_defaults(app):
    at = app(data="iris", features=["no_such_column"])
    assert not at.exception
    assert at.multiselect(key="features").value == ["petal_length"]


def test_a_link_cannot_carry_an_upload(app):
    at = app(data="upload")
    assert "A link cannot carry an uploaded file" in " ".join(w.value for w in at.warning)
    assert metric(at, "Test R²") == "0.95"


def test_an_uploaded_csv_fits_and_matches_least_squares(app):
    at = uploaded(app, table_csv())
    assert not at.exception and not at.error
    assert status(at).startswith("Converged")
    assert at.selectbox(key="target").value == "target"
    table = show(at, "Numbers").dataframe[0].value
    assert float(table.loc["a", "Gradient descent"]) == pytest.approx(2.0, abs=0.05)
    assert float(table.loc["b", "Gradient descent"]) == pytest.approx(-1.0, abs=0.05)
    spec = chart_spec(show(at, "Fit"), "fit_chart")
    assert spec["layout"]["title"]["text"].startswith("Predicted vs actual")


def test_no_intercept_fits_through_the_origin(app):
    at = uploaded(app, table_csv())
    with_intercept = float(metric(at, "Test R²"))
    at.toggle(key="fit_intercept").set_value(False).run()
    table = show(at, "Numbers").dataframe[0].value
    assert list(table.index) == ["a", "b"]  # no intercept row
    assert table["Gradient descent"].equals(table["Least squares (OLS)"])
    # The data's offset of 3 is now unexplained: the fit gets visibly worse.
    assert float(metric(at, "Test R²")) < with_intercept - 0.1


BAD_FILES = [
    ("empty.csv", b"", "empty"),
    ("header.csv", b"a,b,c\n", "no rows"),
    ("image.csv", b"\x89PNG\r\n\x1a\n" + bytes(64), "PNG"),
    ("one.csv", b"y\n1\n2\n3\n", "feature"),
    ("text.csv", b"name,city\nann,paris\nbob,rome\n", "numeric"),
    ("nan.csv", b"x,y\n,1\n,2\n,3\n", "x"),
]


@pytest.mark.parametrize(("name", "data", "says"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_a_bad_file_gets_a_message_and_the_last_good_view_stays(app, name, data, says):
    at = uploaded(app, table_csv())
    good = metric(at, "Test R²")
    at.file_uploader[0].set_value((name, data, "text/csv")).run()
    assert not at.exception
    message = " ".join(e.value for e in at.error)
    assert says.lower() in message.lower(), message
    assert metric(at, "Test R²") == good  # the last good view stays


@pytest.mark.parametrize(
    "hostile", ["=cmd|' /C calc'!A0", "<script>alert(1)</script>", "[link](http://x)", ":red[big]"]
)
def test_hostile_column_names_stay_plain_text(app, hostile):
    quoted = '"' + hostile.replace('"', '""') + '"'
    data = table_csv().replace(b"a,b,target", f"{quoted},b,target".encode())
    at = uploaded(app, data)
    assert not at.exception
    for element in [*at.markdown, *at.caption, *at.info, *at.warning, *at.error]:
        assert hostile not in str(element.value) or re.search(r"`+ .*" + re.escape(hostile), str(element.value))
    spec = chart_spec(show(at, "Coefficients"), "coefficients_chart")
    assert "<script>" not in str(spec)


def test_the_downloaded_script_reruns_an_uploaded_table():
    from dashboard.cache import Source  # noqa: F401  (the page's own key type)
    from linreg import Dataset, TrainSpec, run

    rng = np.random.RandomState(1)
    X = rng.normal(size=(300, 3))
    y = X @ [1.0, 2.0, -3.0] + 0.5 + rng.normal(0, 0.2, 300)
    exp = run(
        Dataset(X, y, feature_names=("p", "q", "r"), target_name="t"),
        TrainSpec(lr=0.5, n_iters=2000, standardize=True, split_seed=7),
    )
    out = subprocess.run([sys.executable, "-c", script_for(exp)], capture_output=True, text=True, check=True).stdout
    coef = [float(v) for v in re.search(r"coef=(\S+)", out).group(1).split(",")]
    np.testing.assert_allclose(coef, exp.coef, rtol=1e-8)
    assert float(re.search(r"intercept=(\S+)", out).group(1)) == pytest.approx(exp.intercept, rel=1e-8)
    assert ols(exp.split.X_train, exp.split.y_train).weights == pytest.approx(exp.coef, rel=1e-6)


def test_the_data_download_neutralizes_formula_names():
    from dashboard import report
    from linreg import Dataset, TrainSpec, run

    rng = np.random.RandomState(2)
    X = rng.normal(size=(50, 1))
    exp = run(
        Dataset(X, X[:, 0] * 2 + 1, feature_names=("=cmd|' /C calc'!A0",), target_name="@y"),
        TrainSpec(lr=None, standardize=True),
    )
    # A leading quote keeps a spreadsheet from reading a name as a formula, in the data CSV and in the script.
    assert report.data_csv(exp).splitlines()[0] == "'=cmd|' /C calc'!A0,'@y,split"
    assert "DATA = io.StringIO(\"'@y,'=cmd|' /C calc'!A0\\n" in script_for(exp)


def test_a_column_of_numbers_with_a_text_cell_is_named_with_the_cell(app):
    """The column is not silently missing from the choices: a notice names it, the cell and its row."""
    data = table_csv() + b"\n1.5,<b>n/a?</b> `x`,2.0\n"
    at = uploaded(app, data)
    assert not at.exception
    assert "b" not in at.multiselect(key="features").options
    notice = next(e.value for e in at.info if "is read as text" in e.value)
    assert "b is read as text: 1 of its 201 cells is not a number" in notice
    assert "row 201 after the header" in notice and "Fix or empty that cell to use b as numbers." in notice
    assert notice.startswith("`") and "<b>n/a?</b>" in notice  # shown inert, as a code span


def test_a_new_table_is_fitted_once_at_its_own_rate(app, monkeypatch):
    """A new table runs at its suggested rate to put that rate on the slider; the page's run at the slider's
    rate is that run, number for number, not a second one."""
    from dashboard import cache
    from linreg import run

    runs = []

    def counted(dataset, spec):
        runs.append((spec.lr, run(dataset, spec)))
        return runs[-1][1]

    monkeypatch.setattr(cache, "run", counted)
    at = uploaded(app, table_csv(np.random.RandomState(11), m=321), "once.csv")  # a table no other test reads
    assert not at.exception and status(at).startswith("Converged")
    assert [lr for lr, _ in runs] == [None]  # one run: the one at the suggested rate
    exp = runs[0][1]
    assert at.select_slider(key="lr").value == exp.fit.lr  # the slider holds that rate exactly
    assert float(metric(at, "Test R²")) == pytest.approx(exp.test.r2, abs=0.005)
    slower = LR_GRID[LR_GRID.index(exp.fit.lr) - 10]
    at.select_slider(key="lr").set_value(slower).run()  # another rate is a run of its own
    assert [lr for lr, _ in runs] == [None, slower] and not at.exception
