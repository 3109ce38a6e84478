"""Disclosure control of a build's indicator table: primary, secondary, derived.

:func:`protect_indicators` takes the exact indicator table and the
contributor statistics of its level cells (:func:`~marsad.protect.cells.cell_statistics`)
and returns the table with its ``conf_status`` set (SDMX CL_CONF_STATUS):

* each published level of exports or imports (and each year to date) is
  assessed (:func:`~marsad.protect.primary.summary`): ``A`` too few
  contributors, ``O`` dominated (p% rule), else ``F``;
* the earlier releases, when given (:mod:`~marsad.protect.apriori`), make known the
  cells they published with the value they have now (never complements), join their
  relations and confidential cells to the table, prefer the cells the latest one
  withheld as complements, and keep withheld (``D``) the cells withheld by a release
  frozen without its cells;
* complementary cells are withheld (``D``) by the LP heuristic of
  :mod:`~marsad.protect.secondary` until the intruder's audit finds nothing
  exposed; the sector and segment totals of years, halves and quarters are
  made a thousand times dearer to withhold than their weight, so that the
  published headline figures stay published whenever another pattern exists;
* every derived figure (balance, growth, share, contribution, progress, year
  to date growth) that uses a withheld level is withheld too (``D``), so a
  published derived figure only combines published levels and tells an
  intruder nothing the levels do not.

The value of a withheld observation is kept in the internal table and
emptied in every public one (:mod:`marsad.indicators.rows`).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass, field, replace
from decimal import Decimal

from marsad.indicators.compute import parent_key
from marsad.indicators.table import IndicatorTable, Observation
from marsad.indicators.targets import RECENT_YEARS
from marsad.periods import Period
from marsad.protect.apriori import Apriori, own_cells
from marsad.protect.cells import linked_table
from marsad.protect.primary import FREE, SECONDARY, SdcRule, summary
from marsad.protect.secondary import Suppression, protect
from marsad.protect.table import Cell, Key, LinkedTable, ytd_code
from marsad.reference import ALL, SEGMENT_CODES, TOTAL

#: Level indicators protected as cells: indicator -> how its period is written in a key.
LEVELS = {"level": str, "ytd_level": ytd_code}
PROTECTED_FLOWS = ("exports", "imports")
#: Indicators that come from no firm's records (published series, targets, jobs counted
#: by the ministry): never assessed as cells, never withheld.
NOT_FROM_RECORDS = frozenset(
    {"level_old_scope", "target_level", "jobs", "jobs_target_level", "jobs_target_share"}
)
#: Tracker indicators of year Y that read the TOTAL level of Y only, and those that read
#: the levels of the years of the recent pace (up to ``RECENT_YEARS`` ending in Y).
TRACKER_OF_YEAR = frozenset({"target_share", "target_required_growth"})
TRACKER_OF_YEARS = frozenset({"target_recent_growth", "target_projected_level"})
#: How much dearer a headline cell is to withhold than its weight.
HEADLINE_COST = 1000.0


class StatisticsMismatch(RuntimeError):
    """A cell's contributor total differs from its level (a bug, never user input)."""


@dataclass(frozen=True)
class Protected:
    """The protected table, the linked table behind it, and the suppression run."""

    table: IndicatorTable
    linked: LinkedTable
    suppression: Suppression
    #: the flag of every withheld level cell the table's figures read (``known`` too)
    withheld: Mapping[Key, str] = field(default_factory=dict, repr=False)

    def __repr__(self) -> str:
        return f"Protected({self.suppression!r})"

    @property
    def cache(self) -> dict[str, frozenset[Key]]:
        """The pattern of each component of this table, by fingerprint (for ``sdc_cache``)."""
        return self.suppression.cache


def cell_key(obs: Observation) -> Key:
    """The linked-table key of a level observation (``("exports", "2024-07/YTD", …)``).

    >>> o = Observation("ytd_level", "exports", "2024-07", "ITO", "_T", "_T", None, "MAD")
    >>> cell_key(o)
    ('exports', '2024-07/YTD', 'ITO', '_T', '_T')
    """
    return (obs.flow, LEVELS[obs.indicator](obs.period), obs.segment, obs.service, obs.partner)


