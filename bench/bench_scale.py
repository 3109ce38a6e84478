"""Benchmark: marsad at scale, as ratios against baselines run in the same process.

    python bench/bench_scale.py --records 10M [--years 10] [--spark] [--keep DIR]
    python bench/bench_scale.py --records 1M,10M,100M --json results.json

For each size it writes the inputs (``scale_data``: firms, daily rates, one
transactions CSV per month over ``--years`` years, and one more month), streamed to
disk by DuckDB, then measures:

* **ingest**: ``marsad.ingest.load_files`` of the monthly files against a bare DuckDB
  ``read_csv`` of the same files written to Parquet (goal <= 2x); each in a subprocess,
  whose peak memory (RSS) is reported (goal < 4 GB at 100M); then the same files as
  Parquet (typed columns, one per month) against a bare ``read_parquet`` (unless
  ``--no-parquet``);
* **build**: ``marsad.build.build(wh, full=True)`` in a subprocess, with the time of
  each step (the build's ``progress`` callback) and its peak memory;
* **incremental**: one more month loaded, then ``build(wh)`` against
  ``build(wh, full=True)`` (goal < 10 %), and the two ``indicators`` tables compared;
* **cube** (best of ``--repeat``): marsad's heavy stage (classify, convert, cube)
  against a hand-written DuckDB query (goal <= 1.2x), straightforward pandas (goal:
  marsad >= 5x faster; skipped above ``--pandas-max`` records) and the raw scan of
  the amount column (the floor); the cubes are compared cell for cell, exactly;
* **Spark** (``--spark``): ``build(wh, engine="spark", full=True)`` against DuckDB,
  the Spark session's start-up timed apart.

It prints the machine, a table per size, how each cost grows between sizes, and
writes everything as JSON (``--json``, default ``bench_scale.json`` in the work
folder). Sizes read ``20k``, ``1M``, ``1.5M`` or plain digits.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import scale_baselines as base
import scale_data as data
import scale_report as rep

# -- the calls into marsad: one small function each -----------------------------


def run_build(wh, *, full: bool, engine: str | None = None, progress=None):
    """``marsad.build.build`` as the contract has it (engine, full)."""
    from marsad.build import build

    return build(wh, engine=engine, full=full, progress=progress)


def record_files(wh) -> list[Path]:
    """The record store's Parquet files."""
    return wh.records.files()


def heavy_stage(wh):
    """marsad's classify, convert and cube of every record (the build's heavy stage) on
    the DuckDB engine, fetched as Arrow, with the lookup tables it makes (daily rates,
    concordance)."""
    from marsad.classify import classify, service_map
    from marsad.convert import convert, daily_rates
    from marsad.cube import cube
    from marsad.engine import queries
    from marsad.engine.compute import open_engine
    from marsad.reference import UNALLOCATED

    with open_engine(wh, "duckdb") as eng:
        daily = daily_rates(queries.published_rates(wh), queries.last_value_date(wh))
        firms = eng.table("firms", wh.table("firms").to_pyarrow())
        records = eng.records()
        classified = classify(records, firms, eng.table("service_map", service_map()))
        mad = convert(classified, eng.table("rates_daily", daily))
        return eng.fetch(cube(mad.filter(mad.segment != UNALLOCATED), eng.largest))


# -- subprocesses: each measured marsad step runs alone, for its peak memory --------


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def task_bare_ingest(files: list[str], out: str, reader: str = "read_csv") -> dict:
    """The baseline: DuckDB reads the files (``read_csv`` or ``read_parquet``) and
    writes them to Parquet, nothing checked."""
    import duckdb

    t0 = time.perf_counter()
    con = duckdb.connect()
    listed = "[" + ", ".join(f"'{f}'" for f in files) + "]"
    con.execute(
        f"COPY (SELECT * FROM {reader}({listed})) TO '{out}' "
        "(FORMAT parquet, PER_THREAD_OUTPUT true)"
    )
    con.close()
    return {"seconds": time.perf_counter() - t0}


