"""The quarantine: one row per rejected input row, with its first failing rule,
and the earlier quarantined rows that the batch's good records resolve."""

from __future__ import annotations

from marsad.engine import Warehouse, quote_literal
from marsad.ingest import validate
from marsad.ingest.keys import CHK, LoadIds, key_text
from marsad.ingest.options import ReadOptions
from marsad.ingest.schema import Kind
from marsad.ingest.staging import BatchFile


def write_quarantine(
    wh: Warehouse, kind: Kind, files: list[BatchFile], ids: LoadIds, options: ReadOptions
) -> None:
    """Quarantine the failing checked rows and the rejected lines of ``files``,
    then resolve the open rows the batch brings a good version of."""
    message = validate.message_sql(kind, options.date_range())
    load_of = ids.load_of()
    wh.sql(
        f"""INSERT INTO ingest_quarantine
            SELECT {load_of}, '{kind.name}', {ids.name_of()}, _line,
                   split_part(_fail, '|', 2), split_part(_fail, '|', 1), _value, {message},
                   _others, {key_text(kind)}, _record,
                   CASE WHEN _resolved = '@self' THEN {load_of} ELSE _resolved END
            FROM {CHK} WHERE _fail IS NOT NULL"""
    )
    for f in files:
        _quarantine_rejects(wh, kind, f)
    _resolve(wh, kind, files, ids)


def _quarantine_rejects(wh: Warehouse, kind: Kind, f: BatchFile) -> None:
    """The lines of ``f`` that could not be split into columns."""
    rej = f.staged.rejects
    if not rej:
        return
    wh.sql(
        """INSERT INTO ingest_quarantine
           SELECT ?, ?, ?, unnest(?::BIGINT[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]),
                  unnest(?::VARCHAR[]) AS v, unnest(?::VARCHAR[]), NULL, NULL,
                  to_json(struct_pack(_raw := unnest(?::VARCHAR[])))::VARCHAR, NULL""",
        [
            f.load_id, kind.name, f.path.name,
            [r.line for r in rej], [r.column for r in rej], [r.rule for r in rej],
            [r.value for r in rej], [r.message for r in rej], [r.value for r in rej],
        ],
    )  # fmt: skip


def _resolve(wh: Warehouse, kind: Kind, files: list[BatchFile], ids: LoadIds) -> None:
    """Earlier quarantined versions of the records now loaded are resolved
    (rows of the batch's own files matter only when a later file may fix them)."""
    own = [f.load_id for f in files] if len(files) == 1 else []
    open_rows = wh.scalar(
        "SELECT count(*) FROM ingest_quarantine WHERE resolved_by IS NULL AND kind = ?"
        " AND NOT list_contains(?, load_id)",
        [kind.name, own],
    )
    if not open_rows:
        return
    file_of_load = " ".join(f"WHEN {quote_literal(v)} THEN {i}" for i, v in ids.loads.items())
    wh.sql(
        f"""UPDATE ingest_quarantine q SET resolved_by = x.load_id
            FROM (SELECT {key_text(kind)} AS k, max(_file) AS lf,
                         {ids.load_of("max(_file)")} AS load_id
                  FROM {CHK} WHERE _fail IS NULL GROUP BY 1) x
            WHERE q.resolved_by IS NULL AND q.kind = '{kind.name}' AND q.record_key = x.k
              AND coalesce(CASE q.load_id {file_of_load} END, -1) < x.lf"""
    )
