"""What ``bench_scale.py`` prints: the machine, one table per size, the growth.

Every line shows times, rates, ratios and memory; never a figure of the data.

>>> print(ratio(3.0, 1.5), ratio(1.0, 0.0))
2.00x -
>>> print(growth(2.0, 19.0, 1_000_000, 10_000_000))
9.5x (n^0.98)
"""

from __future__ import annotations

import math
import sys

GB = 1024


def say(text: str) -> None:
    print(text, flush=True)
    sys.stdout.flush()


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b else "-"


def growth(t1: float, t2: float, n1: int, n2: int) -> str:
    """How a cost grew between two sizes, and the exponent k of n^k that fits it."""
    if not (t1 and t2 and n2 != n1):
        return "-"
    k = math.log(t2 / t1) / math.log(n2 / n1)
    return f"{t2 / t1:.1f}x (n^{k:.2f})"


def machine_line(m: dict) -> str:
    return (
        f"machine {m['host']}: {m['cores']} cores, {m['memory_gb']} GiB; Python {m['python']}, "
        f"duckdb {m['duckdb']}, ibis {m['ibis-framework']}, pandas {m['pandas']}, "
        f"pyarrow {m['pyarrow']}, pyspark {m['pyspark']}; marsad {m['marsad']}"
    )


def ingest_line(out: dict, of: str = "") -> str:
    """One line: the ingest (``of``: ``""`` the CSV files, ``"_parquet"`` the Parquet ones)."""
    bare, ours = out["bare_ingest" + of], out["ingest" + of]
    return (
        f"ingest{of.replace('_', ' ')}: bare {bare['seconds']:.1f} s, "
        f"marsad {ours['seconds']:.1f} s "
        f"({ours['loaded']:,} loaded, {ours['quarantined']:,} quarantined), "
        f"ratio {ratio(ours['seconds'], bare['seconds'])}"
    )


def build_line(out: dict) -> str:
    if "build_incremental" not in out:
        return f"build: full {out['build_full']['seconds']:.1f} s"
    return (
        f"build: first {out['build_first']['seconds']:.1f} s, nothing new "
        f"{out['build_nothing_new']['seconds']:.1f} s, one more month "
        f"{out['build_incremental']['seconds']:.1f} s, full {out['build_full']['seconds']:.1f} s"
    )


def _row(name: str, seconds: float | None, rows: int | None, vs: str, goal: str) -> str:
    sec = f"{seconds:9.2f}" if seconds is not None else " " * 9
    rate = f"{rows / seconds:13,.0f}" if rows and seconds else " " * 13
    return f"  {name:<44}{sec}{rate}  {vs:<22}{goal}"


def _memory(name: str, mb: float) -> str:
    return f"  {name:<44}{mb:9,.0f} MB peak RSS"


def goal(text: str, met: bool) -> str:
    """The goal and whether this run met it (``<= 2x  met``, ``<= 2x  NOT MET``), so
    that a run says so rather than leaving the reader to compare.

    >>> goal("<= 2x", True), goal("<= 2x", False)
    ('<= 2x  met', '<= 2x  NOT MET')
    """
    return f"{text}  {'met' if met else 'NOT MET'}"


def _memory_goal(out: dict, mb: float) -> str:
    if out["records"] < 100_000_000:
        return "   (goal < 4 GB at 100M)"
    return "   (" + goal("goal < 4 GB at 100M", mb < 4096) + ")"


def size_table(out: dict) -> str:
    """The measures of one size, as an aligned table."""
    n = out["records"]
    lines = [
        f"\n{n:,} records, {out['months']} months (+1), {out['generate']['csv_bytes'] / 1e6:,.0f} "
        f"MB of CSV",
        f"  {'measure':<44}{'seconds':>9}{'rows/s':>13}  {'ratio':<22}goal",
        *_ingest_rows(out, n),
        *_cube_rows(out, n),
        *_build_rows(out, n),
        *_spark_rows(out),
    ]
    return "\n".join(lines)


def _ingest_rows(out: dict, n: int) -> list[str]:
    rows = _ingest_pair(out, n, "", "read_csv")
    rows.append(_memory("  memory: bare read_csv", out["bare_ingest"]["peak_mb"]))
    mb = out["ingest"]["peak_mb"]
    rows.append(_memory("  memory: marsad ingest", mb) + _memory_goal(out, mb))
    if "ingest_parquet" in out:
        rows += _ingest_pair(out, n, "_parquet", "read_parquet")
        rows.append(_memory("  memory: marsad ingest (Parquet)", out["ingest_parquet"]["peak_mb"]))
    return rows


def _ingest_pair(out: dict, n: int, of: str, reader: str) -> list[str]:
    """The bare read and marsad's load of one input format (``of``: ``""``, ``"_parquet"``)."""
    bare, ours = out["bare_ingest" + of], out["ingest" + of]
    label = " (Parquet)" if of else ""
    return [
        _row(f"ingest: bare {reader} -> Parquet", bare["seconds"], n, "", ""),
        _row(
            f"ingest: marsad load_files{label}",
            ours["seconds"],
            n,
            ratio(ours["seconds"], bare["seconds"]) + " bare",
            goal("<= 2x", ours["seconds"] <= 2 * bare["seconds"]),
        ),
    ]


