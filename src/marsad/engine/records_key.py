"""The secret of the records in force, month by month, kept between builds.

The release id and the manifest's digests of a release's internal files are keyed
with a secret only the office can compute (:func:`records_key`): a digest of the table
alone could be recomputed by an intruder for every candidate value of a withheld cell,
from the public table and marsad's own code, until it matched (a withheld one-firm
value came back to the centime that way).

The secret is a function of the records' content only: per month, the count of its
records and the sum of a 64-bit digest of each one's fields (:data:`RECORD_FIELDS`, as
text, joined by a unit separator; not where or when it was loaded): the lower 64 bits of
their MD5, a function with a fixed specification (DuckDB's ``hash`` may change between
versions: it is internal), then the SHA-256 of those sums in month order.
The same records, loaded in any order into any warehouse, give the same secret, so a
rebuild (``release verify``) and a build on another engine give the same release id.

Hashing every record costs a scan of the store (about 6 CPU-s at 10M records, the MD5
of each; bench/RESULTS.md), which
an incremental build must not pay for the months it did not touch: each month's sums
are kept in ``records_key_months`` with the month's content version
(:meth:`~marsad.engine.records.RecordStore.month_versions`), and only the months whose
version changed are scanned again (every month by ``build --full``); the sums are kept
with the name of the digest (:data:`SCHEME`), and any other is computed again. The
table holds no figure (a count and a hash sum
per month) and is never exported.
"""

from __future__ import annotations

import hashlib

from marsad.engine.warehouse import Warehouse
from marsad.ingest.schema import TRANSACTIONS
from marsad.periods import Month

#: The columns of a record that :func:`records_key` reads: its fields, not where it is
#: stored or which load brought it.
RECORD_FIELDS = TRANSACTIONS.field_names
#: The sums of the months as last computed, with the month's content version.
TABLE = "records_key_months"
_DDL = f"""CREATE TABLE {TABLE} (
    year INTEGER NOT NULL, month INTEGER NOT NULL, version VARCHAR NOT NULL,
    records BIGINT NOT NULL, hash_sum HUGEINT NOT NULL, scheme VARCHAR NOT NULL)"""
#: How each record's digest is made: kept sums made otherwise are not used.
SCHEME = "md5-lower64-v1"

Sums = dict[Month, tuple[int, int]]


def records_key(wh: Warehouse, *, keep: bool = False, full: bool = False) -> str:
    """A secret of the records in force (64 hex digits), the same for the same records in
    any warehouse; no one without every record can compute it. ``keep=True`` (inside a
    writable transaction: the build) stores each month's sums for the next call, which
    then scans only the months added, corrected or withdrawn since; ``full=True`` scans
    every month (``build --full``). **DuckDB**.

    >>> import tempfile, pathlib
    >>> from marsad.engine import open_warehouse
    >>> wh = open_warehouse(pathlib.Path(tempfile.mkdtemp()) / "key.duckdb")
    >>> empty = records_key(wh)
    >>> with wh.transaction(), wh.records.editing(wh.records.ALL_MONTHS):
    ...     _ = wh.sql("INSERT INTO transactions (record_id, reporter, firm_id, value_date, "
    ...                "flow, amount, currency, service_code, partner_country) VALUES "
    ...                "('r1', 'BK1', 'F1', DATE '2024-03-05', 'C', 10, 'EUR', 'SI22', 'FR')")
    >>> one = records_key(wh)
    >>> with wh.transaction():
    ...     kept = records_key(wh, keep=True)
    >>> (len(one), one != empty, kept == one == records_key(wh))
    (64, True, True)
    >>> wh.close()
    """
    sums = month_sums(wh, keep=keep, full=full)
    text = "".join(f"\x1f{y}-{m}:{n}:{s}" for (y, m), (n, s) in sorted(sums.items()))
    return hashlib.sha256(f"marsad records{text}".encode()).hexdigest()


def month_sums(wh: Warehouse, *, keep: bool = False, full: bool = False) -> Sums:
    """``{(year, month): (records, hash sum)}`` of every month holding records, from the
    sums kept for the months unchanged and one scan of the others' parts."""
    versions = wh.records.month_versions()
    if not versions:  # no catalogue (a warehouse before the record store): the view
        return _scan(wh, "SELECT * FROM transactions")
    kept = {} if full else _kept(wh)
    stale = sorted(m for m, v in versions.items() if kept.get(m, (None,))[0] != v)
    sums = {m: kept[m][1] for m in versions if m not in stale}
    if stale:
        sums.update(_scan(wh, wh.records.select(wh.records.files(stale))))
    if keep:
        wh.sql(f"DROP TABLE IF EXISTS {TABLE}")
        wh.sql(_DDL)
        for (y, m), version in versions.items():
            n, total = sums.get((y, m), (0, 0))
            wh.sql(
                f"INSERT INTO {TABLE} VALUES (?, ?, ?, ?, CAST(? AS HUGEINT), ?)",
                [y, m, version, n, str(total), SCHEME],
            )
    return {m: s for m, s in sums.items() if s[0]}


def _kept(wh: Warehouse) -> dict[Month, tuple[str, tuple[int, int]]]:
    if not wh.has_table(TABLE):
        return {}
    rows = wh.sql(
        f"SELECT year, month, version, records, hash_sum FROM {TABLE} WHERE scheme = ?",
        [SCHEME],
    )
    return {(y, m): (v, (int(n), int(s))) for y, m, v, n, s in rows}


def _scan(wh: Warehouse, select_sql: str) -> Sums:
    """The sums of the records of ``select_sql``, per month of their value date."""
    fields = ", ".join(f"coalesce(CAST({c} AS VARCHAR), chr(0))" for c in RECORD_FIELDS)
    rows = wh.sql(
        f"""SELECT CAST(year(value_date) AS INTEGER), CAST(month(value_date) AS INTEGER),
                   count(*), sum(CAST(md5_number_lower(concat_ws(chr(31), {fields}))
                                      AS HUGEINT))
            FROM ({select_sql}) GROUP BY ALL"""
    )
    return {(y, m): (int(n), int(s)) for y, m, n, s in rows}
