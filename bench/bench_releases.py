"""A year of monthly releases: how the cost of a build grows with the releases before it.

    .venv/bin/python bench/bench_releases.py [--rows-per-year 60000] [--releases 12] [--out DIR]

Every build reads every earlier release of its warehouse as a priori information
(:mod:`marsad.release.apriori`: their public tables, rules A and B, and their frozen
cells, rule C), and every release made adds the cells of the current year that changed
since (a new month changes the year's and the year-to-date totals). This runner makes
the synthetic data set (:mod:`marsad.synth`, 2023-01 to 2025-06), loads 2023 and makes a
first release, then, month after month, loads the next month, builds, and makes the
next release (``marsad release create``), and prints for each release:

- ``read``: reading the earlier releases alone (:func:`~marsad.release.apriori.of_warehouse`),
  in CPU seconds of this process and the number of releases read; then the same with
  every relation of their frozen tables derived (``every_relation``, as before rule (C)
  read only those holding a withheld cell), and the ratio of the two;
- ``build``: the whole build and its steps (CPU seconds; the build's ``progress`` marks);
- ``freeze``: ``release create`` (its intruder audit with the earlier releases, the
  revision triangle, the files);
- ``withheld``: the level cells the build withholds, and how many of them are the
  earlier releases' (``D`` kept by rule A).

CPU seconds (``getrusage``) because these machines are shared: they move far less with
another process on the other core than wall time does. Nothing is asserted on time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import sys
import tempfile
import time
from pathlib import Path


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _withheld(wh) -> int:
    return int(wh.scalar("SELECT count(*) FROM sdc_cells WHERE status <> 'F'"))


def _release(wh, root: Path, release_id: str, date: dt.date) -> dict:
    """Read the earlier releases, build with them, freeze ``release_id``: CPU seconds."""
    from marsad.build import build
    from marsad.release.apriori import of_releases, of_warehouse
    from marsad.release.freeze import create
    from marsad.release.store import all_releases

    row: dict = {"release": release_id}
    c0 = _cpu()
    earlier = of_warehouse(wh.path)
    row["read_cpu"], row["earlier"] = _cpu() - c0, len(earlier.releases)
    c0 = _cpu()
    of_releases(all_releases(root), every_relation=True)
    row["read_every_cpu"] = _cpu() - c0
    marks: list[tuple[str, float]] = []
    c0 = _cpu()
    report = build(wh, earlier=earlier, progress=lambda s: marks.append((s, _cpu())))
    end = _cpu()
    row["build_cpu"] = end - c0
    ends = [cpu for _name, cpu in marks[1:]] + [end]
    row["steps"] = {name: stop - cpu for (name, cpu), stop in zip(marks, ends, strict=True)}
    row["withheld"], row["unprotectable"] = _withheld(wh), report.unprotectable
    c0 = _cpu()
    create(wh, root, release_id, date=date)
    row["freeze_cpu"] = _cpu() - c0
    return row


def run(rows_per_year: int, releases: int, out: Path) -> list[dict]:
    from marsad.engine import open_warehouse
    from marsad.ingest import load_files
    from marsad.release.store import releases_root
    from marsad.synth.calibration import all_months
    from marsad.synth.generate import generate

    data = out / "inputs"
    print(f"inputs: {rows_per_year:,} records a year into {data}", file=sys.stderr, flush=True)
    generate(data, rows_per_year=rows_per_year, seed=29)
    months = all_months()
    files = {m: data / "transactions" / f"{m}.csv" for m in months}
    first = [m for m in months if m.startswith("2023")]
    later = [m for m in months if m not in first][: max(releases - 1, 0)]
    rows: list[dict] = []
    with open_warehouse(out / "marsad.duckdb") as wh:
        load_files(wh, "firms", [data / "firms.csv"])
        load_files(wh, "rates", [data / "rates.csv"])
        root = releases_root(wh.path)
        for k, step in enumerate([first, *([m] for m in later)]):
            load_files(wh, "transactions", [files[m] for m in step])
            row = _release(wh, root, f"R{k + 1:02d}", dt.date(2026, 1, 1) + dt.timedelta(days=k))
            row["last_month"] = step[-1]
            rows.append(row)
            _print_row(row)
    return rows


def _print_row(row: dict) -> None:
    steps = ", ".join(f"{n} {s:.1f}" for n, s in row["steps"].items() if s >= 0.5)
    print(
        f"{row['release']} (to {row['last_month']}): read {row['earlier']} earlier "
        f"{row['read_cpu']:.2f} s (every relation {row['read_every_cpu']:.2f} s) | "
        f"build {row['build_cpu']:.1f} s ({steps}) | "
        f"freeze {row['freeze_cpu']:.1f} s | withheld {row['withheld']:,}"
        f"{', unprotectable ' + str(row['unprotectable']) if row['unprotectable'] else ''}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows-per-year", type=int, default=60_000)
    parser.add_argument("--releases", type=int, default=12, help="releases to make (<= 19)")
    parser.add_argument("--out", type=Path, help="keep the inputs, warehouse and releases here")
    args = parser.parse_args()
    t0 = time.perf_counter()
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        rows = run(args.rows_per_year, args.releases, args.out)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            rows = run(args.rows_per_year, args.releases, Path(tmp))
    if len(rows) > 1:
        first, last = rows[1], rows[-1]  # (the first release reads none)
        releases = max(last["earlier"] - first["earlier"], 1)
        per = (last["read_cpu"] - first["read_cpu"]) / releases
        every = (last["read_every_cpu"] - first["read_every_cpu"]) / releases
        ratio = sum(r["read_cpu"] for r in rows) / max(sum(r["read_every_cpu"] for r in rows), 1e-9)
        print(
            f"reading the earlier releases: {per:.2f} CPU-s more per release "
            f"({every:.2f} with every relation derived; all reads {ratio:.2f} of theirs); "
            f"build {first['build_cpu']:.1f} -> {last['build_cpu']:.1f} CPU-s "
            f"from {first['earlier']} to {last['earlier']} earlier releases "
            f"({time.perf_counter() - t0:.0f} s in all)"
        )


if __name__ == "__main__":
    main()
