"""Writers of the indicator table: CSV now; Excel and SDMX build on the same rows."""

from __future__ import annotations

import csv
from pathlib import Path

from marsad.engine import Warehouse
from marsad.errors import MarsadError
from marsad.indicators.registry import COLUMNS
from marsad.publish.files import atomic_path

FORMATS = ("csv",)


class ExportError(MarsadError):
    """An export that cannot be written; the message says why. Also a
    ``ValueError`` for existing callers."""


def export_table(wh: Warehouse, fmt: str, out: Path) -> int:
    """Write the last build's indicator table to ``out``; return the row count.

    The file is written whole or not at all (a temporary file beside it, renamed).
    """
    if fmt not in FORMATS:
        raise ExportError(f"Unknown format {fmt!r}: choose one of {', '.join(FORMATS)}.")
    if not wh.has_table("indicators"):
        raise ExportError("Nothing is built yet: run `marsad build` first.")
    rows = wh.sql(f"SELECT {', '.join(COLUMNS)} FROM indicators")
    with atomic_path(out) as tmp, tmp.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(rows)
    return len(rows)
