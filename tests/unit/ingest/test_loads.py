"""Idempotence, corrections with history, the ledger's control totals,
quarantine resolution, and the firms and rates files."""

from __future__ import annotations

import hashlib
from decimal import Decimal

from marsad.ingest import load_files

from .conftest import load, loaded_ids, quarantine, tx, write_csv

TABLES = (
    "transactions",
    "firms",
    "rates",
    "ingest_loads",
    "ingest_totals",
    "ingest_quarantine",
    "transactions_history",
)


def snapshot(wh) -> dict[str, list]:
    return {t: sorted(map(repr, wh.sql(f"SELECT * FROM {t}"))) for t in TABLES}


# -- idempotence ----------------------------------------------------------------------------


def test_same_content_under_another_name_changes_nothing(wh, tmp_path):
    p = write_csv(tmp_path / "march.csv", [tx("R1"), tx("R2", amount="bad")])
    first = load(wh, p)
    before = snapshot(wh)
    copy = tmp_path / "copy-of-march.csv"
    copy.write_bytes(p.read_bytes())
    again = load(wh, copy)
    assert again.status == "already loaded"
    assert again.load_id == first.load_id and again.previous_file == "march.csv"
    assert (again.rows_read, again.loaded, again.quarantined) == (2, 1, 1)
    assert snapshot(wh) == before
    assert load(wh, p).status == "already loaded"
    assert snapshot(wh) == before


def test_same_file_twice_in_one_call(wh, tmp_path):
    p = write_csv(tmp_path / "a.csv", [tx("R1")])
    reports = load_files(wh, "transactions", [p, p])
    assert [r.status for r in reports] == ["loaded", "already loaded"]
    assert wh.scalar("SELECT count(*) FROM transactions") == 1


def test_overlapping_file_reports_unchanged_records_not_quarantined(wh, tmp_path):
    load(wh, write_csv(tmp_path / "a.csv", [tx("R1"), tx("R2")]))
    r = load(wh, write_csv(tmp_path / "b.csv", [tx("R2"), tx("R3")]))
    assert (r.loaded, r.quarantined, r.duplicates, r.unchanged, r.corrections) == (1, 0, 0, 1, 0)
    assert quarantine(wh, r.load_id) == []  # nothing to fix
    ((line, column, same_as, message),) = wh.sql(
        "SELECT line, column_name, same_as, message FROM ingest_unchanged"
    )
    assert (line, column, same_as) == (2, "record_id", "L00001")
    assert "unchanged: already loaded with the same content (load L00001, file a.csv, line 3)" in (
        message
    )
    assert loaded_ids(wh) == {"R1", "R2", "R3"}


def test_reporter_and_record_id_stay_unique_over_overlaps_and_corrections(wh, tmp_path):
    """The transactions table has no key index: ingest alone keeps the key unique."""
    load(wh, write_csv(tmp_path / "a.csv", [tx("R1"), tx("R2"), tx("R3")]))
    load(wh, write_csv(tmp_path / "b.csv", [tx("R2"), tx("R3", amount="9.99"), tx("R4")]))
    load_files(
        wh,
        "transactions",
        [
            write_csv(tmp_path / "c.csv", [tx("R4", amount="1.00"), tx("R5")]),
            write_csv(tmp_path / "d.csv", [tx("R4", amount="2.00"), tx("R5"), tx("R1")]),
        ],
    )
    rows, keys = wh.sql("SELECT count(*), count(DISTINCT (reporter, record_id)) FROM transactions")[
        0
    ]
    assert rows == keys == 5
    assert wh.scalar("SELECT amount FROM transactions WHERE record_id = 'R4'") == Decimal("2.000")


def test_same_content_differently_written_is_unchanged(wh, tmp_path):
    load(wh, write_csv(tmp_path / "a.csv", [tx("R1", amount="1234.5")]))
    b = write_csv(tmp_path / "b.csv", [tx("R1", amount="1 234,50", flow="c")], sep=";")
    # the reporter's files use a decimal point: one in comma is loaded only when stated
    r = load(wh, b, decimal=",")
    assert (r.unchanged, r.corrections) == (1, 0)


