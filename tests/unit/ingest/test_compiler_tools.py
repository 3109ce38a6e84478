"""The compiler's tools: the quarantine export reloads with the same amounts and
no formula; waivers; withdrawals; control totals per flow and currency."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest

from marsad.errors import BadArgument, MarsadError
from marsad.ingest import ensure_tables, views
from marsad.ingest.waivers import Selection, unwaive, waive
from marsad.ingest.withdraw import withdraw

from .conftest import load, loaded_ids, quarantine, tx, write_csv

CASES = Path(__file__).resolve().parents[2] / "cases"


def export_csv(wh, path: Path, **kw) -> str:
    header, rows = views.quarantine_export(wh, **kw)
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    w.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return buf.getvalue()


def amounts(wh) -> dict[str, Decimal]:
    return dict(wh.sql("SELECT record_id, amount FROM transactions"))


# -- the quarantine export --------------------------------------------------------------------


def test_case_05_export_reloads_with_the_same_amounts(wh, tmp_path):
    """Case 05: the export wrote "1.500" (decimal comma, dot grouping) into a file
    read with a decimal point: the reload loaded 1.5 EUR instead of 1500."""
    for kind, name in (("firms", "firms.csv"), ("rates", "rates.csv")):
        load(wh, CASES / "rw05" / name, kind)
    first = load(wh, CASES / "rw05" / "bank_fr.csv")
    assert first.totals["EUR"][1] == Decimal("7450.500")
    text = export_csv(wh, tmp_path / "q.csv")
    assert ",1500.0000,EUR," in text and ",3200.0000,EUR," in text
    fixed = tmp_path / "q_fixed.csv"
    fixed.write_text(text.replace(",SI22,ALL,", ",SI22,AL,").replace(",SI22,UK,", ",SI22,GB,"))
    r = load(wh, fixed)
    assert (r.loaded, r.quarantined) == (2, 0)
    assert r.totals["EUR"] == (2, Decimal("4700.000"), 2, Decimal("4700.000"))
    assert amounts(wh) == {
        "A1": Decimal("2750.500"),
        "A2": Decimal("1500.000"),
        "A3": Decimal("3200.000"),
    }


@pytest.mark.parametrize(
    ("amount", "written"),
    [
        ("1.500", "1500.0000"),
        ("500", "500.0000"),
        ("12,345", "12.3450"),
        ("0,5", "0.5000"),
        ("1.234,56", "1234.5600"),
        ("1.234.567,891", "1234567.8910"),
        ("(1.500,5)", "'-1500.5000"),
        ("12,5O", "12,5O"),
    ],
)
def test_export_writes_amounts_no_reader_can_misread(wh, tmp_path, amount, written):
    """An amount under 1000 written 500.000 could be read as 500 000 under a
    decimal comma: every amount has four decimals, one more than a thousands group
    (it wrote 1234.560 beside 300.5000: three decimals, and four only below 1000)."""
    rows = [tx("A", amount=amount, partner_country="XX"), tx("B", amount="1,5")]
    load(wh, write_csv(tmp_path / "t.csv", rows, sep=";"))
    header, out = views.quarantine_export(wh)
    assert out[0][header.index("amount")] == written


def test_export_writes_every_amount_in_one_form_and_reloads_them(wh, tmp_path):
    """A bank's file with a decimal comma was exported as 1234.560 beside 7.1250 (three
    decimals, and a fourth only below 1000): every amount now has four, and the
    corrected export loads the very amounts the bank sent."""
    sent = {"R1": "1.234,56", "R2": "2.000,5", "R3": "7,125", "R4": "1.000.000,999"}
    rows = [tx(rid, amount=a, partner_country="XX") for rid, a in sent.items()]
    load(wh, write_csv(tmp_path / "t.csv", rows, sep=";"))
    header, out = views.quarantine_export(wh)
    written = [r[header.index("amount")] for r in out]
    assert written == ["1234.5600", "2000.5000", "7.1250", "1000000.9990"]
    text = export_csv(wh, tmp_path / "q.csv")
    (tmp_path / "fixed.csv").write_text(text.replace(",XX,", ",FR,"))
    r = load(wh, tmp_path / "fixed.csv")
    assert (r.loaded, r.quarantined) == (4, 0)
    assert amounts(wh) == {
        k: Decimal(v.replace(".", "").replace(",", ".")) for k, v in sent.items()
    }


@pytest.mark.parametrize(
    ("amount", "written", "fixed", "loaded"),
    [
        ("12,3456", "12.3456", "12.346", "12.346"),
        ("1.234,5678", "1234.5678", "1234.568", "1234.568"),
        ("0,0005", "0.0005", "0.001", "0.001"),
    ],
)
def test_an_amount_with_too_many_decimals_is_exported_with_a_point(
    wh, tmp_path, amount, written, fixed, loaded
):
    """A reviewer's ``12,3456`` (decimal comma; rule precision) was exported as the bank
    wrote it; the compiler rounded it in that form to ``12,346``, the export reloaded with
    a point, and 12.346 EUR was loaded as 12,346 EUR. A number the checks read but refused
    is exported with a point and no grouping, as every other amount."""
    rows = [tx("P", amount=amount), tx("B", amount="2.750,50")]
    first = load(wh, write_csv(tmp_path / "t.csv", rows, sep=";"))
    assert first.rules == {"precision": 1}
    header, out = views.quarantine_export(wh)
    assert out[0][header.index("amount")] == written
    text = export_csv(wh, tmp_path / "q.csv")
    (tmp_path / "fixed.csv").write_text(text.replace(f",{written},", f",{fixed},"))
    again = load(wh, tmp_path / "fixed.csv")
    assert (again.loaded, again.quarantined) == (1, 0)
    assert amounts(wh)["P"] == Decimal(loaded)


def test_case_f08_export_neutralises_formulas_and_reload_undoes_it(wh, tmp_path):
    """Fault 08: cells starting with = + - @ were written as is, and a spreadsheet
    opening the export ran them."""
    load(wh, CASES / "f08" / "tx.csv")
    text = export_csv(wh, tmp_path / "q.csv")
    rows = list(csv.reader(io.StringIO(text)))
    cells = [v for r in rows[1:] for v in r]
    assert not [v for v in cells if v[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert "'@SUM(1)" in cells and "'+cmd|' /C calc'!A0" in cells
    # loaded back unchanged: the values are what the bank sent, not the guarded text
    load(wh, tmp_path / "q.csv")
    again = wh.sql("SELECT value FROM ingest_quarantine WHERE load_id = 'L00002' ORDER BY line")
    assert [v for (v,) in again] == [
        '=HYPERLINK("http://127.0.0.1/?x="&A1,"click")',
        "+CMD|' /C CALC'!A0",
        "-2+3+CMD|' /C CALC'!A0",
    ]


def test_negative_amount_exported_reloads_negative(wh, tmp_path):
    """-5 is written '-5.0000 (a formula guard) and read back as -5."""
    r = load(wh, write_csv(tmp_path / "t.csv", [tx("N", amount="-5")]))
    assert r.totals["EUR"][1] == Decimal("-5.000")
    export_csv(wh, tmp_path / "q.csv")
    assert "'-5.0000" in (tmp_path / "q.csv").read_text()
    again = load(wh, tmp_path / "q.csv")
    assert again.totals["EUR"][1] == Decimal("-5.000") and again.rules == {"positive": 1}


