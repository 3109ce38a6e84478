"""The indicator table as written out: values rounded once, as text.

Levels (MAD) keep their two decimals; percentages and percentage points are
rounded half away from zero to ``percent_decimals`` (default 4, e.g.
``3.4971``). A confidential or absent value is the empty string.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pyarrow as pa

from marsad.indicators.registry import COLUMNS
from marsad.indicators.table import IndicatorTable, Observation


def format_value(obs: Observation, percent_decimals: int = 4) -> str:
    """The observation's value as plain decimal text (e.g. ``13377000000.00``, ``3.4971``)."""
    if obs.value is None or obs.conf_status in ("C", "D"):
        return ""
    if obs.unit == "MAD":
        return f"{obs.value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):f}"
    quantum = Decimal(1).scaleb(-percent_decimals)
    return f"{obs.value.quantize(quantum, rounding=ROUND_HALF_UP):f}"


def export_rows(table: IndicatorTable, *, percent_decimals: int = 4) -> pa.Table:
    """The table as an Arrow table of strings, columns in the order of DESIGN.md."""
    columns: dict[str, list[str]] = {c: [] for c in COLUMNS}
    for obs in table:
        for c in COLUMNS:
            columns[c].append(
                format_value(obs, percent_decimals) if c == "value" else getattr(obs, c)
            )
    return pa.table(columns, schema=pa.schema([(c, pa.string()) for c in COLUMNS]))
