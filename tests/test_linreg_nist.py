"""Least squares against NIST's certified values: the StRD linear least-squares suite.

Accuracy is the log relative error (LRE) as NIST and McCullough use it: the number of
correct significant digits, ``-log10(|estimate - certified| / |certified|)``, capped at
15. Every certified coefficient of every data set must keep at least 7.

The same holds for a tall copy of each set, its rows repeated until the design passes
REFINE_ALWAYS entries (the same least-squares problem, as large as a user's table): OLS
then takes its fast route, the refined normal equations of the standardized columns,
where that is sure to be exact, and the ``lstsq`` route elsewhere.

``python tests/test_linreg_nist.py`` prints the table, against plain ``np.linalg.lstsq``.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from linreg import Dataset, Problem, TrainSpec, load_dataset, ols, run
from linreg.ols import REFINE_ALWAYS, _from_problem

NIST = Path(__file__).resolve().parent / "data" / "nist"
SUITE = ("Norris", "Pontius", "NoInt1", "NoInt2", "Filip", "Longley", *(f"Wampler{k}" for k in range(1, 6)))
DEGREE = {"Pontius": 2, "Filip": 10, "Wampler1": 5, "Wampler2": 5, "Wampler3": 5, "Wampler4": 5, "Wampler5": 5}
MIN_LRE = 7.0

# Certified values from NIST's pages for Norris and Longley: B0 (intercept) first.
NORRIS = (-0.262323073774029, 1.00211681802045)
LONGLEY = (
    -3482258.63459582,
    15.0618722713733,
    -0.358191792925910e-01,
    -2.02022980381683,
    -1.03322686717359,
    -0.511041056535807e-01,
    1829.15146461355,
)

# Where np.longdouble is float64 (Windows, macOS on arm64), the refinement has no extra
# precision to work with, and Wampler5 keeps 6.9 digits instead of 13.8.
EXTENDED = np.finfo(np.longdouble).eps < np.finfo(np.float64).eps


def read_nist(name: str) -> tuple[np.ndarray, np.ndarray]:
    """(certified coefficients B0.., data rows of y then x...) from NIST's file, by the line numbers it states."""
    lines = (NIST / f"{name}.dat").read_text().splitlines()
    head = "\n".join(lines[:10])
    c0, c1 = map(int, re.search(r"Certified Values\s+\(lines (\d+) to (\d+)\)", head).groups())
    d0, d1 = map(int, re.search(r"Data\s+\(lines (\d+) to (\d+)\)", head).groups())
    certified = [float(line.split()[1]) for line in lines[c0 - 1 : c1] if re.match(r"\s*B\d+\s", line)]
    return np.array(certified), np.loadtxt(lines[d0 - 1 : d1], ndmin=2)


def nist_dataset(name: str) -> Dataset:
    """The data set as NIST's model reads it: polynomial models get the columns x, x**2, ..., x**k."""
    _, data = read_nist(name)
    y, X = data[:, 0], data[:, 1:]
    if name in DEGREE:
        X = X[:, 0:1] ** np.arange(1, DEGREE[name] + 1)
    return Dataset(X, y, source=f"NIST StRD {name}")


def fit_intercept(name: str) -> bool:
    return not name.startswith("NoInt")


def estimate(name: str, solver=ols) -> np.ndarray:
    """Our coefficients in NIST's order: B0 (the intercept, if any), then B1.."""
    ds = nist_dataset(name)
    fit = solver(ds.X, ds.y, fit_intercept=fit_intercept(name))
    return np.append(fit.bias, fit.weights) if fit_intercept(name) else fit.weights


def tall(name: str) -> Dataset:
    """The data set with its rows repeated until the design has more than REFINE_ALWAYS entries."""
    ds = nist_dataset(name)
    copies = REFINE_ALWAYS // (ds.m * (ds.d + fit_intercept(name))) + 1
    return Dataset(np.tile(ds.X, (copies, 1)), np.tile(ds.y, copies), source=f"NIST StRD {name}, {copies} copies")


def tall_estimate(name: str) -> tuple[np.ndarray, str]:
    """Our coefficients on the tall copy in NIST's order, and the route OLS took."""
    ds = tall(name)
    fit = ols(ds.X, ds.y, fit_intercept=fit_intercept(name))
    try:
        fast = _from_problem(Problem.from_data(ds.X, ds.y, standardize=True, fit_intercept=fit_intercept(name)))
    except ValueError:
        fast = None
    route = "normal" if fast is not None else "lstsq"
    return (np.append(fit.bias, fit.weights) if fit_intercept(name) else fit.weights), route