def test_formula_in_a_firm_name_round_trips(wh, tmp_path):
    header = ("firm_id", "name", "segment", "isic", "city")
    rows = [{"firm_id": "F1", "name": "=1+2", "segment": "XYZ", "city": "@Rabat"}]
    load(wh, write_csv(tmp_path / "f.csv", rows, header=header), "firms")
    text = export_csv(wh, tmp_path / "q.csv")
    assert ",'=1+2,XYZ,,'@Rabat," in text
    fixed = tmp_path / "fixed.csv"
    fixed.write_text(text.replace(",XYZ,", ",ITO,"))
    load(wh, fixed, "firms")
    assert wh.sql("SELECT name, city FROM firms") == [("=1+2", "@Rabat")]


# -- waivers ----------------------------------------------------------------------------------


def _ledger_adds_up(wh) -> None:
    for r in views.loads(wh):
        assert r["rows_read"] == r["loaded"] + r["quarantined"] + r["waived"], r


def test_waive_and_unwaive(wh, tmp_path):
    rows = [tx("G"), tx("B1", amount="x"), tx("B2", partner_country="UK"), tx("B3", flow="Z")]
    r = load(wh, write_csv(tmp_path / "t.csv", rows))
    n = waive(wh, Selection((r.load_id,), line=3), "amount confirmed void by the bank", "amina")
    assert n == 1
    _ledger_adds_up(wh)
    (ledger,) = views.loads(wh)
    assert (ledger["quarantined"], ledger["waived"]) == (2, 1)
    shown, _total = views.quarantine_rows(wh, [r.load_id], include_resolved=True)
    waived = [x for x in shown if x["waived"]]
    assert len(waived) == 1 and waived[0]["line"] == 3
    assert waived[0]["waived"].startswith("amina ")
    assert waived[0]["waived"].endswith(": amount confirmed void by the bank")
    assert [x["line"] for x in views.quarantine_rows(wh, [r.load_id])[0]] == [4, 5]
    _header, out = views.quarantine_export(wh)
    assert [row[0] for row in out] == ["B2", "B3"]
    summary = views.quarantine_summary(wh)
    assert sum(s["waived"] for s in summary) == 1 and sum(s["open"] for s in summary) == 2
    # by rule, then back
    assert waive(wh, Selection((r.load_id,), rule="flow"), "test file", "amina") == 1
    with pytest.raises(MarsadError, match="no open"):
        waive(wh, Selection((r.load_id,), rule="flow"), "again", "amina")
    assert unwaive(wh, Selection((r.load_id,)), "", "amina") == 2
    _ledger_adds_up(wh)
    assert views.loads(wh)[0]["waived"] == 0
    acts = [(a["action"], a["selection"], a["row_count"]) for a in views.actions(wh)]
    assert acts == [("waive", "line 3", 1), ("waive", "rule flow", 1), ("unwaive", "all rows", 2)]


