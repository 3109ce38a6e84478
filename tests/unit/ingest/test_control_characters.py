"""Control characters inside a value: a fault of the file, quarantined (rule ``control``)
with the character named, in every field of every kind and whatever the reader (CSV,
Excel, Parquet); a tab is a space (trimmed at the ends, kept inside); the checks look
for them only in the files that may hold one."""

from __future__ import annotations

from pathlib import Path

import pytest

from marsad.engine.warehouse import Warehouse
from marsad.ingest import cleaning, load_files
from marsad.ingest.errors import FileRefused
from marsad.ingest.options import ReadOptions

from .conftest import TX_HEADER, WRITERS, load, loaded_ids, quarantine, tx, write_csv

FIRMS_HEADER = ("firm_id", "name", "segment", "isic", "city")
RATES_HEADER = ("date", "currency", "mad_per_unit")
EMPLOYMENT_HEADER = ("period", "segment", "jobs")

DAMAGED = "the file may be damaged (a corrupted export)"
ENCODING = "the text may have been converted with the wrong encoding"

CASES = [
    # (overrides, column, character named, what it tells)
    ({"record_id": "R1\x01X"}, "record_id", "U+0001 (Ctrl-A)", DAMAGED),
    # Ctrl-Z between two letters: at an end it is trimmed as a space (test_files_as_meant)
    ({"record_id": "R\x1aZ"}, "record_id", "U+001A (Ctrl-Z)", DAMAGED),
    ({"record_id": "R\x1fX"}, "record_id", "U+001F", DAMAGED),  # what the checks joined rows by
    ({"reporter": "BK\x1b01"}, "reporter", "U+001B (Escape)", DAMAGED),
    ({"firm_id": "F\x7f1"}, "firm_id", "U+007F (Delete)", DAMAGED),
    ({"firm_id": "\x1c"}, "firm_id", "U+001C", DAMAGED),  # (Python's strip() takes it for space)
    ({"firm_id": "F1\x9b"}, "firm_id", "U+009B", ENCODING),
    ({"firm_id": "F\x80 1"}, "firm_id", "U+0080", ENCODING),
    # a date, a number or a code holding one is told that, not that it is no date
    ({"value_date": "2024-03-15\x02"}, "value_date", "U+0002 (Ctrl-B)", DAMAGED),
    ({"amount": "15\x0300.25"}, "amount", "U+0003 (Ctrl-C)", DAMAGED),
    ({"flow": "C\x04"}, "flow", "U+0004 (Ctrl-D)", DAMAGED),
    ({"currency": "EU\x05R"}, "currency", "U+0005 (Ctrl-E)", DAMAGED),
    ({"partner_country": "\x06FR"}, "partner_country", "U+0006 (Ctrl-F)", DAMAGED),
]


@pytest.mark.parametrize("fmt", sorted(WRITERS))
@pytest.mark.parametrize(("over", "column", "named", "tells"), CASES)
def test_a_control_character_in_a_value_is_quarantined(
    wh, tmp_path, fmt, over, column, named, tells
):
    """A record id 'R1\\x01X' (or Ctrl-Z inside one, DEL, a C1 control) loaded as it
    was: an id no correction sent cleanly would match."""
    rows = [tx("G1"), tx("BAD", **over), tx("G2")]
    r = load(wh, WRITERS[fmt](tmp_path / f"t.{fmt}", rows))
    assert (r.rows_read, r.loaded, r.quarantined, r.rules) == (3, 2, 1, {"control": 1})
    (q,) = quarantine(wh)
    line = 2 if fmt == "parquet" else 3  # (a Parquet file's rows are numbered from 1)
    unit = "line" if fmt == "csv" else "row"
    assert (q["line"], q["rule"], q["column"], q["value"]) == (
        line,
        "control",
        column,
        over[column],
    )
    assert q["message"] == (
        f"{unit} {line}, column {column}: the value holds the control character {named}, "
        f"which no id, code or text has: {tells}"
        + (
            " (Windows-1252 read as Latin-1, for one), or the file is damaged"
            if tells == ENCODING
            else ""
        )
    )
    assert loaded_ids(wh) == {"G1", "G2"}


