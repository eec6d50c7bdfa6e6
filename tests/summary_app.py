"""A page with only the regression summary, for the AppTests of :mod:`dashboard.summary`.

The case is chosen by the session state's ``case`` before the first run: ``"synthetic"``
(the article's data, the default), ``"degenerate"`` (2 training rows, 2 parameters) or
``"names"`` (two features with awkward names). With ``bands`` set, the page also draws
the fit chart with the OLS bands, as the playground's Fit tab would. The body runs only as a Streamlit script:
pytest's doctest collection imports this file too.
"""

from __future__ import annotations

import numpy as np


def case(name: str):
    from dashboard.cache import Source
    from linreg import Dataset, SyntheticSpec, TrainSpec, run

    if name == "degenerate":
        spec = TrainSpec(train_ratio=0.67, lr=None, n_iters=10)
        return Source("test:degenerate"), spec, run(Dataset([[0.0], [1.0], [2.0]], [1.0, 3.0, 2.0]), spec)
    if name == "names":
        rng = np.random.default_rng(0)
        X = rng.normal(size=(60, 2))
        y = X @ [2.0, -1.0] + 0.5 + rng.normal(scale=(1 + np.abs(X[:, 0])), size=60)
        names = ("=cmd|' /C calc'!A0", "**bold** [x](http://e.x)")
        spec = TrainSpec(lr=None, n_iters=100)
        return Source("test:names"), spec, run(Dataset(X, y, feature_names=names), spec)
    synthetic = SyntheticSpec()
    spec = TrainSpec(n_iters=1_000)
    return Source("synthetic", synthetic=synthetic), spec, run(Dataset.synthetic(synthetic), spec)


if __name__ == "__main__":
    import streamlit as st

    from dashboard import summary

    source, spec, exp = case(st.session_state.get("case", "synthetic"))
    summary.render(source, spec, exp)
    if st.session_state.get("bands"):  # as the page's Fit tab would draw it with its toggle on
        fig = summary.bands_figure(
            source, spec, exp, show_train=True, level=summary.level(), cov_type=st.session_state["cov_type"]
        )
        st.plotly_chart(fig, width="stretch", key="fit_chart")
