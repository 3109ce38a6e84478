"""Build: coverage, classify, convert, cube, indicators, protect, in that order.

Two stages. The **heavy stage** (:mod:`marsad.build_heavy`) reads the records, on
the engine (DuckDB, or Spark with ``--engine spark``), for the months to build
only: it checks the conversion, classifies, converts and stores per month the
``cube`` (the records of the sector: those held for review are left out), the
``contributions`` (month x cell x contributor, for disclosure control),
``build_month_stats`` and ``held_firms`` (for the report). A build is
**incremental** (:mod:`marsad.build_state`): it recomputes the months whose
records, rates or firms changed since the last build, deletes the months without
records any more, and recomputes everything when something global changed (the
concordance, ``rate_max_age_days``, a build by an older marsad) or with
``full=True`` (``marsad build --full``); the result is the same as a full build's.

Everything after reads DuckDB tables only, never the records: ``coverage_months``
(each month from the first delivery to the last: complete or not, and who is
missing, from the record store's catalogue), ``indicators`` (the table that
``marsad export`` writes, complete periods only, with each value's exact text that
the bulletin reads), ``sdc_cells`` and ``sdc_cache`` (the suppression pattern of
each component of the linked table by fingerprint, :mod:`marsad.protect.cache`:
the next build solves again only the components whose cells changed, the years
a new month touches; ``full=True`` solves every one). The build also stores ``rates_daily`` and
``service_map`` and defines the view ``records_mad`` (every record with its segment
and MAD value, lazily over ``transactions``: for tracing a figure back to its
records; a build never scans it). A build is a pure function of the loaded data,
the reference data and the settings: the release id is the digest of the table it
stores, keyed with a secret of its records (:func:`_release_id`), so one id is one table.

A build is all or nothing: every table and view is written in one transaction,
so a build stopped at any point (an error, a full disk, a kill) leaves the
previous build whole, and the export and the bulletin, which both read the
stored ``indicators``, always show one and the same release.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import pyarrow as pa

from marsad import build_heavy, build_state, build_years
from marsad.classify import classify
from marsad.convert import convert
from marsad.coverage import (
    Coverage,
    CoverageRule,
    Delivery,
    assess,
)
from marsad.engine import Warehouse, queries
from marsad.engine.compute import Engine
from marsad.engine.records_key import records_key
from marsad.engine.sql import quote_ident
from marsad.errors import MarsadError
from marsad.indicators.registry import COLUMNS
from marsad.indicators.rows import SORT_KEY, stored_order, stored_table
from marsad.indicators.table import SYNTHETIC_TAG, IndicatorTable
from marsad.open_quarantine import gap_lines, incomplete, nil_return_hint, open_rows
from marsad.periods import Month, Period
from marsad.protect.apriori import Apriori
from marsad.protect.loss import Loss
from marsad.protect.primary import SdcRule

log = logging.getLogger(__name__)

#: The release of the rows while the build computes them: the id is the table's digest
#: (:func:`_release_id`), written once the table is whole.
PENDING = "pending"

#: What every setting (``MARSAD_…``) and argument of :func:`build` not listed here does
#: to the table: each changes it (and so the release id, its digest) and reaches it
#: through the incremental plan as follows. ``percent_decimals`` and the confidentiality
#: parameters (``sdc_rule``, ``sdc_min_contributors``, ``sdc_p``) are in
#: :func:`~marsad.build_years.settings_fingerprint` (every year recomputed);
#: ``provisional_from`` and ``final_after_months`` set the status of every row in every
#: build; ``coverage_rule`` (``expected_reporters``, ``coverage_window``, ``today``) changes
#: the complete months, whose years are recomputed. Listed here, with why, what cannot change
#: a byte of the table (``tests/unit/test_release_id.py`` checks that each setting is in
#: one of the two).
NOT_PUBLISHED = {
    "rate_max_age_days": "only stops the build (a rate too old); the rate used is the same",
    "engine": "both engines give the same cube, to the byte",
    "spark_master": "where the spark engine runs",
    "full": "an incremental build stores a full build's tables",
    "progress": "reports the steps",
    "warehouse": "where the data are",
    "releases_dir": "where releases are kept: the releases found there change the table "
    "(marsad.protect.apriori), the folder's name does not",
    "memory_limit": "ingest: how loading spills to disk",
    "temp_dir": "ingest: where loading copies files",
    "batch_bytes": "ingest: how files are grouped in transactions",
    "header_search_rows": "ingest: where the header is searched (what loads is in the cube)",
    "min_value_date": "ingest: what it accepts (what loads is in the cube)",
    "max_value_date": "ingest: what it accepts (what loads is in the cube)",
    "max_amount": "ingest: what it accepts (what loads is in the cube)",
    "home_country": "ingest: what it accepts (what loads is in the cube)",
    "rate_spike_factor": "ingest: which rates it accepts (what loads is in the rates)",
    "user": "recorded with waivers and withdrawals",
    "publisher": "read when a bulletin or data file is written, not stored by the build",
    "contact": "read when a bulletin is written, not stored by the build",
    "release_date": "read when a bulletin is written, not stored by the build",
    "next_release_date": "read when a bulletin is written, not stored by the build",
    "admin": "the web's admin side",
    "admin_token": "the web's admin side",
    "api_max_rows": "the web's answers",
    "api_page_size": "the web's answers",
}

#: Steps reported to a progress callback, in order.
STEPS = ("plan", "coverage", "classify and convert", "cube", "indicators", "protect", "save")


class BuildError(MarsadError):
    """The build cannot go on; the message says why in plain words."""


@dataclass(frozen=True)
class BuildReport:
    """What a build did (e.g. 750,000 records, 0 held for review, release 2025-06.3fa9c2d1).

    ``unallocated`` records (of ``review_firms`` distinct firms) are held for
    review, outside every published figure; ``gaps`` says which months are not
    complete and who is missing (e.g. ``2024-02: no delivery from BK01``);
    ``quarantine`` the rows left in quarantine, counted per month and reporter.
    """

    records: int
    unallocated: int
    by_source: dict[str, int]
    cube_cells: int
    observations: int
    release: str
    first_month: str
    last_month: str
    #: reads the table the build stored (:func:`load_indicators`), on first use of ``table``
    load_table: Callable[[], IndicatorTable] = field(repr=False, compare=False)
    review_firms: int = 0
    gaps: list[str] = field(default_factory=list)
    #: the command declaring the first gap a nil return, when there is a gap
    nil_return: str = ""
    #: the rows still in quarantine (neither corrected nor waived), per month and
    #: reporter, counts only (:meth:`marsad.open_quarantine.OpenRows.lines`)
    quarantine: list[str] = field(default_factory=list)
    loss: list[Loss] = field(default_factory=list)  # what disclosure control withheld
    months_built: int = 0  # months the heavy stage recomputed (0: nothing changed)
    months_total: int = 0  # months holding records
    months_removed: int = 0  # months built before that hold no record now (all withdrawn)
    engine: str = "duckdb"  # the engine of the heavy stage
    years_built: int = 0  # years whose indicators and disclosure control were recomputed
    years_total: int = 0  # years of the cube and of the complete months
    changed: bool = True  # the table differs from the last build's (False: the same bytes)
    #: sensitive cells that earlier releases leave unprotectable (their value published
    #: then, or enough to compute it): the audit refuses a release of this build
    unprotectable: int = 0
    earlier_releases: int = 0  # releases read as a priori information
    #: earlier releases frozen without their protected cells (rule C cannot use them)
    earlier_without_cells: tuple[str, ...] = ()
    #: records of months not complete that cannot be converted (no rate, or one too old),
    #: per month: not published; the build stops once the month is complete
    #: (:func:`unconverted_lines`)
    unconverted: list[str] = field(default_factory=list)

    @functools.cached_property
    def table(self) -> IndicatorTable:
        """The exact indicator table the build stored, read from the warehouse on first
        use (which must still be open)."""
        return self.load_table()


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
    earlier: Apriori | None = None,
) -> BuildReport:
    """Run the whole build on an open warehouse, in one transaction, and return its report.

    ``earlier``: the a priori information of the releases published before
    (:mod:`marsad.protect.apriori`); default: every release of the warehouse's releases
    folder (``releases/`` beside it, or ``MARSAD_RELEASES_DIR``), read from their public
    tables. A cell they published with the value it has now is known to the intruder;
    their relations and confidential cells join the table (rule C), and a cell they
    withheld stays withheld only for a release frozen without its cells (rule A).
    ``report.unprotectable`` counts the sensitive cells no suppression can protect
    given them.

    Incremental: the heavy stage (:mod:`marsad.build_heavy`) runs on ``engine``
    (``duckdb`` or ``spark``; default: the setting ``MARSAD_ENGINE``) for the months
    whose records, rates or firms changed since the last build (:mod:`marsad.build_state`),
    every month when ``full`` or when something global changed; the rest reads DuckDB
    tables only. ``report.months_built`` of ``report.months_total`` were recomputed.

    ``coverage_rule`` says which reporters are expected each month (default:
    the settings ``MARSAD_EXPECTED_REPORTERS`` and ``MARSAD_COVERAGE_WINDOW``);
    ``sdc_rule`` the confidentiality parameters (default: ``MARSAD_SDC_MIN_CONTRIBUTORS``
    and ``MARSAD_SDC_P``). Raises :class:`BuildError` (no records, every record held for
    review), :class:`~marsad.convert.MissingRateError` or
    :class:`~marsad.convert.AmountTooLarge` (a record cannot be converted),
    :class:`~marsad.release.store.ReleaseError` (an earlier release's public table is not
    the file that was frozen).
    """
    step = progress or (lambda _name: None)
    records = queries.count_records(wh)
    if not records:
        raise BuildError("The warehouse holds no transactions: load some with `marsad ingest`.")
    from marsad.engine.compute import open_engine

    if earlier is None:
        from marsad.release.apriori import of_warehouse

        earlier = of_warehouse(wh.path)

    with wh.transaction(), open_engine(wh, engine) as runner:
        step("plan")
        tables = build_heavy.lookups(wh)
        global_fp = build_state.global_fingerprint(rate_max_age_days, queries.rate_intervals(wh))
        plan = build_state.plan(wh, tables.daily, global_fp=global_fp, full=full)

        step("coverage")
        complete_before = _stored_complete(wh)
        coverage = warehouse_coverage(wh, coverage_rule)
        wh.replace_table("coverage_months", _coverage_rows(coverage))

        step("classify and convert")
        # the months to check: those recomputed, and those that became complete with
        # records the last build could not convert (their records and rates unchanged)
        again = build_heavy.unconverted_months(wh, coverage.complete)
        unconverted = build_heavy.check_conversion(
            wh,
            runner,
            sorted({*plan.months, *again} - set(plan.deleted)),
            tables.daily,
            rate_max_age_days,
            complete=coverage.complete,
        )
        _lookup_tables(wh, tables)

        step("cube")
        _heavy(wh, runner, plan, tables)
        build_heavy.store_unconverted(wh, unconverted, plan.months, full=plan.full)
        build_heavy.delete_months(wh, build_heavy.UNCONVERTED, plan.deleted)
        build_state.save(wh, tables.daily, global_fp=global_fp)
        if not queries.count_cube_cells(wh):
            raise BuildError(
                f"All {records:,} records are held for review (firm not in the registry, "
                "service code not in the concordance): see them with `marsad review`."
            )

        complete = sorted(coverage.complete)
        jobs = queries.employment(wh)
        sdc_rule = sdc_rule or _settings_rule()
        settings_fp = build_years.settings_fingerprint(sdc_rule, percent_decimals)
        years = build_years.plan_years(
            wh,
            [*plan.months, *plan.deleted],
            complete_before,
            complete,
            settings_fp=settings_fp,
            full=plan.full,
            apriori=earlier.digests(),
        )
        before = build_years.stored_digest(wh)
        saved = build_years.compute_and_store(
            wh,
            years,
            release=PENDING,
            complete=complete,
            rule=sdc_rule,
            jobs=jobs,
            percent_decimals=percent_decimals,
            provisional_from=provisional_from,
            final_after_months=final_after_months,
            settings_fp=settings_fp,
            cached=not full,
            step=step,
            apriori=earlier,
        )
        digest = keyed_digest(table_digest(wh), records_key(wh, keep=True, full=full))
        release = _release_id(wh, digest, complete)
        options = build_years.published_options(
            sdc_rule, percent_decimals, provisional_from, _final_after(final_after_months)
        )
        build_years.stamp(
            wh,
            release,
            settings_fp=settings_fp,
            digest=digest,
            options=options,
            rate_max_age_days=rate_max_age_days,
        )
        report = _report(wh, records, release, saved.observations, coverage)
        unconverted_now = unconverted_lines(wh, coverage, rate_max_age_days)
        report = replace(
            report,
            loss=saved.loss,
            months_built=len(plan.months),
            months_total=plan.total,
            months_removed=len(plan.deleted),
            years_built=len(years.build),
            years_total=len(years.current),
            engine=runner.name,
            changed=digest != before,
            unprotectable=saved.unprotectable,
            earlier_releases=len(earlier.releases),
            earlier_without_cells=earlier.without_cells,
            unconverted=unconverted_now,
        )
    log.info(
        "build %s: %s records, %s observations, %s of %s months and %s of %s years rebuilt (%s)",
        release,
        records,
        report.observations,
        len(plan.months),
        plan.total,
        len(years.build),
        len(years.current),
        plan.reason or years.reason or "incremental",
    )
    return report


def build_with_settings(
    wh: Warehouse,
    progress: Callable[[str], None] | None = None,
    engine: str | None = None,
    full: bool = False,
    earlier: Apriori | None = None,
) -> BuildReport:
    """:func:`build` with every option from the settings (``MARSAD_…``), as the
    commands run it (``engine``: ``duckdb`` or ``spark``, default ``MARSAD_ENGINE``;
    ``full``: recompute every month, ``marsad build --full``; ``earlier``: the earlier
    releases' a priori information, default those of the releases folder)."""
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
        earlier=earlier,
    )


