"""Writers of the indicator table: CSV now; Excel and SDMX build on the same rows.

The **public** table is the default: a withheld value (``conf_status`` other than
``F``) is empty. The **internal** table holds every value, for the office's own use.
A past release is written as it was frozen, byte for byte.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

from marsad.engine import Warehouse
from marsad.errors import MarsadError
from marsad.indicators.registry import COLUMNS
from marsad.publish.files import atomic_path

FORMATS = ("csv",)


class ExportError(MarsadError):
    """An export that cannot be written; the message says why. Also a
    ``ValueError`` for existing callers."""


def check_format(fmt: str) -> None:
    """Refuse a format other than those of :data:`FORMATS`.

    >>> check_format("xml")
    Traceback (most recent call last):
    ...
    marsad.publish.export.ExportError: Unknown format 'xml': choose one of csv.
    """
    if fmt not in FORMATS:
        raise ExportError(f"Unknown format {fmt!r}: choose one of {', '.join(FORMATS)}.")


def export_table(wh: Warehouse, fmt: str, out: Path, *, internal: bool = False) -> int:
    """Write the last build's indicator table to ``out``; return the row count.

    Public by default (withheld values empty); ``internal`` writes every value.
    The file is written whole or not at all (a temporary file beside it, renamed).
    """
    from marsad.release.snapshot import indicator_rows

    check_format(fmt)
    if not wh.has_table("indicators"):
        raise ExportError("Nothing is built yet: run `marsad build` first.")
    rows = indicator_rows(wh, "", internal=internal)
    with atomic_path(out) as tmp, tmp.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(rows)
    return len(rows)


def export_release(frozen: Path, fmt: str, out: Path) -> int:
    """Copy a release's frozen table ``frozen`` to ``out`` byte for byte; return its rows."""
    check_format(fmt)
    with atomic_path(out) as tmp:
        shutil.copyfile(frozen, tmp)
    with out.open("rb") as f:
        return max(sum(1 for _ in f) - 1, 0)
