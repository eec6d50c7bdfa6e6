"""Browser round trip of one slider move: the project against a bare Streamlit app, side by side.

Run: python bench/bench_browser.py [--moves 20] [--width 1400] [--height 900] [--url-path /] [--climb]

Starts the project (``streamlit run app.py`` from its root) and bench/bare_app.py (from an empty
directory, so with Streamlit's defaults), opens each in a tab of one headless Chromium and moves the
noise slider with the keyboard, one press per move, alternating between the two apps. Each move is
timed in the page, from the keydown to the last ``plotly_afterplot`` of any chart, with the page's
own clock; a move is over once the server has said ``script_finished``, the app shows itself idle and
no chart has redrawn for QUIET_MS. Prints medians, p95s and the project/bare ratios, and where the
time goes: the first websocket message and the end of the rerun, and the first and last redraw.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from dataclasses import dataclass, field

from browser_common import (
    BARE_SCOPE,
    ERROR_JS,
    IDLE_SELECTOR,
    PROBE_JS,
    PROJECT_SCOPE,
    STREAM_PATH,
    chromium_options,
    edited_since,
    is_run_finished,
    machine_note,
    noise_thumb_js,
    serve_bare,
    serve_project,
    source_mtimes,
)
from google.protobuf.message import DecodeError
from playwright.sync_api import Browser, WebSocket, sync_playwright
from playwright.sync_api import Error as PlaywrightError
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

WARMUP_MOVES = 3
QUIET_MS = 300  # no redraw for this long after the run finished: the move is over
TIMEOUT_MS = 60_000  # per wait; the machine is shared and slow, this only catches a hung app


def move_done_js(scope: str) -> str:
    """In-page: the move's record once the app is idle and no chart has redrawn for ``quiet`` ms, else false."""
    return f"""
(quiet) => {{
  const b = window.__bench;
  const error = {ERROR_JS};
  if (error !== null) return {{ error }};
  if (!document.querySelector("{IDLE_SELECTOR}") || !b.plots.length) return false;
  if (performance.now() - b.plots[b.plots.length - 1] < quiet) return false;
  const value = parseFloat({noise_thumb_js(scope)}?.value);
  const {{ t0, plots, msgs, bytes, newGraphs, keys, lastRunDone }} = b;
  return {{ t0, plots, msgs, bytes, newGraphs, keys, lastRunDone, value }};
}}
"""


# In-page: the first run is drawn (some chart has drawn) and has been quiet for ``quiet`` ms.
OPENED_JS = f"""
(quiet) => {{
  const b = window.__bench;
  if (!b || !document.querySelector("{IDLE_SELECTOR}")) return false;
  const error = {ERROR_JS};
  if (error !== null) return {{ error }};
  if (!b.plots.length) return false;
  return performance.now() - b.plots[b.plots.length - 1] >= quiet && {{ error: null }};
}}
"""


# In-page: a one-line account of the tab, for the message when a wait times out.
STATE_JS = f"""
() => {{
  const app = document.querySelector("[data-testid='stApp']");
  const b = window.__bench;
  return JSON.stringify({{
    scriptState: app?.dataset.testScriptState, connection: app?.dataset.testConnectionState,
    charts: document.querySelectorAll("[data-testid='stPlotlyChart']").length,
    plotlyDivs: document.getElementsByClassName("js-plotly-plot").length,
    afterplotsSinceKey: b?.plots.length, messagesSinceKey: b?.msgs.length, error: {ERROR_JS},
  }});
}}
"""


class BenchError(Exception):
    """A move or a page load that did not complete; the message says which and why."""


@dataclass
class Move:
    """One key press and what followed it, in ms after the keydown."""

    last_redraw: float
    first_redraw: float
    first_message: float
    run_done: float
    afterplots: int
    messages: int
    deltas: int
    kbytes: float
    new_graphs: int


@dataclass
class Frames:
    """The app's websocket as seen from Python: finished runs, and the ForwardMsgs of the current move."""

    finished_runs: int = 0
    by_type: dict[str, int] = field(default_factory=dict)
    socket: WebSocket | None = None

    def watch(self, ws: WebSocket) -> None:
        if ws.url.endswith(STREAM_PATH):
            self.socket = ws
            ws.on("framereceived", self._received)

    def _received(self, payload: str | bytes) -> None:
        if isinstance(payload, bytes):
            try:
                kind = ForwardMsg.FromString(payload).WhichOneof("type")
            except DecodeError:
                kind = "undecodable"
            self.by_type[kind] = self.by_type.get(kind, 0) + 1
        if is_run_finished(payload):
            self.finished_runs += 1