# -- corrections --------------------------------------------------------------------------


def test_correction_replaces_and_keeps_history(wh, tmp_path):
    first = load(wh, write_csv(tmp_path / "a.csv", [tx("R1", amount="100"), tx("R2")]))
    r = load(wh, write_csv(tmp_path / "b.csv", [tx("R1", amount="120", partner_country="ES")]))
    assert (r.loaded, r.corrections, r.quarantined) == (1, 1, 0)
    row = wh.sql(
        "SELECT amount, partner_country, load_id, line FROM transactions WHERE record_id = 'R1'"
    )[0]
    assert row == (Decimal("120.000"), "ES", r.load_id, 2)
    hist = wh.sql(
        "SELECT record_id, amount, partner_country, load_id, superseded_by"
        " FROM transactions_history"
    )
    assert hist == [("R1", Decimal("100.000"), "FR", first.load_id, r.load_id)]
    assert wh.scalar("SELECT count(*) FROM transactions") == 2
    # a second correction keeps both old versions
    r3 = load(wh, write_csv(tmp_path / "c.csv", [tx("R1", amount="130", partner_country="ES")]))
    assert r3.corrections == 1
    assert wh.sql("SELECT amount FROM transactions_history ORDER BY superseded_by") == [
        (Decimal("100.000"),),
        (Decimal("120.000"),),
    ]


def test_same_record_id_from_another_reporter_is_another_record(wh, tmp_path):
    load(wh, write_csv(tmp_path / "a.csv", [tx("R1", reporter="B1")]))
    r = load(wh, write_csv(tmp_path / "b.csv", [tx("R1", reporter="B2", amount="5")]))
    assert (r.loaded, r.corrections) == (1, 0)
    assert wh.scalar("SELECT count(*) FROM transactions") == 2


def test_rows_inserted_without_hash_compare_by_content(wh, tmp_path):
    with wh.transaction(), wh.records.editing(wh.records.ALL_MONTHS):
        wh.sql(
            """INSERT INTO transactions (record_id, reporter, firm_id, value_date, flow, amount,
               currency, service_code, partner_country)
               VALUES ('R1', 'BANK1', 'F001', DATE '2024-03-15', 'C', 1500.25, 'EUR', 'SI22',
                       'FR')"""
        )
    r = load(wh, write_csv(tmp_path / "a.csv", [tx("R1")]))
    assert (r.unchanged, r.corrections) == (1, 0)


# -- quarantine resolution ------------------------------------------------------------------


def test_corrected_file_resolves_quarantined_rows(wh, tmp_path):
    bad = load(wh, write_csv(tmp_path / "a.csv", [tx("R1"), tx("R2", currency="EURO")]))
    (q,) = quarantine(wh, bad.load_id)
    assert q["resolved_by"] is None
    fixed = load(wh, write_csv(tmp_path / "a-fixed.csv", [tx("R1"), tx("R2", currency="EUR")]))
    assert (fixed.loaded, fixed.unchanged) == (1, 1)
    assert quarantine(wh, bad.load_id)[0]["resolved_by"] == fixed.load_id
    assert loaded_ids(wh) == {"R1", "R2"}


# -- the ledger ---------------------------------------------------------------------------------


def test_ledger_and_control_totals(wh, tmp_path):
    rows = [
        tx("R1", amount="0.10", currency="EUR"),
        tx("R2", amount="0.20", currency="EUR"),
        tx("R3", amount="1000000000000.001", currency="USD"),
        tx("R4", amount="2", currency="USD"),
        tx("R5", amount="-3", currency="USD"),  # read, not loaded
        tx("R6", amount="x", currency="MAD"),  # not a number: counted, not summed
        tx("R7", amount="5", currency="EURO"),
    ]
    p = write_csv(tmp_path / "t.csv", rows)
    r = load(wh, p)
    assert r.sha256 == hashlib.sha256(p.read_bytes()).hexdigest()
    ledger = wh.sql(
        "SELECT load_id, kind, file_name, sha256, size_bytes, rows_read, loaded, quarantined"
        " FROM ingest_loads"
    )
    assert ledger == [("L00001", "transactions", "t.csv", r.sha256, p.stat().st_size, 7, 4, 3)]
    assert r.totals == {
        "EUR": (2, Decimal("0.300"), 2, Decimal("0.300")),
        "EURO": (1, Decimal("5.000"), 0, None),
        "MAD": (1, None, 0, None),
        "USD": (3, Decimal("999999999999.001"), 2, Decimal("1000000000002.001")),
    }
    for amount in (v[1] for v in r.totals.values() if v[1] is not None):
        assert isinstance(amount, Decimal)
    assert sum(v[0] for v in r.totals.values()) == r.rows_read