def _final_after(months: int | None) -> int:
    """The months after which a figure is final: ``months``, else the setting."""
    if months is not None:
        return months
    from marsad.settings import get_settings

    return get_settings().final_after_months


def load_indicators(wh: Warehouse) -> IndicatorTable:
    """The exact indicator table of the last build, as it stored it.

    The bulletin reads this: the same rows, release and statuses as the
    export, with the values unrounded (a figure is rounded once, for display).
    """
    if not wh.has_table("indicators"):
        raise BuildError("Nothing is built yet: run `marsad build` first.")
    columns = wh.table("indicators").columns
    if "internal_value" not in columns:
        raise BuildError("The last build was made by an older marsad: run `marsad build` again.")
    order = stored_order(columns)
    return stored_table(wh.sql(f"SELECT {', '.join(COLUMNS)}, exact FROM indicators {order}"))


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
    2024-12: no delivery``; a bank whose rows of the month are all in quarantine now:
    ``2024-02: no record loaded from BK02 (12 rows in quarantine)``); empty when it is
    complete or wholly outside the data."""
    if not wh.has_table("coverage_months"):
        return []
    # (a build before months not over were told apart has no column "over": all were)
    over = "over" if "over" in wh.table("coverage_months").columns else "true"
    found = {
        (int(y), int(m)): (bool(done), tuple(filter(None, (missing or "").split(","))), ended)
        for y, m, done, missing, ended in wh.sql(
            f"SELECT year, month, complete, missing, {over} FROM coverage_months"
        )
    }
    if not any(m in found for m in period.months):
        return []  # outside the data altogether
    missing = [
        (m, found[m][1], not found[m][2]) if m in found else (m, (), False)
        for m in period.months
        if not found.get(m, (0,))[0]
    ]
    return gap_lines(missing, open_rows(wh))


def unconverted_lines(
    wh: Warehouse, coverage: Coverage | None = None, rate_max_age_days: int | None = None
) -> list[str]:
    """The records of months not complete that the last build could not convert, one
    line per month, problem and currency, in the words of the error that stops the build
    once the month is complete (e.g. ``2025-01 (not over yet): No exchange rate on or
    before the value date for 1 record(s) in CHF dated 2025-01-10 loaded from tx.csv
    (load L00004), e.g. record N1``); ``coverage`` says which months are not over, or
    complete now (``marsad coverage``: the next build stops; default: the last build's
    ``coverage_months``).

    ``rate_max_age_days``: the limit a stale rate is worded with; default the one the
    last build checked them against (recorded with it), and when today's setting
    ``MARSAD_RATE_MAX_AGE_DAYS`` differs, a stale rate's line says both (``... (the last
    build's MARSAD_RATE_MAX_AGE_DAYS was 7; it is 30 now: the next build checks
    again)``); today's setting for a build by an older marsad, which did not record it."""
    from marsad.convert import describe_problem

    rows = build_heavy.stored_unconverted(wh)
    if not rows:
        return []
    change = ""
    if rate_max_age_days is None:
        rate_max_age_days, change = _built_max_age(wh)
    if coverage is not None:
        months = coverage.months
        state = {m: _month_state(coverage.is_over(m), m in coverage.complete) for m in months}
    else:
        state = {(int(y), int(m)): _month_state(bool(o), bool(c)) for y, m, o, c in wh.sql(
            "SELECT year, month, over, complete FROM coverage_months")}  # fmt: skip
    loads = sorted({load for row in rows for load in row[8] or ()})
    files = queries.load_files(wh, loads)
    allowed = {c: max(d, rate_max_age_days) for c, d in queries.rate_intervals(wh).items()}
    lines = []
    for year, month, *problem in rows:
        why = state.get((year, month), "not complete")
        text = describe_problem(
            tuple(problem), files, max_age_days=rate_max_age_days, allowed=allowed
        )
        stale = change if problem[0] != "missing" else ""
        lines.append(f"{Period('month', year, month)} ({why}): {text}{stale}")
    return lines


