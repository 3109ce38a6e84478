"""Property: in a messy CSV (title blocks with quotes, unclosed quotes, lines
with too few or far too many fields, embedded newlines, stray bytes, blank
lines), every line is accounted for: rows read = loaded + quarantined, each
record's first line is a loaded or quarantined row, and every other line
holding text is the continuation of a quoted value. Nothing is swallowed."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, note, settings
from hypothesis import strategies as st

from marsad.engine import quote_ident
from marsad.engine.warehouse import Warehouse
from marsad.ingest import FileRefused, ReadOptions, load_files, validate
from marsad.ingest.options import Detected
from marsad.ingest.schema import KINDS as KINDS_BY_NAME
from marsad.ingest.staging import Staged

from .conftest import TX_HEADER, load, quarantine, tx

TITLES = {
    "none": b"",
    "plain": b"Releve des reglements\n\n",
    "quoted multi-line": b'"Releve\nmensuel",,\n"BK ""01"""\n',
    "unclosed quote": b'"Releve mensuel\n',
}


#: the firm id (third cell) of a record of each kind
_FIRM = {
    "unclosed": '"Soc',
    "multiline": '"two\nlines"',
    "stray": 'So"c',  # a quote inside a value: where an unclosed one may end
    "cr inside": "So\rc",  # a stray CR inside an id: the line's record is quarantined
    "control": "So\x01c",  # a control character (Ctrl-A): the record is quarantined
    "control quoted": '"two\x1b\nlines"',  # one in a value over two lines
    "nul": "So\x00c",  # a NUL byte: a damaged line of a text file, quarantined (control)
    "nul quoted": '"two\x00\nlines"',
}
#: the cells of each kind of line, from a good record's
_CELLS = {
    "bad value": lambda c: [*c[:5], "x", *c[6:]],
    "few": lambda c: c[:5],
    "many": lambda c: [*c, "extra", "more"],
    "wide": lambda c: c + ["1"] * 5000,
    "char": lambda c: ["x"],  # a line of one character (DuckDB's reported position is on its end)
}
#: the bytes of each kind of line, from its text
_BYTES = {
    "cr start": lambda t: b"\r" + t,  # a stray CR before the record: trimmed, the record good
    "crlf": lambda t: t + b"\r",  # one line ending CRLF among LF ones: the record is good
    "cr sep": lambda t: t.replace(b",FR", b",\rFR"),  # DuckDB's line end: a space here
    "bad byte": lambda t: t.replace(b"Soci", b"So\xffci"),
}


def _line(kind: str, i: int) -> tuple[bytes, int]:
    """A record of ``kind`` as bytes, and the physical lines it spans."""
    row = tx(f"R{i}", firm_id=_FIRM.get(kind, "Société"))
    cells = _CELLS.get(kind, list)([row[h] for h in TX_HEADER])
    text = _BYTES.get(kind, bytes)(",".join(cells).encode())
    return text + b"\n", text.count(b"\n") + 1


KINDS = [
    "good", "good", "bad value", "few", "many", "wide", "unclosed", "multiline", "bad byte",
    "stray", "run", "char", "cr inside", "cr start", "crlf", "cr sep", "control", "control quoted",
    "nul", "nul quoted",
]  # fmt: skip
#: lines that hold no value, each counted as an empty row skipped (an empty line too: a
#: line of only spaces is not a malformed record)
EMPTY = {
    "blank": b"\n",
    "separators": b"," * (len(TX_HEADER) - 1) + b"\n",
    "spaces": b"  \t \n",
    "space cells": b",".join([b" "] * len(TX_HEADER)) + b"\n",
    # (a zero-width space, an ideographic space, by turns)
    "invisible cells": ",".join(("\u200b\u3000" * len(TX_HEADER))[: len(TX_HEADER)]).encode()
    + b"\n",
}
#: good records in a "run": over 10,000 characters, more than DuckDB shows of a rejected line
RUN = 250


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    kinds=st.lists(st.sampled_from([*KINDS, *EMPTY]), min_size=1, max_size=14),
    title=st.sampled_from(sorted(TITLES)),
)
@example(kinds=["unclosed", "run"], title="none")  # a quote never closed, 16 KB after it
@example(kinds=["good", "unclosed", "run", "stray", "run"], title="plain")  # closed far on
@example(kinds=["stray", "blank", "good"], title="none")  # a quote inside a value opens nothing
@example(kinds=["unclosed", "bad byte", "run"], title="none")  # a stray byte in what it swallowed
@example(kinds=["good", "char", "good", "good"], title="none")  # a line of one character
@example(kinds=["good", "cr start", "cr inside", "crlf", "good"], title="none")  # stray CRs
@example(kinds=["cr inside", "unclosed", "cr start", "run"], title="plain")  # one swallowed
@example(kinds=["unclosed", "cr inside"], title="none")  # a CR in the lines read again
@example(kinds=["blank", "cr inside", "wide"], title="none")  # a blank line, a wide one
@example(kinds=["unclosed", "wide", "good"], title="none")  # a wide line swallowed, set aside
@example(kinds=["unclosed", "blank", "good", "blank"], title="plain")  # empty lines read again
@example(kinds=["good", "spaces", "space cells", "good"], title="none")  # rows of nothing
@example(kinds=["unclosed", "spaces", "space cells", "run"], title="none")  # read again
@example(kinds=["good", "control", "control quoted", "unclosed", "control"], title="plain")
@example(kinds=["nul", "cr inside", "nul quoted", "unclosed", "nul", "run"], title="plain")
@example(kinds=["unclosed", "blank", "spaces"], title="none")  # swallowed empty lines
def test_every_line_is_loaded_or_quarantined(kinds, title):
    note(f"kinds={kinds!r}, title={title!r}")  # (this Hypothesis prints the arguments blank)
    data = TITLES[title] + ",".join(TX_HEADER).encode() + b"\n"
    line = data.count(b"\n") + 1
    starts, continuation, good = [], set(), set()
    for i, kind in enumerate(kinds):
        if kind in EMPTY:
            data += EMPTY[kind]
            line += 1
            continue
        if kind == "run":
            for k in range(RUN):
                text, _span = _line("good", 10_000 + i * 1000 + k)
                starts.append(line)
                good.add(f"R{10_000 + i * 1000 + k}")
                data += text
                line += 1
            continue
        text, span = _line(kind, i)
        starts.append(line)
        continuation.update(range(line + 1, line + span))
        if kind in ("good", "cr start", "crlf", "cr sep"):
            good.add(f"R{i}")
        data += text
        line += span
    lines = data.decode("utf-8", "replace").split("\n")
    with_text = {n for n, x in enumerate(lines, start=1) if x.strip(" \t\r,\u200b\u3000")}

    work = Path(tempfile.mkdtemp(prefix="marsad-lines-"))
    try:
        path = work / "messy.csv"
        path.write_bytes(data)
        wh = Warehouse(work / "wh.duckdb")
        try:
            (r,) = load_files(wh, "transactions", [path], options=ReadOptions(decimal="."))
            loaded = dict(wh.sql("SELECT line, record_id FROM transactions"))
            held = [x[0] for x in wh.sql("SELECT line FROM ingest_quarantine")]
        finally:
            wh.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)

    rows = sorted([*loaded, *held])
    assert r.rows_read == r.loaded + r.quarantined == len(rows)
    assert r.blank_rows == sum(k in EMPTY for k in kinds), "empty rows"
    assert len(set(rows)) == len(rows), "a line counted twice"
    assert set(starts) <= set(rows), "a record swallowed"
    header_line = r.header_line
    body = {n for n in with_text if n > header_line}
    assert body <= set(rows) | continuation, "a line neither loaded nor quarantined"
    assert set(rows) <= body
    assert good <= set(loaded.values()), "a good record lost"


