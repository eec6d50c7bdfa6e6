"""A user's 1,000,000-row CSV through the project, against pandas + scikit-learn, side by side.

Run: python bench/bench_table.py [--rows 1000000] [--repeats 3] [--dir /tmp]

Writes once (and reuses) a numeric CSV of ``--rows`` rows: 9 features and
``y = X @ w + 3 + noise``, seed fixed; at 1,000,000 rows it is about 190 MB. Then
alternates, ``--repeats`` times each, three paths, each in a fresh Python process so
that none shares another's memory:

- project: the file's bytes (what ``st.file_uploader`` gives), ``read_table`` and
  ``select("y")``, ``diagnose(X, standardize=True)`` for the suggested rate, ``ols``,
  ``gradient_descent(..., n_iters=1000, standardize=True)``, then the loss chart, the
  one chart ``dashboard.figures`` draws from these results alone;
- app: the same reading, then what the playground does with it: a ``Dataset``,
  ``linreg.run(dataset, TrainSpec(lr=None, n_iters=1000, standardize=True))`` (an 80%
  train split, one shared Problem for the suggested rate and GD, OLS, scores), and
  every chart the playground draws from the result;
- peer: ``pandas.read_csv(path)`` and scikit-learn's ``LinearRegression().fit``.

Times exclude the imports, which each process does first; wall-clock medians are
printed with the CPU time of all threads, which other load on the machine sways less.
Peak RSS is the process's VmHWM, imports included. Then pandas' two CSV engines read
the same bytes, alternately and each in a fresh process: the measurement behind
read_table's choice of the C engine.

Goals: the project within 1.2x the peer's time, peak RSS within 1 GB, every chart
payload (its JSON, as ``plotly.io.to_json`` writes it) within 2 MB.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

N_FEATURES = 9
SEED = 7
N_ITERS = 1_000
TIME_RATIO_GOAL = 1.2
RSS_GOAL_MB = 1_000
PAYLOAD_GOAL_MB = 2.0


def write_csv(path: Path, n_rows: int) -> None:
    """y = X @ w + 3 + noise, with features of different scales, written at full precision."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    rng = np.random.default_rng(SEED)
    X = rng.normal(size=(n_rows, N_FEATURES)) * rng.uniform(0.5, 50, N_FEATURES) + rng.uniform(-100, 100, N_FEATURES)
    y = X @ rng.uniform(-5, 5, N_FEATURES) + 3.0 + rng.normal(scale=10.0, size=n_rows)
    columns = {f"x{j + 1}": X[:, j] for j in range(N_FEATURES)} | {"y": y}
    pacsv.write_csv(pa.table(columns), path, pacsv.WriteOptions(quoting_style="needed"))


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_project(path: Path) -> dict:
    """The project's path through the core's three calls, timed stage by stage."""
    import pandas  # noqa: F401  (read_table imports it; import time is not what this measures)

    from linreg import diagnose, gradient_descent, mse, ols, predict

    notes: list[str] = []
    charts = import_charts(notes)
    stages: dict[str, float] = {}
    start, cpu_start = time.perf_counter(), time.process_time()
    selection = read_and_select(path, stages)
    X, y = selection.X, selection.y
    lr = _stage(stages, "diagnose", diagnose, X, standardize=True).suggested_lr
    fit_ols = _stage(stages, "ols", ols, X, y)
    fit = _stage(stages, "gradient_descent", gradient_descent, X, y, lr=lr, n_iters=N_ITERS, standardize=True)
    builders = {}
    if charts:
        ols_mse = mse(y, predict(X, fit_ols.weights, fit_ols.bias))
        builders["loss_figure"] = lambda: charts[0].loss_figure(fit, ols_mse)
        notes.append("project path: the other charts take an Experiment; the app path draws them")
    payloads = _stage(stages, "charts", payload_sizes, builders, notes)
    return _result(start, cpu_start, stages, payloads, notes, lr=lr, weights=fit_ols.weights)


def run_app(path: Path) -> dict:
    """The app's path: the selection as a Dataset, ``linreg.run`` (one shared Problem), the app's charts."""
    import pandas  # noqa: F401

    from linreg import Dataset, TrainSpec, run

    notes: list[str] = []
    charts = import_charts(notes)
    stages: dict[str, float] = {}
    start, cpu_start = time.perf_counter(), time.process_time()
    selection = read_and_select(path, stages)
    dataset = Dataset(selection.X, selection.y, feature_names=selection.feature_names, target_name="y")
    spec = TrainSpec(lr=None, n_iters=N_ITERS, standardize=True)
    exp = _stage(stages, "run (80% train)", run, dataset, spec)
    builders = {}
    if charts:
        figures, multi = charts
        builders = {
            "loss_figure": lambda: figures.loss_figure(exp.fit, exp.ols_train.mse),
            "predicted_vs_actual": lambda: multi.predicted_vs_actual(exp),
            "residuals_figure": lambda: multi.residuals_figure(exp),
            "coefficients_figure": lambda: multi.coefficients_figure(exp),
            "partial_figure": lambda: multi.partial_figure(exp, exp.feature_names[0]),
            "coefficient_replay": lambda: multi.coefficient_replay(exp),
        }
    payloads = _stage(stages, "charts", payload_sizes, builders, notes)
    notes.append("app path: its weights come from the 80% train split, scikit-learn's from every row")
    return _result(start, cpu_start, stages, payloads, notes, lr=exp.fit.lr, weights=exp.ols.weights)