# -- firms --------------------------------------------------------------------------------------

FIRMS = ("firm_id", "name", "segment", "isic", "city")


def test_firms_rules(wh, tmp_path):
    rows = [
        {"firm_id": "F1", "name": "Atlas Code", "segment": "ITO", "isic": "6201", "city": "Rabat"},
        {"firm_id": "F2", "name": "Call Maroc", "segment": "crm"},
        {"firm_id": "F3", "name": "Nowhere", "segment": "XYZ"},
        {"firm_id": "F4", "name": "", "segment": "BPO"},
        {"firm_id": "F1", "name": "Atlas Code bis", "segment": "KPO"},
    ]
    r = load(wh, write_csv(tmp_path / "firms.csv", rows, header=FIRMS), "firms")
    assert (r.rows_read, r.loaded, r.quarantined) == (5, 2, 3)
    q = quarantine(wh)
    assert [(x["line"], x["rule"], x["column"]) for x in q] == [
        (4, "segment", "segment"),
        (5, "required", "name"),
        (6, "duplicate_in_file", "firm_id"),
    ]
    assert (
        q[0]["message"]
        == 'line 4, column segment: "XYZ" is not a segment: ITO, CRM, ESO, BPO or KPO expected'
    )
    assert dict(wh.sql("SELECT firm_id, segment FROM firms")) == {"F1": "ITO", "F2": "CRM"}


def test_firms_without_optional_columns_and_correction(wh, tmp_path):
    header = ("firm_id", "name", "segment")
    load(
        wh,
        write_csv(
            tmp_path / "a.csv", [{"firm_id": "F1", "name": "A", "segment": "ITO"}], header=header
        ),
        "firms",
    )
    r = load(
        wh,
        write_csv(
            tmp_path / "b.csv",
            [{"firm_id": "F1", "name": "A", "segment": "ESO", "city": "Fès"}],
            header=FIRMS,
        ),
        "firms",
    )
    assert r.corrections == 1
    assert wh.sql("SELECT segment, city FROM firms") == [("ESO", "Fès")]
    assert wh.sql("SELECT segment, superseded_by FROM firms_history") == [("ITO", r.load_id)]


# -- rates --------------------------------------------------------------------------------------

RATES = ("date", "currency", "mad_per_unit")


def test_rates_rules(wh, tmp_path):
    rows = [
        {"date": "2024-01-02", "currency": "EUR", "mad_per_unit": "10,8512"},
        {"date": "2024-01-02", "currency": "USD", "mad_per_unit": "9,95"},
        {"date": "2024-01-03", "currency": "EUR", "mad_per_unit": "0"},
        {"date": "2024-01-04", "currency": "EUR", "mad_per_unit": "-1,2"},
        {"date": "2024-01-02", "currency": "EUR", "mad_per_unit": "10,86"},
        {"date": "2024-01-05", "currency": "EURO", "mad_per_unit": "10,9"},
        {"date": "2024-01-06", "currency": "GBP", "mad_per_unit": "12,1234567"},
    ]
    r = load(wh, write_csv(tmp_path / "rates.csv", rows, header=RATES, sep=";"), "rates")
    assert (r.rows_read, r.loaded, r.quarantined) == (7, 2, 5)
    q = quarantine(wh)
    assert [(x["line"], x["rule"], x["column"]) for x in q] == [
        (4, "positive", "mad_per_unit"),
        (5, "positive", "mad_per_unit"),
        (6, "duplicate_in_file", "date"),
        (7, "currency", "currency"),
        (8, "precision", "mad_per_unit"),
    ]
    assert "is not a positive rate" in q[0]["message"]
    assert "the rate of EUR on 2024-01-02 already appears on line 2" in q[2]["message"]
    assert "different content" in q[2]["message"]
    assert wh.sql("SELECT date::VARCHAR, currency, mad_per_unit FROM rates ORDER BY currency") == [
        ("2024-01-02", "EUR", Decimal("10.851200")),
        ("2024-01-02", "USD", Decimal("9.950000")),
    ]
    assert r.totals["EUR"][:1] == (4,) and r.totals["EUR"][2] == 1