def centimes(value: Decimal) -> int:
    """Exact integer centimes of a MAD amount (at most two decimals).

    >>> centimes(Decimal("12.30")), centimes(Decimal("1E+3"))
    (1230, 100000)
    """
    numerator, denominator = (value * 100).as_integer_ratio()
    if denominator != 1:
        raise ValueError("a level has more than two decimals")
    return numerator


def level_cells(
    table: IndicatorTable,
    statistics: Iterable[tuple],
    rule: SdcRule,
) -> dict[Key, Cell]:
    """The published level cells with their primary status.

    ``statistics``: rows ``(flow, period, segment, service, partner, contributors,
    total, x1, x2)`` (MAD as Decimal, ``x2`` None for one contributor). Raises
    :class:`StatisticsMismatch` (a bug) when a cell's statistics are missing or
    do not add up to its level.
    """
    stats = {tuple(row[:5]): row[5:] for row in statistics}
    cells: dict[Key, Cell] = {}
    for obs in table:
        if obs.indicator not in LEVELS or obs.flow not in PROTECTED_FLOWS or obs.value is None:
            continue
        key = cell_key(obs)
        value = centimes(obs.value)
        found = stats.get(key)
        if found is None or centimes(found[1]) != value:
            raise StatisticsMismatch(f"the contributors of cell {key} do not add up to its level")
        count, _total, x1, x2 = found
        primary = summary(count, value, centimes(x1), centimes(x2) if x2 else 0, rule)
        cell = Cell.from_primary(value, primary)
        if _headline(key):
            cell = Cell.from_primary(value, primary, cell.weight() * HEADLINE_COST)
        cells[key] = cell
    return cells


def _headline(key: Key) -> bool:
    """The sector total of any period, and the segments' totals of years,
    halves and quarters: the figures a bulletin leads with.

    >>> periods = ("2024-Q3", "2024-07", "2024-07/YTD")
    >>> [_headline(("exports", p, "CRM", "_T", "_T")) for p in periods]
    [True, False, False]
    """
    _flow, period, segment, service, partner = key
    if service != ALL or partner != ALL:
        return False
    if segment == TOTAL:
        return True
    return segment in SEGMENT_CODES and "/" not in period and _period(period)[0].kind != "month"


@functools.cache
def _period(code: str) -> tuple[Period, str]:
    """A period code read once (a table repeats each a thousand times): the
    period and the code of the same period a year earlier."""
    period = Period.parse(code)
    return period, str(period.year_earlier())


def protect_indicators(
    table: IndicatorTable,
    statistics: Iterable[tuple],
    rule: SdcRule | None = None,
    workers: int | None = None,
    cache: MutableMapping[str, frozenset[Key]] | None = None,
    known: Mapping[Key, str] | None = None,
    apriori: Apriori | None = None,
) -> Protected:
    """The table with every observation's ``conf_status`` set (module docstring).

    ``apriori``: the level cells of the earlier releases (:class:`~.apriori.Apriori`,
    default none): cells they published with the value they have now are known to the
    intruder, their relations that hold a withheld cell are relations of the table
    (their confidential cells too), the cells the latest withheld are preferred
    complements, and the cells withheld by a release without its cells stay withheld.
    The sensitive cells that no pattern can protect given them are in
    ``Protected.suppression.unprotectable``.

    ``known``: the flags of withheld level cells outside ``table`` that its derived
    figures read (a growth reads the year before): an incremental build protects
    the years that changed and reads the others' flags from the stored ``sdc_cells``.

    ``cache``: patterns of components seen before, by fingerprint, reused and
    filled (:func:`~marsad.protect.secondary.protect`, :mod:`~marsad.protect.cache`);
    the same table as without it. :attr:`Protected.cache` is what to keep for the
    next build.

    >>> from marsad.indicators.compute import CubeCell, compute_indicators
    >>> t = compute_indicators([CubeCell(2024, 1, "C", "ITO", "SI22", "FR", 100, 1)])
    >>> stats = [(o.flow, o.period, o.segment, o.service, o.partner, 1, o.value, o.value, None)
    ...          for o in t if o.indicator == "level" and o.flow == "exports"]
    >>> stats += [(f, f"{p}/YTD", *rest) for f, p, *rest in stats]
    >>> sorted({o.conf_status for o in protect_indicators(t, stats).table})
    ['A', 'D']
    """
    rule = rule or SdcRule()
    cells = level_cells(table, statistics, rule)
    linked = linked_table(cells)
    apriori = apriori or Apriori()
    suppression = protect(apriori.protecting(linked), workers=workers, cache=cache)
    suppression = replace(suppression, table=own_cells(suppression.table, linked))
    withheld = dict(known or {})
    withheld.update((k, c.status) for k, c in suppression.table.cells.items() if c.withheld)
    rows = [flagged(obs, withheld) for obs in table]
    return Protected(
        IndicatorTable.from_rows(rows, release=table.release),
        suppression.table,
        suppression,
        withheld,
    )


