"""Reading a user's table: every bad input gets a message the user can act on, every good one its numbers."""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from linreg import ols
from linreg.tables import MAX_COLUMNS, MAX_FEATURES, MAX_LEVELS, read_table, safe_csv_cell

TIPS = (
    b"total_bill,tip,sex,day\n"
    b"16.99,1.01,Female,Sun\n"
    b"10.34,1.66,Male,Sun\n"
    b"21.01,3.5,Male,Sat\n"
    b"23.68,3.31,Male,Thur\n"
    b"24.59,3.61,Female,Fri\n"
    b"25.29,4.71,Male,Sat\n"
)
MANY_LEVELS = b"y,x,name\n" + b"".join(b"%d,%d,n%d\n" % (i, i * i, i) for i in range(MAX_LEVELS + 1))


def parquet_bytes(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer)
    return buffer.getvalue()


def wide_csv(n_columns: int, n_rows: int) -> bytes:
    rng = np.random.default_rng(0)
    header = ",".join(f"c{j}" for j in range(n_columns))
    rows = ("\n".join(",".join(map(str, row)) for row in rng.integers(0, 100, size=(n_rows, n_columns)))).encode()
    return header.encode() + b"\n" + rows + b"\n"


# read_table: files it refuses


READ_ERRORS = [
    ("empty file", b"", "data.csv", "data.csv is empty."),
    ("blank lines only", b" \r\n\n\t\n", "data.csv", "data.csv is empty."),
    ("header only", b"a,b\n", "data.csv", "data.csv has column names but no rows of data."),
    ("header and blank lines", b"a;b\r\n\r\n\r\n", "data.csv", "data.csv has column names but no rows of data."),
    (
        "PNG image",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10",
        "plot.csv",
        "plot.csv is not a table: it looks like a PNG image. "
        "Upload a CSV, TSV or Parquet file (a spreadsheet program can save a sheet as CSV).",
    ),
    (
        "random bytes",
        np.random.default_rng(1).bytes(4096),
        "data.csv",
        "data.csv is not a table: it holds binary data. "
        "Upload a CSV, TSV or Parquet file (a spreadsheet program can save a sheet as CSV).",
    ),
    (
        "NUL bytes in text (UTF-16 without its BOM)",
        "a,b\n1,2\n".encode("utf-16-le"),
        "data.csv",
        "data.csv is not a table: it holds binary data. "
        "Upload a CSV, TSV or Parquet file (a spreadsheet program can save a sheet as CSV).",
    ),
    (
        "UTF-16 BOM on bytes that are not UTF-16",
        b"\xff\xfea\x00,\x00b",
        "data.txt",
        "data.txt is not a table: it starts like UTF-16 text but is not. "
        "Upload a CSV, TSV or Parquet file (a spreadsheet program can save a sheet as CSV).",
    ),
    (
        "Excel workbook",
        b"PK\x03\x04\x14\x00\x06\x00",
        "book.xlsx",
        "book.xlsx is not a table: it looks like an Excel workbook or a zip archive. "
        "Upload a CSV, TSV or Parquet file (a spreadsheet program can save a sheet as CSV).",
    ),
    (
        "PDF",
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
        "report.csv",
        "report.csv is not a table: it looks like a PDF document. "
        "Upload a CSV, TSV or Parquet file (a spreadsheet program can save a sheet as CSV).",
    ),
    (
        "gzip archive",
        b"\x1f\x8b\x08\x00\x00\x00\x00\x00",
        "data.csv.gz",
        "data.csv.gz is not a table: it looks like a gzip archive. "
        "Upload a CSV, TSV or Parquet file (a spreadsheet program can save a sheet as CSV).",
    ),
    (
        "CSV named .parquet",
        b"a,b\n1,2\n",
        "data.parquet",
        "data.parquet is not a Parquet file: it lacks the Parquet signature. Is it a CSV file renamed?",
    ),
    (
        "damaged Parquet",
        b"PAR1" + b"\x15\x04" * 50 + b"PAR1",
        "data.parquet",
        "data.parquet could not be read: it is not a valid Parquet file, or it is damaged.",
    ),
    (
        "first row longer than the header",
        b"a,b\n1,2,3\n4,5\n",
        "data.csv",
        "data.csv could not be read: line 2 has more fields than the header's 2.",
    ),
    (
        "later row longer than the header",
        b"a,b\n1,2\n3,4\n5,6,7\n",
        "data.csv",
        "data.csv could not be read: line 4 has 3 fields, but the header has 2.",
    ),
    (
        "quote never closed",
        b'a,b\n1,2\n"3,4\n5,6\n',
        "data.csv",
        "data.csv could not be read: a quote opened on line 3 is never closed.",
    ),
    (
        "too many columns",
        ",".join(f"c{j}" for j in range(MAX_COLUMNS + 1)).encode() + b"\n",
        "wide.csv",
        f"wide.csv has {MAX_COLUMNS + 1:,} columns; at most {MAX_COLUMNS:,} can be read.",
    ),
]


