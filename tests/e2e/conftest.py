"""Real-browser fixtures: one Streamlit server and one headless Chromium per test session.

The server is started the way a user starts it (``streamlit run app.py``) on a free port.
Tests never sleep: they wait on the state Streamlit publishes on its root element,
``<div data-testid="stApp" data-test-script-state="running|notRunning">``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

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
SERVER_START_TIMEOUT_S = 120
# The machine running the suite may be slow and shared: waits are generous, never assertions on time.
TIMEOUT_MS = 60_000

# Counts finished script runs: a run has finished when stApp's script state turns to notRunning.
# Installed before any page script, so a run that finishes quickly is not missed.
RUN_COUNTER_JS = """
window.__finishedRuns = 0;
new MutationObserver((mutations) => {
  for (const m of mutations) {
    const state = m.target.getAttribute("data-test-script-state");
    if (state === "notRunning" && m.oldValue !== "notRunning") window.__finishedRuns += 1;
  }
}).observe(document, {
  subtree: true,
  attributes: true,
  attributeOldValue: true,
  attributeFilter: ["data-test-script-state"],
});
"""


def free_port() -> int:
    """A TCP port that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def is_healthy(url: str) -> bool:
    """True when Streamlit's health endpoint at ``url`` answers ``ok``."""
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.read() == b"ok"
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def wait_until_healthy(url: str, process: subprocess.Popen, log: Path) -> None:
    """Poll the health endpoint until it answers; fail with the server log if the server dies or never answers."""
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if is_healthy(url):
            return
        if process.poll() is not None:
            pytest.fail(f"the server exited with code {process.returncode}:\n{log.read_text()}")
        time.sleep(0.25)
    pytest.fail(f"{url}/_stcore/health did not answer within {SERVER_START_TIMEOUT_S} s:\n{log.read_text()}")


def stop(process: subprocess.Popen) -> None:
    """Stop the server started by this session, by its own process id."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)


def start_server(command: list[str], cwd: Path, url: str, log: Path) -> subprocess.Popen:
    """Start ``command`` in ``cwd``, logging to ``log``, and return once ``url`` is healthy."""
    env = {**os.environ, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        wait_until_healthy(url, process, log)
    except BaseException:
        stop(process)
        raise
    return process


@pytest.fixture(scope="session")
def app_url() -> Iterator[str]:
    """Base URL of ``streamlit run app.py``, started once for the whole session."""
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
    """A fresh browser tab, with the run counter installed."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(TIMEOUT_MS)
    context.add_init_script(RUN_COUNTER_JS)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(autouse=True, scope="session")
def _generous_expect_timeout() -> None:
    expect.set_options(timeout=TIMEOUT_MS)


class App:
    """A browser tab on the running app, with the waits the tests need."""

    def __init__(self, page: Page, url: str) -> None:
        self.page = page
        self.url = url

    def open(self, path: str = "/") -> Page:
        """Open ``path`` (with any query string) and wait for its first script run to finish."""
        self.page.goto(self.url + path)
        self.wait_for_run()
        return self.page

    def rerun(self, action: Callable[[], object]) -> None:
        """Do ``action`` (a click, a key press) and wait for the rerun it triggers to finish."""
        before = self.page.evaluate("window.__finishedRuns")
        action()
        self.wait_for_run(after=before)

    def wait_for_run(self, after: int = 0) -> None:
        """Wait until more than ``after`` runs have finished and the app is connected, idle and fully drawn."""
        self.page.wait_for_function("n => window.__finishedRuns > n", arg=after, timeout=TIMEOUT_MS)
        idle = "[data-testid='stApp'][data-test-script-state='notRunning'][data-test-connection-state='CONNECTED']"
        expect(self.page.locator(idle)).to_be_attached()
        expect(self.page.get_by_test_id("stSkeleton")).to_have_count(0)


@pytest.fixture
def app(page: Page, app_url: str) -> App:
    """The app in a fresh tab; call ``app.open(...)`` first."""
    return App(page, app_url)