def plain_lstsq(X, y, *, fit_intercept):
    """``np.linalg.lstsq`` on the unscaled design, for comparison."""
    Xa = np.column_stack([X, np.ones(len(y))]) if fit_intercept else X
    theta = np.linalg.lstsq(Xa, y, rcond=None)[0]

    class Fit:
        weights, bias = (theta[:-1], theta[-1]) if fit_intercept else (theta, 0.0)

    return Fit


def lre(estimated, certified) -> np.ndarray:
    """Correct significant digits of each estimate (absolute error where the certified value is 0), at most 15."""
    estimated, certified = np.asarray(estimated, float), np.asarray(certified, float)
    error = np.abs(estimated - certified)
    rel = np.divide(error, np.abs(certified), out=error.copy(), where=certified != 0)
    with np.errstate(divide="ignore"):
        return np.minimum(-np.log10(rel), 15.0)


@pytest.mark.parametrize("name", SUITE)
def test_every_certified_coefficient_keeps_seven_digits(name):
    certified, _ = read_nist(name)
    digits = lre(estimate(name), certified)
    floor = MIN_LRE if EXTENDED or name != "Wampler5" else 6.5
    assert digits.min() >= floor, dict(enumerate(np.round(digits, 1)))


@pytest.mark.parametrize("name", SUITE)
def test_a_tall_copy_keeps_ten_digits_whichever_route_it_takes(name):
    certified, _ = read_nist(name)
    estimated, route = tall_estimate(name)
    floor = 10.0 if route == "normal" else MIN_LRE  # COEF_BOUND: at least ten digits on the fast route
    assert lre(estimated, certified).min() >= floor, (route, dict(enumerate(np.round(lre(estimated, certified), 1))))
    # The fast route is for well-conditioned designs; Filip's columns are numerically dependent.
    assert route == ("lstsq" if name in ("Filip", "Wampler1", "Wampler3", "Wampler4", "Wampler5") else "normal")


@pytest.mark.parametrize(("name", "values"), [("Norris", NORRIS), ("Longley", LONGLEY)])
def test_the_certified_values_quoted_here_are_nists(name, values):
    assert read_nist(name)[0].tolist() == list(values)


@pytest.mark.parametrize(("name", "certified"), [("norris", NORRIS), ("longley", LONGLEY)])
def test_bundled_tables_are_nists_data_and_reach_the_certified_fit(name, certified):
    ds = load_dataset(name)
    _, data = read_nist(name.capitalize())
    assert np.array_equal(ds.y, data[:, 0]) and np.array_equal(ds.X, data[:, 1:])
    fit = ols(ds.X, ds.y, feature_names=ds.feature_names)
    assert lre(np.append(fit.bias, fit.weights), certified).min() >= MIN_LRE
    assert fit.rank == ds.d + 1 and fit.collinear == ()


def test_filip_is_beyond_plain_lstsq_but_not_beyond_scaled_columns():
    certified, _ = read_nist("Filip")
    assert lre(estimate("Filip"), certified).min() >= MIN_LRE
    assert lre(estimate("Filip", plain_lstsq), certified).min() < 3  # rank 10 of 11: the digits are gone


def test_longley_run_end_to_end_converges_with_the_real_data_defaults():
    """The CLI's defaults for a table: standardized features at the suggested rate."""
    e = run(load_dataset("longley"), TrainSpec(lr=None, standardize=True))
    assert e.fit.converged and not e.fit.diverged and e.fit.lr == e.diagnostics.suggested_lr
    assert e.diagnostics.identifiable and e.ols.collinear == ()
    assert e.coef.shape == (6,) and e.feature_names[-1] == "year" and len(e.split.y_train) == 12
    # condition number 2.6e4: a gradient at 1e-6 of its start leaves GD about 3 digits from least squares
    assert lre(e.fit.theta, e.ols.theta).min() >= 2.5
    assert e.test.r2 == pytest.approx(e.ols_test.r2, abs=1e-4) and e.test.r2 > 0.97


def main() -> None:
    print(f"{'data set':10} {'p':>3} {'ours':>6} {'lstsq':>6} {'tall':>6} {'route':>7} {'rows':>9}")
    for name in SUITE:
        certified, _ = read_nist(name)
        ours = lre(estimate(name), certified).min()
        plain = lre(estimate(name, plain_lstsq), certified).min()
        estimated, route = tall_estimate(name)
        tall_lre, rows = lre(estimated, certified).min(), tall(name).m
        print(f"{name:10} {certified.size:>3} {ours:>6.1f} {plain:>6.1f} {tall_lre:>6.1f} {route:>7} {rows:>9,}")
    print("(min LRE over the certified coefficients; tall: rows repeated past REFINE_ALWAYS entries, by its route)")


if __name__ == "__main__":
    main()
