"""``marsad demo --out DIR`` replaces an earlier demo's folder, and nothing else: run in an
office's folder it wiped the warehouse and every frozen release without a word."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest


def _demo(out: Path, **env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith("MARSAD_")}
    return subprocess.run(
        [sys.executable, "-m", "marsad", "demo", "--out", str(out), "--rows-per-year", "1000"],
        capture_output=True, text=True, timeout=600, env={**base, "NO_COLOR": "1", **env},
    )  # fmt: skip


def _release(root: Path, build: str) -> Path:
    folder = root / "R1"
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text(json.dumps({"build": build, "date": "2025-10-15"}))
    return folder


def _digest(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _office_warehouse(path: Path) -> None:
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE firms (firm_id VARCHAR, name VARCHAR)")
    con.execute("INSERT INTO firms VALUES ('F1', 'Atlas Conseil')")
    con.close()


@pytest.mark.parametrize("holds", ["warehouse", "release", "data"])
def test_a_folder_no_demo_made_is_refused_and_left_as_it_was(tmp_path, holds):
    office = tmp_path / "office"
    office.mkdir()
    if holds == "warehouse":
        _office_warehouse(office / "marsad.duckdb")
    elif holds == "release":
        _release(office / "releases", "2025-06.3fa9c2d1")
    else:
        (office / "data").mkdir()
        (office / "data" / "firms.csv").write_text("firm_id,name\nF1,Atlas Conseil\n")
    before = _digest(office)
    r = _demo(office)
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "which no demo made" in lines[0]
    assert "nothing was changed" in lines[0]
    assert _digest(office) == before


def test_an_earlier_demo_is_replaced_and_a_releases_folder_elsewhere_gets_nothing(tmp_path):
    out = tmp_path / "demo"
    first = _demo(out)
    assert first.returncode == 0, first.stderr
    assert (out / "releases" / "2025-S1" / "manifest.json").is_file()
    office = tmp_path / "office-releases"
    kept = _release(office, "2025-06.3fa9c2d1")
    before = _digest(office)
    again = _demo(out, MARSAD_RELEASES_DIR=str(office))
    assert again.returncode == 0, again.stderr
    assert "No release made" in again.stdout and "does not belong beside real ones" in again.stdout
    assert _digest(office) == before and (kept / "manifest.json").is_file()
    assert not (office / "2025-S1").exists()
