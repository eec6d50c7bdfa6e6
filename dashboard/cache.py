"""Bounded caches around the expensive calls, keyed on frozen parameter objects.

``run_experiment`` results go through ``st.cache_data`` (each rerun gets its own copy).
Figures are cached as objects with ``st.cache_resource``: rebuilding the replay's
frames costs about 0.1 s, far over a rerun's budget, and nothing mutates a figure
after it is built.
"""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from dashboard import figures
from linreg import (
    Diagnostics,
    Experiment,
    ExperimentParams,
    diagnose,
    make_data,
    run_experiment,
)

MAX_ENTRIES = 16
# A frozen dataclass's repr names every field with its exact value: a key as good as
# Streamlit's generic hashing and several times cheaper, which counts at five lookups a rerun.
_KEY = {ExperimentParams: repr}


@st.cache_data(max_entries=MAX_ENTRIES, hash_funcs=_KEY, show_spinner="Running gradient descent…")
def experiment(params: ExperimentParams) -> Experiment:
    """The run for ``params``; raises linreg's ValueError for invalid settings."""
    return run_experiment(params)


@st.cache_data(max_entries=MAX_ENTRIES, hash_funcs=_KEY, show_spinner=False)
def diagnostics(params: ExperimentParams) -> Diagnostics:
    """The Hessian's spectrum on the training data of ``params``, without running GD."""
    split = make_data(params)[2]
    return diagnose(split.x_train, standardize=params.standardize)


@st.cache_resource(max_entries=MAX_ENTRIES, hash_funcs=_KEY, show_spinner=False)
def fit_figure(params: ExperimentParams, show_train: bool) -> go.Figure:
    return figures.fit_figure(experiment(params), show_train=show_train)


@st.cache_resource(max_entries=MAX_ENTRIES, hash_funcs=_KEY, show_spinner=False)
def loss_figure(params: ExperimentParams, log_scale: bool, excess: bool) -> go.Figure:
    exp = experiment(params)
    return figures.loss_figure(exp.fit, exp.ols_train.mse, log_scale=log_scale, excess=excess)


@st.cache_resource(max_entries=MAX_ENTRIES, hash_funcs=_KEY, show_spinner=False)
def replay_figure(params: ExperimentParams) -> go.Figure:
    return figures.replay_figure(experiment(params))
