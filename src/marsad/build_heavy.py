"""The heavy stage of the build: what reads the records, on the engine, for some months.

For a list of months (``(year, month)`` pairs) and the lookup tables of the build
(:class:`Lookups`: the daily rates, the firm registry, the service map), the engine
(:mod:`marsad.engine.compute`) reads those months' records from the record store and

- checks that every record can be converted (:func:`check_conversion`: no rate, a
  rate too old, an amount too large stop the build with one plain line), in the
  months that are complete; in the others (not over yet, a delivery missing), which
  are not published, a record without a rate is left out of the cube and said
  (:data:`UNCONVERTED`);
- classifies, converts and aggregates them into, per month, the rows of the tables
  that everything after the heavy stage reads (:data:`TABLES`): ``cube``
  (:func:`marsad.cube.cube`), ``contributions``
  (:func:`marsad.protect.cells.contributions`), and for the report and the
  incremental state ``build_month_firms`` (year, month, firm_id, segment_source,
  currency, records), from which ``build_month_stats`` (year, month,
  segment_source, records) and ``held_firms`` (year, month, firm_id of the records
  held for review) are derived in DuckDB.

Each table's rows of those months are replaced in the warehouse (:func:`store`); the
other months' rows stay as they are. Months are computed :data:`CHUNK_MONTHS` at a
time (more while their records are few, :func:`chunk_months`), so that what is
fetched into memory is bounded by a chunk's cells, not by the history. Records held
for review (segment ``UNALLOCATED``) are in ``build_month_firms`` only: never in the
cube nor the contributions.

>>> import tempfile, pathlib
>>> from marsad.engine import open_warehouse
>>> from marsad.engine.compute import open_engine
>>> wh = open_warehouse(pathlib.Path(tempfile.mkdtemp()) / "w.duckdb")
>>> with wh.transaction(), open_engine(wh, "duckdb") as engine:
...     computed = compute(wh, engine, [], lookups(wh, []))
>>> sorted(computed), wh.scalar("SELECT count(*) FROM cube")
(['build_month_firms', 'contributions', 'cube'], 0)
>>> wh.close()
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from decimal import Decimal

import ibis
import pyarrow as pa

from marsad.classify import classify, service_map
from marsad.convert import (
    AMOUNT_LIMIT,
    HOME_CURRENCY,
    check_problems,
    convert,
    daily_rates,
    merge_months,
)
from marsad.cube import cube, month_of
from marsad.engine import Warehouse, queries
from marsad.engine.compute import Engine
from marsad.periods import Month
from marsad.protect.cells import contributions
from marsad.reference import UNALLOCATED

#: The tables the heavy stage computes on the engine, by month.
TABLES = ("cube", "contributions", "build_month_firms")
#: The tables derived from ``build_month_firms`` in DuckDB, by month.
DERIVED = {
    "build_month_stats": "SELECT year, month, segment_source, CAST(sum(records) AS BIGINT) "
    "AS records FROM build_month_firms {where} GROUP BY ALL",
    "held_firms": "SELECT DISTINCT year, month, firm_id FROM build_month_firms "
    "WHERE segment_source = 'unallocated' AND firm_id IS NOT NULL {and_where}",
}
#: Records of months not complete that the build could not convert (no rate, or one too
#: old), grouped by month, problem, currency and stale rate's date: not published, said
#: by every build until their rates are loaded; the build stops once such a month is
#: complete (:func:`check_conversion`).
UNCONVERTED = "build_month_unconverted"
_UNCONVERTED_SCHEMA = [
    ("year", pa.int32()),
    ("month", pa.int32()),
    ("problem", pa.string()),
    ("currency", pa.string()),
    ("published", pa.date32()),
    ("records", pa.int64()),
    ("first", pa.date32()),
    ("last", pa.date32()),
    ("loads", pa.list_(pa.string())),
    ("example", pa.string()),
]
#: Months computed per engine query: bounds the rows fetched into memory at once.
CHUNK_MONTHS = 24
#: ... or more months, while their records stay at most this many (e.g. a small
#: warehouse: one query per table, not one per 24 months; each is a few Spark jobs,
#: about a second apiece even on tiny data).
CHUNK_RECORDS = 2_000_000


@dataclass(frozen=True)
class Lookups:
    """The small tables the heavy stage joins (Arrow): ``daily`` rates
    (:func:`marsad.convert.daily_rates`), ``firms`` (firm_id, segment, group_id) and
    ``services`` (:func:`marsad.classify.service_map`)."""

    daily: pa.Table
    firms: pa.Table
    services: pa.Table


def lookups(wh: Warehouse, rates: Sequence[tuple[dt.date, str, Decimal]] | None = None) -> Lookups:
    """The lookup tables of a build from the warehouse now (``rates``: the published
    rates, default :func:`marsad.engine.queries.published_rates`)."""
    if rates is None:
        rates = queries.published_rates(wh)
    firms = wh.table("firms")
    group = firms.group_id if "group_id" in firms.columns else ibis.null("string")
    registry = firms.select(firm_id=firms.firm_id, segment=firms.segment, group_id=group)
    return Lookups(
        daily=daily_rates(rates, queries.last_value_date(wh)),
        firms=registry.to_pyarrow(),
        services=service_map(),
    )


def check_conversion(
    wh: Warehouse,
    engine: Engine,
    months: Sequence[Month],
    daily: pa.Table,
    rate_max_age_days: int,
    *,
    complete: Collection[Month] | None = None,
) -> list[tuple]:
    """Stop, naming the records' loads and files, when a record of a month of ``months``
    that is ``complete`` (default: every month) cannot be converted
    (:func:`marsad.convert.check_problems`), or when an amount is too large to convert
    in any month. One scan of those months' records on the engine, a join and a filter,
    no arithmetic.

    Returns what stops nothing: the records of the months not complete (not over yet,
    or a delivery missing) without a rate, or with one older than the limit, by month
    (rows of :data:`UNCONVERTED`). Those months are not published; they would be the day
    they are complete, and the build stops then (:func:`unconverted_months`)."""
    if not months:
        return []
    intervals = queries.rate_intervals(wh)
    expr = queries.conversion_problems(
        engine.records(months),
        engine.table("rates_daily", daily),
        home_currency=HOME_CURRENCY,
        amount_limit=AMOUNT_LIMIT,
        max_age_days=rate_max_age_days,
        intervals=intervals,
        by_month=True,
    )
    found = [tuple(row.values()) for row in engine.fetch(expr).to_pylist()]
    publishable = set(months) if complete is None else set(complete)
    stops = [r for r in found if r[2] == "too_large" or (r[0], r[1]) in publishable]
    if stops:
        loads = sorted({load for row in stops for load in row[8] or ()})
        allowed = {c: max(d, rate_max_age_days) for c, d in intervals.items()}
        check_problems(
            merge_months(stops),
            queries.load_files(wh, loads),
            max_age_days=rate_max_age_days,
            allowed=allowed,
        )
    # (loads sorted: the engine collects them in no set order; a full build and an
    # incremental one store the same rows)
    return [(*r[:8], sorted(r[8] or ()), r[9]) for r in found]


def unconverted_months(wh: Warehouse, complete: Collection[Month]) -> list[Month]:
    """The months of ``complete`` that held records the last build could not convert
    (:data:`UNCONVERTED`): not complete then, complete now (the month ended, a missing
    delivery came). Their records did not change, or the build would recompute them
    anyway; it must check them again, and stop."""
    if not wh.has_table(UNCONVERTED):
        return []
    found = wh.sql(f"SELECT DISTINCT year, month FROM {UNCONVERTED}")
    stored = {(int(y), int(m)) for y, m in found}
    return sorted(stored & set(complete))


def store_unconverted(
    wh: Warehouse, rows: Sequence[tuple], months: Sequence[Month], *, full: bool
) -> None:
    """Replace the rows of ``months`` in :data:`UNCONVERTED` by ``rows`` (of
    :func:`check_conversion`); every row in a ``full`` build."""
    if full:
        wh.sql(f"DROP TABLE IF EXISTS {UNCONVERTED}")
    table = pa.table(
        [pa.array([r[i] for r in rows], t) for i, (_n, t) in enumerate(_UNCONVERTED_SCHEMA)],
        schema=pa.schema(_UNCONVERTED_SCHEMA),
    )
    wh.register("_unconverted_rows", table)
    try:
        replace_months(wh, UNCONVERTED, "SELECT * FROM _unconverted_rows", months)
    finally:
        wh.unregister("_unconverted_rows")


def stored_unconverted(wh: Warehouse) -> list[tuple]:
    """Every row of :data:`UNCONVERTED`, by month, as :func:`check_conversion` returns them."""
    if not wh.has_table(UNCONVERTED):
        return []
    columns = ", ".join(name for name, _t in _UNCONVERTED_SCHEMA)
    return [tuple(r) for r in wh.sql(f"SELECT {columns} FROM {UNCONVERTED} ORDER BY ALL")]


def compute(
    wh: Warehouse, engine: Engine, months: Sequence[Month], tables: Lookups
) -> dict[str, int]:
    """Compute :data:`TABLES` for ``months`` on ``engine`` and store them (and the
    :data:`DERIVED` tables) in ``wh``, replacing those months' rows; returns the rows
    stored per table (e.g. ``{"cube": 14098, ...}``). Tables missing from ``wh`` are
    created. Call :func:`check_conversion` first."""
    firms = engine.table("firms", tables.firms)
    services = engine.table("service_map", tables.services)
    daily = engine.table("rates_daily", tables.daily)
    stored = dict.fromkeys(TABLES, 0)
    for chunk in chunk_months(months, month_records(wh)) or [[]]:
        classified = classify(engine.records(chunk), firms, services)
        sector = convert(classified, daily)
        # a record without a rate (a month not complete: check_conversion) is in no cell
        sector = sector.filter((sector.segment != UNALLOCATED) & sector.mad.notnull())
        results = {
            "cube": cube(sector, engine.largest),
            "contributions": contributions(sector, firms),
            "build_month_firms": month_firms(classified),
        }
        for name, expr in results.items():
            sql = engine.warehouse_sql(expr)
            if sql is not None:  # DuckDB: straight into the table, no Arrow round trip
                stored[name] += store_sql(wh, name, sql, chunk)
            else:
                stored[name] += store(wh, name, engine.fetch(expr), chunk)
    derive(wh, months)
    return stored


def month_records(wh: Warehouse) -> dict[Month, int]:
    """Records of each month in the store (e.g. ``{(2024, 1): 812}``), from its catalogue."""
    counts: dict[Month, int] = {}
    for _reporter, year, month, records in wh.records.deliveries():
        counts[(year, month)] = counts.get((year, month), 0) + records
    return counts


def chunk_months(months: Sequence[Month], records: dict[Month, int]) -> list[list[Month]]:
    """``months`` in consecutive chunks computed by one query each: :data:`CHUNK_MONTHS`
    months, or more while the chunk's ``records`` (by month, as :func:`month_records`)
    stay at most :data:`CHUNK_RECORDS`. Each month's rows depend on its records only,
    so the chunks change nothing stored.

    >>> chunk_months([(2024, m) for m in range(1, 4)], {(2024, 1): 10})
    [[(2024, 1), (2024, 2), (2024, 3)]]
    >>> big = dict.fromkeys([(y, m) for y in (2023, 2024, 2025) for m in range(1, 13)], 10**6)
    >>> [len(chunk) for chunk in chunk_months(sorted(big), big)]
    [24, 12]
    """
    chunks: list[list[Month]] = []
    held = 0
    for month in months:
        count = records.get(month, 0)
        chunk = chunks[-1] if chunks else None
        if chunk is None or (len(chunk) >= CHUNK_MONTHS and held + count > CHUNK_RECORDS):
            chunks.append([month])
            held = count
        else:
            chunk.append(month)
            held += count
    return chunks


def month_firms(classified: ibis.Table) -> ibis.Table:
    """Records by month, segment source, firm and currency of classified records:
    ``year, month, firm_id, segment_source, currency, records``. What the report
    counts (records by source, firms held for review) and what the incremental state
    reads (the firms and currencies of each month)."""
    keyed = classified.select(
        **month_of(classified.value_date),
        firm_id=classified.firm_id,
        segment_source=classified.segment_source,
        currency=classified.currency,
    )
    return keyed.group_by(list(keyed.columns)).aggregate(records=keyed.count().cast("int64"))


def store(wh: Warehouse, name: str, rows: pa.Table, months: Sequence[Month]) -> int:
    """Replace the rows of ``months`` in the table ``name`` by ``rows`` (created from
    ``rows`` when missing); returns the rows inserted."""
    wh.register("_heavy_rows", rows)
    try:
        return replace_months(wh, name, "SELECT * FROM _heavy_rows", months)
    finally:
        wh.unregister("_heavy_rows")


def store_sql(wh: Warehouse, name: str, select: str, months: Sequence[Month]) -> int:
    """As :func:`store`, from a SELECT the warehouse runs itself (the DuckDB engine): the
    rows never pass through Python. Fetching each chunk as Arrow and inserting it left
    the 100M-record build holding 3.0 GB before disclosure control, against 0.75 GB this
    way (bench/RESULTS.md)."""
    return replace_months(wh, name, select, months)


def derive(wh: Warehouse, months: Sequence[Month]) -> None:
    """Recompute the :data:`DERIVED` tables' rows of ``months`` from ``build_month_firms``."""
    where = _months_in(months)
    for name, query in DERIVED.items():
        select = query.format(where=f"WHERE {where}", and_where=f"AND {where}")
        replace_months(wh, name, select, months)


def replace_months(wh: Warehouse, name: str, select: str, months: Sequence[Month]) -> int:
    """Replace the rows of ``months`` in the table ``name`` by those of ``select`` (the
    table created from it when missing); returns the rows inserted."""
    if not wh.has_table(name):
        done = wh.sql(f"CREATE TABLE {name} AS {select}")
    else:
        delete_months(wh, name, months)
        done = wh.sql(f"INSERT INTO {name} BY NAME {select}")
    return int(done[0][0])


def delete_months(wh: Warehouse, name: str, months: Sequence[Month]) -> None:
    """Delete the rows of ``months`` from the table ``name`` (keyed by year and month)."""
    if months:
        wh.sql(f"DELETE FROM {name} WHERE {_months_in(months)}")


def _months_in(months: Sequence[Month]) -> str:
    """SQL condition on ``year`` and ``month``: one of ``months`` (false when none).

    >>> _months_in([(2024, 1), (2024, 2)]), _months_in([])
    ('year * 100 + month IN (202401, 202402)', 'false')
    """
    if not months:
        return "false"
    return f"year * 100 + month IN ({', '.join(str(y * 100 + m) for y, m in months)})"
