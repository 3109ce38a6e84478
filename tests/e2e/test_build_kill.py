"""A build is all or nothing: killed with SIGKILL at random points, the export and the
bulletin still agree with each other and with one release, and a rerun completes.

As ingest's SIGKILL test (test_ingest_cli.py): a small synthetic warehouse, built once
(release "before"); one more month loaded; then ``marsad build`` started on a copy and
killed after a random delay, ten times.
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

from marsad.cli import app


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
    """The release of the exported table and the one the bulletin of 2025-05 names."""
    runner = CliRunner()
    out, md = work / "x.csv", work / "b.md"
    res = runner.invoke(
        app, ["export", "--format", "csv", "--out", str(out), "--warehouse", str(wh)]
    )
    assert res.exit_code == 0, res.output
    with out.open(encoding="utf-8") as f:
        exported = {row["release"] for row in csv.DictReader(f)}
    assert len(exported) == 1, exported
    release = exported.pop()
    res = runner.invoke(
        app, ["bulletin", "--period", "2025-05", "--out", str(md), "--warehouse", str(wh)]
    )
    assert res.exit_code == 0, res.output
    return release, release if release in md.read_text(encoding="utf-8") else "another release"


@pytest.mark.slow
def test_a_build_killed_at_random_points_leaves_one_release(tmp_path):
    rng = random.Random(20250615)
    data = tmp_path / "data"
    _ok("synth", "--out", str(data), "--rows-per-year", "20000")
    months = sorted((data / "transactions").glob("*.csv"))
    base = tmp_path / "base.duckdb"
    _ok("ingest", "--kind", "firms", str(data / "firms.csv"), "--warehouse", str(base))
    _ok("ingest", "--kind", "rates", str(data / "rates.csv"), "--warehouse", str(base))
    _ok("ingest", "--kind", "transactions", *map(str, months[:-1]), "--warehouse", str(base))
    _ok("build", "--warehouse", str(base))
    before = _releases(base, tmp_path)
    _ok("ingest", "--kind", "transactions", str(months[-1]), "--warehouse", str(base))

    full = tmp_path / "full.duckdb"
    shutil.copy(base, full)
    t0 = time.perf_counter()
    _ok("build", "--warehouse", str(full))
    duration = time.perf_counter() - t0
    complete = _releases(full, tmp_path)
    assert before[0] == before[1] != complete[0] == complete[1]

    outcomes = {"before": 0, "complete": 0}
    for i in range(10):
        db = tmp_path / f"kill{i}.duckdb"
        shutil.copy(base, db)
        proc = _marsad("build", "--warehouse", str(db))
        time.sleep(rng.uniform(0.3, duration * 1.05))
        proc.kill()  # SIGKILL: no cleanup of any kind
        proc.wait()
        state = _releases(db, tmp_path)
        assert state in (before, complete), f"kill {i}: export and bulletin disagree: {state}"
        outcomes["before" if state == before else "complete"] += 1
        _ok("build", "--warehouse", str(db))  # a rerun completes
        assert _releases(db, tmp_path) == complete
        for f in tmp_path.glob(f"kill{i}.duckdb*"):
            f.unlink()
    print(f"SIGKILL outcomes over 10 builds: {outcomes}")
    assert outcomes["before"] >= 1  # at least one kill landed before the commit
