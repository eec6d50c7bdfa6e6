"""A user's table: reading CSV, TSV and Parquet bytes, and choosing the columns to fit.

:func:`read_table` turns an uploaded file into a :class:`Table`; :meth:`Table.select`
turns a target and features into a :class:`Selection`, the ``X`` and ``y`` that
:func:`~linreg.ols` and :func:`~linreg.gradient_descent` take. Every problem a user
can fix raises ``ValueError`` with a message meant for them; everything read or
dropped on their behalf is said in ``notices``.

pandas (and pyarrow, for Parquet) are imported inside the functions that read, as
scikit-learn does, so that ``import linreg`` loads NumPy alone.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

import numpy as np

from linreg._validation import MAX_MAGNITUDE, check_int, checked, readonly

MAX_BYTES = 250_000_000
"""The largest file :func:`read_table` reads, in bytes (250 MB).

A 1,000,000-row CSV of 10 numeric columns written at full precision is about
190 MB. bench/bench_table.py measures a peak of 570 to 630 MB for reading one from
its bytes, selecting it, running it (split, both fits, scores) and drawing its charts
(about 3.3 times its size, the file's own pages, the interpreter and libraries
included), so a numeric file at the cap stays near 830 MB, within 1 GB.
"""

MAX_COLUMNS = 20_000
"""The most columns :func:`read_table` reads: twice the 10,000 it is tested with.

Wider files are rare outside genomics, and each column costs pandas a Python-level
object; 20,000 columns of 1,000 rows read in a few seconds.
"""

MAX_FEATURES = 100
"""The most columns of ``X`` a selection may have, dummy columns included.

