"""Versions of a record: repeats in a file, repeats of what the warehouse
holds, and corrections.

Taking the batch's files in order, as if loaded one after the other: a record
repeated later in its own file with other content is ``duplicate_in_file``
(quarantined; the first good occurrence is kept); a record whose key is already
loaded (earlier in its file, in an earlier file of the batch, or in the
warehouse) with the same content is ``unchanged`` (neither loaded again nor
quarantined: :data:`~marsad.ingest.keys.UNCHANGED`); a key already in the
warehouse (or in an earlier file of the batch) with other content is a
*correction*: the new version replaces the old, which goes to
``<table>_history`` with the load that replaced it.
"""

from __future__ import annotations

from marsad.engine import Warehouse, quote_case, quote_ident, quote_literal
from marsad.ingest.keys import (
    CHK,
    UNCHANGED,
    UNIT_OF,
    LoadIds,
    count,
    insert_value,
    key_cols,
    key_column,
    key_text,
    key_words,
    record_json,
    same_values,
    table_columns,
)
from marsad.ingest.schema import Kind

DUPF = "_ing_dupf"
REP = "_ing_rep"


def key_hash(kind: Kind, alias: str = "") -> str:
    """SQL: a 64-bit hash of the key columns of a row (of ``alias``).

    >>> from marsad.ingest.schema import RATES
    >>> key_hash(RATES, "c")
    'hash(c."date", c."currency")'
    """
    return f"hash({key_cols(kind, alias)})"


def find_repeats(wh: Warehouse, kind: Kind) -> None:
    """``_ing_rep``: the hashes of the keys that several good rows of ``_ing_chk``
    share, in a file or across the batch's files. One ``GROUP BY`` on the hash of the
    key columns only (not the strings, not the whole rows) serves both searches,
    repeats in a file and keys in several files (:func:`repeated_keys`)."""
    wh.sql(
        f"""CREATE OR REPLACE TEMP TABLE {REP} AS
            SELECT {key_hash(kind)} AS _h FROM {CHK} WHERE _fail IS NULL
            GROUP BY ALL HAVING count(*) > 1"""
    )


def repeated_keys(kind: Kind, where: str, alias: str = "c") -> str:
    """SQL (a FROM clause): the rows of ``_ing_chk`` (as ``alias``) matching
    ``where`` (a condition on its unqualified columns) whose key may repeat: its hash
    is in ``_ing_rep`` (:func:`find_repeats`, made before ``where`` excluded more rows:
    a superset). A hash collision, or a key repeated in another file only, lets a few
    extra rows through: group them by the exact key (and file) afterwards (a window or
    ``GROUP BY``), never by the hash.

    >>> from marsad.ingest.schema import RATES
    >>> print(repeated_keys(RATES, "_fail IS NULL"))  # doctest: +NORMALIZE_WHITESPACE
    _ing_chk c SEMI JOIN _ing_rep _r ON hash(c."date", c."currency") = _r._h
    WHERE _fail IS NULL
    """
    return f"{CHK} {alias} SEMI JOIN {REP} _r ON {key_hash(kind, alias)} = _r._h WHERE {where}"


def mark_duplicates_in_file(wh: Warehouse, kind: Kind) -> None:
    """A record repeated in its file: the first occurrence that passes the
    checks is kept, the later ones are ``duplicate_in_file``. Only the rows
    whose key repeats (:func:`find_repeats`, :func:`repeated_keys`) are read whole."""
    find_repeats(wh, kind)
    keys = key_cols(kind, "c")
    q = quote_ident
    firsts = ", ".join(
        f"first_value(c.{q(f)}) OVER w AS {q('first_' + f)}" for f in kind.value_fields
    )
    same = (
        " AND ".join(f"{q(f)} IS NOT DISTINCT FROM {q('first_' + f)}" for f in kind.value_fields)
        or "true"
    )
    values = "".join(f", c.{q(f)}" for f in kind.value_fields)
    wh.sql(
        f"""CREATE OR REPLACE TEMP TABLE {DUPF} AS
        WITH x AS (SELECT c._file, c._line{values}, row_number() OVER w AS rn,
                          first_value(c._line) OVER w AS first_line{", " if firsts else ""}{firsts}
                   FROM {repeated_keys(kind, "_fail IS NULL")}
                   WINDOW w AS (PARTITION BY c._file, {keys} ORDER BY c._line))
        SELECT _file, _line, first_line, {same} AS same FROM x WHERE rn > 1"""
    )
    if not count(wh, DUPF):
        return
    col = key_column(kind)
    wh.sql(
        f"""UPDATE {CHK} SET
              _fail = CASE WHEN d.same THEN '{UNCHANGED}|{col}|'
                      ELSE 'duplicate_in_file|{col}|' END,
              _value = coalesce(json_extract_string({CHK}._record, {quote_literal(col)}),
                                {CHK}.{quote_ident(col)}::VARCHAR),
              _record = CASE WHEN NOT d.same
                        THEN coalesce({CHK}._record, {record_json(kind, CHK)}) END,
              _msg = {UNIT_OF}({CHK}._file) || ' ' || {CHK}._line || ', column {col}: '
                     || {key_words(kind, CHK)} || ' already appears on '
                     || {UNIT_OF}({CHK}._file) || ' ' || d.first_line || ' of this file'
                     || CASE WHEN d.same THEN ', with the same content: unchanged'
                        ELSE ', with different content (the first one was kept)' END,
              _resolved = CASE WHEN d.same THEN '@self' END
            FROM {DUPF} d WHERE {CHK}._file = d._file AND {CHK}._line = d._line"""
    )


