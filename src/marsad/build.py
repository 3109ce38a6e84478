"""Build: classify, convert, cube, indicators, in that order.

Reads the warehouse's ``transactions``, ``firms`` and ``rates``; writes
``rates_daily`` and ``service_map`` (the small lookup tables the
conversion and classification join), the view ``records_mad`` (every record
with its segment and MAD value, for tracing a figure back to its records:
a view, so the records are not written twice), ``cube`` and ``indicators``
(the table that ``marsad export`` writes). A build is a pure function of the loaded data: the
release id is derived from the cube's content.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from marsad.classify import classify, service_map
from marsad.convert import HOME_CURRENCY, MissingRateError, convert, daily_rates
from marsad.cube import cube
from marsad.engine import Warehouse
from marsad.indicators.compute import CubeCell, compute_indicators
from marsad.indicators.rows import export_rows
from marsad.indicators.table import IndicatorTable

log = logging.getLogger(__name__)

#: Steps reported to a progress callback, in order.
STEPS = ("classify and convert", "cube", "indicators", "save")


class BuildError(RuntimeError):
    """The build cannot go on; the message says why in plain words."""


@dataclass(frozen=True)
class BuildReport:
    """What a build did (e.g. 750,000 records, 0 unallocated, release 2025-06.3fa9c2d1)."""

    records: int
    unallocated: int
    by_source: dict[str, int]
    cube_cells: int
    observations: int
    release: str
    first_month: str
    last_month: str
    table: IndicatorTable = field(repr=False)  # the exact indicators just computed


def build(
    wh: Warehouse,
    *,
    provisional_from: int | None = None,
    percent_decimals: int = 4,
    progress: Callable[[str], None] | None = None,
) -> BuildReport:
    """Run the whole build on an open warehouse and return its report."""
    step = progress or (lambda _name: None)
    records = wh.scalar("SELECT count(*) FROM transactions")
    if not records:
        raise BuildError("The warehouse holds no transactions: load some with `marsad ingest`.")

    step("classify and convert")
    last_day = wh.scalar("SELECT max(value_date) FROM transactions")
    rates = wh.sql("SELECT date, currency, mad_per_unit FROM rates")
    wh.replace_table("rates_daily", daily_rates(rates, last_day))
    wh.replace_table("service_map", service_map())
    classified = classify(wh.table("transactions"), wh.table("firms"), wh.table("service_map"))
    wh.replace_view("records_mad", convert(classified, wh.table("rates_daily")))
    _check_rates(wh)

    step("cube")
    wh.replace_table("cube", cube(wh.table("records_mad")))

    step("indicators")
    cells = _cube_cells(wh)
    release = _release_id(wh)
    table = compute_indicators(cells, release=release, provisional_from=provisional_from)

    step("save")
    wh.replace_table("indicators", export_rows(table, percent_decimals=percent_decimals))
    by_source = dict(wh.sql(
        "SELECT segment_source, count(*) FROM records_mad GROUP BY 1 ORDER BY 1"
    ))
    first, last = wh.sql(
        "SELECT min(make_date(year, month, 1)), max(make_date(year, month, 1)) FROM cube"
    )[0]
    report = BuildReport(
        records=records,
        unallocated=by_source.get("unallocated", 0),
        by_source=by_source,
        cube_cells=wh.scalar("SELECT count(*) FROM cube"),
        observations=len(table),
        release=release,
        first_month=first.strftime("%Y-%m"),
        last_month=last.strftime("%Y-%m"),
        table=table,
    )
    log.info("build %s: %s records, %s observations", release, records, len(table))
    return report


def load_indicators(wh: Warehouse, *, provisional_from: int | None = None) -> IndicatorTable:
    """The exact indicator table of the last build, recomputed from its cube.

    The bulletin reads this rather than the stored table, whose percentages are
    rounded: a figure is rounded once, for display.
    """
    if not wh.has_table("cube"):
        raise BuildError("Nothing is built yet: run `marsad build` first.")
    return compute_indicators(
        _cube_cells(wh), release=_release_id(wh), provisional_from=provisional_from
    )


def _check_rates(wh: Warehouse) -> None:
    """Stop when a record has no rate on or before its date (a join only: no arithmetic)."""
    missing = wh.sql(
        "SELECT t.currency, count(*), min(t.value_date), max(t.value_date) "
        "FROM transactions t LEFT JOIN rates_daily r "
        "ON t.currency = r.rate_currency AND t.value_date = r.rate_date "
        f"WHERE r.rate_currency IS NULL AND t.currency <> '{HOME_CURRENCY}' "
        "GROUP BY 1 ORDER BY 1"
    )
    if missing:
        parts = [
            f"{n} record(s) in {cur} dated {lo:%Y-%m-%d} to {hi:%Y-%m-%d}"
            for cur, n, lo, hi in missing
        ]
        raise MissingRateError(
            "No exchange rate on or before the value date for "
            + "; ".join(parts)
            + ". Load rates that cover them (`marsad ingest --kind rates FILE`) and build again."
        )


def _cube_cells(wh: Warehouse) -> list[CubeCell]:
    rows = wh.sql(
        "SELECT year, month, flow, segment, service, partner, "
        "CAST(mad * 100 AS BIGINT), records FROM cube"
    )
    return [CubeCell(*row) for row in rows]


def _release_id(wh: Warehouse) -> str:
    """``<last month>.<first 8 hex digits of the cube's SHA-256>`` (e.g. 2025-06.3fa9c2d1)."""
    digest = hashlib.sha256()
    for row in wh.sql("SELECT * EXCLUDE (top1_mad, top2_mad) FROM cube ORDER BY ALL"):
        digest.update(repr(row).encode())
    year, month = wh.sql("SELECT year, month FROM cube ORDER BY year DESC, month DESC LIMIT 1")[0]
    return f"{dt.date(year, month, 1):%Y-%m}.{digest.hexdigest()[:8]}"
