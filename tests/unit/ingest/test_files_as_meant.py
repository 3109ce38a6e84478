"""Files read as the bank meant them: spreadsheet numbers as shown, error
cells named, every sheet read, and a bad line costing only itself."""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Context, Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import strategies as st

from marsad.ingest import FileRefused, load_files
from marsad.ingest.excel import number_text

from .conftest import TX_HEADER, amounts, load, loaded_ids, quarantine, tx, write_csv, write_sheets

CASES = Path(__file__).parent / "cases"


def _case(tmp_path: Path, name: str) -> Path:
    return Path(shutil.copy(CASES / name, tmp_path / name))


def _row(rid: str, **kw) -> list:
    return [tx(rid, **kw)[h] if h not in kw or not isinstance(kw[h], float | int) else kw[h]
            for h in TX_HEADER]  # fmt: skip


# -- floating-point noise (case 01) -------------------------------------------------------


def test_excel_float_noise_is_read_as_the_spreadsheet_shows_it(wh, tmp_path):
    """Case 01: 3479.9999999999995 (shown 3 480,00) was refused as a 4th decimal."""
    r = load(wh, _case(tmp_path, "bank.xlsx"))
    assert (r.rows_read, r.loaded, r.quarantined) == (4, 4, 0)
    assert amounts(wh) == {
        "X1": Decimal("3480"),
        "X2": Decimal("3703.68"),
        "X3": Decimal("0.3"),
        "X4": Decimal("1500.25"),
    }
    assert sum(amounts(wh).values()) == Decimal("8684.23")


def test_parquet_float_noise_is_read_to_15_digits(wh, tmp_path):
    """Case 01: P2 0.30000000000000004 and P4 1998.9999999999998 were quarantined."""
    r = load(wh, _case(tmp_path, "tx.parquet"))
    assert (r.loaded, r.quarantined) == (4, 0)
    assert sum(amounts(wh).values()) == Decimal("7203.23")
    assert amounts(wh)["P4"] == Decimal("1999")


def test_parquet_float32_reads_to_7_digits(wh, tmp_path):
    cols = {h: [tx("R1")[h]] for h in TX_HEADER}
    cols["amount"] = pa.array([12345.67], pa.float32())  # stored 12345.669921875
    pq.write_table(pa.table(cols), tmp_path / "f.parquet")
    load(wh, tmp_path / "f.parquet")
    assert amounts(wh) == {"R1": Decimal("12345.67")}


def test_parquet_dates_as_instants_are_read_in_utc(wh, tmp_path):
    """A value_date stored as a timestamp with a time zone (pandas' datetime64[ns, UTC],
    Spark's timestamps) refused the whole file: "Conversion Error: Unimplemented type
    for cast (TIMESTAMP WITH TIME ZONE -> TIME)". Of the zone UTC, it is its date in
    UTC, whatever its time (a local midnight east of Greenwich written in UTC is the
    day before there), and the load says how many had a time of day."""
    utc, east = dt.UTC, dt.timezone(dt.timedelta(hours=1))
    cols = {h: [tx(f"R{i}")[h] for i in range(3)] for h in TX_HEADER}
    cols["value_date"] = pa.array(
        [dt.datetime(2024, 3, 15, tzinfo=utc), dt.datetime(2024, 3, 16, tzinfo=utc),
         dt.datetime(2024, 3, 17, tzinfo=east)],
        pa.timestamp("ns", tz="UTC"),
    )  # fmt: skip
    pq.write_table(pa.table(cols), tmp_path / "t.parquet")
    r = load(wh, tmp_path / "t.parquet")
    assert (r.loaded, r.quarantined) == (3, 0)
    got = dict(wh.sql("SELECT record_id, value_date::VARCHAR FROM transactions"))
    assert got == {"R0": "2024-03-15", "R1": "2024-03-16", "R2": "2024-03-16"}
    assert (
        "column value_date: 1 date had a time of day (23:00:00, UTC time): its date there was taken"
    ) in r.notes


def _zoned_file(path: Path, days: list[dt.datetime], zone: str | None) -> Path:
    """A transactions file whose value_date is a timestamp column of ``zone`` (None:
    without a zone), one row a day, as pyarrow writes it (the zone in the Arrow schema)."""
    cols = {h: [tx(f"R{i}")[h] for i in range(len(days))] for h in TX_HEADER}
    cols["value_date"] = pa.array(days, pa.timestamp("us", tz=zone))
    pq.write_table(pa.table(cols), path)
    return path


