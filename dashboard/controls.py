"""Sidebar widgets and their binding to the URL's query parameters.

Every widget is bound with ``bind="query-params"``: its key is its query parameter's
name, and the browser rewrites the URL in place (``history.replaceState``) the moment
the widget changes. The URL can therefore never lag behind the widgets, however fast
the key presses come, and moving a slider adds no history entry.

Streamlit seeds a bound widget from the URL only when the value is one it can parse,
and silently drops the rest. So when a visitor *arrives* on a page (a first load, a
shared or pasted link, a page link, the navigation), :func:`arrive` parses the URL
itself first: values the widgets would not take (``lr=0.0003``, ``n=1000``) are snapped
onto the offered values, and invalid ones fall back to the default, each with a notice.
Between arrivals the widgets own the values and the URL is never read again.

``_controls`` in session state keeps the values across page switches, for pages that
draw no widgets (the Theory page).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Collection, Mapping

import streamlit as st
from streamlit.errors import StreamlitAPIException
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

from dashboard import params as P
from dashboard.sources import BUNDLED, SOURCES, SYNTHETIC
from dashboard.sources import UPLOAD as SOURCE_UPLOAD
from linreg import Diagnostics
from linreg.tables import EXTENSIONS, MAX_FEATURES, Table

_STORE = "_controls"
_PAGE = "_page"
_NOTICES = "_notices"
_LOG = logging.getLogger(__name__)


def current() -> dict[str, object]:
    """The controls' values: the session's last ones, else the defaults."""
    return dict(st.session_state.get(_STORE, P.DEFAULTS))


def _url() -> dict[str, str | list[str]]:
    """The known parameters of the URL; a list of column names is a repeated parameter."""
    return {
        k: st.query_params.get_all(k) if P.FIELD_BY_KEY[k].kind == "names" else st.query_params[k]
        for k in st.query_params
        if k in P.FIELD_BY_KEY
    }


def arrive(page: str) -> bool:
    """Apply the URL when the visitor arrives on ``page``; a rerun of the same page leaves the widgets alone.

    Returns whether this run is an arrival, for pages with URL parameters of their own.
    """
    if st.session_state.get(_PAGE) == page:
        return False
    st.session_state[_PAGE] = page
    query = _url()
    values, notices = P.parse_query(query)
    if values.get("data") == SOURCE_UPLOAD:
        values["data"] = P.DEFAULTS["data"]
        notices.append("A link cannot carry an uploaded file: showing the article's data. Upload the file again.")
    if values.get("data", P.DEFAULTS["data"]) != SYNTHETIC:
        # A table starts converged: standardized, at its fastest rate, unless the link says otherwise.
        values.setdefault("standardize", True)
        st.session_state["_rate_due"] = "lr" not in values
    store = current() | values
    st.session_state[_STORE] = store
    for key in P.KEYS:
        st.session_state[key] = store[key]
    # The arrival's values, with what was wrong with the URL; shown until a control changes.
    st.session_state[_NOTICES] = (store, notices)
    wanted = P.to_query(store)
    if query != wanted:
        reseed_url(wanted, P.FIELD_BY_KEY)
    if notices:
        _LOG.info("URL notices on %s: %s", page, notices)
    return True


def reseed_url(wanted: dict[str, str | list[str]], known: Collection[str]) -> None:
    """Rewrite the URL's ``known`` parameters as the widgets write them (``lr=0.0003`` becomes
    ``lr=3.0e-04``), the others kept, before the widgets bind to it.

    A bound widget seeds itself from the URL the session started with and drops a value
    it cannot parse, which would leave a value that the arrival did parse out of the
    URL. So the seeding snapshot is reset to the rewritten URL. That snapshot is
    Streamlit-internal; if it is ever missing, the widgets still show the parsed values
    and only the URL lacks them until the next change.
    """
    try:
        _replace_url(wanted, known)
        with get_script_run_ctx().session_state.query_params() as qp:
            qp.set_initial_query_params_from_current()
    except (StreamlitAPIException, AttributeError) as exc:
        _LOG.warning("could not rewrite the URL on arrival: %s", exc)


def show_notices(values: Mapping[str, object], key: str = _NOTICES) -> None:
    """Say what was wrong with the URL the visitor arrived with, until they change a control.

    ``key`` holds the arrival's values and notices in the session (a page with settings of its own keeps its own).
    """
    arrived, notices = st.session_state.get(key, ({}, []))
    if dict(values) != {k: arrived.get(k) for k in values}:
        st.session_state[key] = ({}, [])
        return
    for notice in notices:
        st.warning(notice, icon=":material/link:")


def finish(values: dict[str, object]) -> None:
    """After the widgets: remember their values for pages that draw none."""
    st.session_state[_STORE] = dict(values)


def publish(values: dict[str, object]) -> None:
    """For pages without widgets: remember ``values`` and put the non-default ones in the URL."""
    st.session_state[_STORE] = dict(values)
    wanted = P.to_query(values)
    if _url() != wanted:
        _replace_url(wanted)


def _replace_url(wanted: dict[str, str | list[str]], known: Collection[str] = P.FIELD_BY_KEY) -> None:
    """Every ``known`` key at once, other parameters kept: one URL change, not one per key."""
    others = {k: st.query_params.get_all(k) for k in st.query_params if k not in known}
    st.query_params.from_dict(others | wanted)


def _bound(key: str) -> dict:
    """The keyword arguments every control shares: key, default and URL binding."""
    return {"key": key, "value": P.DEFAULTS[key], "bind": "query-params"}


def _bounds(key: str) -> dict:
    f = P.FIELD_BY_KEY[key]
    return {"min_value": f.low, "max_value": f.high} | _bound(key)


def data_source() -> str:
    """The data set picker at the top of the sidebar; returns its key."""
    sb = st.sidebar
    sb.header("Data")
    key = sb.selectbox(
        "Data set",
        options=P.SOURCE_KEYS,
        key="data",
        index=0,
        bind="query-params",
        on_change=_data_changed,
        help="The article's synthetic line, a bundled real table, or a CSV, TSV or Parquet file of your own.",
    )
    sb.caption(_describe_source(key))
    return key


def _describe_source(key: str) -> str:
    if key == SYNTHETIC:
        return SOURCES[key] + ": noisy points around a line you choose."
    if key == SOURCE_UPLOAD:
        return "Your own table. A shared link keeps the settings but not the file."
    b = BUNDLED[key]
    return f"{b.description} Source: {b.source}"


def upload() -> tuple[str, str, bytes] | None:
    """The file picker for your own data; (Streamlit's id of the upload, name, bytes) of the chosen file, if any."""
    file = st.sidebar.file_uploader("Your table", type=list(EXTENSIONS), key="upload_file", on_change=_file_changed)
    return None if file is None else (file.file_id, file.name, file.getvalue())


def _file_changed() -> None:
    # A new table: its columns decide the defaults once it is read, and it starts at its fastest rate.
    for key in ("target", "features"):
        st.session_state[key] = P.DEFAULTS[key]
    st.session_state["_rate_due"] = True


def _data_changed() -> None:
    """A new data set starts converged: its default target and features, standardized, at its fastest rate."""
    key = st.session_state["data"]
    if key == SYNTHETIC:
        for name in ("lr", "standardize", "n_iters", "fit_intercept", "seed", "train_ratio"):
            st.session_state[name] = P.DEFAULTS[name]
        return
    st.session_state["standardize"] = True
    st.session_state["fit_intercept"] = True
    if key in BUNDLED:
        st.session_state["target"] = BUNDLED[key].target
        st.session_state["features"] = list(BUNDLED[key].features)
        st.session_state["_rate_due"] = True
    else:
        _file_changed()


def table_controls(table: Table, defaults: tuple[str, tuple[str, ...]]) -> None:
    """Target and features of a table; an unknown or empty choice falls back to ``defaults``."""
    sb = st.sidebar
    target, features = defaults
    if st.session_state.get("target") not in table.numeric:
        st.session_state["target"] = target
    columns = [c for c in table.columns if c in table.numeric or c in table.categorical]
    chosen = [f for f in st.session_state.get("features") or () if f in columns and f != st.session_state["target"]]
    st.session_state["features"] = chosen or list(features)
    # The data set's own choice is each widget's default, so that it stays out of the URL.
    sb.selectbox(
        "Target y",
        options=table.numeric,
        index=table.numeric.index(target),
        key="target",
        bind="query-params",
        help="The column to predict.",
    )
    options = [c for c in columns if c != st.session_state["target"]]
    sb.multiselect(
        "Features X",
        options=options,
        default=[f for f in features if f in options],
        key="features",
        bind="query-params",
        max_selections=MAX_FEATURES,
        help=f"Numeric columns enter as they are; a text column with at most 20 levels enters as dummies "
        f"(drop-first, named like day[T.Sat]). At most {MAX_FEATURES}.",
    )


def sidebar(synthetic: bool) -> tuple[dict[str, object], st.delta_generator.DeltaGenerator]:
    """Draw the data generator's (for synthetic data), training and view controls; return every value."""
    sb = st.sidebar
    if synthetic:
        _data_controls(sb)
    sb.header("Training")
    lr_slot = _training_controls(sb, synthetic)
    sb.header("View")
    sb.toggle("Show training points", **_bound("show_train"), help="Add the training points to the fit chart.")
    sb.toggle("Log scales on the loss chart", **_bound("log_scale"), help="Log-log axes show the whole run at once.")
    sb.toggle(
        "Loss above the minimum",
        **_bound("excess"),
        help="Plot MSE minus the least-squares minimum on a log axis: the slow phase of the descent shows up.",
    )
    values = current() | {k: st.session_state[k] for k in P.KEYS if k in st.session_state}
    values["features"] = tuple(values["features"])
    return values, lr_slot


def _data_controls(sb) -> None:
    sb.slider(
        "Noise σ",
        step=0.5,
        **_bounds("noise"),
        help="Standard deviation of the Gaussian noise added to y.",
    )
    sb.number_input(
        "Random seed",
        step=1,
        **_bounds("seed"),
        help="Seed of the generator that draws the noise, then the split.",
    )
    sb.select_slider(
        "Sample size n",
        options=P.N_GRID,
        format_func=P.format_count,
        **_bound("n"),
        help="Number of points, evenly spaced in x, on a log scale from 10 to 100k.",
    )
    sb.slider("True slope", step=0.1, **_bounds("slope"), help="w_1 of the line that generates the data.")
    sb.slider("True intercept", step=0.5, **_bounds("intercept"), help="w_2 of the line that generates the data.")
    c1, c2 = sb.columns(2)
    c1.number_input("x min", step=10.0, **_bounds("x_min"), help="Smallest x; must be below x max.")
    c2.number_input("x max", step=10.0, **_bounds("x_max"), help="Largest x; must be above x min.")


def _training_controls(sb, synthetic: bool):
    sb.slider(
        "Train ratio",
        step=0.01,
        **_bounds("train_ratio"),
        help="Share of the points used for training; the rest is the test set.",
    )
    if not synthetic:
        sb.number_input("Split seed", step=1, **_bounds("seed"), help="Seed of the shuffle that splits the rows.")
    sb.toggle(
        "Fit an intercept",
        **_bound("fit_intercept"),
        help="Off fits y = Xw through the origin, as calibration data often asks.",
    )
    sb.select_slider(
        "Learning rate α",
        options=P.LR_GRID,
        format_func=P.format_lr,
        **_bound("lr"),
        help="Step size α of each update, on a log scale. Past the stable bound the loss grows without limit.",
    )
    lr_slot = sb.container()
    sb.select_slider(
        "Iterations",
        options=P.ITERS_GRID,
        format_func=P.format_count,
        **_bound("n_iters"),
        help="Number of gradient-descent updates, on a log scale up to 1M.",
    )
    sb.toggle(
        "Standardize x",
        **_bound("standardize"),
        help="Run GD on (x − mean) / std: the condition number drops to about 1, so far fewer iterations are needed.",
    )
    sb.selectbox(
        "Tolerance",
        options=P.TOL_OPTIONS,
        format_func=P.format_tol,
        key="tol",
        index=P.TOL_OPTIONS.index(P.DEFAULTS["tol"]),
        bind="query-params",
        help="Stop once an update improves the loss by less than this fraction; off runs every iteration.",
    )
    return lr_slot


def lr_note(slot, lr: float, diag: Diagnostics, tol: float | None = None) -> None:
    """Say, beside the learning rate, where the stable bound lies, whether ``lr`` is past it, and how long
    the slowest direction takes to shrink by the tolerance (10⁻⁶ without one) at this rate."""
    bound = diag.max_stable_lr
    if lr >= bound:
        slot.warning(f"α = {lr:.1e} is past the stable bound {bound:.2e}: gradient descent will diverge.", icon="⚠️")
        return
    shrink = tol or 1e-6
    steps = diag.iterations_to(shrink, lr=lr)
    when = f"about {steps:,.0f} iterations" if math.isfinite(steps) else "more iterations than float64 can count"
    slot.caption(f"{P.rates_note(diag)} At this α the slowest error shrinks {1 / shrink:,.0f}-fold in {when}.")


def use_rate(rate: float) -> None:
    """Button callback: move the learning-rate slider onto ``rate``."""
    st.session_state["lr"] = P.snap_lr(rate)
