"""The warehouse: one DuckDB file holding the loaded records and every build.

Core tables (the contract between ingest and build):

``transactions``
    one row per settlement record, keyed by ``(reporter, record_id)``;
    ``amount`` is the positive amount in the original currency. A view over the
    record store's Parquet files (:mod:`marsad.engine.records`, ``wh.records``),
    not a table of the DuckDB file.
``firms``
    the firm registry, keyed by ``firm_id``.
``rates``
    reference exchange rates, keyed by ``(date, currency)``: MAD per unit.

Ingest adds its own bookkeeping tables (ledger, quarantine, history) in
``marsad.ingest``; build writes ``records_mad``, ``cube`` and ``indicators``.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import stat
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import duckdb
import ibis

from marsad.engine.records import RecordStore
from marsad.engine.sql import classify_error, readable_errors
from marsad.errors import BadArgument, UnreadableInput, WarehouseMissing
from marsad.ingest.schema import core_ddl

log = logging.getLogger(__name__)

#: DECIMAL types used throughout: money in MAD to the centime, original
#: amounts to the thousandth (3-decimal currencies such as TND), rates to 1e-6.
MAD = "DECIMAL(38,2)"
AMOUNT = "DECIMAL(18,3)"
RATE = "DECIMAL(18,6)"

#: The core tables, generated from their one definition in ``marsad.ingest.schema``
#: (a module of plain dataclasses: no import cycle, nothing heavy).
CORE_DDL = core_ddl()


def _connect(path: Path, read_only: bool) -> Any:
    """The Ibis DuckDB backend on ``path``, holding at most ``MARSAD_MEMORY_LIMIT`` (4GB)
    in memory: beyond it DuckDB spills to ``<warehouse>.tmp`` beside the file, so a
    build, an export or a load stays in bounded memory whatever the records' number
    (DuckDB's own default is 80 % of the machine's memory: 19 GB measured in the build
    of 10M records). Raises :class:`BadArgument` for a value DuckDB does not accept."""
    from marsad.settings import get_settings

    limit = get_settings().memory_limit
    try:
        with readable_errors():
            return ibis.duckdb.connect(str(path), read_only=read_only, memory_limit=limit)
    except (duckdb.ParserException, duckdb.InvalidInputException) as exc:
        if "memory" not in str(exc).lower():
            raise
        raise BadArgument(
            f"MARSAD_MEMORY_LIMIT={limit!r} is not a memory size DuckDB accepts (e.g. 4GB)"
        ) from None


#: What every DuckDB database file holds at byte 8 (its magic number).
_DUCKDB_MAGIC = (8, b"DUCK")


def _refuse_other_files(path: Path) -> None:
    """Refuse an existing file that is not a DuckDB database, whatever its name.

    DuckDB reads a path ending in ``.csv`` or ``.parquet`` as an in-memory database
    over that file (an export crashed with ``CatalogException: Cannot launch in-memory
    database in read-only mode``, a build ran on nothing), so the header is checked
    here, before DuckDB sees the path. A file that cannot be read is left to DuckDB,
    whose error names the cause (a permission, a lock).
    """
    offset, magic = _DUCKDB_MAGIC
    try:
        if not path.is_file():
            return
        with path.open("rb") as f:
            head = f.read(offset + len(magic))
    except OSError:
        return
    if head[offset:] != magic:
        raise UnreadableInput(
            f"cannot open the warehouse {path}: the file exists, but it is not a valid "
            "DuckDB database file"
        )


def folder_missing(folder: Path) -> tuple[bool, Path | None]:
    """Whether ``folder`` is missing (not a folder), and the file in the way of it if one
    is (``a.csv`` of ``a.csv/w.duckdb``): a folder that cannot be looked into counts as
    there, for the writing to say why it fails.

    >>> folder_missing(Path("/")), folder_missing(Path("/nonexistent-marsad/a"))
    ((False, None), (True, None))
    """
    try:
        if stat.S_ISDIR(os.stat(folder).st_mode):
            return False, None
    except (FileNotFoundError, NotADirectoryError):
        pass
    except OSError:
        return False, None
    blocker = next((p for p in (folder, *folder.parents) if os.path.lexists(p)), None)
    return True, blocker if blocker is not None and not blocker.is_dir() else None


def refuse_missing_folder(path: Path) -> None:
    """Refuse to write a warehouse whose folder does not exist
    (:class:`~marsad.errors.WarehouseMissing`, exit 2, nothing created): ``marsad ingest
    --warehouse /typo/dir/w.duckdb`` made the folder tree ``/typo/dir`` and a new warehouse
    in it, so a mistyped folder loaded the files where no later command looked. A new
    warehouse file is made in a folder that exists, never the folder.

    >>> refuse_missing_folder(Path("/nonexistent-marsad/w.duckdb"))
    Traceback (most recent call last):
    ...
    marsad.errors.WarehouseMissing: no folder /nonexistent-marsad for the warehouse /nonexistent-marsad/w.duckdb: create the folder first or give another path (nothing was created)
    """  # noqa: E501
    folder = path.absolute().parent
    if "?" in str(folder):  # DuckDB cuts the path of its journal (w.duckdb.wal) at a ?
        raise WarehouseMissing(
            f"cannot write a warehouse in {folder}: DuckDB cannot keep its journal in a "
            "folder whose path holds '?'; give another folder (nothing was created)"
        )
    missing, blocker = folder_missing(folder)
    if not missing:
        return
    if blocker is not None:
        raise WarehouseMissing(
            f"cannot make the warehouse {path.absolute()}: {blocker} is a file, not a folder; "
            "give another path (nothing was created)"
        )
    raise WarehouseMissing(
        f"no folder {folder} for the warehouse {path.absolute()}: create the folder first "
        "or give another path (nothing was created)"
    )


class Warehouse:
    """An open warehouse file.

    ``ibis`` is the Ibis backend the engine stages run on; ``sql`` runs a
    statement on the same connection (bookkeeping, DDL, transactions).
    """

    def __init__(self, path: Path | str, *, read_only: bool = False) -> None:
        self.path = Path(path)
        _refuse_other_files(self.path)
        if not read_only:
            refuse_missing_folder(self.path)
        elif not self.path.exists():  # reading never creates the file (nor its folder)
            raise WarehouseMissing(
                f"no warehouse at {self.path.absolute()}: load files first with marsad ingest"
            )
        self.ibis = _connect(self.path, read_only)
        self._con: duckdb.DuckDBPyConnection = self.ibis.con
        self.in_transaction = False
        if not read_only:
            self._con.execute(CORE_DDL)
        #: the settlement records (Parquet files beside the warehouse), read as ``transactions``
        self.records = RecordStore(self)
        try:
            self.records.open(writable=not read_only)
        except BaseException:  # e.g. a part missing: do not keep the file open
            self.close()
            raise

    # -- plain SQL on the warehouse connection -------------------------------
    def sql(self, query: str, params: Sequence[Any] | None = None) -> list[tuple]:
        """Run one statement and return all its rows (empty for DDL/DML). Its error is
        DuckDB's, even when DuckDB cut the message inside a character
        (:func:`~marsad.engine.sql.readable_errors`)."""
        with readable_errors():
            con = self._con
            cur = con.execute(query, params) if params is not None else con.execute(query)
            try:
                return cur.fetchall()
            except duckdb.InvalidInputException:  # statement without a result set
                return []

    def scalar(self, query: str, params: Sequence[Any] | None = None) -> Any:
        rows = self.sql(query, params)
        return rows[0][0] if rows else None

    def register(self, name: str, data: Any) -> None:
        """Expose an Arrow table or pandas frame to SQL under ``name``."""
        self._con.register(name, data)

    def unregister(self, name: str) -> None:
        self._con.unregister(name)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Warehouse]:
        """All or nothing: commit on success, roll back on any exception."""
        self._con.execute("BEGIN TRANSACTION")
        self.in_transaction = True
        try:
            yield self
        except BaseException:
            # keep the first error: a rollback on a full disk may fail as well
            with contextlib.suppress(duckdb.Error):
                self._con.execute("ROLLBACK")
            self.in_transaction = False
            self.records.rolled_back()
            raise
        else:
            try:
                self._con.execute("COMMIT")
            except BaseException:
                self.in_transaction = False
                self.records.rolled_back()
                raise
            self.in_transaction = False
            self.records.committed()

    # -- tables ---------------------------------------------------------------
    def has_table(self, name: str) -> bool:
        return name in self.ibis.list_tables()

    def has_column(self, table: str, column: str) -> bool:
        """Whether the warehouse's table ``table`` has the column ``column`` (one added
        by a later marsad to a table an older one made)."""
        return bool(
            self.scalar(
                "SELECT count(*) FROM duckdb_columns() WHERE database_name = current_database() "
                "AND table_name = ? AND column_name = ?",
                [table, column],
            )
        )

    def table(self, name: str) -> ibis.Table:
        return self.ibis.table(name)

    def replace_table(self, name: str, query_or_data: Any) -> None:
        """Create or replace ``name`` from an Ibis expression, Arrow table or pandas frame."""
        if isinstance(query_or_data, ibis.Table):
            self.ibis.create_table(name, query_or_data, overwrite=True)
            return
        tmp = f"_marsad_tmp_{name}"
        self._con.register(tmp, query_or_data)
        try:
            self._con.execute(f'CREATE OR REPLACE TABLE "{name}" AS SELECT * FROM "{tmp}"')
        finally:
            self._con.unregister(tmp)

    def replace_view(self, name: str, expr: ibis.Table) -> None:
        """Create or replace the view ``name`` defined by an Ibis expression."""
        self.ibis.create_view(name, expr, overwrite=True)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.ibis.disconnect()

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _file_above(path: Path) -> Path:
    """The nearest of ``path``'s folders that is a file (``some.csv`` of
    ``some.csv/w.duckdb``), else its parent."""
    return next((p for p in path.absolute().parents if p.is_file()), path.parent)


def open_warehouse(path: Path | str | None = None, *, read_only: bool = False) -> Warehouse:
    """Open the warehouse at ``path`` (default: the ``MARSAD_WAREHOUSE`` setting).

    Faults a user can fix become one plain line: a lock held by another process, a
    permission, a full disk, a read-only file system are a
    :class:`~marsad.engine.sql.WarehouseFault` (e.g. ``cannot open the warehouse w.duckdb: it
    is locked by another process (PID 4242); …``); a file that is not a warehouse an
    :class:`~marsad.errors.UnreadableInput`. A read-only open of a missing file raises
    :class:`~marsad.errors.WarehouseMissing`.
    """
    if path is None:
        from marsad.settings import get_settings

        path = get_settings().warehouse
    try:
        return Warehouse(path, read_only=read_only)
    except (duckdb.Error, OSError) as exc:
        fault = classify_error(exc, path)
        if fault is not None:
            raise fault from exc
        if not isinstance(exc, (duckdb.IOException, OSError)):
            raise
        cause = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if Path(path).is_dir():  # (DuckDB: "IO Error: Could not read from file …: Is a directory")
            cause = "it is a folder, not a warehouse file: give the file (e.g. DIR/marsad.duckdb)"
        elif isinstance(exc, OSError) and exc.errno in (errno.EEXIST, errno.ENOTDIR):
            cause = f"{_file_above(Path(path))} is a file, not a folder"  # (some.csv/w.duckdb)
        raise UnreadableInput(f"cannot open the warehouse {path}: {cause}") from exc