The fit builds a (d + 1) x (d + 1) Hessian and its eigenvectors; at d = 100 that is
instant, and a chart or table of 100 weights is still readable.
"""

MAX_LEVELS = 20
"""The most distinct values a non-numeric column may have to become dummy columns."""

EXTENSIONS = ("csv", "tsv", "txt", "parquet", "pq")
"""The file types :func:`read_table` is meant for, as ``st.file_uploader(type=...)`` takes them."""

_PARQUET_EXTENSIONS = (".parquet", ".pq")

_UPLOAD = "Upload a CSV, TSV or Parquet file (a spreadsheet program can save a sheet as CSV)."
_SEPARATORS = {",": "commas (,)", ";": "semicolons (;)", "\t": "tabs", "|": "vertical bars (|)"}
_SAMPLE_BYTES = 1 << 16
_SAMPLE_ROWS = 20
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

_MAGIC = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "an Excel workbook or a zip archive"),
    (b"\xd0\xcf\x11\xe0", "an Excel workbook"),
    (b"\x1f\x8b", "a gzip archive"),
)

# A number written with grouped thousands and a decimal point (1,234.5), or with a
# decimal comma and grouped thousands (1.234,5). A lone "1,234" fits both; the file's
# other columns decide which it is (see _Dialect.decimal_comma).
_POINT_NUMBER = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?(?:[eE][+-]?\d+)?")
_COMMA_NUMBER = re.compile(r"[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d*)?")
_NUMBER = {"point": _POINT_NUMBER, "comma": _COMMA_NUMBER}
# Only a decimal comma reads these: 1,5 and 0,125 and 1234,5 and 1.234,5.
_SURE_DECIMAL_COMMA = re.compile(r"[+-]?(?:\d+,(?:\d{1,2}|\d{4,})|0,\d+|\d{4,},\d+|\d{1,3}(?:\.\d{3})+,\d+)")
_SURE_THOUSANDS_COMMA = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+\.\d+")


@dataclass(frozen=True)
class Selection:
    """The features ``X`` and target ``y`` chosen from a table, ready for the fit.

    Attributes
    ----------
    X : ndarray of shape (m, d)
        Finite float64, read-only: the numeric features, then the dummy columns.
    y : ndarray of shape (m,)
        Finite float64, read-only.
    feature_names : tuple of str
        One per column of ``X``; a dummy column is named ``column[T.level]``, as patsy does.
    target_name : str
    notices : tuple of str
        What the selection did or found on the user's behalf (rows dropped, constant
        or duplicate features); the table's own notices are in ``Table.notices``.
    n_dropped : int
        Rows dropped for a missing value in a used column.
    """

    X: np.ndarray
    y: np.ndarray
    feature_names: tuple[str, ...]
    target_name: str
    notices: tuple[str, ...]
    n_dropped: int


@dataclass(frozen=True)
class Table:
    """A user's table as read: its name, column names by kind, row count and notices.

    Column names are the file's, stripped of surrounding whitespace, with
    ``column_3``-style names for empty ones and ``.1``-style suffixes for repeats. They
    are data, not markup: whoever shows them escapes them.

    Attributes
    ----------
    name : str
        The file's name.
    columns : tuple of str
        Every column, in the file's order.
    numeric : tuple of str
        The columns read as numbers (float64, NaN where missing).
    categorical : tuple of str
        The non-numeric columns with 2 to MAX_LEVELS distinct values: candidates for
        dummy columns.
    n_rows : int
    notices : tuple of str
        What reading did on the user's behalf, such as "Read as latin-1 (Windows-1252):
        the file is not UTF-8."
    """

    name: str
    columns: tuple[str, ...]
    numeric: tuple[str, ...]
    categorical: tuple[str, ...]
    n_rows: int
    notices: tuple[str, ...]
    _frame: Any = field(repr=False, compare=False)
    _extremes: tuple[np.ndarray, np.ndarray] | None = field(default=None, repr=False, compare=False)

    def column(self, name: str) -> np.ndarray:
        """The values of one column, read-only: float64 for a numeric one, objects otherwise."""
        self._check_known(name)
        values = self._frame[name]
        return readonly(values.to_numpy(np.float64) if name in self.numeric else values.to_numpy(object))

    def preview(self, n_rows: int = 5):
        """A copy of the first ``n_rows`` rows, as a pandas DataFrame, for display."""
        return self._frame.head(check_int("n_rows", n_rows, low=0)).copy()

    def select(
        self, target: str, features: Sequence[str] | None = None, *, categorical: Sequence[str] = ()
    ) -> Selection:
        """Return ``X`` and ``y`` for fitting ``target`` on ``features`` and dummies of ``categorical``.

        Parameters
        ----------
        target : str
            A numeric column.
        features : sequence of str, optional
            Numeric columns other than the target. Defaults to every numeric column but
            the target.
        categorical : sequence of str, default ()
            Columns with 2 to MAX_LEVELS distinct values, numeric or not. Each becomes
            one 0/1 column per level but the first (drop-first coding, levels sorted),
            named ``column[T.level]``.

        Returns
        -------
        Selection
            Rows with a missing value (NaN or empty) in a used column are dropped, with a
            notice that says how many. A constant feature, two identical features or
            more features than rows are allowed, and noted: the fit then reports a rank
            below d + 1 and its weights are not unique.

        Raises
        ------
        ValueError
            For an unknown column; a non-numeric target or feature; the target among the
            features; no features, or more than MAX_FEATURES (100) with the dummies; a
            categorical column with more than MAX_LEVELS (20) levels; a used column with
            no values at all; an infinite value or one beyond ±MAX_MAGNITUDE (1e150) in a
            used column (named, with its row: infinity is not "missing", and dropping it
            would hide the largest values); fewer than 2 rows left.

        Examples
        --------
        >>> table = read_table(b"day,tip,bill\\nSat,1,10\\nSun,2,20\\nSat,,30\\nSun,4,40\\n", "tips.csv")
        >>> s = table.select("tip", categorical=["day"])
        >>> s.feature_names, s.X.tolist()
        (('bill', 'day[T.Sun]'), [[10.0, 0.0], [20.0, 1.0], [40.0, 1.0]])
        >>> s.notices
        ('Dropped 1 of 4 rows with a missing value in tip.',)
        """
        features, categorical = self._check_selection(target, features, categorical)
        views = None if categorical else self._side_by_side(target, features)
        if views is not None:
            (y, X), names, notices, n_dropped = views, list(features), [], 0  # the usual case: nothing to copy or drop
            if self.n_rows < 2:
                raise ValueError(_too_few_rows(self.n_rows, 0))
        else:
            y, X, names, notices, n_dropped = self._copied(target, features, categorical)
        notices += _rank_notices(X, y, names, target)
        return Selection(
            X=checked(readonly(X)),  # finite, within ±MAX_MAGNITUDE: a Dataset need not read them again
            y=checked(readonly(y)),
            feature_names=tuple(names),
            target_name=target,
            notices=tuple(notices),
            n_dropped=n_dropped,
        )

    def _copied(self, target: str, features: list[str], categorical: list[str]):
        """``y``, ``X``, feature names, notices and rows dropped: the used columns copied, rows with a gap dropped."""
        numeric = [target, *features]
        values = self._frame[numeric].to_numpy(np.float64)  # y, then the numeric features: one copy
        if not categorical and _all_within(values):
            keep, n_dropped = slice(None), 0
        else:
            missing = np.column_stack([np.isnan(values), self._frame[categorical].isna().to_numpy(bool)])
            _check_values([*numeric, *categorical], values, missing)
            keep = ~missing.any(axis=1)
            n_dropped = self.n_rows - int(np.count_nonzero(keep))
        if self.n_rows - n_dropped < 2:
            raise ValueError(_too_few_rows(self.n_rows, n_dropped))
        notices = []
        if n_dropped:
            gaps = [name for name, gap in zip([*numeric, *categorical], missing.any(axis=0), strict=True) if gap]
            notices.append(f"Dropped {n_dropped:,} of {self.n_rows:,} rows with a missing value in {_either(gaps)}.")
            values = values[keep]
        X, names = self._design(values[:, 1:], features, categorical, keep, notices)
        return values[:, 0], X, names, notices, n_dropped

    def _side_by_side(self, target: str, features: list[str]) -> tuple[np.ndarray, np.ndarray] | None:
        """``y`` and ``X`` as views of the table's numbers, when every column is a number, the features lie
        side by side in the file (as when they are all the columns but a first or last target) and every
        used value is within limits (:func:`_all_within`); else None.

        The numbers of such a table are one column-ordered float64 block (_one_block),
        which pandas hands out without a copy: a 190 MB table is then selected without
        copying its 80 MB of numbers, in the memory order the copy had. The limits are
        checked from the extremes :func:`_values_of` took while reading, when it did,
        without reading the values again.
        """
        if not features or len(self.numeric) != len(self.columns):
            return None
        position = {name: j for j, name in enumerate(self.columns)}
        first = position[features[0]]
        if [position[name] for name in features] != list(range(first, first + len(features))):
            return None
        whole = self._frame.to_numpy(np.float64)  # no copy: see _one_block
        y, X = whole[:, position[target]], whole[:, first : first + len(features)]
        if self._extremes is None:
            within = _all_within(y[:, None]) and _all_within(X)
        else:
            used = [position[target], *range(first, first + len(features))]
            within = _limited(self._extremes[0][used], self._extremes[1][used])
        return (y, X) if within else None

    def _check_known(self, name) -> None:
        if not isinstance(name, str):
            raise ValueError(f"column names are strings, got {type(name).__name__} {name!r}")
        if name not in self._frame.columns:
            raise ValueError(f"{self.name} has no column named {name!r}; its columns are {_few(self.columns)}.")

    def _check_selection(self, target, features, categorical) -> tuple[list[str], list[str]]:
        self._check_known(target)
        if target not in self.numeric:
            raise ValueError(f"The target must be numeric, but {target} {self._describe(target)}.")
        defaulted = features is None
        features = [c for c in self.numeric if c != target] if defaulted else _names("features", features)
        categorical = _names("categorical", categorical)
        for name in [*features, *categorical]:
            self._check_known(name)
        _check_roles(target, features, categorical)
        for name in features:
            if name not in self.numeric:
                raise ValueError(self._not_numeric(name))
        n_dummies = sum(self._n_levels(name) - 1 for name in categorical)
        self._check_width(target, len(features), n_dummies, defaulted)
        return features, categorical

    def _check_width(self, target: str, n_features: int, n_dummies: int, defaulted: bool) -> None:
        if n_features + n_dummies == 0 and not defaulted:
            raise ValueError(f"No features chosen: choose at least one column to fit {target} on.")
        if n_features + n_dummies == 0:
            raise ValueError(
                f"No features to fit {target} on: {self.name} has no numeric column besides it. "
                "Choose a categorical column, or upload a table with more columns."
            )
        if n_features + n_dummies <= MAX_FEATURES:
            return
        if defaulted and not n_dummies:
            raise ValueError(
                f"At most {MAX_FEATURES} features can be fitted; {self.name} has {len(self.numeric):,} numeric "
                "columns: choose some."
            )
        dummies = f" and {n_dummies} dummy columns" if n_dummies else ""
        raise ValueError(
            f"At most {MAX_FEATURES} features can be fitted; got {n_features} numeric features{dummies}: choose fewer."
        )

    def _n_levels(self, name: str) -> int:
        n = int(self._frame[name].nunique(dropna=True))
        if n > MAX_LEVELS:
            raise ValueError(f"{name} has {n:,} distinct values; at most {MAX_LEVELS} can become dummy columns.")
        if n < 2:
            raise ValueError(f"{name} has {'one value' if n else 'no values'}: it cannot make a dummy column.")
        return n

    def _describe(self, name: str) -> str:
        column = self._frame[name].dropna()
        if column.empty:
            return "has no values"
        if stray := _stray_text(self._frame[name]):
            return f"holds text: {_stray_words(stray)}"
        values = column.unique()
        sample = ", ".join(str(v) for v in values[:3]) + (", …" if len(values) > 3 else "")
        return f"holds {'text' if column.dtype.kind in 'OSU' else 'values'} ({sample})"

    def _not_numeric(self, name: str) -> str:
        hint = " Pass it in categorical= to use it as dummy columns." if name in self.categorical else ""
        return f"Features must be numeric, but {name} {self._describe(name)}.{hint}"

    def _design(self, numbers, features, categorical, keep, notices) -> tuple[np.ndarray, list[str]]:
        """The numeric features' kept rows, ``numbers``, followed by the dummy columns."""
        blocks = [numbers] if features else []
        names = list(features)
        for name in categorical:
            dummies, levels = _dummies(self._frame[name].to_numpy()[keep])
            if not levels:
                notices.append(f"{name} has one value left after dropping rows: it adds no column.")
            blocks.append(dummies)
            names += [f"{name}[T.{level}]" for level in levels]
        if not names:
            raise ValueError("No features are left: every categorical column has one value after dropping rows.")
        return blocks[0] if len(blocks) == 1 else np.column_stack(blocks), names


