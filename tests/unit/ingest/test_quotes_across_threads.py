"""Every line of a file is loaded or quarantined once, even where DuckDB reads it with
several threads: it reads a file in parts of about 8 MB, each thread taking up
reading at the first line end of its part. A record it rejects over several lines
(a quote never closed) can run into the next part, whose thread reads the lines
inside it as rows; marsad read the same lines again one by one, and counted them
twice (149 rows read of 80 lines, 69 of them "unchanged", the control totals of
the load wrong)."""

from __future__ import annotations

from pathlib import Path

import pytest

from marsad.engine.warehouse import Warehouse
from marsad.ingest import FileRefused, ReadOptions, load_files

from .conftest import TX_HEADER

#: a value longer than DuckDB's part of a file for one thread (8,000,000 bytes)
HUGE = 8_000_000


def _row(i: int, code: str = "SI22", pad: str = "") -> str:
    return f"R{i},BANK1,F001,2024-03-15,C,{100 + i}.00,EUR,{code},FR{pad}"


def _file(n: int, unclosed: list[int], huge: list[int], eol: str = "\n", bom: bool = False):
    """``n`` rows; those of rank ``unclosed`` open a quote never closed in their service
    code, those of rank ``huge`` hold a service code of :data:`HUGE` characters. The
    bytes and the rows' amounts."""
    rows = []
    for i in range(n):
        code = '"SI22' if i in unclosed else "X" * HUGE if i in huge else "SI22"
        rows.append(_row(i, code))
    text = eol.join([",".join(TX_HEADER), *rows]) + eol
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode(), [100 + i for i in range(n)]


def _load(tmp_path: Path, data: bytes) -> dict:
    path = tmp_path / "t.csv"
    path.write_bytes(data)
    wh = Warehouse(tmp_path / "wh.duckdb")
    try:
        (r,) = load_files(wh, "transactions", [path], options=ReadOptions(decimal="."))
        out = {
            "report": (r.rows_read, r.loaded, r.quarantined, r.unchanged),
            "ledger": wh.sql("SELECT rows_read, loaded, quarantined, unchanged FROM ingest_loads"),
            "totals": wh.sql(
                "SELECT sum(rows_read)::INT, sum(rows_loaded)::INT, sum(amount_read)::DOUBLE"
                " FROM ingest_totals"
            ),
            "loaded": [x for (x,) in wh.sql("SELECT line FROM transactions ORDER BY 1")],
            "held": wh.sql("SELECT line, rule FROM ingest_quarantine ORDER BY line"),
        }
    finally:
        wh.close()
    return out


def _assert_each_line_once(got: dict, n: int, held: list[tuple[int, str]], amounts) -> None:
    lines = n  # below the header
    quarantined = len(held)
    assert got["report"] == (lines, lines - quarantined, quarantined, 0)
    assert got["ledger"] == [got["report"]]
    assert got["held"] == held
    assert sorted(got["loaded"] + [line for line, _ in held]) == list(range(2, n + 2))
    # the control totals: every line read once; the amounts of the lines that could be
    # split (the malformed ones have none)
    malformed = {line - 2 for line, rule in held if rule == "malformed"}
    read = sum(a for i, a in enumerate(amounts) if i not in malformed)
    assert got["totals"] == [(lines, lines - quarantined, pytest.approx(read))]


CASES = {
    # rank of the rows with a quote never closed, and with a value of 8 MB
    "in the middle": ([10], [11]),
    "at the very end": ([10], [79]),
    "at the start": ([0], [1]),
    "two": ([10, 40], [11, 41]),
    "apart": ([10], [15]),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_a_quote_never_closed_then_a_value_of_8_mb_counts_each_line_once(tmp_path, case):
    """The fault found by a helper: 149 rows read of the file's 80 lines."""
    unclosed, huge = CASES[case]
    data, amounts = _file(80, unclosed, huge)
    held = sorted([(i + 2, "malformed") for i in unclosed] + [(i + 2, "ebops") for i in huge])
    _assert_each_line_once(_load(tmp_path, data), 80, held, amounts)


@pytest.mark.slow
@pytest.mark.parametrize("bom", [False, True], ids=["crlf", "crlf and bom"])
def test_the_same_with_crlf_line_ends_and_a_byte_order_mark(tmp_path, bom):
    data, amounts = _file(80, [10, 40], [11, 41], eol="\r\n", bom=bom)
    held = [(12, "malformed"), (13, "ebops"), (42, "malformed"), (43, "ebops")]
    _assert_each_line_once(_load(tmp_path, data), 80, held, amounts)


def _ordinary_rows_over_8_mb(unclosed: list[int]) -> tuple[bytes, list[int], int]:
    """Ordinary rows, a column marsad ignores making them about 9 MB; the rows of rank
    ``unclosed`` open a quote never closed."""
    n, pad = 9_000, "," + "p" * 1_000
    rows = [_row(i, '"SI22' if i in unclosed else "SI22", pad) for i in range(n)]
    text = "\n".join([",".join(TX_HEADER) + ",note", *rows]) + "\n"
    return text.encode(), [100 + i for i in range(n)], n


@pytest.mark.slow
def test_a_quote_never_closed_in_a_file_over_8_mb_counts_each_line_once(tmp_path):
    """No long value needed: any file larger than one thread's part with a quote never
    closed near its start (the thread of the next part read the rows after 8 MB as
    rows, and marsad read them again: about 1,000 rows counted twice)."""
    data, amounts, n = _ordinary_rows_over_8_mb([5])
    _assert_each_line_once(_load(tmp_path, data), n, [(7, "malformed")], amounts)


@pytest.mark.slow
def test_lines_counted_twice_refuse_the_file(tmp_path, monkeypatch):
    """The guard: read once, without setting the quote's record aside, the same file is
    refused (its lines read twice), never loaded with wrong counts."""
    from marsad.ingest.text import read

    monkeypatch.setattr(read, "_ROUNDS", 1)
    data, _amounts, _n = _ordinary_rows_over_8_mb([5])
    path = tmp_path / "t.csv"
    path.write_bytes(data)
    wh = Warehouse(tmp_path / "wh.duckdb")
    try:
        with pytest.raises(FileRefused, match="lines were read twice"):
            load_files(wh, "transactions", [path], options=ReadOptions(decimal="."))
    finally:
        wh.close()


@pytest.mark.slow
def test_a_stray_quote_near_the_start_and_one_on_the_last_line_lose_no_line(tmp_path):
    """A reviewer's 8.5 MB file of 160,000 ordinary rows, a stray quote on line 7 and one
    on the last line: the quote opened on line 7 closed on the last line, past the first
    thread's part of the file, and DuckDB dropped the lines up to the next thread's part
    without rejecting them; the file was refused ('150,660 of its lines below the header
    were neither read as rows nor rejected'). One thread reads it again: each line is
    loaded or quarantined once, the two quotes' lines quarantined."""
    n, stray = 160_000, (5, 159_999)
    quote = {i: '"' for i in stray}
    rows = [
        f"W{i:07d},BK07,{quote.get(i, '')}F0671,2024-03-{1 + i % 28:02d},C,"
        f"{100 + i % 997}.25,EUR,SJ312,ES"
        for i in range(n)
    ]
    data = ("\n".join([",".join(TX_HEADER), *rows]) + "\n").encode()
    assert 8_000_000 < len(data) < 9_000_000  # (more than one thread's part)
    amounts = [100 + i % 997 + 0.25 for i in range(n)]
    held = [(i + 2, "malformed") for i in stray]
    _assert_each_line_once(_load(tmp_path, data), n, held, amounts)
