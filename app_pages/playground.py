"""Playground: set the data and the training, watch gradient descent fit the line.

A slider move reruns this page, so it sends the browser as little as it can: one chart
(the open tab's; the others are not built), one status line and four headline numbers.
"""

import streamlit as st

from dashboard import cache, controls, report, views
from dashboard import params as P

st.title("Linear regression by gradient descent")
controls.arrive("playground")
values, lr_slot = controls.sidebar()
controls.show_notices(values)
params = P.to_experiment(values)

try:
    exp = cache.experiment(params)
except ValueError as exc:
    st.error(f"These settings cannot run: {exc}.", icon=":material/block:")
    controls.finish(values)
    st.stop()

st.caption(report.describe(exp))
views.rate_advice(lr_slot, exp)
views.status(exp)

fit_tab, loss_tab, numbers_tab, replay_tab, downloads_tab = st.tabs(
    ["Fit", "Loss", "Numbers", "Replay", "Downloads"], key="view", bind="query-params", on_change="rerun"
)
if fit_tab.open:
    fit_tab.plotly_chart(cache.fit_figure(params, values["show_train"]), width="stretch", key="fit_chart")
if loss_tab.open:
    loss_fig = cache.loss_figure(params, values["log_scale"], values["excess"])
    loss_tab.plotly_chart(loss_fig, width="stretch", key="loss_chart")
if numbers_tab.open:
    with numbers_tab:
        views.numbers(exp)
if replay_tab.open:
    replay_tab.caption("Press ▶ Play or drag the slider: the line and the loss marker move checkpoint by checkpoint.")
    replay_tab.plotly_chart(cache.replay_figure(params), width="stretch", key="replay_chart")
if downloads_tab.open:
    with downloads_tab:
        views.downloads(exp, params)

views.headline(exp)
controls.finish(values)