def _built_max_age(wh: Warehouse) -> tuple[int, str]:
    """The last build's ``MARSAD_RATE_MAX_AGE_DAYS`` (today's when not recorded), and
    the words to add to a stale rate when today's setting differs (else empty)."""
    from marsad.settings import get_settings

    now = get_settings().rate_max_age_days
    built = build_years.stored_rate_max_age(wh)
    if built is None or built == now:
        return now, ""
    return built, (
        f" (the last build's MARSAD_RATE_MAX_AGE_DAYS was {built}; it is {now} now: "
        "the next build checks again)"
    )


def _month_state(over: bool, complete: bool) -> str:
    """Why a month's unconverted records stop nothing yet, or that they will."""
    if complete:
        return "complete: the next build stops until its rates are loaded"
    return "not complete" if over else "not over yet"


def _coverage_rows(coverage: Coverage) -> pa.Table:
    """``coverage_months``: year, month, complete, missing (reporters, comma-separated)."""
    months = coverage.months
    return pa.table(
        {
            "year": pa.array([y for y, _ in months], pa.int32()),
            "month": pa.array([m for _, m in months], pa.int32()),
            "complete": pa.array([m in coverage.complete for m in months], pa.bool_()),
            "missing": pa.array([",".join(coverage.missing[m]) for m in months], pa.string()),
            "over": pa.array([coverage.is_over(m) for m in months], pa.bool_()),
        }
    )


