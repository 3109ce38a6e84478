"""Compute the indicator table from the cube.

The cube is small (months x flows x segments x services x partners), so this
runs in-process. Levels are summed as integer centimes, so that any breakdown
adds up to its total exactly; ratios are decided on the exact integers (about 28
significant digits kept, see below), rounded only when written out.

Breakdowns (grouping sets over segment, service, partner): the total; by
segment; by service; by partner; segment x service; segment x partner. A
dimension not broken down carries its total code (``TOTAL`` for segment,
``_T`` for service and partner).

Segments: the five segments add up to ``TOTAL``; ``DDS`` (the records of the
sector whose service is digitally deliverable) is an aggregate of its own,
published beside them with levels, growth, shares of the total, progress and
year-to-date figures, but no contribution (contributions add up over the five).

Periods: calendar years (``2024``), halves (``2024-S1``), quarters
(``2024-Q3``) and months (``2024-07``), each only when all its months are
complete (:mod:`marsad.coverage`: every expected reporter delivered); year-to-date
for each month whose January-to-month months are all complete. A cell with no
record in a period has no level (absent, not zero); a ratio whose denominator is
zero or absent is absent.

Ratios are decided exactly on the integer centimes and kept as round-to-odd decimals
(:mod:`marsad.indicators.exact`): written with any number of decimals they come out
as the exact ratio rounded once.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from marsad.indicators.exact import quotient
from marsad.indicators.registry import INDICATORS
from marsad.indicators.table import IndicatorTable, Observation
from marsad.periods import KINDS, Month, Period, months_between
from marsad.reference import ALL, DDS, TOTAL, is_digitally_deliverable

FLOW_NAMES = {"C": "exports", "D": "imports"}
#: Grouping sets over (segment, service, partner) published in the table.
BREAKDOWNS: tuple[tuple[str, ...], ...] = (
    (),
    ("segment",),
    ("service",),
    ("partner",),
    ("segment", "service"),
    ("segment", "partner"),
)
#: The indicators computed from the cube (the build adds the old series, the tracker
#: and the jobs: :mod:`marsad.indicators.assemble`).
CUBE_INDICATORS = (
    "level",
    "ytd_level",
    "growth_yoy",
    "share",
    "progress_prev_year",
    "contribution",
    "ytd_growth_yoy",
)

Key = tuple[str, str, str, str]  # flow, segment, service, partner
Levels = dict[tuple[Key, Period], int]  # centimes of a cell in a period


@dataclass(frozen=True)
class CubeCell:
    """A cube cell as the computation needs it (e.g. 2024, 7, "C", "ITO", "SI22", "FR", 1234, 3)."""

    year: int
    month: int
    flow: str
    segment: str
    service: str
    partner: str
    centimes: int
    records: int


@functools.cache
def periods_of(year: int, month: int) -> tuple[Period, ...]:
    """The year, half, quarter and month a month belongs to, longest first.

    >>> [str(p) for p in periods_of(2024, 7)]
    ['2024', '2024-S2', '2024-Q3', '2024-07']
    """
    return tuple(Period.of_month(year, month, kind) for kind in KINDS)


#: A period as written in the table (cached: a build writes each one thousands of times).
_written = functools.cache(str)


def parent_key(key: Key) -> Key | None:
    """The cell a share or contribution is taken of: the first detailed
    dimension (segment, then service, then partner) set to its total."""
    flow, segment, service, partner = key
    if segment != TOTAL:
        return (flow, TOTAL, service, partner)
    if service != ALL:
        return (flow, segment, ALL, partner)
    if partner != ALL:
        return (flow, segment, service, ALL)
    return None


def _ratio(numerator: int, denominator: int | None) -> Decimal | None:
    """``numerator / denominator x 100`` as its round-to-odd decimal (rounded once when
    written, :mod:`marsad.indicators.exact`), or None for a zero or absent denominator."""
    return quotient(numerator, denominator)


def _money(centimes: int) -> Decimal:
    """Exact MAD of integer centimes, however many digits (no context rounding).

    >>> _money(10**40 + 1), _money(-5)
    (Decimal('100000000000000000000000000000000000000.01'), Decimal('-0.05'))
    """
    return Decimal(f"{centimes}E-2")


def _keys(cell: CubeCell) -> Iterator[Key]:
    """The cells of every breakdown a cube cell counts in: its segment and
    ``TOTAL``, and ``DDS`` too when its service is digitally deliverable."""
    flow = FLOW_NAMES[cell.flow]
    segments = (cell.segment, DDS) if is_digitally_deliverable(cell.service) else (cell.segment,)
    for dims in BREAKDOWNS:
        service = cell.service if "service" in dims else ALL
        partner = cell.partner if "partner" in dims else ALL
        for segment in segments if "segment" in dims else (TOTAL,):
            yield (flow, segment, service, partner)


def monthly_levels(cells: Iterable[CubeCell]) -> dict[Key, dict[Month, tuple[int, int]]]:
    """Monthly (centimes, records) per cell of every breakdown, exports and imports."""
    out: dict[Key, dict[Month, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for cell in cells:
        for key in _keys(cell):
            slot = out[key][(cell.year, cell.month)]
            slot[0] += cell.centimes
            slot[1] += cell.records
    return {k: {m: (v[0], v[1]) for m, v in months.items()} for k, months in out.items()}


def _coverage(levels: dict[Key, dict[Month, tuple[int, int]]]) -> set[Month]:
    """Without coverage from the build: every month from the first to the last
    with any record (what a cube alone can tell)."""
    months = {m for series in levels.values() for m in series}
    return set(months_between(min(months), max(months))) if months else set()


def period_levels(
    levels: dict[Key, dict[Month, tuple[int, int]]],
    complete_months: Iterable[Month] | None = None,
) -> tuple[Levels, Levels]:
    """Levels (centimes) of every complete period, and year-to-date levels by month.

    ``complete_months`` are the months every expected reporter delivered
    (:func:`marsad.coverage.assess`); a period is complete when all its months
    are. Without it, every month from the first to the last record counts.
    A cell's level exists for a complete period when it has at least one
    record in it; a year-to-date level exists from the cell's first record of
    the year on, while January to the month are all complete.

    >>> level, ytd = period_levels({("exports", "TOTAL", "_T", "_T"): {(2024, 1): (500, 1)}})
    >>> sorted(str(p) for _, p in level), sorted(str(p) for _, p in ytd)
    (['2024-01'], ['2024-01'])
    >>> period_levels({("exports", "TOTAL", "_T", "_T"): {(2024, 1): (500, 1)}}, [])
    ({}, {})
    """
    covered = _coverage(levels) if complete_months is None else set(complete_months)

    @functools.cache
    def complete(period: Period) -> bool:
        return all(m in covered for m in period.months)

    level: Levels = {}
    ytd: Levels = {}
    for key, series in levels.items():
        for period, centimes in _sums_by_period(series).items():
            if complete(period):
                level[(key, period)] = centimes
        for period, centimes in _year_to_date(series, covered):
            ytd[(key, period)] = centimes
    return level, ytd


def _sums_by_period(series: dict[Month, tuple[int, int]]) -> dict[Period, int]:
    """A cell's centimes summed over every period any of its months belongs to."""
    sums: dict[Period, int] = defaultdict(int)
    for month, (centimes, _records) in series.items():
        for period in periods_of(*month):
            sums[period] += centimes
    return sums