def read_table(data: bytes, name: str, *, max_bytes: int = MAX_BYTES) -> Table:
    """Read a CSV, TSV or Parquet file's bytes, as ``st.file_uploader`` gives them.

    Parameters
    ----------
    data : bytes or a buffer
        The file's contents: bytes, or any object that lends its bytes (a
        ``memoryview``, an ``mmap.mmap``), which a table of numbers is read from
        without a copy.
    name : str
        The file's name. Its extension picks the format: ``.parquet`` (or ``.pq``) is
        Parquet; anything else is text, whose separator (comma, semicolon, tab or
        vertical bar) is sniffed from the first rows, tab first for ``.tsv`` and comma
        first otherwise. Text whose bytes are Parquet is read as Parquet.
    max_bytes : int, default MAX_BYTES
        Larger files are refused before they are parsed.

    Returns
    -------
    Table
        A text table whose every cell is a number or missing is parsed by pyarrow's
        reader on every core; any other by pandas' C engine, with the same result.
        Text that is not UTF-8 is read as latin-1 (as Windows-1252, its superset in
        practice). Numbers in quotes, with thousands separators (``1,234.5``) or with
        decimal commas (``1,5``, in a file not separated by commas) are read as numbers.
        Missing values are NaN. Each of these is said in ``notices``.

    Raises
    ------
    ValueError
        With a message for the user, for: a file that is empty, over ``max_bytes``,
        binary (an image, a workbook, an archive…), a damaged Parquet file, a text file
        whose rows do not split into columns, a header with no rows, or more than
        MAX_COLUMNS (20,000) columns.

    Examples
    --------
    >>> table = read_table(b"x;y\\n1,5;2\\n2,5;4\\n", "data.csv")
    >>> table.columns, table.n_rows, table.column("x").tolist()
    (('x', 'y'), 2, [1.5, 2.5])
    >>> table.notices
    ('Read with semicolons (;) as the separator.', 'Read decimal commas as decimal points (1,5 → 1.5).')
    """
    name = _check_file_name(name)
    data = _check_bytes(data, name, check_int("max_bytes", max_bytes, low=1))
    read = _read_parquet(data, name) if _is_parquet(data, name) else _read_text(data, name)
    return _make_table(*read, name=name)


def safe_csv_cell(text: str) -> str:
    """Return ``text`` with a leading ``'`` if a spreadsheet would read it as a formula.

    OWASP's advice against CSV injection: a cell beginning with ``=``, ``+``, ``-``,
    ``@``, a tab or a carriage return is prefixed with a single quote, which the
    spreadsheet shows as text. Use it on text cells (names), not on numbers, and let
    the ``csv`` module do the quoting.

    Examples
    --------
    >>> safe_csv_cell("=cmd|' /C calc'!A0")
    "'=cmd|' /C calc'!A0"
    >>> safe_csv_cell("total_bill")
    'total_bill'
    """
    if not isinstance(text, str):
        raise ValueError(f"text must be a string, got {type(text).__name__}")
    return "'" + text if text.startswith(_FORMULA_START) else text


# Reading: checks on the bytes


def _check_file_name(name) -> str:
    if not isinstance(name, str):
        raise ValueError(f"name must be the file's name as a string, got {type(name).__name__}")
    return name


