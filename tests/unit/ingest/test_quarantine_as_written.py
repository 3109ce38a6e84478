"""The quarantine quotes a value as the bank wrote it: a date read with its reporter's
date format is not written back with that format (``1/1/1999`` was quoted
``01/01/1999``, and under ``%Y/%m/%d %H`` the hour twice), and a typed Parquet or
Excel date (ISO as marsad reads it) is not quoted in the reporter's format."""

from __future__ import annotations

import datetime as dt
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from marsad.ingest import load_files, reporters

from .conftest import TX_HEADER, load, quarantine, tx, write_csv, write_sheets


def _held(wh, load_id=None):
    return {q["value"]: q for q in quarantine(wh, load_id)}


@pytest.mark.parametrize(
    ("fmt", "written"),
    [
        ("%-d/%-m/%Y", "1/1/1999"),
        ("%d/%m/%Y", "1/1/1999"),  # DuckDB's %d reads a day without its zero
        ("%Y/%m/%d %H", "1999/01/01 10"),  # the hour was added twice: "1999/01/01 10 10:00:00"
        ("%d/%m/%Y %H:%M", "01/01/1999 10:00"),
        ("%d/%m/%Y", "01/01/1999 10:00"),  # a date and a time under a format without one
    ],
)
def test_a_csv_date_out_of_range_is_quoted_as_written(wh, tmp_path, fmt, written):
    rows = [tx("R1", value_date=written), tx("R2")]
    r = load(wh, write_csv(tmp_path / "a.csv", rows), date_format=fmt)
    assert (r.loaded, r.quarantined) == (1, 1)
    (q,) = quarantine(wh)
    assert (q["rule"], q["value"]) == ("date_range", written)
    assert q["message"] == f'line 2, column value_date: "{written}" is before 2000-01-01'


def test_other_rules_of_a_row_keep_its_date_as_written(wh, tmp_path):
    """A row quarantined for its amount keeps, in its record, its date as the bank wrote
    it; an amount and a code are quoted as written too."""
    rows = [
        tx("R1", value_date="5/3/2024", amount="-1 500,00", partner_country="uk"),
        tx("R2", value_date="6/3/2024", amount="1500,25", currency="eur"),
        tx("R3", value_date="7/3/2024", amount="1500,25", partner_country="uk"),
    ]
    r = load(wh, write_csv(tmp_path / "a.csv", rows, sep=";"), date_format="%d/%m/%Y",
             decimal=",")  # fmt: skip
    assert r.quarantined == 2
    q = quarantine(wh)
    assert [(x["rule"], x["value"]) for x in q] == [("positive", "-1 500,00"), ("country", "uk")]
    records = [
        json.loads(x[0]) for x in wh.sql("SELECT record FROM ingest_quarantine ORDER BY line")
    ]
    assert [x["value_date"] for x in records] == ["5/3/2024", "7/3/2024"]


@pytest.mark.parametrize("fmt", ["csv", "parquet", "xlsx"])
def test_files_with_and_without_a_date_format_in_one_call_are_quoted_as_written(wh, tmp_path, fmt):
    """Reporters keeping different date formats, or none, read in one call (the text
    files in one pass, the Parquet files as a group, the sheets together)."""
    from .conftest import WRITERS

    reporters.ensure_table(wh)
    reporters.declare(wh, "BK1", "date_format", "%d/%m/%Y")
    reporters.declare(wh, "BK2", "date_format", "%Y%m%d")
    files = [
        WRITERS[fmt](tmp_path / f"a.{fmt}", [tx("A1", reporter="BK1", value_date="1/1/1999"),
                                              tx("A2", reporter="BK1", value_date="2/1/2024")]),
        WRITERS[fmt](tmp_path / f"b.{fmt}", [tx("B1", reporter="BK2", value_date="19990102")]),
        WRITERS[fmt](tmp_path / f"c.{fmt}", [tx("C1", reporter="BK3", value_date="1999-01-03")]),
    ]  # fmt: skip
    reports = load_files(wh, "transactions", files)
    assert [(r.loaded, r.quarantined) for r in reports] == [(1, 1), (0, 1), (0, 1)]
    held = {q["value"]: q["message"] for q in quarantine(wh)}
    assert set(held) == {"1/1/1999", "19990102", "1999-01-03"}
    for value, message in held.items():
        assert message.endswith(f'"{value}" is before 2000-01-01')


