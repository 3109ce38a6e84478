"""Floating-point amounts and rates (Parquet DOUBLE and FLOAT, Excel number cells) read
as the value the file holds: the shortest decimal that gives back the double when it has
no more decimals than the field keeps, 15 significant digits only to remove binary noise."""

from __future__ import annotations

import tempfile
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from marsad.engine.warehouse import Warehouse
from marsad.ingest import FileRefused
from marsad.ingest.excel import number_text
from marsad.ingest.floats import double_text, float32_text

from .conftest import TX_HEADER, amounts, load, quarantine, tx, write_sheets

#: amounts of at most 3 decimals, below the limit of 10^14, that a double gives back
#: (``repr`` of the double is the decimal itself): up to 17 significant digits
_AMOUNTS = st.decimals(min_value=Decimal("0.001"), max_value=Decimal("99999999999999.999"),
                       places=3).filter(lambda d: Decimal(repr(float(d))) == d)  # fmt: skip


def _parquet(path: Path, values: list, typ: pa.DataType | None = None) -> Path:
    cols = {h: [tx(f"R{i}")[h] for i in range(len(values))] for h in TX_HEADER}
    cols["amount"] = pa.array(values, typ or pa.float64())
    pq.write_table(pa.table(cols), path)
    return path


def _xlsx(path: Path, values: list) -> Path:
    rows = [[v if h == "amount" else tx(f"R{i}")[h] for h in TX_HEADER]
            for i, v in enumerate(values)]  # fmt: skip
    return write_sheets(path, {"S": [list(TX_HEADER), *rows]})


_BIG = [9876543210987.654, 1234567890123.456, 99999999999999.98, 12345678901234.5]


@pytest.mark.parametrize("fmt", ["parquet", "xlsx"])
def test_a_double_amount_of_16_or_17_digits_is_read_as_the_file_holds_it(wh, tmp_path, fmt):
    """A reviewer's 9876543210987.654 EUR (a double gives it back exactly) was stored
    9876543210987.65, and the MAD total was 5 centimes off; 99999999999999.98 was
    refused as too large, the message showing 100000000000000, which the bank never
    wrote. The 15 significant digits are for binary noise, not for 16-digit amounts."""
    path = (_parquet if fmt == "parquet" else _xlsx)(tmp_path / f"a.{fmt}", _BIG)
    r = load(wh, path)
    assert (r.loaded, r.quarantined) == (4, 0)
    assert amounts(wh) == {f"R{i}": Decimal(repr(v)) for i, v in enumerate(_BIG)}


@pytest.mark.parametrize(("fmt", "row"), [("parquet", 1), ("xlsx", 2)])
def test_doubles_too_large_to_tell_thousandths_apart_are_named_in_a_note(wh, tmp_path, fmt, row):
    """From 2^43 (8,796,093,022,208) one double stands for several amounts of 3 decimals
    (9876543210987.654 and 9876543210987.655 are one double): read as the shortest
    decimal that gives it back, the likeliest, and said to be; below, no note. Excel's
    numeric cells are doubles too: the same values there loaded without a word (row 2
    of the sheet is its first below the header). The note names the row, not its amount
    (one firm's figure): notes are kept in the ledger."""
    write = _parquet if fmt == "parquet" else _xlsx
    assert float(Decimal("9876543210987.654")) == float(Decimal("9876543210987.655"))
    r = load(wh, write(tmp_path / f"a.{fmt}", _BIG))
    (note,) = [n for n in r.notes if "64-bit floats" in n]
    assert note.startswith(
        f"column amount: 3 amounts are 64-bit floats of 8,796,093,022,208 or more (row {row}), "
        "where one float stands for several values to 3 decimals"
    ), note
    assert "9876543210987" not in note  # one record's amount: kept in the ledger
    small = load(wh, write(tmp_path / f"b.{fmt}", [1234567890123.456, 0.5]))
    assert not [n for n in small.notes if "64-bit floats" in n]