def _check_bytes(data, name: str, max_bytes: int) -> bytes | memoryview:
    """``data`` as it is if it is bytes, else a flat byte view of it: a large file is not copied to be read."""
    if not isinstance(data, bytes):
        try:  # a bytearray, memoryview, mmap: anything that lends its bytes
            data = memoryview(data).cast("B")
        except TypeError:
            raise ValueError(f"data must be the file's bytes, got {type(data).__name__}") from None
    if len(data) > max_bytes:
        raise ValueError(f"{name} is {_megabytes(len(data))}; files up to {_megabytes(max_bytes)} can be read.")
    head = bytes(data[:_SAMPLE_BYTES])
    if not head.strip() and not bytes(data).strip():
        raise ValueError(f"{name} is empty.")
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            raise ValueError(f"{name} is not a table: it looks like {kind}. {_UPLOAD}")
    return data


def _is_parquet(data: bytes | memoryview, name: str) -> bool:
    if bytes(data[:4]) == b"PAR1":
        return True
    if PurePath(name).suffix.lower() in _PARQUET_EXTENSIONS:
        raise ValueError(f"{name} is not a Parquet file: it lacks the Parquet signature. Is it a CSV file renamed?")
    return False


def _check_text(head: bytes, name: str) -> None:
    controls = sum(head.count(bytes([c])) for c in (*range(9), *range(14, 32), 127))
    if b"\x00" in head or controls > 0.05 * len(head):
        raise ValueError(f"{name} is not a table: it holds binary data. {_UPLOAD}")


def _as_utf8(data: bytes, name: str) -> tuple[bytes, list[str]]:
    """The text as UTF-8 bytes, and a notice if it had to be converted."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16").encode(), ["Read as UTF-16: the file is not UTF-8."]
        except UnicodeDecodeError:
            raise ValueError(f"{name} is not a table: it starts like UTF-16 text but is not. {_UPLOAD}") from None
    _check_text(data[:_SAMPLE_BYTES], name)
    if data.isascii():
        return data, []
    try:
        data.decode()
        return data, []
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:  # the five bytes Windows-1252 leaves undefined
        text = data.decode("latin-1")
    return text.encode(), ["Read as latin-1 (Windows-1252): the file is not UTF-8."]


# Reading text


@dataclass(frozen=True)
class _Dialect:
    """What the first rows of a text file tell: its separator, header and number style, and whether a cell
    of them is one of NA_TOKENS other than the empty cell (``na_tokens``)."""

    sep: str
    header: list[str]
    decimal_comma: bool
    long_row: int | None
    na_tokens: bool

    @classmethod
    def sniff(cls, data: bytes, name: str) -> _Dialect:
        text = _sample(data)
        default = _default_sep(name)
        candidates = [default, *(sep for sep in _SEPARATORS if sep != default)]
        samples = {sep: _records(text, sep) for sep in candidates}
        sep = max(candidates, key=lambda sep: _consistency(samples[sep]))
        rows = samples[sep]
        cells = [cell.strip() for row in rows[1:] for cell in row]
        decimal_comma = (
            sep != ","
            and any(_SURE_DECIMAL_COMMA.fullmatch(cell) for cell in cells)
            and not any(_SURE_THOUSANDS_COMMA.fullmatch(cell) for cell in cells)
        )
        long_row = next((i + 1 for i, row in enumerate(rows) if len(row) > len(rows[0])), None)
        return cls(
            sep=sep,
            header=rows[0] if rows else [],
            decimal_comma=decimal_comma,
            long_row=long_row,
            na_tokens=not set(cells).isdisjoint(NA_TOKENS[1:]),
        )


def _sample(data: bytes) -> str:
    """The first _SAMPLE_ROWS lines (at least _SAMPLE_BYTES, if the file has them), decoded."""
    end = 0
    for _ in range(_SAMPLE_ROWS + 1):
        end = data.find(b"\n", end) + 1
        if end == 0:
            end = len(data)
            break
    end = max(end, min(len(data), _SAMPLE_BYTES))
    return data[:end].decode("utf-8-sig", errors="replace")


def _records(text: str, sep: str) -> list[list[str]]:
    rows = []
    reader = csv.reader(io.StringIO(text), delimiter=sep)
    try:
        for row in reader:
            if row:
                rows.append(row)
            if len(rows) > _SAMPLE_ROWS:
                break
    except csv.Error:  # a quote left open at the sample's end
        pass
    return rows


def _consistency(rows: list[list[str]]) -> int:
    """How many sampled rows have as many fields as the header, or -1 for a single column."""
    if not rows or len(rows[0]) < 2:
        return -1
    return sum(len(row) == len(rows[0]) for row in rows[1:])


def _read_text(data: bytes | memoryview, name: str):
    numbers = _read_numbers(data, name)
    if numbers is not None:
        return numbers
    data, notices = _as_utf8(bytes(data), name)
    dialect = _Dialect.sniff(data, name)
    if len(dialect.header) > MAX_COLUMNS:
        raise ValueError(f"{name} has {len(dialect.header):,} columns; at most {MAX_COLUMNS:,} can be read.")
    notices += _separator_notice(dialect.sep, name)
    if dialect.decimal_comma:
        notices.append("Read decimal commas as decimal points (1,5 → 1.5).")
    frame = _parse_csv(data, name, dialect)
    if len(dialect.header) == frame.shape[1]:
        frame.columns = dialect.header
    return frame, notices, dialect.decimal_comma, None


def _parse_csv(data: bytes, name: str, dialect: _Dialect):
    """Parse with pandas' C engine: any text table, with the messages of :func:`_parser_problem`.

    Through ``pandas.read_csv(engine="pyarrow")`` pyarrow measured no faster on 2 cores
    (see bench/bench_table.py): converting its table to pandas' costs what its threads
    save. :func:`_read_numbers` uses pyarrow's reader directly instead, for tables of
    numbers only.
    """
    import pandas as pd

    options = {"sep": dialect.sep, "index_col": False, "decimal": "," if dialect.decimal_comma else "."}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            warnings.simplefilter("ignore", pd.errors.DtypeWarning)
            return pd.read_csv(io.BytesIO(data), engine="c", **options)
    except pd.errors.ParserWarning:
        where = f"line {dialect.long_row}" if dialect.long_row else "a row"
        raise ValueError(
            f"{name} could not be read: {where} has more fields than the header's {len(dialect.header)}."
        ) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise ValueError(f"{name} could not be read: {_parser_problem(str(exc), dialect)}.") from None


def _parser_problem(message: str, dialect: _Dialect) -> str:
    """Say what pandas' parser found, in the user's terms, without its own wording."""
    if match := re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", message):
        expected, line, saw = match.groups()
        return f"line {line} has {saw} fields, but the header has {expected}"
    if match := re.search(r"EOF inside string starting at row (\d+)", message):
        return f"a quote opened on line {int(match.group(1)) + 1} is never closed"
    return f"its rows do not split into columns on {_SEPARATORS[dialect.sep]}"


# Reading a table of numbers, fast


NA_TOKENS = (
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
    "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
)  # fmt: skip
"""The cells read as missing values: pandas' default ``na_values``, given to pyarrow too, so both read alike."""

