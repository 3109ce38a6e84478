"""A record store damaged on the disk, through the command line: a part with bytes
flipped in its data or its footer, replaced by another file of the same size, truncated,
emptied or deleted stops ``marsad build`` and ``marsad export`` with one line (exit 2)
naming the part, before anything is read or written; a store folder (or a month's
folder) that cannot be written stops ``marsad ingest`` with one line naming it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.damage import DAMAGES, damage
from tests.support import copy_warehouse, run

HEADER = "record_id,reporter,firm_id,value_date,flow,amount,currency,service_code,partner_country"


def _csv(path: Path, prefix: str, months: tuple[int, ...]) -> Path:
    lines = [HEADER]
    for i in range(60):
        month = months[i % len(months)]
        day = f"2024-{month:02d}-1{i % 9}"
        lines.append(f"{prefix}{i:04d},BK0{i % 3},F{i % 7},{day},C,{100 + i}.50,MAD,SI22,FR")
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("damage")
    db = folder / "w.duckdb"
    run(
        "ingest",
        "--kind",
        "transactions",
        str(_csv(folder / "a.csv", "A", (3, 4))),
        "--warehouse",
        str(db),
    )
    return db


def _snapshot(db: Path) -> dict[str, bytes]:
    """Every byte of the warehouse file and of its store (what a refusal must not change)."""
    root = db.with_suffix(".records")
    files = {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}
    return {"w.duckdb": db.read_bytes(), **files}


def _one_line(result, *words: str) -> str:
    assert "Traceback" not in result.output and "internal error" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith("marsad: ")]
    assert len(lines) == 1, result.stderr
    (line,) = lines
    assert line.startswith("marsad: error: "), line
    for word in words:
        assert word in line, line
    return line


@pytest.mark.parametrize("command", ["build", "export"])
@pytest.mark.parametrize("how", DAMAGES)
def test_a_damaged_part_stops_build_and_export_naming_it(base, tmp_path, command, how):
    db = copy_warehouse(base, tmp_path / "w.duckdb")
    part = db.with_suffix(".records").absolute() / "2024-04" / "g00000001.parquet"
    damage(part, how)
    before = _snapshot(db)
    out = tmp_path / "out.csv"
    args = ["build"] if command == "build" else ["export", "--format", "csv", "--out", str(out)]
    res = run(*args, "--warehouse", str(db), code=2)
    _one_line(res, str(part), "does not match its catalogue", "restore the folder")
    assert _snapshot(db) == before and not out.exists()


# -- a folder that cannot be written ---------------------------------------------------------


def _without_write_permission() -> list[str] | None:
    """The command prefix that makes permissions bite for this user: none for a user, a
    root that drops the capabilities overriding them (``setpriv``), or None (skip)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return None
    prefix = [setpriv, "--bounding-set", "-dac_override,-dac_read_search,-fowner", "--"]
    probe = subprocess.run([*prefix, "true"], capture_output=True, check=False)
    return prefix if probe.returncode == 0 else None


@pytest.mark.parametrize("folder", ["store", "month"])
def test_a_read_only_store_or_month_folder_stops_ingest_naming_it(base, tmp_path, folder):
    prefix = _without_write_permission()
    if prefix is None:
        pytest.skip("running as root without setpriv: permissions cannot bite")
    db = copy_warehouse(base, tmp_path / "w.duckdb")
    store = db.with_suffix(".records").absolute()
    target = store if folder == "store" else store / "2024-04"
    more = _csv(tmp_path / "b.csv", "B", (4, 5))  # adds to April, brings May
    before = _snapshot(db)
    src = str(Path(__file__).resolve().parents[2] / "src")
    env = dict(os.environ, PYTHONPATH=src + os.pathsep + os.environ.get("PYTHONPATH", ""))
    target.chmod(0o555)
    try:
        res = subprocess.run(
            [
                *prefix,
                sys.executable,
                "-m",
                "marsad",
                "ingest",
                "--kind",
                "transactions",
                str(more),
                "--warehouse",
                str(db),
            ],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
            check=False,
        )
    finally:
        target.chmod(0o755)
    assert res.returncode == 2, res.stderr
    res.output = res.stdout + res.stderr
    line = _one_line(res)
    assert (
        line
        == f"marsad: error: cannot write to the record store folder {target}: permission denied"
    )
    assert _snapshot(db) == before
