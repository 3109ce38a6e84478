"""The engine that runs the heavy steps: DuckDB in the warehouse's process, or Spark.

The build's heavy steps (classify, convert, cube, contributions) are Ibis
expressions written once (:mod:`marsad.classify`, :mod:`marsad.convert`,
:mod:`marsad.cube`); an :class:`Engine` gives them their inputs on one backend
and runs them:

- :meth:`Engine.records` the records of some months, read from the record
  store's Parquet parts (:mod:`marsad.engine.records`), which both engines read;
- :meth:`Engine.table` a small lookup table (firms, daily rates, the service
  map) put on the engine;
- :meth:`Engine.fetch` the result as an Arrow table, exact decimals, which the
  build stores in the warehouse.

``duckdb`` (the default) runs on the warehouse's own connection; ``spark``
(``pip install 'marsad[spark]'``, Java 17) on a Spark session, local (``local[*]``)
or the cluster named by ``MARSAD_SPARK_MASTER``. Chosen by ``MARSAD_ENGINE`` or
``marsad build --engine``.

>>> import tempfile, pathlib
>>> from marsad.engine import open_warehouse
>>> wh = open_warehouse(pathlib.Path(tempfile.mkdtemp()) / "w.duckdb")
>>> with open_engine(wh, "duckdb") as engine:
...     engine.name, engine.fetch(engine.records()).num_rows
('duckdb', 0)
>>> wh.close()
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import ibis
import ibis.expr.datatypes as dtypes
import pyarrow as pa

from marsad.cube import MONEY, Largest
from marsad.errors import BadArgument

if TYPE_CHECKING:
    from marsad.engine.warehouse import Warehouse

Month = tuple[int, int]
#: The engines ``MARSAD_ENGINE`` and ``marsad build --engine`` accept.
ENGINES = ("duckdb", "spark")


@ibis.udf.agg.builtin(name="max")
def largest(arg: MONEY, n: dtypes.int64) -> dtypes.Array(MONEY):  # type: ignore[valid-type]
    """DuckDB's ``max(arg, n)``: the ``n`` largest values, largest first (ties kept:
    two equal largest contributions are ``x1`` and ``x2``). One hash aggregate where a
    window ranking every contributor of every cell sorted them all: for disclosure
    control's statistics 2.8x faster on a year of 10M records (8.1M contributor-period
    rows); for the cube, 11.7 s -> 3.3 s at 10M records (bench/RESULTS.md, different
    loads of the machine). DuckDB only."""


class Engine:
    """Runs Ibis expressions over the record store (see the module). A context manager."""

    name = "engine"

    def __init__(self, wh: Warehouse) -> None:
        self.wh = wh

    def records(self, months: Sequence[Month] | None = None) -> ibis.Table:
        """The records of ``months`` (every month when None), with the columns of
        ``transactions``; an empty table (typed) when there are none."""
        raise NotImplementedError

    def table(self, name: str, data: pa.Table) -> ibis.Table:
        """``data`` (a small Arrow table: firms, daily rates, the service map) on this engine."""
        raise NotImplementedError

    def fetch(self, expr: ibis.Table) -> pa.Table:
        """Run ``expr`` and return its rows (decimals exact)."""
        return expr.to_pyarrow()

    def warehouse_sql(self, expr: ibis.Table) -> str | None:
        """``expr`` as a SELECT the warehouse can run itself, to store its rows without
        fetching them (the DuckDB engine, on the warehouse's own connection); None when
        the rows must be fetched (:meth:`fetch`) and sent to the warehouse."""
        return None

    #: An aggregate of the ``n`` largest values of a DECIMAL(38,2) column, largest first
    #: (``largest(column, n)``), when this backend has one; None when it has not (the
    #: cube then ranks with a window, which every backend runs).
    largest: Largest | None = None

    def close(self) -> None:
        """Stop what the engine started."""

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class DuckDBEngine(Engine):
    """The warehouse's own DuckDB connection (nothing to start)."""

    name = "duckdb"

    def records(self, months: Sequence[Month] | None = None) -> ibis.Table:
        from marsad.engine.records import RecordStore

        files = self.wh.records.files(months)
        return self.wh.ibis.sql(RecordStore.select(files))

    def table(self, name: str, data: pa.Table) -> ibis.Table:
        return self.wh.ibis.create_table(f"_engine_{name}", data, temp=True, overwrite=True)

    def warehouse_sql(self, expr: ibis.Table) -> str:
        return str(self.wh.ibis.compile(expr))

    largest = staticmethod(largest)


def open_engine(wh: Warehouse, name: str | None = None) -> Engine:
    """The engine ``name`` (default: the ``MARSAD_ENGINE`` setting) on ``wh``'s records.

    Raises :class:`~marsad.errors.BadArgument` for an unknown engine, or for Spark when
    pyspark is not installed (``pip install 'marsad[spark]'``).
    """
    if name is None:
        from marsad.settings import get_settings

        name = getattr(get_settings(), "engine", "duckdb")
    name = name.lower()  # (as the setting: SPARK is spark)
    if name == "duckdb":
        return DuckDBEngine(wh)
    if name == "spark":
        try:
            from marsad.engine.spark import SparkEngine
        except ImportError:
            raise BadArgument(
                "the Spark engine needs pyspark: pip install 'marsad[spark]'"
            ) from None
        return SparkEngine(wh)
    raise BadArgument(f"unknown engine {name!r}: choose one of {', '.join(ENGINES)}")
