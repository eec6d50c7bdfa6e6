"""Synthetic data and the train/test split, drawn exactly as the article draws them."""

from __future__ import annotations

import contextvars
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from linreg._validation import (
    MAX_MAGNITUDE,
    MIN_SPREAD,
    as_1d,
    as_2d,
    check_float,
    check_int,
    check_same_length,
    readonly,
)

MAX_SAMPLES = 10_000_000
"""The largest ``n`` make_synthetic draws."""

MAX_SEED = 2**32 - 1
"""The largest seed ``np.random.RandomState`` accepts."""

NOISE_SIGMAS = 10
"""How many noise standard deviations make_synthetic budgets for when it bounds ``y``.

A Gaussian draw beyond 10 sigma has probability 1.5e-23, so with
``|slope| * max(|x_min|, |x_max|) + |intercept| + NOISE_SIGMAS * noise <= MAX_MAGNITUDE``
every ``y`` stays within MAX_MAGNITUDE in practice (and a draw that does not is rejected).
"""


DEFAULT_SEED = 43
"""The article's seed: of the synthetic noise and, continuing its stream, of the split."""


@dataclass(frozen=True)
class Split:
    """A train/test split: read-only arrays plus the indices that chose them.

    ``X_train`` and ``X_test`` have shape (m, d), in the memory order of the X they were
    split from. ``x_train`` and ``x_test`` give the single feature as a vector when
    d == 1, as the article's ``x`` (else the matrices).
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    train_idx: np.ndarray
    test_idx: np.ndarray

    @property
    def x_train(self) -> np.ndarray:
        return _one_feature(self.X_train)

    @property
    def x_test(self) -> np.ndarray:
        return _one_feature(self.X_test)


def _one_feature(X: np.ndarray) -> np.ndarray:
    return X[:, 0] if X.shape[1] == 1 else X


def make_synthetic(
    *,
    n: int = 400,
    slope: float = 3.5,
    intercept: float = 10.0,
    noise: float = 25.0,
    seed: int = DEFAULT_SEED,
    x_min: float = 0.0,
    x_max: float = 100.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Return ``x`` evenly spaced on [x_min, x_max] and ``y = slope*x + intercept + N(0, noise)``.

    The noise comes from a local ``np.random.RandomState(seed)``, so the defaults
    reproduce the article's data bit for bit and the global generator is untouched.

    Parameters
    ----------
    n : int, default 400
        Number of points, at least 2.
    slope, intercept : float, default 3.5 and 10.0
        The true line, each within ±MAX_MAGNITUDE (1e150).
    noise : float, default 25.0
        Standard deviation of the Gaussian noise, in [0, MAX_MAGNITUDE].
    seed : int, default 43
        Seed of the local generator, in [0, 2**32 - 1].
    x_min, x_max : float, default 0.0 and 100.0
        Range of x, each within ±MAX_MAGNITUDE, with ``x_max - x_min >= MIN_SPREAD`` (1e-150).

    Together they must keep ``y`` representable:
    ``|slope| * max(|x_min|, |x_max|) + |intercept| + NOISE_SIGMAS * noise <= MAX_MAGNITUDE``.

    Returns
    -------
    x, y : ndarray of shape (n,)
        Read-only arrays.

    Examples
    --------
    >>> x, y = make_synthetic()
    >>> x.shape, round(float(y[0]), 6)
    ((400,), 16.434998)
    """
    n = check_int("n", n, low=2, high=MAX_SAMPLES)
    bounds = {"low": -MAX_MAGNITUDE, "high": MAX_MAGNITUDE}
    slope = check_float("slope", slope, **bounds)
    intercept = check_float("intercept", intercept, **bounds)
    noise = check_float("noise", noise, low=0.0, high=MAX_MAGNITUDE)
    seed = check_int("seed", seed, low=0, high=MAX_SEED)
    x_min = check_float("x_min", x_min, **bounds)
    x_max = check_float("x_max", x_max, **bounds)
    _check_x_range(x_min, x_max)
    _check_y_range(slope, intercept, noise, max(abs(x_min), abs(x_max)))
    rng = np.random.RandomState(seed)
    x = np.linspace(x_min, x_max, n)
    y = slope * x + intercept + rng.normal(0.0, noise, size=n)
    if not np.max(np.abs(y)) <= MAX_MAGNITUDE:
        raise ValueError(f"noise={noise!r} drew a value beyond {NOISE_SIGMAS} standard deviations; use another seed")
    return readonly(x), readonly(y)


def _check_x_range(x_min: float, x_max: float) -> None:
    if not x_min < x_max:
        raise ValueError(f"x_min must be < x_max, got x_min={x_min!r}, x_max={x_max!r}")
    if not x_max - x_min >= MIN_SPREAD:
        raise ValueError(f"x_max - x_min must be >= {MIN_SPREAD:g}, got {x_max - x_min!r}")