@pytest.mark.parametrize("fmt", ["xlsx", "parquet"])
def test_a_nul_character_in_a_value_is_quarantined(wh, tmp_path, fmt):
    """(A text file's NUL: test_a_nul_byte_in_a_value_of_a_text_file_is_quarantined.)"""
    rows = [tx("G1"), tx("R\x00N")]
    r = load(wh, WRITERS[fmt](tmp_path / f"t.{fmt}", rows))
    assert (r.loaded, r.rules) == (1, {"control": 1})
    (q,) = quarantine(wh)
    assert "the control character U+0000 (NUL)" in q["message"]


def test_a_nul_character_of_a_utf16_file_is_quarantined(wh, tmp_path):
    path = tmp_path / "t.csv"
    text = ",".join(TX_HEADER) + "\n" + ",".join(tx("G1").values()) + "\n"
    text += ",".join(tx("R\x00N").values()) + "\n"
    path.write_bytes(text.encode("utf-16"))
    r = load(wh, path)
    assert (r.encoding, r.loaded, r.rules) == ("utf-16", 1, {"control": 1})


def test_c1_controls_of_a_file_read_in_the_wrong_encoding_are_quarantined(wh, tmp_path):
    """Windows-1252's curly apostrophe and euro sign (0x92, 0x80) read as Latin-1 are the
    controls U+0092 and U+0080: the name loaded garbled; a byte Windows-1252 leaves
    undefined (0x81, read as Latin-1) is one too."""
    rows = [
        {"firm_id": "F1", "name": "L’atelier", "segment": "KPO"},
        {"firm_id": "F2", "name": "Café", "segment": "ITO"},
    ]
    path = write_csv(tmp_path / "f.csv", rows, header=FIRMS_HEADER, encoding="cp1252")
    r = load(wh, path, "firms", encoding="latin-1")
    assert (r.loaded, r.rules) == (1, {"control": 1})
    (q,) = quarantine(wh)
    assert (q["column"], q["value"]) == ("name", "L\x92atelier")
    assert "U+0092, which no id, code or text has: the text may have been converted" in q["message"]
    # detected Windows-1252, with a byte it leaves undefined
    path.write_bytes(path.read_bytes().replace(b"Caf\xe9", b"Caf\xe9\x81"))
    (r,) = load_files(wh, "firms", [path], options=ReadOptions())
    assert (r.encoding, r.rules) == ("windows-1252", {"control": 1})
    # (F2 keeps the name of the first load)
    assert dict(wh.sql("SELECT firm_id, name FROM firms")) == {"F1": "L’atelier", "F2": "Café"}


@pytest.mark.parametrize("fmt", sorted(WRITERS))
def test_control_characters_in_the_other_kinds(tmp_path, fmt):
    """A firm's name and city (free text, which keeps a zero-width joiner or a line
    break inside), the firms' and rates' keys, an employment period."""
    write = WRITERS[fmt]
    files = {
        "firms": (
            FIRMS_HEADER,
            [
                {"firm_id": "F1", "name": "Atlas\x01 Data", "segment": "ITO"},
                {"firm_id": "F2", "name": "Rif", "segment": "ITO", "city": "T\x9danger"},
                {"firm_id": "F\x023", "name": "Sous", "segment": "ITO"},
                {"firm_id": "F4", "name": "Deux\nlignes\x0bet\u200dplus", "segment": "BPO"},
            ],
        ),
        "rates": (
            RATES_HEADER,
            [
                {"date": "2024-03-01", "currency": "EUR", "mad_per_unit": "10.8"},
                {"date": "2024-03-01", "currency": "US\x7fD", "mad_per_unit": "9.9"},
            ],
        ),
        "employment": (
            EMPLOYMENT_HEADER,
            [
                {"period": "2024", "segment": "TOTAL", "jobs": "148500"},
                {"period": "2024\x10", "segment": "ITO", "jobs": "10"},
            ],
        ),
    }
    got = {}
    for kind, (header, rows) in files.items():
        wh = Warehouse(tmp_path / f"{kind}.duckdb")
        try:
            r = load(wh, write(tmp_path / f"{kind}.{fmt}", rows, header=header), kind)
            got[kind] = (r.loaded, r.rules, [(q["column"], q["rule"]) for q in quarantine(wh)])
            if kind == "firms":
                assert wh.scalar("SELECT name FROM firms") == "Deux\nlignes\x0bet\u200dplus"
        finally:
            wh.close()
    assert got == {
        "firms": (
            1,
            {"control": 3},
            [("name", "control"), ("city", "control"), ("firm_id", "control")],
        ),
        "rates": (1, {"control": 1}, [("currency", "control")]),
        "employment": (1, {"control": 1}, [("period", "control")]),
    }


