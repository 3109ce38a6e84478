"""``marsad export``: write the indicator table of the last build.

Read-only on the warehouse: never creates one, and works on a read-only file.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from marsad.cli.common import WarehouseOption, console, open_store, writing


class ExportFormat(StrEnum):
    """The formats the indicator table is written in."""

    csv = "csv"


def export(
    fmt: Annotated[ExportFormat, typer.Option("--format", help="csv.")],
    out_file: Annotated[Path, typer.Option("--out", help="File to write.")],
    warehouse: WarehouseOption = None,
) -> None:
    """Write the indicator table of the last build."""
    from marsad.publish.export import export_table

    with open_store(warehouse, read_only=True) as wh, writing(out_file):
        rows = export_table(wh, fmt.value, out_file)
    console().print(f"Wrote {rows:,} observations to {out_file}.", markup=False)


def register(app: typer.Typer) -> None:
    """Add ``export`` to the ``marsad`` app."""
    app.command("export")(export)