def parquet_copies(months: list[Path], folder: Path) -> list[Path]:
    """Each monthly CSV file as a Parquet file of typed columns, as a bank's system
    would export it (dates as DATE, amounts as DECIMAL(18,2)); streamed by DuckDB."""
    import duckdb

    folder.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    out = []
    for path in months:
        target = folder / (path.stem + ".parquet")
        con.execute(
            f"COPY (SELECT * FROM read_csv('{path}', types = {{'amount': 'DECIMAL(18,2)', "
            f"'value_date': 'DATE'}})) TO '{target}' (FORMAT parquet)"
        )
        out.append(target)
    con.close()
    return out


def task_ingest(warehouse: str, files: list[str], firms: str = "", rates: str = "") -> dict:
    """Load firms and rates (when given, untimed), then time the transactions files."""
    from marsad.engine import open_warehouse
    from marsad.ingest import load_files

    with open_warehouse(warehouse) as wh:
        for kind, path in (("firms", firms), ("rates", rates)):
            if path:
                load_files(wh, kind, [Path(path)])
        t0 = time.perf_counter()
        reports = load_files(wh, "transactions", [Path(f) for f in files])
        wh.sql("CHECKPOINT")
        seconds = time.perf_counter() - t0
    return {
        "seconds": seconds,
        "loaded": sum(r.loaded for r in reports),
        "quarantined": sum(r.quarantined for r in reports),
    }


def task_build(warehouse: str, full: bool, engine: str = "duckdb") -> dict:
    """One build, timed step by step; the sha256 of its ``indicators`` table."""
    import hashlib

    from marsad.engine import open_warehouse

    out: dict = {"steps": {}}
    if engine == "spark":
        out["startup_seconds"] = _start_spark()
    marks: list[tuple[str, float]] = []
    with open_warehouse(warehouse) as wh:
        t0 = time.perf_counter()
        report = run_build(wh, full=full, engine=engine, progress=lambda s: _mark(marks, s, t0))
        out["seconds"] = time.perf_counter() - t0
        rows = wh.sql("SELECT * FROM indicators ORDER BY ALL")
    ends = [t for _s, t in marks[1:]] + [t0 + out["seconds"]]
    for (step, start), end in zip(marks, ends, strict=True):
        out["steps"][step] = out["steps"].get(step, 0.0) + end - start
    out["indicators_sha256"] = hashlib.sha256(repr(rows).encode()).hexdigest()
    out["cube_cells"], out["records"] = report.cube_cells, report.records
    return out


def _mark(marks: list[tuple[str, float]], step: str, t0: float) -> None:
    """Note when a build step starts, and say so on stderr (long builds show progress)."""
    now = time.perf_counter()
    marks.append((step, now))
    print(f"    build {now - t0:7.1f} s: {step}", file=sys.stderr, flush=True)


def _start_spark() -> float:
    """Start, as the Spark engine does, the session that the engine then reuses (it
    takes a running session); its start-up in seconds."""
    from marsad.engine import spark
    from marsad.settings import get_settings

    t0 = time.perf_counter()
    spark.start_session(get_settings().spark_master, Path(tempfile.mkdtemp(prefix="bench-spark-")))
    return time.perf_counter() - t0


TASKS: dict[str, Callable[..., dict]] = {
    "bare_ingest": task_bare_ingest,
    "ingest": task_ingest,
    "build": task_build,
}


def child(task: str, **kwargs) -> dict:
    """Run ``task`` in a fresh Python; its result with ``peak_mb`` (its peak RSS)."""
    spec = json.dumps({"task": task, "kwargs": kwargs})
    done = subprocess.run(
        [sys.executable, __file__, "--child", spec], stdout=subprocess.PIPE, text=True
    )
    if done.returncode:
        raise RuntimeError(f"the {task} subprocess failed (exit {done.returncode})")
    return json.loads(done.stdout.strip().splitlines()[-1])


