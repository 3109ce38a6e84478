"""Lone carriage returns (CR, the line end of an old Mac export) where records end:
two records must never be merged into one without a word, and the lines after them
keep their numbers."""

from __future__ import annotations

from pathlib import Path

import pytest

from marsad.engine.warehouse import Warehouse
from marsad.ingest import ReadOptions, load_files

from .conftest import TX_HEADER

_H = ",".join(TX_HEADER).encode()


def _row(i: int, last: bytes = b"FR") -> bytes:
    return b"R%d,BK01,F001,2024-01-15,C,10%d.00,EUR,SI2,%s" % (i, i, last)


def _load(tmp_path: Path, data: bytes) -> tuple:
    """Load ``data`` as a transactions file: (report, [(line, record_id)], [(line, rule,
    column, value, message)])."""
    path = tmp_path / "cr.csv"
    path.write_bytes(data)
    wh = Warehouse(tmp_path / "wh.duckdb")
    try:
        (r,) = load_files(wh, "transactions", [path], options=ReadOptions(decimal="."))
        loaded = wh.sql("SELECT line, record_id FROM transactions ORDER BY line")
        held = wh.sql(
            "SELECT line, rule, column_name, value, message FROM ingest_quarantine ORDER BY line"
        )
    finally:
        wh.close()
    return r, loaded, held


@pytest.mark.parametrize("end", [b"\n", b"\r\n"], ids=["LF", "CRLF"])
def test_cr_lines_below_a_header_ending_with_lf_are_read_one_by_one(tmp_path, end):
    """An old Mac export whose header was written by another tool (LF or CRLF), or
    appended to such a file: every record was merged into one line, quarantined as
    'line 2 has 10 fields' (4 records read as 1)."""
    data = _H + end + b"\r".join(_row(i) for i in range(1, 5)) + b"\r"
    r, loaded, held = _load(tmp_path, data)
    assert (loaded, held) == ([(2, "R1"), (3, "R2"), (4, "R3"), (5, "R4")], [])
    assert r.rows_read == 4
    assert any("CR alone" in n and "line end" in n for n in r.notes)


@pytest.mark.parametrize("end", [b"\n", b"\r\n"], ids=["LF", "CRLF"])
@pytest.mark.parametrize(
    "last", [b"FR", b"", b'"FR"'], ids=["plain", "empty last value", "quoted last value"]
)
def test_one_record_ending_with_a_lone_cr_is_read_as_two(tmp_path, end, last):
    """An LF (or CRLF) file where one record ends with a CR alone: R2 and R3 were one
    quarantined line ('has 10 fields'), R3 counted nowhere. The CR is read as the line
    end it is, and counted as one: the lines after it are numbered as an editor that
    ends lines at a CR shows them, and the load says so."""
    data = _H + end + _row(1) + end + _row(2, last) + b"\r" + _row(3) + end + _row(4) + end
    r, loaded, held = _load(tmp_path, data)
    want = [(2, "R1"), (3, "R2"), (4, "R3"), (5, "R4")]
    if last == b"":  # R2 without its partner country: quarantined on its own line
        want.remove((3, "R2"))
        assert [h[:3] for h in held] == [(3, "required", "partner_country")]
    else:
        assert held == []
    assert loaded == want
    assert r.rows_read == 4
    assert any("CR alone" in n for n in r.notes)


@pytest.mark.parametrize("joined", [2, 120], ids=["two", "a long line of them"])
def test_records_joined_by_a_cr_beyond_the_first_bytes_are_quarantined_saying_so(
    tmp_path, monkeypatch, joined
):
    """CRs alone where records end, far down an LF file (past the bytes the format is
    told from: an old Mac export appended to it): the line was quarantined as 'line 6
    has 10 fields where the header has 9' (or 1,081 fields), which hid that it held
    whole records. The message now says so, and the rows after it keep their lines."""
    from marsad.ingest import scan

    monkeypatch.setattr(scan, "SNIFF_BYTES", 2 * len(_H))
    rows = [_row(i) for i in range(1, 6)]
    mac = b"\r".join(_row(i) for i in range(100, 100 + joined))
    data = _H + b"\n" + b"\n".join(rows[:4]) + b"\n" + mac + b"\n" + rows[4] + b"\n"
    r, loaded, held = _load(tmp_path, data)
    assert loaded == [(2, "R1"), (3, "R2"), (4, "R3"), (5, "R4"), (7, "R5")]
    ((line, rule, column, value, message),) = held
    assert (line, rule, column, value[:300]) == (6, "malformed", None, mac.decode()[:300])
    assert message.startswith(
        f"line 6 holds {joined} records joined by a carriage return (CR) alone"
    )
    assert "fields" not in message
    assert r.rows_read == 6  # (the joined line is one row read, its message says of what)


def test_a_cr_inside_a_quoted_value_stays_in_it(tmp_path):
    """A CR inside quotes is the value's: the file is not read as one ending its lines
    with CR, the id holding it is quarantined (line_break), the lines do not move."""
    quoted = _row(2, b'"F\rR"')
    data = _H + b"\n" + _row(1) + b"\n" + quoted + b"\n" + _row(3) + b"\n"
    r, loaded, held = _load(tmp_path, data)
    assert loaded == [(2, "R1"), (4, "R3")]
    assert [h[:4] for h in held] == [(3, "line_break", "partner_country", "F\rR")]
    assert not any("CR alone" in n for n in r.notes)


def test_crlf_files_keep_their_lines(tmp_path):
    data = _H + b"\r\n" + b"\r\n".join(_row(i) for i in range(1, 4)) + b"\r\n"
    r, loaded, held = _load(tmp_path, data)
    assert (loaded, held, r.notes) == ([(2, "R1"), (3, "R2"), (4, "R3")], [], [])
