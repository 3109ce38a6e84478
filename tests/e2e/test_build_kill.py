"""A build is all or nothing: killed with SIGKILL at random points, the export and the
bulletin still agree with each other and with one release, and a rerun completes.

As ingest's SIGKILL test (test_ingest_cli.py): a small synthetic warehouse, built once
(release "before"); one more month loaded; then ``marsad build`` started on a copy and
killed after a random delay, six times; after each kill the export and the indicator
table the bulletin reads name one release (the one before, or the complete one), and a
rerun completes.
"""

from __future__ import annotations

import csv
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from marsad.build import build, load_indicators
from marsad.cli import app
from marsad.engine import open_warehouse
from marsad.ingest import load_files
from marsad.synth import generate
from tests.support import copy_warehouse

#: How many builds are killed (each is followed by a rebuild: about 40 s each on 2 cores).
KILLS = 4


def _marsad(*args: str) -> subprocess.Popen:
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.Popen(
        [sys.executable, "-m", "marsad", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _ok(*args: str) -> None:
    proc = _marsad(*args)
    assert proc.wait(timeout=300) == 0, proc.stderr.read().decode()


def _releases(wh: Path, work: Path) -> tuple[str, str]:
    """The release of the exported table (``marsad export``, in-process) and the one of
    the indicator table that ``marsad bulletin`` reads (rendering it each time would
    take most of the test's time; it is rendered once at the end)."""
    out = work / "x.csv"
    res = CliRunner().invoke(
        app, ["export", "--internal", "--format", "csv", "--out", str(out), "--warehouse", str(wh)]
    )
    assert res.exit_code == 0, res.output
    with out.open(encoding="utf-8") as f:
        exported = {row["release"] for row in csv.DictReader(f)}
    assert len(exported) == 1, exported
    with open_warehouse(wh, read_only=True) as store:
        return exported.pop(), load_indicators(store).release


def _rebuild(wh: Path) -> None:
    res = CliRunner().invoke(app, ["build", "--warehouse", str(wh)])
    assert res.exit_code == 0, res.output


@pytest.mark.slow
def test_a_build_killed_at_random_points_leaves_one_release(tmp_path):
    rng = random.Random(20250615)
    data = tmp_path / "data"
    generate(data, rows_per_year=5000)
    months = sorted((data / "transactions").glob("*.csv"))
    base = tmp_path / "base.duckdb"
    with open_warehouse(base) as wh:
        load_files(wh, "firms", [data / "firms.csv"])
        load_files(wh, "rates", [data / "rates.csv"])
        load_files(wh, "transactions", months[:-1])
        build(wh)
        wh.sql("CHECKPOINT")
    before = _releases(base, tmp_path)
    with open_warehouse(base) as wh:
        load_files(wh, "transactions", months[-1:])
        wh.sql("CHECKPOINT")

    full = tmp_path / "full.duckdb"
    copy_warehouse(base, full)
    t0 = time.perf_counter()
    _ok("build", "--warehouse", str(full))
    duration = time.perf_counter() - t0
    complete = _releases(full, tmp_path)
    assert before[0] == before[1] != complete[0] == complete[1]

    outcomes = {"before": 0, "complete": 0}
    for i in range(KILLS):
        db = tmp_path / f"kill{i}.duckdb"
        copy_warehouse(base, db)
        proc = _marsad("build", "--warehouse", str(db))
        # the first kill in the build's first half: the build timed above may have run
        # slower than these (a loaded machine), and every kill then landed after the commit
        time.sleep(rng.uniform(0.3, duration * (0.5 if i == 0 else 1.05)))
        proc.kill()  # SIGKILL: no cleanup of any kind
        proc.wait()
        state = _releases(db, tmp_path)
        assert state in (before, complete), f"kill {i}: export and bulletin disagree: {state}"
        outcomes["before" if state == before else "complete"] += 1
        _rebuild(db)  # a rerun completes
        assert _releases(db, tmp_path) == complete
        for f in tmp_path.glob(f"kill{i}.duckdb*"):
            f.unlink()
        shutil.rmtree(tmp_path / f"kill{i}.records")
    print(f"SIGKILL outcomes over {KILLS} builds: {outcomes}")
    assert outcomes["before"] >= 1  # at least one kill landed before the commit
    md = tmp_path / "b.md"
    res = CliRunner().invoke(
        app, ["bulletin", "--period", "2025-05", "--out", str(md), "--warehouse", str(full)]
    )
    assert res.exit_code == 0, res.output
    assert complete[0] in md.read_text(encoding="utf-8")