def _parquet_dates(path, day: dt.date, reporter: str = "BANK1"):
    row = tx("P1", reporter=reporter)
    cols = {h: pa.array([row[h]], pa.string()) for h in TX_HEADER if h != "value_date"}
    cols["value_date"] = pa.array([day], pa.date32())
    pq.write_table(pa.table(cols), path)
    return path


def test_a_typed_parquet_date_is_quoted_as_marsad_reads_it_not_in_the_reporters_format(
    wh, tmp_path
):
    r = load(wh, _parquet_dates(tmp_path / "p.parquet", dt.date(1999, 1, 1)),
             date_format="%d/%m/%Y")  # fmt: skip
    (q,) = quarantine(wh, r.load_id)
    assert (q["rule"], q["value"]) == ("date_range", "1999-01-01")
    assert q["message"] == 'row 1, column value_date: "1999-01-01" is before 2000-01-01'


def test_a_typed_excel_date_is_quoted_as_marsad_reads_it_not_in_the_reporters_format(wh, tmp_path):
    row = tx("X1")
    cells = [row[h] if h != "value_date" else dt.datetime(1999, 1, 1) for h in TX_HEADER]
    path = write_sheets(tmp_path / "x.xlsx", {"Sheet1": [list(TX_HEADER), cells]})
    r = load(wh, path, date_format="%d/%m/%Y")
    (q,) = quarantine(wh, r.load_id)
    assert (q["rule"], q["value"]) == ("date_range", "1999-01-01")
    assert q["message"] == 'row 2, column value_date: "1999-01-01" is before 2000-01-01'


def test_a_text_date_in_parquet_and_excel_is_quoted_as_written(wh, tmp_path):
    from .conftest import write_parquet, write_xlsx

    p = write_parquet(tmp_path / "p.parquet", [tx("P1", value_date="1/1/1999")])
    x = write_xlsx(tmp_path / "x.xlsx", [tx("X1", value_date="2/1/1999")])
    for path, written, row in ((p, "1/1/1999", 1), (x, "2/1/1999", 2)):
        r = load(wh, path, date_format="%d/%m/%Y")
        (q,) = quarantine(wh, r.load_id)
        assert (q["rule"], q["value"]) == ("date_range", written)
        assert q["message"] == f'row {row}, column value_date: "{written}" is before 2000-01-01'


def test_an_implausible_rate_is_quoted_as_written(wh, tmp_path):
    """A rate quarantined as an isolated spike (after the checks) was quoted as read,
    ``108.500000``, its record's date ``2024-03-05``, where the bank wrote ``108,5`` on
    ``05/03/2024``; a waiver still puts the rate read in force."""
    from marsad.ingest.waivers import Selection, waive

    header = ("date", "currency", "mad_per_unit")
    values = ("10,85", "108,5", "10,86", "10,87", "10,88")
    rows = [dict(zip(header, (f"0{d}/03/2024", "EUR", v), strict=True))
            for d, v in zip((4, 5, 6, 7, 8), values, strict=True)]  # fmt: skip
    path = write_csv(tmp_path / "r.csv", rows, header=header, sep=";")
    r = load(wh, path, kind="rates", date_format="%d/%m/%Y", decimal=",")
    (q,) = quarantine(wh, r.load_id)
    assert (q["rule"], q["value"]) == ("implausible", "108,5")
    assert q["message"].startswith("line 3, column mad_per_unit: EUR 108,5 MAD on 05/03/2024 is ")
    (record,) = wh.sql("SELECT record FROM ingest_quarantine")[0]
    assert json.loads(record) == {"date": "05/03/2024", "currency": "EUR", "mad_per_unit": "108,5"}
    waive(wh, Selection((r.load_id,), line=q["line"]), reason="checked", who="test")
    got = wh.scalar("SELECT mad_per_unit FROM rates WHERE date = DATE '2024-03-05'")
    assert str(got) == "108.500000"


