"""Benchmark: what writing records partitioned by month costs, against a bare copy.

    python bench/bench_store_write.py [--rows 3000000] [--months 120] [--ordered] [--repeat 2]

The ingest's ratio (``bench_scale.py``) is taken against a bare DuckDB copy that writes
one unpartitioned Parquet file per thread and checks nothing. The record store writes
the same rows as parts partitioned by month (:mod:`marsad.engine.parts`: ``COPY …
PARTITION_BY (_y, _m), COMPRESSION zstd``). This runner writes one table of ``--rows``
records (ten columns like the records', value dates over ``--months`` months; rows in
date order with ``--ordered``, as a batch of monthly files gives them) both ways, and
with the other compressions, in one process, and prints each write's seconds, its
bytes and its ratio to the bare copy of the same round. Nothing is checked: this is
the part of the ingest's ratio that the store's layout alone sets.

Results: ``bench/RESULTS.md``, "What writing the store by month costs".
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

import duckdb

from marsad.engine.parts import PART_OPTIONS

#: (name, COPY options): the bare copy first, then the store's write and its variants.
WRITES = (
    ("bare, one file per thread", "PER_THREAD_OUTPUT true"),
    ("by month (the store's write)", PART_OPTIONS),
    ("by month, snappy", "PARTITION_BY (_y, _m)"),
    ("by month, zstd level 1", "PARTITION_BY (_y, _m), COMPRESSION zstd, COMPRESSION_LEVEL 1"),
)


def records_sql(rows: int, months: int, ordered: bool) -> str:
    """SQL: ``rows`` records with the record store's kinds of columns, over ``months``."""
    days = months * 365 // 12
    order = " ORDER BY value_date" if ordered else ""
    return f"""SELECT 'BK0' || (i % 7)::VARCHAR AS reporter, 'T' || i::VARCHAR AS record_id,
        'F' || (i % 3000)::VARCHAR AS firm_id, DATE '2016-10-01' + (i % {days})::INTEGER
        AS value_date, ['C', 'D'][i % 2 + 1] AS flow,
        ((i * 7919) % 500000000)::DECIMAL(18,3) / 100 AS amount,
        ['EUR', 'USD', 'GBP', 'CAD'][i % 4 + 1] AS currency,
        ['SI22', 'SJ35', 'SJ312'][i % 3 + 1] AS service_code,
        ['FR', 'US', 'GB', 'ES'][i % 4 + 1] AS partner_country,
        'L' || lpad((i // 25000)::VARCHAR, 5, '0') AS load_id
        FROM range({rows}) r(i){order}"""


def write(con: duckdb.DuckDBPyConnection, out: Path, options: str) -> tuple[float, int]:
    """Write table ``t`` to ``out`` with the COPY ``options``: (seconds, bytes)."""
    shutil.rmtree(out, ignore_errors=True)
    months = ", year(value_date)::INTEGER AS _y, month(value_date)::INTEGER AS _m"
    extra = months if "PARTITION_BY" in options else ""
    t0 = time.perf_counter()
    con.execute(f"COPY (SELECT *{extra} FROM t) TO '{out}' (FORMAT parquet, {options})")
    seconds = time.perf_counter() - t0
    size = sum(p.stat().st_size for p in out.rglob("*.parquet"))
    return seconds, size


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=3_000_000)
    ap.add_argument("--months", type=int, default=120)
    ap.add_argument("--ordered", action="store_true", help="rows in date order")
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args(argv)
    con = duckdb.connect()
    con.execute(f"CREATE TABLE t AS {records_sql(args.rows, args.months, args.ordered)}")
    order = "in date order" if args.ordered else "dates mixed"
    print(f"{args.rows:,} records over {args.months} months, {order}; {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="marsad-bench-write-") as tmp:
        for round_ in range(1, args.repeat + 1):
            bare = None
            for name, options in WRITES:
                seconds, size = write(con, Path(tmp) / "out", options)
                bare = bare or seconds
                print(f"round {round_}  {name:28s} {seconds:6.2f} s  {size / 1e6:7.1f} MB  "
                      f"{seconds / bare:4.2f}x the bare copy", flush=True)  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
