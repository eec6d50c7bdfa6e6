"""Real-browser fixtures: one Streamlit server and one headless Chromium per test session.

The server is started the way a user starts it (``streamlit run app.py``) on a free port.
Tests never sleep. After an action they wait for the server to report the script run
finished (a ``script_finished`` message on the app's websocket), then for the state the app
publishes on its root element, ``<div data-testid="stApp" data-test-script-state="notRunning">``,
as Streamlit's own e2e helper ``wait_for_app_run`` does. The root attribute alone cannot tell a
run that has not started from one that has finished: a fast run may never show ``running``.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from google.protobuf.message import DecodeError
from playwright.sync_api import Browser, Page, WebSocket, expect, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from server import free_port, start_server, stop
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    # Without these, Chromium keeps dialling Google services and floods the log with refused connections.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
STREAM_PATH = "/_stcore/stream"
# The machine running the suite may be slow and shared: waits are generous, never assertions on time.
TIMEOUT_MS = 60_000


@contextmanager
def serve_app() -> Iterator[str]:
    """``streamlit run app.py`` on a free port; yields its base URL and stops it by its process id."""
    port = free_port()
    command = [sys.executable, "-m", "streamlit", "run", "app.py"]
    command += ["--server.headless", "true", "--server.port", str(port), "--server.fileWatcherType", "none"]
    with tempfile.TemporaryDirectory() as tmp:
        process = start_server(command, ROOT, f"http://localhost:{port}", Path(tmp) / "streamlit.log")
        try:
            yield f"http://localhost:{port}"
        finally:
            stop(process)


@pytest.fixture(scope="session")
def app_url() -> Iterator[str]:
    """Base URL of the app, started once for the whole session."""
    with serve_app() as url:
        yield url


@pytest.fixture
def fresh_app(page: Page) -> Iterator[App]:
    """The app on a server of its own, so that the test's first request is the first run it ever serves."""
    with serve_app() as url:
        yield App(page, url)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Headless Chromium from the system; the suite never downloads a browser."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make chromium`, or set CHROMIUM to its path")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser tab."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(autouse=True, scope="session")
def _generous_expect_timeout() -> None:
    expect.set_options(timeout=TIMEOUT_MS)


def is_run_finished(payload: str | bytes) -> bool:
    """Whether a websocket frame from the server says a script run has finished (not cut short by a rerun)."""
    if not isinstance(payload, bytes):
        return False
    try:
        msg = ForwardMsg.FromString(payload)
    except DecodeError:
        return False
    return msg.WhichOneof("type") == "script_finished" and msg.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN


class App:
    """A browser tab on the running app, with the waits the tests need."""

    def __init__(self, page: Page, url: str) -> None:
        self.page = page
        self.url = url
        self.finished_runs = 0
        self.socket: WebSocket | None = None
        page.on("websocket", self._watch)

    def _watch(self, ws: WebSocket) -> None:
        if ws.url.endswith(STREAM_PATH):
            self.socket = ws
            ws.on("framereceived", self._count)

    def _count(self, payload: str | bytes) -> None:
        if is_run_finished(payload):
            self.finished_runs += 1

    def open(self, path: str = "/") -> Page:
        """Open ``path`` (with any query string) and wait for its first script run to finish."""
        before = self.finished_runs
        self.socket = None  # a new document opens a new websocket
        self.page.goto(self.url + path)
        self.wait_for_run(after=before)
        return self.page

    def rerun(self, action: Callable[[], object]) -> None:
        """Do ``action`` (a click, a key press) and wait for the rerun it triggers to finish."""
        before = self.finished_runs
        action()
        self.wait_for_run(after=before)

    def wait_for_run(self, after: int) -> None:
        """Wait until more than ``after`` runs have finished and the app is connected, idle and drawn."""
        # Playwright delivers events only inside its own calls, so no frame slips between check and wait.
        if self.socket is None:
            self.page.wait_for_event("websocket", lambda ws: ws.url.endswith(STREAM_PATH))
        while self.finished_runs <= after:
            try:
                self.socket.wait_for_event("framereceived", is_run_finished, timeout=TIMEOUT_MS)
            except PlaywrightTimeoutError:
                pytest.fail(f"no script run finished within {TIMEOUT_MS / 1000:.0f} s at {self.page.url}")
        idle = "[data-testid='stApp'][data-test-script-state='notRunning'][data-test-connection-state='CONNECTED']"
        expect(self.page.locator(idle)).to_be_attached()
        expect(self.page.get_by_test_id("stSkeleton")).to_have_count(0)
        # Two animation frames: what the run sent has been rendered and painted.
        self.page.evaluate("() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")


@pytest.fixture
def app(page: Page, app_url: str) -> App:
    """The app in a fresh tab; call ``app.open(...)`` first."""
    return App(page, app_url)


# Added for the live tests: generic helpers that leave everything above unchanged.

IDLE_SELECTOR = "[data-testid='stApp'][data-test-script-state='notRunning'][data-test-connection-state='CONNECTED']"


def current_url(page: Page) -> str:
    """The address bar as it is now: Streamlit rewrites it with ``history.replaceState``, which ``page.url`` misses."""
    return page.evaluate("location.href")


def current_query(page: Page) -> dict[str, list[str]]:
    """The query parameters of :func:`current_url`."""
    return parse_qs(urlparse(current_url(page)).query)


def settle(page: Page, condition: str, arg: object = None, what: str = "the expected state") -> object:
    """Wait until the app is idle, shows nothing stale and the JavaScript ``condition(arg)`` holds, all at once.

    After fast key presses several runs are cut short, and the last run to finish may not be the one that
    had the final widget values. Only what the page shows can tell, so wait for that together with the idle
    app. Returns the condition's value; fails with ``what`` and the URL when it never holds.
    """
    check = f"""([arg]) => {{
      if (!document.querySelector("{IDLE_SELECTOR}")) return false;
      if (document.querySelector("[data-testid='stSkeleton'], [data-stale='true']")) return false;
      return (({condition})(arg)) || false;
    }}"""
    try:
        value = page.wait_for_function(check, arg=[arg]).json_value()
    except PlaywrightTimeoutError:
        pytest.fail(f"the app never settled on {what} within {TIMEOUT_MS / 1000:.0f} s at {current_url(page)}")
    # Two animation frames: what the run sent has been rendered and painted.
    page.evaluate("() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")
    return value
