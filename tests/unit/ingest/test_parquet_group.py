"""Parquet files of one shape are read and checked together (one ``read_parquet``,
:mod:`marsad.ingest.parquet_group`): what is loaded, quarantined (with each row's
number), noted and refused is what loading them one by one gives."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from marsad.engine import Warehouse
from marsad.ingest import load_files
from marsad.ingest.options import ReadOptions
from marsad.ingest.parquet import plan_parquet
from marsad.ingest.schema import get_kind

from .conftest import TX_HEADER, tx, write_parquet


def _files(tmp_path: Path) -> list[Path]:
    """Three monthly files of text columns: good rows, a bad amount, a bad code, a
    blank row, a record repeated within its file, one with the other decimal mark."""
    a = [tx("A1"), tx("A2", amount="12x"), tx("A3"), {}, tx("A4", currency="EURO")]
    b = [tx("B1", value_date="2024-04-02"), tx("B1", value_date="2024-04-02"), tx("B2")]
    c = [tx("C1", amount="1.500,25", reporter="BANK2"), tx("C2", amount="2,5", reporter="BANK2")]
    return [
        write_parquet(tmp_path / "a.parquet", a),
        write_parquet(tmp_path / "b.parquet", b),
        write_parquet(tmp_path / "c.parquet", c),
    ]


def _state(wh: Warehouse) -> tuple:
    records = wh.sql(
        "SELECT record_id, reporter, value_date, amount, currency FROM transactions ORDER BY 1"
    )
    quarantine = wh.sql(
        """SELECT l.file_name, q.line, q.column_name, q.rule, q.value, q.message
           FROM ingest_quarantine q JOIN ingest_loads l USING (load_id) ORDER BY 1, 2, 3"""
    )
    ledger = wh.sql(
        """SELECT file_name, rows_read, loaded, quarantined, duplicates, blank_rows,
                  decimal_sep FROM ingest_loads ORDER BY file_name"""
    )
    return records, quarantine, ledger


def test_files_read_together_load_as_one_by_one(tmp_path: Path) -> None:
    files = _files(tmp_path)
    together = Warehouse(tmp_path / "together.duckdb")
    reports = load_files(together, "transactions", files)
    apart = Warehouse(tmp_path / "apart.duckdb")
    for f in files:
        load_files(apart, "transactions", [f])
    try:
        assert _state(together) == _state(apart)
        records, quarantine, ledger = _state(together)
        assert [r[0] for r in records] == ["A1", "A3", "B1", "B2", "C1", "C2"]
        # each row's number in its own file (header none: the first row is 1)
        assert [(q[0], q[1], q[2]) for q in quarantine] == [
            ("a.parquet", 2, "amount"),
            ("a.parquet", 5, "currency"),
        ]
        counts = [(r.rows_read, r.loaded, r.quarantined, r.unchanged) for r in reports]
        assert counts == [(4, 2, 2, 0), (3, 2, 0, 1), (2, 2, 0, 0)]  # B1 sent twice, same
        assert [r.blank_rows for r in reports] == [1, 0, 0]
        assert ledger[2][-1] == ","  # c.parquet read with its own decimal comma
        assert dict((r[0], r[3]) for r in records)["C1"] == pytest.approx(1500.25)
    finally:
        together.close()
        apart.close()


def _damaged(path: Path) -> Path:
    """A Parquet file whose footer and first row group read, and whose second row
    group's data is garbage: what planning reads of it is whole."""
    rows = [tx(f"D{i:05d}") for i in range(20_000)]
    columns = {h: pa.array([r[h] for r in rows], pa.string()) for h in TX_HEADER}
    pq.write_table(pa.table(columns), path, row_group_size=10_000, compression="none")
    meta = pq.read_metadata(path)
    start = meta.row_group(1).column(0).data_page_offset
    data = bytearray(path.read_bytes())
    for i in range(start + 20, start + 4_000):
        data[i] = 0xAB
    path.write_bytes(bytes(data))
    return path


def test_a_file_damaged_past_what_planning_read_is_refused_alone(tmp_path: Path) -> None:
    good = write_parquet(tmp_path / "good.parquet", [tx("G1"), tx("G2")])
    bad = _damaged(tmp_path / "bad.parquet")
    other = write_parquet(tmp_path / "other.parquet", [tx("O1")])
    wh = Warehouse(tmp_path / "w.duckdb")
    try:
        # (planning reads the footer and the first rows: the damage is found by the read)
        plan = plan_parquet(wh, get_kind("transactions"), bad, ReadOptions(), [])
        assert plan.rows == 20_000
        reports = load_files(wh, "transactions", [good, bad, other], on_refused="report")
        assert [r.status for r in reports] == ["loaded", "refused", "loaded"]
        assert "cannot be read as Parquet" in reports[1].notes[0]
        assert {r[0] for r in wh.sql("SELECT record_id FROM transactions")} == {"G1", "G2", "O1"}
    finally:
        wh.close()