def _year_to_date(
    series: dict[Month, tuple[int, int]], covered: set[Month]
) -> Iterator[tuple[Period, int]]:
    """(month, January-to-month sum) of a cell, for the covered months of each year
    whose January is covered, from the cell's first record of the year on."""
    for year in sorted({y for y, _ in series}):
        if (year, 1) not in covered:
            continue  # the year's start is not in the data: no year-to-date
        running, seen = 0, False
        for month in Period("year", year).months:
            if month not in covered:
                break
            if month in series:
                running += series[month][0]
                seen = True
            if seen:
                yield Period("month", *month), running


def _add_balance(table: Levels) -> Levels:
    """Exports minus imports for every cell and period present in either."""
    out = dict(table)
    cells = {(k[1:], p) for k, p in table if k[0] in ("exports", "imports")}
    for rest, period in cells:
        exports = table.get((("exports", *rest), period), 0)
        imports = table.get((("imports", *rest), period), 0)
        out[(("balance", *rest), period)] = exports - imports
    return out


Found = Iterator[tuple[str, Key, Period, Decimal | None]]


def _observations(level: Levels, ytd: Levels, years: Collection[int] | None = None) -> Found:
    """(indicator, cell, period, exact value) for every indicator that exists, of
    the periods of ``years`` only when given (the levels of other years are read)."""

    def keep(period: Period) -> bool:
        return years is None or period.year in years

    for (key, period), centimes in level.items():
        if keep(period):
            yield "level", key, period, _money(centimes)
    for (key, period), centimes in ytd.items():
        if keep(period):
            yield "ytd_level", key, period, _money(centimes)
    ratio_cells = [(k, p) for k, p in level if k[0] != "balance"]
    for key, period in ratio_cells:
        if keep(period):
            yield from _ratios(level, key, period)
    yield from _contributions(level, ratio_cells, keep)
    yield from _ytd_growth(ytd, keep)