def flagged(obs: Observation, withheld: Mapping[Key, str]) -> Observation:
    """``obs`` with its flag: its own cell's for a protected level, else ``D``
    when any level it uses is withheld."""
    if obs.indicator in LEVELS and obs.flow in PROTECTED_FLOWS:
        status = withheld.get(cell_key(obs), FREE)
    else:
        status = SECONDARY if any(k in withheld for k in uses(obs)) else FREE
    return obs if status == obs.conf_status else replace(obs, conf_status=status)


def uses(obs: Observation) -> Iterator[Key]:
    """The level cells a derived observation is computed from (the formulas of
    :mod:`marsad.indicators.compute`; a level absent from the table is zero
    and reveals nothing).

    >>> o = Observation("share", "exports", "2024-Q3", "ITO", "_T", "FR", None, "percent")
    >>> list(uses(o))
    [('exports', '2024-Q3', 'ITO', '_T', 'FR'), ('exports', '2024-Q3', 'TOTAL', '_T', 'FR')]
    >>> list(uses(Observation("jobs", "_Z", "2024", "TOTAL", "_T", "_T", None, "jobs")))
    []
    """
    if obs.indicator in NOT_FROM_RECORDS:
        return
    if obs.indicator in TRACKER_OF_YEAR | TRACKER_OF_YEARS:
        yield from _tracker_uses(obs)
        return
    rest = (obs.segment, obs.service, obs.partner)
    flows = PROTECTED_FLOWS if obs.flow == "balance" else (obs.flow,)
    if obs.indicator in LEVELS:  # the balance: exports - imports
        yield from ((f, LEVELS[obs.indicator](obs.period), *rest) for f in flows)
        return
    period, year_earlier = _period(obs.period)
    parent = parent_key((obs.flow, *rest))
    for flow in flows:
        here = (flow, obs.period, *rest)
        if obs.indicator == "ytd_growth_yoy":
            yield (flow, ytd_code(obs.period), *rest)
            yield (flow, ytd_code(year_earlier), *rest)
        elif obs.indicator == "growth_yoy":
            yield from (here, (flow, year_earlier, *rest))
        elif obs.indicator == "share" and parent is not None:
            yield from (here, (flow, obs.period, *parent[1:]))
        elif obs.indicator == "progress_prev_year":
            yield from (here, (flow, str(period.year - 1), *rest))
        elif obs.indicator == "contribution" and parent is not None:
            yield from (here, (flow, year_earlier, *rest), (flow, year_earlier, *parent[1:]))
        else:
            raise ValueError(f"no rule says which levels {obs.indicator} uses")


def _tracker_uses(obs: Observation) -> Iterator[Key]:
    """The TOTAL annual levels a tracker row of year Y reads: level(Y) for the share and
    the growth still needed; the years of the recent pace (Y-4 to Y) for the recent
    growth and the projection (a year absent from the table is not read).

    >>> o = Observation("target_recent_growth", "exports", "2024", "TOTAL", "_T", "_T",
    ...                 None, "percent")
    >>> [k[1] for k in _tracker_uses(o)]
    ['2020', '2021', '2022', '2023', '2024']
    """
    year = _period(obs.period)[0].year
    first = year if obs.indicator in TRACKER_OF_YEAR else year - RECENT_YEARS + 1
    for y in range(first, year + 1):
        yield (obs.flow, str(y), TOTAL, ALL, ALL)