@pytest.mark.parametrize(
    ("data", "name", "message"), [case[1:] for case in READ_ERRORS], ids=[c[0] for c in READ_ERRORS]
)
def test_read_table_refuses_with_a_message(data, name, message):
    with pytest.raises(ValueError) as caught:
        read_table(data, name)
    assert str(caught.value) == message


def test_file_over_the_cap_is_refused_before_parsing():
    with pytest.raises(ValueError) as caught:
        read_table(b"x,y\n1,2\n3,4\n", "data.csv", max_bytes=10)
    assert str(caught.value) == "data.csv is 12 bytes; files up to 10 bytes can be read."
    with pytest.raises(ValueError) as caught:
        read_table(b"\0" * 3_000_001, "big.csv", max_bytes=2_500_000)
    assert str(caught.value) == "big.csv is 3.0 MB; files up to 2.5 MB can be read."


def test_parquet_without_rows_is_refused():
    data = parquet_bytes(pd.DataFrame({"x": pd.Series([], dtype=float), "y": pd.Series([], dtype=float)}))
    with pytest.raises(ValueError) as caught:
        read_table(data, "empty.parquet")
    assert str(caught.value) == "empty.parquet has column names but no rows of data."


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        ("a,b\n1,2\n", "data.csv", "data must be the file's bytes, got str"),
        (b"a,b\n1,2\n", None, "name must be the file's name as a string, got NoneType"),
    ],
)
def test_read_table_argument_types(data, name, message):
    with pytest.raises(ValueError) as caught:
        read_table(data, name)
    assert str(caught.value) == message


# read_table: what it reads on the user's behalf, and says so


READ_NOTICES = [
    (
        "latin-1 file",
        "café,prix\n1,2\n3,4\n".encode("latin-1"),
        "data.csv",
        {"café": [1.0, 3.0], "prix": [2.0, 4.0]},
        ("Read as latin-1 (Windows-1252): the file is not UTF-8.",),
    ),
    (
        "Windows-1252 euro sign",
        "price €,qty\n1,2\n3,4\n".encode("cp1252"),
        "data.csv",
        {"price €": [1.0, 3.0], "qty": [2.0, 4.0]},
        ("Read as latin-1 (Windows-1252): the file is not UTF-8.",),
    ),
    (
        "semicolons and decimal commas",
        b"x;y\n1,5;2,25\n-3;0,125\n",
        "data.csv",
        {"x": [1.5, -3.0], "y": [2.25, 0.125]},
        ("Read with semicolons (;) as the separator.", "Read decimal commas as decimal points (1,5 → 1.5)."),
    ),
    (
        "decimal commas with dots for thousands",
        b"x;y\n1.234,5;2\n12;3,5\n",
        "data.csv",
        {"x": [1234.5, 12.0], "y": [2.0, 3.5]},
        ("Read with semicolons (;) as the separator.", "Read decimal commas as decimal points (1,5 → 1.5)."),
    ),
    (
        "quoted thousands in a comma file",
        b'x,y\n"1,234",2\n"12,345,678.5",3\n7,4\n',
        "data.csv",
        {"x": [1234.0, 12345678.5, 7.0], "y": [2.0, 3.0, 4.0]},
        ("Read numbers with thousands separators (1,234.5 → 1234.5) in x.",),
    ),
    (
        "thousands in a semicolon file",
        b"x;y\n1,234.5;2\n12;3\n",
        "data.csv",
        {"x": [1234.5, 12.0], "y": [2.0, 3.0]},
        (
            "Read with semicolons (;) as the separator.",
            "Read numbers with thousands separators (1,234.5 → 1234.5) in x.",
        ),
    ),
    (
        "quoted decimal commas in a comma file",
        b'x,y\n"1,5",2\n"2,75",3\n',
        "data.csv",
        {"x": [1.5, 2.75], "y": [2.0, 3.0]},
        ("Read decimal commas as decimal points (1,5 → 1.5) in x.",),
    ),
    ("quoted numbers", b'x,y\n"1.5","2"\n" 3 ",4\n', "data.csv", {"x": [1.5, 3.0], "y": [2.0, 4.0]}, ()),
    ("TSV", b"x\ty\n1.5\t2\n3\t4\n", "data.tsv", {"x": [1.5, 3.0], "y": [2.0, 4.0]}, ()),
    (
        "tabs in a .csv",
        b"x\ty\n1.5\t2\n3\t4\n",
        "data.csv",
        {"x": [1.5, 3.0], "y": [2.0, 4.0]},
        ("Read with tabs as the separator.",),
    ),
    (
        "vertical bars",
        b"x|y\n1|2\n3|4\n",
        "data.txt",
        {"x": [1.0, 3.0], "y": [2.0, 4.0]},
        ("Read with vertical bars (|) as the separator.",),
    ),
    ("CRLF and a UTF-8 BOM", b"\xef\xbb\xbfx,y\r\n1,2\r\n3,4\r\n", "data.csv", {"x": [1.0, 3.0], "y": [2.0, 4.0]}, ()),
    (
        "UTF-16 from Excel's Unicode text",
        "x\ty\n1\t2\n3\t4\n".encode("utf-16"),
        "data.txt",
        {"x": [1.0, 3.0], "y": [2.0, 4.0]},
        ("Read as UTF-16: the file is not UTF-8.", "Read with tabs as the separator."),
    ),
    (
        "repeated column names",
        b"a,a,b,a\n1,2,3,4\n5,6,7,8\n",
        "data.csv",
        {"a": [1.0, 5.0], "a.1": [2.0, 6.0], "b": [3.0, 7.0], "a.2": [4.0, 8.0]},
        ("Renamed repeated column names: a → a.1, a → a.2.",),
    ),
    (
        "blank and padded names",
        b" x ,,y,  \n1,2,3,4\n5,6,7,8\n",
        "data.csv",
        {"x": [1.0, 5.0], "column_2": [2.0, 6.0], "y": [3.0, 7.0], "column_4": [4.0, 8.0]},
        ("Named the unnamed columns column_2 and column_4.",),
    ),
    (
        "no header row",
        b"1.5,2\n3,4\n5,6\n",
        "data.csv",
        {"1.5": [3.0, 5.0], "2": [4.0, 6.0]},
        (
            "The first row (1.5, 2) was read as column names, but it holds numbers: "
            "if the file has no header row, add one.",
        ),
    ),
    ("short rows", b"x,y,z\n1,2\n3,4,5\n", "data.csv", {"x": [1.0, 3.0], "y": [2.0, 4.0], "z": [np.nan, 5.0]}, ()),
    (
        "missing values and infinities",
        b"x,y\n,NA\ninf,-inf\n1,2\n",
        "data.csv",
        {"x": [np.nan, np.inf, 1.0], "y": [np.nan, -np.inf, 2.0]},
        (),
    ),
]


