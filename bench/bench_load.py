"""Load: browser sessions moving the noise slider at once; errors, lost presses and the server's memory.

Run: python bench/bench_load.py [--sessions 20] [--seconds 60] [--warmup 10] [--seed 1] [--bare]

Starts the project once (``streamlit run app.py`` from its root) and opens it in ``--sessions``
contexts of one headless Chromium. Driven concurrently with Playwright's async API, each session
presses ArrowRight or ArrowLeft on the noise slider in bursts of 1-5 presses 50-300 ms apart, keeping
count of where the presses should have taken the slider (from 25, in steps of 0.5, within 0-200).
After each burst it waits until the app has settled (the server has finished a run started after
the page's last rerun request, the app shows itself idle, and no key press and no websocket message
has come for QUIET_MS) with the slider and the URL's ``noise`` parameter (absent: 25) both at the
expected value. Steps of difference still there after SETTLE_TIMEOUT_MS are lost presses; the count
then restarts from what the slider shows. The page also counts the key presses that reached the
slider's thumb, which tells a press the browser never delivered from one the app undid.

Errors are exceptions or error boxes on the page, console errors, uncaught page errors, crashes and
websocket closes. The server's resident memory is sampled every SAMPLE_S seconds from the start of
the load; the first ``--warmup`` seconds (10) are its warm-up.

``--bare`` runs the same load on bench/bare_app.py (Streamlit's defaults, no URL parameter), as a
control: what Streamlit itself does under this load.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import random
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from browser_common import (
    BARE_SCOPE,
    ERROR_JS,
    IDLE_SELECTOR,
    PROBE_JS,
    PROJECT_SCOPE,
    chromium_options,
    edited_since,
    machine_note,
    noise_thumb_js,
    serve_bare,
    serve_project,
    source_mtimes,
)
from playwright.async_api import Browser, ConsoleMessage, async_playwright
from playwright.async_api import Error as PlaywrightError

NOISE_DEFAULT, NOISE_STEP, NOISE_MIN, NOISE_MAX = 25.0, 0.5, 0.0, 200.0
VIEWPORT = {"width": 1400, "height": 900}
SAMPLE_S = 2
QUIET_MS = 700  # longer than any gap between a press and the rerun it asks for
SETTLE_TIMEOUT_MS = 30_000  # a value still wrong after this long was lost, not late
OPEN_TIMEOUT_MS = 180_000  # 20 first loads on 2 shared cores take a while
ACTION_TIMEOUT_MS = 60_000
OPENING_AT_ONCE = 4  # tabs loading the app at the same time, before the load starts
POLL_MS = 100  # in-page polling; on every animation frame, 20 tabs would load the machine under test


def settled_js(scope: str) -> str:
    """In-page: once the app has settled, what its slider and URL say, the time from the burst's last
    key press to the end of the run that has it, and the running counts; else false. With
    ``mustMatch`` it also waits for both values to equal ``expected``.

    Settled: the server has started a run after the page's last rerun request and finished it, the
    app shows itself idle, and neither a key press nor a message has come for ``quiet`` ms. The app's
    idle marker alone is not enough: it only changes when the server's answer arrives, which under
    load can be seconds after the press.
    """
    return f"""
([quiet, expected, mustMatch, checkUrl]) => {{
  const b = window.__bench;
  const thumb = {noise_thumb_js(scope)};
  if (!thumb || !document.querySelector("{IDLE_SELECTOR}")) return false;
  if (b.lastRerunSent !== null && !(b.lastRunStart > b.lastRerunSent && b.lastRunDone > b.lastRunStart)) {{
    return false;
  }}
  const lastMessage = b.msgs.length ? b.msgs[b.msgs.length - 1] : null;
  if (performance.now() - Math.max(b.lastKey ?? 0, lastMessage ?? 0) < quiet) return false;
  const inUrl = new URLSearchParams(location.search).get("noise");
  const state = {{
    shown: parseFloat(thumb.value),
    inUrl: !checkUrl ? null : inUrl === null ? {NOISE_DEFAULT} : parseFloat(inUrl),
    runMs: b.lastKey === null || b.lastRunDone < b.lastKey ? null : b.lastRunDone - b.lastKey,
    error: {ERROR_JS},
    closes: b.closes,
    sliderKeys: b.sliderKeys,
    runsStarted: b.runsStarted,
    runsDone: b.runsDone,
    runsCutShort: b.runsCutShort,
  }};
  if (mustMatch && (state.shown !== expected || (checkUrl && state.inUrl !== expected))) return false;
  return state;
}}
"""


def describe_js(scope: str) -> str:
    """In-page: a one-line account of the tab, for the message when a wait times out."""
    return f"""