@pytest.mark.parametrize("fmt", sorted(WRITERS))
def test_a_tab_is_a_space(wh, tmp_path, fmt):
    """A tab inside an id is kept, as a space inside one is ('R 1' is the id 'R 1');
    at its ends it is trimmed, as a space is. Neither is quarantined."""
    rows = [tx("R\t1"), tx("R 2"), tx("\tR3\t", firm_id="F\t1 ")]
    r = load(wh, WRITERS[fmt](tmp_path / f"t.{fmt}", rows))
    assert (r.loaded, r.quarantined) == (3, 0)
    assert loaded_ids(wh) == {"R\t1", "R 2", "R3"}
    assert wh.scalar("SELECT firm_id FROM transactions WHERE record_id = 'R3'") == "F\t1"


def test_a_value_with_the_joiner_of_the_row_checks_loads_as_it_is(wh, tmp_path):
    """The checks join a row's fields with '|' to look at the row once: a '|' inside a
    value, next to a space or not, is text like any other."""
    rows = [tx("R|1"), tx("R2", firm_id="F |1"), tx("R3", firm_id="| ")]
    r = load(wh, write_csv(tmp_path / "t.csv", rows))
    assert (r.loaded, r.quarantined, r.cleaned) == (3, 0, 0)
    got = dict(wh.sql("SELECT record_id, firm_id FROM transactions"))
    assert got == {"R|1": "F001", "R2": "F |1", "R3": "|"}


def test_rows_are_joined_by_a_character_the_row_checks_do_not_look_for():
    """The checks look at a row once, its fields joined: by a character that is neither
    a control character (with U+001F, every row was searched field by field) nor a
    space or an apostrophe (every row would be cleaned)."""
    assert cleaning.JOINER not in cleaning.CONTROL_CHARS + cleaning.BLANK_CHARS + "'"


# -- the checks look for control characters only where there may be one --------------------


def _checks(monkeypatch, wh, paths, **opts) -> list[str]:
    """The check statements of a load of ``paths``."""
    statements: list[str] = []
    real = Warehouse.sql

    def spy(self, q, params=None):
        statements.append(q)
        return real(self, q, params)

    monkeypatch.setattr(Warehouse, "sql", spy)
    load_files(wh, "transactions", paths, options=ReadOptions(decimal=".", **opts))
    monkeypatch.setattr(Warehouse, "sql", real)
    return [q for q in statements if "AS _fail FROM b" in q]