@pytest.mark.parametrize(
    ("zone", "local"),
    [
        # east of Greenwich: a local midnight is the day before in UTC
        ("Africa/Casablanca", [(2025, 1, 1), (2024, 12, 31), (2024, 3, 31)]),
        ("Europe/Paris", [(2025, 1, 1), (2024, 3, 31), (2024, 10, 27)]),  # both DST days
        ("+01:00", [(2025, 1, 1), (2024, 6, 30)]),
        # west of it: a local midnight is 05:00 (04:00 in summer) in UTC
        ("America/New_York", [(2025, 1, 1), (2024, 3, 10), (2024, 11, 3)]),  # DST days
        ("-05:00", [(2025, 1, 1), (2024, 2, 29)]),
    ],
)
def test_parquet_timestamps_with_a_time_zone_are_read_in_that_zone(wh, tmp_path, zone, local):
    """2025-01-01T00:00+01:00, stored 2024-12-31T23:00Z with the zone Africa/Casablanca,
    was read in UTC: the day before, quarantined as not a date (a month-end record was a
    record of the wrong month). A timestamp is its date on the wall clock of its zone."""
    from zoneinfo import ZoneInfo

    if zone[0] in "+-":
        tz: dt.tzinfo = dt.timezone(dt.timedelta(hours=int(zone[:3])))
    else:
        tz = ZoneInfo(zone)
    days = [dt.datetime(*d, tzinfo=tz) for d in local]
    r = load(wh, _zoned_file(tmp_path / "t.parquet", days, zone))
    assert (r.loaded, r.quarantined) == (len(days), 0)
    got = dict(wh.sql("SELECT record_id, value_date::VARCHAR FROM transactions"))
    assert got == {f"R{i}": dt.date(*d).isoformat() for i, d in enumerate(local)}


