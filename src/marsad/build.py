"""Build: coverage, classify, convert, cube, indicators, in that order.

Reads the warehouse's ``transactions``, ``firms``, ``rates`` and declared nil
returns; writes ``coverage_months`` (each month from the first delivery to the
last: complete or not, and who is missing), ``rates_daily`` and
``service_map`` (the small lookup tables the conversion and classification
join), the view ``records_mad`` (every record with its segment and MAD value,
for tracing a figure back to its records: a view, so the records are not
written twice), ``cube`` (the records of the sector: those held for review are
left out) and ``indicators`` (the table that ``marsad export`` writes, complete
periods only, with each value's exact text that the bulletin reads). A build is
a pure function of the loaded data: the release id is derived from the cube's
content and the complete months.

A build is all or nothing: every table and view is written in one transaction,
so a build stopped at any point (an error, a full disk, a kill) leaves the
previous build whole, and the export and the bulletin, which both read the
stored ``indicators``, always show one and the same release.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import ibis
import pyarrow as pa

from marsad.classify import classify, service_map
from marsad.convert import AMOUNT_LIMIT, HOME_CURRENCY, check_problems, convert, daily_rates
from marsad.coverage import (
    Coverage,
    CoverageRule,
    Delivery,
    assess,
    describe_gaps,
    gap_runs,
)
from marsad.cube import cube
from marsad.engine import Warehouse, queries
from marsad.errors import MarsadError
from marsad.indicators.assemble import with_series_and_targets
from marsad.indicators.compute import CubeCell, compute_indicators
from marsad.indicators.registry import COLUMNS
from marsad.indicators.rows import export_rows, stored_table
from marsad.indicators.table import IndicatorTable
from marsad.periods import Month, Period
from marsad.protect.cells import cell_statistics, contributions, period_map
from marsad.protect.indicators import Protected, protect_indicators
from marsad.protect.loss import Loss, information_loss
from marsad.protect.primary import SdcRule
from marsad.protect.stored import sdc_rows
from marsad.reference import UNALLOCATED

log = logging.getLogger(__name__)

#: Steps reported to a progress callback, in order.
STEPS = ("coverage", "classify and convert", "cube", "indicators", "protect", "save")


class BuildError(MarsadError):
    """The build cannot go on; the message says why in plain words."""


@dataclass(frozen=True)
class BuildReport:
    """What a build did (e.g. 750,000 records, 0 held for review, release 2025-06.3fa9c2d1).

    ``unallocated`` records (of ``review_firms`` distinct firms) are held for
    review, outside every published figure; ``gaps`` says which months are not
    complete and who is missing (e.g. ``2024-02: no delivery from BK01``).
    """

    records: int
    unallocated: int
    by_source: dict[str, int]
    cube_cells: int
    observations: int
    release: str
    first_month: str
    last_month: str
    table: IndicatorTable = field(repr=False)  # the exact indicators just computed
    review_firms: int = 0
    gaps: list[str] = field(default_factory=list)
    loss: list[Loss] = field(default_factory=list)  # what disclosure control withheld


def build(
    wh: Warehouse,
    *,
    provisional_from: int | None = None,
    percent_decimals: int = 4,
    rate_max_age_days: int = 7,
    progress: Callable[[str], None] | None = None,
    coverage_rule: CoverageRule | None = None,
    sdc_rule: SdcRule | None = None,
    final_after_months: int | None = None,
    engine: str | None = None,
    full: bool = False,
) -> BuildReport:
    """Run the whole build on an open warehouse, in one transaction, and return its report.

    ``engine`` names the engine of the heavy steps (default: ``MARSAD_ENGINE``) and
    ``full`` forces every month to be rebuilt; accepted, not used yet (issue 11).

    ``coverage_rule`` says which reporters are expected each month (default:
    the settings ``MARSAD_EXPECTED_REPORTERS`` and ``MARSAD_COVERAGE_WINDOW``);
    ``sdc_rule`` the confidentiality parameters (default: ``MARSAD_SDC_MIN_CONTRIBUTORS``
    and ``MARSAD_SDC_P``).
    """
    step = progress or (lambda _name: None)
    records = queries.count_records(wh)
    if not records:
        raise BuildError("The warehouse holds no transactions: load some with `marsad ingest`.")
    with wh.transaction():
        step("coverage")
        coverage = warehouse_coverage(wh, coverage_rule)
        wh.replace_table("coverage_months", _coverage_rows(coverage))

        step("classify and convert")
        _classify_and_convert(wh, rate_max_age_days)

        step("cube")
        records_mad = wh.table("records_mad")
        wh.replace_table("cube", cube(records_mad.filter(records_mad.segment != UNALLOCATED)))
        if not queries.count_cube_cells(wh):
            raise BuildError(
                f"All {records:,} records are held for review (firm not in the registry, "
                "service code not in the concordance): see them with `marsad review`."
            )

        step("indicators")
        complete = sorted(coverage.complete)
        jobs = queries.employment(wh)
        sdc_rule = sdc_rule or _settings_rule()
        release = _release_id(wh, complete, jobs, sdc_rule)
        table = compute_indicators(
            _cube_cells(wh),
            release=release,
            provisional_from=provisional_from,
            complete_months=complete,
            final_after_months=final_after_months,
        )
        table = with_series_and_targets(table, jobs)

        step("protect")
        protected = _protect(wh, table, complete, sdc_rule)
        table = protected.table

        step("save")
        wh.replace_table("sdc_cells", sdc_rows(protected.linked))
        wh.replace_table("indicators", export_rows(table, percent_decimals=percent_decimals))
        report = _report(wh, records, release, table, coverage)
        report = replace(report, loss=information_loss(protected.linked, table))
    log.info("build %s: %s records, %s observations", release, records, len(table))
    return report


def build_with_settings(
    wh: Warehouse,
    progress: Callable[[str], None] | None = None,
    engine: str | None = None,
    full: bool = False,
) -> BuildReport:
    """:func:`build` with every option from the settings (``MARSAD_…``), as the
    commands run it."""
    from marsad.settings import get_settings

    settings = get_settings()
    return build(
        wh,
        provisional_from=settings.provisional_from,
        percent_decimals=settings.percent_decimals,
        rate_max_age_days=settings.rate_max_age_days,
        final_after_months=settings.final_after_months,
        sdc_rule=settings.sdc_rule(),
        progress=progress,
        engine=engine,
        full=full,
    )


def load_indicators(wh: Warehouse) -> IndicatorTable:
    """The exact indicator table of the last build, as it stored it.

    The bulletin reads this: the same rows, release and statuses as the
    export, with the values unrounded (a figure is rounded once, for display).
    """
    if not wh.has_table("indicators"):
        raise BuildError("Nothing is built yet: run `marsad build` first.")
    if "internal_value" not in wh.table("indicators").columns:
        raise BuildError("The last build was made by an older marsad: run `marsad build` again.")
    return stored_table(wh.sql(f"SELECT {', '.join(COLUMNS)}, exact FROM indicators"))


def warehouse_coverage(wh: Warehouse, rule: CoverageRule | None = None) -> Coverage:
    """Who delivered which month, from the records and nil returns in the warehouse
    now (default rule: from the settings)."""
    if rule is None:
        from marsad.settings import get_settings

        rule = CoverageRule.from_settings(get_settings())
    deliveries = [
        Delivery(reporter, (year, month), int(n), bool(nil))
        for reporter, year, month, n, nil in queries.deliveries(wh)
    ]
    return assess(deliveries, rule)


def built_gaps(wh: Warehouse, period: Period) -> list[str]:
    """The incomplete months of ``period`` at the last build, with who is missing
    (e.g. ``["2024-02: no delivery from BK01"]``; a month beyond the data: ``2024-07 to
    2024-12: no delivery``); empty when it is complete or wholly outside the data."""
    if not wh.has_table("coverage_months"):
        return []
    found = {
        (int(y), int(m)): (bool(complete), tuple(filter(None, (missing or "").split(","))))
        for y, m, complete, missing in wh.sql(
            "SELECT year, month, complete, missing FROM coverage_months"
        )
    }
    if not any(m in found for m in period.months):
        return []  # outside the data altogether
    incomplete = [
        (m, found[m][1] if m in found else ()) for m in period.months if not found.get(m, (0,))[0]
    ]
    return [gap.describe() for gap in gap_runs(incomplete)]


def _coverage_rows(coverage: Coverage) -> pa.Table:
    """``coverage_months``: year, month, complete, missing (reporters, comma-separated)."""
    months = coverage.months
    return pa.table(
        {
            "year": pa.array([y for y, _ in months], pa.int32()),
            "month": pa.array([m for _, m in months], pa.int32()),
            "complete": pa.array([m in coverage.complete for m in months], pa.bool_()),
            "missing": pa.array([",".join(coverage.missing[m]) for m in months], pa.string()),
        }
    )


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
    intervals = queries.rate_intervals(wh)
    found = queries.conversion_problems(
        wh,
        home_currency=HOME_CURRENCY,
        amount_limit=AMOUNT_LIMIT,
        max_age_days=rate_max_age_days,
        intervals=intervals,
    )
    if found:
        loads = sorted({load for row in found for load in row[6] or ()})
        allowed = {c: max(d, rate_max_age_days) for c, d in intervals.items()}
        check_problems(
            found, queries.load_files(wh, loads), max_age_days=rate_max_age_days, allowed=allowed
        )


def _settings_rule() -> SdcRule:
    from marsad.settings import get_settings

    return get_settings().sdc_rule()


def _protect(
    wh: Warehouse, table: IndicatorTable, complete: list[Month], rule: SdcRule
) -> Protected:
    """Primary and secondary confidentiality of ``table`` (:mod:`marsad.protect`),
    from the contributors of each published level cell."""
    records_mad = wh.table("records_mad")
    contrib = contributions(
        records_mad.filter(records_mad.segment != UNALLOCATED), wh.table("firms")
    )
    stats = cell_statistics(contrib, ibis.memtable(period_map(complete)))
    return protect_indicators(table, queries.rows(stats), rule)


def _cube_cells(wh: Warehouse) -> list[CubeCell]:
    return [CubeCell(*row) for row in queries.cube_cells(wh)]


def _release_id(
    wh: Warehouse,
    complete: list[Month] | None,
    jobs: list[tuple[str, str, int]] | None = None,
    rule: SdcRule | None = None,
) -> str:
    """``<last month>.<first 8 hex digits of a SHA-256>`` (e.g. 2025-06.3fa9c2d1), of the
    cube's content, when known of the complete months (what is published), and of the jobs
    loaded, when there are any (so that loading an employment file makes a new build).
    A build of the synthetic generator's records says so: ``2025-06.synthetic.3fa9c2d1``,
    in the ``release`` column of every file made from it. Other confidentiality parameters
    withhold other cells, so they give another id (hashed with the cube's content, which
    is not public: the id does not reveal them)."""
    _first, last = queries.cube_months(wh)
    fingerprint = queries.cube_fingerprint(wh)
    if complete is not None:
        fingerprint = hashlib.sha256(f"{fingerprint}{complete!r}".encode()).hexdigest()
    if jobs:
        fingerprint = hashlib.sha256(f"{fingerprint}{jobs!r}".encode()).hexdigest()
    if rule is not None:
        secret = f"{fingerprint}|{rule.min_contributors}|{rule.p.normalize()}"
        fingerprint = hashlib.sha256(secret.encode()).hexdigest()
    synthetic = ".synthetic" if queries.has_synthetic_firms(wh) else ""
    return f"{Period('month', *last)}{synthetic}.{fingerprint[:8]}"


def _report(
    wh: Warehouse, records: int, release: str, table: IndicatorTable, coverage: Coverage
) -> BuildReport:
    by_source = queries.records_by_source(wh)
    first, last = queries.cube_months(wh)
    records_mad = wh.table("records_mad")
    held = records_mad.filter(records_mad.segment == UNALLOCATED)
    _n, review_firms = queries.count_records_and_firms(held)
    return BuildReport(
        records=records,
        unallocated=by_source.get("unallocated", 0),
        review_firms=review_firms,
        gaps=describe_gaps(coverage),
        by_source=by_source,
        cube_cells=queries.count_cube_cells(wh),
        observations=len(table),
        release=release,
        first_month=str(Period("month", *first)),
        last_month=str(Period("month", *last)),
        table=table,
    )
