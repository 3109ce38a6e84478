"""Rows of the indicator table turned into a **wide table**, as statistics offices
publish them: one row per series (e.g. exports x segment ITO), one column per period.

Label columns come first: a code and a name for each dimension that varies on the
sheet (indicator, flow, segment, service, partner) and the unit when it varies; a
dimension that is the same on every row is named once, in :attr:`Wide.constant`.
Periods follow, years then halves, quarters and months, each in time order. A period's
header carries the shorthand of the observation status of its values (``2025-S1 [p]``
provisional, ``2023 [b]`` break in series, ``[e]`` estimated); when a status concerns
only some values of the column, :attr:`Wide.notes` says which. A cell is the value as a
number, ``[c]`` when withheld, ``[x]`` when the table has no value for it.

>>> t = pivot([_row("level", "2024", "ITO", "12.50", "P"), _row("level", "2023", "KPO", "")])
>>> t.header
['Segment', 'Segment name', '2023', '2024 [p]']
>>> t.body
[['ITO', 'IT outsourcing', '[x]', 12.5], ['KPO', 'Knowledge process outsourcing', '[c]', '[x]']]
>>> t.constant
'indicator level, flow exports, service _T, partner _T'
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from marsad.periods import KINDS, Period
from marsad.publish.columns import FLOWS
from marsad.publish.marks import MISSING, WITHHELD

#: Shorthand of each observation status that a header carries (GSS shorthand notation).
STATUS_SHORTHAND = {"P": "[p]", "B": "[b]", "E": "[e]"}
#: The dimensions of a series, in the order of the label columns.
SERIES = ("indicator", "flow", "segment", "service", "partner")
_CODE_HEADER = {"service": "Service (EBOPS 2010)"}
_NOTES_CAP = 5


@dataclass
class Wide:
    """A wide table: ``header`` (labels, then periods), ``body`` (one list per series),
    ``keys`` (the series key of each body row, by :data:`SERIES`), the ``periods`` of the
    value columns, ``units`` (one per body row), and what the sheet says above it."""

    header: list[str]
    body: list[list]
    keys: list[dict[str, str]]
    periods: list[str]
    units: list[str]
    constant: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def labels(self) -> int:
        """How many label columns come before the periods (e.g. 3)."""
        return len(self.header) - len(self.periods)


def period_order(period: str) -> tuple:
    """Sort key of a period column: years, then halves, quarters, months, in time order.

    >>> sorted(["2024-07", "2024-Q3", "2025", "2024", "2024-S2"], key=period_order)
    ['2024', '2025', '2024-S2', '2024-Q3', '2024-07']
    """
    try:
        p = Period.parse(period)
    except ValueError:
        return (len(KINDS), 0, 0, period)
    return (KINDS.index(p.kind), p.year, p.index, period)


def cell(row: dict[str, str] | None) -> float | str:
    """What a cell shows: the value as a number, ``[c]`` when withheld, ``[x]`` when absent.

    >>> cell({"value": "3.4971", "conf_status": "F"}), cell({"value": "", "conf_status": "D"})
    (3.4971, '[c]')
    >>> cell(None)
    '[x]'
    """
    if row is None:
        return MISSING
    if row["conf_status"] != "F" and not row["value"]:
        return WITHHELD
    return float(Decimal(row["value"])) if row["value"] else MISSING


def pivot(rows: list[dict[str, str]], indicators: Iterable[str] = ()) -> Wide:
    """The rows of one sheet as a wide table (series in ``indicators`` order, then
    flows, segments, services and partners in publication order)."""
    order = {i: n for n, i in enumerate(indicators)}
    varying = [d for d in SERIES if len({r[d] for r in rows}) > 1] or ["indicator"]
    units_vary = len({r["unit"] for r in rows}) > 1
    periods = sorted({r["period"] for r in rows}, key=period_order)
    column = {p: n for n, p in enumerate(periods)}
    series: dict[tuple, list] = {}
    for r in rows:
        key = tuple(r[d] for d in SERIES)
        series.setdefault(key, [None] * len(periods))[column[r["period"]]] = r
    ordered = sorted(series, key=functools.partial(_series_order, order))
    keys = [dict(zip(SERIES, k, strict=True)) for k in ordered]
    grid = [series[k] for k in ordered]
    units = [next(c["unit"] for c in cells if c) for cells in grid]
    body = [
        [*(v for d in varying for v in _labels(d, key[d])), *([unit] if units_vary else []),
         *map(cell, cells)]
        for key, unit, cells in zip(keys, units, grid, strict=True)
    ]  # fmt: skip
    marks, notes = _marks(periods, grid, keys)
    header = [h for d in varying for h in _label_headers(d)]
    header += ["Unit"] if units_vary else []
    header += [" ".join([p, *marks[p]]) for p in periods]
    constant = ", ".join(f"{d} {rows[0][d]}" for d in SERIES if d not in varying)
    return Wide(header, body, keys, periods, units, constant, notes)


def _marks(
    periods: list[str], cells: list[list], keys: list[dict[str, str]]
) -> tuple[dict[str, list[str]], list[str]]:
    """The shorthand each period header carries, and a note for each status that
    concerns only some of the values of its column."""
    marks: dict[str, list[str]] = {}
    notes = []
    for n, period in enumerate(periods):
        present = [(c[n], k) for c, k in zip(cells, keys, strict=True) if c[n]]
        marks[period] = []
        for status, mark in STATUS_SHORTHAND.items():
            having = [k for c, k in present if c["obs_status"] == status]
            if not having:
                continue
            marks[period].append(mark)
            if len(having) < len(present):
                having = [_name(k) for k in having]
                more = len(having) - _NOTES_CAP
                listed = "; ".join(having[:_NOTES_CAP]) + (f"; and {more} more" if more > 0 else "")
                notes.append(f"{mark} in {period} concerns only: {listed}.")
    return marks, notes


def _name(key: dict[str, str]) -> str:
    return " ".join(key[d] for d in SERIES)


def _series_order(order: dict[str, int], key: tuple) -> tuple:
    indicator, flow, segment, service, partner = key
    known = _positions()
    return (
        order.get(indicator, len(order)), indicator,
        known["flow"].get(flow, len(known["flow"])), flow,
        known["segment"].get(segment, len(known["segment"])), segment,
        known["service"].get(service, len(known["service"])), service,
        partner != "_T", partner,
    )  # fmt: skip


@functools.cache
def _positions() -> dict[str, dict[str, int]]:
    """Publication order of the codes of each dimension (e.g. TOTAL first, then ITO)."""
    from marsad.reference import DDS, TOTAL, UNALLOCATED, segments

    lists = {
        "flow": FLOWS,
        "segment": (TOTAL, *segments(), DDS, UNALLOCATED),
        "service": _services(),
    }
    return {d: {code: n for n, code in enumerate(codes)} for d, codes in lists.items()}


def _label_headers(dimension: str) -> list[str]:
    name = dimension.capitalize()
    if dimension == "flow":
        return [name]
    return [_CODE_HEADER.get(dimension, name), f"{name} name"]


def _labels(dimension: str, code: str) -> list[str]:
    if dimension == "flow":
        return [code]
    return [code, NAMES[dimension](code)]


@functools.cache
def _services() -> dict[str, str]:
    from marsad.reference import ebops

    return {"_T": "All services of the sector", **{c: s.name_en for c, s in ebops().items()}}


@functools.cache
def _territories() -> dict[str, str]:
    from babel import Locale

    return {"_T": "All partner countries", **Locale.parse("en").territories}


def _indicator_name(code: str) -> str:
    from marsad.indicators.registry import INDICATORS

    found = INDICATORS.get(code)
    return found.label_en if found else code


@functools.cache
def _segments() -> dict[str, str]:
    from marsad.reference import DDS, TOTAL, segments

    return {
        TOTAL: "Total of the sector",
        **{s.code: s.name_en for s in segments().values()},
        DDS: "Digitally deliverable services of the sector",
    }


#: The name of a code of each dimension (e.g. ``NAMES["partner"]("FR")`` is ``France``).
NAMES: dict[str, Callable[[str], str]] = {
    "indicator": _indicator_name,
    "segment": lambda code: _segments().get(code, code),
    "service": lambda code: _services().get(code, code),
    "partner": lambda code: _territories().get(code, code),
}


def _row(indicator, period, segment, value, status="A", conf="F") -> dict[str, str]:
    """A row of the table for the examples (exports, all services, all partners)."""
    conf = conf if value else "D"
    return dict(indicator=indicator, flow="exports", period=period, segment=segment,
                service="_T", partner="_T", value=value, unit="MAD", obs_status=status,
                conf_status=conf)  # fmt: skip