def test_parquet_timestamps_at_another_time_are_their_date_in_their_zone(wh, tmp_path):
    """A reviewer's settlement timestamps (12:00 without a zone, 23:30 UTC, 23:30 and
    00:30 in Africa/Casablanca) were each refused "not a date of the form YYYY-MM-DD",
    when an Excel date and time (23:59:59) was read as its date. A timestamp's value
    date is its calendar date on the wall clock of its zone (10:30 in Paris, 2024-03-31
    23:30 in Casablanca, not 2024-04-01 00:30 UTC... nor the other way round); the load
    says how many had a time of day."""
    paris = dt.datetime(2024, 3, 15, 10, 30, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    r = load(wh, _zoned_file(tmp_path / "t.parquet", [paris], "Europe/Paris"))
    assert (r.loaded, r.quarantined) == (1, 0)
    assert str(wh.scalar("SELECT value_date FROM transactions")) == "2024-03-15"
    assert r.notes == [
        "column value_date: 1 date had a time of day (10:30:00, Europe/Paris time): its date "
        "there was taken"
    ]
    utc = dt.UTC
    # 2024-03-31 23:30 UTC is 23:30 in Casablanca (Ramadan: UTC+0); 2024-04-30 23:30
    # UTC is 2024-05-01 00:30 there
    casa = [
        dt.datetime(2024, 3, 31, 23, 30, tzinfo=utc),
        dt.datetime(2024, 4, 30, 23, 30, tzinfo=utc),
    ]
    r = load(wh, _zoned_file(tmp_path / "c.parquet", casa, "Africa/Casablanca"))
    assert (r.loaded, r.quarantined) == (2, 0)
    assert "(00:30:00 to 23:30:00, Africa/Casablanca time)" in r.notes[0]
    got = dict(wh.sql("SELECT record_id, value_date::VARCHAR FROM transactions"))
    assert got == {"R0": "2024-03-31", "R1": "2024-05-01"}
    noon = [dt.datetime(2024, 3, d, 12) for d in (1, 2, 3)]
    r = load(wh, _zoned_file(tmp_path / "n.parquet", noon, None))
    assert (r.loaded, r.corrections, r.quarantined) == (3, 2, 0)
    assert (
        r.notes[-1]
        == "column value_date: 3 dates had a time of day (12:00:00): their date was taken"
    )
    got = dict(wh.sql("SELECT record_id, value_date::VARCHAR FROM transactions"))
    assert got == {"R0": "2024-03-01", "R1": "2024-03-02", "R2": "2024-03-03"}


def test_parquet_timestamps_of_a_zone_not_known_are_read_in_utc_saying_so(wh, tmp_path):
    """A zone the time-zone database does not know cannot be read in: UTC, with a note."""
    cols = {h: [tx("R1")[h]] for h in TX_HEADER}
    midnight_utc = 1_710_460_800_000_000  # 2024-03-15T00:00Z, in microseconds
    cols["value_date"] = pa.array([midnight_utc], pa.timestamp("us", tz="Mars/Olympus"))
    pq.write_table(pa.table(cols), tmp_path / "t.parquet")
    r = load(wh, tmp_path / "t.parquet")
    assert r.loaded == 1 and any("'Mars/Olympus' is not known" in n for n in r.notes)
    assert str(wh.scalar("SELECT value_date FROM transactions")) == "2024-03-15"


def test_parquet_timestamps_without_a_zone_are_their_own_date(wh, tmp_path):
    """A wall-clock timestamp (no zone) is its own date, whatever the machine's zone."""
    days = [dt.datetime(2025, 1, 1), dt.datetime(2024, 3, 31)]
    r = load(wh, _zoned_file(tmp_path / "t.parquet", days, None))
    assert (r.loaded, r.quarantined) == (2, 0)
    got = sorted(v for (v,) in wh.sql("SELECT value_date::VARCHAR FROM transactions"))
    assert got == ["2024-03-31", "2025-01-01"]


def test_a_real_fourth_decimal_is_still_refused(wh, tmp_path):
    cols = {h: [tx("R1")[h]] for h in TX_HEADER}
    cols["amount"] = pa.array([1.2345])
    pq.write_table(pa.table(cols), tmp_path / "f.parquet")
    assert load(wh, tmp_path / "f.parquet").quarantined == 1
    assert quarantine(wh)[0]["rule"] == "precision"


@given(st.decimals(min_value=0, max_value=10**12, places=3, allow_nan=False))
def test_number_text_gives_back_any_amount_of_15_digits(amount):
    """Any amount of at most 15 significant digits survives float64 and back."""
    shown = Decimal(number_text(float(amount)))
    assert shown == Context(prec=15).create_decimal(amount)
    assert shown == amount or len(amount.normalize().as_tuple().digits) > 15


# -- Excel error cells and dates (case 13) -------------------------------------------------


def test_excel_error_cells_are_named(wh, tmp_path):
    """Case 13: #N/A and #DIV/0! amounts were reported as empty fields."""
    r = load(wh, _case(tmp_path, "errors.xlsx"))
    assert (r.rows_read, r.loaded, r.quarantined) == (3, 1, 2)
    q = quarantine(wh)
    assert [(x["line"], x["rule"], x["column"], x["value"]) for x in q] == [
        (2, "excel_error", "amount", "#N/A"),
        (3, "excel_error", "amount", "#DIV/0!"),
    ]
    assert q[0]["message"] == (
        "row 2, column amount: the cell holds the Excel error #N/A (a formula that failed)"
    )
    assert amounts(wh) == {"E3": Decimal("500")}


def test_excel_serial_dates_and_date_cells_are_dates(wh, tmp_path):
    rows = [
        list(TX_HEADER),
        _row("R1", value_date=45366),  # serial date: 2024-03-15
        ["R2", "BANK1", "F1", dt.datetime(2024, 3, 16, 9, 30), "C", 10, "EUR", "SI22", "FR"],
        ["R3", "BANK1", "F1", dt.date(2024, 3, 17), "C", 10, "EUR", "SI22", "FR"],
    ]
    r = load(wh, write_sheets(tmp_path / "d.xlsx", {"S": rows}))
    got = dict(wh.sql("SELECT record_id, value_date::VARCHAR FROM transactions"))
    assert got == {"R1": "2024-03-15", "R2": "2024-03-16", "R3": "2024-03-17"}
    # the date and time is its date, as a Parquet timestamp is, and the load says so
    assert "column value_date: 1 date had a time of day (09:30:00): its date was taken" in r.notes


def test_serial_dates_of_a_1904_workbook_count_from_1904(wh, tmp_path):
    """A workbook of the 1904 date system (made on a Mac): its serial 43904 is
    2024-03-15; it was read 2020-03-14, four years early, and loaded."""
    from openpyxl import Workbook
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    wb = Workbook()
    wb.epoch = CALENDAR_MAC_1904
    ws = wb.active
    for row in (list(TX_HEADER), _row("R1", value_date=43904), _row("R2", value_date=43905.5)):
        ws.append(row)
    ws.append(["R3", "BANK1", "F1", dt.date(2024, 3, 17), "C", 10, "EUR", "SI22", "FR"])
    wb.save(tmp_path / "mac.xlsx")
    load(wh, tmp_path / "mac.xlsx")
    got = dict(wh.sql("SELECT record_id, value_date::VARCHAR FROM transactions"))
    assert got == {"R1": "2024-03-15", "R2": "2024-03-16", "R3": "2024-03-17"}


# -- every sheet (case 02) ------------------------------------------------------------------


def test_every_sheet_with_the_header_is_loaded(wh, tmp_path):
    """Case 02: only the first of three monthly sheets was read, silently."""
    p = _case(tmp_path, "q1_2024.xlsx")
    reports = load_files(wh, "transactions", [p])
    assert [(r.sheet, r.loaded) for r in reports] == [("Janvier", 2), ("Fevrier", 2), ("Mars", 2)]
    assert "sheets read: 'Janvier', 'Fevrier', 'Mars'" in reports[0].notes
    by_month = wh.sql(
        "SELECT strftime(value_date, '%Y-%m'), sum(amount) FROM transactions GROUP BY 1 ORDER BY 1"
    )
    assert by_month == [
        ("2024-01", Decimal("3002")),
        ("2024-02", Decimal("3004")),
        ("2024-03", Decimal("3006")),
    ]
    # asking again for one sheet changes nothing
    (again,) = load_files(wh, "transactions", [p], options=_opts(sheet="2"))
    assert again.status == "already loaded" and again.sheet == "Fevrier"


def _opts(**kw):
    from marsad.ingest import ReadOptions

    return ReadOptions(**kw)


def test_a_sheet_loads_even_when_others_of_the_workbook_were_loaded(wh, tmp_path):
    """Case 02: --sheet 2 answered "already loaded" (the ledger key was the file's SHA-256)."""
    p = _case(tmp_path, "q1_2024.xlsx")
    (mars,) = load_files(wh, "transactions", [p], options=_opts(sheet="Mars"))
    (fev,) = load_files(wh, "transactions", [p], options=_opts(sheet="2"))
    assert (mars.status, fev.status, fev.loaded) == ("loaded", "loaded", 2)
    rest = load_files(wh, "transactions", [p])  # the sheets not loaded yet, and only those
    assert [(r.sheet, r.status) for r in rest] == [
        ("Janvier", "loaded"),
        ("Fevrier", "already loaded"),
        ("Mars", "already loaded"),
    ]
    assert wh.scalar("SELECT count(*) FROM transactions") == 6


@pytest.mark.parametrize("wanted", ["\u00b2", "\u0662"])
def test_a_sheet_number_is_digits_0_9(wanted):
    """``--sheet ²`` crashed (``str.isdigit`` took it, ``int`` did not): a sheet is
    numbered in digits 0-9, anything else is a name."""
    from marsad.ingest.errors import IngestError
    from marsad.ingest.excel import _pick_sheet

    assert _pick_sheet(["Janvier", "Fevrier"], "2") == "Fevrier"
    with pytest.raises(IngestError, match="no sheet named"):
        _pick_sheet(["Janvier", "Fevrier"], wanted)
    assert _pick_sheet(["Janvier", wanted], wanted) == wanted


def test_sheets_without_the_header_are_named_with_the_reason(wh, tmp_path):
    other = [["Record ID", "bank", "amount"], ["R9", "B", 5]]
    sheets = {
        "Notes": [["Rapport mensuel"]],
        "Data": [list(TX_HEADER), _row("R1")],
        "Vide": [],
        "Autre": other,
    }
    (r,) = load_files(wh, "transactions", [write_sheets(tmp_path / "w.xlsx", sheets)])
    assert r.sheet == "Data" and r.loaded == 1
    (note,) = [n for n in r.notes if n.startswith("sheets read")]
    assert "sheet 'Notes' not read: no header row" in note
    assert "sheet 'Vide' not read: it is empty" in note
    assert "sheet 'Autre' not read: required columns record_id" in note
    with pytest.raises(FileRefused, match="no header row"):
        load(wh, write_sheets(tmp_path / "n.xlsx", {"Notes": [["x"]]}))


def test_a_hidden_sheet_is_not_read_unless_asked_for(wh, tmp_path):
    """A hidden sheet holding last month's copy of a record was loaded after the visible
    one, and its stale amount corrected the record, each time the workbook was sent."""
    from openpyxl import load_workbook

    sheets = {
        "Data": [list(TX_HEADER), _row("R1", amount=100), _row("R2", amount=7)],
        "Old": [list(TX_HEADER), _row("R1", amount=999)],
        "Lists": [list(TX_HEADER), _row("R3", amount=5)],
    }
    p = write_sheets(tmp_path / "w.xlsx", sheets)
    wb = load_workbook(p)
    wb["Old"].sheet_state, wb["Lists"].sheet_state = "hidden", "veryHidden"
    wb.save(p)
    (r,) = load_files(wh, "transactions", [p])
    assert r.sheet == "Data" and amounts(wh) == {"R1": Decimal(100), "R2": Decimal(7)}
    (note,) = [n for n in r.notes if n.startswith("sheets read")]
    assert "sheet 'Old' not read: it is hidden (load it with --sheet 'Old'" in note
    assert "sheet 'Lists' not read: it is hidden" in note
    (old,) = load_files(wh, "transactions", [p], options=_opts(sheet="Old"))
    assert old.loaded == 1 and amounts(wh)["R1"] == Decimal(999)  # asked for: read
    # a workbook whose data are all hidden says so
    q = write_sheets(tmp_path / "h.xlsx", {"Notes": [["x"]], "Data": sheets["Data"]})
    wb = load_workbook(q)
    wb["Data"].sheet_state = "hidden"
    wb.save(q)
    with pytest.raises(FileRefused, match="sheet 'Data' not read: it is hidden"):
        load(wh, q)


def test_a_workbook_with_a_password_or_cut_short_is_refused_in_plain_words(wh, tmp_path):
    """Both were refused with the zip reader's words: "invalid Zip archive: Could not
    find EOCD"."""
    # Excel saves a workbook with a password as a compound file holding EncryptedPackage
    ole = bytearray(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4088))
    ole[1024:1056] = "EncryptedPackage".encode("utf-16-le")
    (tmp_path / "p.xlsx").write_bytes(bytes(ole))
    with pytest.raises(FileRefused, match="protected by a password") as err:
        load(wh, tmp_path / "p.xlsx")
    assert "EOCD" not in str(err.value)
    whole = write_sheets(tmp_path / "w.xlsx", {"Data": [list(TX_HEADER), _row("R1")]})
    (tmp_path / "cut.xlsx").write_bytes(whole.read_bytes()[:3000])
    with pytest.raises(FileRefused, match="damaged or cut short"):
        load(wh, tmp_path / "cut.xlsx")
    # an old .xls under the name .xlsx, and an empty file, were the zip reader's words too
    (tmp_path / "old.xlsx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4088))
    with pytest.raises(FileRefused, match=r"Excel 97-2003 workbook \(\.xls\) named \.xlsx"):
        load(wh, tmp_path / "old.xlsx")
    (tmp_path / "empty.xlsx").write_bytes(b"")
    with pytest.raises(FileRefused, match="empty") as err:
        load(wh, tmp_path / "empty.xlsx")
    assert "EOCD" not in str(err.value)


def test_each_file_is_read_as_its_content_says_with_a_note_when_its_name_differs(wh, tmp_path):
    """A text file named .xlsx was refused with the zip reader's words, while an .xlsx
    named .csv was read by its content; both ways now, with a note."""
    import zipfile

    book = write_sheets(tmp_path / "b.xlsx", {"Data": [list(TX_HEADER), _row("R1")]})
    as_csv = tmp_path / "b.csv"
    shutil.copy(book, as_csv)
    r = load(wh, as_csv)
    assert r.loaded == 1
    assert "the file is named .csv but is an Excel workbook: read as such, by its content" in (
        r.notes
    )
    text = write_csv(tmp_path / "t.csv", [tx("R2")])
    as_xlsx = text.rename(tmp_path / "t.xlsx")
    r = load(wh, as_xlsx)
    assert r.loaded == 1 and "named .xlsx but is a text (CSV) file" in " ".join(r.notes)
    # a workbook the reader would open as another kind by its name; a zip of CSV files
    shutil.copy(book, tmp_path / "b.ods")
    with pytest.raises(FileRefused, match=r"an Excel workbook \(\.xlsx\) named \.ods: rename"):
        load(wh, tmp_path / "b.ods")
    with zipfile.ZipFile(tmp_path / "tx.zip", "w") as z:
        z.write(text.with_suffix(".xlsx"), "2024-03.csv")
    with pytest.raises(FileRefused, match=r"a zip archive \(holding 2024-03.csv\), not a"):
        load(wh, tmp_path / "tx.zip")


def test_a_ledger_unique_on_the_file_alone_is_upgraded(wh, tmp_path):
    """A warehouse made before sheets were loaded one by one refused a second sheet."""
    from marsad.ingest.store import LEDGER_DDL, ensure_tables

    old = LEDGER_DDL.split(";")[0].replace(
        "sha256       VARCHAR NOT NULL,", "sha256 VARCHAR NOT NULL UNIQUE,"
    )
    wh.sql(old)
    assert wh.scalar("SELECT count(*) FROM duckdb_constraints() WHERE constraint_type = 'UNIQUE'")
    ensure_tables(wh)
    p = _case(tmp_path, "q1_2024.xlsx")
    assert len(load_files(wh, "transactions", [p])) == 3


# -- text: a bad line costs itself only -------------------------------------------------------


def test_utf8_file_with_one_stray_byte_keeps_its_accents(wh, tmp_path):
    """Fault 02: one 0xFF byte made the whole UTF-8 file read as Windows-1252 (mojibake)."""
    r = load(wh, _case(tmp_path, "firms-bad-byte.csv"), "firms")
    assert (r.loaded, r.quarantined) == (2, 1)
    assert r.encoding == "utf-8 (1 byte not UTF-8)"
    names = dict(wh.sql("SELECT firm_id, name || ' ' || city FROM firms"))
    assert names == {"G1": "Société Générale Fès", "G2": "Café Digital Salé"}
    (q,) = quarantine(wh)
    assert (q["line"], q["rule"]) == (4, "encoding")


def test_windows_1252_file_is_still_recognised(wh, tmp_path):
    p = write_csv(tmp_path / "w.csv", [tx("R1", firm_id="Société")], encoding="cp1252")
    assert load(wh, p).encoding == "windows-1252"
    assert wh.scalar("SELECT firm_id FROM transactions") == "Société"


def test_wide_line_costs_its_own_line(wh, tmp_path):
    """Fault 03: a line with 20,000 extra fields took 35 s and 800 MB (one reject per field)."""
    p = write_csv(tmp_path / "w.csv", [tx("W1"), tx("W2"), tx("W3")])
    lines = p.read_text().splitlines()
    lines[2] += "," + ",".join("1" * 100_000)
    p.write_text("\n".join(lines) + "\n")
    r = load(wh, p)
    assert (r.rows_read, r.loaded, r.quarantined) == (3, 2, 1)
    (q,) = quarantine(wh)
    assert (q["line"], q["rule"]) == (3, "malformed")
    assert q["message"] == (
        "line 3 has 100,009 fields where the header has 9 "
        "(100,000 more after its last column, partner_country)"
    )
    assert dict(wh.sql("SELECT record_id, line FROM transactions")) == {"W1": 2, "W3": 4}


def test_title_of_quoted_multiline_cells_and_an_unclosed_quote(wh, tmp_path):
    """DuckDB's skip counts quoted records: a multi-line title lost the first rows."""
    p = write_csv(tmp_path / "t.csv", [tx("R1"), tx("R2"), tx("R3")])
    title = '"Relevé des\nrèglements",,\n"Banque ""BK01""\n\n'
    p.write_text(title + p.read_text())
    r = load(wh, p)
    assert (r.rows_read, r.loaded, r.header_line) == (3, 3, 5)
    assert dict(wh.sql("SELECT record_id, line FROM transactions")) == {"R1": 6, "R2": 7, "R3": 8}


def test_unclosed_quote_costs_its_line_not_the_following_ones(wh, tmp_path):
    """An unclosed quote swallowed every line after it into one quarantined row."""
    p = write_csv(tmp_path / "u.csv", [tx("R1"), tx("R2"), tx("R3"), tx("R4")])
    lines = p.read_text().splitlines()
    lines[2] = lines[2].replace("F001", '"F001')
    p.write_text("\n".join(lines) + "\n")
    r = load(wh, p)
    assert (r.rows_read, r.loaded, r.quarantined) == (4, 3, 1)
    assert dict(wh.sql("SELECT record_id, line FROM transactions")) == {"R1": 2, "R3": 4, "R4": 5}
    (q,) = quarantine(wh)
    assert (q["line"], q["rule"]) == (3, "malformed")
    assert "not closed" in q["message"]


def test_embedded_newline_in_the_data_keeps_lines(wh, tmp_path):
    rows = [tx("R1", firm_id="two\nlines"), tx("R2", amount="x"), tx("R3")]
    r = load(wh, write_csv(tmp_path / "e.csv", rows))
    assert (r.loaded, r.quarantined) == (1, 2)
    # an id with a line break is quarantined where it starts (rule line_break)
    assert [(q["line"], q["rule"]) for q in quarantine(wh)] == [(2, "line_break"), (4, "type")]
    assert dict(wh.sql("SELECT record_id, line FROM transactions")) == {"R3": 5}


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"\xef\xbb\xbf", "holds no text"),
        (b"\xef\xbb\xbf\r\n\r\n", "holds no text"),
        (b"", "is empty"),
    ],
)
def test_bom_or_blank_only_file_is_refused_plainly(wh, tmp_path, data, reason):
    p = tmp_path / "b.csv"
    p.write_bytes(data)
    with pytest.raises(FileRefused, match=reason):
        load(wh, p)
    assert loaded_ids(wh) == set()


