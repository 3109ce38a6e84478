"""The indicator table as written out: values rounded once, as text.

Levels (MAD) keep their two decimals; percentages and percentage points are
rounded half away from zero to ``percent_decimals`` (default 4, e.g.
``3.4971``). A confidential or absent value is the empty string.

The build stores these rows as the warehouse's ``indicators`` table, which the
exports read; they live beside the table they write out so that the build does
not depend on ``publish``.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pyarrow as pa

from marsad.indicators.registry import COLUMNS
from marsad.indicators.table import IndicatorTable, Observation


def format_value(obs: Observation, percent_decimals: int = 4) -> str:
    """The observation's value as plain decimal text (e.g. ``13377000000.00``, ``3.4971``).

    >>> growth = Observation("growth_yoy", "exports", "2025-S1", "TOTAL", "_T", "_T",
    ...                      Decimal("3.49705"), "percent")
    >>> format_value(growth), format_value(growth, 1)
    ('3.4971', '3.5')
    >>> format_value(Observation("level", "exports", "2024", "KPO", "_T", "_T",
    ...                          Decimal("48000000"), "MAD", conf_status="C"))
    ''
    """
    if obs.value is None or obs.conf_status in ("C", "D"):
        return ""
    if obs.unit == "MAD":
        return f"{obs.value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):f}"
    quantum = Decimal(1).scaleb(-percent_decimals)
    return f"{obs.value.quantize(quantum, rounding=ROUND_HALF_UP):f}"


def export_rows(table: IndicatorTable, *, percent_decimals: int = 4) -> pa.Table:
    """The table as an Arrow table of strings, columns in the order of DESIGN.md.

    >>> level = Observation("level", "exports", "2024", "TOTAL", "_T", "_T",
    ...                     Decimal("26219000000"), "MAD", release="2025-06.a9cd87a3")
    >>> export_rows(IndicatorTable([level])).to_pylist()[0]["value"]
    '26219000000.00'
    """
    columns: dict[str, list[str]] = {c: [] for c in COLUMNS}
    for obs in table:
        for c in COLUMNS:
            columns[c].append(
                format_value(obs, percent_decimals) if c == "value" else getattr(obs, c)
            )
    return pa.table(columns, schema=pa.schema([(c, pa.string()) for c in COLUMNS]))
