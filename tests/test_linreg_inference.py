"""Inference for least squares against statsmodels, number for number, and against NIST's certified statistics.

statsmodels' ``OLS(y, X).fit()`` is the reference implementation: every quantity
:func:`linreg.inference.inference` reports must agree with it to 1e-8 relative on
well-conditioned problems, with and without an intercept, under each covariance. NIST's
StRD files certify the standard deviations of the estimates, the residual standard
deviation and R²: each must keep 7 significant digits wherever the coefficients do.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
import statsmodels.api as sm
from statsmodels.stats.stattools import durbin_watson, jarque_bera, omni_normtest
from test_linreg_nist import MIN_LRE, NIST, SUITE, fit_intercept, lre, nist_dataset, read_nist

from linreg import INTERCEPT_NAME, Dataset, TrainSpec, run
from linreg.inference import COV_TYPES, OLSInference, from_experiment, inference

RTOL = 1e-8
SEEDS = range(6)
MODEL_FIELDS = ("rsquared", "rsquared_adj", "fvalue", "f_pvalue", "scale", "llf", "aic", "bic", "ssr")
COEF_FIELDS = ("params", "bse", "tvalues", "pvalues")


def problem(seed: int, m: int = 40, d: int = 3):
    """A well-conditioned table with heteroscedastic noise, so that the robust covariances differ from the classical."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, d)) * rng.uniform(0.5, 20, d) + rng.uniform(-5, 5, d)
    y = X @ rng.uniform(-3, 3, d) + 2.0 + rng.normal(size=m) * (1 + np.abs(X[:, 0]) / 10)
    return X, y


def reference(X, y, *, intercept: bool, cov_type: str = "nonrobust"):
    """statsmodels' fit, with the intercept last as :func:`inference` orders it."""
    exog = sm.add_constant(X, prepend=False) if intercept else X
    return sm.OLS(y, exog).fit(cov_type=cov_type)


def close(actual, expected, rtol=RTOL):
    np.testing.assert_allclose(np.asarray(actual, float), np.asarray(expected, float), rtol=rtol, atol=0)


@pytest.mark.parametrize("cov_type", COV_TYPES)
@pytest.mark.parametrize("intercept", [True, False])
def test_every_quantity_equals_statsmodels(cov_type, intercept):
    for seed in SEEDS:
        X, y = problem(seed)
        ours, ref = (
            inference(X, y, fit_intercept=intercept, cov_type=cov_type),
            reference(X, y, intercept=intercept, cov_type=cov_type),
        )
        for name in COEF_FIELDS + MODEL_FIELDS:
            close(getattr(ours, name), getattr(ref, name))
        close(ours.cov_params, ref.cov_params())
        close(ours.resid_std, np.sqrt(ref.scale))
        close(ours.condition_number, ref.condition_number)
        for alpha in (0.05, 0.01, 0.3):
            close(ours.conf_int(alpha), ref.conf_int(alpha))
        assert (ours.nobs, ours.df_model, ours.df_resid) == (ref.nobs, ref.df_model, ref.df_resid)
        assert ours.use_t == ref.use_t == (cov_type == "nonrobust") and ours.reasons == ()


@pytest.mark.parametrize("cov_type", COV_TYPES)
@pytest.mark.parametrize("intercept", [True, False])
def test_intervals_at_new_points_equal_statsmodels_summary_frame(cov_type, intercept):
    for seed in SEEDS:
        X, y = problem(seed)
        X_new = problem(seed + 100, m=7)[0] * 1.5
        ours, ref = (
            inference(X, y, fit_intercept=intercept, cov_type=cov_type),
            reference(X, y, intercept=intercept, cov_type=cov_type),
        )
        exog = sm.add_constant(X_new, prepend=False, has_constant="add") if intercept else X_new
        for alpha in (0.05, 0.2):
            frame = ref.get_prediction(exog).summary_frame(alpha=alpha)
            pred = ours.predict(X_new, alpha)
            for column in ("mean", "mean_se", "mean_ci_lower", "mean_ci_upper", "obs_ci_lower", "obs_ci_upper"):
                close(getattr(pred, column), frame[column].to_numpy())


@pytest.mark.parametrize("intercept", [True, False])
def test_residual_diagnostics_equal_statsmodels(intercept):
    for seed in SEEDS:
        X, y = problem(seed)
        ours, ref = inference(X, y, fit_intercept=intercept), reference(X, y, intercept=intercept)
        jb, jb_p, skew, kurtosis = jarque_bera(ref.resid)
        omnibus, omnibus_p = omni_normtest(ref.resid)
        close(
            [
                ours.durbin_watson,
                ours.jarque_bera,
                ours.jb_pvalue,
                ours.skew,
                ours.kurtosis,
                ours.omnibus,
                ours.omnibus_pvalue,
            ],
            [durbin_watson(ref.resid), jb, jb_p, skew, kurtosis, omnibus, omnibus_p],
        )