# -- rows that hold nothing, whatever the format ---------------------------------------

#: cells that print as nothing: a zero-width space, an ideographic space (U+3000), an em
#: space, a no-break space then a left-to-right mark
_NOTHING = ["\u200b", "\u3000", " \u2003 ", "\u00a0\u200e"]


def _nothing_row() -> list[str]:
    return (_NOTHING * len(TX_HEADER))[: len(TX_HEADER)]


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
def test_a_row_of_invisible_characters_and_unicode_spaces_is_an_empty_row(wh, tmp_path, fmt):
    """A reviewer's rows: one of only zero-width spaces was quarantined 'required', one of
    ideographic spaces 'segment'; what prints as nothing is an empty row, skipped, in
    each format. An id ending in an ideographic space is the id without it."""
    rows = [_row("R1"), _nothing_row(), _row("R2\u3000")]
    if fmt == "csv":
        path = write_csv(tmp_path / "t.csv", [dict(zip(TX_HEADER, r, strict=True)) for r in rows])
    elif fmt == "xlsx":
        path = write_sheets(tmp_path / "t.xlsx", {"Feuil1": [TX_HEADER, *rows]})
    else:
        cols = {h: [r[i] for r in rows] for i, h in enumerate(TX_HEADER)}
        path = tmp_path / "t.parquet"
        pq.write_table(pa.table(cols), path)
    r = load(wh, path)
    assert (r.loaded, r.quarantined, r.blank_rows) == (2, 0, 1)
    assert loaded_ids(wh) == {"R1", "R2"}


