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


def _synthetic_warehouse(path: Path) -> None:
    """A warehouse as a demo loads it (its firms are the generator's)."""
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE firms (firm_id VARCHAR, name VARCHAR)")
    con.execute("INSERT INTO firms VALUES ('S1', 'Synthetic Firm 1')")
    con.close()


HOLDS = [
    "warehouse",
    "release",
    "data",
    "demo-warehouse-and-data",
    "office.duckdb",
    "indicators.csv",
]


@pytest.mark.parametrize("holds", HOLDS)
def test_a_folder_no_demo_made_is_refused_and_left_as_it_was(tmp_path, holds):
    office = tmp_path / "office"
    office.mkdir()
    if holds == "warehouse":
        _office_warehouse(office / "marsad.duckdb")
    elif holds == "release":
        _release(office / "releases", "2025-06.3fa9c2d1")
    elif holds == "office.duckdb":  # an office's warehouse under another name
        _office_warehouse(office / "office.duckdb")
    elif holds == "indicators.csv":  # the user's own, of the demo's name
        (office / "indicators.csv").write_text("period,value\n2025-S1,1\n")
    else:  # a copy of a demo's warehouse beside a data/ no demo made, or that data/ alone
        if holds == "demo-warehouse-and-data":
            _synthetic_warehouse(office / "marsad.duckdb")
        (office / "data").mkdir()
        (office / "data" / "firms.csv").write_text("firm_id,name\nF1,Atlas Conseil\n")
    before = _digest(office)
    r = _demo(office)
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "which no demo made" in lines[0]
    assert "nothing was changed" in lines[0]
    assert _digest(office) == before


def test_the_current_folder_of_the_users_files_is_refused(tmp_path):
    """``marsad demo --out .`` (or ``~``) wrote its files among the user's."""
    (tmp_path / "thesis.tex").write_text("mine\n")
    base = {k: v for k, v in os.environ.items() if not k.startswith("MARSAD_")}
    r = subprocess.run(
        [sys.executable, "-m", "marsad", "demo", "--out", ".", "--rows-per-year", "1000"],
        capture_output=True, text=True, timeout=600, cwd=tmp_path, env={**base, "NO_COLOR": "1"},
    )  # fmt: skip
    assert r.returncode == 2, r.stderr
    assert "holds thesis.tex, which no demo made" in r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["thesis.tex"]


def test_a_frozen_release_folder_is_refused_and_left_as_it_was(tmp_path):
    """``marsad demo --out releases/2025-S1`` overwrote the frozen, read-only files."""
    from marsad.release.store import make_read_only, make_writable

    releases = tmp_path / "releases"
    release = _release(releases, "2025-06.synthetic.3fa9c2d1")
    (release / "indicators.csv").write_text("period,value\n2025-S1,1\n")
    make_read_only(release)
    before = _digest(release)
    try:
        for out, said in ((release, "is a frozen release"), (releases / "new", "releases folder")):
            r = _demo(out)
            assert r.returncode == 2, r.stderr
            assert len(r.stderr.strip().splitlines()) == 1 and said in r.stderr
            assert "nothing was changed" in r.stderr
        assert _digest(release) == before
        assert sorted(p.name for p in releases.iterdir()) == ["R1"]
    finally:
        make_writable(release)


def test_files_added_to_a_demo_folder_are_kept_and_a_releases_folder_elsewhere_gets_nothing(
    tmp_path,
):
    out = tmp_path / "demo"
    first = _demo(out)
    assert first.returncode == 0, first.stderr
    assert (out / "releases" / "2025-S1" / "manifest.json").is_file()
    mine = [out / "data" / "transactions" / "zz-mine.csv", out / "data" / "mine.txt",
            out / "releases" / "R-mine" / "notes.txt"]  # fmt: skip
    for path in mine:
        path.parent.mkdir(exist_ok=True)
        path.write_text("mine\n")
    before = _digest(out)
    refused = _demo(out)
    assert refused.returncode == 2, refused.stderr
    assert "which no demo made" in refused.stderr and "zz-mine.csv" in refused.stderr
    assert _digest(out) == before
    for path in mine:
        path.unlink()
    (out / "releases" / "R-mine").rmdir()
    office = tmp_path / "office-releases"
    kept = _release(office, "2025-06.3fa9c2d1")
    before = _digest(office)
    again = _demo(out, MARSAD_RELEASES_DIR=str(office))  # the demo's own folder: taken again
    assert again.returncode == 0, again.stderr
    assert "No release made" in again.stdout and "does not belong beside real ones" in again.stdout
    assert _digest(office) == before and (kept / "manifest.json").is_file()
    assert not (office / "2025-S1").exists()
    assert not (out / "releases").exists()  # the first demo's release: removed, as listed
