"""What the browser benchmarks share: the servers, Chromium's launch options and the in-page probe.

The servers are started the way a user starts them, with the start-and-stop code of the e2e tests
(tests/server.py) and Chromium's options from tests/e2e/conftest.py, so the benchmarks and the
tests run the same browser the same way.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from e2e.conftest import CHROMIUM, CHROMIUM_ARGS, STREAM_PATH, is_run_finished  # noqa: E402
from server import free_port, start_server, stop  # noqa: E402

__all__ = ["STREAM_PATH", "is_run_finished"]

BARE_APP = Path(__file__).resolve().parent / "bare_app.py"
APP_PACKAGES = ("app_pages", "dashboard", "linreg")  # the app's code besides app.py
SERVER_LOG_TAIL = 4000  # characters of the server log shown when a server fails

# Where the project puts its noise slider (the sidebar) and where the bare app does (the main area).
PROJECT_SCOPE = "[data-testid='stSidebar']"
BARE_SCOPE = "[data-testid='stApp']"

# Installed in every tab before the app's own scripts run. It timestamps, with the page's own clock:
# - every key press (capture phase: the slider stops the keydown from bubbling), and those on a slider,
# - every plotly_afterplot of every Plotly graph div (a MutationObserver hooks divs as they appear),
# - every message the app's websocket receives, and its size,
# - the script runs: each rerun request the page sends, each run start the server announces
#   (new_session) and each run end (script_finished: complete, or cut short for a newer rerun).
# A key press starts a new record, so after one press the record holds exactly that move.
PROBE_JS = """
(() => {
  if (window.top !== window || window.__bench) return;
  const b = (window.__bench = {
    t0: null, plots: [], msgs: [], bytes: 0, newGraphs: 0, keys: 0, sliderKeys: 0, lastKey: null, closes: 0,
    lastRerunSent: null, lastRunStart: null, lastRunDone: null, runsStarted: 0, runsDone: 0, runsCutShort: 0,
  });
  window.addEventListener("keydown", (e) => {
    b.t0 = b.lastKey = performance.now();
    b.keys += 1;
    if (e.target?.type === "range") b.sliderKeys += 1;  // the key reached a slider's thumb
    b.plots = [];
    b.msgs = [];
    b.bytes = 0;
    b.newGraphs = 0;
  }, true);

  // Plotly adds the class while it draws a div for the first time, in the same task as it appends the
  // SVG; the observer runs after that task, when gd.on exists. A live collection keeps the scan cheap.
  const graphs = document.getElementsByClassName("js-plotly-plot");
  const hook = () => {
    for (const gd of graphs) {
      if (gd.__benchHooked || typeof gd.on !== "function") continue;
      gd.__benchHooked = true;
      b.newGraphs += 1;
      gd.on("plotly_afterplot", () => b.plots.push(performance.now()));
    }
  };
  new MutationObserver(hook).observe(document, { childList: true, subtree: true });

  // Just enough protobuf to name a message: the number of its first field not in ``skip`` (the oneof
  // "type" of a ForwardMsg, after hash=1 and metadata=2; the first field of a BackMsg) and, for a
  // varint field, its value. Fields: ForwardMsg new_session=4, script_finished=6 (0 complete,
  // 2 cut short for a rerun, 3 fragment complete); BackMsg rerun_script=11.
  const varint = (bytes, pos) => {
    let value = 0, shift = 0, byte;
    do { byte = bytes[pos++]; value += (byte & 0x7f) * 2 ** shift; shift += 7; } while (byte & 0x80);
    return [value, pos];
  };
  const kind = (data, skip) => {
    if (!(data instanceof ArrayBuffer || ArrayBuffer.isView(data))) return [null, null];
    const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer);
    let pos = 0, tag, length;
    while (pos < bytes.length) {
      [tag, pos] = varint(bytes, pos);
      const field = Math.floor(tag / 8), wire = tag & 7;
      if (!skip.includes(field)) return [field, wire === 0 ? varint(bytes, pos)[0] : null];
      if (wire === 2) { [length, pos] = varint(bytes, pos); pos += length; }
      else if (wire === 0) pos = varint(bytes, pos)[1];
      else return [null, null];
    }
    return [null, null];
  };

  const NativeWebSocket = window.WebSocket;
  window.WebSocket = class extends NativeWebSocket {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (e) => {
        const now = performance.now();
        b.msgs.push(now);
        b.bytes += e.data.byteLength ?? e.data.size ?? e.data.length ?? 0;
        const [field, value] = kind(e.data, [1, 2]);
        if (field === 4) { b.lastRunStart = now; b.runsStarted += 1; }
        if (field === 6 && value === 2) b.runsCutShort += 1;
        if (field === 6 && value !== 2) { b.lastRunDone = now; b.runsDone += 1; }
      });
      this.addEventListener("close", () => { b.closes += 1; });
    }
    send(data) {
      if (kind(data, [])[0] === 11) b.lastRerunSent = performance.now();
      return super.send(data);
    }
  };
})();
"""

# The app has finished a run and shows it: Streamlit's own idle marker on its root element.
IDLE_SELECTOR = "[data-testid='stApp'][data-test-script-state='notRunning'][data-test-connection-state='CONNECTED']"

# An expression: what the app shows as an error (an exception, or an error box), else null.
ERROR_JS = """
(() => {
  const e = document.querySelector("[data-testid='stException'], [data-testid='stAlertContentError']");
  return e ? e.innerText.split("\\n")[0].slice(0, 300) : null;
})()
""".strip()


def chromium_options() -> dict:
    """``launch`` options for the system's headless Chromium; the benchmarks never download a browser."""
    if not Path(CHROMIUM).exists():
        sys.exit(f"Chromium not found at {CHROMIUM}: set CHROMIUM to its path")
    return {"executable_path": CHROMIUM, "headless": True, "args": CHROMIUM_ARGS}