_EMPTY_ONLY = ("",)
"""The missing-value token pyarrow is tried with first: the empty cell, the only one most tables of numbers use.

Matching each cell against the 19 of NA_TOKENS costs pyarrow's reader about 20 ms on
the 190 MB table of bench/bench_table.py (0.225 s against 0.246 s, medians of 8
alternating runs). A cell that is another token is then not a number, and the parse
fails; a ``nan`` or ``NaN`` reads as the number NaN, which :func:`_values_of` tells from
a missing cell: either way the file is parsed again with every token, so the result is
the one NA_TOKENS give. The sampled first rows send a file that uses tokens straight to
the second parse.
"""

_BOM = b"\xef\xbb\xbf"

_BLOCK_BYTES = (1 << 20, 8 << 20)
"""The smallest and largest block of text pyarrow's reader parses at a time (1 MB and 8 MB).

A file is cut into about 24 blocks within these bounds, so that both cores have several
to parse and little memory is in flight: on the 190 MB table of bench/bench_table.py,
in fresh processes, blocks of 4 to 8 MB parsed in a median 0.26 s and blocks of 16 MB in
0.29 s, while pyarrow's default of 1 MB made 190 blocks per column to join.
"""


def _read_numbers(data: bytes | memoryview, name: str):
    """The frame, notices and number style of a UTF-8 text table whose every cell is a number or missing,
    parsed by pyarrow on all cores; None for any other file, which :func:`_read_text` then reads with pandas.

    pandas' C engine parses bytes in memory on one thread, and pyarrow's reader on
    every core, with the same results for such a table: the same numbers (pyarrow
    rounds each correctly, as pandas does on these files: bench/bench_table.py compares
    them), the same missing values (NA_TOKENS), the same header (the sniffed one) and so
    the same :class:`Table`. Anything else (text cells, decimal commas, a ragged row, a
    header that is not UTF-8, a number pyarrow does not read) gives None, and the file
    is read as before: the fast path changes how fast, not what. The one difference
    known is the sign of a zero: pandas reads ``-0`` in a column of integers as the
    integer 0, pyarrow as the float -0.0, equal to 0.0 in every sum and product.
    """
    head = _head(data)
    first = head[: head.find(b"\n") + 1 or len(head)]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or not _utf8(first) or not first.removeprefix(_BOM).strip():
        return None  # UTF-16, a header not in UTF-8, or a blank line before it (pyarrow skips the first line)
    _check_text(head[:_SAMPLE_BYTES], name)
    dialect = _Dialect.sniff(head, name)
    header = dialect.header
    if (
        dialect.decimal_comma
        or not header
        or len(header) > MAX_COLUMNS
        or any(("\n" in h or "\r" in h) for h in header)
    ):
        return None
    try:
        import pyarrow.csv  # noqa: F401  (the reader _parse_numbers uses)
    except ImportError:
        return None
    labels = [f"c{j}" for j in range(len(header))]
    parsed = None
    if not dialect.na_tokens:  # first the one token such files use, then, if a cell needs them, all
        parsed = _parse_numbers(data, labels, dialect.sep, _EMPTY_ONLY)
    if parsed is None:
        parsed = _parse_numbers(data, labels, dialect.sep, NA_TOKENS)
    if parsed is None:
        return None
    import pandas as pd

    values, extremes = parsed
    return pd.DataFrame(values, columns=header, copy=False), _separator_notice(dialect.sep, name), False, extremes