def test_rate_correction_keeps_history(wh, tmp_path):
    load(
        wh,
        write_csv(
            tmp_path / "a.csv",
            [{"date": "2024-01-02", "currency": "EUR", "mad_per_unit": "10.85"}],
            header=RATES,
        ),
        "rates",
    )
    r = load(
        wh,
        write_csv(
            tmp_path / "b.csv",
            [{"date": "2024-01-02", "currency": "EUR", "mad_per_unit": "10.86"}],
            header=RATES,
        ),
        "rates",
    )
    assert r.corrections == 1
    assert wh.scalar("SELECT mad_per_unit FROM rates") == Decimal("10.86")
    assert wh.scalar("SELECT mad_per_unit FROM rates_history") == Decimal("10.85")


# -- several files in one call: the same as loading them one after the other -------------


def _state(wh) -> dict[str, list]:
    return {
        "transactions": wh.sql(
            "SELECT record_id, reporter, amount, currency, load_id, line"
            " FROM transactions ORDER BY ALL"
        ),
        "history": wh.sql(
            "SELECT record_id, amount, load_id, superseded_by"
            " FROM transactions_history ORDER BY ALL"
        ),
        "quarantine": wh.sql(
            "SELECT load_id, line, rule, message, resolved_by FROM ingest_quarantine ORDER BY ALL"
        ),
        "loads": wh.sql(
            "SELECT load_id, file_name, rows_read, loaded, quarantined, duplicates, corrections"
            " FROM ingest_loads ORDER BY ALL"
        ),
        "totals": wh.sql("SELECT * FROM ingest_totals ORDER BY ALL"),
    }


def strip(r):
    return (r.load_id, r.rows_read, r.loaded, r.quarantined, r.duplicates, r.unchanged,
            r.corrections, r.rules, r.totals)  # fmt: skip


def test_one_call_equals_successive_loads(tmp_path):
    from marsad.engine.warehouse import Warehouse

    files = [
        write_csv(
            tmp_path / "jan.csv", [tx("R1"), tx("R2", amount="10"), tx("R3", currency="EURO")]
        ),
        write_csv(tmp_path / "feb.csv", [tx("R2", amount="11"), tx("R1"), tx("R4"), tx("R3")]),
        write_csv(
            tmp_path / "mar.csv", [tx("R2", amount="12"), tx("R2", amount="12"), tx("R5", flow="Z")]
        ),
        write_csv(tmp_path / "apr.csv", [tx("R2", amount="12"), tx("R5")], sep=";"),
    ]
    a = Warehouse(tmp_path / "a.duckdb")
    b = Warehouse(tmp_path / "b.duckdb")
    try:
        together = load_files(a, "transactions", files)
        one_by_one = [load_files(b, "transactions", [f])[0] for f in files]
        assert [strip(r) for r in together] == [strip(r) for r in one_by_one]
        assert _state(a) == _state(b)
        # R2 went 10 -> 11 -> 12: two corrections, both old versions in history
        assert [r.corrections for r in together] == [0, 1, 1, 0]
        assert a.sql("SELECT amount FROM transactions_history ORDER BY amount") == [
            (Decimal("10.000"),),
            (Decimal("11.000"),),
        ]
        # R3's quarantine (jan) is resolved by feb, R5's (mar) by apr
        resolved = dict(
            a.sql(
                "SELECT load_id || ':' || line, resolved_by FROM ingest_quarantine"
                " WHERE rule NOT LIKE 'duplicate%'"
            )
        )
        assert resolved == {"L00001:4": "L00002", "L00003:4": "L00004"}
    finally:
        a.close()
        b.close()


