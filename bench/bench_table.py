"""A user's 1,000,000-row CSV through the app's path, against pandas + scikit-learn, side by side.

Run: python bench/bench_table.py [--rows 1000000] [--repeats 5] [--dir /tmp]

Writes once (and reuses) a numeric CSV of ``--rows`` rows: 9 features and
``y = X @ w + 3 + noise``, seed fixed; at 1,000,000 rows it is about 190 MB. Then
alternates, ``--repeats`` times each, three paths, each in a fresh Python process so
that none shares another's memory:

- project: what the playground does with an uploaded file. The file's bytes, mapped
  into memory (see below), ``read_table``, ``select("y")`` (y on every other
  column), a ``Dataset``, ``linreg.run(dataset, TrainSpec(lr=None, n_iters=1000,
  standardize=True))``: the 80% train split, one shared Problem (the Hessian, its
  eigenbasis, the suggested rate, GD, the diagnostics and OLS), the four scores; then
  every chart the playground draws from the result (``dashboard.figures`` and
  ``dashboard.figures_multi``; the page builds the open tab's only, all six are timed
  here, as the tabs will be opened, and the goal is judged on them), each serialized
  as ``plotly.io.to_json`` does for the browser, each timed apart too, so that the
  first view alone (the Fit tab's chart) is also printed. ``run`` is broken down into
  its steps by timing linreg's internal calls from the outside.
- peer: ``pandas.read_csv(path)`` and scikit-learn's ``LinearRegression().fit``. For a
  local file path, pandas 3.1's C engine parses on up to min(CPUs, 6) threads; bytes in
  memory, what the project gets, are parsed on one.
- pandas on the bytes: the file read into bytes and ``pandas.read_csv(io.BytesIO(data))``:
  pandas' own parse of the bytes an upload gives, on one thread.

Where the project's bytes come from. When a script run starts, Streamlit holds an
upload's bytes in memory, and ``UploadedFile.getvalue()`` returns them without a copy
(a ``BytesIO`` shares the bytes it was made from). The file here is in the page cache,
and the project maps it (``mmap``): its bytes in memory without a copy, the start the
app has, and the one pandas.read_csv(path) takes too, since it maps the file as well.
Reading the file into a new bytes object instead costs about 0.1 s of page faults on
this machine, paid by neither the app nor the peer; the report prints it and the ratio
it would give (this bench timed that copy as part of the project until read_table took
any buffer).

Times exclude the imports and a warm-up on a tiny table, which each process does first
(a Streamlit server has imported its libraries and drawn charts before a file arrives;
between the two the project freezes its objects for the garbage collector, as app.py
does at a server's first script run: see dashboard/memory.py);
wall-clock medians are printed with the CPU time of all threads, which other load on
the machine sways less. Peak RSS is the process's VmHWM, imports included. After the
timed part, untimed, the project's run is checked: its OLS weights against
scikit-learn's on the same training rows, and against the lstsq route refined in
extended precision. The playground does no more on an upload than what is timed: its run
at the suggested rate is also its run at the rate it then puts on the slider, and it keys
an upload by Streamlit's id and shares cached runs, so it neither hashes the bytes nor
copies a run per rerun (dashboard/cache.py). Then
pandas' two CSV engines and read_table read the same bytes, alternately and each in a
fresh process, and their frames are compared bit for bit: the measurement behind
read_table's use of pyarrow's own reader for a table of numbers, and of pandas' C engine,
not its pyarrow engine, for any other.

Goals: the project within 1.2x the peer's time, peak RSS within 1 GB, every chart
payload (its JSON, as ``plotly.io.to_json`` writes it) within 2 MB.
"""

from __future__ import annotations

import argparse
import importlib.util
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
READING = ("map the file", "read_table", "select")
FIRST_VIEW = "predicted_vs_actual"


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


# The project: what the playground does with an uploaded file


def run_project(path: Path) -> dict:
    """Bytes, read_table, select, Dataset, linreg.run, every chart: timed stage by stage."""
    import pandas  # noqa: F401  (read_table imports it; import time is not what this measures)

    from linreg import Dataset, TrainSpec, run

    notes: list[str] = []
    charts = import_charts(notes)
    spec = TrainSpec(lr=None, n_iters=N_ITERS, standardize=True)
    if charts:
        from dashboard.memory import freeze_startup

        freeze_startup()  # what app.py does at a server's first script run, after its imports
    warm_up(charts, spec)
    stages: dict[str, float] = {}
    steps: dict[str, float] = {}
    start, cpu_start = time.perf_counter(), time.process_time()
    selection = read_and_select(path, stages)
    dataset = _stage(stages, "Dataset", Dataset, selection.X, selection.y, feature_names=selection.feature_names)
    with timed_steps(steps):
        exp = _stage(stages, "run", run, dataset, spec)
    payloads = _stage(stages, "charts", payload_sizes, chart_builders(charts, exp), notes)
    seconds, cpu_seconds, rss = time.perf_counter() - start, time.process_time() - cpu_start, peak_rss_mb()
    return {
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "stages": stages,
        "steps": steps,
        "payloads": payloads,
        "notes": notes,
        "lr": float(exp.fit.lr),
        "peak_rss_mb": rss,
        "checks": exactness(exp),
    }


