"""The target tracker: where the sector stands against its 2030 exports target.

Reads the latest complete calendar year of the indicator table and the target
of ``reference.targets()`` (40 bn MAD of exports in 2030) and derives:

- the share of the target already reached, in percent;
- the annual growth still needed, in percent per year::

      ((target / level) ^ (1 / years left) - 1) x 100

- the average annual growth of the last available years (compound rate) and the
  level the target year would reach at that pace.

Everything is exact arithmetic: ``ln``/``exp`` at 40 significant digits give a first
value, and the digits kept are decided exactly on rationals (a rate r is checked as
``(1 + r / 100) ^ years`` against ``target / level``), kept as round-to-odd decimals
(:mod:`marsad.indicators.exact`) so that a rate written with any number of decimals
is rounded once; no float enters a published figure. The projected level is decided
the same way and rounded once, to the centime; one that
reaches 10^36 MAD (more than the DECIMAL(38,2) of a MAD level holds: a total
multiplied many times over in one year, carried to the target year) is not a
meaningful figure and is absent, with a warning naming the year, unless the level it
comes from is withheld: then it is withheld like the rest of that year's tracker, and
no log mentions it (:func:`without_left_out`).
"""

from __future__ import annotations

import decimal
import logging
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from marsad.indicators.exact import fraction_decimal, root_decimal
from marsad.indicators.table import IndicatorTable, Observation
from marsad.periods import Period
from marsad.reference import ALL, TOTAL, published_figures, targets

log = logging.getLogger(__name__)

#: At most this many years of history are used for the recent average growth.
RECENT_YEARS = 5
#: A projected level at or above this is not held by a MAD level, DECIMAL(38, 2):
#: not a meaningful figure, absent (:func:`_extrapolate`).
MAX_LEVEL = Decimal(10) ** 36

_UNIT_SCALE = {"MAD": Decimal(1), "m_MAD": Decimal(10) ** 6, "bn_MAD": Decimal(10) ** 9}
_WORK = decimal.Context(prec=40, rounding=decimal.ROUND_HALF_EVEN)
#: Wide enough to quantize any projected level below :data:`MAX_LEVEL` to the centime.
_WIDE = decimal.Context(prec=80, rounding=decimal.ROUND_HALF_UP)


@dataclass(frozen=True)
class TargetStatus:
    """The exports target tracker (e.g. 2024: 26.219 bn MAD, 65.5 % of 40 bn MAD,
    7.29 % a year still needed over 6 years). Money in MAD, rates in percent."""

    target_year: int
    target_level: Decimal
    latest_year: int
    latest_level: Decimal
    percent_reached: Decimal
    years_left: int
    #: Annual growth still needed to reach the target, in percent; ``None`` when the
    #: target year is reached or past.
    required_growth: Decimal | None
    #: First year of the window of the recent average growth (``latest_year`` when
    #: there is no earlier year).
    recent_from: int
    #: Average annual growth from ``recent_from`` to ``latest_year``, in percent
    #: (compound rate); ``None`` when only one year is available.
    recent_growth: Decimal | None
    #: Level in the target year if exports kept growing at ``recent_growth``, to the
    #: centime; ``None`` when it reaches :data:`MAX_LEVEL` (not meaningful).
    projected_level: Decimal | None
    #: Source of the target (e.g. "Digital Morocco 2030 strategy ..."), in English, then
    #: in French and Arabic (``reference/targets.csv``).
    source: str
    source_fr: str = ""
    source_ar: str = ""

    @property
    def on_track(self) -> bool | None:
        """Whether the recent pace reaches the target (``None`` when unknown)."""
        if self.projected_level is None:
            return None
        return self.projected_level >= self.target_level


def exports_target(segment: str = TOTAL):
    """The exports target of ``reference.targets()`` for a segment, or ``None``."""
    for t in targets():
        if t.target == "exports" and t.segment == segment:
            return t
    return None


