"""AppTests of the regression summary (dashboard/summary.py) on a page of its own, tests/summary_app.py."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pytest
import statsmodels.api as sm
from plotly_spec import chart_spec, xy
from scipy import stats
from streamlit.testing.v1 import AppTest
from summary_app import case

from dashboard import summary
from linreg.inference import from_experiment

SCRIPT = str(Path(__file__).resolve().parent / "summary_app.py")
TIMEOUT = 60


def open_summary(name: str = "synthetic", bands: bool = False, **query) -> AppTest:
    at = AppTest.from_file(SCRIPT, default_timeout=TIMEOUT)
    at.session_state["case"] = name
    at.session_state["bands"] = bands
    for key, value in query.items():
        at.query_params[key] = str(value)
    at.run()
    assert not at.exception
    return at


def coefficients(at: AppTest):
    return at.dataframe[0].value


def model(at: AppTest) -> dict[str, tuple[str, str]]:
    frame = at.dataframe[1].value
    return {row.Statistic: (row.Value, row.Note) for row in frame.itertuples()}


def test_the_table_is_ols_with_inferences_numbers():
    at = open_summary()
    exp = case("synthetic")[2]
    inf = from_experiment(exp)
    table = coefficients(at)
    assert list(table.index) == ["x", "(intercept)"]
    assert list(table.columns) == list(summary.COLUMNS)
    np.testing.assert_allclose(table["Estimate"], [float(exp.ols.weights[0]), exp.ols.bias], rtol=1e-12)
    for column, expected in (("Std. error", inf.bse), ("t", inf.tvalues), ("p-value", inf.pvalues)):
        np.testing.assert_allclose(table[column], expected, rtol=1e-12)
    np.testing.assert_allclose(table[["CI lower", "CI upper"]], inf.conf_int(0.05), rtol=1e-12)
    stats_ = model(at)
    assert stats_["R²"] == (f"{inf.rsquared:.4f}", "")
    assert stats_["Observations"][0] == f"{inf.nobs:,}" and stats_["Covariance"][0] == "nonrobust"
    assert {m.label: m.value for m in at.metric}["Durbin–Watson"] == f"{inf.durbin_watson:.3g}"
    assert [el.proto.id.rsplit("-", 1)[-1] for el in at.get("plotly_chart")] == ["qq_chart"]
    assert 'fit(cov_type="nonrobust")' in at.code[0].value


def test_the_level_switch_scales_the_intervals_by_the_t_quantiles():
    at = open_summary()
    df = from_experiment(case("synthetic")[2]).df_resid
    widths = {}
    for level in ("90%", "99%"):
        at.segmented_control(key="ci_level").set_value(level).run()
        assert not at.exception
        table = coefficients(at)
        widths[level] = (table["CI upper"] - table["CI lower"]).to_numpy()
    ratio = stats.t.ppf(0.995, df) / stats.t.ppf(0.95, df)
    np.testing.assert_allclose(widths["99%"] / widths["90%"], ratio, rtol=1e-10)


def test_the_level_comes_from_the_url():
    at = open_summary(ci_level="90%")
    inf = from_experiment(case("synthetic")[2])
    np.testing.assert_allclose(coefficients(at)[["CI lower", "CI upper"]], inf.conf_int(0.10), rtol=1e-12)
    assert "alpha=0.1)" in at.code[0].value


def test_garbage_in_the_url_falls_back_to_the_defaults():
    at = open_summary(ci_level="50%", cov_type="HC9")
    assert at.segmented_control(key="ci_level").value == "95%"
    assert at.segmented_control(key="cov_type").value == "nonrobust"
    assert model(at)["Covariance"][0] == "nonrobust"


def test_hc3_changes_the_standard_errors_to_statsmodels():
    at = open_summary("names")
    before = coefficients(at)["Std. error"].to_numpy()
    at.segmented_control(key="cov_type").set_value("HC3").run()
    assert not at.exception
    table = coefficients(at)
    assert "z" in table.columns and "t" not in table.columns
    after = table["Std. error"].to_numpy()
    assert not np.allclose(before, after)
    split = case("names")[2].split
    ref = sm.OLS(split.y_train, sm.add_constant(split.X_train, prepend=False)).fit(cov_type="HC3")
    np.testing.assert_allclose(after, ref.bse, rtol=1e-8)
    np.testing.assert_allclose(table["p-value"], ref.pvalues, rtol=1e-8)
    np.testing.assert_allclose(table[["CI lower", "CI upper"]], ref.conf_int(0.05), rtol=1e-8)
    assert model(at)["Covariance"][0] == "HC3"
    assert 'fit(cov_type="HC3")' in at.code[0].value


def test_names_are_shown_as_they_are():
    at = open_summary("names")
    assert list(coefficients(at).index) == ["=cmd|' /C calc'!A0", "**bold** [x](http://e.x)", "(intercept)"]
    (button,) = at.get("download_button")
    assert button.proto.label == "Coefficients (CSV)"


def test_a_fit_without_residual_degrees_of_freedom_says_why():
    at = open_summary("degenerate")
    table = coefficients(at)
    assert np.isnan(table["Std. error"]).all()
    assert all("no residual degrees of freedom" in note for note in table["Note"])
    stats_ = model(at)
    assert stats_["df residuals"][0] == "0"
    for name in ("Adj. R²", "F statistic", "Prob (F)", "σ̂ (residual std. dev.)"):
        value, note = stats_[name]
        assert value == "n/a" and note, name
    assert stats_["F statistic"][1] == "no F test: no residual degrees of freedom"
    assert stats_["Log-likelihood"] == ("+inf", stats_["AIC"][1]) and "exact fit" in stats_["AIC"][1]
    assert {m.value for m in at.metric} == {"n/a"}
    assert all("n/a:" in m.help for m in at.metric)
    assert len(at.dataframe[2].value) == len(from_experiment(case("degenerate")[2]).reasons)
    for cov_type in ("HC0", "HC3"):
        at.segmented_control(key="cov_type").set_value(cov_type).run()
        assert not at.exception
    at.segmented_control(key="ci_level").set_value("99%").run()
    assert not at.exception


@pytest.mark.parametrize("cov_type", ["nonrobust", "HC1"])
def test_the_csv_header_and_safe_names(cov_type):
    inf = from_experiment(case("names")[2], cov_type=cov_type)
    rows = list(csv.reader(io.StringIO(summary.coefficient_csv(inf, 0.95))))
    stat = "t" if cov_type == "nonrobust" else "z"
    assert rows[0] == ["term", "estimate", "std_err", stat, "p_value", "ci_lower_95", "ci_upper_95"]
    assert [r[0] for r in rows[1:]] == ["'=cmd|' /C calc'!A0", "**bold** [x](http://e.x)", "(intercept)"]
    np.testing.assert_array_equal([float(r[1]) for r in rows[1:]], inf.params)
    np.testing.assert_array_equal([float(r[2]) for r in rows[1:]], inf.bse)
    assert summary.coefficient_csv(inf, 0.9).splitlines()[0].endswith("ci_lower_90,ci_upper_90")


def test_the_csv_of_a_degenerate_fit_writes_nan():
    inf = from_experiment(case("degenerate")[2])
    rows = list(csv.reader(io.StringIO(summary.coefficient_csv(inf, 0.99))))
    assert rows[0][-2:] == ["ci_lower_99", "ci_upper_99"]
    assert rows[1][2] == "nan"


def test_the_bands_chart_follows_the_covariance():
    at = open_summary(bands=True)
    names = [t["name"] for t in chart_spec(at, "fit_chart")["data"]]
    assert names[:3] == ["95% prediction band", "95% confidence band", "Train data"]
    _, plain = xy(chart_spec(at, "fit_chart"), "95% confidence band")
    at.segmented_control(key="cov_type").set_value("HC3").run()
    assert not at.exception
    _, robust = xy(chart_spec(at, "fit_chart"), "95% confidence band")
    assert plain.shape == robust.shape and not np.allclose(plain, robust)


def test_several_features_draw_error_bars_at_the_chosen_level():
    at = open_summary("names", bands=True)
    at.segmented_control(key="ci_level").set_value("99%").run()
    assert not at.exception
    fig = chart_spec(at, "fit_chart")
    ols = next(t for t in fig["data"] if t["name"].startswith("Least squares"))
    assert ols["name"].endswith("99% prediction interval") and len(ols["error_y"]["array"]) > 0
    assert "99% prediction interval" in fig["layout"]["annotations"][-1]["text"]