#: lines of files without a quote: such files of one call are read and checked in one
#: pass (marsad.ingest.text.group), each row's line found from its place in the table
UNQUOTED = [
    "good", "good", "bad value", "few", "many", "bad byte", "char", "cr inside", "cr start",
    "crlf", "cr sep", "control", "nul", *EMPTY,
]  # fmt: skip


def _unquoted_file(kinds: list[str], n: int) -> tuple[bytes, dict[str, int], set[int]]:
    """A file of ``kinds`` (``separators``: a row of empty fields): its bytes, the line
    of each good record, and the lines that hold a record."""
    data = ",".join(TX_HEADER).encode() + b"\n"
    line, good, records = 2, {}, set()
    for i, kind in enumerate(kinds):
        if kind in EMPTY:
            data += EMPTY[kind]
        elif kind == "char":  # one character, the file's own: two files alike are one content
            data += f"{n % 10}\n".encode()
            records.add(line)
        else:
            text, _span = _line(kind, n * 100 + i)
            data += text
            records.add(line)
            if kind in ("good", "cr start", "crlf", "cr sep"):
                good[f"R{n * 100 + i}"] = line
        line += 1
    return data, good, records


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(files=st.lists(st.lists(st.sampled_from(UNQUOTED), max_size=8), min_size=1, max_size=4))
@example(files=[["good", "good"], ["good", "separators", "good"], ["good"]])
@example(files=[["good", "few", "good"], ["blank", "good"], ["bad value", "good"]])
@example(files=[["char"], ["char"]])  # two files of one character line each
@example(files=[["good", "cr start"], ["crlf", "good"], ["cr inside", "good"]])  # stray CRs
@example(files=[["good", "control"], ["good"], ["control", "bad value", "good"]])  # Ctrl-A
@example(files=[["nul", "good"], ["good"], ["good", "nul", "few"]])  # a NUL byte
def test_files_read_and_checked_in_one_pass_keep_every_line(files):
    """Several files without quotes in one call: each good record is loaded with its
    own file's line, each other record line quarantined with its line; a file with a
    line DuckDB rejects or skips, or a row of empty fields, is read again on its own."""
    note(f"files={files!r}")
    work = Path(tempfile.mkdtemp(prefix="marsad-lines-"))
    try:
        paths, expected = [], []
        for n, kinds in enumerate(files):
            data, good, records = _unquoted_file(kinds, n)
            path = work / f"f{n}.csv"
            path.write_bytes(data)
            paths.append(path)
            expected.append((good, records))
        wh = Warehouse(work / "wh.duckdb")
        try:
            reports = load_files(wh, "transactions", paths, options=ReadOptions(decimal="."))
            by_file = dict(wh.sql("SELECT load_id, file_name FROM ingest_loads"))
            loaded = wh.sql("SELECT load_id, record_id, line FROM transactions")
            held = wh.sql("SELECT file_name, line FROM ingest_quarantine")
        finally:
            wh.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)

    for n, ((good, records), r) in enumerate(zip(expected, reports, strict=True)):
        name = f"f{n}.csv"
        got = {rid: line for load, rid, line in loaded if by_file[load] == name}
        assert got == good, name
        quarantined = sorted(line for f, line in held if f == name)
        assert len(set(quarantined)) == len(quarantined), "a line counted twice"
        assert set(quarantined) == records - set(good.values()), name
        assert r.rows_read == r.loaded + r.quarantined == len(records), name
        assert r.blank_rows == sum(k in EMPTY for k in files[n]), name


