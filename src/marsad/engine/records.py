"""The record store: settlement records as Parquet files, one folder per month.

Records are most of the data and what the engines scan, so they live outside the
DuckDB file, in a format every engine reads (DuckDB, Spark): beside the warehouse
``w.duckdb``, the folder ``w.records/`` holds one folder per month of value date
(``2024-03/``) and in it one or more *parts* ``g00000042.parquet`` (the generation
that wrote them). A load appends a part to a month it does not need to rewrite; a
month whose records change (a correction, a withdrawal) is rewritten whole as one
new part. Parts are never modified, only added and, once nothing points to them,
deleted.

The warehouse keeps the **catalogue**, what the parts are (``record_files``: year,
month, file, generation, rows, bytes, first and last value date) and who reported
what in them (``record_file_reporters``), written in the same transaction as the
ledger. A load is therefore atomic: new parts are written before the
commit and are only read once the catalogue names them; the parts they replace
are deleted after it. A crash leaves at worst orphan files, which the next
writable open deletes (:meth:`RecordStore.sweep`). Every open, before anything reads
a part, checks that the parts the catalogue names are there, listed once, with their
sizes and their SHA-256, and says which one is not (:meth:`RecordStore.check`). The
first writable open of a catalogue made without the SHA-256 records it, from the
parts as they are then (after checking their sizes and that they read as Parquet).

Every command reads the records through the temporary view ``transactions``
(created on each open, read-only too), with the columns and types of the old
table: the fields of :data:`marsad.ingest.schema.TRANSACTIONS`, then ``load_id``
and ``line``. A warehouse made before the store had a ``transactions`` table: it
is moved to the store on its first writable open.

>>> import tempfile, pathlib
>>> from marsad.engine import open_warehouse
>>> wh = open_warehouse(pathlib.Path(tempfile.mkdtemp()) / "w.duckdb")
>>> with wh.transaction(), wh.records.editing(ALL):
...     _ = wh.sql("INSERT INTO transactions (record_id, reporter, value_date, flow, amount, "
...                "currency, service_code, partner_country) VALUES ('r1', 'BK1', "
...                "DATE '2024-03-05', 'C', 10, 'EUR', 'SI22', 'FR')")
>>> wh.records.count(), wh.records.months(), [p.parent.name for p in wh.records.files()]
(1, [(2024, 3)], ['2024-03'])
>>> wh.scalar("SELECT amount FROM transactions")
Decimal('10.000')
>>> wh.close()
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from marsad.engine.parts import (
    next_generation,
    record_hashes,
    upgrade_parts_catalogue,
    verify_parts,
    write_months,
)
from marsad.engine.sql import quote_ident, quote_literal, quote_path
from marsad.ingest.schema import SOURCE_COLUMNS, TRANSACTIONS

if TYPE_CHECKING:
    from marsad.engine.warehouse import Warehouse

log = logging.getLogger(__name__)

Month = tuple[int, int]
#: Pass to :meth:`RecordStore.editing` to edit every month.
ALL = None
#: The view (and, while editing, the temporary table) the records are read through.
VIEW = "transactions"
#: The records' columns and SQL types, in order.
COLUMNS: tuple[tuple[str, str], ...] = tuple(
    (f.name, f.sql_type) for f in TRANSACTIONS.fields
) + tuple(tuple(c.partition(" -- ")[0].split(" ", 1)) for c in SOURCE_COLUMNS)  # type: ignore[misc]
#: The records' columns in order, as a SQL list; and each cast to its type.
_NAMES = ", ".join(quote_ident(c) for c, _t in COLUMNS)
_TYPED = ", ".join(f"CAST({quote_ident(c)} AS {t}) AS {quote_ident(c)}" for c, t in COLUMNS)

CATALOGUE_DDL = """
CREATE TABLE IF NOT EXISTS record_files (
    year        INTEGER NOT NULL,
    month       INTEGER NOT NULL,
    file        VARCHAR NOT NULL,  -- relative posix path in the store: 2024-03/g00000042.parquet
    generation  BIGINT NOT NULL,
    rows        BIGINT NOT NULL,
    bytes       BIGINT NOT NULL,
    first_date  DATE,
    last_date   DATE,
    sha256      VARCHAR           -- of the file's content, hex (NULL: not yet recorded)
);
CREATE TABLE IF NOT EXISTS record_file_reporters (
    file        VARCHAR NOT NULL,
    reporter    VARCHAR NOT NULL,
    records     BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS record_store (generation BIGINT NOT NULL);
"""


def store_folder(warehouse: Path) -> Path:
    """The record store's folder beside a warehouse file.

    >>> store_folder(Path("demo-out/marsad.duckdb"))
    PosixPath('demo-out/marsad.records')
    """
    return warehouse.with_suffix(".records")


class RecordStore:
    """The records of one warehouse (see the module). ``wh.records``.

    ``root`` is the store's folder; ``migrated`` the number of records moved from a
    legacy ``transactions`` table by this open (None when nothing was moved).
    """

    #: :meth:`editing` every month
    ALL_MONTHS = ALL

    def __init__(self, wh: Warehouse) -> None:
        self.wh = wh
        self.root = store_folder(wh.path.absolute())
        #: the records are still in the warehouse's own table (an older warehouse opened
        #: read-only): the store's folder does not exist yet
        self.legacy = False
        self.migrated: int | None = None
        self._to_delete: list[Path] = []  # parts replaced: deleted after COMMIT
        self._written: list[Path] = []  # parts written: deleted on ROLLBACK
        self._appended: list[str] | None = None  # while editing: SELECTs of new records

    # -- opening ------------------------------------------------------------------
    def open(self, *, writable: bool) -> None:
        """Create the catalogue (and move a legacy table in), check that the parts it
        names are on the disk as written, then (writable) record the SHA-256 of the parts
        without one and sweep orphans, and create the view.

        Raises :class:`~marsad.engine.sql.WarehouseFault` (exit 2), having changed
        nothing, when a part is missing, not the size or not the content the catalogue
        says (see :meth:`check`)."""
        if writable:
            for statement in CATALOGUE_DDL.split(";"):
                if statement.strip():
                    self.wh.sql(statement)
            upgrade_parts_catalogue(self.wh, self.root)
            if self._legacy_table():
                self._migrate()
        if self._legacy_table():
            self.legacy = True
            return  # read-only open of a warehouse not moved yet: its table is read as is
        unhashed = self.check()
        if writable:
            self._record_hashes(unhashed)
            self.sweep()
        self.attach()

    def _legacy_table(self) -> bool:
        return self._has_table(VIEW)

    def _has_catalogue(self) -> bool:
        return self._has_table("record_files")

    def _has_table(self, name: str) -> bool:
        return bool(
            self.wh.scalar(
                "SELECT count(*) FROM duckdb_tables() WHERE NOT temporary "
                "AND database_name = current_database() AND schema_name = 'main' "
                "AND table_name = ?",
                [name],
            )
        )

    def check(self) -> list[str]:
        """Raise a :class:`~marsad.engine.sql.WarehouseFault` naming the first part of the
        catalogue that is missing, not the size or not the SHA-256 it says (deleted,
        damaged or replaced by hand), or listed twice; return the parts the catalogue
        has no SHA-256 for (made before it was recorded), which read as Parquet."""
        if not self._has_catalogue():
            return []
        digest = "sha256" if self._has_hashes() else "NULL"
        rows = self.wh.sql(f"SELECT file, bytes, {digest} FROM record_files ORDER BY file")
        return verify_parts(self.wh, self.root, rows)

    def _has_hashes(self) -> bool:
        return self.wh.has_column("record_files", "sha256")

    def _record_hashes(self, unhashed: list[str]) -> None:
        """Add the SHA-256 column to a catalogue made without it, and record the hash of
        ``unhashed`` parts from what they hold now (one transaction)."""
        if self._has_hashes() and not unhashed:
            return
        with self.wh.transaction():
            self.wh.sql("ALTER TABLE record_files ADD COLUMN IF NOT EXISTS sha256 VARCHAR")
            record_hashes(self.wh, self.root, unhashed)
        log.info("recorded the SHA-256 of %s parts of %s as they are now", len(unhashed), self.root)

    def attach(self) -> None:
        """(Re)create the temporary view ``transactions`` over the catalogue's parts."""
        files = self.files()
        self.wh.sql(f"CREATE OR REPLACE TEMP VIEW {VIEW} AS {self.select(files)}")

    @staticmethod
    def select(files: list[Path]) -> str:
        """SQL reading ``files`` with the records' columns (none: an empty typed query)."""
        if not files:
            typed = ", ".join(f"CAST(NULL AS {t}) AS {quote_ident(c)}" for c, t in COLUMNS)
            return f"SELECT {typed} WHERE false"
        paths = ", ".join(quote_path(f) for f in files)
        return f"SELECT {_NAMES} FROM read_parquet([{paths}])"

    # -- reading the catalogue ------------------------------------------------------
    def _catalogue(self, months: Iterable[Month] | None = None) -> list[tuple]:
        """``(year, month, file)`` of the parts of ``months`` (all when None), in order."""
        if not self._has_catalogue():
            return []
        rows = self.wh.sql("SELECT year, month, file FROM record_files ORDER BY year, month, file")
        if months is not None:
            wanted = set(months)
            rows = [r for r in rows if (r[0], r[1]) in wanted]
        return rows

    def files(self, months: Iterable[Month] | None = None) -> list[Path]:
        """The absolute paths of the parts of ``months`` (every month when None)."""
        return [self.root / f for _y, _m, f in self._catalogue(months)]

    def months(self) -> list[Month]:
        """The months holding records, in order (e.g. ``[(2024, 1), (2024, 2)]``)."""
        return sorted({(y, m) for y, m, _f in self._catalogue()})

    def month_versions(self) -> dict[Month, str]:
        """Each month's content version, its files' names joined, e.g.
        ``{(2024, 3): "g00000012+g00000015"}``: it changes whenever a record of the month
        is added, corrected or withdrawn, and only then."""
        versions: dict[Month, list[str]] = {}
        for y, m, f in self._catalogue():
            versions.setdefault((y, m), []).append(Path(f).stem)
        return {k: "+".join(v) for k, v in versions.items()}

    def count(self) -> int:
        """Records in the store (from the catalogue)."""
        if not self._has_catalogue() or self._legacy_table():
            return int(self.wh.scalar(f"SELECT count(*) FROM {VIEW}"))
        return int(self.wh.scalar("SELECT coalesce(sum(rows), 0) FROM record_files"))

    def last_date(self) -> dt.date | None:
        """The latest value date of any record (None when there is none)."""
        if not self._has_catalogue() or self._legacy_table():
            return self.wh.scalar(f"SELECT max(value_date) FROM {VIEW}")
        return self.wh.scalar("SELECT max(last_date) FROM record_files")

    def deliveries(self) -> list[tuple[str, int, int, int]]:
        """``(reporter, year, month, records)`` of every month delivered, sorted."""
        if not self._has_catalogue() or self._legacy_table():
            return self.wh.sql(
                f"SELECT reporter, CAST(year(value_date) AS INTEGER), "
                f"CAST(month(value_date) AS INTEGER), count(*) FROM {VIEW} "
                "GROUP BY ALL ORDER BY ALL"
            )
        return self.wh.sql(
            "SELECT r.reporter, f.year, f.month, CAST(sum(r.records) AS BIGINT) "
            "FROM record_file_reporters r JOIN record_files f USING (file) "
            "GROUP BY ALL ORDER BY ALL"
        )

    def months_of_load(self, load_id: str) -> list[Month]:
        """The months holding records brought by the load ``load_id``."""
        return self._months_where(f"load_id = {quote_literal(load_id)}")

    def _months_where(self, condition: str) -> list[Month]:
        if not self.files():
            return []
        rows = self.wh.sql(
            "SELECT DISTINCT CAST(year(value_date) AS INTEGER), "
            f"CAST(month(value_date) AS INTEGER) FROM {VIEW} WHERE {condition} ORDER BY ALL"
        )
        return [(int(y), int(m)) for y, m in rows]

    # -- writing -----------------------------------------------------------------------
    @contextlib.contextmanager
    def editing(self, months: Iterable[Month] | None) -> Iterator[None]:
        """Edit the records of ``months`` (every month with :data:`ALL`) as the temporary
        table ``transactions``, inside ``wh.transaction()``: on leaving, each month whose
        rows changed, or that :meth:`append` gave new records, is written as a new part
        and the catalogue updated (see the module). An exception in the block leaves the
        store as it was (the transaction rolls back, and with it the temporary table)."""
        if not self.wh.in_transaction:
            raise RuntimeError("RecordStore.editing must run inside wh.transaction()")
        present = self.months()
        loaded = present if months is ALL else sorted(set(months) & set(present))
        self.wh.sql(f"DROP VIEW IF EXISTS {VIEW}")
        self.wh.sql(f"CREATE TEMP TABLE {VIEW} AS {self.select(self.files(loaded))}")
        before = self._fingerprints()
        self._appended = []
        try:
            yield
            after = self._fingerprints()
            appended = self._appended_sql()
        finally:
            self._appended = None
        changed = {m for m in set(before) | set(after) if before.get(m) != after.get(m)}
        if appended:
            changed |= set(self._months_of(appended))
        self._write(sorted(changed), sorted(changed & set(loaded)), appended)
        self.wh.sql(f"DROP TABLE {VIEW}")
        self.attach()

    def append(self, select_sql: str) -> None:
        """While :meth:`editing`: add the rows of ``select_sql`` (a SELECT giving the
        records' columns of :data:`COLUMNS`, in order) as new records of their months.

        Unlike an ``INSERT INTO transactions``, the rows are not copied into the working
        table: they are read once, when the parts are written on leaving
        :meth:`editing`, so the tables ``select_sql`` reads must still be there then,
        unchanged. They must be new records (no version of their key in the working
        table or in another appended SELECT): the caller has matched them already.
        Inserting into a temporary table inside a transaction, then copying it out, was
        most of a large load's write (DuckDB scans a transaction's own rows slowly)."""
        if self._appended is None:
            raise RuntimeError("RecordStore.append must run inside RecordStore.editing")
        self._appended.append(select_sql)

    def _appended_sql(self) -> str:
        """The appended SELECTs as one, with the records' types (empty when none)."""
        assert self._appended is not None
        return " UNION ALL ".join(f"SELECT {_TYPED} FROM ({s})" for s in self._appended)

    def _months_of(self, select_sql: str) -> list[Month]:
        rows = self.wh.sql(
            "SELECT DISTINCT CAST(year(value_date) AS INTEGER), "
            f"CAST(month(value_date) AS INTEGER) FROM ({select_sql})"
        )
        return [(int(y), int(m)) for y, m in rows]

    def _fingerprints(self) -> dict[Month, tuple[int, int]]:
        """Per month of the working table: rows and an order-free hash of their content."""
        rows = self.wh.sql(
            f"SELECT CAST(year(value_date) AS INTEGER), CAST(month(value_date) AS INTEGER), "
            f"count(*), sum(CAST(hash({_NAMES}) AS HUGEINT)) FROM {VIEW} GROUP BY ALL"
        )
        return {(int(y), int(m)): (int(n), int(h)) for y, m, n, h in rows}

    def _write(self, changed: list[Month], replaced: list[Month], appended: str = "") -> None:
        """Write the ``changed`` months as new parts: their rows of the working table and
        the ``appended`` SELECT's rows (all of them in ``changed`` months); drop the old
        parts of the ``replaced`` ones from the catalogue (their files go after COMMIT)."""
        if not changed:
            return
        generation = next_generation(self.wh)
        old = self._catalogue(replaced)
        self._to_delete.extend(self.root / f for _y, _m, f in old)
        for table in ("record_file_reporters", "record_files"):
            self.wh.sql(
                f"DELETE FROM {table} WHERE list_contains(?, file)", [[f for *_k, f in old]]
            )
        wanted = ", ".join(str(y * 100 + m) for y, m in changed)
        # every part with the records' types, whatever a source computed (a line number
        # summed over quoted newlines is a HUGEINT, which Parquet would store as DOUBLE)
        source = (
            f"SELECT {_TYPED} FROM {VIEW} "
            f"WHERE year(value_date) * 100 + month(value_date) IN ({wanted})"
        )
        if appended:
            source += f" UNION ALL {appended}"
        write_months(self.wh, self.root, source, generation, self._written.append)

    # -- after the transaction -----------------------------------------------------------
    def committed(self) -> None:
        """The catalogue no longer names the replaced parts: delete them."""
        self._end(self._to_delete)

    def rolled_back(self) -> None:
        """The catalogue never named the new parts: delete them (the view is back too)."""
        self._end(self._written)

    def _end(self, unnamed: list[Path]) -> None:
        """After the transaction: delete the parts the catalogue does not name, forget both
        lists, remove emptied month folders."""
        for path in unnamed:
            with contextlib.suppress(OSError):
                path.unlink()
        self._to_delete, self._written = [], []
        self._prune_folders()

    def sweep(self) -> None:
        """Delete what a crash left: parts the catalogue does not name, staging folders."""
        if not self.root.is_dir():
            return
        known = set(self.files())
        for path in self.root.glob("*/g*.parquet"):
            if path not in known:
                log.info("removing %s: not in the catalogue (left by an interrupted write)", path)
                with contextlib.suppress(OSError):
                    path.unlink()
        for staging in self.root.glob(".staging-*"):
            shutil.rmtree(staging, ignore_errors=True)
        self._prune_folders()

    def _prune_folders(self) -> None:
        if self.root.is_dir():
            for folder in self.root.iterdir():
                if folder.is_dir() and not any(folder.iterdir()):
                    with contextlib.suppress(OSError):
                        folder.rmdir()

    # -- moving a legacy table -------------------------------------------------------------
    def _migrate(self) -> None:
        """Move the records of a ``transactions`` table (a warehouse made before the
        store) to the store, in one transaction, and drop the table."""
        n = int(self.wh.scalar(f"SELECT count(*) FROM main.{VIEW}"))
        with self.wh.transaction():
            self.wh.sql(f"CREATE TEMP TABLE _records_moving AS SELECT * FROM main.{VIEW}")
            self.wh.sql(f"DROP TABLE main.{VIEW}")
            self.wh.sql(f"ALTER TABLE _records_moving RENAME TO {VIEW}")
            self._write(sorted(self._fingerprints()), [])
            self.wh.sql(f"DROP TABLE {VIEW}")
        self.migrated = n
        log.info("moved %s records to the record store %s", f"{n:,}", self.root)
