"""Playground: pick the data and the training, watch gradient descent fit it.

A slider move reruns this page, so it sends the browser as little as it can: one chart
(the open tab's; the others are not built), one status line and a few headline numbers.
"""

import streamlit as st

from dashboard import cache, controls, repeat, report, summary, views
from dashboard import params as P
from dashboard.sources import SYNTHETIC

st.title("Linear regression by gradient descent")
controls.arrive("playground")
key = controls.data_source()
source = views.table_source(key)
values, lr_slot = controls.sidebar(synthetic=key == SYNTHETIC)
controls.show_notices(values)
if source is None:
    source = cache.Source(key, synthetic=P.to_synthetic_spec(values))
source, spec, exp = views.run_or_last_good(source, P.to_train_spec(values))
views.data_notices(cache.dataset(source)[1])

st.caption(report.describe(exp))
views.rate_advice(lr_slot, exp)
views.status(exp)

names = ["Fit", "Loss", "Landscape", "Residuals", "Coefficients", "Numbers", "Summary", "Repeat", "Replay", "Downloads"]
tabs = dict(zip(names, st.tabs(names, key="view", bind="query-params", on_change="rerun"), strict=True))
if tabs["Fit"].open:
    with tabs["Fit"]:
        views.fit(source, spec, exp, values["show_train"])
if tabs["Loss"].open:
    loss_fig = cache.loss_figure(source, spec, values["log_scale"], values["excess"])
    tabs["Loss"].plotly_chart(loss_fig, width="stretch", key="loss_chart")
if tabs["Landscape"].open:
    tabs["Landscape"].caption(
        "The training loss over the parameters, a contour line every half decade of L − L* (the loss above its "
        "minimum), and gradient descent's path to the least-squares minimum. With several features: the plane "
        "through the minimum along the Hessian's flattest and steepest directions. The Optimizers page races other "
        "methods across it."
    )
    tabs["Landscape"].plotly_chart(cache.landscape_figure(source, spec), width="stretch", key="landscape_chart")
if tabs["Residuals"].open:
    tabs["Residuals"].plotly_chart(cache.residuals_figure(source, spec), width="stretch", key="residuals_chart")
if tabs["Coefficients"].open:
    with tabs["Coefficients"]:
        views.coefficients(source, spec)
if tabs["Numbers"].open:
    with tabs["Numbers"]:
        views.numbers(exp)
if tabs["Summary"].open:
    with tabs["Summary"]:
        summary.render(source, spec, exp)
if tabs["Repeat"].open:
    with tabs["Repeat"]:
        repeat.render(source, spec, exp)
if tabs["Replay"].open:
    tabs["Replay"].caption(
        "Press ▶ Play or drag the slider: the fit and the loss marker move checkpoint by checkpoint."
    )
    tabs["Replay"].plotly_chart(cache.replay_figure(source, spec), width="stretch", key="replay_chart")
if tabs["Downloads"].open:
    with tabs["Downloads"]:
        views.downloads(exp)

views.headline(exp)
controls.finish(values)
