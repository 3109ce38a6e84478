"""The record store: settlement records as Parquet files, one folder per month.

Records are most of the data and what the engines scan, so they live outside the
DuckDB file, in a format every engine reads (DuckDB, Spark): beside the warehouse
``w.duckdb``, the folder ``w.records/`` holds one folder per month of value date
(``2024-03/``) and in it one or more *parts* ``g00000042.parquet`` (the generation
that wrote them). A load appends a part to a month it does not need to rewrite; a
month whose records change (a correction, a withdrawal) is rewritten whole as one
new part. Parts are never modified, only added and, once nothing points to them,
deleted.

The warehouse keeps the **catalogue**, what the parts are (``record_parts``: year,
month, generation, files, rows, bytes, first and last value date) and who
reported what in them (``record_part_reporters``), written in the same transaction
as the ledger. A load is therefore atomic: new parts are written before the
commit and are only read once the catalogue names them; the parts they replace
are deleted after it. A crash leaves at worst orphan files, which the next
writable open deletes (:meth:`RecordStore.sweep`).

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
import os
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from marsad.engine.sql import quote_ident, quote_literal
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

CATALOGUE_DDL = """
CREATE TABLE IF NOT EXISTS record_parts (
    year        INTEGER NOT NULL,
    month       INTEGER NOT NULL,
    generation  BIGINT NOT NULL,
    files       VARCHAR[] NOT NULL,  -- relative to the store's folder
    rows        BIGINT NOT NULL,
    bytes       BIGINT NOT NULL,
    first_date  DATE,
    last_date   DATE,
    PRIMARY KEY (year, month, generation)
);
CREATE TABLE IF NOT EXISTS record_part_reporters (
    year        INTEGER NOT NULL,
    month       INTEGER NOT NULL,
    generation  BIGINT NOT NULL,
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
    """The records of one warehouse (see the module). ``wh.records``."""

    #: :meth:`editing` every month
    ALL_MONTHS = ALL

    def __init__(self, wh: Warehouse) -> None:
        self.wh = wh
        self.root = store_folder(wh.path.absolute())
        self._to_delete: list[Path] = []  # parts replaced: deleted after COMMIT
        self._written: list[Path] = []  # parts written: deleted on ROLLBACK

    # -- opening ------------------------------------------------------------------
    def open(self, *, writable: bool) -> None:
        """Create the catalogue (and move a legacy table in), then the view."""
        if writable:
            for statement in CATALOGUE_DDL.split(";"):
                if statement.strip():
                    self.wh.sql(statement)
            if self._legacy_table():
                self._migrate()
            self.sweep()
        if self._legacy_table():
            return  # read-only open of a warehouse not moved yet: its table is read as is
        self.attach()

    def _legacy_table(self) -> bool:
        return bool(
            self.wh.scalar(
                "SELECT count(*) FROM duckdb_tables() WHERE NOT temporary "
                "AND schema_name = 'main' AND table_name = ?",
                [VIEW],
            )
        )

    def _has_catalogue(self) -> bool:
        return bool(
            self.wh.scalar(
                "SELECT count(*) FROM duckdb_tables() WHERE NOT temporary "
                "AND schema_name = 'main' AND table_name = 'record_parts'"
            )
        )

    def attach(self) -> None:
        """(Re)create the temporary view ``transactions`` over the catalogue's parts."""
        files = self.files()
        self.wh.sql(f"CREATE OR REPLACE TEMP VIEW {VIEW} AS {self.select(files)}")

    @staticmethod
    def select(files: list[Path]) -> str:
        """SQL reading ``files`` with the records' columns (none: an empty typed query)."""
        names = ", ".join(quote_ident(c) for c, _t in COLUMNS)
        if not files:
            typed = ", ".join(f"CAST(NULL AS {t}) AS {quote_ident(c)}" for c, t in COLUMNS)
            return f"SELECT {typed} WHERE false"
        paths = ", ".join(quote_literal(str(f)) for f in files)
        return f"SELECT {names} FROM read_parquet([{paths}])"

    # -- reading the catalogue ------------------------------------------------------
    def _parts(self, months: Iterable[Month] | None = None) -> list[tuple]:
        if not self._has_catalogue():
            return []
        rows = self.wh.sql(
            "SELECT year, month, generation, files FROM record_parts "
            "ORDER BY year, month, generation"
        )
        if months is not None:
            wanted = set(months)
            rows = [r for r in rows if (r[0], r[1]) in wanted]
        return rows

    def files(self, months: Iterable[Month] | None = None) -> list[Path]:
        """The absolute paths of the parts of ``months`` (every month when None)."""
        return [self.root / f for *_k, files in self._parts(months) for f in files]

    def months(self) -> list[Month]:
        """The months holding records, in order (e.g. ``[(2024, 1), (2024, 2)]``)."""
        return sorted({(y, m) for y, m, _g, _f in self._parts()})

    def month_versions(self) -> dict[Month, str]:
        """Each month's content version, e.g. ``{(2024, 3): "g12+g15"}``: it changes
        whenever a record of the month is added, corrected or withdrawn."""
        versions: dict[Month, list[str]] = {}
        for y, m, generation, _f in self._parts():
            versions.setdefault((y, m), []).append(f"g{generation}")
        return {k: "+".join(v) for k, v in versions.items()}

    def count(self) -> int:
        """Records in the store (from the catalogue)."""
        if not self._has_catalogue():
            return int(self.wh.scalar(f"SELECT count(*) FROM {VIEW}"))
        return int(self.wh.scalar("SELECT coalesce(sum(rows), 0) FROM record_parts"))

    def last_date(self) -> dt.date | None:
        """The latest value date of any record (None when there is none)."""
        if not self._has_catalogue():
            return self.wh.scalar(f"SELECT max(value_date) FROM {VIEW}")
        return self.wh.scalar("SELECT max(last_date) FROM record_parts")

    def deliveries(self) -> list[tuple[str, int, int, int]]:
        """``(reporter, year, month, records)`` of every month delivered, sorted."""
        if not self._has_catalogue():
            return self.wh.sql(
                f"SELECT reporter, CAST(year(value_date) AS INTEGER), "
                f"CAST(month(value_date) AS INTEGER), count(*) FROM {VIEW} "
                "GROUP BY ALL ORDER BY ALL"
            )
        return self.wh.sql(
            "SELECT reporter, year, month, CAST(sum(records) AS BIGINT) FROM record_part_reporters "
            "GROUP BY ALL ORDER BY ALL"
        )

    def months_holding(self, keys_sql: str) -> list[Month]:
        """The months whose records include any ``(reporter, record_id)`` pair that the
        query ``keys_sql`` selects (reads the key columns of the parts only)."""
        return self._months_where(
            f"(reporter, record_id) IN (SELECT (reporter, record_id) FROM ({keys_sql}))"
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
        rows changed is written as a new part and the catalogue updated (see the module).
        """
        if not self.wh.in_transaction:
            raise RuntimeError("RecordStore.editing must run inside wh.transaction()")
        loaded = self.months() if months is ALL else sorted(set(months) & set(self.months()))
        self.wh.sql(f"DROP VIEW IF EXISTS {VIEW}")
        source = self.select(self.files(loaded))
        self.wh.sql(f"CREATE TEMP TABLE {VIEW} AS {source}")
        before = self._fingerprints()
        yield
        after = self._fingerprints()
        changed = sorted(m for m in set(before) | set(after) if before.get(m) != after.get(m))
        replaced = [m for m in changed if m in set(loaded)]
        self._write(changed, replaced)
        self.wh.sql(f"DROP TABLE {VIEW}")
        self.attach()

    def _fingerprints(self) -> dict[Month, tuple[int, int]]:
        """Per month of the working table: rows and an order-free hash of their content."""
        cols = ", ".join(quote_ident(c) for c, _t in COLUMNS)
        rows = self.wh.sql(
            f"SELECT CAST(year(value_date) AS INTEGER), CAST(month(value_date) AS INTEGER), "
            f"count(*), sum(CAST(hash({cols}) AS HUGEINT)) FROM {VIEW} GROUP BY ALL"
        )
        return {(int(y), int(m)): (int(n), int(h)) for y, m, n, h in rows}

    def _write(self, changed: list[Month], replaced: list[Month]) -> None:
        """Write the ``changed`` months of the working table as new parts; drop the old
        parts of the ``replaced`` ones from the catalogue (their files go after COMMIT)."""
        if not changed:
            return
        generation = self._next_generation()
        for _y, _m, _g, files in self._parts(replaced):
            self._to_delete.extend(self.root / f for f in files)
        if replaced:
            keys = ", ".join(f"({y}, {m})" for y, m in replaced)
            for table in ("record_parts", "record_part_reporters"):
                self.wh.sql(f"DELETE FROM {table} WHERE (year, month) IN ({keys})")
        present = self._copy_parts(changed, generation)
        self._catalogue(present, generation)

    def _next_generation(self) -> int:
        current = self.wh.scalar("SELECT max(generation) FROM record_store")
        if current is None:
            self.wh.sql("INSERT INTO record_store VALUES (0)")
            current = 0
        self.wh.sql("UPDATE record_store SET generation = ?", [current + 1])
        return int(current) + 1

    def _copy_parts(self, months: list[Month], generation: int) -> dict[Month, list[str]]:
        """COPY the working table's rows of ``months`` to one part per month (DuckDB
        partitions in one pass), moved into the months' folders; returns their files."""
        staging = self.root / f".staging-g{generation:08d}"
        shutil.rmtree(staging, ignore_errors=True)
        staging.parent.mkdir(parents=True, exist_ok=True)
        names = ", ".join(quote_ident(c) for c, _t in COLUMNS)
        wanted = ", ".join(str(y * 100 + m) for y, m in months)
        self.wh.sql(
            f"""COPY (SELECT {names}, CAST(year(value_date) AS INTEGER) AS _y,
                             CAST(month(value_date) AS INTEGER) AS _m
                      FROM {VIEW}
                      WHERE year(value_date) * 100 + month(value_date) IN ({wanted}))
                TO {quote_literal(str(staging))}
                (FORMAT parquet, PARTITION_BY (_y, _m), COMPRESSION zstd)"""
        )
        present: dict[Month, list[str]] = {}
        try:
            for path in sorted(staging.glob("_y=*/_m=*/*.parquet")):
                month = (int(path.parent.parent.name[3:]), int(path.parent.name[3:]))
                files = present.setdefault(month, [])
                relative = f"{month[0]:04d}-{month[1]:02d}/g{generation:08d}-{len(files)}.parquet"
                target = self.root / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(path, target)
                self._written.append(target)
                files.append(relative)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return present

    def _catalogue(self, present: dict[Month, list[str]], generation: int) -> None:
        """The catalogue rows of the parts just written (rows, bytes, dates, reporters)."""
        if not present:
            return
        wanted = ", ".join(str(y * 100 + m) for y, m in present)
        month_of = "year(value_date) * 100 + month(value_date)"
        stats = self.wh.sql(
            f"""SELECT CAST(year(value_date) AS INTEGER), CAST(month(value_date) AS INTEGER),
                       reporter, count(*), min(value_date), max(value_date)
                FROM {VIEW} WHERE {month_of} IN ({wanted}) GROUP BY ALL"""
        )
        totals: dict[Month, list] = {}
        for y, m, reporter, n, first, last in stats:
            self.wh.sql(
                "INSERT INTO record_part_reporters VALUES (?, ?, ?, ?, ?)",
                [y, m, generation, reporter, n],
            )
            t = totals.setdefault((y, m), [0, first, last])
            t[0] += n
            t[1], t[2] = min(t[1], first), max(t[2], last)
        for (y, m), files in present.items():
            rows, first, last = totals[(y, m)]
            size = sum((self.root / f).stat().st_size for f in files)
            self.wh.sql(
                "INSERT INTO record_parts VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [y, m, generation, files, rows, size, first, last],
            )

    # -- after the transaction -----------------------------------------------------------
    def committed(self) -> None:
        """The catalogue no longer names the replaced parts: delete them."""
        for path in self._to_delete:
            with contextlib.suppress(OSError):
                path.unlink()
        self._to_delete, self._written = [], []
        self._prune_folders()

    def rolled_back(self) -> None:
        """The catalogue never named the new parts: delete them (the view is back too)."""
        for path in self._written:
            with contextlib.suppress(OSError):
                path.unlink()
        self._to_delete, self._written = [], []
        self._prune_folders()

    def sweep(self) -> None:
        """Delete what a crash left: parts the catalogue does not name, staging folders."""
        if not self.root.is_dir():
            return
        known = {self.root / f for f in self.files()}
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
            months = [m for m in self._fingerprints()]
            self._write(sorted(months), [])
            self.wh.sql(f"DROP TABLE {VIEW}")
        log.warning("moved %s records to the record store %s", f"{n:,}", self.root)
