"""Data only: a :class:`Dataset` holds the table to learn from, wherever it came from.

The article's generator is one way to make one (:meth:`Dataset.synthetic`), the tables
bundled in ``linreg/datasets/`` another (:func:`load_dataset`), arrays of your own a third
(``Dataset(X, y, ...)``). Training settings live apart, in :class:`~linreg.TrainSpec`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from linreg._validation import as_1d, as_2d, check_int, check_names, check_same_length, readonly
from linreg.data import DEFAULT_SEED, MAX_SEED, make_synthetic

DATA_DIR = Path(__file__).with_name("datasets")


@dataclass(frozen=True)
class SyntheticSpec:
    """Settings of the article's generator, ``y = slope * x + intercept + N(0, noise**2)``; defaults: the article's.

    :meth:`Dataset.synthetic` checks them as :func:`~linreg.make_synthetic` does.
    """

    n: int = 400
    slope: float = 3.5
    intercept: float = 10.0
    noise: float = 25.0
    seed: int = DEFAULT_SEED
    x_min: float = 0.0
    x_max: float = 100.0


@dataclass(frozen=True)
class Dataset:
    """Features, target and where they came from; the arrays are read-only.

    Attributes
    ----------
    X : ndarray of shape (m, d)
        The features; a vector given for X becomes one column. Finite, within
        ±MAX_MAGNITUDE (1e150). Copied unless already a read-only float64 array, the copy
        in the same memory order (a table's columns stay contiguous, for the passes over
        each column that a run makes).
    y : ndarray of shape (m,)
        The target.
    feature_names : tuple of d str
        Distinct and non-empty; ``("x",)`` or ``("x1", ..., "xd")`` by default.
    target_name : str
    true_theta : ndarray of shape (d + 1,) or None
        The coefficients that generated the data, then the intercept: synthetic data only.
    source : str
        Where the data came from, in one line.
    seed : int or None
        The seed whose stream drew the data (synthetic only). A split whose seed is not
        given continues that stream, as the article does; see :class:`~linreg.TrainSpec`.

    Examples
    --------
    >>> ds = Dataset([[1.0, 2.0], [3.0, 5.0], [4.0, 4.0]], [1.0, 2.0, 3.0], feature_names=["a", "b"])
    >>> ds.X.shape, ds.feature_names, ds.X.flags.writeable
    ((3, 2), ('a', 'b'), False)
    """

    X: np.ndarray
    y: np.ndarray
    feature_names: tuple[str, ...] | None = None
    target_name: str = "y"
    true_theta: np.ndarray | None = None
    source: str = "arrays"
    seed: int | None = None

    def __post_init__(self):
        X = as_2d("X", self.X)
        y = as_1d("y", self.y)
        check_same_length(X, y)
        self._set("X", readonly(X if _frozen(self.X) else X.copy(order="K")))  # keeps a column order
        self._set("y", readonly(y if _frozen(self.y) else y.copy()))
        self._set("feature_names", check_names("feature_names", self.feature_names, X.shape[1]))
        if not isinstance(self.target_name, str) or not self.target_name.strip():
            raise ValueError(f"target_name must be a non-empty string, got {self.target_name!r}")
        if self.true_theta is not None:
            theta = as_1d("true_theta", self.true_theta, limit=None)
            if theta.shape != (X.shape[1] + 1,):
                raise ValueError(
                    f"true_theta must have shape ({X.shape[1] + 1},): the coefficients then the intercept, "
                    f"got {theta.shape}"
                )
            self._set("true_theta", readonly(theta.copy()))
        if not isinstance(self.source, str) or "\n" in self.source:
            raise ValueError(f"source must be one line of text, got {self.source!r}")
        if self.seed is not None:
            self._set("seed", check_int("seed", self.seed, low=0, high=MAX_SEED))

    def _set(self, name: str, value) -> None:
        object.__setattr__(self, name, value)

    @property
    def m(self) -> int:
        """Number of samples (rows)."""
        return self.X.shape[0]

    @property
    def d(self) -> int:
        """Number of features (columns of X)."""
        return self.X.shape[1]

    @classmethod
    def synthetic(cls, spec: SyntheticSpec = SyntheticSpec()) -> Dataset:
        """The article's data for ``spec``: ``x`` evenly spaced, Gaussian noise from ``RandomState(spec.seed)``.

        With the default spec this is the article's data bit for bit.

        Examples
        --------
        >>> ds = Dataset.synthetic()
        >>> ds.X.shape, round(float(ds.y[0]), 6), ds.true_theta.tolist()
        ((400, 1), 16.434998, [3.5, 10.0])
        """
        s = spec
        x, y = make_synthetic(
            n=s.n, slope=s.slope, intercept=s.intercept, noise=s.noise, seed=s.seed, x_min=s.x_min, x_max=s.x_max
        )
        return cls(
            X=x[:, None],
            y=y,
            feature_names=("x",),
            target_name="y",
            true_theta=np.array([float(s.slope), float(s.intercept)]),
            source=(
                f"synthetic: y = {float(s.slope):g}x + {float(s.intercept):g} + N(0, {float(s.noise):g}²), "
                f"{int(s.n):,} points with x from {float(s.x_min):g} to {float(s.x_max):g}, seed {int(s.seed)}"
            ),
            seed=s.seed,
        )


def _frozen(values) -> bool:
    """True for a read-only float64 ndarray, which can be kept without a copy."""
    return isinstance(values, np.ndarray) and values.dtype == np.float64 and not values.flags.writeable


@dataclass(frozen=True)
class _Bundled:
    file: str
    target: str
    source: str


BUNDLED = {
    "longley": _Bundled(
        "longley.csv",
        "employed",
        "NIST StRD Longley (1967): US employment 1947-1962 against six highly collinear series, 16 rows",
    ),
    "norris": _Bundled("norris.csv", "y", "NIST StRD Norris: calibration of ozone monitors, 36 rows"),
}
DATASETS = tuple(BUNDLED)
"""Names :func:`load_dataset` accepts."""


def load_dataset(name: str) -> Dataset:
    """A table bundled with linreg, by name (see DATASETS); every other column is a feature.

    Examples
    --------
    >>> ds = load_dataset("longley")
    >>> ds.X.shape, ds.target_name, ds.feature_names[:2]
    ((16, 6), 'employed', ('gnp_deflator', 'gnp'))
    """
    if name not in BUNDLED:
        raise ValueError(f"name must be one of {', '.join(DATASETS)}, got {name!r}")
    entry = BUNDLED[name]
    path = DATA_DIR / entry.file
    with path.open(encoding="utf-8") as f:
        header = f.readline().strip().split(",")
    table = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2, encoding="utf-8")
    target = header.index(entry.target)
    features = [j for j in range(len(header)) if j != target]
    return Dataset(
        X=table[:, features],
        y=table[:, target],
        feature_names=tuple(header[j] for j in features),
        target_name=entry.target,
        source=entry.source,
    )
