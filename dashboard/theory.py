"""What the Theory page reads of the playground: the current data and training, without drawing a widget."""

from __future__ import annotations

import streamlit as st

from dashboard import cache
from dashboard import params as P
from dashboard.sources import BUNDLED, SYNTHETIC
from dashboard.text import inert
from dashboard.views import LAST_GOOD
from linreg import TrainSpec


def current_run(values: dict[str, object]) -> tuple[cache.Source, TrainSpec]:
    """The playground's data and training: the generator's settings, a bundled table, or the last uploaded run."""
    spec = P.to_train_spec(values)
    key = values["data"]
    if key == SYNTHETIC:
        return cache.Source(key, synthetic=P.to_synthetic_spec(values)), spec
    if key in BUNDLED:
        b = BUNDLED[key]
        return cache.Source(key, target=values["target"] or b.target, features=values["features"] or b.features), spec
    last = st.session_state.get(LAST_GOOD)
    if last is None:
        return cache.Source(SYNTHETIC, synthetic=P.to_synthetic_spec(P.DEFAULTS)), spec
    return last[0], spec


def describe_data(source: cache.Source, values: dict[str, object]) -> str:
    """A short description of the data, as in the playground's caption."""
    if source.synthetic is not None:
        s = source.synthetic
        return f"n = {s.n:,}, x in [{s.x_min:g}, {s.x_max:g}]"
    data = cache.dataset(source)[0]
    return f"{data.m:,} rows, target {inert(data.target_name)}, {data.d} feature{'s' if data.d > 1 else ''}"
