"""The rows the build adds to the computed table before disclosure control.

:func:`~marsad.indicators.compute.compute_indicators` derives every indicator of
the records; the build then adds (:func:`with_series_and_targets`):

- the former "offshoring" series as published (``level_old_scope``: 2011, 2015,
  2023), a series of its own, never chained with ``level``;
- the exports tracker (:func:`~marsad.indicators.targets.target_rows`): the 2030
  target and, per complete year, the share reached, the growth still needed, the
  recent pace and the level it would reach;
- the jobs loaded with ``marsad ingest --kind employment`` (``jobs``, flow ``_Z``),
  the 2030 jobs target (``jobs_target_level``) and the share of it reached per year
  (``jobs_target_share``);
- the break in series: the exports TOTAL ``level`` of the first year of the new
  series (2023) gets ``obs_status`` ``B``.

The tracker rows are derived from levels: disclosure control withholds them (``D``)
when a level they read is withheld (:func:`marsad.protect.indicators.uses`). The
old series, the targets and the jobs come from no firm's records: always free.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from decimal import Decimal
from fractions import Fraction

from marsad.indicators.exact import fraction_decimal
from marsad.indicators.registry import INDICATORS
from marsad.indicators.table import IndicatorTable, Observation
from marsad.indicators.targets import break_year, old_series_rows, target_rows, without_left_out
from marsad.periods import KINDS, Period
from marsad.reference import ALL, TOTAL, targets

#: The flow of figures that are not a flow of money (SDMX ``_Z``: not applicable).
NOT_A_FLOW = "_Z"
_ORDER = {name: i for i, name in enumerate(INDICATORS)}

#: One line of the ``employment`` table: (period, segment, jobs).
Jobs = tuple[str, str, int]


def with_series_and_targets(table: IndicatorTable, jobs: Iterable[Jobs] = ()) -> IndicatorTable:
    """``table`` with the old series, the tracker, the jobs rows and the break flag.

    >>> from marsad.indicators.compute import CubeCell, compute_indicators
    >>> t = compute_indicators([CubeCell(y, m, "C", "ITO", "SI22", "FR", 10**12, 1)
    ...                         for y in (2023, 2024) for m in range(1, 13)])
    >>> full = with_series_and_targets(t, [("2024", "TOTAL", 148500)])
    >>> full.observation("level", "2023").obs_status
    'B'
    >>> full.get("jobs_target_share", "2024", flow="_Z")
    Decimal('55')
    >>> round(full.get("target_share", "2024"), 1)
    Decimal('300.0')
    """
    release = table.release
    rows = flag_break(table)
    added = without_left_out(added_rows(table, jobs, release))  # nothing withheld here
    return IndicatorTable.from_rows([*rows, *added], release=release)


def added_rows(table: IndicatorTable, jobs: Iterable[Jobs], release: str) -> list[Observation]:
    """The rows :func:`with_series_and_targets` adds, in their order: the old series,
    the tracker (from the exports TOTAL levels of the years in ``table``, as computed:
    before disclosure control) and the jobs."""
    added = [*old_series_rows(release), *target_rows(table), *jobs_rows(jobs, release)]
    added.sort(key=_sort_key)
    return added


def flag_break(rows: Iterable[Observation]) -> list[Observation]:
    """``rows`` with the exports TOTAL level of the break year flagged ``B``."""
    first = break_year()  # once: it reads the published figures (it was 85% of a 10-year build)
    return [_flag_break(o, first) for o in rows]


def jobs_rows(jobs: Iterable[Jobs], release: str = "") -> list[Observation]:
    """``jobs`` per period and segment as loaded; the 2030 jobs target and, for each
    year up to it with a TOTAL figure, the share of the target reached (percent).

    >>> rows = jobs_rows([("2024", "TOTAL", 148500), ("2024", "ITO", 60000)])
    >>> [(o.indicator, o.period, o.segment, o.value)
    ...  for o in rows]  # doctest: +NORMALIZE_WHITESPACE
    [('jobs', '2024', 'TOTAL', Decimal('148500')), ('jobs', '2024', 'ITO', Decimal('60000')),
     ('jobs_target_level', '2030', 'TOTAL', Decimal('270000')),
     ('jobs_target_share', '2024', 'TOTAL', Decimal('55'))]
    """
    found = [_row("jobs", p, s, Decimal(int(n)), release) for p, s, n in jobs]
    target = next((t for t in targets() if t.target == "jobs" and t.segment == TOTAL), None)
    if not found or target is None or target.unit != "jobs":
        return found
    goal = target.value
    shares = [
        _row(
            "jobs_target_share",
            o.period,
            TOTAL,
            fraction_decimal(Fraction(o.value) * 100 / Fraction(goal)),
            release,
        )
        for o in found
        if o.segment == TOTAL and _year_up_to(o.period, target.year)
    ]
    return [*found, _row("jobs_target_level", str(target.year), TOTAL, goal, release), *shares]


def _year_up_to(period: str, last: int) -> bool:
    parsed = Period.parse(period)
    return parsed.kind == "year" and parsed.year <= last


def _row(indicator: str, period: str, segment: str, value: Decimal, release: str) -> Observation:
    return Observation(
        indicator, NOT_A_FLOW, period, segment, ALL, ALL, value, INDICATORS[indicator].unit,
        obs_status="A", release=release,
    )  # fmt: skip


def _flag_break(obs: Observation, year: str | None) -> Observation:
    """The exports TOTAL level of the break year, flagged ``B`` (SDMX: break in series)."""
    if (
        obs.period == year
        and obs.indicator == "level"
        and obs.flow == "exports"
        and (obs.segment, obs.service, obs.partner) == (TOTAL, ALL, ALL)
    ):
        return replace(obs, obs_status="B")
    return obs


def _sort_key(o: Observation) -> tuple:
    """Indicator (registry order), flow, period kind (years first), period, TOTAL first."""
    period = Period.parse(o.period)
    return (_ORDER[o.indicator], o.flow, KINDS.index(period.kind), o.period,
            o.segment != TOTAL, o.segment)  # fmt: skip
