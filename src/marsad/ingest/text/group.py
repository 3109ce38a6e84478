"""Several small text files of one dialect read with one ``read_csv``: one
DuckDB scan instead of many, and checks that run in parallel.

Files without a quote are read and checked in one pass (:func:`_read_and_check`):
the checks run on ``read_csv``'s rows as they are read, into a table of checked
rows, and no staging table is written. A row's line is then found from its place
in that table, as for a staging table.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from marsad.engine import (
    MissingTable,
    SqlError,
    Warehouse,
    quote_case,
    quote_literal,
    watch_query,
)
from marsad.ingest.errors import IngestError
from marsad.ingest.options import ProgressEvent, ProgressFn
from marsad.ingest.schema import Kind
from marsad.ingest.staging import REJ_ERRORS, REJ_SCANS, Staged, raw_table
from marsad.ingest.text.dialect import TextPlan
from marsad.ingest.text.read import (
    drop_rejects,
    fields_sql,
    read_alone,
    read_csv_call,
    read_csv_sql,
    staged_text,
)

#: The SELECT of the checks (:func:`marsad.ingest.validate.check_sql`) over a FROM
#: source giving the staged columns, for the files it reads (file number, staged).
CheckSql = Callable[[list[tuple[int, Staged]], str], str]

#: Prefix of the tables of rows read and checked in one pass.
CHECKED = "_ing_checked"


def stage_text_group(
    wh: Warehouse,
    kind: Kind,
    plans: list[tuple[int, TextPlan]],
    tmpdir: Path,
    progress: ProgressFn | None,
    tag: int,
    check: CheckSql | None = None,
) -> dict[int, Staged | IngestError]:
    """Stage the files ``plans`` (file number, plan) into one table. The files
    whose rows need line corrections (a rejected line, a newline inside a
    quoted value, a blank line) are staged on their own.

    With ``check``, files without any quote are read and checked in one pass
    instead (:func:`_read_and_check`), when DuckDB keeps the rows' order doing so."""
    if check is not None and one_pass(p for _, p in plans):
        staged = _read_and_check(wh, kind, plans, tmpdir, progress, tag, check)
        if staged is not None:
            return staged
    first = plans[0][1]
    raw = raw_table(tag)
    drop_rejects(wh)
    try:
        wh.sql(read_csv_sql([p.read_path for _, p in plans], first, raw, file_index=True))
    except SqlError:  # e.g. mixed line ends in one of them: each on its own
        return {i: read_alone(wh, kind, p, tmpdir, progress, i) for i, p in plans}
    by_name = {str(p.read_path): i for i, p in plans}
    by_index = {k: i for k, (i, _p) in enumerate(plans)}
    spans = {
        by_index[k]: (int(lo), int(hi), int(n))
        for k, lo, hi, n in wh.sql(
            f"SELECT _fi, min(rowid), max(rowid), count(*) FROM {raw} GROUP BY _fi"
        )
    }
    irregular = _rejected(wh, by_name) | _with_newlines(wh, plans, raw, by_index)
    simple, out = [], {}
    for i, p in plans:
        lo, hi, n = spans.get(i, (0, -1, 0))
        if i in irregular or not _line_by_rank(p, lo, hi, n):
            out[i] = read_alone(wh, kind, p, tmpdir, progress, i)
        else:
            simple.append((i, p, lo, n))
    if simple:
        source = _group_source(kind, first, simple, raw)
        for k, (i, p, _, n) in enumerate(simple):
            # the group's rows are listed once, with the first file
            out[i] = staged_text(p, source if k == 0 else "", [], n, full_source=True)
    return out


def _line_by_rank(plan: TextPlan, lo: int, hi: int, n: int) -> bool:
    """Whether a file's ``n`` rows, at ``rowid`` ``lo`` to ``hi`` of a table, are each on
    the line header + 1 + rank: one run of rows, as many as the file has lines below its
    header (no line rejected, skipped or blank, no line break inside a value)."""
    return hi - lo + 1 == n and plan.content_lines <= plan.header.line + n


def one_pass(plans) -> bool:
    """Whether text files can be read and checked in one pass: none holds a quote (a
    quoted value may hold a line break, and its row then spans lines), a line set
    aside before reading, or a CR read as :data:`~marsad.ingest.text.encoding.STRAY_CR`
    (put back when staged)."""
    return all(not p.quotes and not p.rejects and not p.stray_cr for p in plans)


