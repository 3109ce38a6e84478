"""Ingest's own tables in the warehouse: the load ledger, control totals,
quarantine and the history of superseded records.

``ingest_loads``
    one row per loaded file (per sheet of a workbook), keyed by ``load_id``
    (``L00001``, …); a file whose content (SHA-256, and sheet) is already
    there, read with the same options (``read_with``), is not loaded again.
``ingest_totals``
    control totals per load and currency (firms: per segment): rows and the
    exact sum of amounts, over the rows read and over the rows loaded.
``ingest_quarantine``
    one row per rejected input row with its first failing rule; ``resolved_by``
    is the load that brought a good version of the record (NULL while open).
``ingest_unchanged``
    one row per input row that repeats, with the same content, a record already
    loaded (earlier in its file, or by an earlier load: ``same_as``): not loaded
    again, not quarantined. A withdrawal keeps such a record with the latest
    load not withdrawn that sent it (:mod:`marsad.ingest.withdraw`).
``ingest_nil_returns``
    one row per declared nil return (a reporter with nothing to report for a
    month), with its ledger row (kind ``nil_return``); ``withdrawn_at`` is set
    when it is withdrawn (kept, not deleted).
``ingest_notes``
    the notes of each load's report, in order (a later load of the same month, the
    order the files of a call were applied in, the decimal mark learnt, mojibake,
    hidden Excel rows, timestamps read as dates, ...), as ``marsad ingest`` printed
    them: kept with the load, shown by ``marsad loads``; never a record's amount.
``ingest_actions``
    what compilers did after a load, one row per act: waive or unwaive
    quarantined rows, withdraw a load; when, who, why and how many rows.
``transactions_history``, ``firms_history``, ``rates_history``
    the versions that a correction replaced, with the load that replaced them
    (generated from :mod:`marsad.ingest.schema`, like the core tables); a
    version whose own load was withdrawn has ``superseded_by = load_id``.

Columns added since a warehouse was created are added to it when it is next
opened for loading (:data:`ADDED_COLUMNS`); the read-only views read a
missing one as empty.
"""

from __future__ import annotations

import contextlib

from marsad.engine import Warehouse
from marsad.ingest.schema import KINDS, history_ddl

LEDGER_DDL = """
CREATE TABLE IF NOT EXISTS ingest_loads (
    load_id      VARCHAR PRIMARY KEY,
    kind         VARCHAR NOT NULL,
    file_name    VARCHAR NOT NULL,
    file_path    VARCHAR NOT NULL,
    sha256       VARCHAR NOT NULL,  -- with sheet and read_with: what is loaded once
    size_bytes   BIGINT  NOT NULL,
    loaded_at    TIMESTAMP NOT NULL,
    format       VARCHAR NOT NULL,
    encoding     VARCHAR,
    separator    VARCHAR,
    decimal_sep  VARCHAR,
    sheet        VARCHAR,
    header_line  BIGINT,
    rows_read    BIGINT NOT NULL,
    loaded       BIGINT NOT NULL,
    quarantined  BIGINT NOT NULL,
    duplicates   BIGINT NOT NULL,
    corrections  BIGINT NOT NULL,
    blank_rows   BIGINT NOT NULL,
    seconds      DOUBLE
);
CREATE TABLE IF NOT EXISTS ingest_actions (
    acted_at     TIMESTAMP NOT NULL,
    acted_by     VARCHAR NOT NULL,
    action       VARCHAR NOT NULL,     -- waive | unwaive | withdraw
    load_id      VARCHAR NOT NULL,
    selection    VARCHAR,              -- the rows acted on, e.g. line 4, or rule country
    row_count    BIGINT NOT NULL,      -- rows waived, unwaived, or records withdrawn
    reason       VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS ingest_totals (
    load_id        VARCHAR NOT NULL,
    grp            VARCHAR NOT NULL,   -- currency (transactions, rates) or segment (firms)
    rows_read      BIGINT NOT NULL,
    amount_read    DECIMAL(38,3),      -- sum of the amounts that are numbers
    rows_loaded    BIGINT NOT NULL,
    amount_loaded  DECIMAL(38,3)
);
CREATE TABLE IF NOT EXISTS ingest_quarantine (
    load_id      VARCHAR NOT NULL,
    kind         VARCHAR NOT NULL,
    file_name    VARCHAR NOT NULL,
    line         BIGINT,
    column_name  VARCHAR,
    rule         VARCHAR NOT NULL,
    value        VARCHAR,
    message      VARCHAR NOT NULL,
    other_rules  VARCHAR,
    record_key   VARCHAR,
    record       VARCHAR,              -- the raw row as JSON (column -> text)
    resolved_by  VARCHAR
);
CREATE TABLE IF NOT EXISTS ingest_unchanged (
    load_id      VARCHAR NOT NULL,
    kind         VARCHAR NOT NULL,
    file_name    VARCHAR NOT NULL,
    line         BIGINT,
    column_name  VARCHAR,
    record_key   VARCHAR NOT NULL,
    same_as      VARCHAR,              -- the load holding the same version
    message      VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS ingest_notes (
    load_id      VARCHAR NOT NULL,
    seq          INTEGER NOT NULL,     -- the note's place in its load's report, from 1
    note         VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS ingest_nil_returns (
    load_id      VARCHAR NOT NULL,
    reporter     VARCHAR NOT NULL,
    year         INTEGER NOT NULL,
    month        INTEGER NOT NULL,
    declared_at  TIMESTAMP NOT NULL,
    withdrawn_at TIMESTAMP
);
""" + "".join(history_ddl(k) for k in KINDS.values())

