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

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from marsad.classify import classify, service_map
from marsad.convert import HOME_CURRENCY, MissingRateError, convert, daily_rates
from marsad.cube import cube
from marsad.engine import Warehouse, queries
from marsad.errors import MarsadError
from marsad.indicators.compute import CubeCell, compute_indicators
from marsad.indicators.rows import export_rows
from marsad.indicators.table import IndicatorTable
from marsad.periods import Period

log = logging.getLogger(__name__)

#: Steps reported to a progress callback, in order.
STEPS = ("classify and convert", "cube", "indicators", "save")


class BuildError(MarsadError):
    """The build cannot go on; the message says why in plain words.

    Also a ``RuntimeError`` while the command line still catches that to show
    a plain message (``commands._USER_ERRORS``)."""


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
    records = queries.count_records(wh)
    if not records:
        raise BuildError("The warehouse holds no transactions: load some with `marsad ingest`.")

    step("classify and convert")
    _classify_and_convert(wh)

    step("cube")
    wh.replace_table("cube", cube(wh.table("records_mad")))

    step("indicators")
    release = _release_id(wh)
    table = compute_indicators(_cube_cells(wh), release=release, provisional_from=provisional_from)

    step("save")
    wh.replace_table("indicators", export_rows(table, percent_decimals=percent_decimals))
    report = _report(wh, records, release, table)
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


def _classify_and_convert(wh: Warehouse) -> None:
    """Write ``rates_daily`` and ``service_map``, then the view ``records_mad``
    (every record with its segment and MAD value); stop on a missing rate."""
    daily = daily_rates(queries.published_rates(wh), queries.last_value_date(wh))
    wh.replace_table("rates_daily", daily)
    wh.replace_table("service_map", service_map())
    classified = classify(wh.table("transactions"), wh.table("firms"), wh.table("service_map"))
    wh.replace_view("records_mad", convert(classified, wh.table("rates_daily")))
    _check_rates(wh)


def _check_rates(wh: Warehouse) -> None:
    """Stop when a record has no rate on or before its date (a join only: no arithmetic)."""
    missing = queries.missing_rates(wh, home_currency=HOME_CURRENCY)
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
