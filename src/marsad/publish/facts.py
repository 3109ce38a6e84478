"""What the bulletin says, found in the indicator table, before any wording.

:func:`gather` reads the table for one period and returns :class:`Facts`: the
total, each segment's level, share, growth, contribution and progress, the
notable movements (fastest growth, largest contribution, declines, progress
well ahead of or behind the calendar), the main partner markets, the target
tracker, the break in series and the status of the figures. Values stay exact
decimals; the phrasebooks (``publish/lang``) round them once when they word them.

A value the table does not hold (absent ratio, confidential cell) is ``None``,
and the phrasebooks say nothing about it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from marsad.indicators.registry import INDICATORS, Indicator
from marsad.indicators.table import IndicatorTable
from marsad.indicators.targets import TargetStatus, tracker
from marsad.periods import Period
from marsad.publish.fmt import round_half_up
from marsad.reference import ALL, TOTAL, UNALLOCATED, published_figures, segments

#: Progress against the previous full year is notable when it is at least this
#: multiple of the share of the year the period covers (e.g. 62.5 % after a half)
#: or at most its inverse companion below.
AHEAD_OF_PACE = Decimal("1.25")
BEHIND_PACE = Decimal("0.75")
#: How many partner markets the bulletin names.
TOP_PARTNERS = 3
#: Share of the calendar year a period covers, in percent.
PACE = {"half": Decimal(50), "quarter": Decimal(25), "month": Decimal(100) / 12}

_BILLION = Decimal(10) ** 9


@dataclass(frozen=True)
class Cell:
    """One line of the bulletin (e.g. ESO 2025-S1: level 2.58e9, growth 43.17 %).

    ``code`` is a segment code, ``TOTAL`` or a partner's ISO alpha-2 code.
    """

    code: str
    level: Decimal | None
    previous: Decimal | None = None
    share: Decimal | None = None
    growth: Decimal | None = None
    contribution: Decimal | None = None
    progress: Decimal | None = None
    confidential: bool = False


@dataclass(frozen=True)
class SeriesBreak:
    """The same year in the old and the new scope (e.g. 2023: 17.9 vs 26.17 bn MAD)."""

    year: str
    old_level: Decimal
    old_decimals: int
    new_level: Decimal
    new_decimals: int

    @property
    def difference(self) -> Decimal:
        """How much larger the new scope is, in percent (e.g. 46.2)."""
        return (self.new_level / self.old_level - 1) * 100


@dataclass(frozen=True)
class Facts:
    """Everything the bulletin of one period states, as exact values."""

    period: Period
    kind: str
    #: The same period a year earlier (e.g. 2024-S1 for 2025-S1).
    previous_period: Period
    #: The previous full calendar year, for a sub-annual period (e.g. 2024).
    previous_year: Period | None
    total: Cell
    segments: tuple[Cell, ...]
    unallocated: Cell | None
    fastest: Cell | None
    top_contributor: Cell | None
    declines: tuple[Cell, ...]
    ahead_of_pace: tuple[Cell, ...]
    behind_pace: tuple[Cell, ...]
    #: Share of the year the period covers, in percent (50 for a half); None for a year.
    pace: Decimal | None
    partners: tuple[Cell, ...]
    target: TargetStatus | None
    series_break: SeriesBreak | None
    definitions: tuple[Indicator, ...]
    provisional: bool
    estimated: bool
    release: str
    synthetic: bool

    @property
    def leader(self) -> Cell | None:
        """The largest segment of the period."""
        known = [c for c in self.segments if c.level is not None]
        return max(known, key=lambda c: c.level) if known else None

    @property
    def runner_up(self) -> Cell | None:
        known = sorted((c for c in self.segments if c.level is not None), key=lambda c: -c.level)
        return known[1] if len(known) > 1 else None

    @property
    def has_confidential(self) -> bool:
        return any(c.confidential for c in (*self.segments, self.total))


def _available(table: IndicatorTable) -> str:
    """The periods of the table in a few words (e.g. ``years 2023 to 2024, halves 2023-S1
    to 2025-S1, …``)."""
    parts = []
    for kind, name in (
        ("year", "years"),
        ("half", "halves"),
        ("quarter", "quarters"),
        ("month", "months"),
    ):
        found = table.periods(kind)
        if found:
            parts.append(f"{name} {found[0]}" + (f" to {found[-1]}" if len(found) > 1 else ""))
    return ", ".join(parts) or "none (nothing is built)"


def gather(
    table: IndicatorTable, period: str | Period, *, synthetic: bool = False, flow: str = "exports"
) -> Facts:
    """Read the facts of ``period`` from the table.

    Raises :class:`~marsad.errors.PeriodError` for a period written wrongly and
    ``ValueError`` when the table has no total level for the period.

    >>> gather(table, "2025-S1").fastest.code                     # doctest: +SKIP
    'ESO'
    """
    period = Period.parse(period)
    if table.get("level", str(period), TOTAL, flow=flow) is None:
        raise ValueError(
            f"the data have no {flow} figure for the period '{period}'; "
            f"periods available: {_available(table)}"
        )
    kind = period.kind
    total = _cell(table, period, TOTAL, flow=flow)
    segs = tuple(
        c
        for c in (_cell(table, period, code, flow=flow) for code in segments())
        if c.level is not None or c.confidential
    )
    unallocated = _cell(table, period, UNALLOCATED, flow=flow)
    pace = PACE.get(kind)
    return Facts(
        period=period,
        kind=kind,
        previous_period=period.year_earlier(),
        previous_year=Period("year", period.year - 1) if kind != "year" else None,
        total=total,
        segments=segs,
        unallocated=unallocated if unallocated.level else None,
        fastest=_fastest(segs),
        top_contributor=_top_contributor(segs),
        declines=tuple(c for c in segs if c.growth is not None and _shown(c.growth) < 0),
        ahead_of_pace=_against_pace(segs, pace, ahead=True),
        behind_pace=_against_pace(segs, pace, ahead=False),
        pace=pace,
        partners=_partners(table, period, flow),
        target=tracker(table, str(period), flow=flow) if flow == "exports" else None,
        series_break=series_break(),
        definitions=_definitions(kind),
        provisional=_status(table, period, flow, "P"),
        estimated=_status(table, period, flow, "E"),
        release=_release(table, period, flow),
        synthetic=synthetic or "synth" in table.release.lower(),
    )


def _cell(
    table: IndicatorTable, period: Period, segment: str, *, flow: str, partner: str = ALL
) -> Cell:
    def get(indicator: str, at: Period = period) -> Decimal | None:
        return table.get(indicator, str(at), segment, flow=flow, partner=partner)

    obs = table.observation("level", str(period), segment, flow=flow, partner=partner)
    return Cell(
        code=partner if partner != ALL else segment,
        level=get("level"),
        previous=get("level", period.year_earlier()),
        share=get("share") if (segment, partner) != (TOTAL, ALL) else None,
        growth=get("growth_yoy"),
        contribution=get("contribution") if (segment, partner) != (TOTAL, ALL) else None,
        progress=get("progress_prev_year"),
        confidential=obs is not None and obs.conf_status in ("C", "D") and obs.value is None,
    )


def _shown(value: Decimal) -> Decimal:
    """The value as the reader sees it (one decimal), so that -0.04 % is not a decline."""
    return round_half_up(value, 1)


def _fastest(segs: tuple[Cell, ...]) -> Cell | None:
    """The fastest-growing segment, when at least two segments can be compared and it grew."""
    known = [c for c in segs if c.growth is not None]
    if len(known) < 2:
        return None
    best = max(known, key=lambda c: c.growth)
    return best if _shown(best.growth) > 0 else None


def _top_contributor(segs: tuple[Cell, ...]) -> Cell | None:
    known = [c for c in segs if c.contribution is not None]
    if len(known) < 2:
        return None
    best = max(known, key=lambda c: c.contribution)
    return best if _shown(best.contribution) > 0 else None


def _against_pace(segs: tuple[Cell, ...], pace: Decimal | None, *, ahead: bool) -> tuple:
    if pace is None:
        return ()
    if ahead:
        return tuple(
            c for c in segs if c.progress is not None and c.progress >= pace * AHEAD_OF_PACE
        )
    return tuple(c for c in segs if c.progress is not None and c.progress <= pace * BEHIND_PACE)


def _partners(table: IndicatorTable, period: Period, flow: str) -> tuple[Cell, ...]:
    """The largest partner markets of the total, by level (confidential cells left out)."""
    codes = {
        o.partner
        for o in table.select(indicator="level", period=str(period), flow=flow, segment=TOTAL)
        if o.partner != ALL and o.service == ALL and o.value is not None
    }
    cells = [_cell(table, period, TOTAL, flow=flow, partner=code) for code in sorted(codes)]
    total = table.get("level", str(period), TOTAL, flow=flow)
    cells = [
        c if c.share is not None or not total else _with_share(c, c.level * 100 / total)
        for c in cells
    ]
    cells.sort(key=lambda c: (-c.level, c.code))
    return tuple(cells[:TOP_PARTNERS])


def _with_share(cell: Cell, share: Decimal) -> Cell:
    return Cell(**{**cell.__dict__, "share": share})


def _status(table: IndicatorTable, period: Period, flow: str, status: str) -> bool:
    found = table.select(indicator="level", period=str(period), flow=flow)
    return any(o.obs_status == status for o in found)


def _release(table: IndicatorTable, period: Period, flow: str) -> str:
    if table.release:
        return table.release
    obs = table.observation("level", str(period), TOTAL, flow=flow)
    return obs.release if obs is not None else ""


def _definitions(kind: str) -> tuple[Indicator, ...]:
    ids = ["level", "growth_yoy", "share", "contribution"]
    if kind != "year":
        ids.append("progress_prev_year")
    return tuple(INDICATORS[i] for i in ids if i in INDICATORS)


def series_break() -> SeriesBreak | None:
    """The latest year published in both the old "offshoring" scope and the new scope."""
    levels: dict[str, dict[str, tuple[Decimal, int]]] = {}
    for f in published_figures():
        if f.series == "exports" and f.segment == TOTAL and f.measure == "level":
            scale = _BILLION if f.unit == "bn_MAD" else Decimal(1)
            levels.setdefault(f.scope, {})[f.period] = (f.value * scale, f.decimals)
    old = levels.get("offshoring_old_scope", {})
    new = levels.get("digital_outsourcing", {})
    common = sorted(set(old) & set(new))
    if not common:
        return None
    year = common[-1]
    return SeriesBreak(year, *old[year], *new[year])