def test_text_files_without_a_control_character_are_not_searched_for_one(wh, tmp_path, monkeypatch):
    """The search costs a regular expression a row: a text file whose bytes hold no
    control character (the scan says so) is checked without it, one with a space or a
    quote too; in a call with one file that holds one, only its rows are searched."""
    plain = write_csv(tmp_path / "plain.csv", [tx("R1"), tx("R2")])
    quoted = write_csv(tmp_path / "quoted.csv", [tx("R3", firm_id="F, 1"), tx("R4")])
    damaged = write_csv(tmp_path / "damaged.csv", [tx("R5\x01"), tx("R6")])
    # (the DOS end-of-file mark after the last line is no control character in a value)
    dos = tmp_path / "dos.csv"
    dos.write_bytes(
        write_csv(tmp_path / "d.csv", [tx("R11")], newline="\r\n").read_bytes() + b"\x1a"
    )
    checks = _checks(monkeypatch, wh, [plain, quoted, dos])
    control = f"[{cleaning.CONTROL_CLASS}]"
    assert checks and not any(control in q for q in checks)
    checks = _checks(monkeypatch, wh, [damaged])
    assert any(control in q for q in checks)
    # read and checked together (one dialect, small), only the damaged file is searched
    plain = write_csv(tmp_path / "plain2.csv", [tx("R7 "), tx("R8")])
    damaged = write_csv(tmp_path / "damaged2.csv", [tx("R9"), tx("R10", firm_id="F\x7f")])
    checks = _checks(monkeypatch, wh, [plain, damaged])
    assert checks and all(control in q and "CASE WHEN _file IN (" in q for q in checks)
    assert loaded_ids(wh) == {"R1", "R2", "R3", "R4", "R6", "R7", "R8", "R9", "R11"}


# -- a NUL byte in a text file: a damaged line, or no text at all ----------------------------


def _held(wh) -> list[tuple]:
    return [(q["line"], q["rule"], q["column"], q["value"]) for q in quarantine(wh)]


@pytest.mark.parametrize(
    ("encoding", "stated", "label"),
    [
        ("utf-8", None, "utf-8"),
        ("cp1252", None, "windows-1252"),
        ("latin-1", "latin-1", "latin-1 (stated)"),
        ("utf-8", "utf-8", "utf-8 (stated)"),
    ],
)
def test_a_nul_byte_in_a_value_of_a_text_file_is_quarantined(wh, tmp_path, encoding, stated, label):
    """A text file with a NUL inside one value was refused whole ("binary data"), while
    the same value in an Excel, Parquet or UTF-16 file cost its row only: the row is
    quarantined (control) with its line and column, the other rows loaded."""
    rows = [tx("G1", firm_id="Société"), tx("R\x00N"), tx("G2"), tx("G3", currency="\x00EUR")]
    path = write_csv(tmp_path / "t.csv", rows, encoding=encoding)
    r = load(wh, path, **({"encoding": stated} if stated else {}))
    assert (r.encoding, r.rows_read, r.loaded, r.rules) == (label, 4, 2, {"control": 2})
    assert _held(wh) == [
        (3, "control", "record_id", "R\x00N"),
        (5, "control", "currency", "\x00EUR"),
    ]
    assert quarantine(wh)[0]["message"] == (
        "line 3, column record_id: the value holds the control character U+0000 (NUL), "
        f"which no id, code or text has: {DAMAGED}"
    )
    assert loaded_ids(wh) == {"G1", "G2"}


