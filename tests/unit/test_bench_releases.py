"""The releases benchmark's runner (``bench/bench_releases.py``) on a tiny input: each
release reads every one before it, builds, and is frozen."""

from __future__ import annotations

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

import bench_releases  # noqa: E402

from marsad.release.store import made_ids  # noqa: E402


def test_each_release_reads_the_ones_before_it(tmp_path):
    rows = bench_releases.run(rows_per_year=1_000, releases=2, out=tmp_path)
    assert [(r["release"], r["last_month"], r["earlier"]) for r in rows] == [
        ("R01", "2023-12", 0),
        ("R02", "2024-01", 1),
    ]
    releases = tmp_path / "releases"
    assert sorted(p.name for p in releases.iterdir() if p.is_dir()) == ["R01", "R02"]
    assert made_ids(releases) == ["R01", "R02"]
    for row in rows:
        assert row["build_cpu"] > 0 and row["freeze_cpu"] > 0
        assert {"cube", "protect"} <= set(row["steps"])
        assert row["withheld"] > 0 and row["unprotectable"] == 0