def test_refused_file_in_a_call(wh, tmp_path):
    good = write_csv(tmp_path / "good.csv", [tx("R1")])
    bad = tmp_path / "bad.csv"
    bad.write_text("nothing,useful\n1,2\n")
    import pytest

    from marsad.ingest import FileRefused

    with pytest.raises(FileRefused, match=r"bad\.csv"):
        load_files(wh, "transactions", [good, bad])
    assert wh.scalar("SELECT count(*) FROM transactions") == 0  # nothing of the batch
    reports = load_files(wh, "transactions", [good, bad, good], on_refused="report")
    assert [r.status for r in reports] == ["loaded", "refused", "already loaded"]
    assert "no header row" in reports[1].notes[0]
    assert wh.scalar("SELECT count(*) FROM transactions") == 1


def test_one_call_with_messy_files_of_one_dialect(tmp_path):
    """Files read together (one read_csv) or alone give the same lines and counts."""
    from marsad.engine.warehouse import Warehouse

    plain = [
        write_csv(tmp_path / f"p{k}.csv", [tx(f"P{k}{j}") for j in range(3)]) for k in range(3)
    ]
    quoted = write_csv(tmp_path / "q.csv", [tx("Q1", firm_id="a\nb"), tx("Q2", flow="X")])
    malformed = write_csv(tmp_path / "m.csv", [tx("M1"), tx("M2")])
    malformed.write_text(
        malformed.read_text() + "M3,BANK1,F\nM4,BANK1,F1,2024-01-02,C,5,EUR,SI2,FR\n"
    )
    blank = write_csv(tmp_path / "b.csv", [tx("B1"), tx("B2", currency="XXX1")])
    blank.write_text(blank.read_text().replace("\nB2", "\n\nB2"))
    mixed = write_csv(tmp_path / "x.csv", [tx("X1")], newline="\r\n")
    mixed.write_bytes(mixed.read_bytes() + b"X2,BANK1,F1,2024-01-02,C,5,EUR,SI2,FR\n")
    header_only = write_csv(tmp_path / "h.csv", [])
    files = [plain[0], quoted, header_only, plain[1], malformed, blank, mixed, plain[2]]
    a = Warehouse(tmp_path / "a.duckdb")
    b = Warehouse(tmp_path / "b.duckdb")
    try:
        together = load_files(a, "transactions", files)
        one_by_one = [load_files(b, "transactions", [f])[0] for f in files]
        assert [strip(r) for r in together] == [strip(r) for r in one_by_one]
        assert _state(a) == _state(b)
        lines = dict(a.sql("SELECT record_id, line FROM transactions"))
        assert lines["M4"] == 5 and lines["B1"] == 2 and lines["X2"] == 3
        assert [lines[f"P{k}{j}"] for k in range(3) for j in range(3)] == [2, 3, 4] * 3
        assert [r.rows_read for r in together] == [3, 2, 0, 3, 4, 2, 2, 3]
        q = {
            r[0]: r[1]
            for r in a.sql("SELECT file_name || ':' || line, rule FROM ingest_quarantine")
        }
        assert q == {
            "q.csv:2": "line_break",  # Q1's firm id holds a line break: it spans lines 2-3
            "q.csv:4": "flow",
            "m.csv:4": "malformed",
            "b.csv:4": "currency",
        }
    finally:
        a.close()
        b.close()