@pytest.mark.parametrize(
    "end", [b"\r\n\x1a", b"\x1a", b"\n\x1a\n", b"\r\n\x1a\x1a"],
    ids=["after the last line", "on the last line", "a line of its own", "twice"],
)  # fmt: skip
def test_the_dos_end_of_file_mark_is_not_a_row(wh, tmp_path, end):
    """Exports of DOS and older systems end with Ctrl-Z (0x1A): after the last line end
    it was quarantined as a malformed row of one field, on the last line it made the
    partner country 'FR\\x1a' (rule country). It is trimmed, as a space is."""
    rows = [",".join(tx(f"R{i}")[h] for h in TX_HEADER) for i in (1, 2)]
    data = "\r\n".join([",".join(TX_HEADER), *rows]).encode() + end
    (tmp_path / "t.csv").write_bytes(data)
    r = load(wh, tmp_path / "t.csv")
    assert (r.loaded, r.quarantined) == (2, 0)
    assert loaded_ids(wh) == {"R1", "R2"}


def test_free_text_of_invisible_characters_is_empty_and_at_its_ends_they_are_trimmed(wh, tmp_path):
    """A reviewer's firms: a name of only a zero-width joiner loaded as a name (where one of
    ideographic spaces was 'required'), and a registry re-sent with a zero-width space
    after a name, or a direction mark before it, counted as corrections. Inside a name
    such characters stay (a name may need a zero-width non-joiner)."""
    head = "firm_id,name,segment\n"
    first = head + "F1,Acme,ITO\nF2,Beta,CRM\nF3,Na\u200cme,BPO\nF4,\u200d,KPO\n"
    tmp_path.joinpath("a.csv").write_text(first, encoding="utf-8")
    r = load(wh, tmp_path / "a.csv", kind="firms")
    assert (r.loaded, r.quarantined) == (3, 1)
    assert quarantine(wh)[0]["rule"] == "required"
    again = head + "F1,Acme\u200b,ITO\nF2,\u200eBeta,CRM\nF3,Na\u200cme,BPO\n"
    tmp_path.joinpath("b.csv").write_text(again, encoding="utf-8")
    r2 = load(wh, tmp_path / "b.csv", kind="firms")
    assert (r2.unchanged, r2.corrections) == (3, 0)
    names = dict(wh.sql("SELECT firm_id, name FROM firms"))
    assert names == {"F1": "Acme", "F2": "Beta", "F3": "Na\u200cme"}


