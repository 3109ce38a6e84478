"""The staging tables: every file of a batch as rows of text, before the checks.

A reader stages a file into the temporary table ``_ing_raw_<n>`` (never in
the warehouse file) and describes it with a :class:`Staged`: the SELECT that
gives each row's ``_line`` (the physical line where it starts, header = line
1, or its row number in an Excel sheet or Parquet file), one VARCHAR column per
field of the kind and ``_blank``; the lines that could not be split into
columns (:class:`Reject`); and what the file was read with (:class:`Detected`).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa

from marsad.engine import Warehouse, quote_ident
from marsad.ingest.errors import FileRefused
from marsad.ingest.options import Detected, ReadOptions
from marsad.ingest.scan import FileScan

if TYPE_CHECKING:
    from marsad.ingest.ledger import LoadReport

RAW = "_ing_raw"
REJ_ERRORS = "_ing_rej_errors"
REJ_SCANS = "_ing_rej_scans"
NL = "_ing_nl"
SKIP = "_ing_skip"


@dataclass
class Reject:
    """A line that could not be split into the file's columns, or a sheet's row refused
    for one of its cells (an Excel error, a formula never computed, a merged cell): then
    ``fields``, the row's other cells as text by field (``{"reporter": "BK10", …}``), so
    that the quarantine shows them and counts the row in its month and reporter."""

    line: int
    rule: str
    column: str | None
    value: str
    message: str
    fields: dict[str, str | None] | None = None
    #: the row's other failing cells, ``rule (column)`` joined by ``, `` (``also fails``)
    others: str | None = None


@dataclass
class Staged:
    """A file staged as text: ``source`` is a SELECT giving ``_line`` and one
    VARCHAR column per field of the kind (NULL when an optional column is
    absent), and ``_blank`` (every cell empty)."""

    source: str
    rejects: list[Reject]
    unit: str  # "line" (text) or "row" (Excel, Parquet)
    detected: Detected
    ignored_columns: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    estimated_rows: int | None = None
    blank_rows: int = 0
    #: lines of only spaces and separators that were not staged (DuckDB could not
    #: split them into the file's columns): counted with the blank rows
    blank_lines: int = 0
    rows_staged: int | None = None
    #: ``source`` already gives ``_file``, ``_dec`` and ``_unit`` (a group of files
    #: read together); an empty source means the rows are in another file's
    full_source: bool = False
    #: the rows are already checked, in this temporary table (the first file of a
    #: group read and checked in one pass; the group's other files have an empty
    #: ``source`` and ``full_source``): see :mod:`marsad.ingest.text.group`
    checked: str = ""
    #: no value can need cleaning or hold a line break (a plain text file, see
    #: :attr:`marsad.ingest.scan.FileScan.plain`): the checks leave those rules out
    plain: bool = False
    #: a value may hold a control character (:data:`marsad.ingest.cleaning.CONTROL_CHARS`):
    #: an Excel sheet or a Parquet file, a text file whose bytes hold one; the checks look
    #: for them (rule ``control``) in such files only
    controls: bool = True
    #: the header's cells as matched, and those a column mapping renamed -> field
    #: (kept in the ledger's ``read_with``: :mod:`marsad.ingest.identity`)
    cells: list[str] = field(default_factory=list)
    renamed: dict[str, str] = field(default_factory=dict)

    @property
    def decimal(self) -> str:
        return self.detected.decimal or "."

    @property
    def date_format(self) -> str | None:
        return self.detected.date_format


@dataclass
class BatchFile:
    """One file of a call (or one sheet of a workbook), through its batch:
    scanned, planned, staged, then loaded (``report``) or refused. ``learnt``
    holds what it taught about its reporters: (reporter, setting, value, how)."""

    index: int
    path: Path
    scan: FileScan | None = None
    sheet: str | None = None
    plan: object | None = None  # an Excel sheet read before batching
    notes: list[str] = field(default_factory=list)
    learnt: list[tuple[str, str, str, str]] = field(default_factory=list)
    staged: Staged | None = None
    load_id: str = ""
    report: LoadReport | None = None
    refused: FileRefused | None = None
    same_as: BatchFile | None = None  # an earlier file of the call with the same content


def raw_table(tag: int) -> str:
    """Name of the staging table of the ``tag``-th file of a batch."""
    return f"{RAW}_{tag}"


def create_from_arrow(wh: Warehouse, table: str, data: pa.Table) -> None:
    """The temporary table ``table`` holding ``data``."""
    view = f"{table}_arrow"
    wh.register(view, data)
    try:
        wh.sql(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT * FROM {view}")
    finally:
        wh.unregister(view)


def drop_staging(wh: Warehouse, keep: tuple[str, ...] = ()) -> None:
    """Drop the temporary tables of ingest (staging, checks, helpers) but ``keep``."""
    names = wh.sql(
        "SELECT table_name FROM duckdb_tables() WHERE temporary"
        " AND starts_with(table_name, '_ing_') AND NOT starts_with(table_name, '_ing_ref_')"
    )
    for (name,) in names:
        if name not in keep:
            wh.sql(f"DROP TABLE IF EXISTS {quote_ident(name)}")


def temp_folder(options: ReadOptions) -> tempfile.TemporaryDirectory:
    """A temporary folder for transcoded copies (setting ``MARSAD_TEMP_DIR``,
    else the system's)."""
    folder = str(options.temp_dir) if options.temp_dir else None
    return tempfile.TemporaryDirectory(prefix="marsad-ingest-", dir=folder)
