"""Every line below the header is a row read or an empty row skipped: an empty line
(nothing, or a CR alone) was dropped without a count, so that rows read + empty rows
skipped fell short of the file's lines (a reviewer's h_blank_lines.csv: two empty lines
and a line of spaces, "1 empty row skipped")."""

from __future__ import annotations

from pathlib import Path

import pytest

from marsad.engine.warehouse import Warehouse
from marsad.ingest import ReadOptions, load_files

HEAD = b"firm_id,name,segment\n"
F1, F2, F3 = b"F1,Alpha,ITO\n", b"F2,Beta,BPO\n", b"F3,Gamma,XXX\n"

CASES = {
    "reviewer's file": HEAD + F1 + b"\n\n   \n" + F2,
    "empty lines at the end": HEAD + F1 + F2 + b"\n\n",
    "the last line of spaces, no final line end": HEAD + F1 + F2 + b"\n  ",
    "between header and data": HEAD + b"\n\n" + F1 + F2,
    "many": HEAD + F1 + b"\n" * 50 + F3 + b"\n" * 30,
    "a header and empty lines only": HEAD + b"\n\n\n",
    "crlf": (HEAD + F1 + b"\n\n" + F2 + b"\n").replace(b"\n", b"\r\n"),
    "a line of a CR alone": HEAD + F1 + b"\r\n" + F2,
    "tabs": HEAD + F1 + b"\t\t\n" + F2 + b"\t\n",
    "cr line ends (old Mac)": (HEAD + F1 + b"\n\n" + F2).replace(b"\n", b"\r"),
    "in the lines read again after a quote never closed": (
        HEAD + F1 + b'F9,"Open,ITO\n\n' + F2 + F3 + b"\n"
    ),
    "cp1252": HEAD + b"F1,Soci\xe9t\xe9,ITO\n\n" + F2 + b"\n",
    "below a title": b"Registre\n\n" + HEAD + F1 + b"\n" + F2 + b"\n\n",
}


def _lines_below_header(data: bytes) -> int:
    text = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    header_at = text.split(b"\n").index(HEAD.rstrip(b"\n")) + 1
    lines = text.count(b"\n") + (not text.endswith(b"\n"))  # a final line end is no line
    return lines - header_at


def _load(tmp_path: Path, data: bytes):
    path = tmp_path / "firms.csv"
    path.write_bytes(data)
    wh = Warehouse(tmp_path / "wh.duckdb")
    try:
        (r,) = load_files(wh, "firms", [path], options=ReadOptions())
        ledger = wh.sql("SELECT rows_read, blank_rows FROM ingest_loads")
    finally:
        wh.close()
    return r, ledger


@pytest.mark.parametrize("data", CASES.values(), ids=CASES.keys())
def test_every_line_below_the_header_is_a_row_read_or_an_empty_row_skipped(tmp_path, data):
    r, ledger = _load(tmp_path, data)
    assert r.rows_read + r.blank_rows == _lines_below_header(data)
    assert ledger == [(r.rows_read, r.blank_rows)]


def test_the_reviewers_file_counts_its_three_empty_lines(tmp_path):
    r, _ledger = _load(tmp_path, CASES["reviewer's file"])
    assert (r.rows_read, r.blank_rows) == (2, 3)


def test_files_read_in_one_pass_count_their_empty_lines_at_the_end(tmp_path):
    """Plain files of one call are read together; empty lines at their end left no
    trace there."""
    paths = []
    for n, data in enumerate([HEAD + F1 + b"\n\n", HEAD + F2, HEAD + F3 + b"\n"]):
        paths.append(tmp_path / f"f{n}.csv")
        paths[-1].write_bytes(data)
    wh = Warehouse(tmp_path / "wh.duckdb")
    try:
        reports = load_files(wh, "firms", paths, options=ReadOptions())
    finally:
        wh.close()
    assert [(r.rows_read, r.blank_rows) for r in reports] == [(1, 2), (1, 0), (1, 1)]