@pytest.mark.parametrize(
    ("data", "name", "values", "notices"), [case[1:] for case in READ_NOTICES], ids=[c[0] for c in READ_NOTICES]
)
def test_read_table_reads_numbers_and_says_how(data, name, values, notices):
    table = read_table(data, name)
    assert table.columns == tuple(values)
    assert table.numeric == tuple(values)
    for column, expected in values.items():
        np.testing.assert_array_equal(table.column(column), expected)
    assert table.notices == notices


def test_a_column_that_is_not_all_numbers_stays_text():
    table = read_table(b"id,y\n1,2\n1-2,3\n3,4\n", "data.csv")
    assert table.numeric == ("y",)
    assert table.column("id").tolist() == ["1", "1-2", "3"]


def test_parquet_round_trip():
    frame = pd.DataFrame(
        {
            "x": [1.5, 2.5, np.nan],
            "n": pd.array([1, None, 3], dtype="Int64"),
            "day": ["Sat", "Sun", "Sat"],
            "y": [1.0, 2.0, 3.0],
        }
    )
    table = read_table(parquet_bytes(frame), "data.parquet")
    assert (table.columns, table.numeric, table.categorical) == (("x", "n", "day", "y"), ("x", "n", "y"), ("day",))
    np.testing.assert_array_equal(table.column("n"), [1.0, np.nan, 3.0])
    assert table.notices == ()
    selection = table.select("y", ["x"], categorical=["day"])
    assert selection.feature_names == ("x", "day[T.Sun]")
    assert selection.X.tolist() == [[1.5, 0.0], [2.5, 1.0]]


def test_parquet_named_csv_is_read_as_parquet():
    table = read_table(parquet_bytes(pd.DataFrame({"x": [1.0, 2.0], "y": [3.0, 4.0]})), "data.csv")
    assert table.notices == ("Read as Parquet: the file holds Parquet data, whatever its name says.",)
    assert table.column("y").tolist() == [3.0, 4.0]


# Table.select: choices it refuses


