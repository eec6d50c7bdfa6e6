"""Theory: the article's maths, why its run needed 100,000 iterations, and what momentum changes."""

from dataclasses import replace

import streamlit as st

from dashboard import cache, controls, theory
from dashboard import params as P
from dashboard.text import inert

st.title("The maths behind the playground")

controls.arrive("theory")
values = controls.current()
controls.show_notices(values)
controls.publish(values)

st.header("Model and loss")
st.markdown("The hypothesis is a straight line with slope $w_1$ and intercept $w_2$:")
st.latex(r"h(x) = w_1 x + w_2")
st.markdown("Its loss on the $m$ training points is the mean squared error:")
st.latex(r"L(w) = \frac{1}{m} \sum_{i=1}^{m} \left(h(x^i) - y^i\right)^2")
st.markdown("The gradient of the MSE carries a factor 2:")
# One equation per line: side by side they overflow a phone's width.
st.latex(r"\frac{\partial L}{\partial w_1} = \frac{2}{m} \sum_{i=1}^{m} \left(h(x^i) - y^i\right) x^i")
st.latex(r"\frac{\partial L}{\partial w_2} = \frac{2}{m} \sum_{i=1}^{m} \left(h(x^i) - y^i\right)")
st.markdown("The article's loop drops that 2, so each update with learning rate $\\alpha$ is")
st.latex(r"w_1 \leftarrow w_1 - \alpha \frac{1}{m} \sum_{i=1}^{m} \left(h(x^i) - y^i\right) x^i")
st.latex(r"w_2 \leftarrow w_2 - \alpha \frac{1}{m} \sum_{i=1}^{m} \left(h(x^i) - y^i\right)")
st.markdown(
    "Dropping the 2 changes no minimum: it is gradient descent on $L/2$, or on $L$ with half the rate. "
    "Every bound below is stated for the update as the article writes it."
)

st.header("Why the article needed 100,000 iterations")
st.markdown("With $\\theta = (w_1, w_2)$ and the design matrix $X_a = [x, 1]$, one update is linear in $\\theta$:")
st.latex(r"\theta \leftarrow \theta - \alpha (A\theta - b)")
st.latex(r"A = \tfrac{1}{m} X_a^\top X_a, \qquad b = \tfrac{1}{m} X_a^\top y")
st.markdown(
    "Along the eigenvector with eigenvalue $\\lambda_i$ of $A$ the error is multiplied by $1 - \\alpha\\lambda_i$ "
    "each step. So the run converges only when $\\alpha < 2/\\lambda_{max}$, and the slowest direction needs "
    "about $1/(\\alpha\\lambda_{min})$ steps per e-fold. The ratio $\\kappa = \\lambda_{max}/\\lambda_{min}$ "
    "(the condition number) says how far apart those two demands are."
)

source, spec = theory.current_run(values)
try:
    raw = cache.diagnostics(source, replace(spec, standardize=False))
    std = cache.diagnostics(source, replace(spec, standardize=True))
except ValueError as exc:
    st.error(f"The current settings cannot run: {inert(str(exc), 300)}", icon=":material/block:")
    st.stop()

st.markdown(f"On the playground's current data ({theory.describe_data(source, values)}):")
c1, c2, c3, c4 = st.columns(4)
c1.metric("Condition number κ", f"{raw.condition_number:,.0f}", help="λ_max / λ_min of A, x as it is.")
# Four digits: on the article's data the two rates differ only in the fourth.
c2.metric("Stable below", f"{raw.max_stable_lr:.4g}", help="2 / λ_max: larger rates diverge.")
c3.metric("Fastest rate", f"{raw.optimal_lr:.4g}", help="2 / (λ_min + λ_max).")
steps = raw.iterations_to(1e-6, lr=spec.lr)
c4.metric(
    "Iterations to shrink the error 10⁶×",
    "never (unstable)" if steps == float("inf") else f"{steps:,.0f}",
    help=f"At the current learning rate {spec.lr:.1e}.",
)
st.markdown(
    f"With x in its raw units, $\\lambda_{{max}}$ is about the mean of $x^2$ while $\\lambda_{{min}}$ is small, "
    f"so κ ≈ {raw.condition_number:,.0f}. A rate just under the stable bound still moves the slow direction "
    "by a tiny fraction each step: hence the article's 100,000 iterations."
)
st.markdown(
    f"**Standardizing x** — running on $(x - \\bar{{x}})/s$ — makes the two eigenvalues equal: κ drops to "
    f"{std.condition_number:.3g}, the stable bound rises to {std.max_stable_lr:.3g}, and at the rate "
    f"{std.suggested_lr:.2g} a handful of iterations reach the least-squares line."
)
link = P.to_query(values | {"standardize": True, "lr": P.snap_lr(std.suggested_lr), "tol": 1e-9})
st.page_link(
    "app_pages/playground.py",
    label="Try it: open the playground with x standardized",
    icon=":material/tune:",
    query_params=link,
)

st.header("Momentum: a shortcut along the valley")
st.markdown(
    "Heavy-ball momentum adds a share $\\beta$ of the last step to each gradient step, so steps that keep "
    "pointing the same way (along the flat floor of the valley) build up, while steps that flip (across it) cancel:"
)
st.latex(r"\theta_{k+1} = \theta_k - \alpha (A\theta_k - b) + \beta (\theta_k - \theta_{k-1})")
st.markdown(
    "Along each eigenvector this is a linear recurrence of order two. Polyak's choice "
    "$\\alpha^* = \\left(2/(\\sqrt{\\lambda_{min}} + \\sqrt{\\lambda_{max}})\\right)^2$ and "
    "$\\beta^* = \\left((\\sqrt{\\kappa} - 1)/(\\sqrt{\\kappa} + 1)\\right)^2$ shrinks the error by "
    "$(\\sqrt{\\kappa} - 1)/(\\sqrt{\\kappa} + 1)$ per step in every direction, where the best plain rate "
    "manages only $(\\kappa - 1)/(\\kappa + 1)$: the square root of the condition number instead of the number."
)
best = theory.momentum(raw.eigenvalues, raw.optimal_lr)
if best is not None:
    m1, m2, m3, m4 = st.columns(4)
    m1.metric("Optimal α*", f"{best.lr:.4g}", help="(2 / (√λ_min + √λ_max))²")
    m2.metric("Optimal β*", f"{best.beta:.4f}", help="((√κ − 1) / (√κ + 1))²")
    m3.metric("GD: steps per e-fold", theory.per_efold(best.gd_rate), help="At its fastest rate 2 / (λ_min + λ_max).")
    m4.metric("Momentum: steps per e-fold", theory.per_efold(best.rate), help="At α* and β*.")
    st.markdown(theory.momentum_gain(best, raw.condition_number))
    st.page_link("app_pages/optimizers.py", label="Race the optimizers on this data", icon=":material/route:")
