"""A small warehouse on Spark: few queries, settings sized to it, what the user's
``spark-defaults.conf`` sets left as it is. A reviewer measured 281 s for a build of
2,436 records on Spark, where DuckDB took a few seconds."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from marsad import build_heavy
from marsad.engine.compute import DuckDBEngine
from tests.conftest import insert

MONTHS = [(2023 + (m - 1) // 12, (m - 1) % 12 + 1) for m in range(1, 31)]  # 30 months


def _thirty_months(wh) -> None:
    insert(wh, "firms", [("F1", "Alpha", "ITO", "6201", "Rabat")])
    rows = [(f"R{y}{m}", "BK01", "F1", f"{y}-{m:02d}-15", "C", "100", "MAD", "SI22", "FR")
            for y, m in MONTHS]  # fmt: skip
    insert(wh, "transactions", rows)


class _Counting(DuckDBEngine):
    """The DuckDB engine, counting the queries the heavy stage runs."""

    queries = 0

    def warehouse_sql(self, expr):
        self.queries += 1
        return super().warehouse_sql(expr)


def _computed(wh) -> tuple[int, list]:
    with wh.transaction(), _Counting(wh) as engine:
        build_heavy.compute(wh, engine, MONTHS, build_heavy.lookups(wh, []))
        return engine.queries, [
            wh.sql(f"SELECT * FROM {name} ORDER BY ALL") for name in build_heavy.TABLES
        ]


def test_a_small_warehouse_is_one_query_per_table(warehouse, monkeypatch):
    """30 months of few records were two chunks of months (24, then 6), six queries: on
    Spark each a few jobs. One chunk now, the same rows stored as by chunks of a month."""
    _thirty_months(warehouse)
    queries, tables = _computed(warehouse)
    assert queries == len(build_heavy.TABLES)
    monkeypatch.setattr(build_heavy, "CHUNK_MONTHS", 1)
    monkeypatch.setattr(build_heavy, "CHUNK_RECORDS", 0)
    assert _computed(warehouse) == (30 * len(build_heavy.TABLES), tables)


def test_chunks_of_many_records_keep_24_months():
    counts = dict.fromkeys(MONTHS, build_heavy.CHUNK_RECORDS // 10)
    assert [len(c) for c in build_heavy.chunk_months(MONTHS, counts)] == [24, 6]


def test_settings_sized_to_a_local_session_leave_what_spark_defaults_set(warehouse):
    """Shuffle partitions are sized to the records only where Spark's own configuration
    says nothing of them (a cluster's administrator's choice stays)."""
    pytest.importorskip("pyspark")
    from marsad.engine.spark import SparkEngine

    _thirty_months(warehouse)
    for given, want in (
        (set(), {"spark.sql.shuffle.partitions": "3"}),
        ({"spark.sql.shuffle.partitions"}, {}),
    ):
        set_ = {}
        session = SimpleNamespace(
            sparkContext=SimpleNamespace(
                getConf=lambda given=given: SimpleNamespace(contains=given.__contains__),
                defaultParallelism=3,
            ),
            conf=SimpleNamespace(set=set_.__setitem__),
        )
        engine = SparkEngine.__new__(SparkEngine)
        engine.wh = warehouse
        engine._size_local(session)
        assert set_ == want


def test_the_quick_compiler_is_left_out_where_spark_defaults_sets_java_options(
    tmp_path, monkeypatch
):
    pytest.importorskip("pyspark")
    from marsad.engine.spark import SMALL_JAVA_OPTIONS, launch_conf

    monkeypatch.setenv("SPARK_CONF_DIR", str(tmp_path))
    assert launch_conf("local[*]", 1000) == SMALL_JAVA_OPTIONS  # (no file)
    (tmp_path / "spark-defaults.conf").write_text(
        "# the administrator's\nspark.driver.defaultJavaOptions   -XX:+UseG1GC\n"
    )
    assert launch_conf("local[*]", 1000) == {}


@pytest.mark.spark
def test_what_the_build_reads_twice_is_one_view(spark_session, warehouse):
    """The conversion check and the cube read the same records and daily rates: one
    view each (a Parquet listing and an Arrow upload less)."""
    import pyarrow as pa

    from marsad.engine.spark import SparkEngine

    _thirty_months(warehouse)
    rates = pa.table({"x": [1]})
    with SparkEngine(warehouse, session=spark_session) as engine:
        assert engine.records(MONTHS) is engine.records(MONTHS)
        assert engine.records(MONTHS[:1]) is not engine.records(MONTHS)
        assert engine.table("rates_daily", rates) is engine.table("rates_daily", rates)
        assert engine.table("rates_daily", rates) is not engine.table(
            "rates_daily", pa.table({"x": [1]})
        )