def _parse_numbers(data: bytes | memoryview, labels: list[str], sep: str, nulls: tuple[str, ...]):
    """pyarrow's parse of every row after the header as float64, ``nulls`` read as missing, as :func:`_values_of`
    gives it (the values and their columns' extremes); None if a cell is neither a number nor one of ``nulls``,
    or a row is ragged."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    try:
        table = pacsv.read_csv(
            pa.BufferReader(pa.py_buffer(data)),
            read_options=pacsv.ReadOptions(
                column_names=labels, skip_rows=1, block_size=int(np.clip(len(data) // 24, *_BLOCK_BYTES))
            ),
            parse_options=pacsv.ParseOptions(delimiter=sep),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(labels, pa.float64()), null_values=list(nulls), strings_can_be_null=True
            ),
        )
    except (pa.ArrowException, ValueError, OSError):  # a cell that is not a number, a ragged row: pandas says which
        return None
    values = _values_of(table) if table.num_rows and table.num_columns == len(labels) else None
    del table
    pa.default_memory_pool().release_unused()  # 160 MB kept by pyarrow's allocator on the 190 MB table, in 1 ms
    return values


def _head(data: bytes | memoryview) -> bytes:
    """The bytes :func:`_sample` reads: the first _SAMPLE_ROWS + 1 lines, at least _SAMPLE_BYTES if there are."""
    end, seen, step = 0, 0, _SAMPLE_BYTES
    while end < len(data) and seen <= _SAMPLE_ROWS:
        seen += bytes(data[end : end + step]).count(b"\n")
        end += step
    return bytes(data[: max(end, _SAMPLE_BYTES)])


def _utf8(line: bytes) -> bool:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _values_of(table) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]] | None:
    """pyarrow's columns as one column-ordered float64 array, NaN where a cell was missing, and each column's
    minimum and maximum (NaN if it has a gap); None if a cell was a NaN that pandas reads as text.

    pyarrow reads ``NAN`` or ``+nan`` as the number NaN; pandas, which knows only the
    spellings of NA_TOKENS, reads them as text, and so does :func:`read_table`. A
    column holds such a cell when it has more NaN than missing cells: its minimum, NaN
    only if it holds a NaN, says whether to count. The extremes are taken chunk by chunk
    while each is in the CPU's cache (a few hundred kB), for :meth:`Table.select`'s
    check of the values, which then need not read the table again.
    """
    n_columns = table.num_columns
    values = np.empty((table.num_rows, n_columns), order="F")
    lo, hi = np.full(n_columns, np.inf), np.full(n_columns, -np.inf)
    for j, column in enumerate(table.columns):
        row = 0
        for chunk in column.chunks:
            part = values[row : row + len(chunk), j]
            part[:] = chunk.to_numpy(zero_copy_only=False)
            if len(part):  # min and max propagate NaN, which stays
                lo[j], hi[j] = np.minimum(lo[j], part.min()), np.maximum(hi[j], part.max())
            row += len(chunk)
        if np.isnan(lo[j]) and np.count_nonzero(np.isnan(values[:, j])) != column.null_count:
            return None
    return values, (lo, hi)


def _separator_notice(sep: str, name: str) -> list[str]:
    return [] if sep == _default_sep(name) else [f"Read with {_SEPARATORS[sep]} as the separator."]


def _default_sep(name: str) -> str:
    """The separator tried first, and not noted: a tab for a ``.tsv`` file, a comma otherwise."""
    return "\t" if PurePath(name).suffix.lower() == ".tsv" else ","


# Reading Parquet


def _read_parquet(data: bytes, name: str):
    import pandas as pd

    try:
        frame = pd.read_parquet(io.BytesIO(data))
    except (ValueError, OSError, TypeError):  # pyarrow's ArrowInvalid is a ValueError, its IO errors OSErrors
        raise ValueError(f"{name} could not be read: it is not a valid Parquet file, or it is damaged.") from None
    frame = frame.reset_index(drop=all(level is None for level in frame.index.names))
    notices = []
    if PurePath(name).suffix.lower() not in _PARQUET_EXTENSIONS:
        notices.append("Read as Parquet: the file holds Parquet data, whatever its name says.")
    if len(frame.columns) > MAX_COLUMNS:
        raise ValueError(f"{name} has {len(frame.columns):,} columns; at most {MAX_COLUMNS:,} can be read.")
    frame.columns = [_parquet_name(c) for c in frame.columns]
    return frame, notices, False, None


def _parquet_name(label) -> str:
    if isinstance(label, tuple):
        return " ".join(str(part) for part in label if str(part))
    return "" if label is None else str(label)


# Reading: from a parsed frame to a Table


def _make_table(frame, notices: list[str], decimal_comma: bool, extremes, *, name: str) -> Table:
    """Name, type and classify the parsed columns; ``decimal_comma`` reads ``1,234`` as 1.234.

    ``extremes``, each column's minimum and maximum by position, comes with a frame of
    numbers only (:func:`_values_of`); None otherwise."""
    if frame.shape[1] == 0:
        raise ValueError(f"{name} has no columns.")
    if frame.shape[0] == 0:
        raise ValueError(f"{name} has column names but no rows of data.")
    names, renamed = _clean_names([str(c) for c in frame.columns])
    frame, converted = _as_numbers(frame.set_axis(range(len(names)), axis=1), decimal_comma)
    frame.columns = names
    if decimal_comma:  # the file-wide notice says it already
        converted["comma"] = []
    numeric = tuple(label for label, dtype in zip(names, frame.dtypes, strict=True) if dtype == np.float64)
    others = [i for i, dtype in enumerate(frame.dtypes) if dtype != np.float64]
    if not others:
        frame = _one_block(frame)
    levels = frame.iloc[:, others].nunique(dropna=True).to_numpy() if others else []
    return Table(
        name=name,
        columns=tuple(names),
        numeric=numeric,
        categorical=tuple(names[i] for i, n in zip(others, levels, strict=True) if 2 <= n <= MAX_LEVELS),
        n_rows=int(frame.shape[0]),
        notices=tuple(
            notices
            + renamed
            + _conversion_notices(converted, names)
            + _header_notice(names)
            + [_text_notice(names[i], stray) for i in others if (stray := _stray_text(frame.iloc[:, i]))]
        ),
        _frame=frame,
        _extremes=extremes,
    )


def _one_block(frame):
    """A frame of float64 columns as one column-ordered block, for :meth:`Table.select` to take views of.

    The frames of :func:`_read_numbers` and of pandas' conversions already are; one
    built column by column is copied once into such a block.
    """
    import pandas as pd

    values = frame.to_numpy(np.float64)
    if values.flags.f_contiguous and np.shares_memory(values, frame.iloc[:, 0].to_numpy()):
        return frame
    return pd.DataFrame(np.asfortranarray(values), columns=frame.columns, copy=False)


def _clean_names(raw: list[str]) -> tuple[list[str], list[str]]:
    """Strip names, name the empty ones ``column_<position>`` and suffix repeats ``.1``, ``.2``…"""
    names, unnamed, renamed, taken = [], [], [], set()
    for i, label in enumerate(label.strip() for label in raw):
        if not label:
            label = f"column_{i + 1}"
            unnamed.append(label)
        unique, k = label, 0
        while unique in taken:
            k += 1
            unique = f"{label}.{k}"
        if k:
            renamed.append(f"{label} → {unique}")
        names.append(unique)
        taken.add(unique)
    notices = []
    if unnamed:
        notices.append(f"Named the unnamed column{'s' * (len(unnamed) > 1)} {_and(unnamed)}.")
    if renamed:
        notices.append(f"Renamed repeated column names: {', '.join(renamed)}.")
    return names, notices


def _as_numbers(frame, decimal_comma: bool):
    """The frame, columns labelled by position, with every column of numbers as float64.

    Numbers are columns of any numeric dtype but bool, columns with no values at all,
    and text columns written as numbers (see _text_to_number). Also returns the
    positions converted from each number style.
    """
    import pandas as pd

    dtypes = list(frame.dtypes)
    converted: dict[str, list[int]] = {"point": [], "comma": []}
    to_float = {i: np.float64 for i, t in enumerate(dtypes) if isinstance(t, np.dtype) and t.kind in "iuf"}
    if len(to_float) == len(dtypes):  # the usual case: one conversion of the whole frame, not one per column
        same = all(t == np.float64 for t in dtypes)
        return (frame if same else pd.DataFrame(frame.to_numpy(np.float64), copy=False)), converted
    frame = frame.astype(to_float) if to_float else frame
    empty = ~frame.notna().any().to_numpy()
    for i, dtype in enumerate(dtypes):
        if i in to_float:
            continue
        if empty[i]:
            frame[i] = np.full(len(frame), np.nan)
        elif pd.api.types.is_numeric_dtype(dtype) and dtype.kind in "iuf":  # nullable Int64, Float64
            frame[i] = frame[i].to_numpy(np.float64, na_value=np.nan)
        elif dtype.kind not in "bcmM":
            values, style = _text_to_number(frame[i], decimal_comma)
            if values is not None:
                frame[i] = values
            if style:
                converted[style].append(i)
    return frame, converted


def _text_to_number(column, decimal_comma: bool) -> tuple[np.ndarray | None, str | None]:
    """A text column written as numbers (``1,234.5`` or ``1,5``) as float64, or None; and its style.

    The style is "point" for thousands separators, "comma" for decimal commas, None
    for numbers written plainly. Its first 200 values rule most text columns out
    before the whole column is looked at.
    """
    import pandas as pd

    head = [str(value).strip() for value in column.iloc[:400].dropna().tolist()[:200]]
    order = ("comma", "point") if decimal_comma else ("point", "comma")
    styles = [style for style in order if all(_NUMBER[style].fullmatch(cell) for cell in head)]
    if not styles:
        return None, None
    present = column.notna().to_numpy(bool)
    text = column[present].astype(str).str.strip()
    for style in styles:
        if not text.str.fullmatch(_NUMBER[style].pattern).all():
            continue
        used = bool(text.str.contains(",", regex=False).any())
        if style == "comma":
            text = text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
        numbers = pd.to_numeric(text.str.replace(",", "", regex=False), errors="coerce").to_numpy(np.float64)
        values = np.full(len(column), np.nan)
        values[present] = numbers
        return values, style if used else None
    return None, None


_STRAY_SAMPLE = 200
"""How many of a text column's first cells :func:`_stray_text` looks at before the whole column."""


