"""Benchmark: ``marsad ingest`` of a large CSV against a bare DuckDB ``read_csv``.

    python bench/bench_ingest.py [--rows 10000000] [--file big.csv] [--keep] [--core]

Writes a transactions CSV of ``--rows`` rows (0.1 % of them defective:
bad amounts, unknown currencies, duplicates), then, in the same run:

* **bare**: ``CREATE TABLE t AS SELECT * FROM read_csv(file)`` into a new
  DuckDB file, then ``CHECKPOINT`` (the data is on disk, as after a load);
* **marsad**: ``load_files`` into a new warehouse (hash, checks, quarantine,
  ledger, one transaction), then ``CHECKPOINT``;

and prints rows/s of each and the ratio marsad / bare. The target is at most 2.
With ``--core`` it also times the file read straight into the warehouse's
``transactions`` table (its DECIMAL/DATE types and primary key, no checks), to
show what the table itself costs.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pandas  # noqa: F401  (imported by DuckDB on first use: not a cost of either side)

from marsad.engine.warehouse import Warehouse
from marsad.ingest import load_files


def write_csv(path: Path, rows: int) -> None:
    """A transactions CSV with ~0.1 % defective rows, written by DuckDB."""
    con = duckdb.connect()
    con.execute(
        f"""
        COPY (
          SELECT 'R' || lpad(i::VARCHAR, 10, '0') AS record_id,
                 'BANK' || (i % 7)::VARCHAR AS reporter,
                 CASE WHEN i % 5 = 0 THEN NULL ELSE 'F' || (i % 5000)::VARCHAR END AS firm_id,
                 (DATE '2022-01-01' + (i % 1000)::INT)::VARCHAR AS value_date,
                 CASE WHEN i % 10 = 0 THEN 'D' ELSE 'C' END AS flow,
                 CASE WHEN i % 1000 = 17 THEN '12,5O'
                      ELSE printf('%d.%02d', 1 + (i * 7919) % 10000000 // 100, (i * 7919) % 100)
                 END AS amount,
                 CASE WHEN i % 1000 = 503 THEN 'EURO'
                      ELSE (['EUR','USD','GBP','MAD','CAD'])[1 + i % 5] END AS currency,
                 (['SI22','SJ31','SI2','SJ','SK1'])[1 + (i // 3) % 5] AS service_code,
                 (['FR','US','ES','GB','DE','BE'])[1 + (i // 7) % 6] AS partner_country
          FROM range({rows}) t(i)
          UNION ALL  -- a few repeated records
          SELECT 'R' || lpad(i::VARCHAR, 10, '0'), 'BANK' || (i % 7)::VARCHAR, NULL,
                 '2023-01-01', 'C', '10.00', 'EUR', 'SI2', 'FR'
          FROM range(0, {rows}, 5000) t(i)
        ) TO '{path}' (HEADER, DELIMITER ',')
        """
    )
    con.close()


def bare(path: Path, db: Path) -> float:
    t0 = time.perf_counter()
    con = duckdb.connect(str(db))
    con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{path}')")
    con.execute("CHECKPOINT")
    con.close()
    return time.perf_counter() - t0


def marsad(path: Path, db: Path) -> tuple[float, object]:
    t0 = time.perf_counter()
    wh = Warehouse(db)
    (report,) = load_files(wh, "transactions", [path])
    wh.sql("CHECKPOINT")
    wh.close()
    return time.perf_counter() - t0, report


def bare_core(path: Path, db: Path) -> float:
    """The same file read straight into the warehouse's ``transactions`` table
    (its types and primary key), with no checks: what the table itself costs."""
    t0 = time.perf_counter()
    wh = Warehouse(db)
    wh.sql(
        f"""INSERT INTO transactions BY NAME
            SELECT record_id, reporter, firm_id, TRY_CAST(value_date AS DATE) AS value_date,
                   flow, coalesce(TRY_CAST(amount AS DECIMAL(18,3)), 0) AS amount, currency,
                   service_code, partner_country, 'bare' AS load_id, NULL AS line
            FROM read_csv('{path}', all_varchar = true)
            QUALIFY row_number() OVER (PARTITION BY reporter, record_id) = 1"""
    )
    wh.sql("CHECKPOINT")
    wh.close()
    return time.perf_counter() - t0


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--file", type=Path, help="reuse (or write) the CSV here")
    ap.add_argument("--keep", action="store_true", help="keep the databases")
    ap.add_argument(
        "--core",
        action="store_true",
        help="also time a bare read into the warehouse's transactions table (primary key)",
    )
    args = ap.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="marsad-bench-"))
    csv_path = args.file or work / f"transactions-{args.rows}.csv"
    if not csv_path.exists():
        t = time.perf_counter()
        write_csv(csv_path, args.rows)
        print(
            f"wrote {csv_path} ({csv_path.stat().st_size / 1e6:,.0f} MB) in "
            f"{time.perf_counter() - t:.1f} s",
            flush=True,
        )
    rows = sum(1 for _ in csv_path.open("rb")) - 1

    t_bare = bare(csv_path, work / "bare.duckdb")
    print(
        f"bare DuckDB read_csv : {t_bare:7.2f} s  {rows / t_bare:12,.0f} rows/s"
        f"  (peak memory so far {peak_mb():,.0f} MB)",
        flush=True,
    )
    t_ours, report = marsad(csv_path, work / "marsad.duckdb")
    print(
        f"marsad ingest        : {t_ours:7.2f} s  {rows / t_ours:12,.0f} rows/s  "
        f"({report.loaded:,} loaded, {report.quarantined:,} quarantined; "
        f"peak memory so far {peak_mb():,.0f} MB)",
        flush=True,
    )
    if args.core:
        t_core = bare_core(csv_path, work / "core.duckdb")
        print(
            f"bare read into the transactions table (its types and primary key): "
            f"{t_core:7.2f} s; marsad / that = {t_ours / t_core:.2f}",
            flush=True,
        )
    ratio = t_ours / t_bare
    print(f"ratio marsad / bare  : {ratio:7.2f}  (target <= 2)")
    if not args.keep:
        for f in work.glob("*.duckdb*"):
            f.unlink()
        if not args.file:
            csv_path.unlink(missing_ok=True)
        os.rmdir(work) if not any(work.iterdir()) else None
    return 0


if __name__ == "__main__":
    sys.exit(main())