def read_and_select(path: Path, stages: dict[str, float]):
    """The file's bytes, as st.file_uploader gives them, read and selected: y on every other column."""
    from linreg.tables import read_table

    data = _stage(stages, "read bytes", path.read_bytes)
    table = _stage(stages, "read_table", read_table, data, path.name)
    del data
    return _stage(stages, "select", table.select, "y")


def import_charts(notes: list[str]):
    """(dashboard.figures, dashboard.figures_multi), or None with a note: they are other engineers' modules."""
    try:
        import plotly.io  # noqa: F401

        from dashboard import figures, figures_multi
    except Exception as exc:
        notes.append(f"charts skipped: dashboard's figure modules do not import ({type(exc).__name__}: {exc})")
        return None
    return figures, figures_multi


def payload_sizes(builders: dict, notes: list[str]) -> dict[str, int]:
    """Build each chart and measure its JSON, as Streamlit sends it, skipping those that fail."""
    import plotly.io as pio

    payloads = {}
    for label, build in builders.items():
        try:
            payloads[label] = len(pio.to_json(build()))
        except Exception as exc:
            notes.append(f"{label} skipped: {type(exc).__name__}: {exc}")
    return payloads


def _result(start: float, cpu_start: float, stages, payloads, notes, *, lr, weights) -> dict:
    return {
        "seconds": time.perf_counter() - start,
        "cpu_seconds": time.process_time() - cpu_start,
        "stages": stages,
        "payloads": payloads,
        "notes": notes,
        "lr": float(lr),
        "weights": [float(w) for w in weights],
        "peak_rss_mb": peak_rss_mb(),
    }


def run_peer(path: Path) -> dict:
    """pandas' read_csv from the path, then scikit-learn's LinearRegression."""
    import pandas as pd
    from sklearn.linear_model import LinearRegression

    stages = {}
    start, cpu_start = time.perf_counter(), time.process_time()
    frame = _stage(stages, "read_csv", pd.read_csv, path)
    X, y = frame.drop(columns="y").to_numpy(), frame["y"].to_numpy()
    model = _stage(stages, "LinearRegression.fit", LinearRegression().fit, X, y)
    return {
        "seconds": time.perf_counter() - start,
        "cpu_seconds": time.process_time() - cpu_start,
        "stages": stages,
        "weights": [float(w) for w in model.coef_],
        "peak_rss_mb": peak_rss_mb(),
    }


def _stage(stages: dict, label: str, fn, *args, **kwargs):
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    stages[label] = time.perf_counter() - start
    return out