def test_timestamps_noted_file_by_file(tmp_path: Path) -> None:
    """Dates read from timestamps with a time of day: each file's note counts its own."""

    def write(path: Path, times: list[dt.datetime]) -> Path:
        rows = [tx(f"{path.stem}{i}") for i in range(len(times))]
        columns = {h: pa.array([r[h] for r in rows], pa.string()) for h in TX_HEADER}
        columns["value_date"] = pa.array(times, pa.timestamp("us"))
        pq.write_table(pa.table(columns), path)
        return path

    noon, midnight = dt.datetime(2024, 3, 15, 12), dt.datetime(2024, 3, 15)
    one = write(tmp_path / "one.parquet", [noon, midnight, midnight])
    two = write(tmp_path / "two.parquet", [noon, noon, dt.datetime(2024, 3, 16, 9, 30)])
    none = write(tmp_path / "none.parquet", [midnight])
    wh = Warehouse(tmp_path / "w.duckdb")
    try:
        reports = load_files(wh, "transactions", [one, two, none], options=ReadOptions())
        notes = ["\n".join(r.notes) for r in reports]
        assert "1 " in notes[0] and "12:00:00" in notes[0]
        assert "3 " in notes[1] and "09:30:00" in notes[1]
        assert "time" not in notes[2]
        assert [r.loaded for r in reports] == [3, 3, 1]
    finally:
        wh.close()


def test_columns_not_used_are_named(tmp_path: Path) -> None:
    """A column that is no field of the kind is named in the load's report."""
    header = (*TX_HEADER, "comment", "_line")
    files = [
        write_parquet(
            tmp_path / f"{k}.parquet",
            [{**tx(f"{k}1"), "comment": "x", "_line": "7"}, {**tx(f"{k}2"), "_line": "8"}],
            header=header,
        )
        for k in "ab"
    ]
    wh = Warehouse(tmp_path / "w.duckdb")
    try:
        reports = load_files(wh, "transactions", files)
        assert [r.ignored_columns for r in reports] == [["comment", "_line"]] * 2
        assert [r.loaded for r in reports] == [2, 2]
    finally:
        wh.close()


def test_a_column_named_as_the_readers_row_number_is_refused_plainly(tmp_path: Path) -> None:
    """DuckDB's own words were 'Binder Error: Failed to read Parquet file …: Using
    file_row_number option … is not supported' (a reviewer's find)."""
    rows = [{**tx("R1"), "file_row_number": "1"}]
    path = write_parquet(tmp_path / "f.parquet", rows, header=(*TX_HEADER, "file_row_number"))
    wh = Warehouse(tmp_path / "w.duckdb")
    try:
        (report,) = load_files(wh, "transactions", [path], on_refused="report")
        assert report.status == "refused"
        assert report.notes[0] == (
            "a column of the file is named file_row_number, the name DuckDB's Parquet "
            "reader gives the rows' numbers: rename that column to load the file"
        )
    finally:
        wh.close()


def _damaged_first_rows(path: Path) -> Path:
    """A Parquet file of four row groups of 20 rows (Snappy) with 100 bytes zeroed in its
    middle: the first rows, which planning reads, do not decompress."""
    rows = [tx(f"S{i:04d}") for i in range(80)]
    columns = {h: pa.array([r[h] for r in rows], pa.string()) for h in TX_HEADER}
    pq.write_table(pa.table(columns), path, compression="snappy", row_group_size=20)
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 100] = bytes(100)
    path.write_bytes(bytes(data))
    return path


def test_a_file_damaged_in_the_rows_planning_reads_is_refused_in_one_line(tmp_path):
    """Snappy's failure on the first rows stopped the whole call with an internal error
    (a reviewer's find); a damaged footer is told as DuckDB words it, not as a column
    named file_row_number (the words of the query were taken for the file's)."""
    good = write_parquet(tmp_path / "good.parquet", [tx("G1")])
    bad = _damaged_first_rows(tmp_path / "bad.parquet")
    cut = tmp_path / "cut.parquet"  # 22 bytes of the footer gone, its end kept
    whole = _damaged_first_rows(tmp_path / "whole.parquet").read_bytes()
    cut.write_bytes(whole[:-40] + whole[-18:])
    wh = Warehouse(tmp_path / "w.duckdb")
    try:
        reports = load_files(wh, "transactions", [good, bad, cut], on_refused="report")
        assert [r.status for r in reports] == ["loaded", "refused", "refused"]
        for r in reports[1:]:
            assert r.notes[0].startswith("the file cannot be read as Parquet: "), r.notes
    finally:
        wh.close()