LEDGER_TABLES = (
    "ingest_loads",
    "ingest_totals",
    "ingest_quarantine",
    "ingest_unchanged",
    "ingest_nil_returns",
    "ingest_actions",
    "ingest_notes",
    "transactions_history",
    "firms_history",
    "rates_history",
)


#: Columns added to ingest's tables after their first release: (table, column, type).
ADDED_COLUMNS = (
    ("ingest_loads", "cleaned", "BIGINT DEFAULT 0"),  # values cleaned of invisible characters
    ("ingest_loads", "waived", "BIGINT DEFAULT 0"),  # quarantined rows waived since
    ("ingest_loads", "withdrawn_at", "TIMESTAMP"),
    ("ingest_loads", "withdrawn_by", "VARCHAR"),
    ("ingest_loads", "withdrawn_reason", "VARCHAR"),
    ("ingest_totals", "flow", "VARCHAR"),  # C, D, (other), (none); NULL for firms and rates
    ("ingest_totals", "rows_no_amount", "BIGINT"),  # rows whose amount is not summed
    ("ingest_totals", "rows_unchanged", "BIGINT DEFAULT 0"),  # same content as already loaded
    ("ingest_totals", "amount_unchanged", "DECIMAL(38,3)"),
    ("ingest_loads", "unchanged", "BIGINT DEFAULT 0"),  # rows read = loaded + unchanged + ...
    # what the file was read with (decimal, separator, encoding, date format, columns): with
    # the SHA-256 and sheet, what identifies a load (marsad.ingest.identity)
    ("ingest_loads", "read_with", "VARCHAR"),
    ("ingest_quarantine", "canonical", "VARCHAR"),  # the row as JSON, numbers and dates canonical
    ("ingest_quarantine", "waived_at", "TIMESTAMP"),
    ("ingest_quarantine", "waived_by", "VARCHAR"),
    ("ingest_quarantine", "waived_reason", "VARCHAR"),
    ("firms", "group_id", "VARCHAR"),  # enterprise group (disclosure control)
    ("firms_history", "group_id", "VARCHAR"),
)


def ensure_tables(wh: Warehouse) -> None:
    """Create ingest's tables if they are not there yet (a table added since, such as
    ``ingest_notes``, is created in a warehouse made by an earlier version), and add the
    columns of :data:`ADDED_COLUMNS` such a warehouse lacks."""
    present = {
        r[0]
        for r in wh.sql(
            "SELECT table_name FROM duckdb_tables() WHERE NOT temporary AND schema_name = 'main'"
        )
    }
    if "ingest_loads" in present:
        _drop_unique_sha(wh)
    if not all(t in present for t in LEDGER_TABLES):  # a new warehouse, or a table added
        for statement in LEDGER_DDL.split(";"):
            if statement.strip():
                wh.sql(statement)
    have = set(columns(wh, *{table for table, _c, _t in ADDED_COLUMNS}))
    missing = [a for a in ADDED_COLUMNS if a[:2] not in have]
    if not missing:
        return
    # the columns and the move of the unchanged rows together: a crash leaves neither
    with contextlib.nullcontext() if wh.in_transaction else wh.transaction():
        for table, column, sql_type in missing:
            wh.sql(f"ALTER TABLE {table} ADD COLUMN {column} {sql_type}")
        if ("ingest_loads", "unchanged") not in have:
            _move_unchanged(wh)


