"""Writing the record store's parts: what :meth:`RecordStore.editing` does on leaving.

The rows of some months of the working table ``transactions`` are written by one
DuckDB ``COPY … PARTITION_BY`` into a staging folder inside the store (so that the
moves that follow are renames on one file system), moved to their months' folders as
``YYYY-MM/g<generation:08d>.parquet``, flushed to the disk (``fsync``: the catalogue
that names them is committed right after, and must never name a file the disk lost),
and described in the catalogue (``record_files``, ``record_file_reporters``) in the
caller's transaction. Nothing here holds records in Python: DuckDB reads the table and
writes the files; the catalogue rows are per file and per reporter.

>>> part_name(2024, 3, 42)
'2024-03/g00000042.parquet'
>>> part_name(2024, 3, 42, 1)
'2024-03/g00000042-1.parquet'
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from marsad.engine.sql import quote_ident, quote_literal

if TYPE_CHECKING:
    from marsad.engine.warehouse import Warehouse

Month = tuple[int, int]


def part_name(year: int, month: int, generation: int, index: int = 0) -> str:
    """A part's path relative to the store: ``YYYY-MM/g<generation:08d>.parquet`` (a
    second file of the same month and generation, rare, adds ``-<index>``)."""
    tail = f"-{index}" if index else ""
    return f"{year:04d}-{month:02d}/g{generation:08d}{tail}.parquet"


def next_generation(wh: Warehouse) -> int:
    """Take the next generation number (in the caller's transaction): 1, 2, …"""
    current = wh.scalar("SELECT max(generation) FROM record_store")
    if current is None:
        wh.sql("INSERT INTO record_store VALUES (0)")
        current = 0
    wh.sql("UPDATE record_store SET generation = ?", [int(current) + 1])
    return int(current) + 1


def write_months(
    wh: Warehouse,
    root: Path,
    table: str,
    columns: Sequence[str],
    months: Sequence[Month],
    generation: int,
    written: Callable[[Path], None],
) -> list[str]:
    """Write the rows of ``months`` of ``table`` as parts of ``generation`` under ``root``
    and add them to the catalogue; return their relative paths (a month left without
    rows gets no part). ``written`` is told of each file as soon as it is in place, so
    that a ROLLBACK (or a failure half-way) can delete it.

    Raises what the SQL engine or the file system raise (a full disk, a read-only
    folder): the caller's transaction then rolls back."""
    staging = root / f".staging-g{generation:08d}"
    try:
        staging.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(staging, ignore_errors=True)
        _copy(wh, staging, table, columns, months)
        files = _move(root, staging, generation, written)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    _sync(root, files)
    _describe(wh, root, files, generation)
    return files


def _copy(
    wh: Warehouse, staging: Path, table: str, columns: Sequence[str], months: Sequence[Month]
) -> None:
    names = ", ".join(quote_ident(c) for c in columns)
    wanted = ", ".join(str(y * 100 + m) for y, m in months)
    wh.sql(
        f"""COPY (SELECT {names}, CAST(year(value_date) AS INTEGER) AS _y,
                         CAST(month(value_date) AS INTEGER) AS _m
                  FROM {table}
                  WHERE year(value_date) * 100 + month(value_date) IN ({wanted}))
            TO {quote_literal(str(staging))}
            (FORMAT parquet, PARTITION_BY (_y, _m), COMPRESSION zstd)"""
    )


def _move(root: Path, staging: Path, generation: int, written: Callable[[Path], None]) -> list[str]:
    files: list[str] = []
    count: dict[Month, int] = {}
    for path in sorted(staging.glob("_y=*/_m=*/*.parquet")):
        year, month = int(path.parent.parent.name[3:]), int(path.parent.name[3:])
        index = count[(year, month)] = count.get((year, month), -1) + 1
        relative = part_name(year, month, generation, index)
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, target)
        written(target)
        files.append(relative)
    return files


def _sync(root: Path, files: list[str]) -> None:
    """Flush the new files and the folders naming them to the disk."""
    folders = {root} | {(root / f).parent for f in files}
    for path in [*(root / f for f in files), *sorted(folders)]:
        fd = os.open(path, os.O_RDONLY)
        try:
            with contextlib.suppress(OSError):  # some file systems cannot sync a folder
                os.fsync(fd)
        finally:
            os.close(fd)


def _describe(wh: Warehouse, root: Path, files: list[str], generation: int) -> None:
    """The catalogue rows of ``files``: rows, bytes, dates and reporters, read back from
    the files themselves (what the catalogue says is what the disk holds)."""
    if not files:
        return
    paths = ", ".join(quote_literal(str(root / f)) for f in files)
    prefix = len(str(root)) + 2  # the relative path: after "<root>/"
    source = f"read_parquet([{paths}], filename = true)"
    wh.sql(
        f"""INSERT INTO record_files
            SELECT CAST(year(min(value_date)) AS INTEGER), CAST(month(min(value_date)) AS INTEGER),
                   substr(filename, {prefix}), {generation}, count(*), 0,
                   min(value_date), max(value_date)
            FROM {source} GROUP BY filename"""
    )
    wh.sql(
        f"""INSERT INTO record_file_reporters
            SELECT substr(filename, {prefix}), reporter, count(*) FROM {source} GROUP BY ALL"""
    )
    for relative in files:
        wh.sql(
            "UPDATE record_files SET bytes = ? WHERE file = ?",
            [(root / relative).stat().st_size, relative],
        )
