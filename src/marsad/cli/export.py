"""``marsad export``: write the indicator table of the last build, or of a past release.

Read-only on the warehouse: never creates one, and works on a read-only file.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from marsad.cli.common import (
    WarehouseOption,
    check_out,
    check_suffix,
    is_stdout,
    open_store,
    out_path,
    output,
    say,
    wrote,
)

#: What ``--internal`` says on stderr, every time.
INTERNAL_WARNING = (
    "note: {out} holds confidential values (withheld cells included): for the office's own "
    "use, not for publication"
)


class ExportFormat(StrEnum):
    """The formats the indicator table is written in."""

    csv = "csv"
    xlsx = "xlsx"
    sdmx_csv = "sdmx-csv"
    sdmx_ml = "sdmx-ml"
    sdmx_structure = "sdmx-structure"
    csv_bundle = "csv-bundle"


def export(
    fmt: Annotated[
        ExportFormat,
        typer.Option(
            "--format",
            help="csv, xlsx, sdmx-csv, sdmx-ml, sdmx-structure or csv-bundle.",
            case_sensitive=False,
        ),
    ],
    out_file: Annotated[
        Path,
        typer.Option(
            "--out",
            parser=out_path,
            help="File to write: .csv, .xlsx, .xml or .zip, as the format; - for standard "
            "output (xlsx and csv-bundle only when it is piped or redirected).",
        ),
    ],
    internal: Annotated[
        bool,
        typer.Option(
            "--internal", help="Every value, withheld ones included (not for publication)."
        ),
    ] = False,
    release: Annotated[
        str | None,
        typer.Option("--release", help="A past release's table, exactly as it was frozen."),
    ] = None,
    warehouse: WarehouseOption = None,
) -> None:
    """Write the indicator table: public (withheld values empty) unless --internal.
    The file name ends as the format's files do (.csv, .xlsx, .xml, .zip), or has no suffix;
    --out - writes to standard output (messages go to stderr)."""
    from marsad.dates import source_date_epoch
    from marsad.publish.export import SUFFIXES

    source_date_epoch()  # a SOURCE_DATE_EPOCH that is no time: refused before any work
    suffix, what = SUFFIXES[fmt.value], f"--format {fmt.value}"
    check_out(out_file, warehouse)
    check_suffix(out_file, suffix, what)
    binary = fmt in (ExportFormat.xlsx, ExportFormat.csv_bundle)
    if release is not None:
        rows = _from_release(release, fmt, out_file, internal, warehouse)
    else:
        from marsad.publish.export import export_table

        with (
            output(out_file, suffix, what, binary=binary) as path,
            open_store(warehouse, read_only=True) as wh,
        ):
            rows = export_table(wh, fmt.value, path, internal=internal)
    shown = "standard output" if is_stdout(out_file) else str(out_file)
    if internal:
        say(INTERNAL_WARNING.format(out=shown))
    wrote(f"Wrote {_what(fmt, rows)} to {shown}.", out_file)


def _what(fmt: ExportFormat, rows: int) -> str:
    """What the file holds, in words: a structure has no observation (it described the
    table's, ``Wrote 2,174 observations``, as if it held them).

    >>> _what(ExportFormat.csv, 2174), _what(ExportFormat.sdmx_structure, 2174)
    ('2,174 observations', 'the SDMX structure (code lists, concepts, data structure, dataflow)')
    """
    if fmt is ExportFormat.sdmx_structure:
        return "the SDMX structure (code lists, concepts, data structure, dataflow)"
    return f"{rows:,} observations"


def _from_release(
    release_id: str, fmt: ExportFormat, out_file: Path, internal: bool, warehouse
) -> int:
    from marsad.cli.common import warehouse_path
    from marsad.publish.export import SUFFIXES, export_release
    from marsad.release.store import INTERNAL_CSV, PUBLIC_CSV, find, releases_root

    path = warehouse_path(warehouse)
    root = releases_root(path)
    say(f"warehouse: {path}")
    say(f"releases: {root}")
    release = find(root, release_id)
    frozen = release.checked_file(INTERNAL_CSV if internal else PUBLIC_CSV)
    publication = None if fmt is ExportFormat.csv else _release_publication(release, internal)
    binary = fmt in (ExportFormat.xlsx, ExportFormat.csv_bundle)
    with output(out_file, SUFFIXES[fmt.value], f"--format {fmt.value}", binary=binary) as path:
        return export_release(frozen, fmt.value, path, publication)


def _release_publication(release, internal: bool):
    """The publication details of a release, as the web gives them for its downloads
    (:meth:`~marsad.publish.columns.Publication.of_release`: dated by its manifest);
    synthetic when the build it froze was (its id reads ``….synthetic.…``, as the
    manifest records it)."""
    from marsad.indicators.table import synthetic_build
    from marsad.publish.columns import Publication

    synthetic = synthetic_build(release.manifest.get("build", ""))
    date = release.manifest.get("date") or None
    return Publication.of_release(release.id, date, synthetic=synthetic, internal=internal)


def register(app: typer.Typer) -> None:
    """Add ``export`` to the ``marsad`` app."""
    app.command("export")(export)