def _ratios(level: Levels, key: Key, period: Period) -> Found:
    """Growth on a year earlier, share of the parent cell, progress against the
    previous full year (sub-annual periods only) of one cell with a level."""
    current = level[(key, period)]
    previous = level.get((key, period.year_earlier()))
    value = _ratio(current - (previous or 0), previous)
    if value is not None:
        yield "growth_yoy", key, period, value
    parent = parent_key(key)
    if parent is not None:
        value = _ratio(current, level.get((parent, period)))
        if value is not None:
            yield "share", key, period, value
    if period.kind != "year":
        value = _ratio(current, level.get((key, Period("year", period.year - 1))))
        if value is not None:
            yield "progress_prev_year", key, period, value


def _contributions(
    level: Levels, ratio_cells: list[tuple[Key, Period]], keep: Callable[[Period], bool]
) -> Found:
    """Contributions to the parent's growth.

    Every cell present now or a year earlier counts, against its parent's level
    a year earlier, so that a breakdown adds up to the parent's growth (a cell
    absent in one of the two periods counts as zero).
    """
    periods = {p for _, p in level}
    candidates = set(ratio_cells) | {
        (k, p.year_later()) for k, p in ratio_cells if p.year_later() in periods
    }
    for key, period in candidates:
        if key[1] == DDS or not keep(period):
            continue  # not one of the segments that add up to TOTAL
        before = period.year_earlier()
        parent = parent_key(key)
        parent_before = None if parent is None else level.get((parent, before))
        if not parent_before or (parent, period) not in level:
            continue
        change = level.get((key, period), 0) - level.get((key, before), 0)
        yield "contribution", key, period, _ratio(change, parent_before)


def _ytd_growth(ytd: Levels, keep: Callable[[Period], bool]) -> Found:
    """Year-to-date growth on the same months a year earlier (not for the balance)."""
    for (key, period), current in ytd.items():
        if key[0] == "balance" or not keep(period):
            continue
        previous = ytd.get((key, period.year_earlier()))
        value = _ratio(current - (previous or 0), previous)
        if value is not None:
            yield "ytd_growth_yoy", key, period, value


@dataclass(frozen=True)
class StatusRule:
    """The revision policy: when a period's figures stop being provisional.

    A period is final (``A``) once ``last`` (the last complete month of the build)
    is at least ``after`` months after the period's last month, or when its year is
    before ``before_year`` (``MARSAD_PROVISIONAL_FROM``); provisional (``P``) otherwise.

    >>> rule = StatusRule(last=(2025, 6), after=12)
    >>> [rule.status(Period.parse(p)) for p in ("2024", "2024-S1", "2024-06", "2024-07")]
    ['P', 'A', 'A', 'P']
    >>> StatusRule(last=(2025, 6), after=12, before_year=2025).status(Period.parse("2024"))
    'A'
    """

    last: Month | None
    after: int
    before_year: int | None = None

    @classmethod
    def of(
        cls, covered: Iterable[Month], after: int | None, before_year: int | None = None
    ) -> StatusRule:
        """The rule of a build whose complete months are ``covered`` (``after``: default
        the setting ``MARSAD_FINAL_AFTER_MONTHS``)."""
        if after is None:
            from marsad.settings import get_settings

            after = get_settings().final_after_months
        return cls(max(covered, default=None), after, before_year)

    def status(self, period: Period) -> str:
        """``A`` (final) or ``P`` (provisional) for the figures of ``period``."""
        if self.before_year is not None and period.year < self.before_year:
            return "A"
        if self.last is None:
            return "P"
        end_year, end_month = period.months[-1]
        elapsed = (self.last[0] - end_year) * 12 + self.last[1] - end_month
        return "A" if elapsed >= self.after else "P"


