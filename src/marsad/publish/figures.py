"""Figures of the bulletin read from single rows of the indicator table.

Every number the bulletin states is a :class:`~marsad.publish.story.messages.Keyed`:
the row's exact value, its key and its text as the table writes it. This module
reads them: :func:`figure` for one row, :func:`year_to_date` (the cumulated months
from January), :func:`tracker` (the 2030 exports target and, when loaded, jobs)
and :func:`series_break` (the old "offshoring" series and the new one, the same year).

Nothing here computes a published figure: a figure the table does not hold is not
said. Only the public view of the table is read (a withheld value is ``None``).
"""

from __future__ import annotations

from dataclasses import dataclass

from marsad.indicators.rows import format_value
from marsad.indicators.table import IndicatorTable
from marsad.indicators.targets import break_year, last_complete_year
from marsad.indicators.targets import tracker as target_status
from marsad.periods import Period
from marsad.publish.keyed import Keyed
from marsad.reference import ALL, TOTAL

#: The flow of the rows that are not money (jobs): SDMX ``_Z``, not applicable.
NOT_APPLICABLE = "_Z"


def figure(
    table: IndicatorTable,
    indicator: str,
    period: str | Period,
    segment: str = TOTAL,
    *,
    flow: str = "exports",
    partner: str = ALL,
    decimals: int = 4,
) -> Keyed | None:
    """The published value of one row, with its key (``None`` when absent or withheld).

    ``decimals`` is ``Settings.percent_decimals``: how the table writes a percentage.

    >>> from decimal import Decimal
    >>> from marsad.indicators.table import Observation
    >>> t = IndicatorTable([Observation("growth_yoy", "exports", "2025-S1", "TOTAL", "_T",
    ...                                 "_T", Decimal("3.49705"), "percent")])
    >>> g = figure(t, "growth_yoy", "2025-S1")
    >>> g.key, g.exact
    ('growth_yoy/exports/2025-S1/TOTAL/_T/_T', '3.4971')
    """
    obs = table.observation(indicator, str(period), segment, flow=flow, partner=partner)
    if obs is None or obs.public_value is None:
        return None
    value = obs.public_value
    # a row read from a release's public table (the web's) knows its published text
    text = value.exact if isinstance(value, Keyed) else format_value(obs, decimals)
    return Keyed(value, obs.key, text)


@dataclass(frozen=True)
class YearToDate:
    """Exports cumulated from January to ``month`` (e.g. 2025-05: 11.1 bn, +4.2 %)."""

    month: Period
    level: Keyed
    growth: Keyed | None


def year_to_date(
    table: IndicatorTable, period: Period, *, flow: str = "exports", decimals: int = 4
) -> YearToDate | None:
    """The year to date at the last month of a quarter or a month that does not start the
    year (``None`` for a year, a half, a first quarter or January, whose own figures
    already run from January, and when the table has no ``ytd_level`` for that month)."""
    if period.kind not in ("quarter", "month") or period.starts_year:
        return None
    month = Period("month", period.year, period.last_month)
    level = figure(table, "ytd_level", month, flow=flow, decimals=decimals)
    if level is None:
        return None
    growth = figure(table, "ytd_growth_yoy", month, flow=flow, decimals=decimals)
    return YearToDate(month, level, growth)


@dataclass(frozen=True)
class Jobs:
    """Employment in ``year`` against the target (e.g. 148,500 in 2024, 55.0 % of 270,000)."""

    year: int
    jobs: Keyed
    target: Keyed
    target_year: int
    share: Keyed


@dataclass(frozen=True)
class Tracker:
    """The 2030 tracker as rows of the table for the latest complete year ``year``."""

    year: int
    level: Keyed
    share: Keyed
    target: Keyed
    target_year: int
    required: Keyed | None
    recent: Keyed | None
    #: First year of the window of the recent pace (``year`` when there is none).
    recent_from: int
    projected: Keyed | None
    source: str
    jobs: Jobs | None
    #: :attr:`source` in French and Arabic.
    source_fr: str = ""
    source_ar: str = ""

    @property
    def on_track(self) -> bool | None:
        """Whether the recent pace reaches the target (``None`` when unknown)."""
        return None if self.projected is None else self.projected >= self.target


def tracker(
    table: IndicatorTable, period: Period, *, flow: str = "exports", decimals: int = 4
) -> Tracker | None:
    """The tracker rows (``target_*``) of the latest year complete at the end of ``period``
    (:func:`~marsad.indicators.targets.last_complete_year`) that the table holds: a
    period never quotes a year that had not ended. ``None`` without those rows."""
    if flow != "exports":
        return None
    target = _target_level(table, flow, decimals)
    years = [
        int(p)
        for p in table.periods("year", indicator="target_share")
        if int(p) <= last_complete_year(period)
    ]
    if target is None or not years:
        return None
    year = max(years)
    status = target_status(table, str(year), flow=flow)
    level = figure(table, "level", str(year), flow=flow, decimals=decimals)
    share = figure(table, "target_share", str(year), flow=flow, decimals=decimals)
    if level is None or share is None or status is None:
        return None
    row = {
        name: figure(table, f"target_{name}", str(year), flow=flow, decimals=decimals)
        for name in ("required_growth", "recent_growth", "projected_level")
    }
    return Tracker(
        year=year,
        level=level,
        share=share,
        target=target[0],
        target_year=target[1],
        required=row["required_growth"],
        recent=row["recent_growth"],
        recent_from=status.recent_from,
        projected=row["projected_level"],
        source=status.source,
        jobs=jobs(table, year, decimals=decimals),
        source_fr=status.source_fr,
        source_ar=status.source_ar,
    )


def _target_level(table: IndicatorTable, flow: str, decimals: int) -> tuple[Keyed, int] | None:
    found = table.select(indicator="target_level", flow=flow, segment=TOTAL)
    for obs in found:
        value = figure(table, "target_level", obs.period, flow=flow, decimals=decimals)
        if value is not None:
            return value, int(obs.period)
    return None


def jobs(table: IndicatorTable, year: int, *, decimals: int = 4) -> Jobs | None:
    """Employment of ``year``, or of the latest earlier year loaded, against the jobs
    target (``None`` when no ``jobs`` row, target or share is published)."""
    flow = NOT_APPLICABLE
    years = [int(p) for p in table.periods("year", indicator="jobs") if int(p) <= year]
    targets = table.select(indicator="jobs_target_level", flow=flow, segment=TOTAL)
    if not years or not targets:
        return None
    latest = str(max(years))
    count = figure(table, "jobs", latest, flow=flow, decimals=decimals)
    share = figure(table, "jobs_target_share", latest, flow=flow, decimals=decimals)
    goal_year = targets[0].period
    goal = figure(table, "jobs_target_level", goal_year, flow=flow, decimals=decimals)
    if count is None or share is None or goal is None:
        return None
    return Jobs(int(latest), count, goal, int(goal_year), share)


@dataclass(frozen=True)
class SeriesBreak:
    """The first year of the new series (2023), in the old series and, when the table
    holds it, in the new one (17.9 vs 26.17 bn MAD): two series, never chained."""

    year: str
    old: Keyed | None
    new: Keyed | None


def series_break(
    table: IndicatorTable, *, flow: str = "exports", decimals: int = 4
) -> SeriesBreak | None:
    """The break in series (``None`` when the reference data has no new series)."""
    year = break_year()
    if year is None or flow != "exports":
        return None
    old = figure(table, "level_old_scope", year, flow=flow, decimals=decimals)
    new = figure(table, "level", year, flow=flow, decimals=decimals)
    return SeriesBreak(year, old, new)