@pytest.mark.parametrize("row", ["L1:\u00b2", "L1:\u0664", "L1: 4", "L1:4 ", "L1:+4", "L1:"])
def test_a_row_s_line_is_digits_0_9(row):
    """``--row L1:²`` crashed (``str.isdigit`` took it, ``int`` did not), and Arabic-Indic
    digits or spaces were taken: one plain line saying how a row is written."""
    from marsad.ingest.waivers import parse_row

    with pytest.raises(BadArgument, match="a row is written LOAD:LINE"):
        parse_row(row)


def test_waive_needs_a_reason(wh, tmp_path):
    r = load(wh, write_csv(tmp_path / "t.csv", [tx("B", amount="x")]))
    with pytest.raises(BadArgument, match="--reason"):
        waive(wh, Selection((r.load_id,)), "  ", "amina")


# -- withdrawals ---------------------------------------------------------------------------------


def test_withdraw_restores_corrected_records_and_removes_new_ones(wh, tmp_path):
    a = load(wh, write_csv(tmp_path / "a.csv", [tx("R1", amount="1"), tx("R2", amount="2")]))
    b_rows = [tx("R2", amount="20"), tx("R3", amount="3"), tx("R1", amount="1")]
    b = load(wh, write_csv(tmp_path / "b.csv", b_rows))
    assert b.corrections == 1
    report = withdraw(wh, b.load_id, "wrong month", "amina")
    assert (report.removed, report.restored) == (2, 1)
    assert amounts(wh) == {"R1": Decimal("1.000"), "R2": Decimal("2.000")}
    assert wh.scalar("SELECT count(*) FROM transactions_history") == 2
    hist = wh.sql("SELECT record_id, load_id, superseded_by FROM transactions_history ORDER BY 1")
    assert hist == [("R2", b.load_id, b.load_id), ("R3", b.load_id, b.load_id)]
    again = withdraw(wh, b.load_id, "again", "amina")
    assert again.already and "already withdrawn" in again.summary()
    # its quarantined rows are no longer open; loading the file again changes nothing
    assert not views.quarantine_rows(wh, [b.load_id])[0]
    reloaded = load(wh, tmp_path / "b.csv")
    assert reloaded.status == "already loaded" and "was withdrawn" in reloaded.notes[-1]
    (row,) = [x for x in views.loads(wh) if x["load_id"] == b.load_id]
    assert (row["withdrawn_by"], row["withdrawn_reason"]) == ("amina", "wrong month")
    assert a.load_id != b.load_id


def test_withdraw_is_as_if_never_loaded_whatever_the_order(wh, tmp_path):
    """Each record shows the latest version of a load not withdrawn."""
    a = load(wh, write_csv(tmp_path / "a.csv", [tx("R1", amount="1"), tx("R2", amount="2")]))
    b = load(wh, write_csv(tmp_path / "b.csv", [tx("R1", amount="10")]))
    c = load(wh, write_csv(tmp_path / "c.csv", [tx("R1", amount="100")]))
    withdraw(wh, b.load_id, "x", "amina")  # not current: R1 keeps c's version
    assert amounts(wh) == {"R1": Decimal("100.000"), "R2": Decimal("2.000")}
    withdraw(wh, c.load_id, "x", "amina")  # back to a's, not b's (withdrawn)
    assert amounts(wh) == {"R1": Decimal("1.000"), "R2": Decimal("2.000")}
    withdraw(wh, a.load_id, "x", "amina")
    assert amounts(wh) == {}