def child_main(spec: str) -> int:
    job = json.loads(spec)
    result = TASKS[job["task"]](**job["kwargs"])
    result["peak_mb"] = _peak_mb()
    print(json.dumps(result), flush=True)
    return 0


# -- in this process: the cube against its baselines ------------------------------


def best_of(n: int, fn: Callable[[], object]) -> tuple[float, object]:
    """The shortest of ``n`` runs of ``fn`` (seconds) and its last result."""
    best, result = float("inf"), None
    for _ in range(max(1, n)):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def measure_cubes(warehouse: Path, repeat: int, with_pandas: bool) -> dict:
    """Time marsad's heavy stage and the baselines on the warehouse's records; compare."""
    from marsad.classify import service_map
    from marsad.engine import open_warehouse

    with open_warehouse(warehouse, read_only=True) as wh:
        files = record_files(wh)
        firms, rates = wh.table("firms").to_pyarrow(), wh.table("rates").to_pyarrow()
        services = service_map()
        out: dict = {"record_files": len(files)}
        out["raw_scan"], _ = best_of(repeat, lambda: base.raw_scan(files))
        out["hand"], hand = best_of(repeat, lambda: base.hand_cube(files, firms, rates, services))
        out["marsad"], ours = best_of(repeat, lambda: heavy_stage(wh))
    cubes = {"hand-written DuckDB": hand}
    if with_pandas:
        out["pandas"], cubes["pandas"] = best_of(
            1, lambda: base.pandas_cube(files, firms, rates, services)
        )
    mine = base.cube_rows(ours)
    out["cells"] = len(mine)
    out["equal"] = {k: base.differences(mine, base.cube_rows(v)) for k, v in cubes.items()}
    return out


# -- one size ------------------------------------------------------------------------


def run_size(records: int, args: argparse.Namespace, work: Path) -> dict:
    """Generate, ingest, build, add a month, rebuild, compare: one size's measures."""
    folder = work / f"r{records}"
    plan = data.Plan(records=records, years=args.years, end=data.default_end())
    t0 = time.perf_counter()
    inputs = data.generate(folder / "inputs", plan)
    size = sum(p.stat().st_size for p in inputs["months"])
    out: dict = {"records": plan.per_month * len(plan.months), "months": len(plan.months)}
    out["generate"] = {"seconds": time.perf_counter() - t0, "csv_bytes": size}
    rep.say(f"wrote {out['records']:,} records in {out['months']} monthly files ({size / 1e6:,.0f} "
            f"MB) in {out['generate']['seconds']:.1f} s under {folder}")  # fmt: skip
    months = [str(p) for p in inputs["months"]]
    for old in (
        "bare-parquet",
        "bare-parquet-2",
        "parquet-inputs",
        "marsad.records",
        "marsad.duckdb.tmp",
        "marsad-parquet.records",
        "marsad-parquet.duckdb.tmp",
    ):
        shutil.rmtree(folder / old, ignore_errors=True)  # a kept run's outputs
    for old in ("marsad.duckdb", "marsad.duckdb.wal", "marsad-parquet.duckdb",
                "marsad-parquet.duckdb.wal"):  # fmt: skip
        (folder / old).unlink(missing_ok=True)
    out["bare_ingest"] = child("bare_ingest", files=months, out=str(folder / "bare-parquet"))
    wh = str(folder / "marsad.duckdb")
    out["ingest"] = child(
        "ingest", warehouse=wh, files=months, firms=str(inputs["firms"]), rates=str(inputs["rates"])
    )
    rep.say(rep.ingest_line(out))
    if args.parquet:
        copies = [str(p) for p in parquet_copies(inputs["months"], folder / "parquet-inputs")]
        out["bare_ingest_parquet"] = child(
            "bare_ingest", files=copies, out=str(folder / "bare-parquet-2"), reader="read_parquet"
        )
        wh_pq = str(folder / "marsad-parquet.duckdb")
        out["ingest_parquet"] = child(
            "ingest", warehouse=wh_pq, files=copies, firms=str(inputs["firms"]),
            rates=str(inputs["rates"]),
        )  # fmt: skip
        rep.say(rep.ingest_line(out, "_parquet"))
    out["build_full"] = child("build", warehouse=wh, full=True)
    if args.incremental:
        out["build_first"] = out.pop("build_full")
        out["build_nothing_new"] = child("build", warehouse=wh, full=False)
        out["load_month"] = child("ingest", warehouse=wh, files=[str(inputs["extra"])])
        out["build_incremental"] = child("build", warehouse=wh, full=False)
        out["build_full"] = child("build", warehouse=wh, full=True)
    rep.say(rep.build_line(out))
    out["cube"] = measure_cubes(Path(wh), args.repeat, records <= args.pandas_max)
    if args.spark:
        out["spark"] = child("build", warehouse=wh, full=True, engine="spark")
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)
    return out