@pytest.mark.parametrize("space", ["\u2009", "\u2007", "\u2002", "\u3000", "\u00a0", "\u202f"])
def test_digits_grouped_by_any_unicode_space_read_as_a_number(wh, tmp_path, space):
    """A reviewer's amounts: 1 234,56 grouped by a thin space (U+2009, the SI's mark), a
    figure space or an ideographic space was 'not a number (this file uses a decimal
    comma...)', though it shows as the no-break-space one that loaded."""
    rows = [tx("R1", amount=f"1{space}234,56"), tx("R2", amount=f"12{space}345{space}678,9")]
    r = load(wh, write_csv(tmp_path / "t.csv", rows, sep=";"))
    assert (r.loaded, r.quarantined) == (2, 0)
    assert amounts(wh) == {"R1": Decimal("1234.56"), "R2": Decimal("12345678.9")}


def test_a_header_cell_is_trimmed_as_a_value_is(wh, tmp_path):
    """A reviewer's header ending in Ctrl-Z was refused: 'required column
    partner_country is missing (header has: ... partner_country\\x1a)'."""
    header = ",".join(TX_HEADER)
    row = ",".join(tx("R1")[h] for h in TX_HEADER)
    (tmp_path / "t.csv").write_text(f"\u200b{header}\x1a\n{row}\n", encoding="utf-8")
    r = load(wh, tmp_path / "t.csv")
    assert (r.loaded, r.quarantined) == (1, 0) and loaded_ids(wh) == {"R1"}


