"""DuckDB quotes a user's text in some errors to a number of bytes, cutting it inside a
character beyond ASCII; the driver then raised a UnicodeDecodeError, which no caller
of SqlError caught: a traceback instead of a plain line. Every statement of the
warehouse now raises DuckDB's own error, its message readable."""

from __future__ import annotations

import duckdb
import pytest

from marsad.engine import SqlError, Warehouse, readable_errors
from marsad.engine.sql import driver_error
from marsad.ingest import FileRefused, load_files

from .ingest.conftest import tx, write_csv

CUT = [
    # a date format's directive beyond ASCII: "…specifier %é: … strptime: %\xc3"
    ("SELECT strptime('2024', '%é')", duckdb.InvalidInputException),
    ("SELECT strptime('2024', '%𝄞')", duckdb.InvalidInputException),
    ("SELECT printf('%é', 1)", duckdb.InvalidInputException),
    # malformed JSON quoted to about 128 bytes
    (f"SELECT json_extract('{'é' * 26}', '$.a')", duckdb.InvalidInputException),
    (f"SELECT '{{{'𝄞' * 13}'::JSON", duckdb.ConversionException),
]


@pytest.mark.parametrize(("query", "kind"), CUT)
def test_a_message_cut_inside_a_character_is_duckdbs_error(tmp_path, query, kind):
    with pytest.raises(UnicodeDecodeError):  # (what the driver does: the cause)
        duckdb.connect().execute(query).fetchall()
    wh = Warehouse(tmp_path / "w.duckdb")
    try:
        with pytest.raises(SqlError) as info:
            wh.sql(query)
    finally:
        wh.close()
    assert isinstance(info.value, kind)
    text = str(info.value)
    assert "\ufffd" not in text and "…" in text


def test_other_decode_errors_are_left_as_they_are():
    """A UnicodeDecodeError of something else than a DuckDB message is not hidden."""
    err = UnicodeDecodeError("utf-8", b"caf\xc3", 3, 4, "unexpected end of data")
    assert driver_error(err) is None
    with pytest.raises(UnicodeDecodeError), readable_errors():
        b"caf\xc3".decode()


def test_a_kept_date_format_that_reads_no_date_is_a_plain_error(tmp_path):
    """A reporter's date format kept before it was checked (``%d/%é``) failed the load
    with a UnicodeDecodeError traceback (DuckDB's message cut inside ``é``)."""
    wh = Warehouse(tmp_path / "w.duckdb")
    try:
        path = write_csv(tmp_path / "t.csv", [tx("R1")])
        (first,) = load_files(wh, "transactions", [path])
        wh.sql(
            "INSERT INTO reporter_formats VALUES ('BANK1', 'date_format', '%d/%é', 'stated', "
            "now()::TIMESTAMP)"
        )
        with pytest.raises(FileRefused) as info:
            load_files(wh, "transactions", [write_csv(tmp_path / "u.csv", [tx("R2")])])
    finally:
        wh.close()
    assert first.loaded == 1
    assert str(info.value).startswith(
        "u.csv: reporter BANK1's date format '%d/%é' does not give a whole date: state another"
    )