SELECT_ERRORS = [
    (
        "unknown target",
        TIPS,
        ("price",),
        {},
        "tips.csv has no column named 'price'; its columns are total_bill, tip, sex, day.",
    ),
    (
        "unknown feature",
        TIPS,
        ("tip", ["total_bill", "size"]),
        {},
        "tips.csv has no column named 'size'; its columns are total_bill, tip, sex, day.",
    ),
    (
        "non-numeric target",
        TIPS,
        ("day",),
        {},
        "The target must be numeric, but day holds text (Sun, Sat, Thur, …).",
    ),
    (
        "text feature that can be categorical",
        TIPS,
        ("tip", ["sex"]),
        {},
        "Features must be numeric, but sex holds text (Female, Male). "
        "Pass it in categorical= to use it as dummy columns.",
    ),
    (
        "text feature with too many levels",
        MANY_LEVELS,
        ("y", ["name"]),
        {},
        "Features must be numeric, but name holds text (n0, n1, n2, …).",
    ),
    (
        "target among the features",
        TIPS,
        ("tip", ["total_bill", "tip"]),
        {},
        "The target tip is also among the features: remove it from them.",
    ),
    (
        "target among the categorical columns",
        TIPS,
        ("tip",),
        {"categorical": ["tip"]},
        "The target tip is also among the categorical columns: remove it from them.",
    ),
    (
        "feature twice",
        TIPS,
        ("tip", ["total_bill", "total_bill"]),
        {},
        "total_bill is listed twice among the features.",
    ),
    (
        "feature also categorical",
        TIPS,
        ("tip", ["total_bill"]),
        {"categorical": ["total_bill"]},
        "total_bill is both a numeric feature and a categorical column: choose one.",
    ),
    (
        "features given as one string",
        TIPS,
        ("tip", "total_bill"),
        {},
        "features must be a list of column names, got the string 'total_bill'",
    ),
    ("no features chosen", TIPS, ("tip", []), {}, "No features chosen: choose at least one column to fit tip on."),
    (
        "one column",
        b"y\n1\n2\n3\n",
        ("y",),
        {},
        "No features to fit y on: tips.csv has no numeric column besides it. "
        "Choose a categorical column, or upload a table with more columns.",
    ),
    ("all-NaN feature", b"y,x,z\n1,2,\n2,3,\n3,5,\n", ("y",), {}, "z has no values: every row of it is empty."),
    ("all-NaN target", b"y,x\n,2\n,3\n", ("y",), {}, "y has no values: every row of it is empty."),
    (
        "infinite feature",
        b"y,x\n1,2\n2,inf\n3,-inf\n",
        ("y",),
        {},
        "x holds 2 infinite values (inf in row 2 after the header): a fit cannot use infinity. "
        "Fix or remove those rows.",
    ),
    (
        "infinite target",
        b"y,x\n1,2\n-Infinity,3\n",
        ("y",),
        {},
        "y holds 1 infinite value (-inf in row 2 after the header): a fit cannot use infinity. Fix or remove that row.",
    ),
    (
        "value beyond 1e150",
        b"y,x\n1,2\n2,3\n3,-1e200\n",
        ("y",),
        {},
        "x holds 1 value beyond ±1e150 (-1e+200 in row 3 after the header): squaring it would overflow float64. "
        "Fix or remove that row.",
    ),
    ("one row", b"y,x\n1,2\n", ("y",), {}, "The table has 1 row; at least 2 are needed to fit a line."),
    (
        "one row left after dropping",
        b"y,x\n1,2\n,3\n3,\n",
        ("y",),
        {},
        "Only 1 row is left after dropping 2 of 3 rows with a missing value; at least 2 are needed to fit a line.",
    ),
    (
        "no row left after dropping",
        b"y,x\n1,\n,3\n",
        ("y",),
        {},
        "No row is left after dropping 2 of 2 rows with a missing value; at least 2 are needed to fit a line.",
    ),
    (
        "categorical with too many levels",
        MANY_LEVELS,
        ("y", ["x"]),
        {"categorical": ["name"]},
        f"name has {MAX_LEVELS + 1} distinct values; at most {MAX_LEVELS} can become dummy columns.",
    ),
    (
        "categorical with one level",
        b"y,x,g\n1,2,a\n2,3,a\n3,5,a\n",
        ("y", ["x"]),
        {"categorical": ["g"]},
        "g has one value: it cannot make a dummy column.",
    ),
    (
        "more than MAX_FEATURES chosen",
        wide_csv(MAX_FEATURES + 2, 3),
        ("c0", [f"c{j}" for j in range(1, MAX_FEATURES + 2)]),
        {},
        f"At most {MAX_FEATURES} features can be fitted; got {MAX_FEATURES + 1} numeric features: choose fewer.",
    ),
]


@pytest.mark.parametrize(
    ("data", "args", "kwargs", "message"), [case[1:] for case in SELECT_ERRORS], ids=[c[0] for c in SELECT_ERRORS]
)
def test_select_refuses_with_a_message(data, args, kwargs, message):
    table = read_table(data, "tips.csv")
    with pytest.raises(ValueError) as caught:
        table.select(*args, **kwargs)
    assert str(caught.value) == message


# Table.select: what it allows, and notes


def test_missing_values_are_dropped_with_a_count():
    tips = pd.read_csv(io.BytesIO(TIPS))
    tips.loc[[0, 3], "tip"] = np.nan
    tips.loc[[3, 5], "total_bill"] = np.nan
    tips.loc[[1], "sex"] = np.nan  # an unused column: its gap costs no row
    table = read_table(tips.to_csv(index=False).encode(), "tips.csv")
    selection = table.select("tip", ["total_bill"])
    assert selection.notices == ("Dropped 3 of 6 rows with a missing value in tip or total_bill.",)
    assert selection.n_dropped == 3
    assert selection.X[:, 0].tolist() == [10.34, 21.01, 24.59]
    assert selection.y.tolist() == [1.66, 3.5, 3.61]


def test_constant_and_duplicate_features_are_allowed_and_noted():
    table = read_table(b"y,x,k,x2\n1,1,5,1\n3,2,5,2\n5,3,5,3\n8,4,5,4\n", "data.csv")
    selection = table.select("y")
    assert selection.notices == (
        "k is constant (5): it is collinear with the intercept, so the weights are not unique.",
        "x2 holds the same values as x: their weights are not unique.",
    )
    assert ols(selection.X, selection.y).rank == 2  # of [x, k, x2, 1]: the core reports the deficiency


