"""Parquet files of one shape read and checked in one pass: one ``read_parquet`` of
all of them, its rows checked as they are read, into one table of checked rows.

Staged one by one, each file was copied into a staging table, the batch's staging
tables into one table, and that table checked: three copies of every row, and
queries per file. A Parquet file numbers its rows itself (``file_row_number``), so
the checks need no table to find a row's line: files of the same columns, types and
reading options are read by one ``read_parquet`` (its ``file_index`` tells a row's
file) and checked in one statement.

If that statement fails (a file damaged past the pages its planning read), each file
is staged on its own (:func:`~marsad.ingest.parquet.stage_parquet`), so that only the
damaged one is refused.
"""

from __future__ import annotations

from collections.abc import Callable

from marsad.engine import SqlError, Warehouse, quote_case, quote_literal, quote_path
from marsad.ingest.cleaning import time_of_day_note
from marsad.ingest.errors import IngestError
from marsad.ingest.parquet import ParquetPlan, blank_row_sql, field_exprs, stage_parquet
from marsad.ingest.schema import Kind
from marsad.ingest.staging import Staged

#: The SELECT of the checks (:func:`marsad.ingest.validate.check_sql`) over a FROM
#: source giving the staged columns, for the files it reads (file number, staged).
CheckSql = Callable[[list[tuple[int, Staged]], str], str]

#: Prefix of the tables of rows read and checked in one pass (as text files').
CHECKED = "_ing_checked"

#: Columns ``read_parquet`` adds, which a file's own column of the same name would hide.
_VIRTUAL = {"file_index", "file_row_number", "filename"}


def shape(kind: Kind, plan: ParquetPlan) -> tuple | None:
    """What files must share to be read by one ``read_parquet``: the SQL that reads
    their fields, their decimal mark and date format. None for a file that is read on
    its own (a column named as one ``read_parquet`` adds, or that cannot be read)."""
    if _VIRTUAL & {name.lower() for name in plan.types}:
        return None
    try:
        exprs, tods, _timed = field_exprs(kind, plan.types, plan.by_norm, plan.zones)
    except IngestError:  # (refused when staged alone, saying why)
        return None
    d = plan.detected
    return (tuple(plan.types.items()), tuple(exprs), tuple(tods.items()), d.decimal,
            d.date_format)  # fmt: skip


def stage_parquet_group(
    wh: Warehouse, kind: Kind, plans: list[tuple[int, ParquetPlan]], check: CheckSql
) -> dict[int, Staged | IngestError]:
    """Read the Parquet files ``plans`` (file number in the batch, plan; one
    :func:`shape`) and check their rows in one pass, into ``_ing_checked_<first>``.
    Returns each file's :class:`Staged`: the first names the table (``checked``), the
    others none (``full_source``); or, where the pass failed, each file staged alone
    (or its :class:`IngestError`)."""
    first_index = plans[0][0]
    table = f"{CHECKED}_{first_index}"
    parts = [(i, _staged(kind, p)) for i, p in plans]
    source = _source(kind, plans)
    try:
        wh.sql(f"CREATE OR REPLACE TEMP TABLE {table} AS {check(parts, f'({source})')}")
    except SqlError:  # one of them cannot be read whole: each on its own
        wh.sql(f"DROP TABLE IF EXISTS {table}")
        return {i: _alone(wh, kind, p, i) for i, p in plans}
    notes = _time_notes(wh, kind, plans)
    out: dict[int, Staged | IngestError] = {}
    for k, (i, p) in enumerate(plans):
        st = _staged(kind, p)
        st.full_source, st.checked = True, table if k == 0 else ""
        st.notes += notes.get(i, [])
        out[i] = st
    return out


def _staged(kind: Kind, plan: ParquetPlan) -> Staged:
    """A file of the group as the checks see it (its rows are in the group's source)."""
    mapped = {names[0] for f in kind.fields if (names := plan.by_norm.get(f.name))}
    return Staged(
        source="",
        rejects=[],
        unit="row",
        detected=plan.detected,
        ignored_columns=[n for n in plan.types if n not in mapped],
        notes=list(plan.notes),
        rows_staged=plan.rows,
    )


def _alone(wh: Warehouse, kind: Kind, plan: ParquetPlan, tag: int) -> Staged | IngestError:
    try:
        return stage_parquet(wh, kind, plan, tag)
    except IngestError as exc:
        return exc


def _read(plans: list[tuple[int, ParquetPlan]]) -> str:
    files = "[" + ", ".join(quote_path(p.path) for _, p in plans) + "]"
    return f"read_parquet({files}, file_row_number = true)"


def _source(kind: Kind, plans: list[tuple[int, ParquetPlan]]) -> str:
    """SELECT of the files' rows as the checks read them: ``_file``, ``_dec``,
    ``_unit``, ``_line`` (the row's number in its file, from 1), the fields as text,
    ``_blank``."""
    from marsad.ingest.readers import with_date_format

    first = plans[0][1]
    exprs, _tods, _timed = field_exprs(kind, first.types, first.by_norm, first.zones)
    numbers = {k: i for k, (i, _p) in enumerate(plans)}
    source = (
        f"SELECT {quote_case('file_index', numbers)} AS _file, "
        f"{quote_literal(first.detected.decimal or '.')} AS _dec, 'row' AS _unit, "
        f"file_row_number + 1 AS _line, {', '.join(exprs)}, {blank_row_sql(first.types)} AS _blank "
        f"FROM {_read(plans)}"
    )
    if fmt := first.detected.date_format:
        dates = tuple(x.name for x in kind.fields if x.type == "date")
        source = with_date_format(source, dates, fmt)
    return source


def _time_notes(
    wh: Warehouse, kind: Kind, plans: list[tuple[int, ParquetPlan]]
) -> dict[int, list[str]]:
    """The notes of each file on its dates read from timestamps with a time of day."""
    first = plans[0][1]
    _exprs, tods, timed = field_exprs(kind, first.types, first.by_norm, first.zones)
    if not tods:
        return {}
    numbers = {k: i for k, (i, _p) in enumerate(plans)}
    columns = ", ".join(f"{tod} AS t{k}" for k, tod in enumerate(tods.values()))
    aggregates = ", ".join(f"count(t{k}), min(t{k}), max(t{k})" for k in range(len(tods)))
    rows = wh.sql(
        f"SELECT {quote_case('file_index', numbers)} AS f, {aggregates} "
        f"FROM (SELECT file_index, {columns} FROM {_read(plans)}) GROUP BY ALL"
    )
    notes: dict[int, list[str]] = {}
    for i, *values in rows:
        for k, name in enumerate(tods):
            count, lo, hi = values[3 * k : 3 * k + 3]
            if count:
                column, zone = timed[name]
                note = time_of_day_note(column, int(count), lo, hi, zone)
                notes.setdefault(int(i), []).append(note)
    return notes