def _check_y_range(slope: float, intercept: float, noise: float, x_reach: float) -> None:
    """Each term is within 1e300 after the single checks, so the sum cannot overflow."""
    reach = abs(slope) * x_reach + abs(intercept) + NOISE_SIGMAS * noise
    if reach > MAX_MAGNITUDE:
        raise ValueError(
            f"|slope| * max(|x_min|, |x_max|) + |intercept| + {NOISE_SIGMAS} * noise must be <= {MAX_MAGNITUDE:g} "
            f"so that y stays representable, got {reach:.3g}"
        )


def train_test_split(x, y, *, train_ratio: float = 0.8, seed: int | np.random.RandomState = DEFAULT_SEED) -> Split:
    """Shuffle with a random permutation and cut it at ``int(len(x) * train_ratio)``.

    The article draws the noise and then the permutation from one stream. An int
    ``seed`` replays that stream: ``RandomState(seed)`` first draws the ``len(x)``
    noise values that :func:`make_synthetic` used, then the permutation. So the same
    seed in both functions gives the article's split. A ``RandomState`` is used as is.

    Parameters
    ----------
    x : array-like of shape (m,) or (m, d)
        Finite, within ±MAX_MAGNITUDE (1e150).
    y : array-like of shape (m,)
        Finite, within ±MAX_MAGNITUDE.
    train_ratio : float, default 0.8
        Fraction of samples for training, in (0, 1); both parts must be non-empty.
    seed : int or numpy.random.RandomState, default 43

    Returns
    -------
    Split

    Examples
    --------
    >>> x, y = make_synthetic()
    >>> s = train_test_split(x, y)
    >>> len(s.x_train), len(s.x_test), int(s.train_idx[0])
    (320, 80, 374)
    """
    x = as_2d("x", x) if np.ndim(x) == 2 else as_1d("x", x)[:, None]
    y = as_1d("y", y)
    check_same_length(x, y, ("x", "y"))
    return _split_valid(x, y, train_ratio=train_ratio, seed=seed)


def _split_valid(x: np.ndarray, y: np.ndarray, *, train_ratio: float, seed) -> Split:
    """:func:`train_test_split` of arrays already checked, as a :class:`~linreg.Dataset`'s are: (m, d) and (m,)."""
    train_ratio = check_float("train_ratio", train_ratio, low=0.0, high=1.0, low_open=True, high_open=True)
    n = x.shape[0]
    train_size = int(n * train_ratio)
    if train_size < 1 or train_size >= n:
        part = "train" if train_size < 1 else "test"
        raise ValueError(
            f"the {part} split must not be empty: n={n} with train_ratio={train_ratio!r} "
            f"gives {train_size} train and {n - train_size} test samples"
        )
    idx = _permutation(n, seed)
    train_idx, test_idx = idx[:train_size], idx[train_size:]
    X_train, y_train, X_test, y_test = _gather(x, y, train_idx, test_idx)
    return Split(
        X_train=readonly(X_train),
        y_train=readonly(y_train),
        X_test=readonly(X_test),
        y_test=readonly(y_test),
        train_idx=readonly(train_idx),
        test_idx=readonly(test_idx),
    )


THREADED_ROWS = 1 << 17
"""From how many rows the passes over a table run on two threads: the split's gather (``np.take``
releases the GIL) and a Problem's passes.

Below it the threads' start costs about as much as they save. The two threads take pieces
of GATHER_ROWS rows of a column from one queue, so that one slowed down by another process
leaves more of them to the other; a gather only copies values, so the arrays are the same.
"""

GATHER_ROWS = 1 << 16
"""How many rows of one column a thread gathers at a time on the threaded path."""


def _gather(x: np.ndarray, y: np.ndarray, train_idx: np.ndarray, test_idx: np.ndarray) -> tuple[np.ndarray, ...]:
    """``x[train_idx], y[train_idx], x[test_idx], y[test_idx]``, in the memory order that :func:`_rows` gives."""
    if x.shape[0] < THREADED_ROWS or not _by_column(x):
        return (
            _rows(x, train_idx),
            np.take(y, train_idx, mode="clip"),
            _rows(x, test_idx),
            np.take(y, test_idx, mode="clip"),
        )
    parts = [(np.empty((len(idx), x.shape[1]), order="F"), np.empty(len(idx)), idx) for idx in (train_idx, test_idx)]
    jobs = [(x[:, j], idx, out[:, j]) for out, _, idx in parts for j in range(x.shape[1])]
    jobs += [(y, idx, out_y) for _, out_y, idx in parts]
    pieces = deque(
        (source, idx[r : r + GATHER_ROWS], out[r : r + GATHER_ROWS])
        for source, idx, out in jobs
        for r in range(0, len(idx), GATHER_ROWS)
    )
    _on_two_threads(lambda: _drain(pieces, lambda source, idx, out: np.take(source, idx, out=out, mode="clip")))
    (X_train, y_train, _), (X_test, y_test, _) = parts
    return X_train, y_train, X_test, y_test


