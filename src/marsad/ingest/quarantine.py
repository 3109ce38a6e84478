"""The quarantine: one row per rejected input row, with its first failing rule,
and the earlier quarantined rows that the batch's good records resolve; and the
unchanged rows (same content as a record already loaded), kept apart."""

from __future__ import annotations

import json

from marsad.engine import Warehouse, quote_ident, quote_literal
from marsad.ingest import messages, validate
from marsad.ingest.keys import CHK, IS_QUARANTINED, IS_UNCHANGED, LoadIds, key_text
from marsad.ingest.options import ReadOptions
from marsad.ingest.schema import Kind
from marsad.ingest.staging import BatchFile

_COLUMNS = (
    "load_id, kind, file_name, line, column_name, rule, value, message, other_rules,"
    " record_key, record, resolved_by"
)


#: Digits in a thousands group: a number written with exactly this many decimals
#: (``500.000``) could be read as 500 000 under a decimal comma.
_GROUP = 3


def canonical_amount(column: str, scale: int = 3) -> str:
    """SQL: a parsed decimal column of ``scale`` decimals as text in one form for the
    whole column: a point, no grouping, and always the same number of decimals, its
    scale or one more when the scale is that of a thousands group (3). So every amount
    has four: ``1234.5600``, ``300.5000``, ``7.1250``, ``1500.0000``, ``-5.0000``; a rate
    six (``10.800000``), a count of jobs none (``500``).

    It wrote the column's three decimals and a fourth only where the text could be taken
    for thousands (``300.500``): ``1234.560`` beside ``300.5000`` in one export. Four
    decimals for every amount keep what the fourth was for (no amount of the export can
    be read as thousands under a decimal comma, even by a reader that does not know it is
    a quarantine export: a spreadsheet, or marsad once the ``quarantine_*`` columns are
    deleted) and read back exactly."""
    digits = scale + 1 if scale == _GROUP else scale
    cast = f"::DECIMAL(38, {digits})" if digits else ""
    return f"{quote_ident(column)}{cast}::VARCHAR"


def canonical_json(kind: Kind) -> str:
    """SQL: a failing row of ``_ing_chk`` as JSON of texts, each value in canonical
    form where it could be read (numbers as :func:`canonical_amount`, dates
    ISO, codes upper case, invisible characters removed), else as read.

    This is what ``marsad quarantine export`` writes, so that a corrected file
    loads back with the same amounts whatever the source's decimal mark.
    """
    pairs = []
    for f in kind.fields:
        raw = f"json_extract_string(_record, {quote_literal('$.' + f.name)})"
        if f.type == "decimal":
            value = f"{canonical_amount(f.name, f.scale)}, {number_as_written(raw)}"
        else:
            value = f"{quote_ident(f.name)}::VARCHAR"
        pairs.append(f"{quote_ident(f.name)} := coalesce({value}, {raw})")
    return f"to_json(struct_pack({', '.join(pairs)}))::VARCHAR"


def number_as_written(raw: str) -> str:
    """SQL: the text ``raw`` of a number the checks read but refused (more decimals than
    the field keeps, ``precision``; too large) with a point and no grouping, as the
    file's decimal mark reads it (``12,3456`` in a file of decimal commas: ``12.3456``);
    NULL when it is no number under that mark. A reviewer's export kept ``12,3456``: the
    compiler rounded it to ``12,346``, the export reloaded with a point, and 12.346 EUR
    was loaded as 12,346 EUR."""
    from marsad.ingest.keys import DECIMAL_OF
    from marsad.ingest.validate import _normalised, number_pattern

    def under(decimal: str) -> str:
        pattern = quote_literal(number_pattern(decimal))
        return f"CASE WHEN regexp_full_match({raw}, {pattern}) THEN {_normalised(raw, decimal)} END"

    return f"CASE WHEN {DECIMAL_OF}(_file) = ',' THEN {under(',')} ELSE {under('.')} END"


