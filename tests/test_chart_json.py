"""The charts' JSON through orjson, Plotly's engine when it is installed (as st.plotly_chart sends it), holds
the values the json module writes: the same figures, NaN and hostile names included."""

from __future__ import annotations

import json

import numpy as np
import plotly.io as pio
import pytest

from dashboard import figures, figures_multi
from linreg import Dataset, ExperimentParams, TrainSpec, load_dataset, run, run_experiment


def test_plotly_serializes_with_orjson():
    pytest.importorskip("orjson", reason="orjson is in requirements.txt")
    assert pio.json.config.default_engine in ("auto", "orjson")
    fig = figures.loss_figure(run_experiment(ExperimentParams(n_iters=100)).fit, 1.0)
    assert pio.to_json(fig, validate=False) == pio.to_json(fig, validate=False, engine="orjson")


def _experiments():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(3_000, 3)) * [1.0, 1e6, 1e-6]
    y = X @ [2.0, 1e-6, 3e5] + rng.normal(size=3_000)
    hostile = Dataset(X, y, feature_names=["<script>x</script>", "[a](http://x)", "=cmd|' /C calc'!A0"])
    yield run_experiment(ExperimentParams(n_iters=2_000))
    yield run(load_dataset("longley"), TrainSpec(lr=None, standardize=True, n_iters=500))
    yield run(hostile, TrainSpec(lr=None, standardize=True, n_iters=300))
    yield run(load_dataset("norris"), TrainSpec(lr=10.0, n_iters=50))  # diverges: non-finite losses


@pytest.mark.parametrize("exp", list(_experiments()), ids=["article", "longley", "hostile names", "diverged"])
def test_every_chart_has_the_same_values_in_either_engine(exp):
    pytest.importorskip("orjson")
    charts = [
        figures.loss_figure(exp.fit, exp.ols_train.mse),
        figures_multi.predicted_vs_actual(exp),
        figures_multi.residuals_figure(exp),
        figures_multi.coefficients_figure(exp),
        figures_multi.partial_figure(exp, exp.feature_names[0]),
        figures_multi.coefficient_replay(exp),
    ]
    for fig in charts:
        fast = pio.to_json(fig, validate=False, engine="orjson")
        assert json.loads(fast) == json.loads(pio.to_json(fig, validate=False, engine="json"))
        assert "<script>" not in fast  # Plotly escapes < in both, so names cannot close the page's script
