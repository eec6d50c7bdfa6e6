"""Streamlit and Plotly glue for the linear-regression dashboard; the maths lives in linreg."""
