"""The engine tests run once per backend, as Ibis's own backend fixture does.

``backend`` is a factory ``backend(wh) -> Engine``, parametrised over ``duckdb`` and
``spark`` (marked ``spark``). Spark costs several seconds to start: one session
(``local[2]``) serves the whole test session; each engine on it drops its views
when closed. Without Java (or pyspark) the Spark cases skip, saying why.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pyarrow as pa
import pytest

from marsad.classify import classify, service_map
from marsad.convert import convert, daily_rates
from marsad.cube import DIMENSIONS, cube
from marsad.engine import Warehouse, queries
from marsad.engine.compute import DuckDBEngine, Engine
from marsad.protect.cells import contributions
from marsad.reference import UNALLOCATED

#: Cores of the test session's Spark (the machine has 2).
TEST_MASTER = "local[2]"
#: Tiny data: a JVM that compiles less (C1 only), 2 shuffle partitions, no adaptive
#: re-planning; measured 2.2x faster on these tests (the results do not depend on them).
TEST_CONF = {
    "spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
    "spark.sql.shuffle.partitions": "2",
    "spark.sql.adaptive.enabled": "false",
}
#: Each stage's output and the columns it is sorted on before comparing.
KEYS = {
    "records_mad": ("reporter", "record_id"),
    "cube": DIMENSIONS,
    "contributions": (*DIMENSIONS, "dds", "contributor"),
}


@pytest.fixture(scope="session")
def spark_session() -> Iterator[object]:
    """One local Spark session for every Spark test (skipped without pyspark or Java)."""
    pytest.importorskip("pyspark", reason="pyspark is not installed: pip install 'marsad[spark]'")
    from marsad.engine.spark import java_command, start_session

    if java_command() is None:
        pytest.skip("no Java: `java` is not on the PATH nor under JAVA_HOME (Spark needs Java 17)")
    folder = Path(tempfile.mkdtemp(prefix="marsad-spark-test-"))
    session = start_session(TEST_MASTER, folder, TEST_CONF)
    yield session
    session.stop()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(params=["duckdb", pytest.param("spark", marks=pytest.mark.spark)])
def backend(request: pytest.FixtureRequest) -> Callable[[Warehouse], Engine]:
    """``backend(wh)``: an engine of this backend on ``wh``'s records (close it after)."""
    if request.param == "spark":
        from marsad.engine.spark import SparkEngine

        session = request.getfixturevalue("spark_session")
        return lambda wh: SparkEngine(wh, session=session)
    return DuckDBEngine


def stage_exprs(engine: Engine, wh: Warehouse, records=None) -> dict[str, object]:
    """The build's heavy stages as Ibis expressions on ``engine``: every record classified
    and converted (``records_mad``), the ``cube`` and the ``contributions`` (records held
    for review left out of both), from ``wh``'s records (or the Ibis table ``records``)."""
    daily = daily_rates(queries.published_rates(wh), queries.last_value_date(wh))
    firms = engine.table("firms", wh.table("firms").to_pyarrow())
    records = engine.records() if records is None else records
    classified = classify(records, firms, engine.table("service_map", service_map()))
    records_mad = convert(classified, engine.table("rates_daily", daily))
    sector = records_mad.filter(records_mad.segment != UNALLOCATED)
    return {
        "records_mad": records_mad,
        "cube": cube(sector, engine.largest),
        "contributions": contributions(sector, firms),
    }


def fetch_sorted(engine: Engine, exprs: dict[str, object]) -> dict[str, pa.Table]:
    """Each stage's Arrow table from ``engine``, sorted on its keys (rows in a set order)."""
    out = {}
    for name, expr in exprs.items():
        table = engine.fetch(expr)
        out[name] = table.sort_by([(k, "ascending") for k in KEYS[name]])
    return out
