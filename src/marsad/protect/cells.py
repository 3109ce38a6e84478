"""The level cells a build publishes, as disclosure control sees them.

Every published level of exports and imports (years, halves, quarters,
months and years to date; the total and every breakdown: segment, service,
partner, segment x service, segment x partner, and the ``DDS`` aggregate) is
one cell of the linked table, keyed ``(flow, period, segment, service,
partner)`` with ``flow`` ``exports`` or ``imports`` and a year to date written
``2024-07/YTD`` (:func:`~marsad.protect.table.ytd_code`).

Its primary status needs its contributors: :func:`contributions` (Ibis, runs
on any backend) sums the records by month, cell and **contributor**, the
firm's enterprise group (``group:<group_id>``), else the firm
(``firm:<firm_id>``); records without a firm id (classified by their service
code) are one contributor, ``unknown``, per cell: the cautious reading, since
they might all be one firm's. :func:`cell_statistics` then gives, per
published cell, what the rules read: the number of contributors, the total and
the two largest contributions.

The relations an intruder knows (:func:`linked_table`): the five segments
add up to ``TOTAL``; services and partners to ``_T``; months to quarters to
halves to years, and each year to date is the previous one plus its month.
``DDS`` (the digitally deliverable services) is part of ``TOTAL``: the
intruder knows that ``TOTAL = DDS + the rest``, with the rest never negative,
for the total, each partner and each service (the rest of a digitally
deliverable service is nothing, of another one all of it). The rest is a
*latent* cell (:data:`NOT_DDS`, status :data:`LATENT`): never published, never
sensitive, but a term of the relations, so that a partner's ``DDS`` cell cannot
be set against its ``TOTAL`` cell to undo a suppression.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import ibis
import ibis.expr.datatypes as dtypes
import pyarrow as pa

from marsad.cube import month_of
from marsad.engine.compute import largest
from marsad.periods import KINDS, Month, Period
from marsad.protect.primary import LATENT
from marsad.protect.table import (
    Cell,
    Dimension,
    Key,
    LinkedTable,
    build_table,
    calendar,
    flat,
    ytd_code,
)
from marsad.reference import ALL, DDS, SEGMENT_CODES, TOTAL

MONEY = dtypes.Decimal(38, 2)
#: Segment code of the latent cells: ``TOTAL`` less ``DDS`` (not digitally deliverable).
NOT_DDS = "NOT_DDS"
#: The cell key's fields, in order.
KEY_FIELDS = ("flow", "period", "segment", "service", "partner")
FLOWS = {"C": "exports", "D": "imports"}
#: The breakdowns of the published levels, grouping sets over (segment, service,
#: partner) as in the indicator table: the dimensions given, the others at their total.
#: Their cells are disjoint as long as no code equals a total code (``_T``, ``TOTAL``):
#: the reference lists that ingest checks against hold none.
BREAKDOWNS = (
    (),
    ("segment",),
    ("service",),
    ("partner",),
    ("segment", "service"),
    ("segment", "partner"),
)


def contributions(records: ibis.Table, firms: ibis.Table) -> ibis.Table:
    """MAD by month, cell and contributor, of classified and converted records.

    Output: year, month, flow (C/D), segment, service, partner, dds (bool),
    contributor, mad (DECIMAL(38,2)). ``records`` has the columns of the view
    ``records_mad`` (records held for review must be filtered out before);
    ``firms`` those of the registry, with ``group_id``.
    """
    # a warehouse made before groups existed has no column: every firm is its own group
    group_id = firms.group_id if "group_id" in firms.columns else ibis.null("string")
    groups = firms.select(g_firm_id=firms.firm_id, g_group_id=group_id)
    joined = records.left_join(groups, records.firm_id == groups.g_firm_id)
    group = joined.g_group_id.strip().nullif("")
    contributor = ibis.cases(
        (group.notnull(), "group:" + group),
        (joined.firm_id.notnull(), "firm:" + joined.firm_id),
        else_="unknown",
    )
    cells = joined.select(
        **month_of(joined.value_date),
        flow=joined.flow,
        segment=joined.segment,
        service=joined.service_code,
        partner=joined.partner_country,
        dds=joined.digitally_deliverable,
        contributor=contributor,
        mad=joined.mad,
    )
    dims = ["year", "month", "flow", "segment", "service", "partner", "dds", "contributor"]
    return cells.group_by(dims).aggregate(mad=cells.mad.sum().cast(MONEY))


def period_map(months: Iterable[Month]) -> pa.Table:
    """Each month with every period code whose level it counts in: its year,
    half, quarter, month, and the years to date of its month and every later
    month of its year (``2024-07/YTD`` … ``2024-12/YTD``).

    >>> sorted(period_map([(2024, 11)]).column("period").to_pylist())
    ['2024', '2024-11', '2024-11/YTD', '2024-12/YTD', '2024-Q4', '2024-S2']
    """
    years, months_, codes = [], [], []
    for year, month in months:
        found = [str(Period.of_month(year, month, kind)) for kind in KINDS]
        found += [ytd_code(f"{year}-{m:02d}") for m in range(month, 13)]
        for code in found:
            years.append(year)
            months_.append(month)
            codes.append(code)
    return pa.table(
        {
            "year": pa.array(years, pa.int32()),
            "month": pa.array(months_, pa.int32()),
            "period": pa.array(codes, pa.string()),
        }
    )


def cell_statistics(
    contrib: ibis.Table, periods: ibis.Table, breakdowns: Iterable[tuple[str, ...]] = BREAKDOWNS
) -> ibis.Table:
    """Per cell of each breakdown of ``breakdowns`` (default: all) and period:
    contributors, total, x1 and x2.

    Output: flow (``exports``/``imports``), period, segment, service, partner,
    contributors (count), total, x1, x2 (DECIMAL(38,2); ``x2`` null for one
    contributor). ``contrib`` is :func:`contributions`; ``periods`` a
    :func:`period_map` of the months wanted; ``breakdowns`` some of :data:`BREAKDOWNS`
    (their cells are disjoint: the statistics of all of them are the union of those of
    each, which bounds a query's memory). DuckDB only (the largest two are DuckDB's
    ``max(mad, 2)``): disclosure control reads the warehouse.
    """
    per = per_contributor(contrib, periods, breakdowns)
    stats = per.group_by(list(KEY_FIELDS)).aggregate(
        contributors=per.count(),
        total=per.mad.sum().cast(MONEY),
        top=largest(per.mad, 2),
    )
    return stats.select(*KEY_FIELDS, "contributors", "total", x1=stats.top[0], x2=stats.top[1])


def per_contributor(
    contrib: ibis.Table, periods: ibis.Table, breakdowns: Iterable[tuple[str, ...]] = BREAKDOWNS
) -> ibis.Table:
    """MAD per cell of every breakdown and period, and contributor: what
    :func:`cell_statistics` ranks. Columns ``KEY_FIELDS``, contributor, mad."""
    contrib = contrib.mutate(flow=contrib.flow.cases(*FLOWS.items()))
    parts = []
    for dims in breakdowns:
        sources = [contrib]
        if "segment" in dims:
            dds = contrib.filter(contrib.dds)
            sources.append(dds.mutate(segment=ibis.literal(DDS)))
        for source in sources:
            monthly = _by_contributor(source, dims, ["year", "month"])
            parts.append(_by_contributor(monthly.join(periods, ["year", "month"]), dims))
    return ibis.union(*parts)


def _by_contributor(
    source: ibis.Table, dims: tuple[str, ...], by: list[str] | None = None
) -> ibis.Table:
    """``source`` summed by cell of the breakdown ``dims`` and contributor (and
    by the columns ``by``, else by period): months are summed first, so that
    only one row per cell, contributor and month is spread over its periods."""
    by = by or ["period"]
    keyed = source.select(
        *by,
        flow=source.flow,
        segment=source.segment if "segment" in dims else ibis.literal(TOTAL),
        service=source.service if "service" in dims else ibis.literal(ALL),
        partner=source.partner if "partner" in dims else ibis.literal(ALL),
        contributor=source.contributor,
        mad=source.mad,
    )
    fields = [f for f in KEY_FIELDS if f != "period"]
    return keyed.group_by([*by, *fields, "contributor"]).aggregate(mad=keyed.mad.sum().cast(MONEY))


def dimensions(keys: Iterable[Key]) -> list[Dimension]:
    """The additive relations along each key position, for the codes in ``keys``.

    >>> [d.position for d in dimensions([("exports", "2024", "ITO", "_T", "_T")])]
    [1, 2, 3, 4]
    """
    keys = list(keys)
    years = sorted({int(k[1][:4]) for k in keys})
    services = sorted({k[3] for k in keys} - {ALL})
    partners = sorted({k[4] for k in keys} - {ALL})
    segments = Dimension(2, ((TOTAL, SEGMENT_CODES), (TOTAL, (DDS, NOT_DDS))))
    return [calendar(1, years), segments, flat(3, ALL, services), flat(4, ALL, partners)]


def latent_cells(cells: Mapping[Key, Cell]) -> dict[Key, Cell]:
    """The latent cells ``TOTAL - DDS`` (:data:`NOT_DDS`) of every total, service
    and partner cell of the sector, where that rest is not nothing.

    >>> cells = {("exports", "2024", "TOTAL", "_T", "_T"): Cell(9),
    ...          ("exports", "2024", "DDS", "_T", "_T"): Cell(7)}
    >>> {k[2]: (c.value, c.status) for k, c in latent_cells(cells).items()}
    {'NOT_DDS': (2, 'L')}
    """
    out: dict[Key, Cell] = {}
    for key, cell in cells.items():
        flow, period, segment, service, partner = key
        if segment != TOTAL or (service != ALL and partner != ALL):
            continue
        dds = cells.get((flow, period, DDS, service, partner))
        rest = cell.value - (dds.value if dds is not None else 0)
        if rest < 0:
            raise ValueError(f"the DDS cell of {key} is larger than its total")
        if rest:
            out[(flow, period, NOT_DDS, service, partner)] = Cell(rest, LATENT)
    return out


def linked_table(cells: Mapping[Key, Cell], withheld_only: bool = False) -> LinkedTable:
    """The linked table of the published level cells and their latent cells,
    with every relation an intruder knows (module docstring).

    ``withheld_only``: only the relations that hold a cell not published (withheld or
    latent), what rule (C) reads of an earlier release (:mod:`marsad.protect.joint`,
    where the argument that the others tell the intruder nothing is written): all the
    cells, a tenth of the relations to derive and check.

    >>> cells = {("exports", "2024", s, "SI", "_T"): Cell(5) for s in ("TOTAL", "DDS", "ITO")}
    >>> [(r.total[2], [p[2] for p in r.parts]) for r in linked_table(cells).relations]
    [('TOTAL', ['ITO']), ('TOTAL', ['DDS'])]
    >>> linked_table(cells, withheld_only=True).relations
    ()
    """
    published = {k: c for k, c in cells.items() if c.status != LATENT}
    table = {**published, **latent_cells(published)}
    holding = [k for k, c in table.items() if c.withheld] if withheld_only else None
    return build_table(table, dimensions(published), holding)