#: Quarantined rows of an earlier version that were unchanged repeats, resolved at once.
_WAS_UNCHANGED = """waived_at IS NULL AND resolved_by IS NOT NULL
    AND (rule = 'duplicate_in_warehouse'
         OR (rule = 'duplicate_in_file' AND resolved_by = load_id))"""


def _move_unchanged(wh: Warehouse) -> None:
    """A warehouse loaded by an earlier version quarantined the unchanged repeats
    (resolved at once): they move to ``ingest_unchanged`` and the ledger counts
    them as unchanged (a row reopened by a withdrawal stays in the quarantine)."""
    wh.sql(
        f"""INSERT INTO ingest_unchanged
            SELECT load_id, kind, file_name, line, column_name, coalesce(record_key, ''),
                   resolved_by, message FROM ingest_quarantine WHERE {_WAS_UNCHANGED}"""
    )
    wh.sql(
        f"""UPDATE ingest_loads l SET unchanged = q.n, quarantined = l.quarantined - q.n,
                   duplicates = l.duplicates - q.n
            FROM (SELECT load_id, count(*) AS n FROM ingest_quarantine
                  WHERE {_WAS_UNCHANGED} GROUP BY load_id) q
            WHERE l.load_id = q.load_id"""
    )
    wh.sql(f"DELETE FROM ingest_quarantine WHERE {_WAS_UNCHANGED}")


def columns(wh: Warehouse, *tables: str) -> list[tuple[str, str]]:
    """The (table, column) pairs of ``tables`` in the warehouse."""
    return [
        (t, c)
        for t, c in wh.sql(
            "SELECT table_name, column_name FROM duckdb_columns() WHERE database_name <> 'temp'"
            " AND schema_name = 'main' AND list_contains(?, table_name)",
            [list(tables)],
        )
    ]


def find_load(wh: Warehouse, ref: str) -> list[str]:
    """Load ids matching ``ref``: a load id, a file name or path, or a SHA-256 prefix."""
    if not wh.scalar(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'ingest_loads' AND NOT temporary"
    ):
        return []
    rows = wh.sql(
        """SELECT load_id FROM ingest_loads
           WHERE load_id = upper(?) OR file_name = ? OR file_path = ?
              OR (length(?) >= 8 AND starts_with(sha256, lower(?)))
           ORDER BY load_id""",
        [ref, ref, ref, ref, ref],
    )
    if not rows:
        from pathlib import Path

        name = Path(ref).name
        rows = wh.sql(
            "SELECT load_id FROM ingest_loads WHERE file_name = ? ORDER BY load_id", [name]
        )
    return [r[0] for r in rows]


def _drop_unique_sha(wh: Warehouse) -> None:
    """A ledger made before the sheets of a workbook were loaded one by one was
    unique on the SHA-256 alone: rebuilt without that constraint."""
    unique = wh.scalar(
        "SELECT count(*) FROM duckdb_constraints() WHERE table_name = 'ingest_loads'"
        " AND constraint_type = 'UNIQUE' AND list_contains(constraint_column_names, 'sha256')"
    )
    if not unique:
        return
    ddl = LEDGER_DDL.split(";")[0].replace("ingest_loads", "_ingest_loads_new")
    with wh.transaction():
        wh.sql(ddl)
        for table, column, sql_type in ADDED_COLUMNS:  # the new table has every column
            if table == "ingest_loads":
                wh.sql(
                    f"ALTER TABLE _ingest_loads_new ADD COLUMN IF NOT EXISTS {column} {sql_type}"
                )
        wh.sql("INSERT INTO _ingest_loads_new BY NAME SELECT * FROM ingest_loads")
        wh.sql("DROP TABLE ingest_loads")
        wh.sql("ALTER TABLE _ingest_loads_new RENAME TO ingest_loads")