def read_and_select(path: Path, stages: dict[str, float]):
    """The file's bytes in memory without a copy, as an upload's are, read and selected: y on every other column."""
    import mmap

    from linreg.tables import read_table

    with path.open("rb") as handle:
        data = _stage(stages, "map the file", mmap.mmap, handle.fileno(), 0, access=mmap.ACCESS_READ)
    with data:
        table = _stage(stages, "read_table", read_table, data, path.name)
    return _stage(stages, "select", table.select, "y")


def import_charts(notes: list[str]):
    """(dashboard.figures, dashboard.figures_multi), or None with a note: they are other engineers' modules."""
    try:
        import plotly.io

        from dashboard import figures, figures_multi
    except Exception as exc:
        notes.append(f"charts skipped: dashboard's figure modules do not import ({type(exc).__name__}: {exc})")
        return None
    engine = "orjson" if importlib.util.find_spec("orjson") else "json"  # what plotly.io's "auto" engine picks
    notes.append(f"charts serialized by plotly.io.to_json (engine {plotly.io.json.config.default_engine}: {engine})")
    return figures, figures_multi


def chart_builders(charts, exp) -> dict:
    if not charts:
        return {}
    figures, multi = charts
    return {
        "loss_figure": lambda: figures.loss_figure(exp.fit, exp.ols_train.mse),
        "predicted_vs_actual": lambda: multi.predicted_vs_actual(exp),
        "residuals_figure": lambda: multi.residuals_figure(exp),
        "coefficients_figure": lambda: multi.coefficients_figure(exp),
        "partial_figure": lambda: multi.partial_figure(exp, exp.feature_names[0]),
        "coefficient_replay": lambda: multi.coefficient_replay(exp),
    }


def payload_sizes(builders: dict, notes: list[str]) -> dict[str, tuple[int, float]]:
    """Build each chart and measure its JSON, as Streamlit sends it, and the seconds both took; skip those that fail."""
    import plotly.io as pio

    payloads = {}
    for label, build in builders.items():
        start = time.perf_counter()
        try:
            size = len(pio.to_json(build()))
        except Exception as exc:
            notes.append(f"{label} skipped: {type(exc).__name__}: {exc}")
            continue
        payloads[label] = (size, time.perf_counter() - start)
    return payloads


def warm_up(charts, spec) -> None:
    """The whole path once on a 200-row table, untimed: what a running server has done before a file arrives."""
    from linreg import Dataset, run
    from linreg.tables import read_table

    rng = np.random.default_rng(0)
    table = np.column_stack([rng.normal(size=(200, N_FEATURES)), rng.normal(size=200)])
    header = ",".join([*(f"x{j + 1}" for j in range(N_FEATURES)), "y"])
    text = "\n".join([header, *(",".join(map(repr, row.tolist())) for row in table)])
    selection = read_table(text.encode(), "warm.csv").select("y")
    exp = run(Dataset(selection.X, selection.y, feature_names=selection.feature_names), spec)
    payload_sizes(chart_builders(charts, exp), [])


class timed_steps:
    """Time linreg's internal calls during ``run``, from the outside, by wrapping them for the duration."""

    STEPS = (
        ("linreg.experiment", "split_dataset", "split"),
        ("linreg.problem", "Problem._of_valid", "Problem (Hessian, eigenbasis)"),
        ("linreg.experiment", "gradient_descent", "gradient_descent"),
        ("linreg.experiment", "_from_problem", "ols (from the Problem)"),
        ("linreg.experiment", "_solve", "ols (lstsq route)"),
        ("linreg.experiment", "diagnose", "diagnose"),
        ("linreg.experiment", "_all_scores", "scores (4 predictions)"),
    )

    def __init__(self, steps: dict[str, float]):
        self.steps, self.undo = steps, []

    def __enter__(self):
        import importlib

        for module_name, attr, label in self.STEPS:
            owner = importlib.import_module(module_name)
            *path, name = attr.split(".")
            for part in path:
                owner = getattr(owner, part, None)
            original = getattr(owner, name, None) if owner is not None else None
            if original is None:
                continue
            self.undo.append((owner, name, vars(owner)[name]))  # a classmethod as it is, not bound
            setattr(owner, name, self._wrap(original, label))
        return self

    def _wrap(self, fn, label):
        steps = self.steps

        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                steps[label] = steps.get(label, 0.0) + time.perf_counter() - start

        return timed

    def __exit__(self, *exc):
        for owner, name, original in reversed(self.undo):
            setattr(owner, name, original)