# -- formulas never computed -----------------------------------------------------------------


def test_a_formula_never_computed_is_quarantined_in_any_column(wh, tmp_path):
    """openpyxl writes a formula and no value: it was read as an empty cell, so a
    required column said "empty" and an optional one loaded nothing."""
    rows = [
        list(TX_HEADER),
        _row("R1", amount="=1+2"),
        ['=HYPERLINK("http://x","R2")', *_row("R2")[1:]],
        _row("R3"),
        [*_row("R4")[:-1], '=IF(1,"FR","")'],  # the last column
    ]
    r = load(wh, write_sheets(tmp_path / "f.xlsx", {"S": rows}))
    assert (r.rows_read, r.loaded, r.quarantined) == (4, 1, 3)
    q = quarantine(wh)
    assert [(x["line"], x["rule"], x["value"]) for x in q] == [
        (2, "formula", "=1+2"),
        (3, "formula", '=HYPERLINK("http://x","R2")'),
        (5, "formula", '=IF(1,"FR","")'),
    ]
    assert q[0]["message"] == (
        "row 2, column amount: the cell holds the formula =1+2 whose value was never "
        "computed (the file was written by a program that does not calculate): open it "
        "in Excel or LibreOffice and save it again"
    )
    assert loaded_ids(wh) == {"R3"}


