"""Status is data: an enum and numbers on the fit; describe() is the one place that puts them into words."""

import json
import warnings

import pytest

from linreg import (
    EXPLODE_FACTOR,
    ConvergenceWarning,
    Status,
    describe,
    gradient_descent,
    make_synthetic,
    train_test_split,
)

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