def test_a_call_mixing_files_checked_in_one_pass_and_staged_files(tmp_path):
    """Two dialects read and checked in one pass (comma with a decimal point, semicolon
    with a decimal comma) and a file with quotes (staged, then checked) in one call:
    each row keeps its file's line, its file's decimal mark, and its file's message."""
    head = ",".join(TX_HEADER)
    row = lambda rid, amount, sep=",": sep.join(  # noqa: E731  (a reporter per file)
        tx(rid, amount=amount, reporter=f"BANK{rid[0]}")[h] for h in TX_HEADER
    )
    (tmp_path / "a.csv").write_text(f"{head}\n{row('A1', '10.50')}\n{row('A2', '11.25')}\n")
    (tmp_path / "b.csv").write_text(
        head.replace(",", ";") + "\n"
        + "\n".join([row("B1", "1 234,50", ";"), row("B2", "x", ";"), row("B3", "7,5", ";")])
        + "\n"
    )  # fmt: skip
    (tmp_path / "c.csv").write_text(
        head.replace(",", "\t") + "\n"
        + row("C1", "3.5", "\t").replace("F001", '"F 001"') + "\n"
        + row("C2", "y", "\t") + "\n"
    )  # fmt: skip
    wh = Warehouse(tmp_path / "wh.duckdb")
    try:
        paths = [tmp_path / n for n in ("a.csv", "b.csv", "c.csv")]
        reports = load_files(wh, "transactions", paths)
        loaded = sorted(wh.sql("SELECT record_id, line, amount::VARCHAR FROM transactions"))
        held = sorted(wh.sql("SELECT file_name, line, message FROM ingest_quarantine"))
    finally:
        wh.close()
    assert [(r.loaded, r.quarantined) for r in reports] == [(2, 0), (2, 1), (1, 1)]
    assert loaded == [
        ("A1", 2, "10.500"), ("A2", 3, "11.250"), ("B1", 2, "1234.500"), ("B3", 4, "7.500"),
        ("C1", 2, "3.500"),
    ]  # fmt: skip
    assert [(f, line) for f, line, _m in held] == [("b.csv", 3), ("c.csv", 3)]
    assert held[0][2].startswith('line 3, column amount: "x" is not a number')
    assert "decimal comma" in held[0][2]
    assert "decimal comma" not in held[1][2]


@pytest.mark.parametrize("kind", sorted(KINDS_BY_NAME))
def test_the_checks_hold_no_join_so_rows_keep_their_order(tmp_path, kind):
    """A row read and checked in one pass gets its line from its place in the table of
    checked rows: DuckDB keeps the rows' order through SELECT, WHERE and subqueries
    made of them, not through a join. The checks' plan, for every kind, holds none."""
    spec = KINDS_BY_NAME[kind]
    columns = ", ".join(f"NULL::VARCHAR AS {quote_ident(f.name)}" for f in spec.fields)
    source = (
        f"(SELECT 0 AS _file, '.' AS _dec, 'line' AS _unit, NULL::BIGINT AS _line, "
        f"{columns}, false AS _blank)"
    )
    parts = [
        (i, Staged("", [], "line", Detected("csv", decimal=mark))) for i, mark in enumerate(".,")
    ]
    wh = Warehouse(tmp_path / "wh.duckdb")
    try:
        validate.register_references(wh)
        sql = validate.check_sql(spec, parts, (dt.date(2000, 1, 1), dt.date(2030, 1, 1)), source)
        plan = "\n".join(str(value) for _key, value in wh.sql(f"EXPLAIN {sql}"))
    finally:
        wh.close()
    assert "PROJECTION" in plan
    assert re.findall(r"\b\w*_JOIN\b|CROSS_PRODUCT", plan) == []


def _two_plain_files(tmp_path: Path) -> list[Path]:
    head = ",".join(TX_HEADER)
    paths = []
    for n, rows in enumerate([("P1", "P2"), ("Q1", "x", "Q3")]):
        lines = [",".join(tx(r, amount="y" if r == "x" else "12.5")[h] for h in TX_HEADER)
                 for r in rows]  # fmt: skip
        path = tmp_path / f"p{n}.csv"
        path.write_text(head + "\n" + "\n".join(lines) + "\n")
        paths.append(path)
    return paths


def _load_watching(tmp_path: Path, paths: list[Path]) -> tuple[list, list, list[str]]:
    statements: list[str] = []
    wh = Warehouse(tmp_path / "wh.duckdb")
    run = wh.sql

    def watch(query, params=None):
        statements.append(query)
        return run(query, params)

    wh.sql = watch
    try:
        load_files(wh, "transactions", paths)
        loaded = sorted(wh.sql("SELECT record_id, line FROM transactions"))
        held = sorted(wh.sql("SELECT file_name, line, value FROM ingest_quarantine"))
    finally:
        wh.close()
    return loaded, held, statements


def test_plain_files_are_read_and_checked_in_one_pass(tmp_path):
    loaded, held, statements = _load_watching(tmp_path, _two_plain_files(tmp_path))
    assert loaded == [("P1", 2), ("P2", 3), ("Q1", 2), ("Q3", 4)]
    assert held == [("p1.csv", 3, "y")]
    created = [s.split(" AS ", 1)[0] for s in statements if s.startswith("CREATE OR REPLACE TEMP")]
    assert any("_ing_checked_" in c for c in created)
    assert not any("_ing_raw_" in c for c in created), "no staging table"


def test_files_are_staged_when_duckdb_would_not_keep_the_rows_order(tmp_path, monkeypatch):
    """The one pass is taken only when DuckDB's plan keeps the rows' order (checked
    on the plan before running it); else the files are staged, with the same lines."""
    from marsad.ingest.text import group

    monkeypatch.setattr(group, "keeps_order", lambda wh, statement: False)
    loaded, held, statements = _load_watching(tmp_path, _two_plain_files(tmp_path))
    assert loaded == [("P1", 2), ("P2", 3), ("Q1", 2), ("Q3", 4)]
    assert held == [("p1.csv", 3, "y")]
    assert not any("_ing_checked_" in s.split(" AS ", 1)[0] for s in statements)


