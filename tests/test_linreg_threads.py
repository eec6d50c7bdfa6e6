"""The passes over a large table on two threads: the same numbers as on one, every time.

From THREADED_ROWS rows a Problem's passes share their blocks of rows between two
threads and add the blocks' results up in block order, so the threaded numbers must be
the single thread's bit for bit, whichever thread computed which block. Below the
threshold nothing runs on a second thread and the numbers are those of the plain
block loops, with ``@``, that the passes were before they were threaded.
"""

import importlib
import threading
import time

import numpy as np
import pytest

from linreg import Problem

problem_module = importlib.import_module("linreg.problem")


def table(seed=0, m=200_000, d=7, order="F"):
    """Features of different scales and offsets, y linear in them plus noise."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, d)) * rng.uniform(0.5, 50, d) + rng.uniform(-100, 100, d)
    y = X @ rng.uniform(-5, 5, d) + 3.0 + rng.normal(scale=10.0, size=m)
    return np.asarray(X, order=order), y


NUMBERS = ("A", "b", "eigenvalues", "eigenvectors", "theta_star", "refinement", "scaling.mean", "scaling.scale")


def numbers(p: Problem) -> dict[str, bytes]:
    out = {name: getattr(p, name) for name in NUMBERS if "." not in name}
    out |= {"scaling.mean": p.scaling.mean, "scaling.scale": p.scaling.scale}
    return {name: np.asarray(value).tobytes() for name, value in out.items()} | {"loss_star": repr(p.loss_star)}


def single_threaded(monkeypatch):
    monkeypatch.setattr(problem_module, "THREADED_ROWS", 1 << 62)


@pytest.mark.parametrize("order", ["F", "C"])
@pytest.mark.parametrize(("standardize", "fit_intercept"), [(True, True), (True, False), (False, True), (False, False)])
def test_the_threaded_problem_is_the_single_threads_bit_for_bit(monkeypatch, order, standardize, fit_intercept):
    X, y = table(order=order)
    assert len(X) >= problem_module.THREADED_ROWS and len(problem_module._blocks(X)) > 2
    threaded = [numbers(Problem.from_data(X, y, standardize=standardize, fit_intercept=fit_intercept)) for _ in "ab"]
    single_threaded(monkeypatch)
    single = numbers(Problem.from_data(X, y, standardize=standardize, fit_intercept=fit_intercept))
    assert threaded[0] == threaded[1] == single


def threads_of_a_problem(monkeypatch, X, y) -> tuple[int, set[int]]:
    """The caller's thread and every thread that computed a block of ``Problem.from_data(X, y)``.

    The calling thread dawdles over its blocks, so that a second one, however late it starts, takes some.
    """
    caller, seen = threading.get_ident(), set()
    work = problem_module._each_block

    def spy(X, job):
        def watched(r, buffer):
            seen.add(threading.get_ident())
            if threading.get_ident() == caller:
                time.sleep(0.01)
            return job(r, buffer)

        return work(X, watched)

    monkeypatch.setattr(problem_module, "_each_block", spy)
    Problem.from_data(X, y, standardize=True)
    return caller, seen


def test_the_threaded_path_runs_on_two_threads(monkeypatch):
    """The blocks are shared out: the tests above would pass vacuously if one thread took them all."""
    caller, seen = threads_of_a_problem(monkeypatch, *table(m=400_000, d=3))
    assert caller in seen and len(seen) == 2


@pytest.mark.parametrize(("m", "d"), [(400_000, problem_module.THREADED_COLUMNS + 1), (200_000, 1)])
def test_wide_tables_and_single_blocks_stay_on_one_thread(monkeypatch, m, d):
    """Past THREADED_COLUMNS, BLAS spreads each product itself; a single block leaves nothing to share."""
    X, y = table(m=m, d=d)
    assert m >= problem_module.THREADED_ROWS and (
        d > problem_module.THREADED_COLUMNS or len(problem_module._blocks(X)) == 1
    )
    caller, seen = threads_of_a_problem(monkeypatch, X, y)
    assert seen == {caller}


def test_the_threaded_problem_agrees_with_the_whole_array_formulas():
    """Rounding-level agreement with Z built whole: the blocks and threads lose nothing."""
    X, y = table(seed=1)
    p = Problem.from_data(X, y, standardize=True)
    mean = X.mean(axis=0)
    scale = np.sqrt(((X - mean) ** 2).mean(axis=0))
    Za = np.column_stack([(X - mean) / scale, np.ones(len(y))])
    assert p.scaling.mean == pytest.approx(mean, rel=1e-13, abs=1e-13)
    assert p.scaling.scale == pytest.approx(scale, rel=1e-13)
    np.testing.assert_allclose(p.A, Za.T @ Za / len(y), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(p.b, Za.T @ y / len(y), rtol=1e-12, atol=1e-12)
    theta = np.linalg.lstsq(Za, y, rcond=None)[0]
    np.testing.assert_allclose(p.theta_star + p.refinement, theta, rtol=1e-10)
    residual = y - Za @ theta
    assert p.loss_star == pytest.approx(residual @ residual / len(y), rel=1e-10)


def test_the_errstate_of_the_caller_holds_on_the_second_thread():
    """Products that overflow end in the ValueError that names them, not in a RuntimeWarning of the second thread."""
    X, y = table(m=300_000, d=2)
    X *= 1e160  # beyond what a Dataset admits, to overflow Z'Z in every block
    identity = problem_module.Scaling.fit(X, standardize=False)
    with pytest.raises(ValueError, match="too large for float64"):
        problem_module._moments(X, y, identity, True)


def blocked_before_threads(X, y, scaling, fit_intercept):
    """The moments and the residual pass as written before the threads: ``@`` on slices of one buffer."""
    m, d = X.shape
    order = "F" if X.flags.f_contiguous and not X.flags.c_contiguous else "C"
    rows = problem_module._block_rows(X)
    buffer = np.empty((min(rows, m), d), order=order)

    def standardized(r):
        block = X[r : r + rows]
        if scaling.is_identity:
            return block
        out = np.subtract(block, scaling.mean, out=buffer[: block.shape[0]])
        return np.divide(out, scaling.scale, out=out)

    p = d + int(fit_intercept)
    A, b = np.zeros((p, p)), np.zeros(p)
    for r in range(0, m, rows):
        Z, part = standardized(r), y[r : r + rows]
        A[:d, :d] += Z.T @ Z
        b[:d] += Z.T @ part
        if fit_intercept:
            A[d, :d] += Z.sum(axis=0)
            b[d] += part.sum()
    if fit_intercept:
        A[:d, d] = A[d, :d]
        A[d, d] = m
    theta = np.arange(1.0, p + 1)
    squares, g = 0.0, np.zeros(p)
    for r in range(0, m, rows):
        Z = standardized(r)
        residual = Z @ theta[:d]
        np.subtract(y[r : r + rows], residual, out=residual)
        if fit_intercept:
            residual -= theta[d]
            g[d] += residual.sum()
        squares += float(np.sum(residual * residual))
        g[:d] += Z.T @ residual
    return A / m, b / m, squares, g, theta


@pytest.mark.parametrize("order", ["F", "C"])
@pytest.mark.parametrize("d", [1, 3, 9, 40])
@pytest.mark.parametrize(("standardize", "fit_intercept"), [(True, True), (True, False), (False, True), (False, False)])
def test_below_the_threshold_the_passes_are_the_plain_block_loops_bit_for_bit(
    monkeypatch, order, d, standardize, fit_intercept
):
    """Short last blocks and strided views included: ``np.dot`` on the contiguous copies gives the bits of ``@``."""
    monkeypatch.setattr(problem_module, "BLOCK_BYTES", 1 << 17)  # blocks of 4096 rows or more, a short one last
    X, y = table(seed=d, m=30_001, d=d, order=order)
    assert len(X) < problem_module.THREADED_ROWS and len(problem_module._blocks(X)) > 1
    scaling = problem_module.Scaling.fit(X, standardize=standardize, center=fit_intercept)
    A, b, squares, g, theta = blocked_before_threads(X, y, scaling, fit_intercept)
    got_A, got_b = problem_module._moments(X, y, scaling, fit_intercept)
    assert got_A.tobytes() == A.tobytes() and got_b.tobytes() == b.tobytes()
    # _minimum at a given theta: eigenvalues and eigenvectors that make A^+ b equal to it
    p = len(theta)
    _, loss, refinement = problem_module._minimum(X, y, scaling, np.ones(p), np.eye(p), theta, fit_intercept)
    assert repr(loss) == repr(squares / len(X)) and refinement.tobytes() == (g / len(X)).tobytes()


@pytest.mark.parametrize("failing", ["first", "last"])
def test_an_error_in_a_block_is_raised_by_the_pass_whichever_thread_met_it(failing):
    X, _ = table(m=300_000, d=2)
    starts = problem_module._blocks(X)
    bad = starts[0] if failing == "first" else starts[-1]

    def work(r, buffer):
        if r == bad:
            raise ValueError(f"block {r}")
        return r

    with pytest.raises(ValueError, match=f"block {bad}"):
        problem_module._each_block(X, work)
    assert problem_module._each_block(X, lambda r, buffer: r) == list(starts)


def test_a_pass_does_not_wait_for_the_second_thread_busy_with_another_callers_work():
    """Another caller (another session of the app) holds the second thread: this one does all of its blocks."""
    data_module = importlib.import_module("linreg.data")
    X, y = table(m=300_000, d=3)
    expected = numbers(Problem.from_data(X, y, standardize=True))
    release = threading.Event()
    busy = data_module._SECOND_THREAD.submit(release.wait, 10.0)
    try:
        start = time.perf_counter()
        got = numbers(Problem.from_data(X, y, standardize=True))
        elapsed = time.perf_counter() - start
    finally:
        release.set()
        busy.result()
    assert got == expected and elapsed < 5.0