def write_quarantine(
    wh: Warehouse, kind: Kind, files: list[BatchFile], ids: LoadIds, options: ReadOptions
) -> None:
    """Quarantine the failing checked rows and the rejected lines of ``files``,
    then resolve the open rows the batch brings a good version of."""
    n_bad, n_same = wh.sql(
        f"SELECT count(*) FILTER (WHERE {IS_QUARANTINED}), count(*) FILTER (WHERE {IS_UNCHANGED})"
        f" FROM {CHK}"
    )[0]
    if n_bad:  # (the messages' SQL is long to plan: not for a file without a bad row)
        _quarantine_checked(wh, kind, ids, options)
    for f in files:
        _quarantine_rejects(wh, kind, f)
    _resolve(wh, kind, files, ids)
    if n_same:
        write_unchanged(wh, kind, ids)


def _quarantine_checked(wh: Warehouse, kind: Kind, ids: LoadIds, options: ReadOptions) -> None:
    """The checked rows that fail a rule, with their message."""
    from marsad.settings import get_settings

    message = messages.message_sql(
        kind, options.date_range(), validate.limits(kind), get_settings().home_country
    )
    load_of = ids.load_of()
    wh.sql(
        f"""INSERT INTO ingest_quarantine ({_COLUMNS}, canonical)
            SELECT {load_of}, '{kind.name}', {ids.name_of()}, _line,
                   split_part(_fail, '|', 2), split_part(_fail, '|', 1),
                   _value, {message},
                   _others, {key_text(kind)}, _record,
                   CASE WHEN _resolved = '@self' THEN {load_of} ELSE _resolved END,
                   {canonical_json(kind)}
            FROM {messages.with_hints(f"(SELECT * FROM {CHK} WHERE {IS_QUARANTINED})")}"""
    )


def write_unchanged(wh: Warehouse, kind: Kind, ids: LoadIds) -> None:
    """The unchanged rows of the batch (``ingest_unchanged``): their line, key, the
    load holding the same version (``same_as``) and the message saying so."""
    load_of = ids.load_of()
    wh.sql(
        f"""INSERT INTO ingest_unchanged
            SELECT {load_of}, '{kind.name}', {ids.name_of()}, _line, split_part(_fail, '|', 2),
                   {key_text(kind)}, CASE WHEN _resolved = '@self' THEN {load_of}
                                          ELSE _resolved END, _msg
            FROM {CHK} WHERE {IS_UNCHANGED}"""
    )


def _quarantine_rejects(wh: Warehouse, kind: Kind, f: BatchFile) -> None:
    """The lines of ``f`` that could not be split into columns."""
    rej = f.staged.rejects
    if not rej:
        return
    # a sheet's row refused for one cell keeps its other cells (its record's key too, so
    # that a corrected file resolves it); a line that could not be split, its raw text
    records = [json.dumps(r.fields if r.fields is not None else {"_raw": r.value},
                          ensure_ascii=False) for r in rej]  # fmt: skip
    keys = [_key(kind, r.fields) for r in rej]
    wh.sql(
        f"""INSERT INTO ingest_quarantine ({_COLUMNS})
           SELECT ?, ?, ?, unnest(?::BIGINT[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]),
                  unnest(?::VARCHAR[]) AS v, unnest(?::VARCHAR[]), unnest(?::VARCHAR[]),
                  unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), NULL""",
        [
            f.load_id, kind.name, f.path.name,
            [r.line for r in rej], [r.column for r in rej], [r.rule for r in rej],
            [r.value for r in rej], [r.message for r in rej], [r.others for r in rej],
            keys, records,
        ],
    )  # fmt: skip


def _key(kind: Kind, fields: dict[str, str | None] | None) -> str | None:
    """The key of a transactions record as :func:`~marsad.ingest.keys.key_text` writes
    it (``BK10|R5``: reporter and record id as read), when the row gives both; None
    otherwise (the other kinds' keys are typed: a date, a code in capitals)."""
    if kind.name != "transactions" or not fields:
        return None
    parts = [fields.get(k) for k in kind.key]
    return "|".join(parts) if all(parts) else None  # type: ignore[arg-type]


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