def test_a_row_of_only_formulas_never_computed_is_not_lost(wh, tmp_path):
    """A row whose cells are all uncomputed formulas looked like no row at all."""
    rows = [list(TX_HEADER), _row("R1"), [f"={i}+1" for i in range(len(TX_HEADER))]]
    r = load(wh, write_sheets(tmp_path / "f.xlsm", {"S": rows}))
    assert (r.rows_read, r.loaded, r.quarantined) == (2, 1, 1)
    assert [(x["line"], x["rule"], x["column"]) for x in quarantine(wh)] == [
        (3, "formula", "record_id")
    ]


def test_a_formula_with_its_value_is_read_as_its_value(wh, tmp_path):
    """Excel and LibreOffice store a formula's value beside it: it is read as before."""
    path = write_sheets(tmp_path / "f.xlsx", {"S": [list(TX_HEADER), _row("R1", amount="=1+2")]})
    _set_cached_values(path, {"<f>1+2</f><v></v>": "<f>1+2</f><v>3</v>"})
    r = load(wh, path)
    assert (r.loaded, r.quarantined) == (1, 0)
    assert amounts(wh) == {"R1": Decimal("3")}


def _set_cached_values(path: Path, replace: dict[str, str]) -> None:
    import zipfile

    with zipfile.ZipFile(path) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    for name in parts:
        if name.startswith("xl/worksheets/"):
            text = parts[name].decode()
            for old, new in replace.items():
                text = text.replace(old, new)
            parts[name] = text.encode()
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in parts.items():
            zf.writestr(name, data)


def _ods(path: Path, rows: list[list], computed: dict[str, str] | None = None) -> Path:
    """An OpenDocument spreadsheet of ``rows`` (one sheet, S); a text starting with ``=``
    is a formula, with its value when ``computed`` gives one (as LibreOffice saves it)."""
    import zipfile
    from xml.sax.saxutils import quoteattr

    computed = computed or {}

    def cell(value) -> str:
        if isinstance(value, str) and value.startswith("="):
            if value in computed:
                return (f'<table:table-cell table:formula={quoteattr("of:" + value)} '
                        f'office:value-type="float" office:value="{computed[value]}">'
                        f"<text:p>{computed[value]}</text:p></table:table-cell>")  # fmt: skip
            return f"<table:table-cell table:formula={quoteattr('of:' + value)}/>"
        return (f'<table:table-cell office:value-type="string"><text:p>{value}</text:p>'
                "</table:table-cell>")  # fmt: skip

    body = "".join(f"<table:table-row>{''.join(map(cell, r))}</table:table-row>" for r in rows)
    ns = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')  # fmt: skip
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns} '
               'office:version="1.2"><office:body><office:spreadsheet>'
               f'<table:table table:name="S">{body}</table:table>'
               "</office:spreadsheet></office:body></office:document-content>")  # fmt: skip
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest='
                '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                '<manifest:file-entry manifest:full-path="/" manifest:media-type='
                '"application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry '
                'manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                "</manifest:manifest>")  # fmt: skip
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("META-INF/manifest.xml", manifest)
        zf.writestr("content.xml", content)
    return path


def test_an_ods_formula_never_computed_is_quarantined_and_a_computed_one_read(wh, tmp_path):
    """The same in an OpenDocument spreadsheet: a formula without its value was empty."""
    rows = [list(TX_HEADER), _row("R1", amount="=1+2"), _row("R2", amount="=2+2"), _row("R3")]
    r = load(wh, _ods(tmp_path / "f.ods", rows, computed={"=2+2": "4"}))
    assert (r.rows_read, r.loaded, r.quarantined) == (3, 2, 1)
    assert [(x["line"], x["rule"], x["column"], x["value"]) for x in quarantine(wh)] == [
        (2, "formula", "amount", "=1+2")
    ]
    assert amounts(wh) == {"R2": Decimal("4"), "R3": Decimal("1500.25")}
