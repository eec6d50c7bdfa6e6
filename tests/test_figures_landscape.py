"""The loss landscape and the race figure: contour values, paths, points, frames and payload bounds."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from plotly_spec import decode_array

from dashboard.figures_landscape import (
    EIGEN,
    Plane,
    coordinates,
    excess_loss,
    landscape_figure,
    race_figure,
)
from linreg import ConvergenceWarning, Dataset, ExperimentParams, TrainSpec, load_dataset, run, run_experiment
from linreg.optimizers import GD, Adam, HeavyBall


@pytest.fixture(scope="module")
def article():
    return run_experiment(ExperimentParams(n_iters=20_000))


def by_name(fig, name):
    return next(t for t in fig.data if t.name == name)


def xy(t):
    return decode_array(t.x), decode_array(t.y)


def quiet_runs(problem, *optimizers, n_iters=1000):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return [(type(o).__name__, o.run(problem, n_iters)) for o in optimizers]


def test_the_playground_landscape_shows_the_gd_path_the_minimum_and_the_truth(article):
    fig = landscape_figure(article)
    contour = fig.data[0]
    assert contour.type == "contour" and fig.layout.xaxis.title.text == "w_1" and fig.layout.yaxis.title.text == "w_2"
    # Levels every half decade of L - L*: z is log10(L - L*) of the MSE at each grid point.
    assert contour.contours.size == 0.5
    xs, ys, z = np.asarray(contour.x, float), np.asarray(contour.y, float), np.asarray(contour.z, float)
    i, j = 17, 60
    theta = np.array([xs[j], ys[i]])
    expected = article.problem.loss(article.problem.to_scaled(theta)) - article.problem.loss_star
    assert z[i, j] == pytest.approx(np.log10(expected), abs=1e-4)
    # The narrow valley: along w_2 the loss changes far more slowly than along w_1.
    assert np.ptp(z[:, j]) < np.ptp(z[i, :])
    gd = by_name(fig, "Gradient descent")
    x, y = xy(gd)
    assert (x[0], y[0]) == (0, 0)
    assert x[-1] == pytest.approx(article.fit.weights[0], rel=1e-6) and y[-1] == pytest.approx(
        article.fit.bias, rel=1e-6
    )
    assert len(x) == len(article.fit.checkpoint_iters) <= 100
    ols = by_name(fig, "Least squares (OLS)")
    assert ols.x[0] == pytest.approx(article.ols.weights[0], rel=1e-6)
    assert (by_name(fig, "True θ").x, by_name(fig, "True θ").y) == ((3.5,), (10.0,))
    # The frame holds the start, the path and the two points.
    assert fig.layout.xaxis.range[0] < 0 < 3.5 < fig.layout.xaxis.range[1]
    assert fig.layout.yaxis.range[0] < 0 < 10 < fig.layout.yaxis.range[1]


def test_a_diverged_path_leaves_the_frame_instead_of_stretching_it(article):
    runs = quiet_runs(article.problem, GD(5e-4), GD(7e-4), n_iters=200)
    assert runs[1][1].diverged
    fig = landscape_figure(article.problem, runs=runs, true_theta=article.true_theta)
    assert fig.layout.xaxis.range[1] < 10  # the diverged run's w_1 reaches far beyond
    x, _ = xy(by_name(fig, "GD"))
    assert np.all(np.isfinite(x))


def test_several_features_slice_along_the_extreme_eigendirections():
    exp = run(load_dataset("longley"), TrainSpec(lr=None, standardize=True, n_iters=500))
    problem = exp.problem
    fig = landscape_figure(exp)
    assert fig.layout.xaxis.title.text.startswith("along the λ_min")
    # Through the optimum: the OLS minimum sits at the origin, and the slice is λ_min s² + λ_max t².
    ols = by_name(fig, "Least squares (OLS)")
    assert abs(ols.x[0]) < 1e-6 and abs(ols.y[0]) < 1e-6
    contour = fig.data[0]
    s, t = float(contour.x[5]), float(contour.y[70])
    assert 10 ** float(contour.z[70][5]) == pytest.approx(problem.lam_min * s * s + problem.lam_max * t * t, rel=1e-4)
    # Two chosen coefficients, in the units of X, the others at the optimum.
    coef = landscape_figure(exp, plane=Plane("coef", (0, 6)))
    assert coef.layout.xaxis.title.text == "gnp_deflator" and coef.layout.yaxis.title.text == "(intercept)"
    best = problem.to_original(problem.theta_star)
    assert by_name(coef, "Least squares (OLS)").x[0] == pytest.approx(best[0], rel=1e-6)
    # A path's point projects onto the slice: its eigen-coordinates match its offset from the optimum.
    theta = problem.to_original(problem.theta_star + problem.eigenvectors[:, 0])  # one unit along λ_min's
    assert coordinates(problem, EIGEN, theta[None, :])[0] == pytest.approx([1.0, 0.0], abs=1e-6)
    assert excess_loss(problem, theta) == pytest.approx(problem.lam_min, rel=1e-6)


def test_names_from_a_file_are_escaped():
    rng = np.random.RandomState(0)
    X = rng.rand(50, 1)
    data = Dataset(X=X, y=2 * X[:, 0] + rng.rand(50), feature_names=("<b>x</b>",), target_name="y")
    fig = landscape_figure(run(data, TrainSpec(lr=None, standardize=True, n_iters=50)))
    assert fig.layout.xaxis.title.text == "&lt;b&gt;x&lt;/b&gt;"


def test_one_parameter_has_no_plane_to_draw():
    exp = run(load_dataset("norris"), TrainSpec(lr=None, standardize=True, fit_intercept=False, n_iters=50))
    fig = landscape_figure(exp)
    assert not fig.data and "no plane to draw" in fig.layout.annotations[0].text


def test_the_race_animates_every_path_and_loss_marker_with_bounded_frames():
    problem = run_experiment(ExperimentParams(n_iters=10)).problem
    runs = quiet_runs(problem, GD(5e-4), HeavyBall(1.2e-3, 0.9648), Adam(1e-3), n_iters=1_000_000)
    fig = race_figure(problem, runs)
    frames = fig.frames
    assert len(frames) == len(runs[0][1].checkpoint_iters) < 100
    assert frames[-1].name == "1,000,000"
    moving = list(frames[0].traces)
    assert len(moving) == 6 and all(list(f.traces) == moving for f in frames)
    lengths = [len(f.data[0].x) for f in frames]
    assert lengths == sorted(lengths) and lengths[0] == 1 and lengths[-1] == len(runs[0][1].checkpoint_iters)
    assert sum(len(d.x) for f in frames for d in f.data) < 20_000  # not a million iterates
    marks = [f.data[1].x[0] for f in frames]
    assert marks == sorted(marks) and marks[-1] == 1_000_001
    # The loss curves are L - L*, positive for a log axis, and each holds at most LOSS_POINTS points.
    curves = [t for t in fig.data if t.xaxis == "x2" and t.mode == "lines"]
    assert len(curves) == 3 and all(0 < len(c.x) <= 400 and np.all(np.asarray(c.y) > 0) for c in curves)
