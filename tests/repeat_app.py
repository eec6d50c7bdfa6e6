"""A page with only the Repeat block, for the AppTests of :mod:`dashboard.repeat`.

The session state's ``case`` picks the data before the first run: ``"synthetic"`` (the
article's generator with the training settings in ``spec``, a dict of TrainSpec fields,
default ``{"n_iters": 100_000}``), ``"table"`` (the bundled Norris table) or ``"n"``
(the generator with ``n`` points). The body runs only as a Streamlit script: pytest's
doctest collection imports this file too.
"""

from __future__ import annotations


def case(name: str, spec_fields: dict | None = None, n: int = 400):
    from dashboard.cache import Source
    from linreg import Dataset, SyntheticSpec, TrainSpec, load_dataset, run

    spec = TrainSpec(**(spec_fields or {}))
    if name == "table":
        spec = TrainSpec(lr=None, standardize=True, n_iters=100)
        return Source("norris"), spec, run(load_dataset("norris"), spec)
    synthetic = SyntheticSpec(n=n)
    return Source("synthetic", synthetic=synthetic), spec, run(Dataset.synthetic(synthetic), spec)


if __name__ == "__main__":
    import streamlit as st

    from dashboard import repeat

    state = st.session_state
    source, spec, exp = case(state.get("case", "synthetic"), state.get("spec"), state.get("n", 400))
    repeat.render(source, spec, exp)