def test_a_nul_byte_keeps_the_lines_of_a_file_read_again_line_by_line(wh, tmp_path):
    """Quotes (a separator inside a value), a NUL inside a quoted value, a line of
    too many fields, a quote never closed: each row keeps the file's line number."""
    path = tmp_path / "t.csv"
    lines = [
        ",".join(TX_HEADER),
        ",".join(tx("G1", firm_id='"F, 1"').values()),
        ",".join(tx("R2", firm_id='"F\x00 2"').values()),
        ",".join(tx("R3").values()) + ",extra",
        ",".join(tx("G4").values()),
        ",".join(tx("R5\x00").values()),
        ",".join(tx("R6", firm_id='"open').values()),
        ",".join(tx("G7").values()),
    ]
    path.write_bytes(("\n".join(lines) + "\n").encode())
    r = load(wh, path)
    assert (r.rows_read, r.loaded) == (7, 3)
    assert [(q[0], q[1]) for q in _held(wh)] == [
        (3, "control"),
        (4, "malformed"),
        (6, "control"),
        (7, "malformed"),
    ]
    # (a line split wrong for another reason than NULs says nothing of them)
    assert "NUL" not in quarantine(wh)[1]["message"] + quarantine(wh)[3]["message"]
    assert loaded_ids(wh) == {"G1", "G4", "G7"}
    assert wh.scalar("SELECT firm_id FROM transactions WHERE record_id = 'G1'") == "F, 1"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_a_nul_byte_beside_carriage_returns_in_quoted_values(tmp_path, encoding):
    """The line ends of a file with CRs inside lines are read from a copy where a CR of
    a quoted value stood as a NUL for a moment: a chunk holding a NUL of its own had its
    quoted CRLF made LF (a firm's name of two lines changed) and its quoted CR taken
    for a stray one (a UTF-16 file with U+0000 too, read from its UTF-8 copy)."""
    text = (
        'firm_id,name,segment\r\nF1,"Deux\r\nlignes",ITO\r\nF2,B\x00x,ITO\r\n'
        'F3,"Un\rdeux",ITO\r\nF4,C\rD,KPO\r\n'
    )
    path = tmp_path / "f.csv"
    path.write_bytes(text.encode(encoding))
    wh = Warehouse(tmp_path / "wh.duckdb")
    try:
        r = load(wh, path, "firms")
        assert (r.loaded, r.rules) == (3, {"control": 1})
        assert dict(wh.sql("SELECT firm_id, name FROM firms")) == {
            "F1": "Deux\r\nlignes",
            "F3": "Un\rdeux",
            "F4": "C\rD",
        }
        assert _held(wh) == [(4, "control", "name", "B\x00x")]
    finally:
        wh.close()


def test_a_block_of_nul_bytes_costs_the_lines_it_overwrote(wh, tmp_path):
    """A file whose bytes were partly zeroed (a disk or a copy that failed: a block of
    NULs over a line and a half) is text damaged there: the lines it spans are
    quarantined, the others loaded."""
    rows = [tx(f"G{i}") for i in range(1, 41)]
    data = bytearray(write_csv(tmp_path / "t.csv", rows).read_bytes())
    start, end = data.index(b"G10,"), data.index(b"G11,") + 10
    data[start:end] = b"\0" * (end - start)  # G10, its line end and "G11,BANK1,"
    (tmp_path / "t.csv").write_bytes(bytes(data))
    r = load(wh, tmp_path / "t.csv")
    assert (r.rows_read, r.loaded, r.quarantined) == (39, 38, 1)
    assert [q[:2] for q in _held(wh)] == [(11, "malformed")]
    assert quarantine(wh)[0]["message"] == (
        "line 11 has 7 fields where the header has 9 (it stops before column service_code): "
        f"it holds {end - start} NUL bytes, where the file may be damaged"
    )
    assert loaded_ids(wh) == {f"G{i}" for i in range(1, 41)} - {"G10", "G11"}
    assert wh.scalar("SELECT max(line) FROM transactions") == 40


def test_several_files_read_together_one_with_a_nul_byte(wh, tmp_path):
    plain = write_csv(tmp_path / "plain.csv", [tx("R1"), tx("R2")])
    damaged = write_csv(tmp_path / "damaged.csv", [tx("R3\x00"), tx("R4")])
    reports = load_files(wh, "transactions", [plain, damaged], options=ReadOptions())
    assert [(r.loaded, r.quarantined) for r in reports] == [(2, 0), (1, 1)]
    assert loaded_ids(wh) == {"R1", "R2", "R4"}


def _refused(wh, path: Path, **opts) -> str:
    """Why ``path`` is refused whole (nothing loaded)."""
    with pytest.raises(FileRefused) as refused:
        load_files(wh, "transactions", [path], options=ReadOptions(**opts))
    assert wh.scalar("SELECT count(*) FROM ingest_loads") == 0
    return str(refused.value).removeprefix(f"{path.name}: ")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + bytes(range(256)) * 4, "is a PNG image"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< >>\nstream\n\0\0\n", "is a PDF document"),
        (b"SQLite format 3\0" + b"\0" * 200, "is an SQLite database"),
        (bytes(range(256)) * 40, "holds binary data (NUL bytes on 40 of its 41 first lines)"),
        (b"\0" * 5000, "holds binary data (NUL bytes on 1 of its 1 first lines)"),
        # UTF-16 without a byte-order mark whose characters are not Latin: the NULs are
        # not where they stand in Latin text (told as UTF-16), but on every line
        (
            "رقم,اسم,قطاع\r\nش١,بنك,ITO\r\n".encode("utf-16-le"),
            "holds binary data (NUL bytes on 3 of its 3 first lines): it is not a text "
            "(CSV) file (if it is UTF-16 text, state --encoding utf-16-le)",
        ),
    ],
)
def test_a_file_that_is_not_text_is_still_refused_whole(wh, tmp_path, data, message):
    path = tmp_path / "t.csv"
    path.write_bytes(data)
    assert message in _refused(wh, path)