def _read_and_check(
    wh: Warehouse,
    kind: Kind,
    plans: list[tuple[int, TextPlan]],
    tmpdir: Path,
    progress: ProgressFn | None,
    tag: int,
    check: CheckSql,
) -> dict[int, Staged | IngestError] | None:
    """Read the files ``plans`` (none holds a quote) and check their rows in one
    pass, into the table ``_ing_checked_<tag>``: validation reads each row once,
    and no staging table is written (at 10M records, 2.4 s of a 21 s load).

    A row's line is the header's + 1 + its rank in its file, its rank its place in
    the table (``rowid``): ``read_csv`` gives the files' rows in order, and DuckDB
    keeps the order of rows through SELECT, WHERE and subqueries made of them into
    the table made from them (not through a join, so the checks hold none: their
    code lists are ENUM casts, see :func:`marsad.ingest.validate.in_list_sql`;
    tested on their plan), and DuckDB says so: the plan's sink must be
    ``BATCH_CREATE_TABLE_AS``, else (None) the files are staged as before. Numbering
    the rows with ``row_number() OVER ()`` instead doubled the time (one thread).

    That holds for a file whose rows are one run of the table with as many rows as
    the file has lines below its header: else (a line ``read_csv`` rejected or
    skipped, a blank row, which the checks drop) the file's rows are deleted from
    the table and the file is staged on its own, line by line
    (:func:`~marsad.ingest.text.read.read_text`).
    """
    table = f"{CHECKED}_{tag}"
    parts = [(i, staged_text(p, "", [], None)) for i, p in plans]
    source = _one_pass_source(kind, plans)
    statement = f"CREATE OR REPLACE TEMP TABLE {table} AS {check(parts, f'({source})')}"
    if not keeps_order(wh, statement):
        return None

    def on_progress(pct: float) -> None:
        for _i, p in plans:
            rows = int(p.rows_est * pct / 100) if p.rows_est else None
            progress(ProgressEvent(p.path, "read", p.size * pct / 100, p.size, rows))

    drop_rejects(wh)
    try:
        with watch_query(wh, on_progress if progress else None):
            wh.sql(statement)
    except SqlError:  # e.g. mixed line ends in one of them: each on its own
        return {i: read_alone(wh, kind, p, tmpdir, progress, i) for i, p in plans}
    simple = _number_lines(wh, table, plans)
    out: dict[int, Staged | IngestError] = {
        i: read_alone(wh, kind, p, tmpdir, progress, i) for i, p in plans if i not in simple
    }
    for k, (i, (p, n)) in enumerate(simple.items()):
        # the group's checked rows are named once, with its first file
        out[i] = staged_text(p, "", [], n, full_source=True, checked=table if k == 0 else "")
    return out


def _one_pass_source(kind: Kind, plans: list[tuple[int, TextPlan]]) -> str:
    """SELECT of the files' rows as the checks read them (``_file``, ``_dec``,
    ``_unit``, ``_line`` NULL, the fields, ``_blank``), straight from ``read_csv``."""
    from marsad.ingest.readers import with_date_format

    first = plans[0][1]
    paths = [p.read_path for _, p in plans]
    numbers = {k: i for k, (i, _p) in enumerate(plans)}
    decimals = {k: p.detected.decimal or "." for k, (_i, p) in enumerate(plans)}
    source = (
        f"SELECT {quote_case('_fi', numbers)} AS _file, "
        f"{quote_case('_fi', decimals)} AS _dec, 'line' AS _unit, NULL::BIGINT AS _line, "
        f"{fields_sql(kind, first.header, plain=all(p.plain for _, p in plans))} "
        f"FROM (SELECT *, file_index AS _fi FROM {read_csv_call(paths, first)})"
    )
    if fmt := first.detected.date_format:  # (one dialect: one date format)
        dates = tuple(x.name for x in kind.fields if x.type == "date")
        source = with_date_format(source, dates, fmt)
    return source


def _number_lines(
    wh: Warehouse, table: str, plans: list[tuple[int, TextPlan]]
) -> dict[int, tuple[TextPlan, int]]:
    """Give the rows of ``table`` their lines, for the files whose rows are one run of
    as many rows as they have lines below the header; delete the others' rows.
    Returns the files numbered: file number -> (plan, rows)."""
    first = plans[0][1]
    spans = {
        int(i): (int(lo), int(hi), int(n))
        for i, lo, hi, n in wh.sql(
            f"SELECT _file, min(rowid), max(rowid), count(*) FROM {table} GROUP BY _file"
        )
    }
    irregular = _rejected(wh, {str(p.read_path): i for i, p in plans})
    simple: dict[int, tuple[TextPlan, int]] = {}
    starts: dict[int, int] = {}
    for i, p in plans:
        lo, hi, n = spans.get(i, (0, -1, 0))
        if i in irregular or not _line_by_rank(p, lo, hi, n):
            irregular.add(i)
        else:
            simple[i], starts[i] = (p, n), lo
    if irregular:
        wh.sql(f"DELETE FROM {table} WHERE list_contains(?, _file)", [sorted(irregular)])
    if simple:
        wh.sql(
            f"UPDATE {table} SET _line = "
            f"{first.header.line + 1} + rowid - {quote_case('_file', starts)}"
        )
    return simple


