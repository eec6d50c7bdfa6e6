"""Closed-form gradient descent against the article's literal loop, side by side in one process.

Run: python bench/bench_gd.py   (add --quick for fewer repeats)

Each case alternates the two implementations, so both see the same machine load, and
prints their medians, the speed ratio and the largest relative weight difference.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from linreg import gradient_descent, make_synthetic, train_test_split  # noqa: E402

LR = 5e-4
FAST_PER_LOOP = 5  # the closed form is cheap, so it gets more samples per loop run


def article_loop(x: np.ndarray, y: np.ndarray, lr: float, n_iters: int) -> tuple[float, float, np.ndarray]:
    """The article's loop, recording the training MSE before each update."""
    w_1, w_2 = 0.0, 0.0
    losses = np.empty(n_iters)
    for i in range(n_iters):
        error = w_1 * x + w_2 - y
        losses[i] = np.mean(error**2)
        w_1 = w_1 - lr * np.mean(error * x)
        w_2 = w_2 - lr * np.mean(error)
    return w_1, w_2, losses


def closed_form(x: np.ndarray, y: np.ndarray, lr: float, n_iters: int) -> tuple[float, float, np.ndarray]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = gradient_descent(x, y, lr=lr, n_iters=n_iters)
    return float(fit.weights[0]), fit.bias, fit.loss_history


def timed(fn, *args) -> tuple[float, tuple]:
    start = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - start, out


def compare(label: str, x: np.ndarray, y: np.ndarray, n_iters: int, repeats: int) -> None:
    closed_form(x, y, LR, n_iters)  # warm-up: first-touch page faults of the history arrays
    loop_times, fast_times = [], []
    for _ in range(repeats):
        t_loop, loop_out = timed(article_loop, x, y, LR, n_iters)
        loop_times.append(t_loop)
        for _ in range(FAST_PER_LOOP):
            t_fast, fast_out = timed(closed_form, x, y, LR, n_iters)
            fast_times.append(t_fast)
    w_loop, w_fast = np.array(loop_out[:2]), np.array(fast_out[:2])
    weight_diff = float(np.max(np.abs(w_fast - w_loop)) / np.max(np.abs(w_loop)))
    loss_diff = float(np.max(np.abs(fast_out[2] - loop_out[2]) / loop_out[2]))
    loop_med, fast_med = statistics.median(loop_times), statistics.median(fast_times)
    print(
        f"{label:<44} loop {loop_med * 1e3:>10.1f} ms   closed form {fast_med * 1e3:>8.2f} ms   "
        f"ratio {loop_med / fast_med:>7.0f}x   max rel. weight diff {weight_diff:.1e}   "
        f"max rel. loss diff {loss_diff:.1e}   ({len(loop_times)} loop runs, {len(fast_times)} closed-form runs)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats and a smaller large-m case")
    args = parser.parse_args()
    repeats = 3 if args.quick else 7
    split = train_test_split(*make_synthetic())
    x, y = np.array(split.x_train), np.array(split.y_train)
    print(f"numpy {np.__version__}, lr={LR:g}, medians over alternating runs")
    compare("article: m=320, 100,000 iterations", x, y, 100_000, repeats)
    compare("m=320, 1,000,000 iterations", x, y, 1_000_000, max(1, repeats // 3))
    big_iters = 200 if args.quick else 1_000
    big_x, big_y = make_synthetic(n=1_000_000)
    compare(f"m=1,000,000, {big_iters:,} iterations", np.array(big_x), np.array(big_y), big_iters, max(1, repeats // 3))


if __name__ == "__main__":
    main()
