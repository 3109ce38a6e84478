"""Control characters inside a value: a fault of the file, quarantined (rule ``control``)
with the character named, in every field of every kind and whatever the reader (CSV,
Excel, Parquet); a tab is a space (trimmed at the ends, kept inside); the checks look
for them only in the files that may hold one."""

from __future__ import annotations

import pytest

from marsad.engine.warehouse import Warehouse
from marsad.ingest import cleaning, load_files
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
    """(A text file holding a NUL byte is refused whole: it is not text.)"""
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
