"""Entry point: page config and navigation. Run with `streamlit run app.py`."""

import streamlit as st

from dashboard.memory import cap_arenas, freeze_startup

cap_arenas()  # once per server: session threads share two malloc arenas (dashboard/memory.py)
freeze_startup()  # once per server: full garbage collections skip the imported modules' objects

# A narrower sidebar leaves a third of a phone's screen to the charts when it is open.
st.set_page_config(
    page_title="Linear regression by gradient descent", page_icon="📉", layout="wide", initial_sidebar_state=250
)

pages = [
    st.Page("app_pages/playground.py", title="Playground", icon=":material/tune:", default=True),
    st.Page("app_pages/theory.py", title="Theory", icon=":material/functions:", url_path="theory"),
    st.Page("app_pages/optimizers.py", title="Optimizers", icon=":material/route:", url_path="optimizers"),
]
st.navigation(pages).run()
