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

Each side runs in its own child process, so that its peak memory (resident set,
``ru_maxrss`` of that child alone) is measured apart from the others'; the
marsad side also prints the seconds of each phase of ``load_files`` (hash,
stage, check, duplicates in file, write, and within write: versions,
quarantine, ledger).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import resource
import shutil
import subprocess
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
    """The same file read straight into the warehouse's record store (the
    ``transactions`` records, their types, one per key), with no checks: what the
    store itself costs. The store is edited in a transaction, as ingest does."""
    t0 = time.perf_counter()
    wh = Warehouse(db)
    with wh.transaction(), wh.records.editing(wh.records.ALL_MONTHS):
        _insert_bare(wh, path)
    wh.sql("CHECKPOINT")
    wh.close()
    return time.perf_counter() - t0


def _insert_bare(wh: Warehouse, path: Path) -> None:
    wh.sql(
        f"""INSERT INTO transactions BY NAME
            SELECT record_id, reporter, firm_id, TRY_CAST(value_date AS DATE) AS value_date,
                   flow, coalesce(TRY_CAST(amount AS DECIMAL(18,3)), 0) AS amount, currency,
                   service_code, partner_country, 'bare' AS load_id, NULL AS line
            FROM read_csv('{path}', all_varchar = true)
            QUALIFY row_number() OVER (PARTITION BY reporter, record_id) = 1"""
    )


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed_phases() -> dict[str, float]:
    """Wrap the phases of ``load_files`` with timers; the seconds of each, filled as it runs."""
    from marsad.ingest import ledger, quarantine, validate, versions
    from marsad.ingest import load as load_module

    seconds: dict[str, float] = {}
    wraps = [
        (load_module, "_scan", "hash"),
        (load_module, "stage_batch", "stage"),
        (validate, "check_batch", "check"),
        (versions, "mark_duplicates_in_file", "duplicates in file"),
        (load_module, "_write", "write"),
        (versions, "write_versions", "  write: versions"),
        (quarantine, "write_quarantine", "  write: quarantine"),
        (ledger, "write_ledger", "  write: ledger"),
    ]
    for module, name, label in wraps:
        fn = getattr(module, name)

        @functools.wraps(fn)
        def wrapper(*a, _fn=fn, _label=label, **k):
            t = time.perf_counter()
            try:
                return _fn(*a, **k)
            finally:
                seconds[_label] = seconds.get(_label, 0.0) + time.perf_counter() - t

        setattr(module, name, wrapper)
    return seconds


def child(side: str, path: Path, db: Path) -> None:
    """Run one side and print its result as JSON (in a child process)."""
    phases = timed_phases() if side == "marsad" else {}
    out: dict[str, object] = {"phases": phases}
    cpu = time.process_time()
    if side == "bare":
        out["seconds"] = bare(path, db)
    elif side == "core":
        out["seconds"] = bare_core(path, db)
    else:
        out["seconds"], report = marsad(path, db)
        out["loaded"], out["quarantined"] = report.loaded, report.quarantined
    out["cpu"] = time.process_time() - cpu
    print(json.dumps(out))


def run_child(side: str, path: Path, db: Path) -> tuple[dict, float]:
    """One side in a child process: its result and its own peak memory (MB)."""
    cmd = [sys.executable, __file__, "--child", side, "--file", str(path), "--db", str(db)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"the {side} side failed (exit {proc.returncode})")
    return json.loads(out.strip().splitlines()[-1]), usage.ru_maxrss / 1024


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
    ap.add_argument("--child", choices=["bare", "marsad", "core"], help=argparse.SUPPRESS)
    ap.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child(args.child, args.file, args.db)
        return 0

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

    res, mem = run_child("bare", csv_path, work / "bare.duckdb")
    t_bare = res["seconds"]
    print(
        f"bare DuckDB read_csv : {t_bare:7.2f} s  {rows / t_bare:12,.0f} rows/s"
        f"  (cpu {res['cpu']:.2f} s, peak memory {mem:,.0f} MB)",
        flush=True,
    )
    res, mem = run_child("marsad", csv_path, work / "marsad.duckdb")
    t_ours = res["seconds"]
    print(
        f"marsad ingest        : {t_ours:7.2f} s  {rows / t_ours:12,.0f} rows/s  "
        f"({res['loaded']:,} loaded, {res['quarantined']:,} quarantined; "
        f"cpu {res['cpu']:.2f} s, peak memory {mem:,.0f} MB)",
        flush=True,
    )
    for phase, seconds in res["phases"].items():
        print(f"  {phase:<20}: {seconds:7.2f} s")
    if args.core:
        res, mem = run_child("core", csv_path, work / "core.duckdb")
        t_core = res["seconds"]
        print(
            f"bare read into the record store (its types, one record per key): "
            f"{t_core:7.2f} s (peak memory {mem:,.0f} MB); marsad / that = {t_ours / t_core:.2f}",
            flush=True,
        )
    ratio = t_ours / t_bare
    print(f"ratio marsad / bare  : {ratio:7.2f}  (target <= 2)")
    if not args.keep:  # (the databases, their record stores, the generated CSV: all of it)
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
