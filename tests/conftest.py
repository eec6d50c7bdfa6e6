"""The ``app`` fixture: a fresh AppTest session of the whole app, optionally opened with a URL."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")
TIMEOUT = 60


@pytest.fixture
def app():
    """A fresh app session; call it with query parameters to open a URL."""

    def _open(**query) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=TIMEOUT)
        for key, value in query.items():
            # A list is a repeated parameter (?features=a&features=b), as a multiselect writes it.
            at.query_params[key] = [str(v) for v in value] if isinstance(value, list) else str(value)
        return at.run()

    return _open
