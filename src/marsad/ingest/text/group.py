"""Several small text files of one dialect read with one ``read_csv``: one
DuckDB scan instead of many, and checks that run in parallel."""

from __future__ import annotations

from pathlib import Path

from marsad.engine import MissingTable, SqlError, Warehouse, quote_literal
from marsad.ingest.errors import IngestError
from marsad.ingest.options import ProgressFn
from marsad.ingest.schema import Kind
from marsad.ingest.staging import REJ_ERRORS, REJ_SCANS, Staged, raw_table
from marsad.ingest.text.dialect import TextPlan
from marsad.ingest.text.read import drop_rejects, fields_sql, read_alone, read_csv_sql, staged_text


def stage_text_group(
    wh: Warehouse,
    kind: Kind,
    plans: list[tuple[int, TextPlan]],
    tmpdir: Path,
    progress: ProgressFn | None,
    tag: int,
) -> dict[int, Staged | IngestError]:
    """Stage the files ``plans`` (file number, plan) into one table. The files
    whose rows need line corrections (a rejected line, a newline inside a
    quoted value, a blank line) are staged on their own."""
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
        contiguous = hi - lo + 1 == n
        # without rejects, embedded newlines or blank lines, line = header + 1 + rank
        plain = p.content_lines <= p.header.line + n
        if i in irregular or not contiguous or not plain:
            out[i] = read_alone(wh, kind, p, tmpdir, progress, i)
        else:
            simple.append((i, p, lo, n))
    if simple:
        source = _group_source(kind, first, simple, raw)
        for k, (i, p, _, n) in enumerate(simple):
            # the group's rows are listed once, with the first file
            out[i] = staged_text(p, source if k == 0 else "", [], n, full_source=True)
    return out


def _rejected(wh: Warehouse, by_name: dict[str, int]) -> set[int]:
    """Files of the group with a line DuckDB rejected."""
    try:
        rows = wh.sql(
            f"""SELECT DISTINCT s.file_path FROM {REJ_ERRORS} e
                JOIN {REJ_SCANS} s USING (scan_id, file_id)"""
        )
    except MissingTable:
        return set()
    return {by_name[r[0]] for r in rows}


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

    decimals = {p.detected.decimal for _, p, _, _ in simple}
    decs = (
        quote_literal(next(iter(decimals)))
        if len(decimals) == 1
        else by_rowid(lambda i, p, lo: quote_literal(p.detected.decimal))
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
        f"{fields_sql(kind, first.header)} FROM {raw} WHERE {where}"
    )