def write_versions(wh: Warehouse, kind: Kind, ids: LoadIds, n_files: int) -> dict[int, int]:
    """Mark repeats, replace corrected records (keeping the old versions in the
    history) and insert the new records. Returns file number -> corrections."""
    w_cols = ", ".join(f"t.{quote_ident(v)} AS {quote_ident('w_' + v)}" for v in kind.value_fields)
    in_w, multi = _find_known(wh, kind, w_cols, n_files)
    corrections: dict[int, int] = {}
    if in_w or multi:
        _sequence(wh, kind, w_cols, in_w, multi)
        _mark_unchanged(wh, kind, ids)
        corrections = _replace_corrected(wh, kind, ids)
    _insert_new(wh, kind, ids, skip_versions=in_w or multi)
    return corrections


def _find_known(wh: Warehouse, kind: Kind, w_cols: str, n_files: int) -> tuple[bool, bool]:
    """Good rows whose key is in the warehouse (``_ing_w``), or in several files
    of the batch (``_ing_multi``): whether there are any of each."""
    keys = key_cols(kind)
    has_rows = bool(wh.scalar(f"SELECT EXISTS (SELECT 1 FROM {kind.table})"))
    if has_rows:
        wh.sql(
            f"""CREATE OR REPLACE TEMP TABLE _ing_w AS
                SELECT c._file, c._line, {w_cols}, t.load_id AS w_load, t.line AS w_line
                FROM {CHK} c JOIN {kind.table} t USING ({keys}) WHERE c._fail IS NULL"""
        )
    multi = False
    if n_files > 1:
        # the keys seen in several files of the batch (in-file repeats are marked already)
        wh.sql(
            f"""CREATE OR REPLACE TEMP TABLE _ing_multi AS
                SELECT {key_cols(kind, "c")} FROM {repeated_keys(kind, "_fail IS NULL")}
                GROUP BY ALL HAVING count(*) > 1"""
        )
        multi = count(wh, "_ing_multi") > 0
    return has_rows and count(wh, "_ing_w") > 0, multi


def _sequence(wh: Warehouse, kind: Kind, w_cols: str, in_w: bool, multi: bool) -> None:
    """``_ing_seq``: the successive versions of each such record, each with the
    version before it and whether it is the ``same``."""
    keys, q = key_cols(kind), quote_ident
    conds = []
    if in_w:
        conds.append("w._file IS NOT NULL")
    if multi:
        conds.append(f"({keys}) IN (SELECT ({keys}) FROM _ing_multi)")
    w_join = (
        "LEFT JOIN _ing_w w ON w._file = c._file AND w._line = c._line"
        if in_w
        else f"LEFT JOIN (SELECT NULL::INTEGER AS _file, NULL::BIGINT AS _line, {w_cols}, "
        f"NULL::VARCHAR AS w_load, NULL::BIGINT AS w_line FROM {kind.table} t LIMIT 0) w ON false"
    )
    lags = ", ".join(f"lag(c.{q(v)}) OVER k AS {q('p_' + v)}" for v in kind.value_fields)
    wh.sql(
        f"""CREATE OR REPLACE TEMP TABLE _ing_seq AS
            SELECT c._file, c._line, {key_cols(kind, "c")},
                   {", ".join("c." + q(v) for v in kind.value_fields)},
                   {", ".join("w." + q("w_" + v) for v in kind.value_fields)},
                   w._file IS NOT NULL AS w_exists, w.w_load, w.w_line,
                   lag(c._file) OVER k AS prev_file, lag(c._line) OVER k AS prev_line,
                   {lags}, row_number() OVER k AS rn
            FROM {CHK} c {w_join}
            WHERE c._fail IS NULL AND ({" OR ".join(conds)})
            WINDOW k AS (PARTITION BY {key_cols(kind, "c")} ORDER BY c._file)"""
    )
    same = (
        f"CASE WHEN s.rn = 1 THEN s.w_exists AND {same_values(kind, 's', 's', 'w_')} "
        f"ELSE {same_values(kind, 's', 's', 'p_')} END"
    )
    wh.sql("ALTER TABLE _ing_seq ADD COLUMN same BOOLEAN")
    wh.sql(f"UPDATE _ing_seq s SET same = {same}")


