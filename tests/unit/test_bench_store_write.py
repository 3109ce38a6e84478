"""The store-write benchmark (``bench/bench_store_write.py``) writes what the record
store writes: one folder a month, the same rows as the bare copy."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

import bench_store_write  # noqa: E402

from marsad.engine import parts  # noqa: E402


def test_the_store_write_is_the_record_stores_and_keeps_every_row(tmp_path):
    con = duckdb.connect()
    con.execute(f"CREATE TABLE t AS {bench_store_write.records_sql(6_000, 24, ordered=True)}")
    assert bench_store_write.WRITES[1][1] == parts.PART_OPTIONS  # (the store's own write)
    for k, (_name, options) in enumerate(bench_store_write.WRITES):
        out = tmp_path / f"w{k}"
        seconds, size = bench_store_write.write(con, out, options)
        assert seconds > 0 and size > 0
        rows = con.execute(f"SELECT count(*) FROM read_parquet('{out}/**/*.parquet')").fetchone()
        assert rows == (6_000,)
        if "PARTITION_BY" in options:
            assert len(list(out.glob("_y=*/_m=*"))) == 24


def test_the_runner_prints_a_ratio_per_write(capsys):
    assert bench_store_write.main(["--rows", "2000", "--months", "12", "--repeat", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 + len(bench_store_write.WRITES)
    assert lines[1].endswith("1.00x the bare copy")