@pytest.mark.parametrize("end", [b"\r", b"\r\n"])
def test_a_file_with_cr_or_crlf_line_ends_keeps_its_lines(tmp_path, end):
    """Lines ending with CR alone (an old Mac export) or CRLF count as lines: a blank
    line and a short line do not shift the lines after them."""
    data = ",".join(TX_HEADER).encode() + b"\n"
    for kind in ["good", "blank", "few", "good", "char", "good"]:
        data += b"\n" if kind == "blank" else _line(kind, len(data))[0]
    path = tmp_path / "cr.csv"
    path.write_bytes(data.replace(b"\n", end))
    wh = Warehouse(tmp_path / "wh.duckdb")
    try:
        (r,) = load_files(wh, "transactions", [path], options=ReadOptions(decimal="."))
        loaded = sorted(line for (line,) in wh.sql("SELECT line FROM transactions"))
        held = sorted(line for (line,) in wh.sql("SELECT line FROM ingest_quarantine"))
    finally:
        wh.close()
    assert (loaded, held) == ([2, 5, 7], [4, 6])
    assert r.rows_read == 5


def test_stray_carriage_returns_are_kept_in_their_values(tmp_path):
    """A CR that ends no line (DuckDB takes it for a line end, and refused the whole
    file) stays in its value: trimmed at a value's edge, a line break inside an id;
    lines are counted by LF; the report says what was done."""
    rows = [_line("good", i)[0].rstrip(b"\n") for i in range(5)]
    rows[1] = b"\r" + rows[1]  # before the record
    rows[2] = rows[2].replace(b"Soci", b"So\rci")  # inside the firm id
    rows[3] += b"\r\r"  # CR CR LF: a CRLF line end after a stray CR
    path = tmp_path / "cr.csv"
    path.write_bytes(",".join(TX_HEADER).encode() + b"\n" + b"\n".join(rows) + b"\n")
    wh = Warehouse(tmp_path / "wh.duckdb")
    try:
        (r,) = load_files(wh, "transactions", [path], options=ReadOptions(decimal="."))
        loaded = sorted(wh.sql("SELECT line, record_id, partner_country FROM transactions"))
        held = wh.sql("SELECT line, rule, value, message FROM ingest_quarantine")
    finally:
        wh.close()
    assert [x[:2] for x in loaded] == [(2, "R0"), (3, "R1"), (5, "R3"), (6, "R4")]
    assert {x[2] for x in loaded} == {"FR"}  # the CR before the line end trimmed
    ((line, rule, value, message),) = held
    assert (line, rule, value) == (4, "line_break", "So\rciété")
    assert "carriage return (CR)" in message and "quote" not in message
    assert r.notes == [
        "mixed line ends (CRLF and LF) were read as one",
        "3 carriage returns (CR) inside a line: at a value's edge read as a space "
        "(trimmed), inside a value kept (an id or a code holding one is quarantined, "
        "rule line_break)",
    ]


@pytest.mark.parametrize(("quoted", "lone_cr"), [(2, False), (4, False), (2, True)])
def test_a_stray_quote_does_not_make_line_ends_carriage_returns_inside_a_line(
    tmp_path, quoted, lone_cr
):
    """An LF-ended header, CRLF-ended rows and one stray double quote at a value's start:
    the quote opened a value to the end of the file, and each CRLF after it was counted
    and noted as a "carriage return (CR) inside a line"; only a lone CR is one. Every
    other row loads, the one of the quote is quarantined on its own line."""
    rows = [_line("good", i)[0].rstrip(b"\n") for i in range(5)]
    rows[quoted] = rows[quoted].replace(b",Soci", b',"Soci')
    if lone_cr:
        rows[0] = rows[0].replace(b"Soci", b"So\rci")  # a CR inside the firm id
    path = tmp_path / "q.csv"
    path.write_bytes(",".join(TX_HEADER).encode() + b"\n" + b"\r\n".join(rows) + b"\r\n")
    wh = Warehouse(tmp_path / "wh.duckdb")
    try:
        (r,) = load_files(wh, "transactions", [path], options=ReadOptions(decimal="."))
        loaded = sorted(wh.sql("SELECT line, record_id, partner_country FROM transactions"))
        held = sorted(wh.sql("SELECT line, rule FROM ingest_quarantine"))
    finally:
        wh.close()
    bad = {quoted} | ({0} if lone_cr else set())
    assert [x[:2] for x in loaded] == [(i + 2, f"R{i}") for i in range(5) if i not in bad]
    assert {x[2] for x in loaded} == {"FR"}
    assert [line for line, _ in held] == sorted(i + 2 for i in bad)
    stray = [n for n in r.notes if "inside a line" in n]
    assert stray == (["1 carriage return (CR) inside a line: at a value's edge read as a "
                      "space (trimmed), inside a value kept (an id or a code holding one is "
                      "quarantined, rule line_break)"] if lone_cr else []), r.notes  # fmt: skip


def test_crlfs_inside_quotes_are_line_ends_not_stray_crs(tmp_path):
    """A file all CRLF with a stray quote (and one lone CR) was noted as having mixed
    line ends and 3 CRs inside a line; a quoted value's CRLF was a CR inside a line."""
    from marsad.ingest.text.encoding import normalise_line_ends, stray_cr_notes

    src, dst = tmp_path / "a.csv", tmp_path / "b.csv"
    src.write_bytes(b'h1,h2\r\na,b\rc\r\n"x,y\r\nz,w\r\n')
    ends = normalise_line_ends(src, dst, ",")
    assert (ends.crlf, ends.stray, ends.quoted_crlf, ends.kept) == (4, 1, 2, 3)
    assert [n[:33] for n in stray_cr_notes(ends)] == ["1 carriage return (CR) inside a l"]
    src.write_bytes(b'h1,h2\na,"b\r\nc"\r\nz,w\r\n')
    ends = normalise_line_ends(src, dst, ",")
    assert stray_cr_notes(ends) == ["mixed line ends (CRLF and LF) were read as one"]


def _refused(tmp_path: Path, data: bytes, kind: str, match: str) -> None:
    """Loading ``data`` as a ``kind`` file is refused whole, saying ``match``."""
    path = tmp_path / "f.csv"
    path.write_bytes(data)
    wh = Warehouse(tmp_path / "wh.duckdb")
    try:
        with pytest.raises(FileRefused, match=match):
            load_files(wh, kind, [path])
    finally:
        wh.close()