def _plain_environment() -> None:
    # STREAMLIT_* variables would act as config options on both servers; "default settings" means none.
    for name in [n for n in os.environ if n.startswith("STREAMLIT_")]:
        del os.environ[name]


@contextmanager
def _serve(app: str, cwd: Path, what: str) -> Iterator[tuple[str, subprocess.Popen]]:
    """``streamlit run app --server.headless true --server.port P`` in ``cwd``; yields its URL and process."""
    _plain_environment()
    port = free_port()
    url = f"http://localhost:{port}"
    command = [sys.executable, "-m", "streamlit", "run", app, "--server.headless", "true", "--server.port", str(port)]
    with tempfile.TemporaryDirectory(prefix="bench-log-") as tmp:
        log = Path(tmp) / "streamlit.log"
        try:
            process = start_server(command, cwd, url, log)
        except pytest.fail.Exception as exc:  # tests/server.py reports failures the pytest way
            sys.exit(f"the {what} server did not start: {str(exc)[-SERVER_LOG_TAIL:]}")
        try:
            yield url, process
        finally:
            stop(process)


@contextmanager
def serve_project() -> Iterator[tuple[str, subprocess.Popen]]:
    """The project as a user starts it: from its root, so its .streamlit/config.toml applies."""
    with _serve("app.py", ROOT, "project") as served:
        yield served


@contextmanager
def serve_bare() -> Iterator[tuple[str, subprocess.Popen]]:
    """bare_app.py with Streamlit's defaults: run from an empty directory, so no project config applies."""
    with tempfile.TemporaryDirectory(prefix="bench-bare-") as tmp:
        shutil.copy(BARE_APP, tmp)
        with _serve(BARE_APP.name, Path(tmp), "bare app") as served:
            yield served


def source_mtimes() -> dict[Path, float]:
    """Modification times of the app's files (what its server may load), to tell whether someone edited
    them during a run."""
    files = [ROOT / "app.py", ROOT / ".streamlit" / "config.toml"]
    for package in APP_PACKAGES:
        files += (p for p in (ROOT / package).rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    mtimes = {}
    for path in files:
        with contextlib.suppress(FileNotFoundError):  # deleted since the listing
            mtimes[path] = path.stat().st_mtime
    return mtimes


def edited_since(before: dict[Path, float]) -> list[str]:
    """The app's files created, changed or deleted since ``before`` was taken.

    When a watched file changes, Streamlit's file watcher evicts the app's modules and the next run
    imports them again, so an edit made while a benchmark runs can show up in its figures as an error
    or a slow move.
    """
    now = source_mtimes()
    changed = {p for p in before.keys() | now.keys() if before.get(p) != now.get(p)}
    return sorted(str(p.relative_to(ROOT)) for p in changed)


def machine_note(load_at_start: float) -> str:
    """The machine's cores and 1-minute load average at the start and now: a shared machine's figures
    mean little without them."""
    now = os.getloadavg()[0]
    return f"machine: {os.cpu_count()} cores, load average {load_at_start:.1f} at the start, {now:.1f} at the end"


def noise_thumb_js(scope: str) -> str:
    """A JS expression for the thumb of the slider labelled "Noise" inside ``scope``.

    Streamlit's slider thumb is an ``<input type="range">`` (role slider without the attribute); its
    ``value`` is the slider's value and ``aria-valuetext`` what the thumb shows.
    """
    return (
        f"[...document.querySelectorAll(\"{scope} [data-testid='stSlider']\")]"
        ".find((s) => s.textContent.includes('Noise'))?.querySelector(\"input[type='range']\")"
    )
