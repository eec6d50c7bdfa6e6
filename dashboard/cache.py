"""Bounded caches around the expensive calls, keyed on small frozen objects.

A :class:`Source` names the data (the generator's settings, or a table and the columns
chosen from it); with a :class:`linreg.TrainSpec` it keys the run. Everything is cached
as shared objects with ``st.cache_resource``: linreg's results are frozen with read-only
arrays and nothing mutates a figure after it is built, so no session can change what
another sees, while ``st.cache_data``'s copy per rerun cost 0.27 s for a 1,000,000-row
table.
"""

from __future__ import annotations

import weakref
from dataclasses import asdict, dataclass, replace

import plotly.graph_objects as go
import streamlit as st

from dashboard import figures, figures_landscape, figures_multi, sources
from linreg import Dataset, Diagnostics, Experiment, ExperimentParams, SyntheticSpec, TrainSpec, run, run_experiment
from linreg.tables import Table, read_table

MAX_ENTRIES = 16


@dataclass(frozen=True)
class Source:
    """The data of one run: the generator's settings, or a table (bundled, or a file's digest) and its columns."""

    key: str
    synthetic: SyntheticSpec | None = None
    digest: str = ""
    target: str = ""
    features: tuple[str, ...] = ()


# A frozen dataclass's repr names every field with its exact value: a key as good as
# Streamlit's generic hashing and several times cheaper, which counts at every lookup.
KEY = {Source: repr, TrainSpec: repr}
# Uploaded tables by digest, for the runs that use them; bounded like the caches.
_UPLOADS: dict[str, Table] = {}


@st.cache_resource(max_entries=MAX_ENTRIES, show_spinner="Reading the table…")
def _read(key: str, name: str, _data: bytes) -> Table:
    return read_table(_data, name)


def uploaded_table(upload_id: str, name: str, data: bytes) -> tuple[str, Table]:
    """The visitor's file, read once per upload, and the key it is cached under; raises ValueError on a bad file.

    Streamlit's id of the upload is the key: hashing a 190 MB file on every rerun cost 0.1 s.
    """
    key = f"{upload_id}:{name}"
    table = _read(key, name, data)
    _UPLOADS[key] = table
    while len(_UPLOADS) > MAX_ENTRIES:
        _UPLOADS.pop(next(iter(_UPLOADS)))
    return key, table


@st.cache_resource(max_entries=MAX_ENTRIES, show_spinner=False)
def bundled_table(key: str) -> Table:
    return sources.bundled_table(key)


def table_of(source: Source) -> Table:
    return _UPLOADS[source.digest] if source.key == sources.UPLOAD else bundled_table(source.key)


@st.cache_resource(max_entries=MAX_ENTRIES, hash_funcs=KEY, show_spinner=False)
def dataset(source: Source) -> tuple[Dataset, tuple[str, ...]]:
    """The Dataset of ``source`` and what reading and selecting it noticed; raises ValueError."""
    if source.synthetic is not None:
        return Dataset.synthetic(source.synthetic), ()
    label = sources.BUNDLED[source.key].source if source.key in sources.BUNDLED else "an uploaded file"
    return sources.dataset_of(table_of(source), source.target, source.features, label)


# The runs at a suggested rate (``lr=None``), by the key of the same spec with that rate written in, for as long
# as the cache keeps them. A new table first runs so, to learn its rate, which then goes on the slider; the
# page's run at the slider's rate is that run, number for number, and is not computed again.
_AT_THEIR_RATE: weakref.WeakValueDictionary[tuple[str, str], Experiment] = weakref.WeakValueDictionary()


@st.cache_resource(max_entries=MAX_ENTRIES, hash_funcs=KEY, show_spinner="Running gradient descent…")
def experiment(source: Source, spec: TrainSpec) -> Experiment:
    """The run of ``spec`` on ``source``; raises linreg's ValueError for invalid settings.

    The article's generator with an intercept runs as the article's experiment, so the
    result keeps its settings (``params``) and the article's names for them.
    """
    s = source.synthetic
    if s is not None and spec.fit_intercept:
        settings = asdict(s) | {k: getattr(spec, k) for k in ("lr", "n_iters", "standardize", "tol", "train_ratio")}
        return run_experiment(ExperimentParams(**settings))
    if spec.lr is not None and (same := _AT_THEIR_RATE.get((repr(source), repr(spec)))) is not None:
        return replace(same, spec=spec)  # run() at lr=None runs at the suggested rate: the same arithmetic
    exp = run(dataset(source)[0], spec)
    if spec.lr is None:
        _AT_THEIR_RATE[repr(source), repr(replace(spec, lr=exp.fit.lr))] = exp
    return exp


def toolbar(fig: go.Figure) -> go.Figure:
    """Plotly's toolbar stands upright at the right edge: on a touch screen, where it never hides, it would
    otherwise lie across the chart's title."""
    return fig.update_layout(modebar={"orientation": "v"})


def diagnostics(source: Source, spec: TrainSpec) -> Diagnostics:
    """The Hessian's spectrum for ``spec`` on ``source`` (from the cached run)."""
    return experiment(source, spec).diagnostics


@st.cache_resource(max_entries=MAX_ENTRIES, hash_funcs=KEY, show_spinner=False)
def fit_figure(source: Source, spec: TrainSpec, show_train: bool) -> go.Figure:
    exp = experiment(source, spec)
    if exp.dataset.d == 1:
        return toolbar(figures.fit_figure(exp, show_train=show_train))
    return toolbar(figures_multi.predicted_vs_actual(exp))


@st.cache_resource(max_entries=MAX_ENTRIES, hash_funcs=KEY, show_spinner=False)
def landscape_figure(source: Source, spec: TrainSpec) -> go.Figure:
    return toolbar(figures_landscape.landscape_figure(experiment(source, spec)))


@st.cache_resource(max_entries=MAX_ENTRIES, hash_funcs=KEY, show_spinner=False)
def loss_figure(source: Source, spec: TrainSpec, log_scale: bool, excess: bool) -> go.Figure:
    exp = experiment(source, spec)
    return toolbar(figures.loss_figure(exp.fit, exp.ols_train.mse, log_scale=log_scale, excess=excess))


@st.cache_resource(max_entries=MAX_ENTRIES, hash_funcs=KEY, show_spinner=False)
def residuals_figure(source: Source, spec: TrainSpec) -> go.Figure:
    return toolbar(figures_multi.residuals_figure(experiment(source, spec)))


@st.cache_resource(max_entries=MAX_ENTRIES, hash_funcs=KEY, show_spinner=False)
def coefficients_figure(source: Source, spec: TrainSpec, standardized: bool) -> go.Figure:
    return toolbar(figures_multi.coefficients_figure(experiment(source, spec), standardized=standardized))


@st.cache_resource(max_entries=MAX_ENTRIES, hash_funcs=KEY, show_spinner=False)
def partial_figure(source: Source, spec: TrainSpec, feature: str) -> go.Figure:
    return toolbar(figures_multi.partial_figure(experiment(source, spec), feature))


@st.cache_resource(max_entries=MAX_ENTRIES, hash_funcs=KEY, show_spinner=False)
def replay_figure(source: Source, spec: TrainSpec) -> go.Figure:
    exp = experiment(source, spec)
    return toolbar(figures.replay_figure(exp) if exp.dataset.d == 1 else figures_multi.coefficient_replay(exp))