@pytest.mark.parametrize("fmt", ["parquet", "xlsx"])
def test_binary_noise_is_still_removed_and_a_refusal_shows_the_files_value(wh, tmp_path, fmt):
    """1234.5600000000002 (=1234.56*3's kind of noise) is 1234.56, as before; a value too
    large or with a real fourth decimal is refused showing the value the file holds."""
    values = [1234.56 * 3, 0.1 + 0.2, 100000000000000.5, 1.234567890123457]
    path = (_parquet if fmt == "parquet" else _xlsx)(tmp_path / f"n.{fmt}", values)
    r = load(wh, path)
    assert (r.loaded, r.quarantined) == (2, 2)
    assert amounts(wh) == {"R0": Decimal("3703.68"), "R1": Decimal("0.3")}
    big, fine = quarantine(wh)
    assert (big["rule"], big["value"]) == ("too_large", "100000000000000.5")
    assert '"100000000000000.5" is too large' in big["message"]
    assert (fine["rule"], fine["value"]) == ("precision", "1.234567890123457")


def _read_sql(values: list[float], scale: int) -> list[str]:
    floats = pa.table({"x": pa.array(values, pa.float64())})  # noqa: F841 (read by DuckDB)
    con = duckdb.connect()
    try:
        return [r[0] for r in con.sql(f"SELECT {double_text('x', scale)} FROM floats").fetchall()]
    finally:
        con.close()


@settings(max_examples=120, deadline=None)
@given(st.lists(_AMOUNTS, min_size=1, max_size=20))
def test_any_amount_a_double_gives_back_is_read_exactly(values):
    """Property: any decimal of at most 3 decimals (and at most 17 significant digits)
    that a double gives back is read as itself, from Parquet (DuckDB) and Excel alike."""
    doubles = [float(d) for d in values]
    assert [Decimal(t) for t in _read_sql(doubles, 3)] == values
    assert [Decimal(number_text(x, places=3)) for x in doubles] == values


@settings(max_examples=50, deadline=None)
@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9999999999.99"), places=2))
def test_noise_of_one_step_is_removed_below_ten_billion(d):
    """Property: an amount to the centime below 10^10 (at most 12 digits) one binary step
    away, as a computation leaves it, is read as the amount (the 15-digit rule)."""
    x = float(d)
    noisy = [x, float.__add__(x, x * 2**-52), float.__sub__(x, x * 2**-52)]
    noisy = [v for v in noisy if Decimal(repr(v)).normalize().as_tuple().exponent < -3]
    assume(noisy)
    for v in noisy:
        assert Decimal(_read_sql([v], 3)[0]) == d
        assert Decimal(number_text(v, places=3)) == d


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(st.lists(_AMOUNTS, min_size=1, max_size=10))
def test_any_amount_a_double_gives_back_loads_exactly_from_parquet(tmp_path, values):
    """The same, through a whole load: the stored amount is the decimal written."""
    here = Path(tempfile.mkdtemp(dir=tmp_path))
    wh = Warehouse(here / "wh.duckdb")
    try:
        r = load(wh, _parquet(here / "p.parquet", [float(d) for d in values]))
        assert r.quarantined == 0
        assert amounts(wh) == {f"R{i}": d for i, d in enumerate(values)}
    finally:
        wh.close()


# -- 32-bit floats ---------------------------------------------------------------------


def test_a_float32_amount_column_too_large_to_be_exact_refuses_the_file(wh, tmp_path):
    """A reviewer's float32 amounts (1234567890123.456, stored 1234567954432) were each
    refused '"1.234568e+12" is not a number': scientific notation called no number, and
    no word of the type. A float32 cannot keep an amount to 3 decimals from 16,384 up:
    the file is refused, naming the type and the value as the file holds it."""
    values = [1234567890123.456, 98765432109.876, 1234.56, 0.1]
    path = _parquet(tmp_path / "f.parquet", values, pa.float32())
    with pytest.raises(FileRefused) as err:
        load(wh, path)
    message = str(err.value)
    assert (
        "column amount is a 32-bit float (FLOAT), which holds only about 7 significant "
        "digits: from 16,384 up it cannot keep a value to 3 decimals, and 2 of its 4 values "
        "are that large (row 1 holds 1234567954432): write amounts as decimal or 64-bit "
        "float (DOUBLE)"
    ) in message
    assert "e+" not in message and "not a number" not in message
    assert amounts(wh) == {}


