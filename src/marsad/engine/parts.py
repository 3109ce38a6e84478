"""Writing the record store's parts: what :meth:`RecordStore.editing` does on leaving.

The rows of some months of the working table ``transactions`` are written by one
DuckDB ``COPY … PARTITION_BY`` into a staging folder inside the store (so that the
moves that follow are renames on one file system), moved to their months' folders as
``YYYY-MM/g<generation:08d>.parquet``, flushed to the disk (``fsync``: the catalogue
that names them is committed right after, and must never name a file the disk lost),
and described in the catalogue (``record_files``, ``record_file_reporters``) in the
caller's transaction. Nothing here holds records in Python: DuckDB reads the table and
writes the files; the catalogue rows are per file and per reporter, with each file's
size and SHA-256 (:func:`sha256_of`, streamed), which :func:`verify_parts` checks
before anything reads the parts. A fault of the machine while writing (a read-only
or full folder, too many open files) is one line naming the store's folder or the
month's folder, never the staging file (:func:`write_fault`).

>>> part_name(2024, 3, 42)
'2024-03/g00000042.parquet'
>>> part_name(2024, 3, 42, 1)
'2024-03/g00000042-1.parquet'
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from marsad.engine.sql import (
    _ERRNO_CAUSES,
    _TEXT_CAUSES,
    SqlError,
    WarehouseFault,
    glob_escaped,
    part_fault,
    quote_literal,
    quote_path,
    store_fault,
)

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
    source: str,
    generation: int,
    written: Callable[[Path], None],
) -> list[str]:
    """Write the rows of ``source`` (a SELECT giving the records' columns, with
    ``value_date``) as parts of ``generation`` under ``root``, one or more per month,
    and add them to the catalogue; return their relative paths. ``written`` is told of
    each file as soon as it is in place, so that a ROLLBACK (or a failure half-way) can
    delete it.

    Raises a :class:`~marsad.engine.sql.WarehouseFault` naming the folder for a fault of
    the machine (:func:`write_fault`), else what the SQL engine or the file system
    raise: the caller's transaction then rolls back."""
    staging = root / f".staging-g{generation:08d}"
    try:
        try:
            staging.parent.mkdir(parents=True, exist_ok=True)
            shutil.rmtree(staging, ignore_errors=True)
            _copy(wh, staging, source)
            files = _move(root, staging, generation, written)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        _sync(root, files)
        _describe(wh, root, files, generation)
    except (OSError, SqlError) as exc:
        fault = write_fault(exc, root)
        if fault is None:
            raise
        raise fault from exc
    return files


def write_fault(exc: BaseException, root: Path) -> WarehouseFault | None:
    """The fault of the machine ``exc`` stands for while writing parts under ``root``, as
    one line naming the folder that cannot be written (the store's, or a month's: never
    a staging file); None when ``exc`` is not such a fault.

    >>> import errno
    >>> root, staged = Path("/d/w.records"), "/d/w.records/.staging-g00000002/_y=2024/x.parquet"
    >>> print(write_fault(PermissionError(errno.EACCES, "Permission denied", staged), root))
    cannot write to the record store folder /d/w.records: permission denied
    >>> print(write_fault(OSError(errno.EACCES, "Permission denied", staged, None,
    ...                           "/d/w.records/2024-03/g00000002.parquet"), root))
    cannot write to the record store folder /d/w.records/2024-03: permission denied
    >>> write_fault(ValueError("a bug"), root) is None
    True
    """
    if isinstance(exc, OSError):
        code = exc.errno
        where = getattr(exc, "filename2", None) or exc.filename
    elif isinstance(exc, SqlError):
        text = str(exc)
        code = next((c for words, c in _TEXT_CAUSES if words in text), None)
        quoted = re.search(r'"([^"]+)"', text)
        where = quoted.group(1) if quoted else None
    else:
        return None
    if code not in _ERRNO_CAUSES:
        return None
    folder = _folder_of(Path(os.fsdecode(where)), root) if where else root
    cause = _ERRNO_CAUSES[code]
    return WarehouseFault(f"cannot write to the record store folder {folder}: {cause}")


def _folder_of(path: Path, root: Path) -> Path:
    """The folder of the store a write to ``path`` needed: a month's folder for a part in
    it, else the store's (a staging file, a month's folder being created)."""
    try:
        inside = path.relative_to(root).parts
    except ValueError:
        return path.parent
    if len(inside) == 2 and re.fullmatch(r"\d{4}-\d{2}", inside[0]):
        return root / inside[0]
    return root


#: The options of the ``COPY`` that writes the parts: one folder a month, zstd (a third to
#: half of snappy's bytes; snappy saved 5-10 % of the write, ``bench/bench_store_write.py``).
PART_OPTIONS = "PARTITION_BY (_y, _m), COMPRESSION zstd"