def test_more_features_than_rows_reads_and_is_noted():
    table = read_table(b"y,a,b,c,d\n1,2,3,5,8\n2,3,5,8,13\n4,5,8,13,21\n", "data.csv")
    selection = table.select("y")
    assert selection.X.shape == (3, 4)
    assert selection.notices == ("4 features and an intercept, but 3 rows: the weights are not unique.",)


def test_constant_target_is_noted():
    selection = read_table(b"y,x\n2,1\n2,2\n2,3\n", "data.csv").select("y")
    assert selection.notices == ("The target y is constant (2): R² is undefined.",)


def test_dummies_match_pandas_get_dummies_with_patsy_names():
    table = read_table(TIPS, "tips.csv")
    selection = table.select("tip", ["total_bill"], categorical=["day", "sex"])
    assert selection.feature_names == ("total_bill", "day[T.Sat]", "day[T.Sun]", "day[T.Thur]", "sex[T.Male]")
    frame = pd.read_csv(io.BytesIO(TIPS))
    expected = pd.get_dummies(frame[["total_bill", "day", "sex"]], drop_first=True, dtype=float).to_numpy()
    np.testing.assert_array_equal(selection.X, expected)
    np.testing.assert_array_equal(selection.y, frame["tip"])
    assert not selection.X.flags.writeable and not selection.y.flags.writeable


def test_numeric_column_as_categorical_names_integer_levels():
    table = read_table(b"y,size\n1,2\n2,3\n3,2\n4,4\n", "data.csv")
    selection = table.select("y", [], categorical=["size"])
    assert selection.feature_names == ("size[T.3]", "size[T.4]")
    assert selection.X.tolist() == [[0.0, 0.0], [1.0, 0.0], [0.0, 0.0], [0.0, 1.0]]


def test_default_features_are_every_numeric_column_but_the_target():
    selection = read_table(TIPS, "tips.csv").select("tip")
    assert selection.feature_names == ("total_bill",)
    assert (selection.target_name, selection.n_dropped, selection.notices) == ("tip", 0, ())


# Names are data


HOSTILE = ["=cmd|' /C calc'!A0", "<script>alert(1)</script>", "[link](http://x)", ":red[big]"]


def test_hostile_names_are_kept_verbatim():
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["y", *HOSTILE])
    writer.writerows([[1, 2, 3, 4, 5], [2, 3, 5, 7, 11], [3, 5, 8, 13, 21], [5, 1, 2, 3, 4]])
    table = read_table(buffer.getvalue().encode(), "names.csv")
    assert table.columns == ("y", *HOSTILE)
    assert table.select("y").feature_names == tuple(HOSTILE)
    assert [safe_csv_cell(name) for name in HOSTILE] == ["'=cmd|' /C calc'!A0", *HOSTILE[1:]]


