"""A large CSV parses in pieces on several threads: the table must be the one a single parse gives."""

from __future__ import annotations

import numpy as np
import pytest

from linreg import tables
from linreg.tables import read_table

ROWS = 60_000


@pytest.fixture
def small_pieces(monkeypatch):
    """Pieces from 64 KB and as many as four, whatever the machine's CPU count, so small files take the route."""
    monkeypatch.setattr(tables, "_PIECE_BYTES", 1 << 16)
    monkeypatch.setattr("os.cpu_count", lambda: 4)


def whole(monkeypatch, data: bytes, name: str = "data.csv"):
    with monkeypatch.context() as m:
        m.setattr(tables, "_PIECE_BYTES", 1 << 60)
        return read_table(data, name)


def csv_bytes(columns: dict[str, list]) -> bytes:
    names = list(columns)
    rows = zip(*(columns[n] for n in names), strict=True)
    return (",".join(names) + "\n" + "\n".join(",".join(map(str, r)) for r in rows) + "\n").encode()


def same_table(a, b) -> None:
    assert (a.columns, a.numeric, a.categorical, a.n_rows, a.notices) == (
        b.columns,
        b.numeric,
        b.categorical,
        b.n_rows,
        b.notices,
    )
    for name in a.numeric:
        np.testing.assert_array_equal(a.column(name), b.column(name))


def test_numbers_in_pieces_equal_one_parse(monkeypatch, small_pieces):
    rng = np.random.default_rng(0)
    data = csv_bytes({"x": rng.normal(size=ROWS).tolist(), "n": rng.integers(0, 9, ROWS).tolist()})
    assert len(data) > 4 * (1 << 16)
    pieced = tables._parse_pieces(data, {"sep": ",", "index_col": False, "decimal": "."})
    assert pieced is not None and len(pieced) == ROWS  # the route was taken
    same_table(read_table(data, "data.csv"), whole(monkeypatch, data))


def test_integers_in_one_piece_and_decimals_or_gaps_in_another_become_floats(monkeypatch, small_pieces):
    n = np.arange(ROWS).astype(object)
    n[ROWS - 10] = 2.5
    gap = list(range(ROWS))
    gap[5] = ""
    data = csv_bytes({"n": n.tolist(), "gap": gap, "y": list(range(ROWS))})
    table = read_table(data, "data.csv")
    same_table(table, whole(monkeypatch, data))
    assert table.column("n")[ROWS - 10] == 2.5 and np.isnan(table.column("gap")[5])


def test_text_in_a_late_piece_gives_the_column_one_parse_gives(monkeypatch, small_pieces):
    label = ["a", "b"] * (ROWS // 2)
    x = list(range(ROWS))
    x[-3] = "oops"
    data = csv_bytes({"x": x, "label": label, "y": list(range(ROWS))})
    table = read_table(data, "data.csv")
    same_table(table, whole(monkeypatch, data))
    assert "x" not in table.numeric and "label" in table.categorical


def test_quotes_below_the_header_are_parsed_whole(monkeypatch, small_pieces):
    text = [f'"a\nb {i}"' if i == ROWS // 2 else f"t{i % 3}" for i in range(ROWS)]
    data = csv_bytes({"y": list(range(ROWS)), "note": text})
    assert tables._parse_pieces(data, {"sep": ",", "index_col": False, "decimal": "."}) is None
    assert read_table(data, "data.csv").n_rows == ROWS


def test_a_quoted_header_still_takes_the_pieces(small_pieces):
    data = b'"x","y"\n' + csv_bytes({"x": list(range(ROWS)), "y": list(range(ROWS))}).split(b"\n", 1)[1]
    assert tables._parse_pieces(data, {"sep": ",", "index_col": False, "decimal": "."}) is not None
    assert read_table(data, "data.csv").columns == ("x", "y")


def test_a_bad_row_in_a_late_piece_is_reported_at_its_line_in_the_file(small_pieces):
    rows = [f"{i},{i}" for i in range(ROWS)]
    rows[ROWS - 5] = "1,2,3"
    data = ("a,b\n" + "\n".join(rows) + "\n").encode()
    with pytest.raises(ValueError, match=f"line {ROWS - 5 + 2} has 3 fields, but the header has 2"):
        read_table(data, "data.csv")


def test_semicolons_and_decimal_commas_in_pieces(monkeypatch, small_pieces):
    rng = np.random.default_rng(1)
    values = rng.normal(size=ROWS).round(4)
    text = "a;b\n" + "\n".join(f"{str(v).replace('.', ',')};{i}" for i, v in enumerate(values)) + "\n"
    table = read_table(text.encode(), "data.csv")
    same_table(table, whole(monkeypatch, text.encode()))
    np.testing.assert_array_equal(table.column("a"), values)
