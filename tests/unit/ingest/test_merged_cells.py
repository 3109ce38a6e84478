"""Merged Excel cells: a value merged down a column is read in each row it spans; a
merged number, record id or range across columns costs its row with the range named
(:mod:`marsad.ingest.merged`)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from marsad.ingest.schema import RULES

from .conftest import TX_HEADER, amounts, load, quarantine, tx

# columns: A record_id, B reporter, C firm_id, D value_date, E flow, F amount, ...


def _workbook(path: Path, rows: list[dict], merges: list[str], title: bool = False) -> Path:
    """The rows under the transactions header (under a title row when ``title``), the
    merged ranges blanked but their first cell, as Excel keeps them."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Data"
    if title:
        ws.append(["Relevé BK01"])
    ws.append(list(TX_HEADER))
    for row in rows:
        ws.append([row.get(h) for h in TX_HEADER])
    for r in merges:
        ws.merge_cells(r)  # (openpyxl empties the range's other cells)
    wb.save(path)
    return path


def test_a_reporter_merged_down_is_read_in_each_row(wh, tmp_path):
    """Reporter BK01 merged over B2:B5 gave rows 3-5 an empty reporter: quarantined as
    'required' with no hint. A cell merged down a column shows one value for every row
    it spans, and is read so, with a note."""
    rows = [tx(f"R{i}", reporter="BK01" if i == 1 else "", amount=str(i)) for i in range(1, 5)]
    rows.append(tx("R5", reporter="BK02"))
    r = load(wh, _workbook(tmp_path / "m.xlsx", rows, ["B2:B5"]))
    assert (r.rows_read, r.loaded, r.quarantined) == (5, 5, 0)
    got = dict(wh.sql("SELECT record_id, reporter FROM transactions"))
    assert got == {"R1": "BK01", "R2": "BK01", "R3": "BK01", "R4": "BK01", "R5": "BK02"}
    assert any("3 cells read from merged cells" in n and "reporter B2:B5" in n for n in r.notes)


def test_a_merged_range_below_a_title_and_past_the_last_row_leaves_blank_rows_blank(wh, tmp_path):
    """The rows of a range holding nothing else are blank rows, not rows of a reporter."""
    rows = [tx("R1", reporter="BK01"), tx("R2", reporter=""), {}, tx("R3", reporter="BK02")]
    r = load(wh, _workbook(tmp_path / "m.xlsx", rows, ["B3:B5"], title=True))
    assert (r.rows_read, r.loaded, r.quarantined, r.blank_rows) == (3, 3, 0, 1)
    got = dict(wh.sql("SELECT record_id, reporter FROM transactions"))
    assert got == {"R1": "BK01", "R2": "BK01", "R3": "BK02"}


def test_a_merged_amount_or_record_id_costs_its_rows_with_the_range_named(wh, tmp_path):
    """A number merged over rows is a subtotal, not each row's (repeated, it would count
    the money once per row); a record id names one row. Quarantined, rule merged."""
    rows = [tx("R1", amount="300"), tx("R2", amount=""), tx("R3", amount="")]
    rows += [tx("R4"), tx("", reporter="BANK1")]
    r = load(wh, _workbook(tmp_path / "m.xlsx", rows, ["F2:F4", "A5:A6"]))
    assert (r.loaded, r.quarantined) == (2, 3)
    assert amounts(wh) == {"R1": Decimal("300.000"), "R4": Decimal("1500.250")}
    q = {x["line"]: x for x in quarantine(wh)}
    assert {x["rule"] for x in q.values()} == {"merged"} and "merged" in RULES
    assert q[3]["message"] == (
        "row 3, column amount: F3 is part of the merged cells F2:F4: its value is in F2 only "
        "(a number merged over several rows is not each row's: unmerge the cells and write "
        "each row's value)"
    )
    assert "A6 is part of the merged cells A5:A6: its value is in A5 only" in q[6]["message"]
    assert "a record_id names one row only" in q[6]["message"]


def test_a_range_across_columns_is_not_spread_over_them(wh, tmp_path):
    """Merged across currency and service code, the code's cell is no copy of the
    currency: the row is quarantined saying so."""
    rows = [tx("R1"), tx("R2", service_code="")]
    r = load(wh, _workbook(tmp_path / "m.xlsx", rows, ["G3:H3"]))
    assert (r.loaded, r.quarantined) == (1, 1)
    (q,) = quarantine(wh)
    assert (q["line"], q["rule"], q["column"]) == (3, "merged", "service_code")
    assert "H3 is part of the merged cells G3:H3" in q["message"]
    assert "merged across columns" in q["message"]


def test_a_row_refused_for_one_cell_keeps_its_other_cells_and_is_resolved(wh, tmp_path):
    """A reviewer's find: a sheet's row refused for one cell (merged, an Excel error, a
    formula never computed) lost every value: the quarantine showed empty columns, the
    build counted it as 'value date not readable (no reporter)', and said 'no delivery
    from BK10' for a bank whose rows were all there. It keeps its other cells and its
    record's key, so a corrected file resolves it."""
    import json

    from marsad.ingest.views import open_records

    rows = [tx(f"R{i}", reporter="BK10", amount="" if i > 1 else "30") for i in (1, 2, 3)]
    r = load(wh, _workbook(tmp_path / "m.xlsx", rows, ["F2:F4"]))
    assert (r.loaded, r.quarantined) == (1, 2)  # R1 holds the range's value
    held = wh.sql("SELECT record_key, record FROM ingest_quarantine ORDER BY line")
    assert [k for k, _ in held] == ["BK10|R2", "BK10|R3"]
    first = json.loads(held[0][1])
    assert first["reporter"] == "BK10" and first["record_id"] == "R2"
    assert first["value_date"] == rows[1]["value_date"] and first["amount"] is None
    assert sum(n for m, reporter, n in open_records(wh) if reporter == "BK10" and m) == 2
    # the bank sends the rows again, each with its own amount: the quarantine is resolved
    fixed = [dict(row, amount="10") for row in rows]
    load(wh, _workbook(tmp_path / "fixed.xlsx", fixed, []))
    assert wh.sql("SELECT count(*) FROM ingest_quarantine WHERE resolved_by IS NULL") == [(0,)]