@dataclass(frozen=True)
class _Stray:
    """The cells that keep a column of numbers from being read as numbers."""

    count: int
    cells: int
    row: int
    text: str


def _stray_text(column) -> _Stray | None:
    """The cells of a text column that are not numbers, if most of its cells are numbers; else None.

    A number in any of the styles read_table knows (plain, ``1,234.5``, ``1,5``) counts.
    A column whose first _STRAY_SAMPLE cells are mostly text is text: the whole column is
    looked at only when they are mostly numbers.
    """

    present = column.dropna()
    head = present.iloc[:_STRAY_SAMPLE].astype(str).str.strip()
    if head.empty or 2 * int(_numbers_among(head).sum()) < len(head):
        return None
    text = present.astype(str).str.strip()
    stray = ~_numbers_among(text)
    count = int(stray.sum())
    if not count or 2 * count > len(text):
        return None
    first = int(np.argmax(stray.to_numpy()))
    return _Stray(count=count, cells=len(text), row=int(present.index[first]) + 1, text=str(text.iloc[first]))


def _numbers_among(text):
    """Which cells of a Series of stripped strings are numbers, in any style read_table reads."""
    import pandas as pd

    numbers = pd.to_numeric(text, errors="coerce").notna().to_numpy().copy()
    rest = ~numbers
    if rest.any():
        other = text[rest]
        numbers[rest] = (
            other.str.fullmatch(_POINT_NUMBER.pattern) | other.str.fullmatch(_COMMA_NUMBER.pattern)
        ).to_numpy(bool)
    return pd.Series(numbers, index=text.index)


def _stray_words(stray: _Stray) -> str:
    """What :func:`_stray_text` found: "1 of its 5,001 cells is not a number (“oops” in row 5,001 …)"."""
    cell = " ".join(stray.text.split())
    cell = cell if len(cell) <= 24 else cell[:23] + "…"
    where = f"“{cell}” in row {stray.row:,} after the header"
    if stray.count == 1:
        return f"1 of its {stray.cells:,} cells is not a number ({where})"
    return f"{stray.count:,} of its {stray.cells:,} cells are not numbers (the first: {where})"


def _text_notice(name: str, stray: _Stray) -> str:
    """A notice for a column of numbers read as text because of a few cells."""
    which = "that cell" if stray.count == 1 else "those cells"
    return f"{name} is read as text: {_stray_words(stray)}. Fix or empty {which} to use {name} as numbers."


def _conversion_notices(converted: dict[str, list[int]], names: list[str]) -> list[str]:
    notices = []
    if converted["point"]:
        columns = _and([names[i] for i in converted["point"]])
        notices.append(f"Read numbers with thousands separators (1,234.5 → 1234.5) in {columns}.")
    if converted["comma"]:
        columns = _and([names[i] for i in converted["comma"]])
        notices.append(f"Read decimal commas as decimal points (1,5 → 1.5) in {columns}.")
    return notices


def _header_notice(names: list[str]) -> list[str]:
    """A notice if every column name is a number: the file probably has no header row."""
    if not all(_is_number(label) for label in names):
        return []
    return [
        f"The first row ({_few(names, 3)}) was read as column names, but it holds numbers: "
        "if the file has no header row, add one."
    ]


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# Selecting


def _names(label: str, values) -> list[str]:
    if isinstance(values, str):
        raise ValueError(f"{label} must be a list of column names, got the string {values!r}")
    return list(values)