def test_a_duplicate_column_takes_the_pseudo_inverse_and_the_rank_as_statsmodels_does():
    X, y = problem(3)
    X = np.column_stack([X, X[:, 1]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ours = inference(X, y, feature_names=["a", "b", "c", "b2"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # statsmodels' SingularMatrixWarning
        ref = reference(X, y, intercept=True)
    for name in COEF_FIELDS + MODEL_FIELDS:
        close(getattr(ours, name), getattr(ref, name), rtol=1e-7)
    assert ours.rank == 4 and ours.df_resid == ref.df_resid == 36 and ours.df_model == ref.df_model == 3
    assert ours.reasons == (
        "rank 4 < 5 parameters: b, b2 are collinear, so their coefficients are the least-norm solution "
        "and their standard errors come from the pseudo-inverse",
    )


# NIST's certified regression statistics: the third column of the B lines, then two named values.
def certified_statistics(name: str) -> tuple[np.ndarray, float, float]:
    """(standard deviations of B0.., residual standard deviation, R²) from the StRD file."""
    text = (NIST / f"{name}.dat").read_text()
    block = text[text.index("Certified Regression Statistics") : text.index("Certified Analysis of Variance")]
    sd = [float(m.group(1)) for m in re.finditer(r"^\s*B\d+\s+\S+\s+(\S+)\s*$", block, re.M)]
    resid_sd = float(re.search(r"Standard Deviation\s+(\S+)\s*$", block, re.M).group(1))
    rsquared = float(re.search(r"R-Squared\s+(\S+)", block).group(1))
    return np.array(sd), resid_sd, rsquared


def nist_order(values: np.ndarray, intercept: bool) -> np.ndarray:
    """Ours (weights, then the intercept) in NIST's order (B0, the intercept, first)."""
    return np.append(values[-1], values[:-1]) if intercept else values


def test_the_certified_statistics_parse_to_nists_values_for_longley():
    sd, resid_sd, rsquared = certified_statistics("Longley")
    assert sd[0] == 890420.383607373 and sd[-1] == 455.478499142212 and sd.size == 7
    assert (resid_sd, rsquared) == (304.854073561965, 0.995479004577296)
    assert certified_statistics("Wampler1")[1:] == (0.0, 1.0)


@pytest.mark.parametrize("name", SUITE)
def test_nist_certified_statistics_keep_seven_digits(name):
    intercept = fit_intercept(name)
    ds = nist_dataset(name)
    res = inference(ds.X, ds.y, fit_intercept=intercept)
    coef_digits = lre(nist_order(res.params, intercept), read_nist(name)[0]).min()
    if coef_digits < MIN_LRE:  # Wampler5 where longdouble is float64: see test_linreg_nist.EXTENDED
        pytest.skip(f"the coefficients keep {coef_digits:.1f} digits here")
    sd, resid_sd, rsquared = certified_statistics(name)
    digits = {
        "sd": lre(nist_order(res.bse, intercept), sd).min(),
        "resid_sd": lre([res.resid_std], [resid_sd])[0],
        "rsquared": lre([res.rsquared], [rsquared])[0],
    }
    assert min(digits.values()) >= MIN_LRE, digits


def test_an_exact_fit_has_zero_standard_errors_infinite_t_and_says_so():
    ds = nist_dataset("Wampler1")  # y = 1 + x + x**2 + ... + x**5 exactly
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = inference(ds.X, ds.y)
        ci = res.conf_int()
    assert res.resid_std == 0.0 and res.rsquared == 1.0 and res.rsquared_adj == 1.0
    assert np.all(res.bse == 0) and np.all(np.isinf(res.tvalues)) and np.all(res.pvalues == 0)
    assert np.array_equal(ci[:, 0], res.params) and np.array_equal(ci[:, 1], res.params)
    assert res.fvalue == np.inf and res.f_pvalue == 0.0 and res.llf == np.inf and res.aic == -np.inf
    assert np.isnan(res.durbin_watson) and np.isnan(res.omnibus)
    assert any(r.startswith("an exact fit: the residuals are rounding noise") for r in res.reasons)
    pred = res.predict([[2.0, 4.0, 8.0, 16.0, 32.0]])
    assert pred.mean[0] == pytest.approx(63.0, rel=1e-12) and pred.obs_ci_lower[0] == pred.obs_ci_upper[0]


@pytest.mark.parametrize("cov_type", COV_TYPES)
def test_no_residual_degrees_of_freedom_gives_nan_errors_with_a_reason(cov_type):
    X = np.array([[0.0, 1.0], [1.0, 3.0], [2.0, 2.0]])
    y = np.array([1.0, 4.0, 2.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = inference(X, y, cov_type=cov_type)
        pred = res.predict(X)
        ci = res.conf_int(0.1)
    assert res.df_resid == 0 and res.rsquared == 1.0
    np.testing.assert_allclose(res.params, [-1 / 3, 5 / 3, -2 / 3], rtol=1e-12)  # the interpolant
    np.testing.assert_allclose(pred.mean, y, rtol=1e-12)
    for values in (res.bse, res.tvalues, res.pvalues, ci, pred.mean_se, pred.obs_ci_lower, [res.scale, res.fvalue]):
        assert np.all(np.isnan(values))
    assert np.isnan(res.rsquared_adj) and np.isnan(res.resid_std)
    assert "no residual degrees of freedom: n = rank = 3, so sigma and the standard errors are NaN" in res.reasons
    assert "no F test: no residual degrees of freedom" in res.reasons


def test_hc2_and_hc3_are_nan_for_an_observation_of_leverage_one():
    X, y = problem(4, m=12, d=1)
    dummy = np.zeros(12)
    dummy[5] = 1.0  # the dummy fits observation 5 exactly: its leverage is 1
    X = np.column_stack([X, dummy])
    res0, res3 = inference(X, y, cov_type="HC0"), inference(X, y, cov_type="HC3")
    close(res0.bse, reference(X, y, intercept=True, cov_type="HC0").bse, rtol=1e-7)
    assert np.all(np.isnan(res3.bse)) and np.isnan(res3.fvalue)
    assert res3.reasons[0].startswith("HC3 is undefined: 1 observation(s) have leverage 1")


def test_an_intercept_only_model_has_no_f_test():
    res = inference(np.zeros((10, 1)), np.arange(10.0))
    assert np.isnan(res.fvalue) and np.isnan(res.f_pvalue) and res.df_model == 0
    assert "no F test: the model has nothing beyond the intercept" in res.reasons
    assert res.params[-1] == pytest.approx(4.5) and res.rank == 1


def test_a_constant_y_has_undefined_r_squared():
    res = inference(np.arange(10.0), np.full(10, 3.0))
    assert np.isnan(res.rsquared) and res.resid_std == 0.0
    assert "y is constant: R² and the adjusted R² are undefined (0 / 0), NaN" in res.reasons


def test_from_experiment_is_inference_on_the_training_split():
    e = run(Dataset(*problem(5, m=60), feature_names=["a", "b", "c"]), TrainSpec(lr=None, standardize=True, n_iters=10))
    res = from_experiment(e, cov_type="HC1")
    assert res.names == ("a", "b", "c", INTERCEPT_NAME) and res.nobs == len(e.split.y_train) == 48
    np.testing.assert_allclose(res.params, e.ols.theta, rtol=1e-12)
    close(res.bse, reference(e.split.X_train, e.split.y_train, intercept=True, cov_type="HC1").bse)


def test_results_are_frozen_and_read_only():
    res = inference(*problem(0))
    assert isinstance(res, OLSInference)
    with pytest.raises(AttributeError):
        res.rsquared = 0.0
    for values in (res.params, res.bse, res.cov_params, res.resid, res.conf_int(), res.predict(problem(1)[0]).mean):
        assert not values.flags.writeable


@pytest.mark.parametrize("alpha", [0.0, 1.0, -0.1, 1.5, float("nan")])
def test_alpha_outside_zero_one_is_refused_by_name(alpha):
    res = inference(*problem(0))
    with pytest.raises(ValueError, match="alpha"):
        res.conf_int(alpha)
    with pytest.raises(ValueError, match="alpha"):
        res.predict(problem(1)[0], alpha)


def test_unknown_cov_type_and_mismatched_new_points_are_refused_by_name():
    X, y = problem(0)
    with pytest.raises(ValueError, match="cov_type must be one of nonrobust, HC0, HC1, HC2, HC3, got 'HC4'"):
        inference(X, y, cov_type="HC4")
    with pytest.raises(ValueError, match="X_new must have 3 column"):
        inference(X, y).predict(X[:, :2])