def test_every_failing_cell_of_a_sheet_row_is_listed_and_quoted(wh, tmp_path):
    """A row with two formulas never computed (a date and an amount) and an Excel error
    named only the date's formula ("also fails" empty) and kept the amount cell empty
    in its record, so the quarantine export wrote it empty: the bank's =1+2 was lost."""
    row = [tx("R1")[h] for h in TX_HEADER]
    row[TX_HEADER.index("value_date")] = "=DATE(2025,3,7)"
    row[TX_HEADER.index("amount")] = "=1+2"
    row[TX_HEADER.index("currency")] = "#N/A"
    r = load(wh, write_sheets(tmp_path / "f.xlsx", {"S": [list(TX_HEADER), row]}))
    assert r.quarantined == 1
    (q,) = quarantine(wh)
    assert (q["rule"], q["column"], q["value"]) == ("formula", "value_date", "=DATE(2025,3,7)")
    assert q["other_rules"] == "formula (amount), excel_error (currency)"
    (record,) = wh.sql("SELECT record FROM ingest_quarantine")[0]
    cells = json.loads(record)
    assert (cells["value_date"], cells["amount"], cells["currency"]) == (
        "=DATE(2025,3,7)", "=1+2", "#N/A",
    )  # fmt: skip


def test_a_record_repeated_in_its_file_is_quoted_by_its_cell(wh, tmp_path):
    """A ``duplicate_in_file`` row was quoted ``BANK1|Q-001`` (the key marsad joins),
    not the record id the bank wrote; a rate repeated on a date written ``5/3/2024``
    was quoted ``2024-03-05``, its record's date and rate as read."""
    rows = [tx("Q-001"), tx("Q-001", amount="11")]
    load(wh, write_csv(tmp_path / "a.csv", rows))
    (q,) = quarantine(wh)
    assert (q["rule"], q["column"], q["value"]) == ("duplicate_in_file", "record_id", "Q-001")

    header = ("date", "currency", "mad_per_unit")
    rows = [dict(zip(header, ("5/3/2024", "EUR", v), strict=True)) for v in ("10,85", "10,9")]
    path = write_csv(tmp_path / "r.csv", rows, header=header, sep=";")
    r = load(wh, path, kind="rates", date_format="%d/%m/%Y", decimal=",")
    (q,) = quarantine(wh, r.load_id)
    assert (q["rule"], q["column"], q["value"]) == ("duplicate_in_file", "date", "5/3/2024")
    (record,) = wh.sql("SELECT record FROM ingest_quarantine WHERE kind = 'rates'")[0]
    assert json.loads(record) == {"date": "5/3/2024", "currency": "EUR", "mad_per_unit": "10,9"}


def test_an_excel_date_of_serial_zero_is_quoted_as_excel_shows_it(wh, tmp_path):
    """A date cell holding serial 0 (1899-12-30 in openpyxl) was quoted ``00:00:00``
    (python-calamine gives its time of day alone): Excel shows it 1900-01-00."""
    rows = [list(TX_HEADER)]
    for rid, when in (("X4", dt.datetime(1899, 12, 30)), ("X5", dt.datetime(1899, 12, 30, 6))):
        row = [tx(rid)[h] for h in TX_HEADER]
        row[TX_HEADER.index("value_date")] = when
        rows.append(row)
    r = load(wh, write_sheets(tmp_path / "z.xlsx", {"S": rows}))
    assert r.quarantined == 2
    q = quarantine(wh)
    assert [x["value"] for x in q] == ["1900-01-00", "1900-01-00 06:00:00"]
    assert q[0]["message"] == (
        'row 2, column value_date: "1900-01-00" does not exist: there is no day 0'
    )
