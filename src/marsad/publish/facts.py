"""What the bulletin says, found in the indicator table, before any wording.

:func:`gather` reads the table for one period and returns :class:`Facts`: the
total, each segment's level, share, growth, contribution and progress, the
notable movements (fastest growth, largest contribution, declines, progress
well ahead of or behind the calendar), the main partner markets, the target
tracker, the break in series and the status of the figures. Values stay exact
decimals; the phrasebooks (``publish/lang``) round them once when they word them.

A value the table does not hold (absent ratio) or may not publish (withheld:
``conf_status`` other than ``F``) is ``None``, and the phrasebooks say nothing
about it. :func:`gather` reads only the public view of the table
(:meth:`~marsad.indicators.table.IndicatorTable.public`), so no withheld figure
enters the facts, nor anything computed from one. Rankings name only what the
published figures prove: a segment (or partner) is ranked only when no withheld
one can be larger, since the withheld ones add up to at most the total minus the
published ones; and a superlative of growth or contribution is said only when
every segment's figure is published.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from decimal import Decimal

from marsad.errors import MarsadError
from marsad.indicators.registry import INDICATORS, Indicator
from marsad.indicators.table import IndicatorTable, synthetic_build
from marsad.periods import Period
from marsad.publish import figures
from marsad.publish.figures import SeriesBreak, Tracker, YearToDate
from marsad.publish.fmt import places, round_half_up
from marsad.publish.keyed import Keyed
from marsad.reference import ALL, TOTAL, UNALLOCATED, segments

#: Progress against the previous full year is notable when it is at least this
#: multiple of the share of the year the period covers (e.g. 62.5 % after a half)
#: or at most its inverse companion below.
AHEAD_OF_PACE = Decimal("1.25")
BEHIND_PACE = Decimal("0.75")
#: How many partner markets the bulletin names.
TOP_PARTNERS = 3
#: Share of the calendar year a period covers, in percent.
PACE = {"half": Decimal(50), "quarter": Decimal(25), "month": Decimal(100) / 12}


class NoBulletin(MarsadError, ValueError):
    """A period without a bulletin: its total is withheld (statistical confidentiality) or
    not in the table. A plain message (exit 1); still a ``ValueError`` for older callers."""


@dataclass(frozen=True)
class Cell:
    """One line of the bulletin (e.g. ESO 2025-S1: level 2.58e9, growth 43.17 %).

    ``code`` is a segment code, ``TOTAL`` or a partner's ISO alpha-2 code. Each figure
    is one row of the table (:class:`~marsad.publish.story.messages.Keyed`), or ``None``.
    """

    code: str
    level: Keyed | None
    previous: Keyed | None = None
    share: Keyed | None = None
    growth: Keyed | None = None
    contribution: Keyed | None = None
    progress: Keyed | None = None
    #: The figures of the cell that are withheld (e.g. ``{"level", "growth"}``), shown ``c``.
    withheld: frozenset[str] = frozenset()

    @property
    def confidential(self) -> bool:
        """The cell's level is withheld (so is everything said about it)."""
        return "level" in self.withheld

    def hides(self, key: str) -> bool:
        """The figure ``key`` (e.g. ``growth``) may not be shown or compared: withheld
        itself, or belonging to a withheld cell."""
        return key in self.withheld or self.confidential


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
    #: How many segments, and partner markets of the total, have their level withheld.
    segments_withheld: int
    partners_withheld: int
    #: At most what a withheld segment can be (the total less the published segments);
    #: ``None`` when no segment is withheld.
    segment_room: Decimal | None
    #: The tracker as the bulletin states it: rows ``target_*`` (and ``jobs``) of the table.
    tracker: Tracker | None
    #: The year to date that a quarter or a month leads with (``None`` otherwise).
    ytd: YearToDate | None
    series_break: SeriesBreak | None
    definitions: tuple[Indicator, ...]
    provisional: bool
    estimated: bool
    release: str
    synthetic: bool

    @property
    def ranked(self) -> list[Cell]:
        """Published segments by level, largest first, as far as the published figures
        prove the order (none that a withheld segment could exceed)."""
        known = sorted((c for c in self.segments if c.level is not None), key=lambda c: -c.level)
        return _provably_first(known, self.segment_room)

    @property
    def leader(self) -> Cell | None:
        """The largest segment of the period, when the published figures prove it."""
        ranked = self.ranked
        return ranked[0] if ranked else None

    @property
    def runner_up(self) -> Cell | None:
        ranked = self.ranked
        return ranked[1] if len(ranked) > 1 else None

    @property
    def has_confidential(self) -> bool:
        """Some figure of the table by segment is withheld (the table shows ``[c]``)."""
        cells = (*self.segments, self.total, *([self.unallocated] if self.unallocated else []))
        return any(c.withheld for c in cells)


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
    :class:`NoBulletin` when the table has no published total level for the period.

    >>> gather(table, "2025-S1").fastest.code                     # doctest: +SKIP
    'ESO'
    """
    from marsad.settings import get_settings

    period = Period.parse(period)
    decimals = get_settings().percent_decimals
    table = table.public()
    if table.withheld("level", str(period), TOTAL, flow=flow):
        raise NoBulletin(f"the {flow} total of {period} is not published (confidential)")
    if table.get("level", str(period), TOTAL, flow=flow) is None:
        raise NoBulletin(
            f"the data have no {flow} figure for the period '{period}'; "
            f"periods available: {_available(table)}"
        )
    kind = period.kind
    cell = functools.partial(_cell, table, period, flow=flow, decimals=decimals)
    total = cell(TOTAL)
    segs = tuple(c for c in map(cell, segments()) if c.level is not None or c.confidential)
    unallocated = cell(UNALLOCATED)
    pace = PACE.get(kind) if period.starts_year else None
    partners, partners_withheld = _partners(table, period, flow, decimals)
    return Facts(
        period=period,
        kind=kind,
        previous_period=period.year_earlier(),
        previous_year=Period("year", period.year - 1) if kind != "year" else None,
        total=total,
        segments=segs,
        unallocated=unallocated if unallocated.level or unallocated.confidential else None,
        fastest=_fastest(segs),
        top_contributor=_top_contributor(segs),
        declines=tuple(c for c in segs if c.growth is not None and shown(c.growth) < 0),
        ahead_of_pace=_against_pace(segs, pace, ahead=True),
        behind_pace=_against_pace(segs, pace, ahead=False),
        pace=pace,
        partners=partners,
        segments_withheld=sum(c.confidential for c in segs),
        partners_withheld=partners_withheld,
        segment_room=_room(total, segs),
        tracker=figures.tracker(table, period, flow=flow, decimals=decimals),
        ytd=figures.year_to_date(table, period, flow=flow, decimals=decimals),
        series_break=figures.series_break(table, flow=flow, decimals=decimals),
        definitions=_definitions(kind),
        provisional=_status(table, period, flow, "P"),
        estimated=_status(table, period, flow, "E"),
        release=_release(table, period, flow),
        synthetic=synthetic or synthetic_build(table.release),
    )


def _cell(
    table: IndicatorTable,
    period: Period,
    segment: str,
    *,
    flow: str,
    partner: str = ALL,
    decimals: int = 4,
) -> Cell:
    """The published figures of one line, and which of them are withheld."""
    rows = {
        "level": ("level", period),
        "previous": ("level", period.year_earlier()),
        "growth": ("growth_yoy", period),
        "progress": ("progress_prev_year", period),
    }
    if (segment, partner) != (TOTAL, ALL):
        rows.update(share=("share", period), contribution=("contribution", period))
    values, withheld = {}, set()
    for key, (indicator, at) in rows.items():
        where = {"flow": flow, "partner": partner}
        values[key] = figures.figure(table, indicator, at, segment, **where, decimals=decimals)
        if table.withheld(indicator, str(at), segment, **where):
            withheld.add(key)
    code = partner if partner != ALL else segment
    return Cell(code=code, **values, withheld=frozenset(withheld))


def _room(total: Cell, cells: tuple[Cell, ...]) -> Decimal | None:
    """At most what one withheld cell can be: the total less the published cells
    (``None`` when none is withheld)."""
    if not any(c.confidential for c in cells) or total.level is None:
        return None
    return total.level - sum((c.level for c in cells if c.level is not None), Decimal(0))


def _provably_first(known: list[Cell], room: Decimal | None) -> list[Cell]:
    """The head of a ranking (largest first) that no withheld cell, at most ``room``, can
    enter: stating it reveals nothing the published figures do not already prove."""
    if room is None:
        return known
    return [c for c in known if c.level >= room]


def shown(value: Decimal) -> Decimal:
    """The value as the reader sees it, to one decimal, or to none when its row is
    published with none (a :class:`Keyed` ``3.497`` published ``3``): signs and
    comparisons are decided on it, so that -0.04 % is no decline and 0.3 % published
    ``0`` is said stable, not "up 0 %".

    >>> shown(Decimal("-0.04")) == 0, shown(Keyed("0.3", "growth_yoy/x", "0"))
    (True, Decimal('0'))
    """
    decimals = min(1, places(value.exact)) if isinstance(value, Keyed) else 1
    return round_half_up(value, decimals)


def _fastest(segs: tuple[Cell, ...]) -> Cell | None:
    """The fastest-growing segment, when at least two segments can be compared, none has
    its growth withheld, and it grew."""
    if any(c.hides("growth") for c in segs):
        return None
    known = [c for c in segs if c.growth is not None]
    if len(known) < 2:
        return None
    best = max(known, key=lambda c: c.growth)
    return best if shown(best.growth) > 0 else None


def _top_contributor(segs: tuple[Cell, ...]) -> Cell | None:
    if any(c.hides("contribution") for c in segs):
        return None
    known = [c for c in segs if c.contribution is not None]
    if len(known) < 2:
        return None
    best = max(known, key=lambda c: c.contribution)
    return best if shown(best.contribution) > 0 else None


def _against_pace(segs: tuple[Cell, ...], pace: Decimal | None, *, ahead: bool) -> tuple:
    if pace is None:
        return ()
    if ahead:
        return tuple(
            c for c in segs if c.progress is not None and c.progress >= pace * AHEAD_OF_PACE
        )
    return tuple(c for c in segs if c.progress is not None and c.progress <= pace * BEHIND_PACE)


def _partners(
    table: IndicatorTable, period: Period, flow: str, decimals: int
) -> tuple[tuple[Cell, ...], int]:
    """The largest partner markets of the total, by level, and how many are withheld.

    Withheld markets are left out, and so is any market a withheld one could exceed;
    a share is said only as the table's ``share`` row (never computed from levels)."""
    found = [
        o
        for o in table.select(indicator="level", period=str(period), flow=flow, segment=TOTAL)
        if o.partner != ALL and o.service == ALL
    ]
    codes = sorted({o.partner for o in found if o.public_value is not None})
    cells = [
        _cell(table, period, TOTAL, flow=flow, partner=code, decimals=decimals) for code in codes
    ]
    total = table.get("level", str(period), TOTAL, flow=flow)
    cells.sort(key=lambda c: (-c.level, c.code))
    withheld = sum(o.withheld for o in found)
    room = None
    if withheld and total is not None:
        room = total - sum((c.level for c in cells), Decimal(0))
    return tuple(_provably_first(cells, room)[:TOP_PARTNERS]), withheld


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
