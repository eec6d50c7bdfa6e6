"""Server-side time of one playground rerun, with a warm cache, measured through AppTest.

Run: python bench/bench_rerun.py

Prints the median, min and max wall time of ``AppTest.run()`` over repeated reruns at
the article's defaults and at the largest settings. AppTest runs the page script in
this process, so the figure includes the script and Streamlit's element handling but
not the network or the browser.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
RERUNS = 30


def rerun_times(query: dict[str, str], *, new_seed_each_time: bool = False, replay: bool = False) -> list[float]:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    for key, value in query.items():
        at.query_params[key] = value
    if replay:
        at.session_state["view"] = "Replay"  # the tab whose frames are built only while it is open
    at.run()  # the first run imports everything and fills the caches
    if at.exception:
        sys.exit(f"the page raised: {at.exception}")
    times = []
    for i in range(RERUNS):
        if new_seed_each_time:
            at.number_input(key="seed").set_value(1000 + i)  # a setting never seen: every cache misses
        start = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    cases = {
        "article defaults (n=400, 100,000 iterations)": {},
        "largest (n=100,000, 1,000,000 iterations)": {"n": "100000", "n_iters": "1000000"},
    }
    cases["NIST Longley (6 features, a bundled table)"] = {"data": "longley"}
    for label, query in cases.items():
        report(label, rerun_times(query))
    report("defaults, a new seed each rerun (cache misses)", rerun_times({}, new_seed_each_time=True))
    report("  the same, with the replay open", rerun_times({}, new_seed_each_time=True, replay=True))


def report(label: str, t: list[float]) -> None:
    print(
        f"{label:<46} median {statistics.median(t) * 1e3:6.1f} ms   "
        f"min {min(t) * 1e3:6.1f} ms   max {max(t) * 1e3:6.1f} ms   ({len(t)} reruns)"
    )


if __name__ == "__main__":
    main()
