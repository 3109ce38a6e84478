"""A month added to a 10-year history: incremental build against a full rebuild.

    .venv/bin/python bench/bench_incremental.py [--records 2000000] [--years 10] [--out DIR]
                                                [--first-month 1]

Writes ``years * 12`` monthly transaction files (Parquet, streamed month by month),
a firm registry and daily rates, loads them (``marsad.ingest``), builds in full, then
adds one month and times, step by step (the build's ``progress`` callback): the
incremental build, a build with nothing new, and a full rebuild (``full=True``) of
the same warehouse; checks that the incremental and the full build stored the same
tables. Prints the times and the ratios; nothing is asserted on time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from marsad.build import build
from marsad.engine import open_warehouse
from marsad.ingest import load_files

SEGMENTS = np.array(["ITO", "CRM", "ESO", "BPO", "KPO"])
SERVICES = np.array(["SI21", "SI22", "SI31", "SJ312", "SJ22", "SJ32", "SJ311", "SJ211"])
PARTNERS = np.array(["FR", "ES", "US", "GB", "DE", "BE", "IT", "NL", "CH", "CA"])
CURRENCIES = np.array(["EUR", "USD", "MAD"])
REPORTERS = np.array([f"BK{i:02d}" for i in range(1, 6)])
FIRMS = 400
COMPARED = ("cube", "contributions", "indicators", "sdc_cells", "build_month_stats")


def write_inputs(
    folder: Path, records: int, years: int, first_year: int, first_month: int = 1
) -> list[Path]:
    """Firms, rates and one Parquet file per month from ``first_year``-``first_month``
    (``years`` x 12 months, then the month added); returns the monthly files."""
    rng = np.random.default_rng(11)
    firms = [
        f"F{i:04d},Firm {i},{SEGMENTS[i % 5]},{'G' + str(i // 3) if i % 7 == 0 else ''}"
        for i in range(FIRMS)
    ]
    (folder / "firms.csv").write_text(
        "firm_id,name,segment,group_id\n" + "\n".join(firms) + "\n", encoding="utf-8"
    )
    start, end = dt.date(first_year, 1, 1), dt.date(first_year + years + 1, 1, 31)
    lines = ["date,currency,mad_per_unit"]
    day, k = start, 0
    while day <= end:
        lines += [
            f"{day},EUR,{10.5 + (k % 97) / 1000:.6f}",
            f"{day},USD,{9.8 + (k % 89) / 1000:.6f}",
        ]
        day += dt.timedelta(days=1)
        k += 1
    (folder / "rates.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    per_month = records // (years * 12)
    first = first_month - 1
    months = [(first_year + (first + i) // 12, (first + i) % 12 + 1) for i in range(years * 12 + 1)]
    paths = []
    for n, (y, m) in enumerate(months):
        paths.append(_month_file(folder, rng, y, m, per_month, n))
    return paths


def _month_file(folder: Path, rng, y: int, m: int, n: int, index: int) -> Path:
    days = rng.integers(1, 29, n)
    firm = rng.integers(0, FIRMS, n)
    table = pa.table(
        {
            "record_id": [f"M{index}-{i}" for i in range(n)],
            "reporter": REPORTERS[rng.integers(0, len(REPORTERS), n)],
            "firm_id": [f"F{f:04d}" for f in firm],
            "value_date": [dt.date(y, m, int(d)) for d in days],
            "flow": np.where(rng.random(n) < 0.8, "C", "D"),
            "amount": [f"{a / 1000:.3f}" for a in rng.integers(1000, 10**9, n)],
            "currency": CURRENCIES[rng.integers(0, 3, n)],
            "service_code": SERVICES[firm % len(SERVICES)],
            "partner_country": PARTNERS[rng.integers(0, len(PARTNERS), n)],
        }
    )
    path = folder / f"tx-{y}-{m:02d}.parquet"
    pq.write_table(table, path)
    return path


def timed_build(wh, label: str, **kwargs) -> tuple[float, dict[str, float]]:
    """Build, returning the total time and the time of each step."""
    steps: dict[str, float] = {}
    marks: list[tuple[str, float]] = []
    t0 = time.perf_counter()
    report = build(wh, progress=lambda name: marks.append((name, time.perf_counter())), **kwargs)
    total = time.perf_counter() - t0
    marks.append(("end", time.perf_counter()))
    steps["before plan"] = marks[0][1] - t0
    for (name, t), (_n, t2) in itertools.pairwise(marks):
        steps[name] = t2 - t
    shown = ", ".join(f"{k} {v:.2f}" for k, v in steps.items())
    print(
        f"{label}: {total:.2f} s, rebuilt {report.months_built} of {report.months_total} "
        f"months ({shown})",
        flush=True,
    )
    return total, steps


def snapshot(wh) -> dict[str, list]:
    return {t: wh.sql(f"SELECT * FROM {t} ORDER BY ALL") for t in COMPARED}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=2_000_000)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument(
        "--first-month",
        type=int,
        default=1,
        help="month of 2015 the history starts in (1: the month added opens a new year; "
        "7: it is the seventh of its year, whose other months are recomputed too)",
    )
    args = parser.parse_args()
    folder = args.out or Path(tempfile.mkdtemp(prefix="marsad-incr-"))
    folder.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    files = write_inputs(folder, args.records, args.years, 2015, args.first_month)
    print(f"wrote {len(files)} monthly files in {time.perf_counter() - t:.1f} s", flush=True)
    with open_warehouse(folder / "w.duckdb") as wh:
        t = time.perf_counter()
        load_files(wh, "firms", [folder / "firms.csv"])
        load_files(wh, "rates", [folder / "rates.csv"])
        load_files(wh, "transactions", files[:-1])
        print(f"loaded {wh.records.count():,} records in {time.perf_counter() - t:.1f} s")
        timed_build(wh, "first build (full)")
        load_files(wh, "transactions", files[-1:])
        inc, _ = timed_build(wh, "one month added (incremental)")
        incremental = snapshot(wh)
        none, _ = timed_build(wh, "nothing new")
        full, _ = timed_build(wh, "full rebuild", full=True)
        same = snapshot(wh) == incremental
    print(f"incremental / full: {inc / full:.1%}; nothing new / full: {none / full:.1%}")
    print(f"incremental and full builds stored the same tables: {same}")
    if args.out is None:  # (a folder of its own: inputs, warehouse and records)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
