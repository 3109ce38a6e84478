"""The key index: which months of the record store may hold a record key.

A load must find the records it repeats or corrects. Asking the record store
(reading the ``reporter`` and ``record_id`` of every part) costs time that grows
with the store, paid by every load: 120 monthly files cost O(n²). The index,
``ingest_key_index``, holds one row per version ever loaded, ``h`` a 64-bit hash
of ``(reporter, record_id)`` and ``m`` its month (``year * 12 + month - 1``), so
a load probes it with its own keys only, and opens only the months they name.

It may name **more** months than hold the key (a version since corrected into
another month, a withdrawn record, a hash collision): that only opens a month
for nothing, since the records are then matched on their exact key. It must
never name fewer: every version a load or a withdrawal writes is added, in the
same transaction as the records and the catalogue, and the index is valid only
for the store's parts it was made for (``ingest_key_index_state``: a digest of
the catalogue's part names, and the hash of a fixed probe, in case a DuckDB
upgrade changed ``hash``). Anything else that writes the store (a warehouse made
before the index, the move of an old ``transactions`` table, a test writing
records directly) leaves it stale: it is rebuilt from the store on first use.

>>> month_code("v.value_date")
'(year(v.value_date) * 12 + month(v.value_date) - 1)'
"""

from __future__ import annotations

import hashlib

from marsad.engine import Warehouse
from marsad.ingest.keys import CHK

TABLE = "ingest_key_index"
STATE = "ingest_key_index_state"
_PROBE = "hash('marsad key index', 'probe')"

Month = tuple[int, int]


def month_code(date_sql: str) -> str:
    """SQL: the month of a date as one integer, ``year * 12 + month - 1``."""
    return f"(year({date_sql}) * 12 + month({date_sql}) - 1)"


def months_holding(wh: Warehouse, where: str = "_fail IS NULL") -> list[Month]:
    """The months that may hold the key of a row of ``_ing_chk`` matching ``where``
    (a superset, see the module), made valid first if it is not. Call before
    editing the store (its ``transactions`` then holds some months only)."""
    ensure(wh)
    if not wh.scalar(f"SELECT EXISTS (SELECT 1 FROM {TABLE})"):
        return []  # an empty store (a first load): no search of the batch's keys
    rows = wh.sql(
        f"""SELECT DISTINCT m FROM {TABLE}
            WHERE h IN (SELECT hash(reporter, record_id) FROM {CHK} WHERE {where})
            ORDER BY m"""
    )
    return [(int(m) // 12, int(m) % 12 + 1) for (m,) in rows]


def add(wh: Warehouse, select_sql: str) -> None:
    """Add the versions of ``select_sql`` (columns ``reporter``, ``record_id``,
    ``value_date``; a pair already there may be added again: the index is read with
    ``DISTINCT``, and a GROUP BY here would cost more) after the store was written,
    and mark the index valid for its parts now. Call inside the transaction that
    wrote them, when the index was valid before they were written (:func:`ensure`,
    :func:`valid`)."""
    wh.sql(
        f"""INSERT INTO {TABLE}
            SELECT hash(reporter, record_id), {month_code("value_date")}
            FROM ({select_sql}) WHERE value_date IS NOT NULL"""
    )
    _stamp(wh)


def valid(wh: Warehouse) -> bool:
    """Whether the index was made for the store's parts as they are."""
    if not _has(wh, STATE):
        return False
    state = wh.sql(f"SELECT parts, probe = {_PROBE} FROM {STATE}")
    return bool(state) and state[0][0] == _parts_digest(wh) and bool(state[0][1])


def ensure(wh: Warehouse) -> None:
    """Rebuild the index from the store unless it is :func:`valid`."""
    if valid(wh):
        return
    wh.sql(
        f"""CREATE OR REPLACE TABLE {TABLE} AS
            SELECT DISTINCT hash(reporter, record_id) AS h, {month_code("value_date")} AS m
            FROM transactions"""
    )
    _stamp(wh)


def _has(wh: Warehouse, table: str) -> bool:
    return bool(
        wh.scalar(
            "SELECT count(*) FROM duckdb_tables() WHERE NOT temporary AND schema_name = 'main'"
            " AND table_name = ?",
            [table],
        )
    )


def _stamp(wh: Warehouse) -> None:
    wh.sql(f"CREATE TABLE IF NOT EXISTS {STATE} (parts VARCHAR, probe UBIGINT)")
    wh.sql(f"DELETE FROM {STATE}")
    wh.sql(f"INSERT INTO {STATE} VALUES (?, {_PROBE})", [_parts_digest(wh)])


def _parts_digest(wh: Warehouse) -> str:
    """A digest of the names of the store's parts (each written once, never changed),
    as the catalogue lists them (relative to the store: a copied warehouse keeps it)."""
    names = wh.scalar(
        "SELECT coalesce(string_agg(file, chr(10) ORDER BY file), '') FROM record_files"
    )
    return hashlib.sha256(str(names).encode()).hexdigest()