class Tab:
    """One app in its own browser context, with its noise slider and the in-page probe."""

    def __init__(self, browser: Browser, name: str, url: str, scope: str, viewport: dict, climb: bool) -> None:
        self.name, self.url, self.scope, self.climb = name, url, scope, climb
        self.context = browser.new_context(viewport=viewport)
        self.context.add_init_script(PROBE_JS)
        self.page = self.context.new_page()
        self.frames = Frames()
        self.page.on("websocket", self.frames.watch)
        self.move_done = move_done_js(scope)
        self.presses = 0
        self.start_value = 0.0

    def open(self) -> None:
        """Load the app, wait for its first run to be drawn, and make the slider reachable."""
        try:
            self.page.goto(self.url, timeout=TIMEOUT_MS)
            opened = self.page.wait_for_function(OPENED_JS, arg=QUIET_MS, timeout=TIMEOUT_MS).json_value()
            if opened["error"] is not None:
                raise BenchError(f"{self.name}: {self.url} shows an error: {opened['error']}")
            self._show_sidebar()
            thumb = self.page.wait_for_function(f"() => {noise_thumb_js(self.scope)}?.value", timeout=TIMEOUT_MS)
            self.start_value = float(thumb.json_value())
        except PlaywrightError as exc:
            raise BenchError(
                f"{self.name}: {self.url} did not open with a noise slider and a drawn chart: {exc}\n"
                f"  the tab: {self.state()}"
            ) from exc

    def _show_sidebar(self) -> None:
        # On a narrow viewport Streamlit collapses the sidebar; a phone user opens it to reach the slider.
        collapsed = self.page.locator("[data-testid='stSidebar'][data-collapsed='true']")
        if self.scope == PROJECT_SCOPE and collapsed.count():
            self.page.get_by_test_id("stExpandSidebarButton").click(timeout=TIMEOUT_MS)
            self.page.locator("[data-testid='stSidebar'][data-collapsed='false']").wait_for(timeout=TIMEOUT_MS)

    def move(self) -> Move:
        """One key press on the noise slider, timed in the page until the last chart redraw."""
        key = "ArrowRight" if self.climb or self.presses % 2 == 0 else "ArrowLeft"
        self.presses += 1
        self.page.bring_to_front()
        before = self.frames.finished_runs
        self.frames.by_type = {}
        thumb = self.page.locator(f"{self.scope} [data-testid='stSlider']").filter(has_text="Noise")
        try:
            thumb.get_by_role("slider").press(key, timeout=TIMEOUT_MS)
            self._wait_for_run_finished(before)
            record = self.page.wait_for_function(self.move_done, arg=QUIET_MS, timeout=TIMEOUT_MS).json_value()
        except PlaywrightError as exc:
            raise BenchError(
                f"{self.name}: move {self.presses} ({key}) did not finish: {exc}\n  the tab: {self.state()}"
            ) from exc
        if "error" in record:
            raise BenchError(f"{self.name}: after move {self.presses} ({key}) the app shows: {record['error']}")
        if record["keys"] != self.presses:  # a stray key event would make the record hold a different move
            raise BenchError(f"{self.name}: the page saw {record['keys']} key presses, {self.presses} were sent")
        # The slider moves by 0.5 a press: check this one did, so no move timed a no-op.
        expected = self.start_value + 0.5 * (self.presses if self.climb else self.presses % 2)
        if record["value"] != expected:
            raise BenchError(f"{self.name}: move {self.presses} left the slider at {record['value']}, not {expected}")
        t0, plots, msgs = record["t0"], record["plots"], record["msgs"] or [record["t0"]]
        return Move(
            last_redraw=plots[-1] - t0,
            first_redraw=plots[0] - t0,
            first_message=msgs[0] - t0,
            run_done=record["lastRunDone"] - t0,
            afterplots=len(plots),
            messages=sum(self.frames.by_type.values()),
            # A ref_hash stands for a delta the browser has cached (Streamlit caches large ones): count it too.
            deltas=self.frames.by_type.get("delta", 0) + self.frames.by_type.get("ref_hash", 0),
            kbytes=record["bytes"] / 1024,
            new_graphs=record["newGraphs"],
        )

    def state(self) -> str:
        try:
            return self.page.evaluate(STATE_JS)
        except PlaywrightError as exc:
            return f"unknown ({exc})"

    def _wait_for_run_finished(self, before: int) -> None:
        # Playwright delivers websocket events only inside its own calls, so no frame slips between
        # the check and the wait (the same wait as tests/e2e/conftest.py).
        while self.frames.finished_runs <= before:
            self.frames.socket.wait_for_event("framereceived", is_run_finished, timeout=TIMEOUT_MS)

    def close(self) -> None:
        self.context.close()


