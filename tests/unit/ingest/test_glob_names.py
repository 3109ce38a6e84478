"""A file's name may hold ``*``, ``?`` or ``[``, which DuckDB's readers take for a glob
pattern: the file itself is read, never the other files its name matches."""

from __future__ import annotations

from pathlib import Path

import pytest

from marsad.engine import Warehouse
from marsad.ingest import load_files

from .conftest import WRITERS, tx

NAMES = ["m*.{fmt}", "m?.{fmt}", "m[1].{fmt}", "m[*]x?.{fmt}"]


def _beside(folder: Path, fmt: str) -> None:
    """Files that every name of NAMES matches as a pattern."""
    for name in ("m1", "mx", "m1x2", "m*x1"):
        WRITERS[fmt](folder / f"{name}.{fmt}", [tx(f"{name}-{k}") for k in range(3)])


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
@pytest.mark.parametrize("name", NAMES)
def test_a_file_named_like_a_pattern_is_read_alone(tmp_path: Path, fmt: str, name: str) -> None:
    _beside(tmp_path, fmt)
    path = WRITERS[fmt](tmp_path / name.format(fmt=fmt), [tx("OWN1"), tx("OWN2")])
    wh = Warehouse(tmp_path / "w.duckdb")
    try:
        (report,) = load_files(wh, "transactions", [path])
        assert (report.rows_read, report.loaded) == (2, 2)
        assert {r[0] for r in wh.sql("SELECT record_id FROM transactions")} == {"OWN1", "OWN2"}
    finally:
        wh.close()


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_files_named_like_patterns_read_together(tmp_path: Path, fmt: str) -> None:
    """Read in one call (one reader for the group), a malformed line of a text file
    among them: each file's own rows, each line where it is."""
    _beside(tmp_path, fmt)
    first = WRITERS[fmt](tmp_path / f"a*.{fmt}", [tx("A1"), tx("A2", currency="EURO")])
    second = WRITERS[fmt](tmp_path / f"a[1].{fmt}", [tx("B1")])
    WRITERS[fmt](tmp_path / f"a1.{fmt}", [tx("C1")])
    if fmt == "csv":  # a line DuckDB cannot split: the group reads that file again alone
        first.write_text(first.read_text() + "A3,too,many,cells,,,,,,,,,\n")
    wh = Warehouse(tmp_path / "w.duckdb")
    try:
        reports = load_files(wh, "transactions", [first, second])
        assert [(r.rows_read, r.loaded) for r in reports] == [
            (3 if fmt == "csv" else 2, 1),
            (1, 1),
        ]
        assert {r[0] for r in wh.sql("SELECT record_id FROM transactions")} == {"A1", "B1"}
        lines = wh.sql("SELECT line FROM ingest_quarantine ORDER BY line")
        assert [r[0] for r in lines] == ([3, 4] if fmt == "csv" else [2])
    finally:
        wh.close()


def test_a_warehouse_in_a_folder_named_like_a_pattern(tmp_path: Path) -> None:
    """The record store's parts are read by their paths too."""
    folder = tmp_path / "w[1]*"
    folder.mkdir()
    (tmp_path / "w1x").mkdir()
    path = WRITERS["csv"](tmp_path / "t.csv", [tx("R1"), tx("R2", value_date="2024-04-01")])
    wh = Warehouse(folder / "w.duckdb")
    try:
        load_files(wh, "transactions", [path])
        assert wh.scalar("SELECT count(*) FROM transactions") == 2
    finally:
        wh.close()
    again = Warehouse(folder / "w.duckdb", read_only=True)
    try:
        assert again.scalar("SELECT count(*) FROM transactions") == 2
    finally:
        again.close()


def test_a_relative_path_starting_with_a_tilde_is_not_the_home_folder(tmp_path, monkeypatch):
    """DuckDB reads ``~/a.csv`` as the home folder's file (a reviewer's folder named ~)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "~").mkdir()
    WRITERS["csv"](tmp_path / "~" / "a.csv", [tx("T1")])
    wh = Warehouse(tmp_path / "w.duckdb")
    try:
        (report,) = load_files(wh, "transactions", [Path("~/a.csv")])
        assert (report.rows_read, report.loaded) == (1, 1)
    finally:
        wh.close()


def test_a_warehouse_folder_holding_a_question_mark_is_refused_plainly(tmp_path):
    """DuckDB cuts its journal's path at a ``?`` of the folder: every write was an
    internal error (TransactionException), a reviewer's find."""
    from marsad.errors import WarehouseMissing

    folder = tmp_path / "d?x"
    folder.mkdir()
    with pytest.raises(WarehouseMissing, match=r"holds '\?'; give another folder"):
        Warehouse(folder / "w.duckdb")
    assert list(folder.iterdir()) == []


def test_a_copy_of_a_refused_file_is_not_said_already_loaded(tmp_path):
    """A backslash beside a ``*`` is a name DuckDB finds no file for (a limit): the file
    is refused, and the same content under another name in the same call was reported
    'already loaded (load , same content as …)' with nothing loaded (a reviewer's find)."""
    first = WRITERS["csv"](tmp_path / "a\\b*.csv", [tx("R1")])
    copy = tmp_path / "copy.csv"
    copy.write_bytes(first.read_bytes())
    wh = Warehouse(tmp_path / "w.duckdb")
    try:
        reports = load_files(wh, "transactions", [first, copy], on_refused="report")
        assert [r.status for r in reports] == ["refused", "refused"]
        assert wh.scalar("SELECT count(*) FROM ingest_loads") == 0
    finally:
        wh.close()