def _mark_unchanged(wh: Warehouse, kind: Kind, ids: LoadIds) -> None:
    """Same content as the version already there: ``unchanged`` (not loaded again,
    not quarantined), with the load, file and line holding that version."""
    if not count(wh, "_ing_seq WHERE same"):
        return
    col = key_column(kind)
    holder_load = f"CASE WHEN s.rn = 1 THEN s.w_load ELSE {ids.load_of('s.prev_file')} END"
    holder_file = f"CASE WHEN s.rn = 1 THEN l.file_name ELSE {ids.name_of('s.prev_file')} END"
    holder_line = "CASE WHEN s.rn = 1 THEN s.w_line ELSE s.prev_line END"
    wh.sql(
        f"""UPDATE {CHK} SET
              _fail = '{UNCHANGED}|{col}|',
              _value = {key_text(kind, CHK)},
              _msg = {UNIT_OF}({CHK}._file) || ' ' || {CHK}._line || ', column {col}: '
                     || {key_words(kind, CHK)}
                     || ' is unchanged: already loaded with the same content'
                     || coalesce(' (load ' || h.hl || coalesce(', file ' || h.hf, '')
                                 || coalesce(', line ' || h.hn, '') || ')', ''),
              _resolved = coalesce(h.hl, '(warehouse)')
            FROM (SELECT s._file, s._line, {holder_load} AS hl, {holder_file} AS hf,
                         {holder_line} AS hn
                  FROM _ing_seq s LEFT JOIN ingest_loads l ON l.load_id = s.w_load
                  WHERE s.same) h
            WHERE {CHK}._file = h._file AND {CHK}._line = h._line"""
    )


def _replace_corrected(wh: Warehouse, kind: Kind, ids: LoadIds) -> dict[int, int]:
    """The other occurrences are successive versions of their record: each
    replaced one goes to the history, the last one stays."""
    keys, table = key_cols(kind), kind.table
    wh.sql(
        f"""CREATE OR REPLACE TEMP TABLE _ing_v AS
            SELECT s.*, lead(s._file) OVER k AS next_file, row_number() OVER k AS vn
            FROM _ing_seq s WHERE NOT s.same
            WINDOW k AS (PARTITION BY {key_cols(kind, "s")} ORDER BY s._file)"""
    )
    corrections = dict(
        wh.sql("SELECT _file, count(*) FROM _ing_v WHERE vn > 1 OR w_exists GROUP BY _file")
    )
    if corrections:
        cols = table_columns(wh, table)
        now = "now()::TIMESTAMP"
        # the version in the warehouse, replaced by the batch's first version
        wh.sql(
            f"""INSERT INTO {table}_history
                SELECT {", ".join("t." + quote_ident(c) for c in cols)}, {ids.load_of("v._file")},
                       {now}
                FROM {table} t
                JOIN (SELECT {keys}, _file FROM _ing_v WHERE vn = 1 AND w_exists) v
                USING ({keys})"""
        )
        # versions of the batch replaced by a later file of the batch
        hist_cols = ", ".join(insert_value(c, "c", ids.load_of("c._file")) for c in cols)
        wh.sql(
            f"""INSERT INTO {table}_history
                SELECT {hist_cols}, {ids.load_of("v.next_file")}, {now}
                FROM _ing_v v JOIN {CHK} c ON c._file = v._file AND c._line = v._line
                WHERE v.next_file IS NOT NULL"""
        )
        _update_last(wh, kind, ids)
    wh.sql(
        """CREATE OR REPLACE TEMP TABLE _ing_noins AS
           SELECT _file, _line FROM _ing_v WHERE next_file IS NOT NULL OR w_exists"""
    )
    return corrections


def _update_last(wh: Warehouse, kind: Kind, ids: LoadIds) -> None:
    """The last version of the batch replaces the one in the warehouse."""
    table, q = kind.table, quote_ident
    sets = ", ".join(f"{q(v)} = c.{q(v)}" for v in kind.value_fields)
    wh.sql(
        f"""UPDATE {table} SET {sets}, load_id = {ids.load_of("c._file")}, line = c._line
            FROM (SELECT c.* FROM {CHK} c JOIN _ing_v v
                  ON c._file = v._file AND c._line = v._line
                  WHERE v.next_file IS NULL AND v.w_exists) c
            WHERE {" AND ".join(f"{table}.{q(k)} = c.{q(k)}" for k in kind.key)}"""
    )