def _lookup_tables(wh: Warehouse, tables: build_heavy.Lookups) -> None:
    """Store ``rates_daily`` and ``service_map``, and (re)define the view ``records_mad``
    (every record with its segment and MAD value, lazily over ``transactions``: for
    tracing a figure with ``marsad review`` and the like; a build never scans it)."""
    wh.replace_table("rates_daily", tables.daily)
    wh.replace_table("service_map", tables.services)
    classified = classify(wh.table("transactions"), wh.table("firms"), wh.table("service_map"))
    wh.replace_view("records_mad", convert(classified, wh.table("rates_daily")))


def _heavy(
    wh: Warehouse, runner: Engine, plan: build_state.Plan, tables: build_heavy.Lookups
) -> None:
    """Run the heavy stage for the plan's months, replacing their rows; delete the rows
    of the months without records any more (every row, in a full build)."""
    if plan.full:
        for name in (*build_heavy.TABLES, *build_heavy.DERIVED):
            wh.sql(f"DROP TABLE IF EXISTS {name}")
    else:
        for name in (*build_heavy.TABLES, *build_heavy.DERIVED):
            build_heavy.delete_months(wh, name, plan.deleted)
    if plan.months or plan.full:
        build_heavy.compute(wh, runner, plan.months, tables)


def _settings_rule() -> SdcRule:
    from marsad.settings import get_settings

    return get_settings().sdc_rule()