def _cr_load(tmp_path: Path, data: bytes) -> tuple:
    path = tmp_path / "cr.csv"
    path.write_bytes(data)
    wh = Warehouse(tmp_path / "wh.duckdb")
    try:
        (r,) = load_files(wh, "transactions", [path], options=ReadOptions(decimal="."))
        loaded = wh.sql("SELECT line, record_id, value_date::VARCHAR FROM transactions ORDER BY 1")
        held = wh.sql("SELECT line, rule, value FROM ingest_quarantine ORDER BY line")
    finally:
        wh.close()
    return r, loaded, held


_H = ",".join(TX_HEADER).encode()


def _row(i: int, before: bytes = b"", date: bytes = b"2024-01-15") -> bytes:
    return b"R%d,BK01,F001,%s%s,C,10%d.00,EUR,SI2,FR" % (i, before, date, i)


def test_lines_ending_with_cr_and_one_crlf_are_an_old_mac_file(tmp_path):
    """A reviewer's file: CR line ends but the last one CRLF gave 0 rows read (the
    header found on a line DuckDB did not count), and the file was then 'already
    loaded'."""
    data = _H + b"\r" + _row(1) + b"\r" + _row(2) + b"\r" + _row(3) + b"\r\n"
    r, loaded, held = _cr_load(tmp_path, data)
    assert [x[:2] for x in loaded] == [(2, "R1"), (3, "R2"), (4, "R3")] and not held
    assert "line ends CR (old Mac) read as LF" in r.notes


def test_a_cr_in_a_title_or_before_the_header_does_not_move_the_header(tmp_path):
    """The header search read a lone CR as a line end, DuckDB did not: header on the
    wrong line, every row lost."""
    title = b"Releve BK01\rmars 2024\n" + _H + b"\n" + _row(1) + b"\n"
    r, loaded, held = _cr_load(tmp_path, title)
    assert (r.header_line, [x[:2] for x in loaded], held) == (2, [(3, "R1")], [])
    before = b"\r" + _H + b"\n" + _row(1) + b"\n" + _row(2) + b"\n"
    (tmp_path / "b").mkdir()
    r, loaded, held = _cr_load(tmp_path / "b", before)
    assert (r.header_line, [x[:2] for x in loaded], held) == (1, [(2, "R1"), (3, "R2")], [])


def test_a_cr_next_to_a_separator_is_read_as_a_space(tmp_path):
    """DuckDB took a CR after a separator for a line end without an error: one row
    became two malformed ones, and the lines after it moved."""
    data = (
        _H + b"\n" + _row(1, b"\r") + b"\n"  # after the separator before the date
        + _row(2).replace(b",FR", b",\rFR") + b"\n"  # before the last field
        + b'\r"R3",BK01,F001,2024-01-15,C,103.00,EUR,SI2,FR\n'  # before a quoted id
        + _row(4) + b"\n"
    )  # fmt: skip
    r, loaded, held = _cr_load(tmp_path, data)
    assert [x[:2] for x in loaded] == [(2, "R1"), (3, "R2"), (4, "R3"), (5, "R4")] and not held
    assert r.rows_read == 4


def test_a_malformed_line_shows_its_cr(tmp_path):
    """A line of too many fields with a CR inside a value shows its CR. (A CR alone
    between two records is a line end: tests/unit/ingest/test_lone_cr_line_ends.py.)"""
    bad = _row(2).replace(b"SI2", b"S\rI2") + b",extra"
    data = _H + b"\n" + _row(1) + b"\n" + bad + b"\n" + _row(3) + b"\n"
    _, loaded, held = _cr_load(tmp_path, data)
    assert [x[:2] for x in loaded] == [(2, "R1"), (4, "R3")]
    assert held == [(3, "malformed", bad.decode())]


def test_a_file_holding_the_cr_stand_in_and_a_stray_cr_is_refused(tmp_path, monkeypatch):
    """The stand-in U+E00D in one chunk, a stray CR in a later one: refused, not
    read with the file's own U+E00D turned into a CR."""
    from marsad.ingest.text import encoding

    monkeypatch.setattr(encoding, "CHUNK", 64)
    data = _H + b"\n" + _row(1).replace(b"R1", "R\ue00d1".encode()) + b"\n"
    data += b"".join(_row(i) + b"\n" for i in range(2, 9)) + _row(9).replace(b"SI2", b"S\rI2")
    path = tmp_path / "x.csv"
    path.write_bytes(data + b"\n")
    wh = Warehouse(tmp_path / "wh.duckdb")
    try:
        with pytest.raises(FileRefused) as refused:
            load_files(wh, "transactions", [path])
    finally:
        wh.close()
    assert "U+E00D" in str(refused.value) and "x.csv: x.csv" not in str(refused.value)


def test_a_header_glued_to_its_first_row_by_a_cr_is_refused_saying_so(tmp_path):
    """Lines end with LF; a lone CR ends the header: the header and the first row are
    one line, refused whole (no row lost without a word), and the message says why."""
    _refused(
        tmp_path,
        _H + b"\r" + _row(1) + b"\n" + _row(2) + b"\n" + _row(3) + b"\n",
        "transactions",
        r"carriage return \(CR\) inside the header",
    )


def test_a_utf16_crlf_file_is_not_copied_again_for_stray_crs(tmp_path, monkeypatch):
    """The scan counts bytes, where a UTF-16 CRLF is no CR LF pair: whether CRs stand
    inside lines is told from the UTF-8 copy, not by copying that copy once more."""
    from marsad.ingest.text import dialect

    copies = []
    real = dialect.normalise_line_ends
    monkeypatch.setattr(
        dialect, "normalise_line_ends", lambda *a, **k: copies.append(a) or real(*a, **k)
    )
    rows = [_row(1).decode(), _row(2).decode()]
    path = tmp_path / "u16.csv"
    path.write_bytes("\r\n".join([_H.decode(), *rows, ""]).encode("utf-16"))
    r, loaded, held = _cr_load(tmp_path, path.read_bytes())
    assert ([x[:2] for x in loaded], held, copies) == ([(2, "R1"), (3, "R2")], [], [])
    assert not any("carriage" in n for n in r.notes)


