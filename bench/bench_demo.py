"""How long the demo takes, stage by stage, against plain DuckDB in the same run.

    .venv/bin/python bench/bench_demo.py [--rows-per-year 300000] [--repeat 1]

Prints each stage's time and two ratios measured in this process:
- ingest / a bare DuckDB ``read_csv`` of the same files into a table;
- build / a plain DuckDB query that converts and aggregates the same records
  (as-of rate join, group by month x segment x service x partner).
The issue's budget is the whole demo under a minute on 2 cores; no timing is
asserted anywhere in the test suite.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import duckdb

from marsad.build import build
from marsad.engine import open_warehouse
from marsad.ingest import load_files
from marsad.publish.bulletin import write_bulletin
from marsad.publish.export import export_table
from marsad.synth import generate

BASELINE_BUILD = """
CREATE OR REPLACE TABLE baseline AS
WITH t AS (SELECT * FROM read_csv('{tx}', all_varchar=true)),
r AS (SELECT CAST(date AS DATE) AS d, currency, CAST(mad_per_unit AS DECIMAL(18,6)) AS rate
      FROM read_csv('{rates}', all_varchar=true)),
f AS (SELECT firm_id, segment FROM read_csv('{firms}', all_varchar=true)),
c AS (SELECT t.*, CAST(t.value_date AS DATE) AS vd, CAST(t.amount AS DECIMAL(18,3)) AS amt FROM t)
SELECT year(c.vd) AS y, month(c.vd) AS m, c.flow, coalesce(f.segment, 'X') AS segment,
       c.service_code, c.partner_country,
       sum(round(c.amt * coalesce(r.rate, 1), 2)) AS mad, count(*) AS n
FROM c ASOF LEFT JOIN r ON c.currency = r.currency AND c.vd >= r.d
LEFT JOIN f ON c.firm_id = f.firm_id
GROUP BY ALL
"""


def _time(fn, *args, **kwargs) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - start, result


def run(rows_per_year: int) -> dict[str, float]:
    work = Path(tempfile.mkdtemp(prefix="marsad-bench-"))
    try:
        data = work / "data"
        t = {}
        t["synth"], _ = _time(generate, data, rows_per_year=rows_per_year)
        files = sorted((data / "transactions").glob("*.csv"))
        with open_warehouse(work / "w.duckdb") as wh:

            def ingest() -> None:
                load_files(wh, "firms", [data / "firms.csv"])
                load_files(wh, "rates", [data / "rates.csv"])
                load_files(wh, "transactions", files)

            t["ingest"], _ = _time(ingest)
            t["build"], report = _time(build, wh)

            def publish() -> None:
                export_table(wh, "csv", work / "indicators.csv")
                write_bulletin(report.table, "2025-S1", "fr", work / "b.html", synthetic=True)

            t["publish"], _ = _time(publish)
        con = duckdb.connect(str(work / "baseline.duckdb"))
        glob = str(data / "transactions" / "*.csv")
        t["baseline read_csv"], _ = _time(
            lambda: con.execute(f"CREATE TABLE raw AS SELECT * FROM read_csv('{glob}')")
        )
        t["baseline build query"], _ = _time(
            lambda: con.execute(
                BASELINE_BUILD.format(tx=glob, rates=data / "rates.csv", firms=data / "firms.csv")
            )
        )
        con.close()
        return t
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows-per-year", type=int, default=300_000)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    for i in range(args.repeat):
        t = run(args.rows_per_year)
        demo = t["synth"] + t["ingest"] + t["build"] + t["publish"]
        print(f"run {i + 1}: rows/year {args.rows_per_year:,}")
        for name, seconds in t.items():
            print(f"  {name:<22} {seconds:7.2f} s")
        print(f"  {'demo stages total':<22} {demo:7.2f} s")
        print(f"  ingest / bare read_csv       {t['ingest'] / t['baseline read_csv']:.2f}x")
        print(f"  build / plain DuckDB query   {t['build'] / t['baseline build query']:.2f}x")


if __name__ == "__main__":
    main()