def compute_indicators(
    cells: Iterable[CubeCell],
    *,
    release: str = "",
    provisional_from: int | None = None,
    complete_months: Iterable[Month] | None = None,
    final_after_months: int | None = None,
    years: Collection[int] | None = None,
) -> IndicatorTable:
    """The indicator table of a cube (e.g. ``table.get("level", "2024")``).

    ``obs_status`` follows the revision policy (:class:`StatusRule`): a figure is
    ``P`` (provisional) when first published and ``A`` once the last complete month
    is at least ``final_after_months`` months after the end of its period (default:
    the setting ``MARSAD_FINAL_AFTER_MONTHS``, 12), or when its year is before
    ``provisional_from`` (when given). Only periods whose months are all in
    ``complete_months`` are published (see :func:`period_levels`).

    ``years``: only the observations of the periods of these years (default: all).
    Each is the one the whole table has provided ``cells`` hold the cube of these
    years and of the year before each (a growth reads the year before, nothing reads a
    later year) and ``complete_months`` are all the complete months (the revision
    policy reads the last one): what an incremental build recomputes
    (:mod:`marsad.build_years`).

    >>> table = compute_indicators([CubeCell(2024, m, "C", "ITO", "SI22", "FR", 100, 1)
    ...                             for m in range(1, 13)])
    >>> table.get("level", "2024-S1"), table.get("share", "2024", "ITO")
    (Decimal('6.00'), Decimal('100'))
    >>> [o.period for o in table.select(indicator="level", segment="TOTAL", service="_T",
    ...                                 partner="_T")][:4]
    ['2024', '2024-S1', '2024-S2', '2024-Q1']
    """
    levels = monthly_levels(cells)
    covered = _coverage(levels) if complete_months is None else set(complete_months)
    level, ytd = period_levels(levels, covered)
    level, ytd = _add_balance(level), _add_balance(ytd)
    rule = StatusRule.of(covered, final_after_months, provisional_from)
    found = [
        (period, _observation(indicator, key, period, value, release, rule))
        for indicator, key, period, value in _observations(level, ytd, years)
    ]
    found.sort(key=_sort_key)
    return IndicatorTable.from_rows((o for _, o in found), release=release)


def _observation(
    indicator: str,
    key: Key,
    period: Period,
    value: Decimal | None,
    release: str,
    rule: StatusRule,
) -> Observation:
    flow, segment, service, partner = key
    return Observation(
        indicator=indicator,
        flow=flow,
        period=_written(period),
        segment=segment,
        service=service,
        partner=partner,
        value=value,
        unit=INDICATORS[indicator].unit,
        obs_status=rule.status(period),
        conf_status="F",
        release=release,
    )


#: The table's order: indicators as in the registry, then flows (used in SQL by the build).
INDICATOR_ORDER = {name: i for i, name in enumerate(INDICATORS)}
FLOW_ORDER = {"exports": 0, "imports": 1, "balance": 2}


def _sort_key(found: tuple[Period, Observation]) -> tuple:
    """Indicator, flow, period kind (years first), period, then each dimension
    with its total first (e.g. level, exports, 2024, TOTAL, _T, _T leads)."""
    period, o = found
    return (
        INDICATOR_ORDER[o.indicator],
        FLOW_ORDER[o.flow],
        KINDS.index(period.kind),
        o.period,
        o.segment != TOTAL,
        o.segment,
        o.service != ALL,
        o.service,
        o.partner != ALL,
        o.partner,
    )