def _copy(wh: Warehouse, staging: Path, source: str) -> None:
    wh.sql(
        f"""COPY (SELECT *, CAST(year(value_date) AS INTEGER) AS _y,
                         CAST(month(value_date) AS INTEGER) AS _m
                  FROM ({source}))
            TO {quote_literal(str(staging))}
            (FORMAT parquet, {PART_OPTIONS})"""
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
    """The catalogue rows of ``files``: rows, bytes, SHA-256, dates and reporters, read
    back from the files themselves (what the catalogue says is what the disk holds)."""
    if not files:
        return
    paths = ", ".join(quote_path(root / f) for f in files)
    prefix = len(str(root)) + 2  # the relative path: after "<root>/"
    source = f"read_parquet([{paths}], filename = true)"
    wh.sql(
        f"""INSERT INTO record_files
                (year, month, file, generation, rows, bytes, first_date, last_date)
            SELECT CAST(year(min(value_date)) AS INTEGER), CAST(month(min(value_date)) AS INTEGER),
                   substr(filename, {prefix}), {generation}, count(*), 0,
                   min(value_date), max(value_date)
            FROM {source} GROUP BY filename"""
    )
    wh.sql(
        f"""INSERT INTO record_file_reporters
            SELECT substr(filename, {prefix}), reporter, count(*) FROM {source} GROUP BY ALL"""
    )
    record_hashes(wh, root, files)


def upgrade_parts_catalogue(wh: Warehouse, root: Path) -> None:
    """Turn the first catalogue (``record_parts``: a list of files per month and
    generation, main of a few hours) into ``record_files``, one row per file."""
    found = wh.scalar(
        "SELECT count(*) FROM duckdb_tables() WHERE NOT temporary "
        "AND database_name = current_database() AND table_name = 'record_parts'"
    )
    if not found:
        return
    with wh.transaction():
        wh.sql(
            """INSERT INTO record_files
                   (year, month, file, generation, rows, bytes, first_date, last_date)
               SELECT year, month, files[i], generation, CASE WHEN i = 1 THEN rows ELSE 0 END,
                      bytes, first_date, last_date
               FROM (SELECT *, unnest(range(1, len(files) + 1)) AS i FROM record_parts)"""
        )
        wh.sql(
            """INSERT INTO record_file_reporters
               SELECT p.files[1], r.reporter, r.records
               FROM record_part_reporters r JOIN record_parts p USING (year, month, generation)"""
        )
        wh.sql("DROP TABLE record_part_reporters")
        wh.sql("DROP TABLE record_parts")
        for (relative,) in wh.sql("SELECT file FROM record_files"):
            with contextlib.suppress(OSError):  # a missing file: check() says so
                size = (root / relative).stat().st_size
                wh.sql("UPDATE record_files SET bytes = ? WHERE file = ?", [size, relative])


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file's content, hex, read in blocks (never whole in memory).

    About 0.15 s for the 99 MB of parts of 10 million records on this project's machine.

    >>> import tempfile
    >>> f = Path(tempfile.mkdtemp()) / "x"
    >>> _ = f.write_bytes(b"abc")
    >>> sha256_of(f)[:16]
    'ba7816bf8f01cfea'
    """
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def record_hashes(wh: Warehouse, root: Path, files: Sequence[str]) -> None:
    """Set the size and SHA-256 of the catalogue rows of ``files`` (relative paths) from
    the files as they are now on the disk (in the caller's transaction)."""
    for relative in files:
        path = root / relative
        wh.sql(
            "UPDATE record_files SET bytes = ?, sha256 = ? WHERE file = ?",
            [path.stat().st_size, sha256_of(path), relative],
        )


#: Why a part's content may differ from the catalogue's, as a user would check.
_CHANGED = "damaged, or replaced by another copy?"


def verify_parts(
    wh: Warehouse, root: Path, catalogue: Sequence[tuple[str, int, str | None]]
) -> list[str]:
    """Check that the parts the catalogue names, ``(file, bytes, sha256)`` rows, are on the
    disk as they were written: listed once, present, of their size, and of their SHA-256
    (a part without one, of a warehouse not yet upgraded, must at least read as Parquet).
    Return the parts without a SHA-256.

    Raises :class:`~marsad.engine.sql.WarehouseFault` (exit 2) naming the first part
    that is not, e.g. ``the record store /d/w.records does not match its catalogue:
    /d/w.records/2024-03/g00000004.parquet has other contents than were written
    (damaged, or replaced by another copy?); restore the folder from the backup made
    with the warehouse file``.
    """
    twice = [f for f, n in Counter(f for f, _b, _h in catalogue).items() if n > 1]
    if twice:
        raise store_fault(root, f"its catalogue lists {root / twice[0]} more than once", "edited?")
    if catalogue and not root.is_dir():
        raise store_fault(root, "the folder is missing", "moved or deleted by hand?")
    unhashed = []
    for relative, size, digest in catalogue:
        path = root / relative
        _check_size(path, size)
        if digest is None:
            _check_readable(wh, path)
            unhashed.append(relative)
        elif sha256_of(path) != digest:
            raise part_fault(path, "has other contents than were written", _CHANGED)
    return unhashed


def _check_size(path: Path, size: int) -> None:
    try:
        found = path.stat().st_size
    except FileNotFoundError:
        raise part_fault(path, "is missing") from None
    if found == 0:
        raise part_fault(path, f"is empty (0 bytes, not {size:,})", "emptied or truncated?")
    if found != size:
        raise part_fault(path, f"has {found:,} bytes, not {size:,}", _CHANGED)


def _check_readable(wh: Warehouse, path: Path) -> None:
    """Read the Parquet footer of ``path`` (its metadata): a damaged one is a fault."""
    try:
        wh.sql("SELECT count(*) FROM parquet_metadata(?)", [glob_escaped(path)])
    except SqlError as exc:
        cause = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise part_fault(path, f"cannot be read as Parquet ({cause})", "damaged?") from None
