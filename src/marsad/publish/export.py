"""Writers of the indicator table: CSV, Excel, SDMX and a CSV bundle, from the same rows.

The **public** table is the default: a withheld value (``conf_status`` other than
``F``) is empty. The **internal** table holds every value, for the office's own use.
A past release is written from its frozen public (or internal) CSV: as ``csv`` byte
for byte, in another format from exactly the same rows.

Every writer takes the table as **text rows** (tuples in the order of
:data:`~marsad.indicators.registry.COLUMNS`, ``value`` as the CSV writes it:
rounded once, empty when withheld or absent), so that every format shows the
same figures as the CSV.
"""

from __future__ import annotations

import csv
import shutil
from collections.abc import Callable
from pathlib import Path

from marsad.engine import Warehouse
from marsad.errors import MarsadError
from marsad.indicators.registry import COLUMNS
from marsad.publish.columns import Publication
from marsad.publish.files import atomic_path

FORMATS = ("csv", "xlsx", "sdmx-csv", "sdmx-ml", "sdmx-structure", "csv-bundle")
#: The file suffix of each format (docs/open-data.md): ``--out`` with another is refused.
SUFFIXES = {
    "csv": ".csv",
    "xlsx": ".xlsx",
    "sdmx-csv": ".csv",
    "sdmx-ml": ".xml",
    "sdmx-structure": ".xml",
    "csv-bundle": ".zip",
}

#: A row of the indicator table as text, in the order of COLUMNS.
TextRow = tuple[str, ...]


class ExportError(MarsadError):
    """An export that cannot be written; the message says why. Also a
    ``ValueError`` for existing callers."""


def check_format(fmt: str) -> None:
    """Refuse a format other than those of :data:`FORMATS`.

    >>> check_format("xml")
    Traceback (most recent call last):
    ...
    marsad.publish.export.ExportError: Unknown format 'xml': choose one of csv, xlsx, \
sdmx-csv, sdmx-ml, sdmx-structure, csv-bundle.
    """
    if fmt not in FORMATS:
        raise ExportError(f"Unknown format {fmt!r}: choose one of {', '.join(FORMATS)}.")


def text_rows(rows: list[tuple]) -> list[TextRow]:
    """Rows with every field as text (``None`` as the empty string, as the CSV writes it).

    >>> text_rows([("level", None)])
    [('level', '')]
    """
    return [tuple("" if v is None else str(v) for v in row) for row in rows]


def write_csv(rows: list[TextRow], out: Path, publication: Publication | None = None) -> None:
    """The indicator table as CSV (UTF-8, ``,``, header of :data:`COLUMNS`), whole or not at all.

    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp()) / "t.csv"
    >>> write_csv([("level", "exports", "2024", "TOTAL", "_T", "_T", "6.00", "MAD", "A",
    ...             "F", "R1")], out)
    >>> out.read_text().splitlines()[1]
    'level,exports,2024,TOTAL,_T,_T,6.00,MAD,A,F,R1'
    """
    with atomic_path(out) as tmp, tmp.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(rows)


def writer(fmt: str) -> Callable[[list[TextRow], Path, Publication], None]:
    """The function that writes ``fmt`` (e.g. ``writer("xlsx")`` is ``write_xlsx``)."""
    check_format(fmt)
    if fmt == "csv":
        return write_csv
    if fmt == "xlsx":
        from marsad.publish.xlsx import write_xlsx

        return write_xlsx
    if fmt == "csv-bundle":
        from marsad.publish.bundle import write_bundle

        return write_bundle
    from marsad.publish import sdmx

    return {
        "sdmx-csv": sdmx.write_sdmx_csv,
        "sdmx-ml": sdmx.write_sdmx_ml,
        "sdmx-structure": sdmx.write_sdmx_structure,
    }[fmt]


def export_table(wh: Warehouse, fmt: str, out: Path, *, internal: bool = False) -> int:
    """Write the last build's indicator table to ``out`` in ``fmt``; return the row count.

    Public by default (withheld values empty); ``internal`` writes every value.
    The file is written whole or not at all (a temporary file beside it, renamed).
    """
    return export_tables(wh, {out: fmt}, internal=internal)


def export_tables(wh: Warehouse, outputs: dict[Path, str], *, internal: bool = False) -> int:
    """Write the last build's table once per ``{path: format}``, reading it once; return
    the row count (e.g. the demo's CSV, bundle, Excel and SDMX files)."""
    from marsad.engine.queries import has_synthetic_firms
    from marsad.release.snapshot import build_id, indicator_rows

    for fmt in outputs.values():
        check_format(fmt)
    if not wh.has_table("indicators"):
        raise ExportError("Nothing is built yet: run `marsad build` first.")
    rows = text_rows(indicator_rows(wh, "", internal=internal))
    publication = Publication.from_settings(
        build_id(wh), synthetic=has_synthetic_firms(wh), internal=internal
    )
    for out, fmt in outputs.items():
        writer(fmt)(rows, out, publication)
    return len(rows)


def read_frozen(frozen: Path) -> list[TextRow]:
    """The rows of a frozen indicator CSV (header checked against :data:`COLUMNS`)."""
    with frozen.open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        header = tuple(next(reader, ()))
        if header != COLUMNS:
            raise ExportError(f"{frozen.name} is not an indicator table (its header differs).")
        return [tuple(row) for row in reader]


def export_release(
    frozen: Path, fmt: str, out: Path, publication: Publication | None = None
) -> int:
    """Write a release's frozen table ``frozen`` to ``out``; return its rows.

    ``csv`` is a byte-for-byte copy; every other format is written from the same rows.
    """
    check_format(fmt)
    if fmt == "csv":
        with atomic_path(out) as tmp:
            shutil.copyfile(frozen, tmp)
        with frozen.open("rb") as f:  # (not `out`: a named pipe cannot be read back)
            return max(sum(1 for _ in f) - 1, 0)
    rows = read_frozen(frozen)
    writer(fmt)(rows, out, publication or Publication())
    return len(rows)