def _drain(queue: deque, work: Callable[..., None]) -> None:
    """``work(*item)`` for each item taken from ``queue`` until none is left (``popleft`` is thread-safe), so
    that the two workers of :func:`_on_two_threads` share one queue."""
    while True:
        try:
            item = queue.popleft()
        except IndexError:
            return
        work(*item)


_SECOND_THREAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="linreg")
"""The second thread of :func:`_on_two_threads`, one for the process, started at its first use."""


def _on_two_threads(worker: Callable[[], None]) -> None:
    """Run ``worker()`` on this thread and on a second one at once, and return when both are done.

    The workers share their work through a queue. The second thread is kept from one call
    to the next: the first BLAS call on a new thread sets up its buffers, which cost more
    than the thread saved on a table of a few hundred thousand rows (Problem.from_data of
    131,072 x 1 took 12 ms instead of 1 ms on a new thread per pass). When that thread is
    still busy with another caller's work once this one has done all of its own, its turn
    is cancelled instead of waited for. It runs in a copy of this thread's context, so
    that an ``np.errstate`` of the caller holds there too (a new thread would start with
    NumPy's defaults). An exception in either worker is raised here.
    """
    other = _SECOND_THREAD.submit(contextvars.copy_context().run, worker)
    try:
        worker()
    finally:
        if not other.cancel():
            other.result()


def _by_column(x: np.ndarray) -> bool:
    """Whether :func:`_rows` gathers ``x`` column by column (a column-ordered table of several columns)."""
    return x.shape[1] > 1 and _order(x) == "F"


def _order(x: np.ndarray) -> str:
    """``x``'s memory order: "F" for a column-ordered array (and not also row-ordered), "C" otherwise."""
    return "F" if x.flags.f_contiguous and not x.flags.c_contiguous else "C"


def _rows(x: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """``x[idx]`` in the memory order of ``x``: a column-ordered table stays column-ordered, for the passes
    over its columns that follow; gathered column by column, each column staying in the CPU's cache.

    ``idx`` is part of a permutation, always in range: ``mode="clip"`` changes nothing but
    skips the per-index bounds check that makes the default mode half as fast again.
    """
    if not _by_column(x):
        return np.take(x, idx, axis=0, mode="clip")
    out = np.empty((idx.shape[0], x.shape[1]), order="F")
    for j in range(x.shape[1]):
        np.take(x[:, j], idx, out=out[:, j], mode="clip")
    return out


def _permutation(n: int, seed) -> np.ndarray:
    if isinstance(seed, np.random.RandomState):
        return seed.permutation(n)
    rng = np.random.RandomState(check_int("seed", seed, low=0, high=MAX_SEED))
    _skip_normals(rng, n)  # the noise draws that make_synthetic made first
    return rng.permutation(n)


SKIP_ROWS = 1 << 14
"""From how many draws :func:`_skip_normals` counts the generator's uniforms instead of drawing the normals."""

SKIP_PAIRS = 1 << 15
"""How many pairs of uniforms :func:`_skip_normals` draws at most at a time: 512 kB, which stay in the cache."""

_TIE = 8 * np.finfo(np.float64).eps
"""How close to 1 a polar pair's ``x*x + y*y`` must be for :func:`_skip_normals` to leave it to the generator."""


def _skip_normals(rng: np.random.RandomState, n: int) -> None:
    """Advance ``rng`` exactly as ``rng.standard_normal(size=n)`` does, for the draws that follow, in half the time.

    ``RandomState`` draws its normals in pairs by the polar method: two doubles ``u``, ``v``
    from the stream, ``x = 2u - 1``, ``y = 2v - 1``, until ``0 < x*x + y*y < 1``. So
    ``n`` normals use the stream's doubles up to the ``ceil(n/2)``-th accepted pair.
    ``random_sample`` draws the same doubles from the same stream; drawing as many pairs
    as are still needed, and never more, stops the stream where the normals leave it,
    without their logarithms and square roots. Only the cached second normal of an odd
    ``n``, which a permutation never uses, is not set. A pair within rounding of the
    unit circle, where a compiler's fused multiply-add could decide otherwise, sends the
    draws back to the generator (about twice in a billion calls of a million normals).
    """
    if n < SKIP_ROWS:
        rng.standard_normal(size=n)
        return
    start = rng.get_state()
    need = (n + 1) // 2
    while need:
        u = rng.random_sample(2 * min(need, SKIP_PAIRS))
        np.multiply(u, 2.0, out=u)
        np.subtract(u, 1.0, out=u)
        np.multiply(u, u, out=u)
        r2 = np.add(u[0::2], u[1::2])
        if np.any(np.abs(r2 - 1.0) <= _TIE):
            rng.set_state(start)
            rng.standard_normal(size=n)
            return
        need -= int(np.count_nonzero((r2 < 1.0) & (r2 != 0.0)))
