"""The indicator table as written out: values rounded once, as text.

Levels (MAD) keep their two decimals, jobs are whole numbers; percentages and percentage points are
rounded half away from zero to ``percent_decimals`` (default 4, e.g.
``3.4971``). A value that rounds to zero is written without sign (``0.0000``,
never ``-0.0000``). An absent value, and in the public table a withheld one
(``conf_status`` other than ``F``), is the empty string.

The build stores these rows as the warehouse's ``indicators`` table, which the
exports read, with two more columns: ``internal_value``, the rounded value
whatever its flag (what ``marsad export --internal`` writes, for the office's
own use), and ``exact``, the unrounded value as text, which the bulletin reads
back (:func:`stored_table`), so that both show the same build; and ``sort_key``,
which with the codes gives the table's order (:data:`STORED_ORDER`): an
incremental build deletes and inserts the rows of the years it recomputes
(:mod:`marsad.build_years`), so readers order the rows, never trust where they lie.
They live beside the table they write out so that the build does not depend on
``publish``.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Context, Decimal

import pyarrow as pa

from marsad.indicators.compute import FLOW_ORDER, INDICATOR_ORDER
from marsad.indicators.registry import COLUMNS
from marsad.indicators.table import IndicatorTable, Observation
from marsad.periods import KINDS, Period
from marsad.reference import ALL, TOTAL

#: Stored column: the order of the indicator, the flow and the period kind of a
#: computed row; the position of an added row (old series, tracker, jobs) after them.
SORT_KEY = "sort_key"
#: ``sort_key`` of the first added row: after every computed one.
ADDED_FROM = 1_000_000
#: The stored table's order (SQL): that of
#: :func:`~marsad.indicators.compute.compute_indicators` (indicator, flow, period
#: kind, period, each dimension with its total first), then the added rows.
STORED_ORDER = (
    f"{SORT_KEY}, period, segment <> '{TOTAL}', segment, service <> '{ALL}', service, "
    f"partner <> '{ALL}', partner"
)

#: Wide enough for any DECIMAL(38,x) value: rounding never runs out of digits.
_WIDE = Context(prec=80, rounding=ROUND_HALF_UP)


#: Decimals written of the units that are not ratios: MAD to the centime, jobs whole.
_DECIMALS = {"MAD": 2, "jobs": 0}


def format_value(obs: Observation, percent_decimals: int = 4, *, internal: bool = False) -> str:
    """The observation's value as plain decimal text (e.g. ``13377000000.00``, ``3.4971``).

    >>> growth = Observation("growth_yoy", "exports", "2025-S1", "TOTAL", "_T", "_T",
    ...                      Decimal("3.49705"), "percent")
    >>> format_value(growth), format_value(growth, 1)
    ('3.4971', '3.5')
    >>> kpo = Observation("level", "exports", "2024", "KPO", "_T", "_T",
    ...                   Decimal("48000000"), "MAD", conf_status="O")
    >>> format_value(kpo), format_value(kpo, internal=True)
    ('', '48000000.00')
    >>> format_value(Observation("growth_yoy", "exports", "2024", "TOTAL", "_T", "_T",
    ...                          Decimal("-0.00004"), "percent"))
    '0.0000'
    >>> format_value(Observation("jobs", "_Z", "2024", "TOTAL", "_T", "_T",
    ...                          Decimal("148500"), "jobs"))
    '148500'
    """
    if obs.value is None or (obs.conf_status != "F" and not internal):
        return ""
    return plain_decimal(obs.value, _DECIMALS.get(obs.unit, percent_decimals))


def plain_decimal(value: Decimal, decimals: int) -> str:
    """``value`` rounded half away from zero to ``decimals``, as plain text; a value
    that rounds to zero has no sign.

    >>> plain_decimal(Decimal("-0.004"), 2), plain_decimal(Decimal("-2.345"), 2)
    ('0.00', '-2.35')
    """
    rounded = value.quantize(Decimal(1).scaleb(-decimals), context=_WIDE)
    if rounded.is_zero():
        rounded = rounded.copy_abs()  # -0.0000 is 0.0000
    return f"{rounded:f}"


def export_rows(table: IndicatorTable, *, percent_decimals: int = 4) -> pa.Table:
    """The table as an Arrow table of strings, columns in the order of DESIGN.md,
    then ``internal_value`` (the rounded value, even when withheld) and ``exact``
    (the unrounded value, null when absent).

    >>> level = Observation("level", "exports", "2024", "TOTAL", "_T", "_T",
    ...                     Decimal("26219000000"), "MAD", release="2025-06.a9cd87a3")
    >>> row = export_rows(IndicatorTable([level])).to_pylist()[0]
    >>> row["value"], row["exact"]
    ('26219000000.00', '26219000000')
    """
    columns: dict[str, list[str | None]] = {c: [] for c in (*COLUMNS, "internal_value", "exact")}
    for obs in table:
        for c in COLUMNS:
            columns[c].append(
                format_value(obs, percent_decimals) if c == "value" else getattr(obs, c)
            )
        columns["internal_value"].append(format_value(obs, percent_decimals, internal=True))
        columns["exact"].append(None if obs.value is None else str(obs.value))
    return pa.table(columns, schema=pa.schema([(c, pa.string()) for c in columns]))


def stored_table(rows: Iterable[tuple]) -> IndicatorTable:
    """The exact table back from stored rows (the columns, then ``exact`` last).

    >>> level = Observation("level", "exports", "2024", "TOTAL", "_T", "_T",
    ...                     Decimal("6.00"), "MAD", release="2024-12.0a1b2c3d")
    >>> rows = [tuple(r.values()) for r in export_rows(IndicatorTable([level])).to_pylist()]
    >>> back = stored_table(rows)
    >>> back.rows == [level], back.release
    (True, '2024-12.0a1b2c3d')
    """
    observations = []
    for row in rows:
        fields = dict(zip(COLUMNS, row[: len(COLUMNS)], strict=True))
        exact = row[-1]
        fields["value"] = None if exact is None else Decimal(exact)
        observations.append(Observation(**fields))
    release = observations[0].release if observations else ""
    return IndicatorTable(observations, release=release)


def sort_keys(computed: Iterable[Observation], added: int) -> list[int]:
    """``sort_key`` of computed rows (indicator, flow and period kind ranks), then of
    ``added`` added rows (their positions, after every computed row).

    >>> level = Observation("level", "exports", "2024-Q1", "TOTAL", "_T", "_T", None, "MAD")
    >>> sort_keys([level], 2)
    [2, 1000000, 1000001]
    """
    keys = [
        INDICATOR_ORDER[o.indicator] * 100 + FLOW_ORDER[o.flow] * 10 + _kind(o.period)
        for o in computed
    ]
    return keys + [ADDED_FROM + i for i in range(added)]


@functools.cache
def _kind(period: str) -> int:
    """The rank of a period code's kind (a table repeats each code a thousand times)."""
    return KINDS.index(Period.parse(period).kind)


def stored_order(columns: Iterable[str]) -> str:
    """``ORDER BY`` clause of the stored table (by ``rowid`` for a build made before
    ``sort_key``, written in its order)."""
    return f"ORDER BY {STORED_ORDER if SORT_KEY in set(columns) else 'rowid'}"