() => {{
  const app = document.querySelector("[data-testid='stApp']");
  const b = window.__bench;
  const now = performance.now();
  return JSON.stringify({{
    scriptState: app?.dataset.testScriptState, connection: app?.dataset.testConnectionState,
    slider: {noise_thumb_js(scope)}?.value ?? "missing", url: location.search, error: {ERROR_JS},
    msSinceKey: b.lastKey === null ? null : Math.round(now - b.lastKey),
    msSinceMessage: b.msgs.length ? Math.round(now - b.msgs[b.msgs.length - 1]) : null,
    messagesSinceKey: b.msgs.length, closes: b.closes,
    msSinceRerunSent: b.lastRerunSent === null ? null : Math.round(now - b.lastRerunSent),
    msSinceRunStart: b.lastRunStart === null ? null : Math.round(now - b.lastRunStart),
    msSinceRunDone: b.lastRunDone === null ? null : Math.round(now - b.lastRunDone),
  }});
}}
"""


class LoadError(Exception):
    """The load could not start; the message says why."""


@dataclass
class Tally:
    """What all sessions saw, added up."""

    presses: int = 0
    verified: int = 0
    lost: int = 0
    errors: Counter = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)  # the first few problems, word for word
    run_ms: list[float] = field(default_factory=list)

    def error(self, kind: str, detail: str) -> None:
        self.errors[kind] += 1
        self.note(f"{kind}: {detail}")

    def note(self, text: str) -> None:
        if len(self.examples) < 10:
            self.examples.append(text[:300])


class Session:
    """One browser context on the app, pressing keys on its noise slider."""

    def __init__(self, number: int, tally: Tally, seed: int, scope: str, check_url: bool) -> None:
        self.number, self.tally, self.scope, self.check_url = number, tally, scope, check_url
        self.settled = settled_js(scope)
        self.describe_js = describe_js(scope)
        self.rng = random.Random(seed * 1000 + number)
        self.expected = NOISE_DEFAULT
        self.presses = 0
        self.closes_seen = 0
        self.error_shown = False
        self.context = None
        self.counts: dict[str, int] = {}  # the page's own counts at the end

    async def open(self, browser: Browser, url: str) -> None:
        self.context = await browser.new_context(viewport=VIEWPORT)
        self.context.set_default_timeout(ACTION_TIMEOUT_MS)
        await self.context.add_init_script(PROBE_JS)
        self.page = await self.context.new_page()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda exc: self.tally.error("page error", f"session {self.number}: {exc}"))
        self.page.on("crash", lambda _: self.tally.error("crash", f"session {self.number}"))
        try:
            await self.page.goto(url, timeout=OPEN_TIMEOUT_MS)
            state = await self._settled(must_match=True, timeout=OPEN_TIMEOUT_MS)
        except PlaywrightError as exc:
            raise LoadError(f"session {self.number} did not open the app with its noise slider at 25: {exc}") from exc
        if state["error"] is not None:
            raise LoadError(f"session {self.number}: the app shows an error on opening: {state['error']}")
        self.thumb = (
            self.page.locator(f"{self.scope} [data-testid='stSlider']").filter(has_text="Noise").get_by_role("slider")
        )

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.tally.error("console error", f"session {self.number}: {message.text}")

    async def _settled(self, must_match: bool, timeout: float) -> dict:
        arg = [QUIET_MS, self.expected, must_match, self.check_url]
        handle = await self.page.wait_for_function(self.settled, arg=arg, timeout=timeout, polling=POLL_MS)
        return await handle.json_value()

    async def drive(self, deadline: float) -> None:
        """Bursts of presses, each followed by a check, until ``deadline`` (monotonic time)."""
        try:
            while time.monotonic() < deadline:
                for i in range(self.rng.randint(1, 5)):
                    if i:
                        await asyncio.sleep(self.rng.uniform(0.05, 0.3))
                    right = self.rng.random() < 0.5
                    await self.thumb.press("ArrowRight" if right else "ArrowLeft")
                    step = NOISE_STEP if right else -NOISE_STEP
                    self.expected = min(NOISE_MAX, max(NOISE_MIN, self.expected + step))
                    self.presses += 1
                    self.tally.presses += 1
                await self.verify()
        except PlaywrightError as exc:
            first_line = str(exc).splitlines()[0]  # Playwright appends a long call log
            tab = await self.describe()
            self.tally.error("session stopped", f"session {self.number}: {first_line}; the tab: {tab}")

    async def describe(self) -> str:
        """A one-line account of the tab, for the message when a wait times out."""
        try:
            return await self.page.evaluate(self.describe_js)
        except PlaywrightError as exc:
            return f"unknown ({exc})"

    async def verify(self) -> None:
        """Wait for the app to settle at the expected value; count lost presses and errors."""
        try:
            state = await self._settled(must_match=True, timeout=SETTLE_TIMEOUT_MS)
        except PlaywrightError:  # not at the expected value in time: take what it settled on
            state = await self._settled(must_match=False, timeout=SETTLE_TIMEOUT_MS)
        self.tally.verified += 1
        if state["runMs"] is not None:
            self.tally.run_ms.append(state["runMs"])
        shown, in_url = state["shown"], state["inUrl"]
        off = max(abs(shown - self.expected), abs(in_url - self.expected) if self.check_url else 0)
        if off:
            lost = round(off / NOISE_STEP)
            self.tally.lost += lost
            url_says = f", the URL says {in_url}" if self.check_url else ""
            missed = self.presses - state["sliderKeys"]
            self.tally.note(
                f"lost {lost}: session {self.number} expected {self.expected}, the slider shows {shown}{url_says}"
                f" ({missed} of its {self.presses} presses so far missed the thumb)"
            )
            self.expected = shown
        if state["error"] is not None and not self.error_shown:  # an error still shown is counted once
            self.tally.error("error on the page", f"session {self.number}: {state['error']}")
        self.error_shown = state["error"] is not None
        for _ in range(state["closes"] - self.closes_seen):
            self.tally.error("websocket closed", f"session {self.number}")
        self.closes_seen = state["closes"]

    async def count(self) -> None:
        """Read the page's own counts of key presses on the thumb and of script runs, and count the
        websocket closes no check has seen (a stopped session has had no check since it stopped)."""
        with contextlib.suppress(PlaywrightError):
            self.counts = await self.page.evaluate(
                "() => { const { sliderKeys, runsStarted, runsDone, runsCutShort, closes } = window.__bench;"
                " return { sliderKeys, runsStarted, runsDone, runsCutShort, closes }; }"
            )
        for _ in range(self.counts.get("closes", self.closes_seen) - self.closes_seen):
            self.tally.error("websocket closed", f"session {self.number}")

    async def close(self) -> None:
        if self.context is not None:
            await self.context.close()


def rss_mb(pid: int) -> float:
    """Resident memory of process ``pid`` in MB: psutil if installed, else /proc."""
    try:
        import psutil
    except ImportError:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError(f"no VmRSS in /proc/{pid}/status") from None
    return psutil.Process(pid).memory_info().rss / 2**20


async def sample_memory(pid: int, start: float, samples: list[tuple[float, float]], stop: asyncio.Event) -> None:
    """Append (seconds since ``start``, RSS MB) every SAMPLE_S seconds until ``stop`` is set."""
    for k in itertools.count(1):
        samples.append((time.monotonic() - start, rss_mb(pid)))
        try:  # on a fixed schedule, so a late wake-up does not shift the later samples
            await asyncio.wait_for(stop.wait(), max(0.0, start + k * SAMPLE_S - time.monotonic()))
            return
        except TimeoutError:
            pass


def slope_mb_per_min(samples: list[tuple[float, float]]) -> float:
    """Least-squares slope of RSS against time, in MB per minute (at least two samples)."""
    return statistics.linear_regression([t for t, _ in samples], [m for _, m in samples]).slope * 60


@dataclass
class Result:
    version: str
    elapsed: float
    tally: Tally
    missed_thumb: int
    runs: dict[str, int]
    rss_before: float
    samples: list[tuple[float, float]]
    edited: list[str]
    load: float  # the machine's load average at the start


async def run(args: argparse.Namespace) -> Result:
    tally = Tally()
    serve, scope = (serve_bare, BARE_SCOPE) if args.bare else (serve_project, PROJECT_SCOPE)
    sessions = [Session(i, tally, args.seed, scope, check_url=not args.bare) for i in range(args.sessions)]
    before, load = source_mtimes(), os.getloadavg()[0]
    with serve() as (url, server):
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(**chromium_options())
            try:
                opening = asyncio.Semaphore(OPENING_AT_ONCE)

                async def open_one(session: Session) -> None:
                    async with opening:
                        await session.open(browser, url + "/")

                await asyncio.gather(*(open_one(s) for s in sessions))
                rss_before = rss_mb(server.pid)

                samples: list[tuple[float, float]] = []
                stop = asyncio.Event()
                start = time.monotonic()
                sampler = asyncio.create_task(sample_memory(server.pid, start, samples, stop))
                await asyncio.gather(*(s.drive(start + args.seconds) for s in sessions))
                elapsed = time.monotonic() - start
                stop.set()
                await sampler
                await asyncio.gather(*(s.count() for s in sessions))
                version = browser.version
            finally:
                for session in sessions:
                    await session.close()
                await browser.close()
    missed_thumb = sum(s.presses - s.counts.get("sliderKeys", 0) for s in sessions)
    runs = {k: sum(s.counts.get(k, 0) for s in sessions) for k in ("runsStarted", "runsDone", "runsCutShort")}
    edited = [] if args.bare else edited_since(before)
    return Result(version, elapsed, tally, missed_thumb, runs, rss_before, samples, edited, load)


def report(args: argparse.Namespace, r: Result) -> None:
    app = "bench/bare_app.py" if args.bare else "the project"
    print(
        f"{args.sessions} sessions for {args.seconds:g} s on {app} (chromium {r.version.split('.')[0]}, "
        f"{VIEWPORT['width']}x{VIEWPORT['height']}), noise slider, bursts of 1-5 presses 50-300 ms apart"
    )
    t = r.tally
    errors = sum(t.errors.values())
    kinds = f" ({', '.join(f'{kind} {n}' for kind, n in t.errors.items())})" if errors else ""
    print(f"presses {t.presses}  bursts verified {t.verified}  lost presses {t.lost}  errors {errors}{kinds}")
    print(
        f"presses whose keydown missed the slider's thumb {r.missed_thumb}  script runs (first loads included) "
        f"started {r.runs['runsStarted']}, finished {r.runs['runsDone']}, cut short by a newer press "
        f"{r.runs['runsCutShort']}"
    )
    if len(t.run_ms) > 1:
        p95 = statistics.quantiles(t.run_ms, n=20, method="inclusive")[-1]
        print(
            f"last press of a burst → end of its run, in the page: median {statistics.median(t.run_ms):.0f} ms  "
            f"p95 {p95:.0f} ms  (load phase {r.elapsed:.0f} s, with the last bursts' checks)"
        )
    after_warmup = [(s, mb) for s, mb in r.samples if s >= args.warmup]
    rss = [mb for _, mb in r.samples]
    line = f"server RSS  before the load {r.rss_before:.1f} MB"
    if after_warmup:
        line += f"  after warm-up ({after_warmup[0][0]:.0f} s) {after_warmup[0][1]:.1f} MB"
    line += f"  end {rss[-1]:.1f} MB  max {max(rss):.1f} MB"
    slope = f"{slope_mb_per_min(after_warmup):+.2f} MB/min" if len(after_warmup) > 1 else "n/a"
    line += f"  slope after warm-up {slope} ({len(after_warmup)} samples)"
    print(line)
    marks = range(0, int(r.samples[-1][0]) + 1, 10)
    every_10_s = [next(f"{mb:.0f}" for s, mb in r.samples if s >= mark) for mark in marks]
    print(f"server RSS every 10 s from the start of the load, MB: {' '.join(every_10_s)}")
    for example in t.examples:
        print(f"  {example}")
    print(machine_note(r.load))
    if r.edited:
        print(f"warning: app files changed during the run, the figures may be off: {', '.join(r.edited)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20, help="browser sessions at once (default 20)")
    parser.add_argument("--seconds", type=float, default=60, help="length of the load phase (default 60)")
    parser.add_argument("--warmup", type=float, default=10, help="seconds of the load before memory counts")
    parser.add_argument("--seed", type=int, default=1, help="seed of the sessions' key presses")
    parser.add_argument("--bare", action="store_true", help="load bench/bare_app.py instead, as a control")
    args = parser.parse_args()
    try:
        result = asyncio.run(run(args))
    except LoadError as exc:
        sys.exit(f"bench_load: {exc}")
    report(args, result)


if __name__ == "__main__":
    main()