def _firms(tmp_path: Path, data: bytes) -> tuple:
    """Load ``data`` as a firms file: (report, [(line, firm_id, name)], [(line, rule,
    value)])."""
    path = tmp_path / "firms.csv"
    path.write_bytes(data)
    wh = Warehouse(tmp_path / "wh.duckdb")
    try:
        (r,) = load_files(wh, "firms", [path])
        loaded = wh.sql("SELECT line, firm_id, name FROM firms ORDER BY line")
        held = wh.sql("SELECT line, rule, value FROM ingest_quarantine ORDER BY line")
    finally:
        wh.close()
    return r, loaded, held


@pytest.mark.parametrize(
    "data",
    [
        b"firm_id,name,segment,city\rF1,Alpha,ITO,Rabat\nF2,Beta,BPO,Fes\n",
        b"Firms registry,,\rfirm_id,name,segment\nF1,Alpha,ITO\nF2,Beta,BPO\n",
    ],
    ids=["header and first row", "title and header"],
)
def test_a_header_line_holding_a_cr_is_refused_even_when_every_column_is_found(tmp_path, data):
    """A reviewer's files: the header found with every required column, but joined by a
    lone CR to the first row (F1 was neither loaded nor quarantined) or to a title
    ending with empty cells (every row quarantined, 3 fields where the header has 5)."""
    _refused(tmp_path, data, "firms", r"header \(line 1\) holds a carriage return")


def test_crs_inside_a_value_do_not_make_an_lf_file_an_old_mac_one(tmp_path):
    """A reviewer's file: an address of five lines joined by CRs (more lone CRs than
    LFs) was read as an old Mac file: each CR made a line, the next row's line wrong."""
    quoted = b'firm_id,name,segment\nF1,"Rue X\rBP 12\rRabat\rCasa\rMaroc",ITO\nF2,Beta,XXX\n'
    r, loaded, held = _firms(tmp_path, quoted)
    assert loaded == [(2, "F1", "Rue X\rBP 12\rRabat\rCasa\rMaroc")]
    assert held == [(3, "segment", "XXX")]
    assert not any("old Mac" in n for n in r.notes)


def test_blank_lines_of_a_file_ending_its_lines_with_cr_cr_lf_are_empty_rows(tmp_path):
    """CR CR LF (a CRLF written in a Windows text mode): its blank lines were
    quarantined as malformed lines of one field."""
    data = b"firm_id,name,segment\r\r\nF1,Alpha,ITO\r\r\n\r\r\nF2,Beta,BPO\r\r\nF3,G,XXX\r\r\n"
    r, loaded, held = _firms(tmp_path, data)
    assert [x[:2] for x in loaded] == [(2, "F1"), (4, "F2")]
    assert (held, r.blank_rows) == ([(5, "segment", "XXX")], 1)


def test_a_cr_inside_a_quoted_value_is_kept_even_next_to_a_separator(tmp_path):
    """A reviewer's file: inside quotes, a separator is text: a CR next to it was read as
    a space at a value's edge, and 'F1; X' loaded as an id. A CRLF inside quotes is the
    value's, kept, as when the file holds no other CR."""
    data = (
        b'firm_id;name;segment\n"F1;\rX";Alpha;ITO\n"F2\r;X";Beta;BPO\n'
        b'F3;"Rue 1;\rCasa";ITO\nF4;"Al\r\npha";ITO\n\r"F5";Eps\r;ITO\n'
    )
    _r, loaded, held = _firms(tmp_path, data)
    assert held == [(2, "line_break", "F1;\rX"), (3, "line_break", "F2\r;X")]
    assert loaded == [(4, "F3", "Rue 1;\rCasa"), (5, "F4", "Al\r\npha"), (7, "F5", "Eps")]
    # a quote inside an unquoted value (5") opens nothing, as DuckDB reads it; a doubled
    # one before a separator stays in its quoted value
    (tmp_path / "b").mkdir()
    data = b'firm_id;name;segment\nF0;Ecran 5" HD;ITO\n"F1;\rX";A;ITO\nF2;"a"";\rb";ITO\n'
    _r, loaded, held = _firms(tmp_path / "b", data)
    assert (loaded, held) == ([(2, "F0", 'Ecran 5" HD'), (4, "F2", 'a";\rb')],
                              [(3, "line_break", "F1;\rX")])  # fmt: skip


def test_the_lines_after_a_record_too_long_to_read_keep_their_numbers(tmp_path):
    """A quoted value of 45,000 lines (over DuckDB's 2 MB a record): one reject, and the
    rows after it were numbered from the 10,000 bytes DuckDB showed (line 211, not
    45,003)."""
    value = b"x" * 47 + b"\n"
    data = b'firm_id,name,segment\nF1,"' + value * 45_000 + b'",ITO\nF2,Beta,BPO\nF3,G,XXX\n'
    _r, loaded, held = _firms(tmp_path, data)
    assert [x[:2] for x in loaded] == [(45_003, "F2")]
    assert [x[:2] for x in held] == [(2, "malformed"), (45_004, "segment")]


def test_an_unclosed_quote_before_accented_text_is_read_wherever_duckdb_cuts(tmp_path, monkeypatch):
    """DuckDB keeps 10,000 bytes of a rejected line; cut inside a character it could not
    store them, and the file was refused ("Invalid unicode … segment statistics").
    The rejects then come from an ASCII twin: whatever the cut, no file is refused, the
    unclosed quote costs its line, and every record after it is loaded at its line."""
    from marsad.ingest.text import read

    twins = []
    real = read.ascii_twin
    monkeypatch.setattr(read, "ascii_twin", lambda *a: twins.append(a) or real(*a))
    for pad in range(3):
        data = ",".join(TX_HEADER).encode() + b"\n" + b" " * pad + _line("unclosed", 0)[0]
        starts = {}
        for k in range(RUN):
            starts[f"R{k + 1}"] = data.count(b"\n") + 1
            data += _line("good", k + 1)[0]
        (tmp_path / str(pad)).mkdir()
        _r, loaded, held = _cr_load(tmp_path / str(pad), data)
        assert {rid: line for line, rid, _ in loaded} == starts, pad
        assert [(line, rule) for line, rule, _ in held] == [(2, "malformed")], pad
        assert held[0][2].startswith(" " * pad + 'R0,BANK1,"Soc,'), pad
    assert twins, "no cut fell inside a character"


