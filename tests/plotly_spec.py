"""Helpers for the dashboard's tests: read Plotly charts back from an AppTest run."""

from __future__ import annotations

import base64
import json

import numpy as np
from streamlit.testing.v1 import AppTest


def decode_array(value) -> np.ndarray:
    """A Plotly JSON array as NumPy: plain lists, or Plotly's typed arrays {"dtype": ..., "bdata": base64}."""
    if isinstance(value, dict) and "bdata" in value:
        arr = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        return arr.reshape(value["shape"]) if "shape" in value else arr
    return np.asarray(value, dtype=float)


def chart_spec(at: AppTest, key: str) -> dict:
    """The decoded JSON spec of the chart drawn with ``key`` (fit_chart, loss_chart or replay_chart)."""
    for el in at.get("plotly_chart"):
        if el.proto.id.endswith(key) or key in el.proto.id:
            return json.loads(el.proto.spec)
    raise AssertionError(f"no chart with key {key!r}; found {[el.proto.id for el in at.get('plotly_chart')]}")


def trace(spec: dict, name_prefix: str) -> dict:
    """The trace whose name starts with ``name_prefix``."""
    matches = [t for t in spec["data"] if t.get("name", "").startswith(name_prefix)]
    assert matches, f"no trace named {name_prefix!r} in {[t.get('name') for t in spec['data']]}"
    return matches[0]


def xy(spec: dict, name_prefix: str) -> tuple[np.ndarray, np.ndarray]:
    t = trace(spec, name_prefix)
    return decode_array(t["x"]), decode_array(t["y"])