def table_digest(wh: Warehouse) -> str:
    """SHA-256 (64 hex digits) of the stored ``indicators`` table, in the order readers
    read it, every column but ``release`` (named from this digest) and ``sort_key``
    (an incremental build numbers the rows of the years it recomputes after the
    others: only their order is read): the public and internal values, the exact ones
    that the bulletin rounds, the statuses. Same bytes in every file made from the
    table, same digest; a withheld value is hashed too. Its few unknowns can be guessed,
    so it is never shown: the release id keys it (:func:`keyed_digest`).

    >>> import tempfile, pathlib
    >>> from marsad.engine import open_warehouse
    >>> wh = open_warehouse(pathlib.Path(tempfile.mkdtemp()) / "w.duckdb")
    >>> key = ", ".join(f"{c} VARCHAR" for c in COLUMNS[:6])
    >>> _ = wh.sql(f"CREATE TABLE indicators ({key}, value VARCHAR, release VARCHAR)")
    >>> empty = table_digest(wh)
    >>> _ = wh.sql("INSERT INTO indicators VALUES ('level', 'exports', '2024', 'TOTAL', "
    ...            "'_T', '_T', '1.00', 'x')")
    >>> one = table_digest(wh)
    >>> _ = wh.sql("UPDATE indicators SET release = 'y'")
    >>> (len(one), one != empty, table_digest(wh) == one)
    (64, True, True)
    >>> wh.close()
    """
    columns = [c for c in wh.table("indicators").columns if c not in ("release", SORT_KEY)]
    fields = ", ".join(f"coalesce(CAST({quote_ident(c)} AS VARCHAR), chr(0))" for c in columns)
    order = stored_order(wh.table("indicators").columns).removeprefix("ORDER BY ")
    return wh.scalar(
        f"SELECT sha256(coalesce(string_agg(concat_ws(chr(31), {fields}), chr(30) "
        f"ORDER BY {order}, indicator, flow), '')) FROM indicators"
    )