def tracker(table: IndicatorTable, as_of: str, *, flow: str = "exports") -> TargetStatus | None:
    """Position of the latest complete year at the end of ``as_of`` against the target.

    ``as_of`` is any period: ``2025-S1`` looks at 2024 (see :func:`last_complete_year`),
    ``2024`` and ``2024-S2`` at 2024, or the latest earlier year the table holds.
    ``None`` when there is no target, no full year with a positive published level
    (a withheld total is never read), or the latest year is after the target year.

    >>> status = tracker(table, "2025-S1")   # doctest: +SKIP
    >>> status.latest_year, round(status.required_growth, 2)   # doctest: +SKIP
    (2024, Decimal('7.29'))
    """
    target = exports_target()
    if target is None or target.unit not in _UNIT_SCALE:
        return None
    goal = target.value * _UNIT_SCALE[target.unit]
    levels = _annual_levels(table, last_complete_year(as_of), flow)
    if not levels:
        return None
    latest_year = max(levels)
    level = levels[latest_year]
    years_left = target.year - latest_year
    if years_left < 0:
        return None

    recent_from = latest_year
    while recent_from - 1 in levels and latest_year - (recent_from - 1) < RECENT_YEARS:
        recent_from -= 1
    span = latest_year - recent_from
    recent = _cagr(levels[recent_from], level, span) if span else None
    projected = _extrapolate(levels[recent_from], level, span, years_left) if span else None

    return TargetStatus(
        target_year=target.year,
        target_level=goal,
        latest_year=latest_year,
        latest_level=level,
        percent_reached=fraction_decimal(Fraction(level) * 100 / Fraction(goal)),
        years_left=years_left,
        required_growth=_cagr(level, goal, years_left) if years_left else None,
        recent_from=recent_from,
        recent_growth=recent,
        projected_level=projected,
        source=target.source,
        source_fr=target.source_fr,
        source_ar=target.source_ar,
    )


def last_complete_year(as_of: str | Period) -> int:
    """The last calendar year complete at the end of period ``as_of``.

    ``2024`` and the periods ending in December (``2024-S2``, ``2024-Q4``, ``2024-12``)
    give 2024; any other 2024 period gives 2023, so that a bulletin for 2024-S1 does
    not quote a year that had not ended.

    >>> last_complete_year("2024-Q4"), last_complete_year("2025-S1"), last_complete_year("2024")
    (2024, 2024, 2024)
    """
    period = Period.parse(as_of)
    return period.year if period.ends_year else period.year - 1


def _annual_levels(table: IndicatorTable, up_to: int, flow: str) -> dict[int, Decimal]:
    """Positive published TOTAL levels of the complete years up to ``up_to``, after the
    last withheld one: the tracker never reads, nor leaps over, a withheld year (when the
    latest year is withheld there is nothing to say)."""
    out = {}
    for period in table.periods("year"):
        year = Period.parse(period).year
        if year > up_to:
            continue
        if table.withheld("level", period, TOTAL, flow=flow):
            out.clear()
            continue
        value = table.get("level", period, TOTAL, flow=flow)
        if value is not None and value > 0:
            out[year] = value
    return out


def _extrapolate(start: Decimal, end: Decimal, span: int, ahead: int) -> Decimal | None:
    """``end`` carried ``ahead`` years further at the compound pace from ``start`` to
    ``end``, rounded once to the centime (half away from zero), every digit of it exact;
    ``None`` when it reaches :data:`MAX_LEVEL`, which no MAD level holds.

    It was rounded to 28 significant digits and then to the centime: a level of 10^15
    MAD after one of 2.6 x 10^10 came out as 43 digits, the last fifteen zeros; and an
    exact half centime computed by ``exp`` a hair below it was rounded down (0.02 then
    0.09 MAD, carried a year: 0.405 exactly, published 0.40 instead of 0.41). The
    centime is now decided exactly (:func:`marsad.indicators.exact.root_decimal`).

    >>> _extrapolate(Decimal(100), Decimal(121), 2, 6)
    Decimal('214.36')
    >>> _extrapolate(Decimal("26170000000"), Decimal("1.08E+15"), 1, 6) is None
    True
    >>> _extrapolate(Decimal("0.02"), Decimal("0.09"), 1, 1)
    Decimal('0.41')
    """
    with decimal.localcontext(_WORK):
        rough = end * ((end / start).ln() * ahead / span).exp()
    if rough >= MAX_LEVEL:
        return None
    ratio = Fraction(end) / Fraction(start)
    odd = root_decimal(ratio, ahead, span, Fraction(end), Fraction(0), rough)
    return odd.quantize(_CENTIME, decimal.ROUND_HALF_UP, context=_WIDE)


def _cagr(start: Decimal, end: Decimal, years: int) -> Decimal:
    """Compound annual growth in percent: ((end / start) ^ (1 / years) - 1) x 100, as
    its round-to-odd decimal (:mod:`marsad.indicators.exact`): written with any number
    of decimals it is the exact rate rounded once.

    >>> _cagr(Decimal(100), Decimal(121), 2), _cagr(Decimal(8), Decimal(1), 3)
    (Decimal('10'), Decimal('-50'))
    """
    with decimal.localcontext(_WORK):
        rough = ((end / start).ln() / years).exp() * 100 - 100
    ratio = Fraction(end) / Fraction(start)
    return root_decimal(ratio, 1, years, Fraction(100), Fraction(-100), rough)


#: Indicators of the exports tracker, one row each per complete year (see :func:`target_rows`).
TRACKER_INDICATORS: tuple[str, ...] = (
    "target_share",
    "target_required_growth",
    "target_recent_growth",
    "target_projected_level",
)
_CENTIME = Decimal("0.01")