def test_float32_amounts_below_the_limit_are_read_exactly(wh, tmp_path):
    """Below 16,384 a float32 tells every amount of 3 decimals apart: 12345.678 (8 digits,
    read 12345.68 to 7 digits) is read as written; a fourth decimal is refused as the file
    holds it."""
    path = _parquet(tmp_path / "f.parquet", [12345.678, 16383.999, 0.001, 1.2345], pa.float32())
    r = load(wh, path)
    assert (r.loaded, r.quarantined) == (3, 1)
    assert amounts(wh) == {"R0": Decimal("12345.678"), "R1": Decimal("16383.999"),
                           "R2": Decimal("0.001")}  # fmt: skip
    (q,) = quarantine(wh)
    assert (q["rule"], q["value"]) == ("precision", "1.2345")


def test_a_float32_rate_column_is_refused_from_16(wh, tmp_path):
    """A rate keeps 6 decimals: a float32 tells them apart below 16 MAD per unit only."""
    cols = {"date": ["2024-03-01", "2024-03-01"], "currency": ["EUR", "KWD"],
            "mad_per_unit": pa.array([10.856231, 32.5], pa.float32())}  # fmt: skip
    pq.write_table(pa.table(cols), tmp_path / "r.parquet")
    with pytest.raises(FileRefused, match=r"from 16 up .* write rates as decimal"):
        load(wh, tmp_path / "r.parquet", kind="rates")
    pq.write_table(pa.table({**cols, "mad_per_unit": pa.array([10.856231, 9.5], pa.float32())}),
                   tmp_path / "s.parquet")  # fmt: skip
    assert load(wh, tmp_path / "s.parquet", kind="rates").loaded == 2
    assert {str(v) for (v,) in wh.sql("SELECT mad_per_unit FROM rates")} == {
        "10.856231",
        "9.500000",
    }


@settings(max_examples=60, deadline=None)
@given(st.lists(st.decimals(min_value=Decimal("0.001"), max_value=Decimal("16383.999"),
                            places=3), min_size=1, max_size=20))  # fmt: skip
def test_any_amount_below_the_float32_limit_is_read_exactly(values):
    """Property: any amount of 3 decimals below 16,384, stored as a float32, is read as
    itself."""
    floats = pa.table({"x": pa.array([float(d) for d in values], pa.float32())})  # noqa: F841
    con = duckdb.connect()
    try:
        got = [r[0] for r in con.sql(f"SELECT {float32_text('x', 3)} FROM floats").fetchall()]
    finally:
        con.close()
    assert [Decimal(t) for t in got] == values


@pytest.mark.parametrize("precision", [39, 40, 76])
def test_a_decimal_wider_than_38_digits_refuses_the_file(wh, tmp_path, precision):
    """A reviewer's decimal256(40, 3) amount of 0.001 was loaded as 72,057,594,037,927.94
    MAD (DuckDB reads a Parquet decimal of more than 38 digits as a DOUBLE, wrongly), with
    a note calling the column 64-bit floats. The file is refused whole, saying why."""
    typ = pa.decimal256(precision, 3)
    path = _parquet(tmp_path / "d.parquet", [Decimal("0.001"), Decimal("10.500")], typ)
    with pytest.raises(FileRefused) as err:
        load(wh, path)
    assert (
        f"the column amount holds decimals of {precision} digits (Arrow's decimal256), more "
        "than can be read exactly (38): write it as decimal(38, 3) or narrower"
    ) in str(err.value)
    assert amounts(wh) == {}


def test_a_decimal_of_38_digits_or_an_unread_wide_column_loads_exactly(wh, tmp_path):
    path = _parquet(tmp_path / "d.parquet", [Decimal("0.001"), Decimal("10.500")],
                    pa.decimal128(38, 3))  # fmt: skip
    table = pq.read_table(path).append_column(
        "extra", pa.array([Decimal(1), Decimal(2)], pa.decimal256(50, 0))
    )
    pq.write_table(table, path)  # (a wide column of the file that no field reads: ignored)
    assert load(wh, path).loaded == 2
    assert {k: str(v) for k, v in amounts(wh).items()} == {"R0": "0.001", "R1": "10.500"}