def _check_roles(target: str, features: list[str], categorical: list[str]) -> None:
    """Raise if a column is used twice: as the target and a feature, or twice as a feature."""
    for role, names in (("features", features), ("categorical columns", categorical)):
        if target in names:
            raise ValueError(f"The target {target} is also among the {role}: remove it from them.")
        for name in names:
            if names.count(name) > 1:
                raise ValueError(f"{name} is listed twice among the {role}.")
    for name in features:
        if name in categorical:
            raise ValueError(f"{name} is both a numeric feature and a categorical column: choose one.")


def _all_within(values: np.ndarray) -> bool:
    """True if no value is missing, infinite or beyond ±MAX_MAGNITUDE: one min and one max per column.

    ``min`` and ``max`` propagate NaN, so both are finite exactly when every value is;
    ``values`` comes from the frame column by column, so each column is contiguous.
    """
    with np.errstate(invalid="ignore"):
        return _limited(values.min(axis=0), values.max(axis=0))


def _limited(lo: np.ndarray, hi: np.ndarray) -> bool:
    """Whether columns of these minima and maxima hold no NaN, infinity or value beyond ±MAX_MAGNITUDE."""
    with np.errstate(invalid="ignore"):
        return bool(np.all(lo >= -MAX_MAGNITUDE) and np.all(hi <= MAX_MAGNITUDE))


def _check_values(names: list[str], values: np.ndarray, missing: np.ndarray) -> None:
    """Raise for a used column with no values, or a numeric one with an infinite or too large value.

    ``values`` holds the numeric columns, the first ones of ``names``; ``missing`` flags
    the missing values of every column in ``names``.
    """
    empty = missing.all(axis=0)
    if empty.any():
        raise ValueError(f"{names[int(np.argmax(empty))]} has no values: every row of it is empty.")
    hi, lo = np.fmax.reduce(values, axis=0), np.fmin.reduce(values, axis=0)  # NaN-blind, one pass each
    limit = f"{MAX_MAGNITUDE:g}".replace("+", "")
    for flagged, bad, what, why in (
        ((hi == np.inf) | (lo == -np.inf), np.isinf, "infinite value", "a fit cannot use infinity"),
        (
            (hi > MAX_MAGNITUDE) | (lo < -MAX_MAGNITUDE),
            lambda column: np.abs(column) > MAX_MAGNITUDE,
            f"value beyond ±{limit}",
            "squaring it would overflow float64",
        ),
    ):
        if flagged.any():
            j = int(np.argmax(flagged))
            rows = bad(values[:, j])
            first, count = int(np.argmax(rows)), int(np.count_nonzero(rows))
            what = what.replace("value", "values") if count > 1 else what
            raise ValueError(
                f"{names[j]} holds {count:,} {what} ({values[first, j]:g} in row {first + 1} after the header): "
                f"{why}. Fix or remove {'that row' if count == 1 else 'those rows'}."
            )


def _too_few_rows(n_rows: int, n_dropped: int) -> str:
    if not n_dropped:
        return f"The table has {n_rows} row; at least 2 are needed to fit a line."
    left = n_rows - n_dropped
    return (
        f"{'No row is' if not left else 'Only 1 row is'} left after dropping {n_dropped:,} of {n_rows:,} rows "
        "with a missing value; at least 2 are needed to fit a line."
    )


def _dummies(values) -> tuple[np.ndarray, list[str]]:
    """Drop-first 0/1 columns for the sorted levels of ``values``, and the levels they stand for."""
    import pandas as pd

    codes = pd.Categorical(values).remove_unused_categories()
    levels = [_level_text(level) for level in codes.categories]
    matrix = codes.codes[:, None] == np.arange(1, len(levels))[None, :]
    return matrix.astype(np.float64), levels[1:]


def _level_text(level) -> str:
    if isinstance(level, float) and level.is_integer():
        return str(int(level))
    return str(level)


def _rank_notices(X: np.ndarray, y: np.ndarray, names: list[str], target: str) -> list[str]:
    """Notices for what makes the least-squares weights not unique, or R² undefined."""
    notices = []
    constant = [j for j in range(X.shape[1]) if X[0, j] == X[-1, j] and np.ptp(X[:, j]) == 0]
    for j in constant:
        notices.append(
            f"{names[j]} is constant ({X[0, j]:g}): it is collinear with the intercept, so the weights are not unique."
        )
    for j, k in _identical_columns(X, skip=set(constant)):
        notices.append(f"{names[k]} holds the same values as {names[j]}: their weights are not unique.")
    if X.shape[1] + 1 > X.shape[0]:
        notices.append(f"{X.shape[1]} features and an intercept, but {X.shape[0]} rows: the weights are not unique.")
    if np.ptp(y) == 0:
        notices.append(f"The target {target} is constant ({y[0]:g}): R² is undefined.")
    return notices


def _identical_columns(X: np.ndarray, skip: set[int]) -> list[tuple[int, int]]:
    """Pairs ``(j, k)``, j < k, of identical columns: bucketed by their first rows, then compared whole."""
    first: dict[bytes, list[int]] = {}
    pairs = []
    for k in range(X.shape[1]):
        if k in skip:
            continue
        bucket = first.setdefault(X[:64, k].tobytes(), [])
        match = next((j for j in bucket if np.array_equal(X[:, j], X[:, k])), None)
        if match is None:
            bucket.append(k)
        else:
            pairs.append((match, k))
    return pairs


# Wording


def _few(names: Sequence[str], limit: int = 8) -> str:
    shown = ", ".join(names[:limit])
    return shown if len(names) <= limit else f"{shown}, … ({len(names):,} in all)"


def _and(names: Sequence[str]) -> str:
    return _join(names, "and")


def _either(names: Sequence[str]) -> str:
    return _join(names, "or")


def _join(names: Sequence[str], word: str, limit: int = 5) -> str:
    if len(names) > limit:
        rest = len(names) - limit + 1
        return f"{', '.join(names[: limit - 1])} {word} {rest:,} other columns"
    if len(names) == 1:
        return names[0]
    return f"{', '.join(names[:-1])} {word} {names[-1]}"


def _megabytes(n_bytes: int) -> str:
    return f"{n_bytes:,} bytes" if n_bytes < 1_000_000 else f"{n_bytes / 1e6:,.1f} MB"