def test_withdraw_reopens_the_rows_it_resolved(wh, tmp_path):
    a = load(wh, write_csv(tmp_path / "a.csv", [tx("R1", currency="EURO")]))
    b = load(wh, write_csv(tmp_path / "b.csv", [tx("R1")]))
    assert quarantine(wh, a.load_id)[0]["resolved_by"] == b.load_id
    assert withdraw(wh, b.load_id, "x", "amina").reopened == 1
    assert quarantine(wh, a.load_id)[0]["resolved_by"] is None and loaded_ids(wh) == set()


def test_withdraw_rates_and_firms(wh, tmp_path):
    header = ("date", "currency", "mad_per_unit")
    r1 = [{"date": "2024-03-01", "currency": "EUR", "mad_per_unit": "10.8"}]
    load(wh, write_csv(tmp_path / "r1.csv", r1, header=header), "rates")
    r2 = [{"date": "2024-03-01", "currency": "EUR", "mad_per_unit": "10.9"}]
    second = load(wh, write_csv(tmp_path / "r2.csv", r2, header=header), "rates")
    withdraw(wh, second.load_id, "typo", "amina")
    assert wh.sql("SELECT mad_per_unit FROM rates") == [(Decimal("10.800000"),)]


# -- control totals -------------------------------------------------------------------------------


def test_control_totals_per_flow_and_currency(wh, tmp_path):
    rows = [
        tx("C1", amount="100"),
        tx("C2", amount="(30)"),
        tx("C3", amount="x"),
        tx("C4", amount="12.3456"),  # a number, but not stored exactly: not summed
        tx("C5", amount="1000000000000000"),  # 10^15: too large, not summed
        tx("D1", flow="D", amount="50", currency="USD"),
        tx("D2", flow="D", amount="7", currency="USD", partner_country="UK"),
    ]
    r = load(wh, write_csv(tmp_path / "t.csv", rows))
    got = {(t["flow"], t["group"]): t for t in views.control_totals(wh, [r.load_id])}
    c, d = got[("C", "EUR")], got[("D", "USD")]
    assert (c["rows_read"], c["amount_read"], c["rows_loaded"], c["amount_loaded"]) == (
        5, Decimal("70.000"), 1, Decimal("100.000"),
    )  # fmt: skip
    assert (c["rows_quarantined"], c["amount_quarantined"], c["rows_no_amount"]) == (
        4, Decimal("-30.000"), 3,
    )  # fmt: skip
    assert (d["rows_read"], d["amount_read"], d["amount_quarantined"]) == (
        2, Decimal("57.000"), Decimal("7.000"),
    )  # fmt: skip


def test_warehouse_of_an_earlier_version_gains_the_new_columns(wh, tmp_path):
    """A warehouse made before these columns existed: views read them as empty,
    the next load adds them."""
    load(wh, write_csv(tmp_path / "t.csv", [tx("R1"), tx("R2", amount="x")]))
    from marsad.ingest.store import ADDED_COLUMNS

    for table, column, _ in ADDED_COLUMNS:
        wh.sql(f"ALTER TABLE {table} DROP COLUMN {column}")
    (row,) = views.loads(wh)
    assert (row["waived"], row["cleaned"], row["withdrawn_at"]) == (0, 0, None)
    assert views.control_totals(wh)[0]["flow"] is None
    assert views.quarantine_export(wh)[1][0][0] == "R2"
    ensure_tables(wh)
    assert json.loads(json.dumps(views.loads(wh)[0]["waived"])) == 0


def test_a_date_corrected_in_the_banks_form_reloads(wh, tmp_path):
    """The export writes a date it could not read as the bank wrote it (31/02/2025),
    but its reload read YYYY-MM-DD only, so the date corrected in that form
    (28/02/2025) was quarantined again: it reloads with the reporter's date format,
    and the export's own YYYY-MM-DD dates still read."""
    rows = [
        tx("D1", value_date="31/02/2025"),
        tx("D2", value_date="27/02/2025", partner_country="XX"),
        tx("D3", value_date="26/02/2025"),
    ]
    load(wh, write_csv(tmp_path / "t.csv", rows), date_format="%d/%m/%Y")
    text = export_csv(wh, tmp_path / "q.csv")
    assert ",31/02/2025," in text and ",2025-02-27," in text
    fixed = tmp_path / "q_fixed.csv"
    fixed.write_text(text.replace(",31/02/2025,", ",28/02/2025,").replace(",XX,", ",FR,"))
    r = load(wh, fixed)
    assert (r.loaded, r.quarantined) == (2, 0)
    got = dict(wh.sql("SELECT record_id, value_date::VARCHAR FROM transactions"))
    assert got == {"D1": "2025-02-28", "D2": "2025-02-27", "D3": "2025-02-26"}
