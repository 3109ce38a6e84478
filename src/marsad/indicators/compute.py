"""Compute the indicator table from the cube.

The cube is small (months x flows x segments x services x partners), so this
runs in-process. Levels are summed as integer centimes, so that any breakdown
adds up to its total exactly; ratios are exact decimal divisions (28
significant digits), rounded only when written out.

Breakdowns (grouping sets over segment, service, partner): the total; by
segment; by service; by partner; segment x service; segment x partner. A
dimension not broken down carries its total code (``TOTAL`` for segment,
``_T`` for service and partner).

Periods: calendar years (``2024``), halves (``2024-S1``), quarters
(``2024-Q3``) and months (``2024-07``), each only when the data cover all its
months; year-to-date for each month. A cell with no record in a period has no
level (absent, not zero); a ratio whose denominator is zero or absent is absent.
"""

from __future__ import annotations

import decimal
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from marsad.indicators.registry import INDICATORS
from marsad.indicators.table import IndicatorTable, Observation, period_kind
from marsad.reference import ALL, TOTAL

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
_TOTAL_CODE = {"segment": TOTAL, "service": ALL, "partner": ALL}
_CONTEXT = decimal.Context(prec=28, rounding=decimal.ROUND_HALF_UP)

Key = tuple[str, str, str, str]  # flow, segment, service, partner
Month = tuple[int, int]  # year, month


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


def periods_of(year: int, month: int) -> tuple[str, str, str, str]:
    """Year, half, quarter and month periods a month belongs to.

    >>> periods_of(2024, 7)
    ('2024', '2024-S2', '2024-Q3', '2024-07')
    """
    return (
        f"{year}",
        f"{year}-S{1 if month <= 6 else 2}",
        f"{year}-Q{(month - 1) // 3 + 1}",
        f"{year}-{month:02d}",
    )


def months_of(period: str) -> list[Month]:
    """The months a period covers (e.g. 2024-Q3 -> [(2024, 7), (2024, 8), (2024, 9)])."""
    year = int(period[:4])
    kind = period_kind(period)
    if kind == "year":
        return [(year, m) for m in range(1, 13)]
    if kind == "half":
        first = 1 if period.endswith("S1") else 7
        return [(year, m) for m in range(first, first + 6)]
    if kind == "quarter":
        first = (int(period[-1]) - 1) * 3 + 1
        return [(year, m) for m in range(first, first + 3)]
    return [(year, int(period[5:7]))]


def year_earlier(period: str) -> str:
    """The same period a year earlier (e.g. 2025-S1 -> 2024-S1)."""
    return f"{int(period[:4]) - 1}{period[4:]}"


def year_later(period: str) -> str:
    """The same period a year later (e.g. 2024-S1 -> 2025-S1)."""
    return f"{int(period[:4]) + 1}{period[4:]}"


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
    """``numerator / denominator x 100`` exactly, or None for a zero or absent denominator."""
    if not denominator:
        return None
    return _CONTEXT.divide(Decimal(numerator) * 100, Decimal(denominator))


def _money(centimes: int) -> Decimal:
    return Decimal(centimes).scaleb(-2)


