"""Build: classify, convert, cube, indicators, in that order.

Reads the warehouse's ``transactions``, ``firms`` and ``rates``; writes
``rates_daily`` and ``service_map`` (the small lookup tables the
conversion and classification join), the view ``records_mad`` (every record
with its segment and MAD value, for tracing a figure back to its records:
a view, so the records are not written twice), ``cube`` and ``indicators``
(the table that ``marsad export`` writes, with each value's exact text that
the bulletin reads). A build is a pure function of the loaded data: the
release id is derived from the cube's content.

A build is all or nothing: every table and view is written in one transaction,
so a build stopped at any point (an error, a full disk, a kill) leaves the
previous build whole, and the export and the bulletin, which both read the
stored ``indicators``, always show one and the same release.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from marsad.classify import classify, service_map
from marsad.convert import AMOUNT_LIMIT, HOME_CURRENCY, check_problems, convert, daily_rates
from marsad.cube import cube
from marsad.engine import Warehouse, queries
from marsad.errors import MarsadError
from marsad.indicators.compute import CubeCell, compute_indicators
from marsad.indicators.registry import COLUMNS
from marsad.indicators.rows import export_rows, stored_table
from marsad.indicators.table import IndicatorTable
from marsad.periods import Period

log = logging.getLogger(__name__)

#: Steps reported to a progress callback, in order.
STEPS = ("classify and convert", "cube", "indicators", "save")


class BuildError(MarsadError):
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
    rate_max_age_days: int = 7,
    progress: Callable[[str], None] | None = None,
) -> BuildReport:
    """Run the whole build on an open warehouse, in one transaction, and return its report."""
    step = progress or (lambda _name: None)
    records = queries.count_records(wh)
    if not records:
        raise BuildError("The warehouse holds no transactions: load some with `marsad ingest`.")
    with wh.transaction():
        step("classify and convert")
        _classify_and_convert(wh, rate_max_age_days)

        step("cube")
        wh.replace_table("cube", cube(wh.table("records_mad")))

        step("indicators")
        release = _release_id(wh)
        table = compute_indicators(
            _cube_cells(wh), release=release, provisional_from=provisional_from
        )

        step("save")
        wh.replace_table("indicators", export_rows(table, percent_decimals=percent_decimals))
        report = _report(wh, records, release, table)
    log.info("build %s: %s records, %s observations", release, records, len(table))
    return report


def load_indicators(wh: Warehouse) -> IndicatorTable:
    """The exact indicator table of the last build, as it stored it.

    The bulletin reads this: the same rows, release and statuses as the
    export, with the values unrounded (a figure is rounded once, for display).
    """
    if not wh.has_table("indicators"):
        raise BuildError("Nothing is built yet: run `marsad build` first.")
    if "exact" not in wh.table("indicators").columns:
        raise BuildError("The last build was made by an older marsad: run `marsad build` again.")
    return stored_table(wh.sql(f"SELECT {', '.join(COLUMNS)}, exact FROM indicators"))


def _classify_and_convert(wh: Warehouse, rate_max_age_days: int) -> None:
    """Write ``rates_daily`` and ``service_map``, then the view ``records_mad``
    (every record with its segment and MAD value); stop on a record that cannot
    be converted (no rate, a rate too old, an amount too large)."""
    daily = daily_rates(queries.published_rates(wh), queries.last_value_date(wh))
    wh.replace_table("rates_daily", daily)
    _check_conversion(wh, rate_max_age_days)
    wh.replace_table("service_map", service_map())
    classified = classify(wh.table("transactions"), wh.table("firms"), wh.table("service_map"))
    wh.replace_view("records_mad", convert(classified, wh.table("rates_daily")))


def _check_conversion(wh: Warehouse, rate_max_age_days: int) -> None:
    """Stop, naming the records' loads and files, when a record cannot be converted."""
    found = queries.conversion_problems(
        wh,
        home_currency=HOME_CURRENCY,
        amount_limit=AMOUNT_LIMIT,
        max_age_days=rate_max_age_days,
    )
    if found:
        loads = sorted({load for row in found for load in row[6] or ()})
        check_problems(found, queries.load_files(wh, loads), max_age_days=rate_max_age_days)


def _cube_cells(wh: Warehouse) -> list[CubeCell]:
    return [CubeCell(*row) for row in queries.cube_cells(wh)]


def _release_id(wh: Warehouse) -> str:
    """``<last month>.<first 8 hex digits of the cube's SHA-256>`` (e.g. 2025-06.3fa9c2d1)."""
    _first, last = queries.cube_months(wh)
    return f"{Period('month', *last)}.{queries.cube_fingerprint(wh)[:8]}"


def _report(wh: Warehouse, records: int, release: str, table: IndicatorTable) -> BuildReport:
    by_source = queries.records_by_source(wh)
    first, last = queries.cube_months(wh)
    return BuildReport(
        records=records,
        unallocated=by_source.get("unallocated", 0),
        by_source=by_source,
        cube_cells=queries.count_cube_cells(wh),
        observations=len(table),
        release=release,
        first_month=str(Period("month", *first)),
        last_month=str(Period("month", *last)),
        table=table,
    )
