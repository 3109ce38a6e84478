"""The stage after the cube, year by year: indicators, disclosure control, stored tables.

A figure of a period of year Y reads the cube of Y and of the year before only (a
growth, a contribution or the progress on the previous year reads Y-1; nothing reads
a later year) and the flags of the level cells of those two years; the level cells of
a year are protected as components of their own (exports and imports, each year:
:mod:`marsad.protect.cells`), whose pattern depends on their content only. So a build
recomputes the rows of the years whose cube or complete months changed and of the
year after each (:func:`plan_years`), and keeps the stored rows of the other years:

- ``indicators``: the figures of those years are computed from the cube of those
  years and of the year before each (:func:`~marsad.indicators.compute.compute_indicators`
  with ``years``), their level cells protected (reusing ``sdc_cache``), their derived
  figures flagged from the flags of the cells they read (the year before's from the
  stored ``sdc_cells``);
- ``sdc_cells`` and ``sdc_cache``: the rows of those years replaced.

The earlier releases are an input of a year's disclosure control too
(:mod:`marsad.protect.apriori`): ``sdc_apriori`` keeps, per year, the digest of the
a priori cells its protection read and how many sensitive cells they left
unprotectable; a year whose digest changed (a release was made, or removed) is
recomputed, and the year after it.

What reads every year is made again by every build, cheaply: the rows the build adds
(:func:`~marsad.indicators.assemble.added_rows`: the old series, the exports tracker,
which reads five years of TOTAL levels, the jobs); the revision status (``obs_status``)
of every row, since the last complete month (or the revision policy) moves, in one
SQL statement; the release id, the digest of the table once written (:func:`stamp`);
the information loss, counted in SQL (:func:`~marsad.protect.stored.stored_loss`).

A full build is the same code with every year to compute, so that the two cannot
drift apart; ``tests/unit/test_incremental.py`` checks, on random sequences of
loads, that incremental builds store the same tables as full ones.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

import pyarrow as pa
import pyarrow.compute as pc

from marsad import __version__
from marsad.engine import queries
from marsad.engine.warehouse import Warehouse
from marsad.indicators.assemble import Jobs, added_rows, flag_break
from marsad.indicators.compute import (
    CUBE_INDICATORS,
    CubeCell,
    StatusRule,
    compute_indicators,
)
from marsad.indicators.rows import SORT_KEY, export_rows, sort_keys
from marsad.indicators.table import IndicatorTable, Observation
from marsad.indicators.targets import break_year, without_left_out
from marsad.periods import Month, Period
from marsad.protect.apriori import Apriori, table_key
from marsad.protect.cache import METHOD, cache_from_rows, cache_rows
from marsad.protect.cells import BREAKDOWNS, cell_statistics, period_map
from marsad.protect.indicators import Protected, flagged, protect_indicators
from marsad.protect.loss import Loss
from marsad.protect.primary import FREE, SdcRule
from marsad.protect.stored import sdc_rows, stored_loss
from marsad.protect.table import Key
from marsad.reference import ALL, TOTAL

#: Internal table of the suppression pattern of each component by fingerprint, with
#: its year (:mod:`marsad.protect.cache`): a build solves only the components that changed.
SDC_CACHE = "sdc_cache"
#: Internal table of the statistics of every level cell (contributors, total, the two
#: largest contributions) by year: confidential like ``contributions``, never exported.
#: A build recomputes those of the periods its changed months count in (:func:`_statistics`).
SDC_STATS = "sdc_cell_stats"
#: The years whose statistics ``sdc_cell_stats`` holds whole.
SDC_STATS_YEARS = "sdc_cell_stats_years"
#: Per year: the digest of the a priori cells of earlier releases its disclosure control
#: read (:meth:`~marsad.protect.apriori.Apriori.digests`) and the sensitive cells they
#: left unprotectable. Only while a release exists: a warehouse without any has none.
SDC_APRIORI = "sdc_apriori"
#: One row: the fingerprint of what every year's rows depend on besides the cube.
STATE = "build_years"
#: Bump when the rows of a year change for the same cube and settings.
VERSION = "2"  # 2: ratios kept round-to-odd (marsad.indicators.exact)
#: The indicators computed from the cube, as a SQL list (the others are added rows).
_CUBE = ", ".join(f"'{name}'" for name in CUBE_INDICATORS)
#: Year of a period code (``2024``, ``2024-S1``, ``2024-07/YTD``) in SQL.
_YEAR = "CAST(left(period, 4) AS INTEGER)"


@dataclass(frozen=True)
class Years:
    """The years a build computes (``build``), the years whose cube it reads
    (``window``: each of them and the year before), and the years of the data now
    (``current``: of the cube and of the complete months); ``reason`` says why every
    year is computed (e.g. ``"no earlier build"``), empty when not; ``months``, the
    months that changed."""

    build: frozenset[int]
    window: frozenset[int]
    current: frozenset[int]
    reason: str = ""
    #: the months whose contributions changed or that became complete or stopped being
    #: so: only the periods they count in have new cell statistics (:func:`_statistics`)
    months: frozenset[Month] = frozenset()


def settings_fingerprint(rule: SdcRule, percent_decimals: int) -> str:
    """SHA-256 of what a year's rows depend on besides its cube and complete months:
    the confidentiality parameters (never shown: hashed), the decimals written,
    the method's version and marsad's.

    >>> settings_fingerprint(SdcRule(), 4) != settings_fingerprint(SdcRule(), 2)
    True
    """
    rule_key = [rule.min_contributors, str(rule.p.normalize())]
    key = [VERSION, METHOD, __version__, *rule_key, percent_decimals]
    return hashlib.sha256(json.dumps(key).encode()).hexdigest()


def published_options(
    rule: SdcRule,
    percent_decimals: int,
    provisional_from: int | None,
    final_after_months: int,
) -> str:
    """SHA-256 of every option of a build that changes its table: those of
    :func:`settings_fingerprint` and the revision status rule. ``marsad release create``
    compares it with the settings of the day (:func:`stored_options`), so that it never
    freezes a table built with other settings than its manifest records.

    >>> published_options(SdcRule(), 4, None, 12) != published_options(SdcRule(), 4, None, 6)
    True
    """
    key = [settings_fingerprint(rule, percent_decimals), provisional_from, final_after_months]
    return hashlib.sha256(json.dumps(key).encode()).hexdigest()


def plan_years(
    wh: Warehouse,
    changed_months: Iterable[Month],
    complete_before: Collection[Month],
    complete_now: Collection[Month],
    *,
    settings_fp: str,
    full: bool,
    apriori: Mapping[int, str] | None = None,
) -> Years:
    """The years to compute: those of ``changed_months`` (the months the heavy stage
    recomputed or deleted), of the months that became complete or stopped being so,
    and of the years whose a priori cells changed (``apriori``: a digest per year,
    :meth:`~marsad.protect.apriori.Apriori.digests`, against ``sdc_apriori``), and the
    year after each; every year when ``full``, when the settings changed, or
    when the last build kept no state of its years (a first build, an older marsad).

    Call it before the build replaces ``build_years`` (:func:`save`).
    """
    cube_years = {int(y) for (y,) in wh.sql("SELECT DISTINCT year FROM cube")}
    current = frozenset(cube_years | {y for y, _ in complete_now})
    reason = "full build asked for" if full else _stale(wh, settings_fp)
    months = frozenset(changed_months) | (set(complete_before) ^ set(complete_now))
    if reason:
        build = current
    else:
        changed = {y for y, _ in months} | _apriori_changed(wh, apriori or {}, current)
        build = frozenset((changed | {y + 1 for y in changed}) & current)
    window = frozenset((build | {y - 1 for y in build}) & current)
    return Years(build, window, current, reason, frozenset(months))


def _apriori_changed(wh: Warehouse, digests: Mapping[int, str], years: Iterable[int]) -> set[int]:
    """The ``years`` whose a priori digest differs from the one their stored rows were
    protected with (none stored: none)."""
    stored = {y: d for y, (d, _n) in _stored_apriori(wh).items()}
    return {y for y in years if stored.get(y, "") != digests.get(y, "")}


def _stored_apriori(wh: Warehouse) -> dict[int, tuple[str, int]]:
    """``sdc_apriori`` by year: (digest, unprotectable cells); empty when absent."""
    if not wh.has_table(SDC_APRIORI):
        return {}
    rows = wh.sql(f"SELECT year, digest, unprotectable FROM {SDC_APRIORI}")
    return {int(y): (str(d), int(n)) for y, d, n in rows}


def _stale(wh: Warehouse, settings_fp: str) -> str:
    if not all(wh.has_table(t) for t in (STATE, "indicators", "sdc_cells")):
        return "no earlier build"
    if wh.scalar(f"SELECT max(settings) FROM {STATE}") != settings_fp:
        return "settings or marsad changed"
    return ""


@dataclass(frozen=True)
class Saved:
    """What the stage stored: the number of observations, the information loss, and the
    sensitive cells that earlier releases leave unprotectable (every year's)."""

    observations: int
    loss: list[Loss]
    unprotectable: int = 0


def compute_and_store(
    wh: Warehouse,
    years: Years,
    *,
    release: str,
    complete: list[Month],
    rule: SdcRule,
    jobs: list[Jobs],
    percent_decimals: int,
    provisional_from: int | None,
    final_after_months: int | None,
    settings_fp: str,
    cached: bool = True,
    step: Callable[[str], None] = lambda _name: None,
    apriori: Apriori | None = None,
) -> Saved:
    """Compute the rows of ``years.build``, protect them, and store ``indicators``,
    ``sdc_cells`` and ``sdc_cache`` (module docstring), every row's ``release`` set to
    ``release`` (the build then names the table: :func:`stamp`); ``cached``: reuse the
    stored suppression patterns (``False``: solve every component again); ``apriori``:
    the level cells of the earlier releases (:mod:`marsad.protect.apriori`). Runs inside
    the build's transaction."""
    step("indicators")
    status = StatusRule.of(complete, final_after_months, provisional_from)
    cells = [CubeCell(*row) for row in queries.cube_cells(wh, years.window)]
    table = compute_indicators(
        cells,
        release=release,
        provisional_from=provisional_from,
        complete_months=complete,
        final_after_months=final_after_months,
        years=years.build,
    )
    added = added_rows(_annual_levels(wh, table, years, release, status), jobs, release)

    step("protect")
    known = _stored_flags(wh, years)
    apriori = apriori or Apriori()
    protected = _protect(wh, table, years, complete, rule, known, cached, apriori)
    added = without_left_out([flagged(o, protected.withheld) for o in added])

    step("save")
    rows = flag_break(protected.table)
    _store_indicators(wh, years, rows, added, status, percent_decimals)
    _store_cells(wh, years, protected)
    unprotectable = _store_apriori(wh, years, apriori, protected)
    observations = int(wh.scalar("SELECT count(*) FROM indicators"))
    return Saved(observations, stored_loss(wh), unprotectable)


def _store_apriori(wh: Warehouse, years: Years, apriori: Apriori, protected: Protected) -> int:
    """Write ``sdc_apriori`` (every year of the data: the digest now, the unprotectable
    cells of the years computed, the stored count of the others) when there is an
    earlier release, drop it when there is none; return the unprotectable cells of
    every year."""
    digests = apriori.digests()
    stored = _stored_apriori(wh)
    counts = {y: n for y, (_d, n) in stored.items() if y not in years.build}
    for key in protected.suppression.unprotectable:  # an earlier release's cells too
        year = int(table_key(key)[1][:4])
        counts[year] = counts.get(year, 0) + 1
    if not digests:  # no earlier release: nothing known, nothing stored (as before any)
        wh.sql(f"DROP TABLE IF EXISTS {SDC_APRIORI}")
        return 0
    current = sorted(years.current)
    rows = pa.table(
        {
            "year": pa.array(current, pa.int32()),
            "digest": pa.array([digests.get(y, "") for y in current], pa.string()),
            "unprotectable": pa.array([counts.get(y, 0) for y in current], pa.int64()),
        }
    )
    wh.replace_table(SDC_APRIORI, rows)
    return sum(counts.get(y, 0) for y in current)


def stamp(
    wh: Warehouse,
    release: str,
    *,
    settings_fp: str,
    digest: str,
    options: str,
    rate_max_age_days: int | None = None,
) -> None:
    """Write the release id in every row of ``indicators``, and the state of this build
    in ``build_years``: ``settings`` (``settings_fp``, read by :func:`plan_years`),
    ``indicators`` (``digest``, the table's SHA-256, read by :func:`stored_digest`),
    ``options`` (:func:`published_options`, read by :func:`stored_options`) and
    ``rate_max_age_days`` (the build's ``MARSAD_RATE_MAX_AGE_DAYS``, read by
    :func:`stored_rate_max_age`: what its unconverted records were checked against)."""
    wh.sql("UPDATE indicators SET release = ? WHERE release IS DISTINCT FROM ?", [release] * 2)
    state = {"settings": [settings_fp], "indicators": [digest], "options": [options]}
    columns = pa.table(state)
    if rate_max_age_days is not None:
        columns = columns.append_column("rate_max_age_days", pa.array([rate_max_age_days]))
    wh.replace_table(STATE, columns)


def stored_rate_max_age(wh: Warehouse) -> int | None:
    """The ``MARSAD_RATE_MAX_AGE_DAYS`` of the last build, in days (e.g. 7); None when
    unknown (no build, or one by an older marsad)."""
    if not wh.has_table(STATE) or "rate_max_age_days" not in wh.table(STATE).columns:
        return None
    value = wh.scalar(f"SELECT max(rate_max_age_days) FROM {STATE}")
    return None if value is None else int(value)


def stored_options(wh: Warehouse) -> str | None:
    """The :func:`published_options` of the last build (None when unknown: no build, or
    one by an older marsad)."""
    if not wh.has_table(STATE) or "options" not in wh.table(STATE).columns:
        return None
    return wh.scalar(f"SELECT max(options) FROM {STATE}")


def stored_digest(wh: Warehouse) -> str:
    """The digest of the table of the last build (``""`` when none is known: no build,
    or one by an older marsad)."""
    if not wh.has_table(STATE) or "indicators" not in wh.table(STATE).columns:
        return ""
    return wh.scalar(f"SELECT max(indicators) FROM {STATE}") or ""


def _annual_levels(
    wh: Warehouse, table: IndicatorTable, years: Years, release: str, status: StatusRule
) -> IndicatorTable:
    """The exports TOTAL level of every year, as computed (before disclosure control):
    those of ``years.build`` from ``table``, the others as stored; what the tracker reads."""
    found: dict[int, Decimal] = {}
    if years.build != years.current:
        for period, exact in wh.sql(
            "SELECT period, exact FROM indicators WHERE indicator = 'level' AND flow = 'exports' "
            "AND segment = ? AND service = ? AND partner = ? AND length(period) = 4",
            [TOTAL, ALL, ALL],
        ):
            year = int(period)
            if year in years.current and year not in years.build and exact is not None:
                found[year] = Decimal(exact)
    totals = table.select(
        indicator="level", flow="exports", segment=TOTAL, service=ALL, partner=ALL
    )
    for obs in totals:
        period = Period.parse(obs.period)
        if period.kind == "year" and obs.value is not None:
            found[period.year] = obs.value
    rows = [
        Observation(
            "level",
            "exports",
            str(y),
            TOTAL,
            ALL,
            ALL,
            v,
            "MAD",
            obs_status=status.status(Period("year", y)),
            release=release,
        )
        for y, v in sorted(found.items())
    ]
    return IndicatorTable(rows, release=release)


def _stored_flags(wh: Warehouse, years: Years) -> dict[Key, str]:
    """The flags of the withheld level cells of the years kept (from ``sdc_cells``):
    what the derived figures of the years computed, and the tracker, read.

    The years kept are listed, never written as ``NOT IN`` the years computed: a build
    that computes no year (nothing changed) made that ``NOT IN (NULL)``, true of no row,
    and the tracker of a withheld total was then flagged free and published."""
    kept = years.current - years.build
    if not kept or not wh.has_table("sdc_cells"):
        return {}
    rows = wh.sql(
        f"SELECT flow, period, segment, service, partner, status FROM sdc_cells "
        f"WHERE status <> ? AND {_YEAR} IN ({_list(kept)})",
        [FREE],
    )
    return {tuple(r[:5]): r[5] for r in rows}


def _protect(
    wh: Warehouse,
    table: IndicatorTable,
    years: Years,
    complete: list[Month],
    rule: SdcRule,
    known: dict[Key, str],
    cached: bool,
    apriori: Apriori,
) -> Protected:
    """Primary and secondary confidentiality of the years computed (:mod:`marsad.protect`),
    from the statistics of each of their level cells (:func:`_statistics`) and the
    earlier releases (``apriori``)."""
    stats = _statistics(wh, years, complete)
    cache = {}
    if cached and wh.has_table(SDC_CACHE) and "year" in wh.table(SDC_CACHE).columns:
        cache = cache_from_rows(
            wh.sql(
                f"SELECT fingerprint, keys FROM {SDC_CACHE} WHERE year IN ({_list(years.build)})"
            )
        )
    return protect_indicators(table, stats, rule, cache=cache, known=known, apriori=apriori)


def _statistics(wh: Warehouse, years: Years, complete: list[Month]) -> list[tuple]:
    """The statistics of the level cells of ``years.build`` (flow, period, segment,
    service, partner, contributors, total, x1, x2), from ``contributions``, kept in
    ``sdc_cell_stats``.

    A period's statistics read the contributions of its complete months only, so a
    build recomputes those of the periods that a month of ``years.months`` counts in
    (:func:`~marsad.protect.cells.period_map`: its month, quarter, half and year, and
    the years to date from it on) and keeps the others: a month added at the end of
    the history recomputes six periods of its year, not the year's thirty-one, and the
    year after a corrected one (rebuilt for its growth rates) none. A year whose
    statistics are not all there (``sdc_cell_stats_years``), and every year of a build
    with a ``reason``, is computed whole.

    They are queried one year and one breakdown at a time (no period spans two years,
    no cell two breakdowns): the query spreads each contributor's month over every
    period it counts in, about ten rows per month and breakdown, which for ten years of
    10M records held more than 13 GB at once, and one year of 100M records with every
    breakdown 2.7 GB (bench/RESULTS.md)."""
    for ddl in (
        f"""CREATE TABLE IF NOT EXISTS {SDC_STATS} (year INTEGER, flow VARCHAR,
            period VARCHAR, segment VARCHAR, service VARCHAR, partner VARCHAR,
            contributors BIGINT, total DECIMAL(38,2), x1 DECIMAL(38,2), x2 DECIMAL(38,2))""",
        f"CREATE TABLE IF NOT EXISTS {SDC_STATS_YEARS} (year INTEGER)",
    ):
        wh.sql(ddl)
    for table in (SDC_STATS, SDC_STATS_YEARS):
        wh.sql(f"DELETE FROM {table} WHERE year NOT IN ({_list(years.current)})")
    whole = set() if years.reason else {y for (y,) in wh.sql(f"SELECT year FROM {SDC_STATS_YEARS}")}
    contributions = wh.table("contributions")
    for year in sorted(years.build):
        wanted = None  # every period of the year
        if year in whole:
            touched = [m for m in years.months if m[0] == year]
            wanted = sorted(set(period_map(touched).column("period").to_pylist()))
            if not wanted:
                continue
        _forget_statistics(wh, year, wanted)
        months = [m for m in complete if m[0] == year]
        if not months:
            continue
        periods = period_map(months)
        if wanted is not None:
            periods = periods.filter(pc.is_in(periods["period"], pa.array(wanted)))
        wh.register("_sdc_periods", periods)
        try:
            of_year = contributions.filter(contributions.year == year)
            for breakdown in BREAKDOWNS:
                expr = cell_statistics(of_year, wh.table("_sdc_periods"), [breakdown])
                wh.sql(
                    f"INSERT INTO {SDC_STATS} SELECT {int(year)}, * FROM ({wh.ibis.compile(expr)})"
                )
        finally:
            wh.unregister("_sdc_periods")
    return wh.sql(
        "SELECT flow, period, segment, service, partner, contributors, total, x1, x2 "
        f"FROM {SDC_STATS} WHERE year IN ({_list(years.build)}) ORDER BY ALL"
    )


def _forget_statistics(wh: Warehouse, year: int, periods: list[str] | None) -> None:
    """Delete the stored statistics of ``periods`` of ``year`` (every period when None,
    the year then marked whole: its statistics are all computed next)."""
    if periods is not None:
        wh.sql(
            f"DELETE FROM {SDC_STATS} WHERE year = ? AND list_contains(?, period)",
            [year, periods],
        )
        return
    wh.sql(f"DELETE FROM {SDC_STATS} WHERE year = ?", [year])
    wh.sql(f"DELETE FROM {SDC_STATS_YEARS} WHERE year = ?", [year])
    wh.sql(f"INSERT INTO {SDC_STATS_YEARS} VALUES (?)", [year])


def _store_indicators(
    wh: Warehouse,
    years: Years,
    rows: list[Observation],
    added: list[Observation],
    status: StatusRule,
    percent_decimals: int,
) -> None:
    """Write ``indicators``: the stored rows of the years kept (their ``obs_status``
    set again), then the rows computed and the rows added, each with
    its ``sort_key`` (:func:`~marsad.indicators.rows.sort_keys`: readers order by it)."""
    new = export_rows(IndicatorTable([*rows, *added]), percent_decimals=percent_decimals)
    new = new.append_column(SORT_KEY, pa.array(sort_keys(rows, len(added)), pa.int64()))
    keep = _keeps(wh, years, "indicators")
    wh.register("_years_new", new)
    try:
        if not keep:
            wh.sql("CREATE OR REPLACE TABLE indicators AS SELECT * FROM _years_new")
            return
        wh.sql(f"DELETE FROM indicators WHERE NOT (indicator IN ({_CUBE}) AND {keep})")
        _restatus(wh, status)
        wh.sql(f"INSERT INTO indicators ({_cols(new.column_names)}) SELECT * FROM _years_new")
    finally:
        wh.unregister("_years_new")


def _restatus(wh: Warehouse, status: StatusRule) -> None:
    """Set the revision status of the rows kept: the last complete month moves (a
    period becomes final a year after its end, by default), and so may the revision
    policy. The break year's TOTAL level keeps its ``B``. (Their release is set with
    every row's by :func:`stamp`.)"""
    periods = sorted(r[0] for r in wh.sql("SELECT DISTINCT period FROM indicators"))
    table = pa.table(
        {
            "period": pa.array(periods, pa.string()),
            "status": pa.array([status.status(Period.parse(p)) for p in periods], pa.string()),
        }
    )
    wh.register("_years_status", table)
    try:
        wh.sql(
            "UPDATE indicators SET obs_status = s.status FROM _years_status s "
            "WHERE indicators.period = s.period AND indicators.obs_status <> s.status "
            "AND NOT (indicator = 'level' AND flow = 'exports' AND segment = ? AND service = ? "
            "AND partner = ? AND indicators.period = ?)",
            [TOTAL, ALL, ALL, break_year() or ""],
        )
    finally:
        wh.unregister("_years_status")


def _store_cells(wh: Warehouse, years: Years, protected: Protected) -> None:
    """Write ``sdc_cells`` and ``sdc_cache``: the rows of the years kept, and the
    years computed."""
    cells = sdc_rows(protected.linked)
    firsts = protected.suppression.first_keys
    cache = cache_rows(protected.cache, {fp: int(firsts[fp][1][:4]) for fp in protected.cache})
    for name, new in (("sdc_cells", cells), (SDC_CACHE, cache)):
        keep = _keeps(wh, years, name)
        if keep and set(wh.table(name).columns) != set(new.column_names):
            keep = ""  # a layout of an earlier marsad: made again whole
        wh.register("_years_new", new)
        try:
            if not keep:
                wh.sql(f'CREATE OR REPLACE TABLE "{name}" AS SELECT * FROM _years_new')
                continue
            wh.sql(f'DELETE FROM "{name}" WHERE NOT ({keep})')
            wh.sql(f'INSERT INTO "{name}" ({_cols(new.column_names)}) SELECT * FROM _years_new')
        finally:
            wh.unregister("_years_new")


def _keeps(wh: Warehouse, years: Years, name: str) -> str:
    """The SQL condition on the rows of ``name`` kept (of a year kept), or ``""``."""
    kept = years.current - years.build
    if not kept or not wh.has_table(name):
        return ""
    year = "year" if name == SDC_CACHE else _YEAR
    return f"{year} IN ({_list(kept)})"


def _cols(columns: Iterable[str]) -> str:
    return ", ".join(f'"{c}"' for c in columns)


def _list(years: Iterable[int]) -> str:
    """A SQL list of years: ``NULL`` when empty (``IN (NULL)`` holds for no row; so does
    ``NOT IN (NULL)``: never write ``NOT IN`` with it, list the years wanted instead)."""
    return ", ".join(str(int(y)) for y in sorted(years)) or "NULL"
