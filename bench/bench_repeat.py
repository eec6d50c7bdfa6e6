"""K repeats of the experiment in one matrix product, against a literal loop of linreg.run calls, in one process.

Run: python bench/bench_repeat.py   (add --quick for fewer timing runs)

For each case, ``linreg.repeat.repeat`` draws K = 1,000 data sets (the Repeat tab's
default; fewer where the draw budget caps K) and fits each by OLS and GD; the loop runs
``linreg.run`` on the same data sets one by one, for a subset of them, and its time is
scaled to K. The two alternate, so both see the same machine load. The repeat time is
shown with the base run reused (as the app does: the page has already run it) and
without. Also printed: the largest relative difference between the two estimates.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from linreg import Dataset, SyntheticSpec, TrainSpec, run  # noqa: E402
from linreg.repeat import max_repeats, repeat  # noqa: E402

K = 1_000
CASES = (
    ("article: 400 points, lr 5e-4, 100,000 iterations", SyntheticSpec(), TrainSpec(), 100),
    ("article's data, GD stopped after 100 iterations", SyntheticSpec(), TrainSpec(n_iters=100), 100),
    ("standardized, lr 1, 200 iterations", SyntheticSpec(), TrainSpec(lr=1.0, standardize=True, n_iters=200), 100),
    ("100,000 points, lr 5e-4, 1,000 iterations", SyntheticSpec(n=100_000), TrainSpec(n_iters=1_000), 10),
)


def literal(data: SyntheticSpec, spec: TrainSpec, seeds) -> tuple[np.ndarray, np.ndarray]:
    """OLS and GD estimates of ``linreg.run`` on each repeat's data set, one call per repeat."""
    ols, gd = [], []
    for s in seeds:
        exp = run(Dataset.synthetic(replace(data, seed=int(s))), replace(spec, split_seed=data.seed))
        ols.append(exp.ols.theta)
        gd.append(exp.fit.theta)
    return np.array(ols), np.array(gd)


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - start, out


def compare(label: str, data: SyntheticSpec, spec: TrainSpec, subset: int, runs: int) -> None:
    k = min(K, max_repeats(data.n))
    base = run(Dataset.synthetic(data), spec)
    repeat(data, spec, k, base=base)  # warm-up: imports and first-touch page faults
    reused, whole, loops = [], [], []
    for _ in range(runs):
        t, r = timed(repeat, data, spec, k, base=base)
        reused.append(t)
        whole.append(timed(repeat, data, spec, k)[0])
        t_loop, (ols, gd) = timed(literal, data, spec, r.seeds[:subset])
        loops.append(t_loop * k / subset)
    diff = max(
        float(np.max(np.abs(r.ols.theta[:subset] - ols) / np.abs(ols))),
        float(np.max(np.abs(r.gd.theta[:subset] - gd) / np.abs(gd))),
    )
    fast, slow, with_base = statistics.median(reused), statistics.median(loops), statistics.median(whole)
    print(
        f"{label:<50} K={k:>5,}   repeat {fast * 1e3:>7.1f} ms (with the base run {with_base * 1e3:>7.1f} ms)"
        f"   loop of linreg.run {slow:>7.2f} s ({subset} timed, scaled to K)   ratio {slow / fast:>6.0f}x"
        f"   max rel. diff {diff:.1e}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one timing run per case instead of three")
    args = parser.parse_args()
    runs = 1 if args.quick else 3
    print(f"numpy {np.__version__}; medians over {runs} alternating run(s)")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # GD stopped early warns that it has not converged
        for label, data, spec, subset in CASES:
            compare(label, data, spec, subset, runs)


if __name__ == "__main__":
    main()
