"""Plain text files: ASCII, without a quote, space, tab, apostrophe or stray CR.

No value of such a file can need cleaning or hold a line break, so the checks leave
those rules out (:func:`marsad.ingest.validate.check_sql`). Shown here:

* what the scan finds (:class:`marsad.ingest.scan.TextStats`) against a direct look
  at the whole bytes, whatever the chunks they come in;
* a load of random plain files gives exactly what the full checks give (the same
  files loaded with every file taken as not plain), records, quarantine and messages;
* the checks of a plain file hold no cleaning and no ``line_break`` rule.
"""

from __future__ import annotations

import itertools
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, example, given, note, settings
from hypothesis import strategies as st

from marsad.engine.warehouse import Warehouse
from marsad.ingest import ReadOptions, cleaning, load_files, scan
from marsad.ingest.scan import TextStats

from .conftest import TX_HEADER

# -- the scan ------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(
    data=st.lists(
        st.sampled_from([b"a", b",", b"\n", b"\r", b"\r\n", b" ", b"\t", b"'", b"1"])
    ).map(b"".join),
    cuts=st.lists(st.integers(0, 40), max_size=5),
)
@example(data=b"a\r\nb\r\n", cuts=[2])  # a CRLF cut between two chunks
@example(data=b"a\r\rb", cuts=[2])
def test_spaces_and_stray_crs_are_found_in_any_chunks(data, cuts):
    stats = TextStats()
    edges = sorted({0, len(data), *(c for c in cuts if c < len(data))})
    for a, b in itertools.pairwise(edges):
        stats.feed(data[a:b])
    assert stats.spaced == any(c in data for c in (b" ", b"\t", b"'"))
    assert stats.stray_crs == data.count(b"\r") - data.count(b"\r\n")


def test_a_file_is_plain_only_without_what_cleaning_or_line_breaks_need(tmp_path):
    base = b"record_id,amount\nR1,10.5\r\n"
    for extra, plain in [
        (b"", True),
        (b"R2,7\n", True),
        (b"R2, 7\n", False),  # a space
        (b"R2,\t7\n", False),
        (b"R2,'=7\n", False),  # a formula guard
        (b'"R2",7\n', False),  # a quote
        (b"R2,7\rR3,8\n", False),  # a stray CR
        ("R2,7\u00a0\n".encode(), False),  # beyond ASCII
        (b"R2,7\x01\n", False),  # a control character
        (b"R2,7\x7f\n", False),
        (b"R2,7\x1f\n", False),
    ]:
        path = tmp_path / "f.csv"
        path.write_bytes(base + extra)
        assert scan.scan_file(path).plain == plain, extra


#: bytes of text with control characters, line ends, tabs, and characters beyond ASCII
#: (U+0085 is a line end; 0xC2 0x80 to 0xC2 0x9F a C1 control, cut or not)
_CONTROL_BYTES = [b"a", b" ", b"\n", b"\r\n", b"\t", b"\x0b", b"\x0c", b"\x01", b"\x1a", b"\x1f",
                  b"\x7f", b"\xc2", b"\x80", b"\x85", b"\x9f", b"\xa0", "\u0085".encode(),
                  "\u0081".encode(), "\u00e9".encode()]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    data=st.lists(st.sampled_from(_CONTROL_BYTES)).map(b"".join),
    cuts=st.lists(st.integers(0, 40), max_size=5),
)
@example(data="\u0081".encode(), cuts=[1])  # a C1 control cut between two chunks
@example(data="\u0085".encode(), cuts=[1])  # NEL is a line end, not a control character
@example(data=b"a\n\x1a", cuts=[2])  # the DOS end-of-file mark
@example(data=b"a\x1a\n\x1a", cuts=[2, 3])  # at the last value's end
@example(data=b"a\x1a\na", cuts=[3])  # at a value's end, but text after it: looked for
def test_control_characters_are_found_in_any_chunks(data, cuts):
    """As the checks see the text: UTF-8, a byte that is not read as U+FFFD; but a
    Ctrl-Z among the line ends and spaces the text ends with (the DOS end-of-file mark),
    trimmed from the last value or a line of its own."""
    stats = TextStats()
    edges = sorted({0, len(data), *(c for c in cuts if c < len(data))})
    for a, b in itertools.pairwise(edges):
        stats.feed(data[a:b])
    text = data.decode("utf-8", "replace").rstrip("\x1a\r\n\t ")
    assert stats.controls == any(c in cleaning.CONTROL_CHARS for c in text)
    assert stats.newlines == data.count(b"\n")


# -- the checks of plain files give what the full checks give ------------------------------

_ASCII = st.sampled_from(
    ["", "R1", "r2", "BK01", "F001", "2024-03-15", "2024-02-30", "15/03/2024", "c", "D", "X",
     "100", "1,234.50", "1.234,50", "(30)", "-5", "0", "12.3456", "1e5", "+7", "EUR", "eur",
     "ZZZ", "SI2", "si2", "SX", "FR", "fr", "MA", "ma", "=1+2", "@x", "-", "1000000000000000"]
)  # fmt: skip


def _file(rows: list[list[str]]) -> bytes:
    lines = [",".join(TX_HEADER)] + [",".join(r) for r in rows]
    return ("\n".join(lines) + "\n").encode()