def test_the_other_characters_that_break_lines_are_trimmed_or_quarantined(tmp_path):
    """A reviewer's ids: 'F1' and a form feed, 'F3' and U+0085 loaded as ids of their
    own (no firm 'F1' matched them), a vertical tab before 'BPO' made it no segment.
    At a value's ends they are trimmed as spaces; inside an id, rule line_break."""
    data = (
        "firm_id,name,segment\nF1\x0c,Alpha,ITO\nF2,Beta,\x0bBPO\nF3\x85,Gamma,ITO\n"
        "F4\u2028X,Delta,ITO\nF5\x0bY,Eps,ITO\n"
    ).encode()
    _r, loaded, held = _firms(tmp_path, data)
    assert [x[1] for x in loaded] == ["F1", "F2", "F3"]
    assert [x[:3] for x in held] == [(5, "line_break", "F4\u2028X"), (6, "line_break", "F5\x0bY")]


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_a_utf16_file_without_a_byte_order_mark_is_read_as_utf16(tmp_path, codec):
    """It was refused as "binary data (NUL bytes)", with no hint of its encoding."""
    text = "firm_id,name,segment\r\nF1,Société,ITO\r\nF2,بنك,BPO\r\n"
    r, loaded, held = _firms(tmp_path, text.encode(codec))
    assert [x[1:] for x in loaded] == [("F1", "Société"), ("F2", "بنك")] and not held
    assert r.detected().startswith(f"csv, encoding {codec} (without byte-order mark)")


def test_a_line_cut_short_in_duckdb_s_report_is_not_taken_for_an_empty_one(tmp_path):
    """A reviewer's line: 12,000 spaces then ',X': DuckDB shows 10,000 bytes of it, all
    spaces, and it was counted as an empty row, its X lost."""
    data = b"firm_id,name,segment\nF1,A,ITO\n" + b" " * 12_000 + b",X\nF2,B,CRM\n"
    r, loaded, held = _firms(tmp_path, data)
    assert ([x[:2] for x in loaded], [x[:2] for x in held]) == (
        [(2, "F1"), (4, "F2")], [(3, "malformed")]
    )  # fmt: skip
    assert r.blank_rows == 0


def test_a_quote_never_closed_before_a_byte_not_utf8_keeps_the_lines_after_it(tmp_path):
    """A reviewer's files: a byte not UTF-8 inside the value a quote never closed made
    DuckDB's report differ from the file, the lines it swallowed were lost without a
    word; one on a swallowed line was loaded as U+FFFD; one byte not UTF-8 against one
    UTF-8 character made the file Windows-1252 ('CafÃ©')."""
    data = b'firm_id,name,segment\nF1,A,ITO\nF2,"\xff' + b"e" * 12_000 + b"\nF3,Caf\xc3\xa9,KPO\n"
    r, loaded, held = _firms(tmp_path, data + b"F4,D,BPO\n")
    assert [x for x in loaded] == [(2, "F1", "A"), (4, "F3", "Café"), (5, "F4", "D")]
    assert [x[:2] for x in held] == [(3, "malformed")] and r.read_as.encoding.startswith("utf-8")
    (tmp_path / "b").mkdir()
    data = (
        b'firm_id,name,segment\nF1,Caf\xc3\xa9,ITO\nF2,"\xc3\xa9t\xc3\xa9\nF5,\xff,KPO\nF3,C,KPO\n'
    )
    r, loaded, held = _firms(tmp_path / "b", data)
    assert [x[:2] for x in loaded] == [(2, "F1"), (5, "F3")]
    assert [x[:2] for x in held] == [(3, "malformed"), (4, "encoding")]


def test_a_u_fffd_the_file_writes_on_a_swallowed_line_is_text_not_a_bad_byte(tmp_path):
    """A line a quote never closed swallowed is read again from the file: a byte not
    UTF-8 there is quarantined (encoding), but the character U+FFFD written in UTF-8 (as
    a file converted before may hold) is text like any other, and the row loads."""
    data = b'firm_id,name,segment\nF1,A,ITO\nF2,"\xc3\xa9t\xc3\xa9\nF5,\xef\xbf\xbd,KPO\nF3,C,KPO\n'
    r, loaded, held = _firms(tmp_path, data)
    assert (r.rows_read, r.loaded, r.quarantined) == (4, 3, 1)
    assert loaded == [(2, "F1", "A"), (4, "F5", "\ufffd"), (5, "F3", "C")]
    assert [x[:2] for x in held] == [(3, "malformed")]


def test_a_file_duckdb_reads_apart_only_without_its_rejects_is_refused_in_plain_words(
    tmp_path,
):
    """A quote never closed, over 10,000 bytes of accented text cut inside a character,
    then another quote: DuckDB's read without rejects lost the rows after it (three
    rows gone without a word). Refused whole, naming the line."""
    data = (
        b'firm_id,name,segment\nF1,A,ITO\nU2,"y' + b"\xc3\xa9" * 6000
        + b'\nF3,"b",KPO\nF4,N4,ITO\nF5,N5,ITO\n'
    )  # fmt: skip
    _refused(tmp_path, data, "firms", r"line 3 opens a quoted value that is not closed")


