"""Playground: set the data and the training, watch gradient descent fit the line."""

import streamlit as st

from dashboard import cache, controls, report
from dashboard import params as P
from dashboard.script import numpy_script

st.title("Linear regression by gradient descent")
st.caption(
    "The article's experiment, live: 400 noisy points around y = 3.5x + 10, fitted by the plain "
    "gradient-descent loop. Change a control and everything reruns; the URL keeps the settings."
)

notices = controls.apply_url()
values, lr_slot = controls.sidebar()
for notice in notices:
    st.warning(notice, icon="🔗")
params = P.to_experiment(values)

try:
    exp = cache.experiment(params)
except ValueError as exc:
    controls.publish(values)
    st.error(f"These settings cannot run: {exc}.", icon="🚫")
    st.stop()

diag = exp.diagnostics
controls.lr_note(lr_slot, params.lr, diag)
controls.publish(values)
fit = exp.fit

# --- Status -------------------------------------------------------------------------
level, message = report.status(fit)
if fit.diverged:
    st.warning(f"{message} Rates are stable below {fit.max_stable_lr:.2e} on this data.", icon="⚠️")
    st.button(
        "Use a stable rate",
        key="use_stable_rate",
        type="primary",
        on_click=controls.use_stable_rate,
        args=(diag.suggested_lr,),
        help=f"Set the learning rate to {P.snap_lr(diag.suggested_lr):.1e}, near the fastest stable rate.",
    )
else:
    getattr(st, level)(message)

# --- Numbers ------------------------------------------------------------------------
for row in (report.metrics(exp)[4:], report.metrics(exp)[:4]):
    for col, m in zip(st.columns(4), row, strict=True):
        col.metric(m.label, m.value, help=m.help)

# --- Charts -------------------------------------------------------------------------
fit_col, loss_col = st.columns(2)
fit_col.plotly_chart(cache.fit_figure(params, values["show_train"]), width="stretch", key="fit_chart")
loss_fig = cache.loss_figure(params, values["log_scale"], values["excess"])
loss_col.plotly_chart(loss_fig, width="stretch", key="loss_chart")
# The replay's frames cost more than a whole rerun, so they are built only while it is open.
replay = st.expander("Replay: watch the line converge", icon=":material/play_circle:", key="replay", on_change="rerun")
if replay.open:
    replay.caption("Press ▶ Play or drag the slider: the line and the loss marker move checkpoint by checkpoint.")
    replay.plotly_chart(cache.replay_figure(params), width="stretch", key="replay_chart")

# --- Parameters ---------------------------------------------------------------------
st.subheader("Parameters")
left, noise = report.gaps(exp)
table_col, gap_col = st.columns([3, 2])
table_col.table(report.parameters_table(exp))
gap_col.metric(
    "Left to optimize ‖θ_GD − θ_OLS‖",
    f"{left:.3g}",
    help="How far gradient descent still is from the least-squares fit.",
)
gap_col.metric("Due to noise ‖θ_OLS − θ_true‖", f"{noise:.3g}", help="How far even the best fit is from the true line.")

# --- Downloads ----------------------------------------------------------------------
st.subheader("Downloads")
d1, d2, d3, d4 = st.columns(4)
# Large CSVs are built only when clicked, so they never slow a rerun.
d1.download_button(
    "Data (CSV)", lambda: report.data_csv(exp), "data.csv", "text/csv", key="download_data", on_click="ignore"
)
d2.download_button(
    "Loss history (CSV)", lambda: report.loss_csv(fit), "loss.csv", "text/csv", key="download_loss", on_click="ignore"
)
d3.download_button(
    "Fit (JSON)", report.fit_json(exp), "fit.json", "application/json", key="download_fit", on_click="ignore"
)
d4.download_button(
    "NumPy script", numpy_script(params), "linreg_run.py", "text/x-python", key="download_script", on_click="ignore"
)