def _load(work: Path, files: list[bytes], plain: bool, monkeypatch) -> tuple:
    paths = []
    for n, data in enumerate(files):
        path = work / f"f{n}.csv"
        path.write_bytes(data)
        paths.append(path)
    statements: list[str] = []
    with monkeypatch.context() as m:
        if not plain:
            m.setattr(scan.FileScan, "plain", property(lambda self: False))
        real = Warehouse.sql

        def spy(self, q, params=None):
            statements.append(q)
            return real(self, q, params)

        m.setattr(Warehouse, "sql", spy)
        wh = Warehouse(work / f"{plain}.duckdb")
        try:
            reports = load_files(wh, "transactions", paths, options=ReadOptions(decimal="."))
            got = (
                [(r.rows_read, r.loaded, r.quarantined, r.rules) for r in reports],
                wh.sql("SELECT * EXCLUDE (load_id) FROM transactions ORDER BY ALL"),
                wh.sql(
                    "SELECT file_name, line, column_name, rule, value, message, other_rules"
                    " FROM ingest_quarantine ORDER BY ALL"
                ),
            )
        finally:
            wh.close()
    checks = [q for q in statements if "AS _fail FROM b" in q]
    return got, checks


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    files=st.lists(
        st.lists(st.lists(_ASCII, min_size=len(TX_HEADER), max_size=len(TX_HEADER)), max_size=6),
        min_size=1,
        max_size=3,
    )
)
def test_plain_files_are_checked_as_the_full_checks_would(files, monkeypatch):
    note(f"files={files!r}")
    data = [_file(rows) for rows in files]
    work = Path(tempfile.mkdtemp(prefix="marsad-plain-"))
    try:
        fast, fast_checks = _load(work, data, True, monkeypatch)
        full, full_checks = _load(work, data, False, monkeypatch)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    assert fast == full
    # the plain files' checks leave cleaning and line breaks out; the full ones do not
    assert fast_checks and all("line_break" not in q and "_joined" not in q for q in fast_checks)
    assert full_checks and all("line_break" in q and "_joined" in q for q in full_checks)


#: values of a plain file but for a control character (Ctrl-Z at the ends is a space)
_CONTROLLED = st.one_of(
    _ASCII,
    st.sampled_from(
        ["R\x01", "\x1aR9\x1a", "R\x1a9", "F\x7f", "E\x1fUR", "2024-03-15\x02", "1\x0500"]
    ),
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    files=st.lists(
        st.lists(
            st.lists(_CONTROLLED, min_size=len(TX_HEADER), max_size=len(TX_HEADER)), max_size=6
        ),
        min_size=1,
        max_size=3,
    )
)
@example(files=[[["R\x01", "BK01", "", "2024-03-15", "C", "100", "EUR", "SI2", "FR"]]])
def test_no_control_character_loads_from_a_file_otherwise_plain(files, monkeypatch):
    """A file of ASCII without a space or a quote, but for a control character (Ctrl-A
    in a record id), is no plain file: it loaded by the fast checks, which do not look
    for one, with the control character in its id."""
    note(f"files={files!r}")
    data = [_file(rows) for rows in files]
    work = Path(tempfile.mkdtemp(prefix="marsad-plain-"))
    try:
        fast, _ = _load(work, data, True, monkeypatch)
        full, _ = _load(work, data, False, monkeypatch)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    assert fast == full
    loaded = [v for row in fast[1] for v in row if isinstance(v, str)]
    assert not any(c in cleaning.CONTROL_CHARS for v in loaded for c in v)


def test_a_parquet_file_or_workbook_is_hashed_without_text_statistics(tmp_path):
    """A file whose first bytes are Parquet's or a workbook's is read as that: its bytes
    are hashed, not counted as text; the same bytes stated to be text are counted."""
    import hashlib

    body = b"PAR1" + b"a,b\n1,2\n" * 1000 + b"PAR1"
    path = tmp_path / "x.parquet"
    path.write_bytes(body)
    binary = scan.scan_file(path)
    assert binary.sha256 == hashlib.sha256(body).hexdigest() and binary.size == len(body)
    assert binary.newlines == 0 and binary.head == body[: scan.SNIFF_BYTES]
    assert scan.scan_file(path, text=True).newlines == 2000
    workbook = tmp_path / "x.xlsx"
    workbook.write_bytes(b"PK\x03\x04" + b"\n" * 10)
    assert scan.scan_file(workbook).newlines == 0
    assert scan.scan_file(tmp_path / "x.parquet", text=False).quotes == 0


def test_a_parquet_file_stated_to_be_text_is_read_as_text(tmp_path):
    """``--format csv`` on a file that starts as Parquet does: its text is counted and
    read (here a header whose first name begins PAR1)."""
    path = tmp_path / "odd.csv"
    header = ",".join(("PAR1_id", *TX_HEADER[1:]))
    path.write_text(f"{header}\nR1,BK01,F00001,2025-01-15,C,100.50,EUR,SJ35,FR\n")
    wh = Warehouse(tmp_path / "w.duckdb")
    try:
        options = ReadOptions(format="csv", column_map={"par1_id": "record_id"})
        (report,) = load_files(wh, "transactions", [path], options=options)
        assert (report.rows_read, report.loaded) == (1, 1)
    finally:
        wh.close()