def monthly_levels(cells: Iterable[CubeCell]) -> dict[Key, dict[Month, tuple[int, int]]]:
    """Monthly (centimes, records) per cell of every breakdown, exports and imports."""
    out: dict[Key, dict[Month, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for cell in cells:
        flow = FLOW_NAMES[cell.flow]
        values = {"segment": cell.segment, "service": cell.service, "partner": cell.partner}
        for dims in BREAKDOWNS:
            key = (
                flow,
                *(values[d] if d in dims else _TOTAL_CODE[d] for d in ("segment", "service",
                                                                       "partner")),
            )
            slot = out[key][(cell.year, cell.month)]
            slot[0] += cell.centimes
            slot[1] += cell.records
    return {k: {m: (v[0], v[1]) for m, v in months.items()} for k, months in out.items()}


def _coverage(levels: dict[Key, dict[Month, tuple[int, int]]]) -> set[Month]:
    """Every month from the first to the last with any record."""
    months = {m for series in levels.values() for m in series}
    if not months:
        return set()
    (y0, m0), (y1, m1) = min(months), max(months)
    out = set()
    y, m = y0, m0
    while (y, m) <= (y1, m1):
        out.add((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def period_levels(
    levels: dict[Key, dict[Month, tuple[int, int]]],
) -> tuple[dict[tuple[Key, str], int], dict[tuple[Key, str], int]]:
    """Levels (centimes) of every complete period, and year-to-date levels by month.

    A cell's level exists for a period when it has at least one record in it;
    a year-to-date level exists from the cell's first record of the year on.
    """
    covered = _coverage(levels)
    complete: dict[str, bool] = {}
    level: dict[tuple[Key, str], int] = {}
    ytd: dict[tuple[Key, str], int] = {}
    for key, series in levels.items():
        sums: dict[str, int] = defaultdict(int)
        for (year, month), (centimes, _records) in series.items():
            for period in periods_of(year, month):
                sums[period] += centimes
        for period, centimes in sums.items():
            if period not in complete:
                complete[period] = all(m in covered for m in months_of(period))
            if complete[period]:
                level[(key, period)] = centimes
        for year in sorted({y for y, _ in series}):
            if (year, 1) not in covered:
                continue  # the year's start is not in the data: no year-to-date
            running, seen = 0, False
            for month in range(1, 13):
                if (year, month) not in covered:
                    break
                if (year, month) in series:
                    running += series[(year, month)][0]
                    seen = True
                if seen:
                    ytd[(key, f"{year}-{month:02d}")] = running
    return level, ytd


def _add_balance(table: dict[tuple[Key, str], int]) -> dict[tuple[Key, str], int]:
    """Exports minus imports for every cell and period present in either."""
    out = dict(table)
    cells = {(k[1:], p) for k, p in table if k[0] in ("exports", "imports")}
    for rest, period in cells:
        exports = table.get((("exports", *rest), period), 0)
        imports = table.get((("imports", *rest), period), 0)
        out[(("balance", *rest), period)] = exports - imports
    return out


def _observations(
    level: dict[tuple[Key, str], int], ytd: dict[tuple[Key, str], int]
) -> Iterator[tuple[str, Key, str, Decimal | None]]:
    """(indicator, cell, period, exact value) for every indicator that exists."""
    for (key, period), centimes in level.items():
        yield "level", key, period, _money(centimes)
    for (key, period), centimes in ytd.items():
        yield "ytd_level", key, period, _money(centimes)

    ratio_cells = [(k, p) for k, p in level if k[0] != "balance"]
    for key, period in ratio_cells:
        current = level[(key, period)]
        previous = level.get((key, year_earlier(period)))
        value = _ratio(current - (previous or 0), previous)
        if value is not None:
            yield "growth_yoy", key, period, value
        parent = parent_key(key)
        if parent is not None:
            value = _ratio(current, level.get((parent, period)))
            if value is not None:
                yield "share", key, period, value
        if period_kind(period) != "year":
            value = _ratio(current, level.get((key, str(int(period[:4]) - 1))))
            if value is not None:
                yield "progress_prev_year", key, period, value
    # contributions: every cell present now or a year earlier, against its
    # parent's level a year earlier, so that a breakdown adds up to the
    # parent's growth (a cell absent in one of the two periods counts as zero)
    periods = {p for _, p in level}
    candidates = set(ratio_cells) | {
        (k, year_later(p)) for k, p in ratio_cells if year_later(p) in periods
    }
    for key, period in candidates:
        parent = parent_key(key)
        parent_before = None if parent is None else level.get((parent, year_earlier(period)))
        if not parent_before or (parent, period) not in level:
            continue
        change = level.get((key, period), 0) - level.get((key, year_earlier(period)), 0)
        yield "contribution", key, period, _ratio(change, parent_before)
    for (key, period), current in ytd.items():
        if key[0] == "balance":
            continue
        previous = ytd.get((key, year_earlier(period)))
        value = _ratio(current - (previous or 0), previous)
        if value is not None:
            yield "ytd_growth_yoy", key, period, value


def compute_indicators(
    cells: Iterable[CubeCell], *, release: str = "", provisional_from: int | None = None
) -> IndicatorTable:
    """The indicator table of a cube (e.g. ``table.get("level", "2024")``).

    ``obs_status`` is ``P`` (provisional) for periods of years from
    ``provisional_from`` on (every year when None) and ``A`` before.
    """
    level, ytd = period_levels(monthly_levels(cells))
    level, ytd = _add_balance(level), _add_balance(ytd)
    rows = []
    for indicator, (flow, segment, service, partner), period, value in _observations(level, ytd):
        status = "P" if provisional_from is None or int(period[:4]) >= provisional_from else "A"
        rows.append(
            Observation(
                indicator=indicator, flow=flow, period=period, segment=segment,
                service=service, partner=partner, value=value,
                unit=INDICATORS[indicator].unit, obs_status=status, conf_status="F",
                release=release,
            )
        )
    rows.sort(key=_sort_key)
    return IndicatorTable.from_rows(rows, release=release)


_INDICATOR_ORDER = {name: i for i, name in enumerate(INDICATORS)}
_FLOW_ORDER = {"exports": 0, "imports": 1, "balance": 2}
_KIND_ORDER = {"year": 0, "half": 1, "quarter": 2, "month": 3}


def _sort_key(o: Observation) -> tuple:
    return (
        _INDICATOR_ORDER[o.indicator], _FLOW_ORDER[o.flow], _KIND_ORDER[period_kind(o.period)],
        o.period, o.segment != TOTAL, o.segment, o.service != ALL, o.service,
        o.partner != ALL, o.partner,
    )