def keeps_order(wh: Warehouse, statement: str) -> bool:
    """Whether DuckDB keeps the order of the rows of the query of ``statement`` (a
    ``CREATE TABLE … AS``) in the table: its plan's sink is ``BATCH_CREATE_TABLE_AS``
    (with a join in the query it is ``CREATE_TABLE_AS``, which may not). About 15 ms
    for the checks of a batch."""
    try:
        plan = "\n".join(str(value) for _key, value in wh.sql(f"EXPLAIN {statement}"))
    except SqlError:
        return False
    return "BATCH_CREATE_TABLE_AS" in plan


def _rejected(wh: Warehouse, by_name: dict[str, int]) -> set[int]:
    """Files of the group with a line DuckDB rejected."""
    try:
        rows = wh.sql(
            f"""SELECT DISTINCT s.file_path FROM {REJ_ERRORS} e
                JOIN {REJ_SCANS} s USING (scan_id, file_id)"""
        )
    except MissingTable:
        return set()
    # (DuckDB names a file as its glob found it: ``./e[1].csv`` for ``e[1].csv``)
    by_path = {os.path.normpath(name): i for name, i in by_name.items()}
    return {by_path[os.path.normpath(r[0])] for r in rows}


def _with_newlines(
    wh: Warehouse, plans: list[tuple[int, TextPlan]], raw: str, by_index: dict[int, int]
) -> set[int]:
    """Files of the group with a newline inside a quoted value."""
    if not any(p.quotes for _, p in plans):
        return set()
    ncols = len(plans[0][1].header.cells)
    has_nl = " OR ".join(f"contains(c{i}, chr(10))" for i in range(ncols))
    return {by_index[r[0]] for r in wh.sql(f"SELECT DISTINCT _fi FROM {raw} WHERE {has_nl}")}


def _group_source(
    kind: Kind, first: TextPlan, simple: list[tuple[int, TextPlan, int, int]], raw: str
) -> str:
    """SELECT of the rows of the plain files of the group, with ``_file``,
    ``_dec``, ``_unit`` and ``_line`` (= header + 1 + rank in the file).

    Each file's rows are one run of ``rowid`` (``lo``, ``n`` rows): a row's file is
    found by comparing integers, not its file name with every file's (a third of the
    checks' time in a batch of many files), and in the table's order."""
    runs = sorted(simple, key=lambda s: s[2])

    def by_rowid(value) -> str:
        if len(runs) == 1:
            return str(value(runs[0][0], runs[0][1], runs[0][2]))
        whens = " ".join(f"WHEN rowid < {lo + n} THEN {value(i, p, lo)}"
                         for i, p, lo, n in runs[:-1])  # fmt: skip
        return f"CASE {whens} ELSE {value(*runs[-1][:3])} END"

    # (a kind without numbers, firms, has no decimal mark: '.' as Staged.decimal says)
    decimals = {p.detected.decimal or "." for _, p, _, _ in simple}
    decs = (
        quote_literal(next(iter(decimals)))
        if len(decimals) == 1
        else by_rowid(lambda i, p, lo: quote_literal(p.detected.decimal or "."))
    )
    # the rows of the plain files: runs of rowid, those next to each other merged
    spans: list[list[int]] = []
    for _, _, lo, n in runs:
        if spans and spans[-1][1] == lo:
            spans[-1][1] = lo + n
        else:
            spans.append([lo, lo + n])
    where = " OR ".join(f"(rowid >= {lo} AND rowid < {hi})" for lo, hi in spans)
    return (
        f"SELECT {by_rowid(lambda i, p, lo: i)} AS _file, {decs} AS _dec, 'line' AS _unit, "
        f"{first.header.line + 1} + rowid - {by_rowid(lambda i, p, lo: lo)} AS _line, "
        f"{fields_sql(kind, first.header, plain=all(p.plain for _, p, _, _ in simple))} "
        f"FROM {raw} WHERE {where}"
    )