@pytest.mark.parametrize(
    "data",
    [
        b"Titre 0\nfirm_id,name,segment\r\nF1,N1,ITO\r\nF2,N2,CRM\r\n",
        b"Registre\r\nfirm_id,name,segment\nF1,N1,ITO\nF2,N2,CRM\n",
    ],
    ids=["LF title, CRLF rows", "CRLF title, LF rows"],
)
def test_line_ends_mixed_below_a_title_keep_every_row(tmp_path, data):
    """A reviewer's files: DuckDB, told to skip the title, read no row at all when its
    line ends differ from the rows' (0 rows read, and the file 'already loaded'). Such
    a file is read from a copy with LF line ends; and a read that leaves lines below
    the header neither rows, rejected nor empty is refused, never taken for short."""
    r, loaded, held = _firms(tmp_path, data)
    assert ([x[:2] for x in loaded], held, r.header_line) == ([(3, "F1"), (4, "F2")], [], 2)


def test_lines_duckdb_did_not_read_refuse_the_file(tmp_path, monkeypatch):
    """The guard: with the copy left out (the scan made to see no CRLF), the same file
    is refused, not loaded empty."""
    import dataclasses

    from marsad.ingest import readers

    real = readers.prepare_text
    monkeypatch.setattr(
        readers, "prepare_text",
        lambda kind, path, scan, *a, **k: real(kind, path, dataclasses.replace(scan, crlfs=0),
                                               *a, **k),
    )  # fmt: skip
    _refused(
        tmp_path,
        b"Titre\nfirm_id,name,segment\r\nF1,N1,ITO\r\n",
        "firms",
        "neither read as rows nor rejected",
    )


@pytest.mark.parametrize(
    "data",
    [
        b'firm_id,name,segment\nF0,Disk 5",ITO\n"F1,\rX",Acme,ITO\nF2,"Al\r\npha",CRM\n',
        b'firm_id,name,segment\nF0, "Acme",ITO\n"F1,\rX",Acme,ITO\nF2,"Al\r\npha",CRM\n',
        b'Sales "Q1"\nfirm_id,name,segment\n"F1,\rX",Acme,ITO\nF2,"Al\r\npha",CRM\n',
        b'"Report never closed\nfirm_id,name,segment\n"F1,\rX",Acme,ITO\nF2,"Al\r\npha",CRM\n',
    ],
    ids=["quote before a separator", "space before a quote", "title quotes", "title open"],
)
def test_quotes_duckdb_reads_as_text_do_not_turn_the_crs_after_them_inside_out(tmp_path, data):
    """A third reviewer's files: a quote before a separator in an unquoted value, a space
    before a quoted value, a title ending in a quote or opening one never closed: each
    was taken to open or close a quoted value, and 'F1, X' loaded, 'Al\\npha' lost its
    CR. A quote opens a value at a field's start only, closes it at its end only, and
    the title lines (which DuckDB skips) are not followed."""
    _r, loaded, held = _firms(tmp_path, data)
    assert [x[:2] for x in held] == [(held[0][0], "line_break")] and held[0][2] == "F1,\rX"
    assert ("F2", "Al\r\npha") in [x[1:] for x in loaded]


def test_a_quote_never_closed_then_quoted_values_keeps_each_line_once(tmp_path):
    """A third reviewer's file: DuckDB's report of the unclosed line ran to a later
    quoted value; counting quotes from the line's start to the end of the file read
    every later line again: F4 quarantined and loaded, F5 at line 8 of 7."""
    data = (
        b'firm_id,name,segment\nF1,"Open never closed,ITO\nF2,B,CRM\nF3,"C",ESO\n'
        b'F4,"multi\nline",BPO\nF5,E,KPO\n'
    )
    r, loaded, held = _firms(tmp_path, data)
    assert [x[:2] for x in loaded] == [(3, "F2"), (4, "F3"), (5, "F4"), (7, "F5")]
    assert [x[:2] for x in held] == [(2, "malformed")]
    assert r.rows_read == r.loaded + r.quarantined == 5


def test_a_line_read_again_keeps_a_quote_inside_an_unquoted_value(tmp_path):
    """A third reviewer's file: after a quote never closed, a line read again on its own
    with a quote inside an unquoted value (C "x) was quarantined as 'a quoted value is
    not closed properly'; read by DuckDB it loads as C "x. A quote opened at a field's
    start and never closed still costs its line."""
    data = (
        b'firm_id,name,segment\nF1,"Open never closed,ITO\nF2,B,CRM\nF3,C "x,ESO\n'
        b'F4,D,BPO\nF5,"E,KPO\nF6,F,KPO\n'
    )
    _r, loaded, held = _firms(tmp_path, data)
    assert [x[1:] for x in loaded] == [("F2", "B"), ("F3", 'C "x'), ("F4", "D"), ("F6", "F")]
    assert [x[:2] for x in held] == [(2, "malformed"), (6, "malformed")]


@pytest.mark.parametrize("crlf", [False, True])
def test_a_record_over_two_lines_after_a_stray_quote_is_one_record(wh, tmp_path, crlf):
    """A stray quote on line 2 (``"oops``, never closed) made every later record written
    over several lines, correctly quoted, cost two quarantined rows (its first line "not
    closed properly", its second malformed): a reviewer lost 27 of 160,000 records, each
    thousands of lines after the quote. Only line 2 is quarantined now."""
    head = ",".join([*TX_HEADER, "comment"])
    row = "R{0},BANKA,F001,2024-03-15,C,{0}0.00,EUR,SI22,DE,{1}"
    lines = [head, row.format(1, '"oops'), row.format(2, "ok"), row.format(3, '"a'), 'b, c"',
             row.format(4, "ok")]  # fmt: skip
    end = "\r\n" if crlf else "\n"
    path = tmp_path / "q.csv"
    path.write_text(end.join(lines) + end, encoding="utf-8")
    r = load(wh, path, decimal=".")  # (loaded + quarantined == rows read, checked there)
    assert sorted(wh.sql("SELECT line, record_id, firm_id FROM transactions")) == [
        (3, "R2", "F001"), (4, "R3", "F001"), (6, "R4", "F001")]  # fmt: skip
    assert [(q["line"], q["rule"]) for q in quarantine(wh)] == [(2, "malformed")]
    assert (r.rows_read, r.loaded, r.quarantined) == (4, 3, 1)