def _cube_rows(out: dict, n: int) -> list[str]:
    c = out["cube"]
    rows = [
        _row("cube: raw scan of amount (floor)", c["raw_scan"], n, "", ""),
        _row("cube: hand-written DuckDB query", c["hand"], n, "", ""),
        _row(
            "cube: marsad classify+convert+cube",
            c["marsad"],
            n,
            ratio(c["marsad"], c["hand"]) + " hand",
            goal("<= 1.2x", c["marsad"] <= 1.2 * c["hand"]),
        ),
    ]
    if "pandas" in c:
        rows.append(
            _row(
                "cube: pandas merge_asof + groupby",
                c["pandas"],
                n,
                f"marsad {ratio(c['pandas'], c['marsad'])} faster",
                goal(">= 5x", c["pandas"] >= 5 * c["marsad"]),
            )
        )
    rows.append(_row("  marsad over the floor", None, None, ratio(c["marsad"], c["raw_scan"]), ""))
    for name, diff in c["equal"].items():
        verdict = "equal cell for cell (exact)" if diff is None else f"DIFFER: {diff}"
        rows.append(f"  cube vs {name}: {verdict}, {c['cells']:,} cells")
    return rows


def _build_rows(out: dict, n: int) -> list[str]:
    full, hand = out["build_full"], out["cube"]["hand"]
    rows = [
        _row("build: full", full["seconds"], n, ratio(full["seconds"], hand) + " hand", ""),
        *(
            _row(f"  step {step}", sec, None, f"{100 * sec / full['seconds']:.0f} %", "")
            for step, sec in full["steps"].items()
        ),
        _memory("  memory: marsad build", full["peak_mb"]) + _memory_goal(out, full["peak_mb"]),
    ]
    return rows + (_incremental_rows(out) if "build_incremental" in out else [])


def _incremental_rows(out: dict) -> list[str]:
    full, inc, idle = out["build_full"], out["build_incremental"], out["build_nothing_new"]
    same = full["indicators_sha256"] == inc["indicators_sha256"]
    return [
        _row("incremental: load one more month", out["load_month"]["seconds"], None, "", ""),
        _row(
            "incremental: build after it",
            inc["seconds"],
            None,
            f"{100 * inc['seconds'] / full['seconds']:.0f} % of full",
            goal("< 10 %", inc["seconds"] < 0.1 * full["seconds"]),
        ),
        _row(
            "incremental: build with nothing new",
            idle["seconds"],
            None,
            f"{100 * idle['seconds'] / full['seconds']:.0f} % of full",
            "",
        ),
        f"  indicators after the incremental build {'equal' if same else 'DIFFER from'} "
        "those of the full build",
    ]


def _spark_rows(out: dict) -> list[str]:
    if "spark" not in out:
        return []
    spark, duck = out["spark"], out["build_full"]
    same = spark["indicators_sha256"] == duck["indicators_sha256"]
    return [
        _row("spark: session start-up", spark["startup_seconds"], None, "", ""),
        _row(
            "spark: build full (after start-up)",
            spark["seconds"],
            None,
            ratio(spark["seconds"], duck["seconds"]) + " DuckDB",
            "",
        ),
        f"  indicators on Spark {'equal' if same else 'DIFFER from'} those on DuckDB",
    ]


GROWN = {
    "ingest (marsad)": lambda s: s["ingest"]["seconds"],
    "ingest (bare)": lambda s: s["bare_ingest"]["seconds"],
    "ingest Parquet (marsad)": lambda s: s.get("ingest_parquet", {}).get("seconds", 0.0),
    "ingest Parquet (bare)": lambda s: s.get("bare_ingest_parquet", {}).get("seconds", 0.0),
    "cube (marsad)": lambda s: s["cube"]["marsad"],
    "cube (hand-written)": lambda s: s["cube"]["hand"],
    "raw scan": lambda s: s["cube"]["raw_scan"],
    "build full": lambda s: s["build_full"]["seconds"],
    "build one more month": lambda s: s.get("build_incremental", {}).get("seconds", 0.0),
    "peak memory ingest (MB)": lambda s: s["ingest"]["peak_mb"],
    "peak memory build (MB)": lambda s: s["build_full"]["peak_mb"],
}


def growth_table(sizes: list[dict]) -> str:
    """Each cost at each size, and how it grew from the first size to each next one."""
    head = "".join(f"{s['records']:>14,}" for s in sizes)
    lines = [f"\nhow cost grows\n  {'measure':<28}{head}   growth"]
    for name, get in GROWN.items():
        values = [get(s) for s in sizes]
        grown = ", ".join(
            growth(values[i - 1], values[i], sizes[i - 1]["records"], sizes[i]["records"])
            for i in range(1, len(sizes))
        )
        cells = "".join(f"{v:>14,.2f}" for v in values)
        lines.append(f"  {name:<28}{cells}   {grown}")
    return "\n".join(lines)
