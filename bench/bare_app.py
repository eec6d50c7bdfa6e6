"""The baseline for bench_browser.py: the least a Streamlit app can do for the same slider and chart.

One noise slider and one 400-point Plotly scatter whose y depends on it, nothing else. The benchmark
copies this file to an empty directory and starts it there with Streamlit's defaults.
"""

import numpy as np
import plotly.graph_objects as go
import streamlit as st

noise = st.slider("Noise σ", 0.0, 200.0, 25.0, step=0.5, key="noise")
x = np.linspace(0, 100, 400)
y = np.random.RandomState(43).normal(size=x.size) * noise + 3.5 * x + 10
st.plotly_chart(go.Figure(go.Scatter(x=x, y=y, mode="markers")), width="stretch")
