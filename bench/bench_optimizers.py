"""Every optimizer against its literal loop (tests/oracle_optimizers.py), side by side in one process.

Run: python bench/bench_optimizers.py   (add --quick for fewer repeats)

The article's setting: the 320 training points of ``linreg.make_data()``, 100,000
iterations, batches of 32 for the mini-batch optimizers. Each case alternates the engine
and the loop, so both see the same machine load, and prints their medians, the speed
ratio, the largest relative difference in the final weights and whether the engine
meets the target (at most 100 ms and at least 20 times faster than the loop).

Adam, RMSProp and AdaGrad run a loop compiled by Numba (linreg/_jit.py; their Python
loop, used where Numba is missing, is timed last). The compiled loop's one-time costs are printed first,
each measured in a fresh process: compiling it with an empty cache, and loading it from
the on-disk cache that the first compile leaves.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from oracle_optimizers import adagrad_loop, adam_loop, momentum_loop, rmsprop_loop, sgd_loop  # noqa: E402

from linreg import Problem, _adaptive, make_data  # noqa: E402
from linreg.optimizers import GD, SGD, AdaGrad, Adam, HeavyBall, Nesterov, RMSProp, optimal_momentum  # noqa: E402

N_ITERS = 100_000
BATCH = 32
ENGINE_PER_LOOP = 3
BUDGET_S, MIN_RATIO = 0.100, 20.0


def cases(X, y, problem):
    """(label, engine, loop) for each optimizer; the engine builds its Problem inside the timing."""
    lr_star, beta_star = optimal_momentum(problem.eigenvalues)
    lr_gd, lr_nag, lr_sgd = 5e-4, 0.5 * lr_star, 1e-4
    lrs = np.full(N_ITERS, 1.0)

    def engine(spec):
        return lambda: spec.run(Problem.from_data(X, y), N_ITERS)

    return [
        ("GD lr=5e-4", engine(GD(lr_gd)), lambda: momentum_loop(X, y, lrs=lr_gd * lrs, beta=0.0)),
        (
            f"heavy ball lr*={lr_star:.2e} beta*={beta_star:.3f}",
            engine(HeavyBall(lr_star, beta_star)),
            lambda: momentum_loop(X, y, lrs=lr_star * lrs, beta=beta_star),
        ),
        (
            f"Nesterov lr={lr_nag:.2e} beta={beta_star:.3f}",
            engine(Nesterov(lr_nag, beta_star)),
            lambda: momentum_loop(X, y, lrs=lr_nag * lrs, beta=beta_star, nesterov=True),
        ),
        (
            f"SGD lr=1e-4 batch {BATCH}",
            engine(SGD(lr_sgd, BATCH, seed=0)),
            lambda: sgd_loop(X, y, lrs=lr_sgd * lrs, batch_size=BATCH, seed=0),
        ),
        ("Adam lr=0.5 full batch", engine(Adam(0.5)), lambda: adam_loop(X, y, lrs=0.5 * lrs)),
        (
            f"Adam lr=0.5 batch {BATCH}",
            engine(Adam(0.5, batch_size=BATCH, seed=0)),
            lambda: adam_loop(X, y, lrs=0.5 * lrs, batch_size=BATCH, seed=0),
        ),
        ("RMSProp lr=0.01 full batch", engine(RMSProp(0.01)), lambda: rmsprop_loop(X, y, lrs=0.01 * lrs)),
        (
            f"RMSProp lr=0.01 batch {BATCH}",
            engine(RMSProp(0.01, batch_size=BATCH, seed=0)),
            lambda: rmsprop_loop(X, y, lrs=0.01 * lrs, batch_size=BATCH, seed=0),
        ),
        ("AdaGrad lr=1 full batch", engine(AdaGrad(1.0)), lambda: adagrad_loop(X, y, lrs=1.0 * lrs)),
        (
            f"AdaGrad lr=1 batch {BATCH}",
            engine(AdaGrad(1.0, batch_size=BATCH, seed=0)),
            lambda: adagrad_loop(X, y, lrs=1.0 * lrs, batch_size=BATCH, seed=0),
        ),
    ]


FIRST_CALL = (
    "import time, numpy; t = time.perf_counter(); from linreg import _adaptive; "
    "compiled = _adaptive.warm_up(); print(compiled, time.perf_counter() - t)"
)


def first_call_costs() -> None:
    """The compiled loop's first call in a new process: with an empty cache (a compile), then with the cache left."""
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache, "PYTHONPATH": str(ROOT)}
        for label in ("compile, empty cache", "load from the disk cache"):
            out = subprocess.run(
                [sys.executable, "-c", FIRST_CALL], env=env, capture_output=True, text=True, check=True
            )
            compiled, seconds = out.stdout.split()
            if compiled != "True":
                print("Numba is not installed: the adaptive optimizers run their loop in Python")
                return
            print(f"first call of the compiled loop in a new process ({label}): {float(seconds) * 1e3:,.0f} ms")


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def compare(label, engine, loop, repeats):
    engine()  # warm-up
    loop_times, fast_times = [], []
    for _ in range(repeats):
        t_loop, (thetas, _) = timed(loop)
        loop_times.append(t_loop)
        for _ in range(ENGINE_PER_LOOP):
            t_fast, fit = timed(engine)
            fast_times.append(t_fast)
    expected = thetas[fit.n_iter]
    diff = float(np.max(np.abs(fit.theta - expected)) / np.max(np.abs(expected)))
    loop_med, fast_med = statistics.median(loop_times), statistics.median(fast_times)
    ratio = loop_med / fast_med
    verdict = "meets" if fast_med <= BUDGET_S and ratio >= MIN_RATIO else "MISSES"
    print(
        f"{label:<44} loop {loop_med * 1e3:>8.0f} ms   engine {fast_med * 1e3:>7.1f} ms   ratio {ratio:>6.1f}x   "
        f"rel. weight diff {diff:.1e}   {verdict} (<= {BUDGET_S * 1e3:.0f} ms, >= {MIN_RATIO:.0f}x)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    args = parser.parse_args()
    repeats = 2 if args.quick else 5
    _, _, split = make_data()
    X, y = np.array(split.x_train), np.array(split.y_train)
    print(f"numpy {np.__version__}, m={len(y)}, {N_ITERS:,} iterations, medians over alternating runs")
    print(f"load average before: {os.getloadavg()[0]:.1f} (2 cores: above 1 means another job shares them)")
    first_call_costs()
    warnings.simplefilter("ignore")
    for label, engine, loop in cases(X, y, Problem.from_data(X, y)):
        compare(label, engine, loop, repeats)
    print(
        "The full-batch adaptive runs' weight difference is rounding at the minimum, amplified by their "
        "step m/sqrt(v) (see linreg.optimizers.Adam); the tests compare shorter runs to 1e-9."
    )
    if _adaptive.compiled_available():
        _adaptive.USE_COMPILED = False
        print("The adaptive optimizers with their Python loop (Numba not used), for comparison:")
        for label, engine, loop in cases(X, y, Problem.from_data(X, y))[4:]:
            compare(label + " (Python)", engine, loop, max(1, repeats // 2))
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