def keyed_digest(digest: str, key: str) -> str:
    """The table's ``digest`` keyed with the secret of its records
    (:func:`~marsad.engine.records_key.records_key`): what the release id shows of the table.
    The table's own digest covers its withheld values, and anyone holding the public
    table and marsad's code could compute it for every candidate value of a withheld
    cell until it gave the published id; keyed, it cannot be computed without every
    record.

    >>> keyed_digest("ab" * 32, "k1") != keyed_digest("ab" * 32, "k2")
    True
    >>> len(keyed_digest("ab" * 32, "k1"))
    64
    """
    import hmac

    return hmac.new(key.encode(), digest.encode(), "sha256").hexdigest()


def _release_id(wh: Warehouse, digest: str, complete: list[Month]) -> str:
    """``<last month>.<first 8 hex digits of the table's digest>`` (e.g. 2025-06.3fa9c2d1),
    the last month being the last complete one (``complete``), the last the table
    publishes (a month not complete yet is not published: it does not name the
    release); with no complete month, the last month of the cube. The rest of the id
    names the table (:func:`table_digest`, keyed with its records' secret:
    :func:`keyed_digest`), so that two builds of the same records have one id exactly
    when every file made from their tables is the same, whatever setting, reference file,
    load or version of marsad made the difference. A build of the synthetic generator's
    records says so: ``2025-06.synthetic.3fa9c2d1``, in the ``release`` column of every
    file made from it. The digest covers withheld values, which are not public; keyed, it
    cannot be recomputed from the public table and a guess of them."""
    last = max(complete) if complete else queries.cube_months(wh)[1]
    synthetic = SYNTHETIC_TAG if queries.has_synthetic_firms(wh) else "."
    return f"{Period('month', *last)}{synthetic}{digest[:8]}"


def _stored_complete(wh: Warehouse) -> list[Month]:
    """The complete months of the last build (before this one replaces them)."""
    if not wh.has_table("coverage_months"):
        return []
    return [(int(y), int(m)) for y, m in wh.sql("SELECT year, month FROM coverage_months "
                                                   "WHERE complete")]  # fmt: skip


def _report(
    wh: Warehouse, records: int, release: str, observations: int, coverage: Coverage
) -> BuildReport:
    by_source = queries.records_by_source(wh)
    first, last = queries.cube_months(wh)
    review_firms = queries.count_held_firms(wh)
    held = open_rows(wh)
    missing = incomplete(coverage)
    return BuildReport(
        records=records,
        unallocated=by_source.get("unallocated", 0),
        review_firms=review_firms,
        gaps=gap_lines(missing, held),
        nil_return=nil_return_hint(missing, held),
        quarantine=held.lines(),
        by_source=by_source,
        cube_cells=queries.count_cube_cells(wh),
        observations=observations,
        release=release,
        first_month=str(Period("month", *first)),
        last_month=str(Period("month", *last)),
        load_table=functools.partial(load_indicators, wh),
    )