def target_rows(table: IndicatorTable, *, flow: str = "exports") -> list[Observation]:
    """The exports tracker as rows of the indicator table: ``target_level`` in the target
    year, and for each complete year Y with a TOTAL level the share of the target reached,
    the growth still needed, the recent average growth and the projected level (the last
    two when an earlier year exists). Each row takes the status and release of level(Y).

    A projected level left out as not meaningful is a row without value here, and
    nothing is logged: whether level(Y) is withheld is known only after disclosure
    control, which :func:`without_left_out` follows (it drops the free ones, with a
    warning, and keeps the withheld ones, blank like any withheld figure).

    >>> rows = target_rows(table)                                  # doctest: +SKIP
    >>> [(o.indicator, o.period, round(o.value, 1)) for o in rows][:2]   # doctest: +SKIP
    [('target_level', '2030', Decimal('40000000000.0')), ('target_share', '2023', Decimal('65.4'))]
    """
    target = exports_target()
    if target is None or target.unit not in _UNIT_SCALE:
        return []
    goal = (target.value * _UNIT_SCALE[target.unit]).quantize(_CENTIME)
    rows: list[Observation] = []
    for period in table.periods("year"):
        level = table.observation("level", period, TOTAL, flow=flow)
        status = tracker(table, period, flow=flow)
        if level is None or status is None or str(status.latest_year) != period:
            continue
        values = {
            "target_share": status.percent_reached,
            "target_required_growth": status.required_growth,
            "target_recent_growth": status.recent_growth,
            "target_projected_level": status.projected_level,  # to the centime
        }
        if not rows:
            rows.append(_tracker_row("target_level", str(target.year), goal, level, flow))
        rows += [
            _tracker_row(indicator, period, value, level, flow)
            for indicator, value in values.items()
            if value is not None or (indicator == PROJECTED and status.recent_growth is not None)
        ]
    return rows


#: The tracker's projected level: a row without value when the projection is left out.
PROJECTED = "target_projected_level"


def without_left_out(rows: list[Observation]) -> list[Observation]:
    """``rows`` (after disclosure control) without the projected levels left out as not
    meaningful (:data:`MAX_LEVEL`), each said in a warning naming its year when its
    row is free; one withheld stays a row without value, as any withheld projection
    reads in public, and no log says a word of it: its size is the withheld total's.

    >>> from dataclasses import replace
    >>> free = Observation(PROJECTED, "exports", "2024", "TOTAL", "_T", "_T", None, "MAD")
    >>> without_left_out([free, replace(free, period="2023", conf_status="D")])[0].period
    '2023'
    """
    kept = []
    for o in rows:
        if o.indicator != PROJECTED or o.value is not None or o.conf_status != "F":
            kept.append(o)
            continue
        target = exports_target()
        log.warning(
            "target_projected_level %s: the %s level at the recent pace passes the "
            "36 digits a MAD level holds; not meaningful, left out",
            o.period,
            target.year if target else "target",
        )
    return kept


def _tracker_row(
    indicator: str, period: str, value: Decimal, level: Observation, flow: str
) -> Observation:
    from marsad.indicators.registry import INDICATORS

    return Observation(
        indicator, flow, period, TOTAL, ALL, ALL, value, INDICATORS[indicator].unit,
        obs_status=level.obs_status, release=level.release,
    )  # fmt: skip


def old_series_rows(release: str = "") -> list[Observation]:
    """The former "offshoring" series (``level_old_scope``), as published, in MAD: a
    separate series, never chained with ``level`` (reference ``published_figures.csv``).

    >>> [(o.period, o.value) for o in old_series_rows()][-1]
    ('2023', Decimal('17900000000.00'))
    """
    scale = {"bn_MAD": Decimal(10) ** 9, "m_MAD": Decimal(10) ** 6, "MAD": Decimal(1)}
    return [
        Observation(
            "level_old_scope",
            f.series,
            f.period,
            TOTAL,
            ALL,
            ALL,
            (f.value * scale[f.unit]).quantize(_CENTIME),
            "MAD",
            obs_status="A" if f.status == "final" else "P",
            release=release,
        )
        for f in published_figures()
        if f.scope == "offshoring_old_scope" and f.measure == "level" and f.segment == TOTAL
    ]


def break_year() -> str | None:
    """The first year of the new series (2023): its exports TOTAL level is flagged ``B``
    (SDMX OBS_STATUS: break in series) because the old series stops there.

    >>> break_year()
    '2023'
    """
    years = [
        f.period
        for f in published_figures()
        if f.scope == "digital_outsourcing" and Period.parse(f.period).kind == "year"
    ]
    return min(years) if years else None
