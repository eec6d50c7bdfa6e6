"""linreg.repeat: each repeat equals a literal run on its own data, the coverage holds, GD's bias shows."""

from __future__ import annotations

import subprocess
import sys
import warnings
from dataclasses import replace

import numpy as np
import pytest

from linreg import Dataset, SyntheticSpec, TrainSpec, run
from linreg.inference import inference
from linreg.repeat import MAX_DRAWS, binomial_range, max_repeats, noise_seeds, repeat

ARTICLE = SyntheticSpec()
EARLY = TrainSpec(n_iters=100)  # the article's rate, stopped long before it converges
CONVERGED = TrainSpec(lr=1.0, standardize=True, n_iters=200)

SETTINGS = {
    "article": (ARTICLE, TrainSpec()),
    "early": (ARTICLE, EARLY),
    "standardized-early": (ARTICLE, TrainSpec(lr=0.05, standardize=True, n_iters=7)),
    "no-intercept": (ARTICLE, TrainSpec(lr=1e-4, n_iters=50, fit_intercept=False)),
    "small": (SyntheticSpec(n=12, noise=3.0, seed=7, slope=-2.0, x_min=-5.0, x_max=40.0), TrainSpec(train_ratio=0.5)),
}


def literal(data: SyntheticSpec, spec: TrainSpec, seed: int):
    """``linreg.run`` on the data of noise seed ``seed``, on the base run's split."""
    split_seed = data.seed if spec.split_seed is None else spec.split_seed
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return run(Dataset.synthetic(replace(data, seed=int(seed))), replace(spec, split_seed=split_seed))


@pytest.mark.parametrize("name", list(SETTINGS))
def test_each_repeat_equals_a_literal_run_on_its_data(name):
    data, spec = SETTINGS[name]
    r = repeat(data, spec, 40)
    for j in (0, 1, 17, 39):
        exp = literal(data, spec, r.seeds[j])
        np.testing.assert_allclose(r.ols.theta[j], exp.ols.theta, rtol=1e-9)
        np.testing.assert_allclose(r.gd.theta[j], exp.fit.theta, rtol=1e-9)
        assert r.gd_iters == exp.fit.n_iter


def test_the_standard_errors_are_inferences():
    data, spec = SETTINGS["small"]
    r = repeat(data, spec, 10)
    for j in (0, 9):
        split = literal(data, spec, r.seeds[j]).split
        np.testing.assert_allclose(r.bse[j], inference(split.X_train, split.y_train).bse, rtol=1e-9)
    assert r.df_resid == 6 - 2


@pytest.mark.parametrize("data", [ARTICLE, SETTINGS["small"][0]], ids=["article", "small"])
def test_coverage_over_2000_repeats_is_within_binomial_error(data):
    r = repeat(data, TrainSpec(), 2000)
    lo, hi = binomial_range(2000, 0.95)
    counts = r.covered().sum(axis=0)
    assert ((lo <= counts) & (counts <= hi)).all(), (counts, lo, hi)
    assert (lo, hi) == (1880, 1919)  # 95 % ± 1.96 binomial standard errors of 9.7


def test_gd_equals_ols_once_converged():
    r = repeat(ARTICLE, CONVERGED, 500)
    np.testing.assert_allclose(r.gd.theta, r.ols.theta, rtol=1e-9)
    np.testing.assert_allclose(r.gd.mean, r.ols.mean, rtol=1e-9)
    np.testing.assert_allclose(r.gd.cov, r.ols.cov, rtol=1e-8)
    np.testing.assert_array_equal(r.coverage(r.gd.theta), r.coverage())


def test_gd_stopped_early_is_biased_and_ols_is_not():
    r = repeat(ARTICLE, EARLY, 2000)
    np.testing.assert_allclose(r.ols.mean, [3.5, 10.0], rtol=1e-12)
    assert (np.abs(r.gd.mean - r.true_theta) > 3 * r.ols.sd).all()  # off by 3 OLS standard deviations
    assert r.coverage(r.gd.theta)[1] == 0.0  # no interval around GD's intercept holds the true one