@pytest.mark.parametrize(
    ("text", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("total_bill", "total_bill"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_safe_csv_cell(text, safe):
    assert safe_csv_cell(text) == safe


# Size


def test_a_million_rows():
    m = 1_000_000
    x = np.arange(m) % 1000
    y = 3 * x + 7
    data = b"x,y\n" + "\n".join(f"{a},{b}" for a, b in zip(x.tolist(), y.tolist(), strict=True)).encode()
    selection = read_table(data, "big.csv").select("y")
    assert selection.X.shape == (m, 1)
    fit = ols(selection.X, selection.y)
    np.testing.assert_allclose([fit.weights[0], fit.bias], [3.0, 7.0], rtol=1e-9)


def test_ten_thousand_columns():
    table = read_table(wide_csv(10_000, 20), "wide.csv")
    assert len(table.numeric) == 10_000
    with pytest.raises(ValueError) as caught:
        table.select("c0")
    assert str(caught.value) == "At most 100 features can be fitted; wide.csv has 10,000 numeric columns: choose some."
    selection = table.select("c0", ["c1", "c5000", "c9999"])
    assert selection.X.shape == (20, 3)
    assert selection.feature_names == ("c1", "c5000", "c9999")


# Outside data


def test_plotly_tips():
    px = pytest.importorskip("plotly.express")
    table = read_table(px.data.tips().to_csv(index=False).encode(), "tips.csv")
    assert table.categorical == ("sex", "smoker", "day", "time")
    selection = table.select("tip", ["total_bill"])
    assert selection.X.shape == (244, 1)
    fit = ols(selection.X, selection.y)
    assert (round(float(fit.weights[0]), 4), round(fit.bias, 4)) == (0.105, 0.9203)  # statsmodels' tip ~ total_bill


def test_importing_tables_loads_no_pandas():
    code = "import sys, linreg.tables; print(sorted(m for m in sys.modules if m.startswith(('pandas', 'pyarrow'))))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


# The fast reader of tables of numbers reads what pandas' reader reads


def _slow_read(data: bytes, name: str, monkeypatch):
    """read_table with pyarrow's reader of numbers switched off: pandas' C engine reads every file."""
    from linreg import tables

    with monkeypatch.context() as patch:
        patch.setattr(tables, "_read_numbers", lambda data, name: None)
        return read_table(data, name)


def _assert_same_table(fast, slow) -> None:
    assert (fast.columns, fast.numeric, fast.categorical, fast.n_rows, fast.notices) == (
        slow.columns,
        slow.numeric,
        slow.categorical,
        slow.n_rows,
        slow.notices,
    )
    for name in fast.columns:
        a, b = fast.column(name), slow.column(name)
        assert a.dtype == b.dtype
        if a.dtype == np.float64:
            assert a.tobytes() == b.tobytes(), name  # bit for bit, NaN where missing included
        else:
            assert a.tolist() == b.tolist(), name


_RNG = np.random.default_rng(5)
_VALUES = _RNG.normal(size=300) * 10.0 ** _RNG.integers(-300, 300, size=300)
NUMBER_FILES = [
    ("integers", b"y,x\n1,2\n3,4\n5,-6\n", "data.csv"),
    ("17 digits and exponents", ("v\n" + "\n".join(repr(float(v)) for v in _VALUES) + "\n").encode(), "data.csv"),
    ("20 digits", ("v,w\n" + "\n".join(f"{v:.20g},{v:.3e}" for v in _VALUES) + "\n").encode(), "data.csv"),
    (
        "every missing-value token",
        (
            "a,b\n"
            + "".join(
                f"{t},{i}\n"
                for i, t in enumerate(
                    [
                        "",
                        "#N/A",
                        "#N/A N/A",
                        "#NA",
                        "-1.#IND",
                        "-1.#QNAN",
                        "-NaN",
                        "-nan",
                        "1.#IND",
                        "1.#QNAN",
                        "<NA>",
                        "N/A",
                        "NA",
                        "NULL",
                        "NaN",
                        "None",
                        "n/a",
                        "nan",
                        "null",
                        "1.5",
                    ]
                )
            )
        ).encode(),
        "data.csv",
    ),  # fmt: skip
    ("quoted numbers and quoted missing", b'a,b\n"1.5","2"\n"NA",3\n4,""\n', "data.csv"),
    ("signs, points, infinities", b"a,b\n+1.5,.5\n-2.,5.\ninf,-inf\n1e-320,1e400\n", "data.csv"),
    (
        "integers beyond 2**53 and 2**63",
        b"a,b\n9007199254740993,1\n18446744073709551617,2\n-9223372036854775809,3\n",
        "d.csv",
    ),
    ("CRLF, a BOM and no final newline", b"\xef\xbb\xbfa,b\r\n1,2\r\n3,4", "data.csv"),
    ("blank lines between rows", b"a,b\n1,2\n\n3,4\n\n", "data.csv"),
    ("a row of missing values", b"a,b\n1,2\n,\n3,4\n", "data.csv"),
    ("a column of missing values", b"a,b,c\n1,,2\n3,,4\n", "data.csv"),
    ("semicolons", b"a;b\n1.5;2\n3;4\n", "data.csv"),
    ("semicolons and decimal commas", b"a;b\n1,5;2\n3,25;4\n", "data.csv"),
    ("tabs in a .tsv", b"a\tb\n1\t2\n3\t4\n", "data.tsv"),
    ("vertical bars", b"a|b|c\n1|2|3\n4|5|6\n", "data.txt"),
    ("spaces around numbers", b"a,b\n 1.5 ,2\n3, 4\n", "data.csv"),
    ("thousands separators", b'a,b\n"1,234.5",1\n"2,000",2\n', "data.csv"),
    ("a text column", b"a,b\n1,x\n2,y\n3,x\n", "data.csv"),
    ("text after many numbers", b"a,b\n" + b"1,2\n" * 5000 + b"3,oops\n", "data.csv"),
    ("decimals after many integers", b"a,b\n" + b"1,2\n" * 5000 + b"3,4.5\n", "data.csv"),
    ("booleans", b"a,b\n1,true\n2,false\n", "data.csv"),
    ("hostile and repeated names", b"=cmd|' /C calc'!A0,<script>,,a,a\n1,2,3,4,5\n6,7,8,9,10\n", "data.csv"),
    ("a quoted header with the separator", b'"a,b",c\n1,2\n3,4\n', "data.csv"),
    ("a latin-1 header", "café,b\n1,2\n3,4\n".encode("latin-1"), "data.csv"),
    ("a UTF-8 header", "café,β\n1,2\n3,4\n".encode(), "data.csv"),
    ("numbers for names", b"1,2\n3,4\n5,6\n", "data.csv"),
    ("a short row", b"a,b,c\n1,2,3\n4,5\n", "data.csv"),
    ("one row", b"a,b\n1,2\n", "data.csv"),
    ("integers beyond every integer type", b"a,b\n1,2\n" + b"1" * 31 + b",3\n-" + b"9" * 400 + b",4\n", "data.csv"),
    ("spellings of infinity", b"a,b\n1,inf\n2,-Infinity\n3,INF\n4,+inf\n", "data.csv"),
    ("spellings of NaN that pandas reads as text", b"a,b\n1,NAN\n2,nAn\n3,+nan\n4,\n", "data.csv"),
    ("a NaN spelled as text among missing cells", b"a,b\n1,NA\n2,-NAN\n3,\n4,5\n", "data.csv"),
    ("a blank line before the header", b"\na,b\n1,2\n3,4\n", "data.csv"),
    ("blank lines before a header of numbers", b"\r\n\n1,2\n3,4\n5,6\n", "data.csv"),
    ("spaces before the header", b"   \n1,2\n3,4\n", "data.csv"),
    ("a BOM and a blank line", b"\xef\xbb\xbf\n1,2\n3,4\n", "data.csv"),
    ("NA after the sampled rows", b"a,b\n" + b"1,2\n" * 50 + b"NA,3\n,4\n", "data.csv"),
    ("nan after the sampled rows", b"a,b\n" + b"1,2\n" * 50 + b"5,nan\n,4\n", "data.csv"),
    ("NAN as text after the sampled rows", b"a,b\n" + b"1,2\n" * 50 + b"5,NAN\n,4\n", "data.csv"),
]


@pytest.mark.parametrize("label, data, name", NUMBER_FILES, ids=[case[0] for case in NUMBER_FILES])
def test_the_fast_reader_reads_what_pandas_reads(label, data, name, monkeypatch):
    slow = _slow_read(data, name, monkeypatch)
    _assert_same_table(read_table(data, name), slow)
    _assert_same_table(read_table(memoryview(data), name), slow)


def test_tables_of_numbers_take_the_fast_reader_and_others_do_not():
    from linreg import tables

    assert tables._read_numbers(b"a,b\n1,2\nNA,4\n", "data.csv") is not None
    assert tables._read_numbers(b"a;b\n1.5;2\n", "data.csv") is not None
    for data in (b"a,b\n1,x\n", b"a;b\n1,5;2\n", "caf\xe9,b\n1,2\n".encode("latin-1"), b"a,b\n1,2,3\n"):
        assert tables._read_numbers(data, "data.csv") is None


@pytest.mark.parametrize(
    "data, tried",
    [
        (b"a,b\n1,2\n,4\n", [("",)]),
        (b"a,b\n1,2\nNA,4\n", ["all"]),
        (b"a,b\n" + b"1,2\n" * 50 + b"NA,4\n", [("",), "all"]),
        (b"a,b\n" + b"1,2\n" * 50 + b"nan,4\n", [("",), "all"]),
    ],
    ids=["empty cells only", "a token in the sampled rows", "a token after them", "a NaN after them"],
)
def test_pyarrow_first_reads_empty_cells_only_and_every_token_when_a_cell_needs_them(data, tried, monkeypatch):
    from linreg import tables

    calls, parse = [], tables._parse_numbers

    def spy(data, labels, sep, nulls):
        calls.append("all" if nulls == tables.NA_TOKENS else nulls)
        return parse(data, labels, sep, nulls)

    monkeypatch.setattr(tables, "_parse_numbers", spy)
    table = read_table(data, "data.csv")
    assert calls == tried
    assert np.count_nonzero(np.isnan(table.column("a"))) == 1


def test_the_missing_value_tokens_are_pandas_defaults():
    from pandas._libs.parsers import STR_NA_VALUES

    from linreg.tables import NA_TOKENS

    assert set(NA_TOKENS) == set(STR_NA_VALUES)


def test_a_large_file_is_read_from_a_memory_map_without_a_copy(tmp_path):
    """A 14 MB file, parsed by pyarrow in 1 MB blocks: the same numbers as pandas', from an mmap as from bytes."""
    import mmap

    rng = np.random.default_rng(3)
    values = rng.normal(size=(200_000, 3)) * [1.0, 1e6, 1e-6]
    path = tmp_path / "big.csv"
    np.savetxt(path, values, delimiter=",", header="a,b,c", comments="", fmt="%.17g")
    with open(path, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
        table = read_table(mapped, "big.csv")
        expected = pd.read_csv(path).to_numpy()
        for j, name in enumerate("abc"):
            assert table.column(name).tobytes() == expected[:, j].tobytes()


def test_without_pyarrow_pandas_reads_the_table_of_numbers(monkeypatch):
    data = b"a;b\n1.5;2\nNA;4\n"
    expected = read_table(data, "data.csv")
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # import pyarrow now raises ImportError
    monkeypatch.setitem(sys.modules, "pyarrow.csv", None)
    from linreg import tables

    assert tables._read_numbers(data, "data.csv") is None
    _assert_same_table(read_table(data, "data.csv"), expected)


@pytest.mark.parametrize(
    "data",
    [b"a,b,c,y\n1,2,3,4\n5,6,7,9\n2,4,1,0\n", b"a;b;c;y\n1,5;2;3;4\n5;6,25;7;9\n2;4;1;0\n"],
    ids=["read by pyarrow", "read by pandas"],
)
def test_a_selection_of_side_by_side_columns_is_a_view_with_the_numbers_a_copy_has(data):
    table = read_table(data, "data.csv")
    fast = table.select("y")
    y, X, names, notices, dropped = table._copied("y", ["a", "b", "c"], [])
    assert np.shares_memory(fast.X, table._frame.to_numpy()) and np.shares_memory(fast.y, table._frame.to_numpy())
    assert fast.X.tobytes(order="A") == X.tobytes(order="A") and fast.X.flags.f_contiguous == X.flags.f_contiguous
    assert fast.y.tobytes() == y.tobytes() and fast.feature_names == tuple(names) and not notices and not dropped
    with pytest.raises(ValueError):
        fast.X[0, 0] = 1.0  # read-only: the table's numbers cannot be changed through a selection
    apart = table.select("b", ["a", "c"])  # not side by side: copied
    assert not np.shares_memory(apart.X, table._frame.to_numpy())
    assert apart.X.tolist() == np.column_stack([table.column("a"), table.column("c")]).tolist()


@pytest.mark.parametrize("fast", [True, False], ids=["read by pyarrow", "read by pandas"])
@pytest.mark.parametrize(
    "cell, outcome",
    [
        ("inf", "a holds 1 infinite value (inf in row 3 after the header)"),
        ("-1e200", "a holds 1 value beyond ±1e150 (-1e+200 in row 3 after the header)"),
        ("", "Dropped 1 of 4 rows with a missing value in a."),
        ("1e150", None),
    ],
)
def test_selecting_side_by_side_columns_checks_every_value_whichever_reader_read_them(fast, cell, outcome, monkeypatch):
    data = f"a,b,y\n1,2,3\n4,5,6\n{cell},8,9\n10,11,13\n".encode()
    from linreg import tables

    if not fast:
        monkeypatch.setattr(tables, "_read_numbers", lambda data, name: None)
    table = read_table(data, "data.csv")
    assert (table._extremes is not None) == fast
    if outcome is None or outcome.startswith("Dropped"):
        selection = table.select("y")
        assert selection.notices == (() if outcome is None else (outcome,))
        assert selection.X.shape == (3 if outcome else 4, 2) and np.all(np.isfinite(selection.X))
    else:
        with pytest.raises(ValueError, match=re.escape(outcome)):
            table.select("y")


def test_an_integer_minus_zero_keeps_its_sign_where_pandas_drops_it(monkeypatch):
    """The one difference known between the readers: -0 in a column of integers, equal to 0 in every use."""
    data = b"a,b\n1,2\n-0,3\n"
    fast, slow = read_table(data, "data.csv").column("a"), _slow_read(data, "data.csv", monkeypatch).column("a")
    assert fast.tolist() == slow.tolist() == [1.0, 0.0]
    assert (np.signbit(fast[1]), np.signbit(slow[1])) == (True, False)


# A column of numbers kept as text by a few cells


def _numbers_with(cells: dict[int, str], n: int = 300) -> bytes:
    rows = [f"{i * 0.5},{cells.get(i, str(i * 1.5))},{i}" for i in range(n)]
    return ("a,b,y\n" + "\n".join(rows) + "\n").encode()


def test_a_text_cell_among_numbers_is_named_with_its_row():
    table = read_table(_numbers_with({123: "oops"}), "data.csv")
    assert table.numeric == ("a", "y") and "b" not in table.categorical
    assert table.notices == (
        "b is read as text: 1 of its 300 cells is not a number (“oops” in row 124 after the header). "
        "Fix or empty that cell to use b as numbers.",
    )
    with pytest.raises(ValueError, match=r"^Features must be numeric, but b holds text: 1 of its 300 cells is not a"):
        table.select("y", ["a", "b"])


def test_several_text_cells_are_counted_and_a_long_one_is_cut_to_one_line():
    hostile = "=cmd|' /C calc'!A0\n<script>alert(1)</script>"
    table = read_table(_numbers_with({7: f'"{hostile}"', 250: "n.a.", 260: "?"}), "data.csv")
    (notice,) = table.notices
    assert notice == (
        "b is read as text: 3 of its 300 cells are not numbers (the first: “=cmd|' /C calc'!A0 <scr…” in row 8 "
        "after the header). Fix or empty those cells to use b as numbers."
    )


@pytest.mark.parametrize(
    "data",
    [
        b"a,b\n1,x\n2,y\n3,x\n",  # labels
        b"y,name\n" + b"".join(b"%d,n%d\n" % (i, i) for i in range(500)),  # labels that hold digits
        b"y,b\n1,2\n2,x\n3,y\n4,z\n",  # mostly text
        b"y,b\n1,\n2,\n3,\n",  # no values at all
    ],
    ids=["labels", "labels with digits", "mostly text", "empty"],
)
def test_a_column_of_text_gets_no_notice(data):
    assert not any("is read as text" in notice for notice in read_table(data, "data.csv").notices)


def test_bytes_are_read_as_they_are_and_other_buffers_through_a_view():
    """An upload's bytes are not turned into a view and copied back for pandas; a non-buffer is refused."""
    from linreg.tables import _check_bytes

    data = b"a,b\n1,x\n2,y\n"
    assert _check_bytes(data, "data.csv", 1000) is data
    assert isinstance(_check_bytes(bytearray(data), "data.csv", 1000), memoryview)
    with pytest.raises(ValueError, match="^data must be the file's bytes, got str$"):
        read_table(data.decode(), "data.csv")
