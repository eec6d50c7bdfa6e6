"""Optimizers: gradient descent, momentum, Nesterov, SGD and Adam on the playground's data, from the same start."""

import streamlit as st

from dashboard import cache, controls, theory
from dashboard import optimizers as O
from dashboard import params as P
from dashboard.text import inert

st.title("Optimizers on the same data")
O.arrive()
st.sidebar.header("Data")
st.sidebar.toggle(
    "Standardize x",
    key="standardize",
    bind="query-params",
    help="Run every optimizer on (x − mean) / std: the valley turns round and one rate suits every direction.",
)
values = controls.current() | {"standardize": st.session_state["standardize"]}
controls.show_notices(values)
source, spec = theory.current_run(values)
try:
    exp = cache.experiment(source, spec)
except ValueError as exc:
    st.error(f"The playground's settings cannot run: {inert(str(exc), 300)}", icon=":material/block:")
    st.stop()
problem = exp.problem
names = None if exp.params is not None else exp.feature_names

st.caption(
    f"Every optimizer fits the playground's training data ({theory.describe_data(source, values)}; "
    f"{problem.m:,} training rows, x {'standardized' if problem.standardized else 'as it is'}) "
    "from the same start, θ = 0."
)
st.page_link("app_pages/playground.py", label="Choose other data on the playground", icon=":material/tune:")
settings, plane = O.sidebar(problem, names)
O.show_notices(settings)

rows = []
for i in range(1, O.SLOTS + 1):
    setting = O.setting_of(settings, i)
    if setting is None:
        continue
    wrong = O.check(setting, problem.m)
    if wrong:
        st.error(f"Optimizer {i} cannot run: {wrong}", icon=":material/block:")
        continue
    try:
        run, seconds = O.trajectory(source, spec, setting, settings["o_iters"], settings["o_seed"])
    except ValueError as exc:
        st.error(f"Optimizer {i} cannot run: {inert(str(exc), 300)}", icon=":material/block:")
        continue
    if run.diverged:
        st.warning(f"Optimizer {i} diverged: {O.divergence(problem, setting, run)}", icon=":material/warning:")
        rate = O.stable_lr(problem, setting)
        st.button(
            f"Use α = {P.format_lr(rate)} for optimizer {i}",
            key=f"o{i}_stable",
            on_click=O.use_rate,
            args=(i, rate),
            help="A rate inside this method's stable region on this data.",
        )
    rows.append((f"{i}. {setting.title}", setting, run, seconds))

if not rows:
    st.info("Turn on at least one optimizer in the sidebar.", icon=":material/tune:")
    st.stop()

runs = [(name.split(" (")[0], run) for name, _, run, _ in rows]  # "1. GD": the table holds the settings
fig = O.race_chart(source, spec, repr([r[:2] for r in rows]), plane, runs, names, exp.true_theta)
st.caption("Press ▶ Play or drag the slider: every path and every loss marker moves checkpoint by checkpoint.")
st.plotly_chart(fig, width="stretch", key="race_chart")

st.subheader("Comparison")
st.dataframe(O.comparison(problem, rows, settings["o_tol"]), key="comparison")
st.caption(
    f"Iterations until the MSE above the least-squares minimum first falls to {settings['o_tol']:.0e} of where it "
    "started; an epoch is one pass over the training rows. Wall time is the run's own, when it was first computed."
)

st.subheader("Stable regions and best settings, from the Hessian")
for name, setting, _, _ in rows:
    st.markdown(f"**{name}.** {O.explain(problem, setting)}")

controls.publish(values)
O.finish(settings)