@pytest.mark.parametrize("name", ["article", "early"])
def test_the_estimates_follow_their_predicted_normals(name):
    r = repeat(*SETTINGS[name], 2000)
    for est in (r.ols, r.gd):
        se_of_mean = est.sd / np.sqrt(r.k)
        assert (np.abs(est.theta.mean(axis=0) - est.mean) < 4 * se_of_mean).all()
        # The SD of a sample SD over 2,000 normal draws is about 1.6 %.
        np.testing.assert_allclose(est.theta.std(axis=0, ddof=1), est.sd, rtol=0.06)
        # The correlation of slope and intercept too (its standard error is below 0.022 here).
        predicted = est.cov[0, 1] / (est.sd[0] * est.sd[1])
        assert abs(np.corrcoef(est.theta.T)[0, 1] - predicted) < 0.05


def test_seeds_are_a_fixed_hash_of_the_data_seed_and_a_prefix():
    assert noise_seeds(43, 3).tolist() == [3994432209, 2044548950, 822718314]
    short, long = repeat(ARTICLE, EARLY, 10), repeat(ARTICLE, EARLY, 20)
    np.testing.assert_array_equal(short.ols.theta, long.ols.theta[:10])
    np.testing.assert_array_equal(short.gd.theta, repeat(ARTICLE, EARLY, 10).gd.theta)
    other = repeat(replace(ARTICLE, seed=44), EARLY, 10)
    assert not np.isin(other.seeds, long.seeds).any()


def test_a_tolerance_fixes_the_iterations_where_it_stopped_the_base_run():
    spec = TrainSpec(lr=0.5, standardize=True, n_iters=10_000, tol=1e-6)
    base = literal(ARTICLE, spec, ARTICLE.seed)
    assert base.fit.status == "tol" and base.fit.n_iter < 10_000
    r = repeat(ARTICLE, spec, 20, base=base)
    assert r.tol_stopped and r.gd_iters == base.fit.n_iter
    fixed = replace(spec, tol=None, n_iters=base.fit.n_iter)
    for j in (0, 19):
        np.testing.assert_allclose(r.gd.theta[j], literal(ARTICLE, fixed, r.seeds[j]).fit.theta, rtol=1e-9)


def test_a_diverged_run_repeats_ols_only():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = repeat(ARTICLE, TrainSpec(lr=1e-3, n_iters=1000), 10)
    assert r.gd is None and r.ols.theta.shape == (10, 2)


def test_without_an_intercept_the_slope_is_biased_by_the_missing_one():
    r = repeat(*SETTINGS["no-intercept"], 200)
    assert r.names == ("x",) and r.true_theta.tolist() == [3.5]
    assert r.ols.mean[0] > 3.5 and r.coverage()[0] < 0.5  # the intercept of 10 leans on the slope


def test_the_result_is_read_only():
    r = repeat(ARTICLE, EARLY, 10)
    for arr in (r.ols.theta, r.gd.theta, r.ols.cov, r.bse, r.seeds, r.true_theta):
        assert not arr.flags.writeable


@pytest.mark.parametrize(
    ("data", "k", "message"),
    [
        (ARTICLE, 5, "k must be >= 10"),
        (ARTICLE, 5000, "k must be <= 2,000"),
        (ARTICLE, 10.5, "k must be an integer"),
        (replace(ARTICLE, noise=0.0), 10, "noise must be > 0"),
        (replace(ARTICLE, n=100_000), 1000, "at n = 100,000 use k <= 200"),
        (replace(ARTICLE, n=3), 10, "more rows than parameters"),
    ],
)
def test_bad_settings_are_named(data, k, message):
    with pytest.raises(ValueError, match=message):
        repeat(data, TrainSpec(train_ratio=0.67) if data.n == 3 else EARLY, k)


def test_a_base_run_on_other_data_is_refused():
    base = literal(ARTICLE, EARLY, 44)
    with pytest.raises(ValueError, match="base must be a run on Dataset.synthetic"):
        repeat(ARTICLE, EARLY, 10, base=base)


def test_the_draw_budget():
    assert max_repeats(400) == 2000 and max_repeats(100_000) == 200
    assert max_repeats(100_000) * 100_000 <= MAX_DRAWS


def test_import_loads_no_scipy():
    code = "import sys, linreg.repeat; print('scipy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
