"""Ingest's own tables in the warehouse: the load ledger, control totals,
quarantine and the history of superseded records.

``ingest_loads``
    one row per loaded file (per sheet of a workbook), keyed by ``load_id``
    (``L00001``, …); a file whose content (SHA-256, and sheet) is already
    there is not loaded again.
``ingest_totals``
    control totals per load and currency (firms: per segment): rows and the
    exact sum of amounts, over the rows read and over the rows loaded.
``ingest_quarantine``
    one row per rejected input row with its first failing rule; ``resolved_by``
    is the load that brought a good version of the record (NULL while open).
``transactions_history``, ``firms_history``, ``rates_history``
    the versions that a correction replaced, with the load that replaced them
    (generated from :mod:`marsad.ingest.schema`, like the core tables).
"""

from __future__ import annotations

from marsad.engine import Warehouse
from marsad.ingest.schema import KINDS, history_ddl

LEDGER_DDL = """
CREATE TABLE IF NOT EXISTS ingest_loads (
    load_id      VARCHAR PRIMARY KEY,
    kind         VARCHAR NOT NULL,
    file_name    VARCHAR NOT NULL,
    file_path    VARCHAR NOT NULL,
    sha256       VARCHAR NOT NULL,  -- with sheet: what is loaded once
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
""" + "".join(history_ddl(k) for k in KINDS.values())

LEDGER_TABLES = (
    "ingest_loads",
    "ingest_totals",
    "ingest_quarantine",
    "transactions_history",
    "firms_history",
    "rates_history",
)


def ensure_tables(wh: Warehouse) -> None:
    """Create ingest's tables if they are not there yet."""
    present = {
        r[0]
        for r in wh.sql(
            "SELECT table_name FROM duckdb_tables() WHERE NOT temporary AND schema_name = 'main'"
        )
    }
    if all(t in present for t in LEDGER_TABLES):
        _drop_unique_sha(wh)
        return
    for statement in LEDGER_DDL.split(";"):
        if statement.strip():
            wh.sql(statement)


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
        wh.sql("INSERT INTO _ingest_loads_new SELECT * FROM ingest_loads")
        wh.sql("DROP TABLE ingest_loads")
        wh.sql("ALTER TABLE _ingest_loads_new RENAME TO ingest_loads")