@pytest.mark.parametrize("relative", [False, True])
def test_damaged_files_are_refused_in_one_line_by_the_command(tmp_path, monkeypatch, relative):
    """The same files through ``marsad ingest`` (the command read the damaged one's
    first rows where the function's test did not fail: a name given relative)."""
    from tests.support import run

    monkeypatch.chdir(tmp_path)
    bad = _damaged_first_rows(tmp_path / "bad.parquet")
    whole = _damaged_first_rows(tmp_path / "whole.parquet").read_bytes()
    (tmp_path / "cut.parquet").write_bytes(whole[:-40] + whole[-18:])
    good = write_parquet(tmp_path / "good.parquet", [tx("G1")])
    names = [p.name if relative else str(p) for p in (good, bad, tmp_path / "cut.parquet")]
    out = run("ingest", "--warehouse", str(tmp_path / "w.duckdb"), "--kind", "transactions",
              *names, code=2).output  # fmt: skip
    assert "internal error" not in out and "file_row_number" not in out, out
    assert out.count("the file cannot be read as Parquet") == 2, out


@pytest.mark.parametrize("brk", ["\n", "\r", "\x0b", "\x0c", "\x85", "\u2028", "\u2029"])
def test_line_breaks_and_control_characters_in_parquet_text(tmp_path: Path, brk: str) -> None:
    """A Parquet file's text is looked at for control characters and line breaks by one
    search a row first (:func:`marsad.ingest.validate.check_sql`): each is still found
    in the field that holds it, beside rows holding none, one at an edge (trimmed) and
    one holding both."""
    rows = [
        tx("P1"),
        tx(f"P2{brk}X"),
        tx("P3", currency=f"EUR{brk}"),  # at the edge: trimmed, loaded
        tx("P4", service_code=f"SJ{brk}35"),
        tx("P5", firm_id="F\x01"),
        tx(f"P6{brk}Y", partner_country="F\x02R"),
        tx("P7", firm_id="F 1"),
        tx(f"P8{brk}", partner_country="F\x02R"),
    ]
    path = write_parquet(tmp_path / "t.parquet", rows)
    with Warehouse(tmp_path / "w.duckdb") as wh:
        (report,) = load_files(wh, "transactions", [path])
        _records, quarantine, _ledger = _state(wh)
    got = {q[1]: (q[3], q[2]) for q in quarantine}
    assert (report.rows_read, report.loaded) == (8, 3), got
    assert got == {
        2: ("line_break", "record_id"),
        4: ("line_break", "service_code"),
        5: ("control", "firm_id"),
        6: ("line_break", "record_id"),
        8: ("control", "partner_country"),
    }, got


def test_parquet_files_are_batched_by_their_values_not_their_bytes(tmp_path, monkeypatch):
    """A Parquet file counts for its batch as its values would as text (about 7 bytes
    each), not its compressed bytes: 10M records in Parquet were one batch, held at once
    (2.5 GB at peak, against 1.6 GB as CSV files)."""
    from marsad.ingest import load

    paths = [write_parquet(tmp_path / f"m{k}.parquet", [tx(f"M{k}-{i}") for i in range(300)])
             for k in range(3)]  # fmt: skip
    (f,) = [load.BatchFile(0, paths[0])]
    f.scan = load.scan_file(paths[0])
    weight = load.batch_weight(f)
    assert weight == 300 * len(TX_HEADER) * load.PARQUET_VALUE_BYTES > paths[0].stat().st_size
    batches = []
    real = load._load_batch
    monkeypatch.setattr(load, "_load_batch", lambda wh, kind, b, *a, **k: (
        batches.append(len(b)), real(wh, kind, b, *a, **k))[1])  # fmt: skip
    monkeypatch.setenv("MARSAD_BATCH_BYTES", str(weight))
    with Warehouse(tmp_path / "w.duckdb") as wh:
        reports = load_files(wh, "transactions", paths)
    assert batches == [1, 1, 1] and [r.loaded for r in reports] == [300] * 3


@pytest.mark.parametrize(
    ("body", "said"),
    [(b"", "the file is empty (0 bytes): it holds no Parquet data"),
     (b"PAR1xxxxxxxxPAR1", "the Parquet file is damaged or cut short (its footer cannot be read)")],
)  # fmt: skip
def test_an_empty_or_footless_parquet_file_is_refused_in_marsads_words(tmp_path, body, said):
    """DuckDB's words were shown (``Invalid Input Error: File '…' too small to be a Parquet
    file``, ``Footer length error``)."""
    from marsad.ingest.errors import FileRefused

    path = tmp_path / "x.parquet"
    path.write_bytes(body)
    with Warehouse(tmp_path / "w.duckdb") as wh, pytest.raises(FileRefused) as refused:
        load_files(wh, "transactions", [path])
    assert said in str(refused.value) and "Invalid Input" not in str(refused.value)