def machine() -> dict:
    """Cores, memory, Python and library versions."""

    def version(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "not installed"

    pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    return {
        "host": platform.node(),
        "cores": os.cpu_count(),
        "memory_gb": round(pages / 2**30, 1),
        "python": platform.python_version(),
        **{k: version(k) for k in ("duckdb", "ibis-framework", "pandas", "pyarrow", "pyspark")},
        "marsad": version("marsad"),
    }


def parse_size(text: str) -> int:
    """``20k`` -> 20000, ``1.5M`` -> 1500000, ``100M``, plain digits.

    >>> [parse_size(s) for s in ("20k", "1.5M", "100M", "2500")]
    [20000, 1500000, 100000000, 2500]
    """
    text = text.strip().upper().replace("_", "").replace(",", "")
    scale = {"K": 10**3, "M": 10**6, "G": 10**9}.get(text[-1:], 1)
    number = text[:-1] if scale > 1 else text
    return round(float(number) * scale)


def arguments(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", default="1M", help="sizes, comma-separated (1M,10M,100M)")
    ap.add_argument("--years", type=int, default=10, help="years of monthly history")
    ap.add_argument("--spark", action="store_true", help="also build on Spark (local)")
    ap.add_argument("--keep", type=Path, help="keep inputs and warehouses in this folder")
    ap.add_argument("--repeat", type=int, default=3, help="best of N for the cube queries")
    ap.add_argument("--pandas-max", type=parse_size, default=parse_size("20M"))
    ap.add_argument("--json", type=Path, help="where to write the results (JSON)")
    ap.add_argument(
        "--no-incremental",
        dest="incremental",
        action="store_false",
        help="one full build only (no month added, no incremental builds)",
    )
    ap.add_argument(
        "--no-parquet",
        dest="parquet",
        action="store_false",
        help="no Parquet ingest (the monthly files as Parquet, against a bare read_parquet)",
    )
    ap.add_argument("--child", help=argparse.SUPPRESS)
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    if args.child:
        return child_main(args.child)
    work = args.keep or Path(tempfile.mkdtemp(prefix="marsad-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    results = {"machine": machine(), "sizes": []}
    rep.say(rep.machine_line(results["machine"]))
    for records in [parse_size(s) for s in args.records.split(",")]:
        results["sizes"].append(run_size(records, args, work))
        rep.say(rep.size_table(results["sizes"][-1]))
    if len(results["sizes"]) > 1:
        rep.say(rep.growth_table(results["sizes"]))
    path = args.json or work / "bench_scale.json"
    path.write_text(json.dumps(results, indent=2, default=str))
    rep.say(f"results written to {path}")
    if not args.keep and not any(work.iterdir()):
        work.rmdir()
    return 0


if __name__ == "__main__":
    sys.exit(main())
