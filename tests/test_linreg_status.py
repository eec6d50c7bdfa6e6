"""Status is data: an enum and numbers on the fit; describe() is the one place that puts them into words."""

import json
import math
import re
import warnings

import numpy as np
import pytest

from linreg import (
    EXPLODE_FACTOR,
    ConvergenceWarning,
    Problem,
    Status,
    describe,
    gradient_descent,
    make_synthetic,
    train_test_split,
)
from linreg.optimizers import GD, SGD, AdaGrad, Adam, HeavyBall, Nesterov, RMSProp, heavy_ball_max_lr, nesterov_max_lr

SPLIT = train_test_split(*make_synthetic())


def fit(**kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return gradient_descent(SPLIT.x_train, SPLIT.y_train, **kwargs)


def test_status_is_a_str_enum_with_four_members():
    assert [s.value for s in Status] == ["converged", "tol", "max_iter", "diverged"]
    assert Status.CONVERGED == "converged" and isinstance(Status.DIVERGED, str)
    assert json.dumps({"status": Status.TOL}) == '{"status": "tol"}' and f"{Status.MAX_ITER}" == "max_iter"


# Every wording describe() has: a run that ends in it, and what the sentence must say.
RUNS = {
    "converged": ({"lr": 5e-4, "n_iters": 100_000}, Status.CONVERGED, "converged: after 100,000 iterations"),
    "tol": ({"lr": 5e-4, "n_iters": 1_000_000, "tol": 1e-9}, Status.TOL, "the relative improvement in loss fell"),
    "max_iter": ({"lr": 5e-4, "n_iters": 1_000}, Status.MAX_ITER, "ran all 1,000 iterations without converging"),
    "tol unmet": ({"lr": 5e-4, "n_iters": 10, "tol": 1e-12}, Status.MAX_ITER, "reached n_iters=10 before"),
    "exploded": ({"lr": 1e-3, "n_iters": 1_000}, Status.DIVERGED, "the loss passed"),
    "growing": ({"lr": 6.3e-4, "n_iters": 50}, Status.DIVERGED, "the loss grows with every step (ran 50)"),
}


@pytest.mark.parametrize("case", RUNS, ids=list(RUNS))
def test_describe_covers_every_status(case):
    kwargs, status, words = RUNS[case]
    f = fit(**kwargs)
    assert f.status is status and f.stop_reason == describe(f)
    assert words in describe(f)


def test_every_status_is_reached_and_described():
    assert {RUNS[case][1] for case in RUNS} == set(Status)


def test_the_numbers_behind_the_words_are_fields():
    converged = fit(lr=5e-4, n_iters=100_000)
    assert 0 < converged.gradient_ratio < 1e-6 and f"{converged.gradient_ratio:.1e}" in describe(converged)
    assert converged.exploded_at is None and converged.loss_limit is None
    slow = fit(lr=5e-4, n_iters=1_000)
    assert slow.contraction == pytest.approx(1 - 5e-4 * 0.2578, rel=1e-3) and "7,758 steps per e-fold" in describe(slow)
    blown = fit(lr=1e-3, n_iters=1_000)
    assert blown.gradient_ratio is None and blown.exploded_at == blown.n_iter + 1
    assert blown.loss_limit == pytest.approx(EXPLODE_FACTOR * blown.loss_history[0])
    assert f"at iteration {blown.exploded_at:,}, so the run stopped after {blown.n_iter:,}" in describe(blown)
    assert f"Try lr={blown.suggested_lr:.2g}" in describe(blown) and blown.suggested_lr == 6.2e-4


def test_the_warning_says_what_describe_says():
    with pytest.warns(ConvergenceWarning) as record:
        f = gradient_descent(SPLIT.x_train, SPLIT.y_train, lr=5e-4, n_iters=1_000)
    assert str(record[0].message) == describe(f)


# Other optimizers: each diverged run names its own method and the bound (or its absence) that applies.
PROBLEM = Problem.from_data(SPLIT.x_train, SPLIT.y_train)


def trajectory(spec, n_iters, problem=PROBLEM):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return spec.run(problem, n_iters)


def suggested(text):
    return float(re.search(r"Try lr=([0-9.e+-]+) or smaller", text).group(1))


def test_gd_as_an_optimizer_says_what_gradient_descent_says():
    for lr, n in ((6.3e-4, 50), (1e-3, 1_000), (5e-4, 1_000)):
        assert describe(trajectory(GD(lr), n)) == describe(fit(lr=lr, n_iters=n))


@pytest.mark.parametrize(
    ("kind", "bound_of", "formula", "name"),
    [
        (HeavyBall, heavy_ball_max_lr, "2(1+β)/λ_max", "heavy ball"),
        (Nesterov, nesterov_max_lr, "2(1+β)/((1+2β)λ_max)", "Nesterov"),
    ],
)
def test_a_diverged_momentum_run_states_its_own_bound(kind, bound_of, formula, name):
    bound = bound_of(PROBLEM.eigenvalues, 0.9)
    diverged = trajectory(kind(1.05 * bound, 0.9), 20_000)
    text = describe(diverged)
    assert diverged.status is Status.DIVERGED and diverged.max_stable_lr == bound
    assert f"is not below {name}'s stable bound {formula}={bound:.3g} at β=0.9" in text
    assert "2/λ_max" not in text and "the loss passed" in text
    # GD's suggestion (6.2e-4) is above Nesterov's bound at β=0.9 (4.1e-4); the one given is below the method's own
    lr = suggested(text)
    assert 0.8 * bound < lr < bound
    assert trajectory(kind(lr, 0.9), 20_000).status is not Status.DIVERGED


def test_a_diverged_sgd_run_says_the_full_batch_bound_does_not_hold_for_batches():
    problem = Problem.from_data(SPLIT.x_train, SPLIT.y_train, standardize=True)
    diverged = trajectory(SGD(3.0 * problem.max_stable_lr, batch_size=4), 10_000, problem)
    text = describe(diverged)
    assert diverged.status is Status.DIVERGED and diverged.exploded_at == diverged.n_iter + 1
    assert text.startswith(f"diverged: mini-batch SGD at lr={diverged.lr:g}: the loss passed")
    assert f"stable below 2/λ_max={problem.max_stable_lr:.3g}" in text and "a larger batch" in text


@pytest.mark.parametrize(
    "spec", [Adam(1.0), RMSProp(1.0), AdaGrad(1.0), Adam(1.0, batch_size=10)], ids=["Adam", "RMSProp", "AdaGrad", "mb"]
)
def test_a_diverged_adaptive_run_says_no_bound_from_the_hessian_applies(spec):
    """Features in the hundreds and a target near zero: one step of about lr in the weight blows the loss up."""
    rng = np.random.RandomState(0)
    problem = Problem.from_data(rng.uniform(0, 1_000, size=50), rng.normal(0, 1e-3, size=50))
    diverged = trajectory(spec, 100, problem)
    text = describe(diverged)
    name = type(spec).__name__
    assert diverged.status is Status.DIVERGED and diverged.exploded_at == 1
    assert text.startswith(f"diverged: {name} at lr=1: the loss passed {diverged.loss_limit:.3g} at iteration 1")
    assert f"{name} has no stable bound from the Hessian" in text and "λ_max=" not in text
    assert ("batches of 10 rows add noise" in text) == (spec.batch_size is not None)


def test_an_unconverged_adaptive_run_has_no_contraction_rate_to_quote():
    slow = trajectory(Adam(1e-4), 100)
    assert slow.status is Status.MAX_ITER and math.isnan(slow.contraction)
    assert "Adam has no contraction rate fixed by the Hessian" in describe(slow) and "nan" not in describe(slow)


def test_a_slow_momentum_run_quotes_its_own_bound():
    bound = heavy_ball_max_lr(PROBLEM.eigenvalues, 0.5)
    slow = trajectory(HeavyBall(1e-5, 0.5), 100)
    assert slow.status is Status.MAX_ITER and slow.max_stable_lr == bound
    assert f"per e-fold); a larger lr below {bound:.3g}," in describe(slow)