def _insert_new(wh: Warehouse, kind: Kind, ids: LoadIds, skip_versions: bool) -> None:
    """The good rows that are new records (not a version handled above). Records go to
    the record store's new parts straight from ``_ing_chk``
    (:meth:`~marsad.engine.records.RecordStore.append`), firms and rates to their table."""
    cols = table_columns(wh, kind.table)
    select = ", ".join(
        f"{insert_value(c, 'c', ids.load_of('c._file'))} AS {quote_ident(c)}" for c in cols
    )
    anti = (
        "AND NOT EXISTS (SELECT 1 FROM _ing_noins x WHERE x._file = c._file AND x._line = c._line)"
        if skip_versions
        else ""
    )
    rows = f"SELECT {select} FROM {CHK} c WHERE c._fail IS NULL {anti}"
    if kind.table == "transactions":
        wh.records.append(rows)
    else:
        wh.sql(f"INSERT INTO {kind.table} ({', '.join(quote_ident(c) for c in cols)}) {rows}")


def across_files(
    wh: Warehouse,
    kind: Kind,
    ids: LoadIds,
    earlier: dict[str, str] | None = None,
    shown: dict[int, str] | None = None,
) -> dict[int, tuple[int, list[str]]]:
    """The records of the batch that files of one call give with different content,
    each file kept by the last (:func:`write_versions` applies the files in the order
    named). ``earlier``: the loads of the call's earlier batches (load id -> file name),
    whose version a file of this batch replaced. Returns the number of the file kept ->
    (records, the names of the files that hold them, in order, the kept one last): e.g.
    ``{1: (1, ["2024-03-corr.csv", "2024-03.csv"])}``. Read after :func:`write_versions`
    (from ``_ing_seq``, made only when a key of the batch was known); empty when none.
    ``shown``: how each file is named (a sheet with its workbook: two sheets of one
    workbook were one name, "in 1 files"), default its file name."""
    made = wh.scalar(
        "SELECT count(*) FROM duckdb_tables() WHERE temporary AND table_name = '_ing_seq'"
    )
    if not made:
        return {}
    keys = key_cols(kind)
    earlier = earlier or {}
    if earlier:
        whens = " ".join(
            f"WHEN {quote_literal(k)} THEN {quote_literal(v)}" for k, v in earlier.items()
        )
        before = f"rn = 1 AND w_exists AND w_load IN ({', '.join(map(quote_literal, earlier))})"
        before_name = f"max(CASE WHEN {before} THEN CASE w_load {whens} END END)"
        changed = f"bool_or({before} AND NOT same)"
    else:
        before_name, changed = "NULL::VARCHAR", "false"
    names_of = quote_case("_file", shown) if shown else ids.name_of("_file")
    rows = wh.sql(
        f"""WITH r AS (
                SELECT max(_file) AS kept, list({names_of} ORDER BY _file) AS names,
                       {before_name} AS before, {changed} AS changed,
                       bool_or(rn > 1 AND NOT same) AS differ
                FROM _ing_seq GROUP BY {keys})
            SELECT kept, CASE WHEN before IS NULL THEN names ELSE list_prepend(before, names) END,
                   count(*)
            FROM r WHERE differ OR changed GROUP BY ALL"""
    )
    out: dict[int, tuple[int, list[str]]] = {}
    for kept, names, n in rows:
        records, seen = out.get(kept, (0, []))
        out[kept] = (records + int(n), [*seen, *(x for x in names if x not in seen)])
    for kept, (n, names) in out.items():  # the kept file last
        name = (shown or ids.names)[kept]
        out[kept] = (n, [*(x for x in names if x != name), name])
    return out


def across_files_note(records: int, names: list[str]) -> str:
    """The load report's note on :func:`across_files`, for the file kept (named last).

    >>> across_files_note(1, ["2024-03-corr.csv", "2024-03.csv"])  # doctest: +NORMALIZE_WHITESPACE
    '1 record is in 2 files of this call with different content (2024-03-corr.csv,
     2024-03.csv): the version of the last named, 2024-03.csv, was kept (files are applied
     in the order named); to apply a correction, name it after the file it corrects, or
     load it in a call of its own after it'
    """
    what = f"{records:,} record is" if records == 1 else f"{records:,} records are"
    files = "sheets" if all(" (sheet " in n for n in names) else "files"
    return (
        f"{what} in {len(names)} {files} of this call with different content "
        f"({', '.join(names)}): the version of the last named, {names[-1]}, was kept (files "
        "are applied in the order named); to apply a correction, name it after the file it "
        "corrects, or load it in a call of its own after it"
    )