def in_child(which: str, path: Path) -> dict:
    """Run one path in a fresh interpreter and return what it measured."""
    cmd = [sys.executable, __file__, "--child", which, "--csv", str(path)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=ROOT)
    if out.returncode != 0:
        raise SystemExit(f"{which} run failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_engine(engine: str, path: Path) -> dict:
    """pandas.read_csv on the file's bytes with one engine, and a digest of the frame it gives."""
    import hashlib

    import pandas as pd

    data = path.read_bytes()
    start, cpu_start = time.perf_counter(), time.process_time()
    frame = pd.read_csv(io.BytesIO(data), engine=engine)
    seconds, cpu_seconds, peak = time.perf_counter() - start, time.process_time() - cpu_start, peak_rss_mb()
    digest = hashlib.sha256(str(list(frame.dtypes)).encode() + frame.to_numpy().tobytes()).hexdigest()
    return {"seconds": seconds, "cpu_seconds": cpu_seconds, "peak_rss_mb": peak, "digest": digest}


def compare_engines(path: Path, repeats: int) -> None:
    """pandas' C and pyarrow CSV engines on the same bytes, alternating, each run in a fresh process."""
    runs: dict[str, list[dict]] = {"c": [], "pyarrow": []}
    for _ in range(repeats):
        for engine, results in runs.items():
            results.append(in_child(engine, path))
    print(f"\nCSV engines, pandas.read_csv on the file's bytes ({repeats} alternating runs each, fresh processes):")
    for engine, results in runs.items():
        print(
            f"  {engine:<8} wall {statistics.median(r['seconds'] for r in results):.2f} s, "
            f"CPU {statistics.median(r['cpu_seconds'] for r in results):.2f} s, "
            f"peak RSS {max(r['peak_rss_mb'] for r in results):.0f} MB"
        )
    digests = {r["digest"] for results in runs.values() for r in results}
    print(f"  identical frames: {len(digests) == 1}")


def report(label: str, ours: list[dict], peer: list[dict]) -> None:
    """One of the project's paths against the peer: stage medians, ratios, memory, payloads and the goals."""
    print(f"\n== {label} against the peer ==")
    for name, results in ((label, ours), ("peer", peer)):
        for stage in results[0]["stages"]:
            print(f"  {name:<8}{stage:<22}{statistics.median(r['stages'][stage] for r in results):>8.2f} s")
    wall, wall_peer = (statistics.median(r["seconds"] for r in rs) for rs in (ours, peer))
    cpu, cpu_peer = (statistics.median(r["cpu_seconds"] for r in rs) for rs in (ours, peer))
    best = min(r["seconds"] for r in ours) / min(r["seconds"] for r in peer)
    reading = statistics.median(sum(r["stages"][k] for k in ("read bytes", "read_table", "select")) for r in ours)
    read_csv = statistics.median(r["stages"]["read_csv"] for r in peer)
    rss, rss_peer = (max(r["peak_rss_mb"] for r in rs) for rs in (ours, peer))
    print(
        f"  total (median of {len(ours)}): {label} {wall:.2f} s, peer {wall_peer:.2f} s, ratio {wall / wall_peer:.2f}"
    )
    print(f"    all runs: {label} {_runs(ours)}; peer {_runs(peer)}")
    print(f"  best run against best run (the least disturbed by other load): ratio {best:.2f}")
    print(
        f"  CPU time, all threads (less swayed by other load): {cpu:.2f} s vs {cpu_peer:.2f} s, "
        f"ratio {cpu / cpu_peer:.2f}"
    )
    print(
        f"  reading alone: bytes + read_table + select {reading:.2f} s vs read_csv {read_csv:.2f} s, "
        f"ratio {reading / read_csv:.2f}"
    )
    print(f"  peak RSS: {label} {rss:.0f} MB, peer {rss_peer:.0f} MB (largest over the runs)")
    payloads = ours[-1]["payloads"]
    for chart, size in payloads.items():
        print(f"  chart payload {chart}: {size / 1e6:.3f} MB")
    for note in ours[-1]["notes"]:
        print(f"  note: {note}")
    gap = np.max(np.abs(np.array(ours[-1]["weights"]) - peer[-1]["weights"]))
    print(f"  largest weight difference from scikit-learn's: {gap:.1e} (learning rate {ours[-1]['lr']:g})")
    largest = max(payloads.values(), default=0) / 1e6
    print("  goals:")
    ratio = wall / wall_peer
    print(f"    time <= {TIME_RATIO_GOAL}x the peer's: {ratio:.2f}x  {_verdict(ratio <= TIME_RATIO_GOAL)}")
    print(f"    peak RSS <= {RSS_GOAL_MB} MB: {rss:.0f} MB  {_verdict(rss <= RSS_GOAL_MB)}")
    print(
        f"    every chart payload <= {PAYLOAD_GOAL_MB} MB: largest {largest:.3f} MB  "
        f"{_verdict(largest <= PAYLOAD_GOAL_MB, bool(payloads))}"
    )


def _runs(results: list[dict]) -> str:
    return ", ".join(f"{r['seconds']:.2f} s" for r in results)


def _verdict(ok: bool, measured: bool = True) -> str:
    return "not measured" if not measured else ("met" if ok else "MISSED")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()))
    parser.add_argument("--child", choices=(*PATHS, "c", "pyarrow"), help=argparse.SUPPRESS)
    parser.add_argument("--csv", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(PATHS[args.child](args.csv) if args.child in PATHS else run_engine(args.child, args.csv)))
        return
    path = args.dir / f"linreg_bench_table_{args.rows}_rows_seed{SEED}.csv"
    if not path.exists():
        print(f"writing {path} ...", flush=True)
        write_csv(path, args.rows)
    print(f"{path.name}: {path.stat().st_size / 1e6:.1f} MB, {args.rows:,} rows x {N_FEATURES + 1} columns")
    runs: dict[str, list[dict]] = {name: [] for name in PATHS}
    for i in range(args.repeats):
        for name, results in runs.items():
            results.append(in_child(name, path))
        print(f"run {i + 1}: " + ", ".join(f"{n} {r[-1]['seconds']:.2f} s" for n, r in runs.items()), flush=True)
    for name in ("project", "app"):
        report(name, runs[name], runs["peer"])
    compare_engines(path, args.repeats)


PATHS = {"project": run_project, "app": run_app, "peer": run_peer}


if __name__ == "__main__":
    main()
