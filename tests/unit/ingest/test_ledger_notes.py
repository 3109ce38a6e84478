"""The notes of a load are kept with it: ``marsad ingest`` printed them (a record given
twice in one call, the decimal mark learnt, mojibake, hidden rows...), but the ledger did
not keep them, so they were lost once the terminal was closed."""

from __future__ import annotations

from marsad.engine.warehouse import Warehouse
from marsad.ingest import load_files
from tests.support import run

from .conftest import load, tx, write_csv


def _two_versions(wh: Warehouse, tmp_path) -> list:
    """One call of two files giving R1 with two amounts: the second is kept, with a note."""
    a = write_csv(tmp_path / "2024-03.csv", [tx("R1", amount="1234.56"), tx("R2")])
    b = write_csv(tmp_path / "2024-03-corr.csv", [tx("R1", amount="6543.21")])
    return load_files(wh, "transactions", [a, b])


def test_a_loads_notes_are_kept_and_shown_by_marsad_loads(tmp_path):
    path = tmp_path / "wh.duckdb"
    wh = Warehouse(path)
    try:
        first, second = _two_versions(wh, tmp_path)
        kept = wh.sql("SELECT load_id, seq, note FROM ingest_notes ORDER BY load_id, seq")
    finally:
        wh.close()
    assert second.notes and not first.notes
    assert kept == [(second.load_id, i, n) for i, n in enumerate(second.notes, start=1)]
    assert "1 record is in 2 files of this call" in kept[0][2]
    for _load, _seq, note in kept:  # a record's amount is one firm's figure: never kept
        assert "1234.56" not in note and "6543.21" not in note
    said = run("loads", "--warehouse", str(path), "--no-totals").output
    assert f"{second.load_id} note: 1 record is in 2 files" in said
    said = run("loads", "--warehouse", str(path), "--load", first.load_id).output
    assert "note:" not in said


def test_a_warehouse_made_before_the_notes_were_kept_opens_and_keeps_them(tmp_path):
    path = tmp_path / "wh.duckdb"
    wh = Warehouse(path)
    try:
        load(wh, write_csv(tmp_path / "old.csv", [tx("R0")]))
        wh.sql("DROP TABLE ingest_notes")  # as an earlier marsad left it
    finally:
        wh.close()
    assert "L00001" in run("loads", "--warehouse", str(path)).output  # read-only: no table
    wh = Warehouse(path)
    try:
        _first, second = _two_versions(wh, tmp_path)
        assert wh.scalar("SELECT count(*) FROM ingest_notes") == len(second.notes) > 0
    finally:
        wh.close()
    assert (
        f"{second.load_id} note: 1 record is in 2 files"
        in run("loads", "--warehouse", str(path)).output
    )
