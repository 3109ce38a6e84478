"""Files as banks really send them: encodings, separators, decimals, quoting,
line ends, Excel and Parquet; and files that cannot be read at all."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from marsad.engine.warehouse import Warehouse
from marsad.ingest import FileRefused, cleaning, load_files
from marsad.ingest.header import DecimalEvidence, decimal_evidence, detect_decimal

from .conftest import TX_HEADER, WRITERS, load, loaded_ids, quarantine, tx, write_csv, write_sheets

FIRMS_HEADER = ("firm_id", "name", "segment", "isic", "city")


def amounts(wh) -> dict[str, Decimal]:
    return dict(wh.sql("SELECT record_id, amount FROM transactions"))


# -- encodings ---------------------------------------------------------------------


def test_utf8_with_bom(wh, tmp_path):
    p = write_csv(tmp_path / "bom.csv", [tx("R1"), tx("R2")], bom=True)
    r = load(wh, p)
    assert (r.rows_read, r.loaded, r.quarantined) == (2, 2, 0)
    assert r.encoding == "utf-8 (with BOM)"
    assert r.header_line == 1


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1"])
def test_windows_1252_and_latin1_detected(wh, tmp_path, encoding):
    rows = [
        {"firm_id": "F1", "name": "Société Générale d'Études", "segment": "ITO"},
        {"firm_id": "F2", "name": "Café Crème Çà", "segment": "BPO", "city": "Fès"},
    ]
    p = write_csv(tmp_path / "firms.csv", rows, header=FIRMS_HEADER, sep=";", encoding=encoding)
    r = load(wh, p, "firms")
    assert r.loaded == 2
    assert r.encoding == "windows-1252"  # latin-1 text is windows-1252 for these characters
    names = dict(wh.sql("SELECT firm_id, name FROM firms"))
    assert names == {"F1": "Société Générale d'Études", "F2": "Café Crème Çà"}
    assert wh.scalar("SELECT city FROM firms WHERE firm_id = 'F2'") == "Fès"


def test_windows_1252_euro_sign_and_smart_quote(wh, tmp_path):
    rows = [{"firm_id": "F1", "name": "L’atelier €uro", "segment": "KPO"}]
    p = write_csv(tmp_path / "f.csv", rows, header=FIRMS_HEADER, encoding="cp1252")
    load(wh, p, "firms")
    assert wh.scalar("SELECT name FROM firms") == "L’atelier €uro"


def test_stated_encoding_is_used_and_reported(wh, tmp_path):
    rows = [{"firm_id": "F1", "name": "Tétouan Data", "segment": "ITO"}]
    p = write_csv(tmp_path / "f.csv", rows, header=FIRMS_HEADER, encoding="latin-1")
    r = load(wh, p, "firms", encoding="latin-1")
    assert r.encoding == "latin-1 (stated)"
    assert wh.scalar("SELECT name FROM firms") == "Tétouan Data"


def test_utf16_with_bom(wh, tmp_path):
    p = tmp_path / "u16.csv"
    text = "firm_id,name,segment\nF1,Agadir Tech,ITO\n"
    p.write_bytes(text.encode("utf-16"))
    r = load(wh, p, "firms")
    assert r.loaded == 1 and r.encoding == "utf-16"


def test_invalid_utf8_line_in_stated_utf8_file_is_quarantined(wh, tmp_path):
    p = tmp_path / "mixed.csv"
    good = write_csv(tmp_path / "g.csv", [tx("R1"), tx("R2"), tx("R3")]).read_bytes()
    lines = good.split(b"\n")
    lines[2] = lines[2].replace(b"F001", b"F\xe9")  # a Latin-1 byte in a UTF-8 file
    p.write_bytes(b"\n".join(lines))
    r = load(wh, p, encoding="utf-8")
    assert (r.loaded, r.quarantined) == (2, 1)
    (q,) = quarantine(wh)
    assert (q["line"], q["rule"]) == (3, "encoding")


# -- separators and decimals ------------------------------------------------------------


@pytest.mark.parametrize("sep", [",", ";", "\t", "|"])
def test_separators_detected(wh, tmp_path, sep):
    p = write_csv(tmp_path / "s.csv", [tx("R1"), tx("R2", amount="7")], sep=sep)
    r = load(wh, p)
    assert r.loaded == 2 and r.separator == sep


def test_stated_separator(wh, tmp_path):
    p = write_csv(tmp_path / "s.csv", [tx("R1")], sep=";")
    r = load(wh, p, sep=";")
    assert r.loaded == 1


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("1 234,56", Decimal("1234.56")),
        ("1\u00a0234,5", Decimal("1234.5")),
        ("1\u202f234\u202f567,125", Decimal("1234567.125")),
        ("1.234.567,8", Decimal("1234567.8")),
        ("12,5", Decimal("12.5")),
        ("99", Decimal("99")),
    ],
)
def test_decimal_comma_with_thousands(wh, tmp_path, written, value):
    rows = [tx("R1", amount=written), tx("R2", amount="3,25")]
    p = write_csv(tmp_path / "d.csv", rows, sep=";")
    r = load(wh, p)
    assert r.decimal == "," and r.loaded == 2
    assert amounts(wh)["R1"] == value


@pytest.mark.parametrize(
    ("written", "value"),
    [("1,234.56", Decimal("1234.56")), ("1 234.5", Decimal("1234.5")), ("0.001", Decimal("0.001"))],
)
def test_decimal_point_with_thousands(wh, tmp_path, written, value):
    p = write_csv(tmp_path / "d.csv", [tx("R1", amount=written), tx("R2", amount="2.50")])
    r = load(wh, p)
    assert r.decimal == "." and amounts(wh)["R1"] == value


def test_stated_decimal_overrides_detection(wh, tmp_path):
    # "1.234" alone is ambiguous; stated as decimal comma it is 1234
    p = write_csv(tmp_path / "d.csv", [tx("R1", amount="1.234")], sep=";")
    load(wh, p, decimal=",")
    assert amounts(wh)["R1"] == Decimal("1234")


def test_detect_decimal():
    assert detect_decimal(["1 234,56", "10"]) == ","
    assert detect_decimal(["1,234.56"]) == "."
    assert detect_decimal(["1.234.567"]) == ","
    assert detect_decimal(["1,234,567"]) == "."
    assert detect_decimal(["12,5"]) == ","
    # "1,234" and "1.234" read both ways: no guess (the separator does not decide)
    assert detect_decimal(["1,234"]) is None
    assert decimal_evidence(["1,234", "1,500"]) == DecimalEvidence(ambiguous="1,234")
    assert detect_decimal([]) is None


# -- quoting, line ends, blank lines: the line numbers stay physical ------------------------


def test_quoted_separators_and_line_breaks(wh, tmp_path):
    rows = [
        tx("R1", firm_id='F, "quoted"'),
        tx("R2", firm_id="two\nlines"),
        tx("R3", firm_id="three\nphysical\nlines"),
        tx("R4", currency="XXZ"),  # bad, after 3 embedded newlines
    ]
    p = write_csv(tmp_path / "q.csv", rows)
    r = load(wh, p)
    assert (r.loaded, r.quarantined) == (1, 3)
    firms = dict(wh.sql("SELECT record_id, firm_id FROM transactions"))
    assert firms == {"R1": 'F, "quoted"'}
    assert wh.scalar("SELECT line FROM transactions") == 2
    # an id never holds a line break: quarantined at the physical line where it starts
    held = {q["line"]: (q["rule"], q["value"]) for q in quarantine(wh)}
    assert held == {
        3: ("line_break", "two\nlines"),
        5: ("line_break", "three\nphysical\nlines"),
        8: ("currency", "XXZ"),
    }


def test_crlf_line_ends(wh, tmp_path):
    rows = [tx("R1"), tx("R2", firm_id="a\r\nb"), tx("R3", flow="Z")]
    p = write_csv(tmp_path / "crlf.csv", rows, newline="\r\n")
    r = load(wh, p)
    assert (r.loaded, r.quarantined) == (1, 2)
    assert wh.scalar("SELECT partner_country FROM transactions WHERE record_id = 'R1'") == "FR"
    assert {q["line"]: q["rule"] for q in quarantine(wh)} == {3: "line_break", 5: "flow"}


def test_mixed_line_ends(wh, tmp_path):
    p = write_csv(tmp_path / "m.csv", [tx("R1"), tx("R2")], newline="\r\n")
    p.write_bytes(p.read_bytes() + b"R3,BANK1,F1,2024-01-02,C,5,EUR,SI22,FR\n")
    r = load(wh, p)
    assert r.loaded == 3
    assert any("line ends" in n for n in r.notes)


def test_blank_lines_skipped_and_line_numbers_kept(wh, tmp_path):
    p = write_csv(tmp_path / "b.csv", [tx("R1"), tx("R2")])
    text = p.read_text().replace("\nR2", "\n\n\nR2") + "R3,BANK1,,2024-01-01,C,abc,EUR,SI22,FR\n\n"
    p.write_text(text)
    r = load(wh, p)
    assert (r.rows_read, r.loaded, r.quarantined) == (3, 2, 1)
    assert dict(wh.sql("SELECT record_id, line FROM transactions")) == {"R1": 2, "R2": 5}
    assert quarantine(wh)[0]["line"] == 6


def test_malformed_lines_quarantined_with_their_line(wh, tmp_path):
    p = write_csv(tmp_path / "m.csv", [tx("R1"), tx("R2"), tx("R3")])
    lines = p.read_text().splitlines()
    lines.insert(2, "R9,BANK1,F1,2024-01-02,C,5,EUR")  # too few fields
    lines.insert(4, "R8,BANK1,F1,2024-01-02,C,5,EUR,SI22,FR,extra")  # too many
    p.write_text("\n".join(lines) + "\n")
    r = load(wh, p)
    assert (r.rows_read, r.loaded, r.quarantined) == (5, 3, 2)
    q = quarantine(wh)
    assert [(x["line"], x["rule"]) for x in q] == [(3, "malformed"), (5, "malformed")]
    assert "7 fields where the header has 9" in q[0]["message"]
    assert dict(wh.sql("SELECT record_id, line FROM transactions")) == {"R1": 2, "R2": 4, "R3": 6}


def test_unclosed_quote_is_quarantined(wh, tmp_path):
    p = write_csv(tmp_path / "u.csv", [tx("R1")])
    p.write_text(p.read_text() + 'R2,BANK1,"F1,2024-01-02,C,5,EUR,SI22,FR\n')
    r = load(wh, p)
    assert (r.loaded, r.quarantined) == (1, 1)
    assert quarantine(wh)[0]["rule"] == "malformed"


def test_header_case_spaces_order_and_extra_columns(wh, tmp_path):
    header = (
        "  Amount ",
        "CURRENCY",
        "Record_ID",
        "reporter",
        "Firm_Id",
        "value_date",
        "flow",
        "service_code",
        "Partner_Country",
        "comment",
    )
    row = tx("R1", amount="10", comment="note")
    row["  Amount "] = "10"
    row["CURRENCY"] = "EUR"
    row["Record_ID"] = "R1"
    row["Firm_Id"] = "F9"
    row["Partner_Country"] = "ES"
    p = write_csv(tmp_path / "h.csv", [row], header=header)
    r = load(wh, p)
    assert r.loaded == 1 and r.ignored_columns == ["comment"]
    assert wh.sql("SELECT record_id, firm_id, partner_country, amount FROM transactions") == [
        ("R1", "F9", "ES", Decimal("10.000"))
    ]


def test_title_block_above_the_header_in_csv(wh, tmp_path):
    p = write_csv(tmp_path / "t.csv", [tx("R1"), tx("R2", flow="Q")])
    p.write_text("Bank report March 2024\nprepared 2024-04-02\n\n" + p.read_text())
    r = load(wh, p)
    assert r.header_line == 4 and r.loaded == 1
    assert quarantine(wh)[0]["line"] == 6


# -- files refused as a whole -------------------------------------------------------------


def test_missing_required_column_refuses_file(wh, tmp_path):
    header = tuple(h for h in TX_HEADER if h != "currency")
    p = write_csv(tmp_path / "nocur.csv", [tx("R1")], header=header)
    with pytest.raises(FileRefused, match="currency"):
        load(wh, p)
    assert wh.scalar("SELECT count(*) FROM ingest_loads") == 0


def test_binary_garbage_refused(wh, tmp_path):
    p = tmp_path / "garbage.csv"
    p.write_bytes(bytes(range(256)) * 40)
    with pytest.raises(FileRefused):
        load(wh, p)


def test_text_garbage_refused(wh, tmp_path):
    p = tmp_path / "notes.csv"
    p.write_text("this is not\nthe file you are looking for\n")
    with pytest.raises(FileRefused, match="no header row"):
        load(wh, p)


def test_empty_file_refused(wh, tmp_path):
    p = tmp_path / "empty.csv"
    p.write_bytes(b"")
    with pytest.raises(FileRefused, match="empty"):
        load(wh, p)


def test_header_only_loads_nothing(wh, tmp_path):
    p = write_csv(tmp_path / "h.csv", [])
    r = load(wh, p)
    assert (r.status, r.rows_read, r.loaded) == ("loaded", 0, 0)


def test_missing_file_refused(wh, tmp_path):
    with pytest.raises(FileRefused, match="no such file"):
        load(wh, tmp_path / "nope.csv")


def test_a_named_pipe_is_refused_before_it_is_opened(wh, tmp_path):
    """``marsad ingest pipe.csv`` with no program writing the pipe waited forever (the
    open blocks), and said ``no such file`` before a warehouse existed: a file is read
    more than once (its SHA-256, then its rows), so a pipe is refused, never opened."""
    import os
    import stat

    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    with pytest.raises(FileRefused, match=r"pipe\.csv: is a named pipe, a device or a socket, "):
        load(wh, fifo)
    assert stat.S_ISFIFO(fifo.stat().st_mode)


# -- Excel ------------------------------------------------------------------------------


def test_excel_header_under_a_title_block(wh, tmp_path):
    rows = [
        ["Relevé des règlements - mars 2024"],
        [None],
        ["Banque", "BANK1"],
        list(TX_HEADER),
        ["R1", "BANK1", "F1", dt.date(2024, 3, 1), "C", 1234.5, "EUR", "SI22", "FR"],
        ["R2", "BANK1", None, dt.datetime(2024, 3, 2), "D", 10, "USD", "SJ31", "US"],
        ["R3", "BANK1", "F2", "2024-03-03", "C", "1 234,50", "EUR", "SI22", "FR"],
        ["R4", "BANK1", "F2", "2024-03-03", "C", -3, "EUR", "SI22", "FR"],
        [None, None, None],
        [12345, "BANK1", "F2", dt.date(2024, 3, 4), "C", 0.1, "MAD", "SI2", "FR"],
    ]
    p = write_sheets(tmp_path / "r.xlsx", {"Données": rows})
    r = load(wh, p)
    assert r.format == "excel" and r.sheet == "Données" and r.header_line == 4
    # numbers typed in cells are exact whatever the separator; the one text
    # amount ("1 234,50") makes the sheet's decimal separator a comma
    assert r.decimal == ","
    assert (r.rows_read, r.loaded, r.quarantined) == (5, 4, 1)
    assert amounts(wh) == {
        "R1": Decimal("1234.5"),
        "R2": Decimal("10"),
        "R3": Decimal("1234.5"),
        "12345": Decimal("0.1"),
    }
    lines = dict(wh.sql("SELECT record_id, line FROM transactions"))
    assert lines == {"R1": 5, "R2": 6, "R3": 7, "12345": 10}
    (q,) = quarantine(wh)
    assert (q["line"], q["rule"]) == (8, "positive")
    assert q["message"] == 'row 8, column amount: amount is negative: "-3" (amounts are positive)'


def test_excel_sheet_by_name_and_number(wh, tmp_path):
    rows = [["firm_id", "name", "segment"], ["F1", "Atlas", "ITO"]]
    p = write_sheets(tmp_path / "f.xlsx", {"notes": [["nothing here"]], "firms": rows})
    with pytest.raises(FileRefused, match="no header row"):
        load(wh, p, "firms", sheet="1")  # the first sheet has no header
    assert load(wh, p, "firms", sheet="FIRMS").loaded == 1
    p2 = write_sheets(
        tmp_path / "f2.xlsx", {"notes": [["x"]], "firms": [*rows, ["F2", "B", "KPO"]]}
    )
    r = load(wh, p2, "firms", sheet="2")
    assert (r.loaded, r.duplicates, r.unchanged) == (1, 0, 1)  # F1 is already there
    with pytest.raises(FileRefused, match="no sheet named"):
        load(wh, write_sheets(tmp_path / "f3.xlsx", {"a": rows}), "firms", sheet="zzz")


# -- Parquet ----------------------------------------------------------------------------


def test_parquet_with_typed_columns(wh, tmp_path):
    table = pa.table(
        {
            "Record_Id": ["R1", "R2", "R3"],
            "reporter": ["B", "B", "B"],
            "firm_id": ["F1", None, "F2"],
            "value_date": pa.array([dt.date(2024, 1, 2), dt.date(2024, 1, 3), dt.date(1990, 1, 1)]),
            "flow": ["C", "D", "C"],
            "amount": pa.array([Decimal("10.5"), Decimal("2"), Decimal("3")], pa.decimal128(12, 2)),
            "currency": ["EUR", "USD", "EUR"],
            "service_code": ["SI22", "SI2", "SI22"],
            "partner_country": ["FR", "US", "FR"],
        }
    )
    p = tmp_path / "t.parquet"
    pq.write_table(table, p)
    r = load(wh, p)
    assert r.format == "parquet" and (r.loaded, r.quarantined) == (2, 1)
    assert loaded_ids(wh) == {"R1", "R2"}
    (q,) = quarantine(wh)
    assert (q["line"], q["rule"], q["column"]) == (3, "date_range", "value_date")


def test_parquet_float_amounts_and_missing_column(wh, tmp_path):
    cols = {h: ["x"] for h in TX_HEADER}
    cols.update(
        record_id=["R1"],
        value_date=["2024-01-01"],
        flow=["C"],
        currency=["EUR"],
        service_code=["SI2"],
        partner_country=["FR"],
        amount=pa.array([12.75]),
    )
    p = tmp_path / "f.parquet"
    pq.write_table(pa.table(cols), p)
    load(wh, p)
    assert amounts(wh) == {"R1": Decimal("12.75")}
    del cols["amount"]
    pq.write_table(pa.table(cols), tmp_path / "g.parquet")
    with pytest.raises(FileRefused, match="amount"):
        load(wh, tmp_path / "g.parquet")


def test_firms_files_with_quotes_load_together(wh, tmp_path):
    """Several firms files of one dialect read together, one with a quoted name: a
    kind without numbers has no decimal mark (it crashed the group's staging)."""
    head = "firm_id,name,segment,isic,city\n"
    a = tmp_path / "firms_a.csv"
    a.write_text(head + 'F001,"Alpha, SA",ITO,6201,Rabat\nF002,Beta,CRM,8220,Casa\n')
    b = tmp_path / "firms_b.csv"
    b.write_text(head + "F010,Zeta,ITO,6201,Rabat\nF011,Eta,ESO,7112,Agadir\n")
    reports = load_files(wh, "firms", [a, b])
    assert [(r.loaded, r.quarantined) for r in reports] == [(2, 0), (2, 0)]
    assert wh.scalar("SELECT name FROM firms WHERE firm_id = 'F001'") == "Alpha, SA"


def test_a_value_longer_than_the_csv_modules_limit_is_read(wh, tmp_path):
    """A line with a value of 140,000 characters (over Python's csv limit of 131,072,
    which stopped the load with a traceback) is read like any other."""
    rows = [tx("R1"), tx("R2", firm_id="F" * 140_000), tx("R3")]
    path = write_csv(tmp_path / "long.csv", rows)
    report = load(wh, path)
    assert report.rows_read == 3 and report.loaded + report.quarantined == 3
    assert {"R1", "R3"} <= loaded_ids(wh)


# -- the same rows through every reader -------------------------------------------------


def test_values_cleaned_are_counted_alike_in_csv_excel_and_parquet(tmp_path):
    """An Excel cell of only an ideographic space (U+3000), a no-break space or another
    of Unicode's spaces was not counted among the values cleaned (the reader dropped it
    before the checks), while the same cell of a Parquet file or a CSV was."""
    chars = cleaning.UNICODE_SPACES + cleaning.INVISIBLE_CHARS + "\x85\u2028\u2029\x0b\x0c\x1a"
    rows = []
    for k, c in enumerate(chars):
        rows += [tx(f"A{k}", firm_id=c), tx(f"B{k}", firm_id=f"{c}F1{c}"), tx(f"C{k}{c}")]
    got = {}
    for fmt, write in WRITERS.items():
        wh = Warehouse(tmp_path / f"{fmt}.duckdb")
        try:
            r = load(wh, write(tmp_path / f"t.{fmt}", rows))
            records = wh.sql("SELECT * EXCLUDE (load_id, line) FROM transactions ORDER BY ALL")
            got[fmt] = (r.rows_read, r.loaded, r.quarantined, r.cleaned, records)
        finally:
            wh.close()
    counted = 3 * len(cleaning.UNICODE_SPACES + cleaning.INVISIBLE_CHARS)
    assert got["csv"][:4] == (len(rows), len(rows), 0, counted)
    assert got["xlsx"] == got["csv"] and got["parquet"] == got["csv"]