def exactness(exp) -> dict:
    """Untimed: the run's OLS weights against scikit-learn's and the refined lstsq route, on the same rows."""
    from sklearn.linear_model import LinearRegression

    from linreg.ols import _bjorck, _power_of_two_norms

    s = exp.split
    theta = exp.ols.theta
    model = LinearRegression().fit(s.X_train, s.y_train)
    sklearn = np.append(model.coef_, model.intercept_)
    Xa = np.column_stack([s.X_train, np.ones(len(s.y_train))])
    scale = _power_of_two_norms(Xa)
    A = Xa / scale
    beta = np.linalg.lstsq(A, s.y_train, rcond=None)[0]
    refined = _bjorck(A, s.y_train, beta) / scale

    def digits(estimate):
        with np.errstate(divide="ignore"):
            return float(np.min(np.minimum(15.0, -np.log10(np.abs(estimate - refined) / np.abs(refined)))))

    return {"digits_vs_refined": digits(theta), "sklearn_digits_vs_refined": digits(sklearn)}


# The peer


def run_peer(path: Path) -> dict:
    """pandas' read_csv from the path, then scikit-learn's LinearRegression."""
    import pandas as pd
    from sklearn.linear_model import LinearRegression

    rng = np.random.default_rng(0)  # the same warm-up as the project's: a tiny table, read and fitted
    LinearRegression().fit(pd.read_csv(io.StringIO("a,b\n1,2\n2,3\n4,4\n")).to_numpy(), rng.normal(size=3))
    stages = {}
    start, cpu_start = time.perf_counter(), time.process_time()
    frame = _stage(stages, "read_csv", pd.read_csv, path)
    X, y = frame.drop(columns="y").to_numpy(), frame["y"].to_numpy()
    _stage(stages, "LinearRegression.fit", LinearRegression().fit, X, y)
    return {
        "seconds": time.perf_counter() - start,
        "cpu_seconds": time.process_time() - cpu_start,
        "stages": stages,
        "peak_rss_mb": peak_rss_mb(),
    }


def run_bytes(path: Path) -> dict:
    """The file's bytes, then pandas' own parse of them: what read_table starts from."""
    import pandas as pd

    pd.read_csv(io.StringIO("a,b\n1,2\n"))  # warm-up, as the other paths
    stages = {}
    start, cpu_start = time.perf_counter(), time.process_time()
    data = _stage(stages, "read bytes", path.read_bytes)
    _stage(stages, "read_csv(BytesIO)", pd.read_csv, io.BytesIO(data))
    return {"seconds": time.perf_counter() - start, "cpu_seconds": time.process_time() - cpu_start, "stages": stages}


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


# pandas' CSV engines


def run_engine(engine: str, path: Path) -> dict:
    """pandas.read_csv on the file's bytes with one engine, or read_table, and a digest of the frame it gives."""
    import hashlib

    import pandas as pd

    from linreg.tables import read_table

    data = path.read_bytes()
    start, cpu_start = time.perf_counter(), time.process_time()
    if engine == "read_table":
        table = read_table(data, path.name)
        frame = pd.DataFrame({name: table.column(name) for name in table.columns})
    else:
        frame = pd.read_csv(io.BytesIO(data), engine=engine)
    seconds, cpu_seconds, peak = time.perf_counter() - start, time.process_time() - cpu_start, peak_rss_mb()
    digest = hashlib.sha256(str(list(frame.dtypes)).encode() + frame.to_numpy().tobytes()).hexdigest()
    return {"seconds": seconds, "cpu_seconds": cpu_seconds, "peak_rss_mb": peak, "digest": digest}


def compare_engines(path: Path, repeats: int) -> None:
    """pandas' C and pyarrow CSV engines and read_table on the same bytes, alternating, each in a fresh process."""
    runs: dict[str, list[dict]] = {"c": [], "pyarrow": [], "read_table": []}
    for _ in range(repeats):
        for engine, results in runs.items():
            results.append(in_child(engine, path))
    print(
        f"\nCSV readers on the file's bytes: pandas.read_csv's two engines and read_table ({repeats} alternating "
        "runs each, fresh processes):"
    )
    for engine, results in runs.items():
        print(
            f"  {engine:<10} wall {statistics.median(r['seconds'] for r in results):.2f} s, "
            f"CPU {statistics.median(r['cpu_seconds'] for r in results):.2f} s, "
            f"peak RSS {max(r['peak_rss_mb'] for r in results):.0f} MB"
        )
    digests = {r["digest"] for results in runs.values() for r in results}
    print(f"  identical frames: {len(digests) == 1}")