def test_a_gzipped_or_zipped_csv_is_refused_and_a_renamed_workbook_read(wh, tmp_path):
    import gzip
    import zipfile

    csv_bytes = write_csv(tmp_path / "a.csv", [tx("R1")]).read_bytes()
    gz = tmp_path / "gz.csv"
    gz.write_bytes(gzip.compress(csv_bytes))
    assert _refused(wh, gz) == "the file is a gzip archive, not a text (CSV) file"
    zipped = tmp_path / "zip.csv"
    with zipfile.ZipFile(zipped, "w") as z:
        z.writestr("a.csv", csv_bytes)
    assert _refused(wh, zipped)  # (read as a workbook, which it is not)
    book = WRITERS["xlsx"](tmp_path / "book.xlsx", [tx("R1")])
    renamed = tmp_path / "book.csv"
    renamed.write_bytes(book.read_bytes())
    r = load(wh, renamed)
    assert (r.detected().split(",")[0], r.loaded) == ("excel", 1)


# -- a control character in the header ------------------------------------------------------


@pytest.mark.parametrize("fmt", sorted(WRITERS))
@pytest.mark.parametrize(
    ("cell", "shown", "named"),
    [
        ("amount\x01", "'amount\\x01'", "U+0001 (Ctrl-A)"),
        ("record_id\x00", "'record_id\\x00'", "U+0000 (NUL)"),
        ("cur\x1brency", "'cur\\x1brency'", "U+001B (Escape)"),
        ("amount\x9d", "'amount\\x9d'", "U+009D"),
    ],
)
def test_a_control_character_in_a_header_cell_refuses_the_file(
    wh, tmp_path, fmt, cell, shown, named
):
    """It was reported as a missing column ("required column amount is missing (header
    has: … 'amount\\x01'"), when the header is there, damaged: the file is refused with
    the cell as written and the character named, as in the rule ``control``."""
    if fmt == "parquet" and cell.endswith("\x00"):
        pytest.skip("pyarrow ends a column name at a NUL")
    column = cell.translate({ord(c): None for c in cleaning.CONTROL_CHARS})
    header = [cell if h == column else h for h in TX_HEADER]
    rows = [{cell if k == column else k: v for k, v in tx(f"R{i}").items()} for i in (1, 2)]
    path = WRITERS[fmt](tmp_path / f"t.{fmt}", rows, header=header)
    what = "column name" if fmt == "parquet" else "header cell"
    tells = ENCODING if named == "U+009D" else DAMAGED
    assert _refused(wh, path) == (
        f"{what} {shown} holds the control character {named}, which no column name has: "
        + tells
        + (
            " (Windows-1252 read as Latin-1, for one), or the file is damaged"
            if tells == ENCODING
            else ""
        )
    )


@pytest.mark.parametrize("fmt", sorted(WRITERS))
def test_a_control_character_in_a_column_not_read_refuses_the_file_too(wh, tmp_path, fmt):
    """The header is the file's structure: a damaged one is no header to read under,
    even where the damaged cell names a column not loaded."""
    header = (*TX_HEADER, "Notes\x07")
    rows = [{**tx("R1"), "Notes\x07": "x"}]
    message = _refused(wh, WRITERS[fmt](tmp_path / f"t.{fmt}", rows, header=header))
    assert "'Notes\\x07' holds the control character U+0007 (Ctrl-G)" in message
