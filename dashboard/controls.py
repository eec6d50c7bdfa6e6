"""Sidebar widgets and their two-way binding to the URL's query parameters.

Each widget's key is its query parameter's name. A URL that arrives from outside (a
first load, a shared link, a page link) is applied to the widgets; after that the
widgets own the values and the URL follows them, holding only what differs from the
defaults. ``_controls`` in session state keeps the values across page switches, since
Streamlit forgets the state of widgets that a page does not draw.
"""

from __future__ import annotations

import streamlit as st

from dashboard import params as P
from linreg import Diagnostics

_STORE = "_controls"
_WRITTEN = "_url_written"


def current() -> dict[str, object]:
    """The controls' values: the session's last ones, else the defaults."""
    return dict(st.session_state.get(_STORE, P.DEFAULTS))


def _url() -> dict[str, str]:
    return {k: st.query_params[k] for k in st.query_params if k in P.FIELD_BY_KEY}


def apply_url() -> list[str]:
    """Apply a URL that the app did not write itself; return notices about invalid parameters."""
    query = _url()
    if query == st.session_state.get(_WRITTEN):
        return []
    values, notices = P.parse_query(query)
    store = current() | values
    st.session_state[_STORE] = store
    for key, value in values.items():
        st.session_state[key] = value
    return notices


def publish(values: dict[str, object]) -> None:
    """Remember ``values`` and put the non-default ones in the URL."""
    st.session_state[_STORE] = dict(values)
    wanted = P.to_query(values)
    if _url() != wanted:
        for key in P.KEYS:
            if key in wanted:
                st.query_params[key] = wanted[key]
            elif key in st.query_params:
                del st.query_params[key]
    st.session_state[_WRITTEN] = wanted


def _seed_widgets() -> None:
    # Widgets read their value from session state; seeding it (instead of passing value=)
    # lets the URL and the "Use a stable rate" button set them without Streamlit warnings.
    store = current()
    for key in P.KEYS:
        if key not in st.session_state:
            st.session_state[key] = store[key]


def sidebar() -> tuple[dict[str, object], st.delta_generator.DeltaGenerator]:
    """Draw the Data and Training controls; return their values and a slot beside the learning rate."""
    _seed_widgets()
    sb = st.sidebar
    sb.header("Data")
    _data_controls(sb)
    sb.header("Training")
    lr_slot = _training_controls(sb)
    sb.header("View")
    sb.toggle("Show training points", key="show_train", help="Add the training points to the fit chart.")
    sb.toggle("Log scales on the loss chart", key="log_scale", help="Log-log axes show the whole run at once.")
    sb.toggle(
        "Loss above the minimum",
        key="excess",
        help="Plot MSE minus the least-squares minimum on a log axis: the slow phase of the descent shows up.",
    )
    return {k: st.session_state[k] for k in P.KEYS}, lr_slot


def _bounds(key: str) -> dict:
    f = P.FIELD_BY_KEY[key]
    return {"min_value": f.low, "max_value": f.high}


def _data_controls(sb) -> None:
    sb.slider(
        "Noise σ",
        key="noise",
        step=0.5,
        **_bounds("noise"),
        help="Standard deviation of the Gaussian noise added to y.",
    )
    sb.number_input(
        "Random seed",
        key="seed",
        step=1,
        **_bounds("seed"),
        help="Seed of the generator that draws the noise, then the split.",
    )
    sb.select_slider(
        "Sample size n",
        options=P.N_GRID,
        key="n",
        format_func=lambda n: f"{n:,}",
        help="Number of points, evenly spaced in x, on a log scale from 10 to 100,000.",
    )
    sb.slider("True slope", key="slope", step=0.1, **_bounds("slope"), help="w_1 of the line that generates the data.")
    sb.slider(
        "True intercept",
        key="intercept",
        step=0.5,
        **_bounds("intercept"),
        help="w_2 of the line that generates the data.",
    )
    c1, c2 = sb.columns(2)
    c1.number_input("x min", key="x_min", step=10.0, **_bounds("x_min"), help="Smallest x; must be below x max.")
    c2.number_input("x max", key="x_max", step=10.0, **_bounds("x_max"), help="Largest x; must be above x min.")
    sb.slider(
        "Train ratio",
        key="train_ratio",
        step=0.01,
        **_bounds("train_ratio"),
        help="Share of the points used for training; the rest is the test set.",
    )


def _training_controls(sb):
    sb.select_slider(
        "Learning rate",
        options=P.LR_GRID,
        key="lr",
        format_func=lambda v: f"{v:.1e}",
        help="Step size α of each update, on a log scale. Past the stable bound the loss grows without limit.",
    )
    lr_slot = sb.container()
    sb.select_slider(
        "Iterations",
        options=P.ITERS_GRID,
        key="n_iters",
        format_func=lambda n: f"{n:,}",
        help="Number of gradient-descent updates, on a log scale up to 1,000,000.",
    )
    sb.toggle(
        "Standardize x",
        key="standardize",
        help="Run GD on (x − mean) / std: the condition number drops to about 1, so far fewer iterations are needed.",
    )
    sb.selectbox(
        "Tolerance",
        options=P.TOL_OPTIONS,
        key="tol",
        format_func=lambda t: "off: run every iteration" if t == P.TOL_OFF else f"{t:.0e}",
        help="Stop once an update improves the loss by less than this fraction.",
    )
    return lr_slot


def lr_note(slot, lr: float, diag: Diagnostics) -> None:
    """Say, beside the learning rate, where the stable bound lies and whether ``lr`` is past it."""
    bound = diag.max_stable_lr
    if lr >= bound:
        slot.warning(f"lr = {lr:.1e} is past the stable bound {bound:.1e}: gradient descent will diverge.", icon="⚠️")
    else:
        slot.caption(f"Stable below {bound:.1e} on this data; fastest near {diag.optimal_lr:.1e}.")


def use_stable_rate(rate: float) -> None:
    """Button callback: move the learning-rate slider to a stable rate."""
    st.session_state["lr"] = P.snap_lr(rate)