# The report


def report(ours: list[dict], peer: list[dict], on_bytes: list[dict]) -> None:
    """The project against the peer: stage medians, ratios, memory, payloads, exactness and the goals."""
    print("\n== project (the app's path) against the peer ==")
    med = statistics.median
    for name, results in (("project", ours), ("peer", peer)):
        for stage in results[0]["stages"]:
            print(f"  {name:<8}{stage:<34}{med(r['stages'][stage] for r in results):>7.3f} s")
            if stage == "run":
                for step in ours[0]["steps"]:
                    print(f"  {'':<10}{step:<32}{med(r['steps'].get(step, 0.0) for r in results):>7.3f} s")
    wall, wall_peer = (med(r["seconds"] for r in rs) for rs in (ours, peer))
    cpu, cpu_peer = (med(r["cpu_seconds"] for r in rs) for rs in (ours, peer))
    best = min(r["seconds"] for r in ours) / min(r["seconds"] for r in peer)
    reading = med(sum(r["stages"][k] for k in READING) for r in ours)
    fitting = med(r["stages"]["Dataset"] + r["stages"]["run"] for r in ours)
    read_csv, fit = (med(r["stages"][k] for r in peer) for k in ("read_csv", "LinearRegression.fit"))
    rss, rss_peer = (max(r["peak_rss_mb"] for r in rs) for rs in (ours, peer))
    print(
        f"  total (median of {len(ours)}): project {wall:.2f} s, peer {wall_peer:.2f} s, ratio {wall / wall_peer:.2f}"
    )
    print(f"    all runs: project {_runs(ours)}; peer {_runs(peer)}")
    print(f"  best run against best run (the least disturbed by other load): ratio {best:.2f}")
    print(
        f"  CPU time, all threads (less swayed by other load): {cpu:.2f} s vs {cpu_peer:.2f} s, "
        f"ratio {cpu / cpu_peer:.2f}"
    )
    print(
        f"  reading: bytes + read_table + select {reading:.2f} s vs read_csv {read_csv:.2f} s, "
        f"ratio {reading / read_csv:.2f}"
    )
    parse = med(r["stages"]["read_csv(BytesIO)"] for r in on_bytes)
    print(
        f"  parsing the same bytes: read_table {med(r['stages']['read_table'] for r in ours):.2f} s vs "
        f"pandas.read_csv(BytesIO) {parse:.2f} s (pandas on the path, in parallel: {read_csv:.2f} s)"
    )
    copy = med(r["stages"]["read bytes"] for r in on_bytes)
    print(
        f"  reading the file into new bytes first, which neither the app nor the peer does, would add {copy:.2f} s: "
        f"ratio {(wall + copy) / wall_peer:.2f}"
    )
    print(f"  fitting: Dataset + run {fitting:.2f} s vs LinearRegression.fit {fit:.2f} s, ratio {fitting / fit:.2f}")
    print(f"  peak RSS: project {rss:.0f} MB, peer {rss_peer:.0f} MB (largest over the runs)")
    payloads = {chart: size for chart, (size, _) in ours[-1]["payloads"].items()}
    for chart, size in payloads.items():
        seconds = med(r["payloads"][chart][1] for r in ours if chart in r["payloads"])
        print(f"  chart payload {chart}: {size / 1e6:.3f} MB, built and serialized in {seconds * 1e3:.1f} ms")
    if FIRST_VIEW in payloads:
        first = med(r["seconds"] - r["stages"]["charts"] + r["payloads"][FIRST_VIEW][1] for r in ours)
        print(
            f"  the first view only (the page draws the open tab's charts; a table opens on Fit: {FIRST_VIEW}): "
            f"project {first:.2f} s, ratio {first / wall_peer:.2f}"
        )
    for note in ours[-1]["notes"]:
        print(f"  note: {note}")
    checks = ours[-1]["checks"]
    print(
        f"  exactness (untimed), correct digits of the OLS weights against the lstsq route refined in extended "
        f"precision, same training rows: project {checks['digits_vs_refined']:.1f}, "
        f"scikit-learn {checks['sklearn_digits_vs_refined']:.1f} (learning rate {ours[-1]['lr']:g})"
    )
    largest = max(payloads.values(), default=0) / 1e6
    ratio = wall / wall_peer
    print("  goals:")
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
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()))
    parser.add_argument("--child", choices=(*PATHS, "c", "pyarrow", "read_table"), help=argparse.SUPPRESS)
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
    report(runs["project"], runs["peer"], runs["bytes"])
    compare_engines(path, min(args.repeats, 3))


PATHS = {"project": run_project, "peer": run_peer, "bytes": run_bytes}


if __name__ == "__main__":
    main()