def test_warehouse_of_an_earlier_version_moves_its_unchanged_rows_out_of_quarantine(wh, tmp_path):
    """Before, an unchanged row was quarantined and resolved at once: on the next
    load it moves to ``ingest_unchanged`` and the ledger counts it as unchanged."""
    load(wh, write_csv(tmp_path / "a.csv", [tx("R1"), tx("R2")]))
    b = load(wh, write_csv(tmp_path / "b.csv", [tx("R2"), tx("R3"), tx("R3"), tx("R4", flow="X")]))
    # as an earlier version left it
    wh.sql(
        """INSERT INTO ingest_quarantine (load_id, kind, file_name, line, column_name, rule,
                  message, record_key, resolved_by)
           SELECT load_id, kind, file_name, line, column_name,
                  CASE WHEN same_as = load_id THEN 'duplicate_in_file'
                       ELSE 'duplicate_in_warehouse' END, message, record_key, same_as
           FROM ingest_unchanged"""
    )
    wh.sql("UPDATE ingest_loads SET quarantined = 3, duplicates = 2 WHERE load_id = ?", [b.load_id])
    wh.sql("DELETE FROM ingest_unchanged")
    wh.sql("ALTER TABLE ingest_loads DROP COLUMN unchanged")
    load(wh, write_csv(tmp_path / "c.csv", [tx("R5")]))
    got = wh.sql("SELECT quarantined, duplicates, unchanged FROM ingest_loads WHERE load_id = ?",
                 [b.load_id])  # fmt: skip
    assert got == [(1, 0, 2)]
    assert [q["rule"] for q in quarantine(wh, b.load_id)] == ["flow"]
    assert wh.sql("SELECT line, same_as FROM ingest_unchanged ORDER BY line") == [
        (2, "L00001"),
        (4, b.load_id),
    ]


def test_a_full_temporary_folder_is_named(wh, tmp_path, monkeypatch):
    """A Windows-1252 file is copied as UTF-8 into the temporary folder: when that
    disk was full, the error said "no space left on the disk", not which disk (the
    warehouse's, the one a user checks, had room)."""
    import errno

    import pytest

    from marsad.ingest import ReadOptions
    from marsad.ingest.text import dialect

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(dialect, "transcode", full)
    p = write_csv(tmp_path / "a.csv", [tx("R1", firm_id="Société")], encoding="cp1252")
    (tmp_path / "t").mkdir()
    with pytest.raises(OSError) as err:
        load_files(wh, "transactions", [p], options=ReadOptions(temp_dir=tmp_path / "t"))
    assert err.value.filename == (
        f"a temporary copy of the files in {tmp_path / 't'} (MARSAD_TEMP_DIR)"
    )
    assert wh.scalar("SELECT count(*) FROM ingest_loads") == 0


def test_control_totals_are_shown_whole_in_a_pipe_and_in_a_narrow_terminal(wh, tmp_path):
    """A reviewer's bank total of 5,000,000,000.500 EUR was shown ``5,000,000,000.…``
    by ``marsad loads`` (13 columns in 200 characters), on a pipe as in a terminal: it
    cannot be checked against the bank's cover note. Piped: wide enough; narrower:
    folded in its cell, never cut."""
    import io

    from rich.console import Console

    from marsad.cli.common import VerbatimConsole, console
    from marsad.cli.loads import _totals_table
    from tests.support import run

    rows = [tx(f"T{i}", amount="2500000000.25") for i in range(2)]
    load(wh, write_csv(tmp_path / "t.csv", rows))
    path = str(wh.path)
    wh.close()
    out = run("loads", "--warehouse", path).output
    assert "5,000,000,000.500" in out and "…" not in out
    assert console().width >= 230  # (not a terminal here)
    totals = [dict(load_id="L00001", kind="transactions", flow="C", group="EUR",
                   rows_read=2, amount_read=Decimal("5000000000.500"), rows_loaded=2,
                   amount_loaded=Decimal("5000000000.500"), rows_unchanged=0,
                   amount_unchanged=Decimal(0), rows_quarantined=0,
                   amount_quarantined=Decimal(0), rows_no_amount=None)]  # fmt: skip
    narrow: Console = VerbatimConsole(file=io.StringIO(), width=100)
    narrow.print(_totals_table(totals))
    text = narrow.file.getvalue()
    assert "…" not in text
    cells = [line.split("│")[6] for line in text.splitlines() if line.count("│") > 6]
    assert "".join(c.strip() for c in cells) == "5,000,000,000.500"