def percentile95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


def measure(browser: Browser, urls: dict[str, tuple[str, str]], args: argparse.Namespace) -> dict[str, list[Move]]:
    """Warm both tabs up, then alternate one move on each, ``args.moves`` times."""
    viewport = {"width": args.width, "height": args.height}
    tabs = [Tab(browser, name, url, scope, viewport, args.climb) for name, (url, scope) in urls.items()]
    try:
        for tab in tabs:
            tab.open()
        for tab in tabs:
            for _ in range(WARMUP_MOVES):
                tab.move()
        moves: dict[str, list[Move]] = {tab.name: [] for tab in tabs}
        for _ in range(args.moves):
            for tab in tabs:
                moves[tab.name].append(tab.move())
        return moves
    finally:
        for tab in tabs:
            tab.close()


def report(
    version: str, args: argparse.Namespace, moves: dict[str, list[Move]], edited: list[str], load: float
) -> None:
    kind = "climbing (every value new)" if args.climb else "alternating"
    print(
        f"chromium {version.split('.')[0]}, {args.width}x{args.height}, {args.moves} {kind} moves "
        "of the noise slider (key press → last Plotly redraw)"
    )
    for name, ms in moves.items():
        last = [m.last_redraw for m in ms]
        print(
            f"{name:<8} median {statistics.median(last):6.1f} ms  p95 {percentile95(last):6.1f} ms  "
            f"afterplots/move {statistics.mean(m.afterplots for m in ms):.1f}  "
            f"messages/move {statistics.mean(m.messages for m in ms):.0f} "
            f"({statistics.mean(m.deltas for m in ms):.0f} deltas)"
        )
    project, bare = ([m.last_redraw for m in moves[name]] for name in ("project", "bare"))
    print(
        f"{'ratio':<8} median {statistics.median(project) / statistics.median(bare):.2f}x     "
        f"p95 {percentile95(project) / percentile95(bare):.2f}x"
    )
    print(
        "\nwhere the time goes: medians in ms after the key press of the first websocket message, the end of\n"
        "the run (script_finished) and the first and last chart redraw, all in the page; per move, the\n"
        "websocket messages' KB and the Plotly divs created"
    )
    columns = {
        "1st msg": lambda ms: statistics.median(m.first_message for m in ms),
        "run done": lambda ms: statistics.median(m.run_done for m in ms),
        "1st draw": lambda ms: statistics.median(m.first_redraw for m in ms),
        "last draw": lambda ms: statistics.median(m.last_redraw for m in ms),
        "KB": lambda ms: statistics.mean(m.kbytes for m in ms),
        "new divs": lambda ms: statistics.mean(m.new_graphs for m in ms),
    }
    print(" " * 8 + "".join(f"{title:>10}" for title in columns))
    for name, ms in moves.items():
        print(f"{name:<8}" + "".join(f"{column(ms):10.1f}" for column in columns.values()))
    print(f"\n{machine_note(load)}")
    if edited:
        print(f"warning: app files changed during the run, the figures may be off: {', '.join(edited)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=20, help="timed moves per app (default 20)")
    parser.add_argument("--width", type=int, default=1400, help="viewport width, e.g. 390 for a phone")
    parser.add_argument("--height", type=int, default=900, help="viewport height")
    parser.add_argument("--url-path", default="/", help="path of the project's page with the slider")
    parser.add_argument("--climb", action="store_true", help="press ArrowRight every move: no value repeats")
    args = parser.parse_args()
    if args.moves < 2:
        parser.error("--moves must be at least 2 for a p95")
    path = args.url_path if args.url_path.startswith("/") else "/" + args.url_path

    before, load = source_mtimes(), os.getloadavg()[0]
    try:
        with serve_project() as (project_url, _), serve_bare() as (bare_url, _), sync_playwright() as playwright:
            browser = playwright.chromium.launch(**chromium_options())
            try:
                urls = {"project": (project_url + path, PROJECT_SCOPE), "bare": (bare_url + "/", BARE_SCOPE)}
                moves = measure(browser, urls, args)
                version = browser.version
            finally:
                browser.close()
    except BenchError as exc:
        sys.exit(f"bench_browser: {exc}")
    report(version, args, moves, edited_since(before), load)


if __name__ == "__main__":
    main()
