"""The record store under faults, through the command line: a load killed at random
points (SIGKILL) leaves the warehouse and its store as before or as after; a read-only
store folder, a full disk, a part deleted by hand are one plain line (exit 2); a
warehouse made before the store is read as is read-only, moved on its first writable
open (said once), and builds, exports and releases the same as one made with the store.
"""

from __future__ import annotations

import contextlib
import errno
import random
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from marsad.engine import Warehouse, open_warehouse
from marsad.ingest import load_files
from marsad.ingest.schema import TRANSACTIONS, table_ddl
from tests.support import copy_warehouse, marsad_process, run

HEADER = "record_id,reporter,firm_id,value_date,flow,amount,currency,service_code,partner_country"
SRC = str(Path(__file__).resolve().parents[2] / "src")


def _records(path: Path, rows: int, *, changed_every: int = 0, extra_month: bool = False) -> Path:
    """``rows`` records over nine months of 2024; ``changed_every``: every n-th amount
    changed (a correction of every month); ``extra_month``: ten records of 2025-01 too."""
    with path.open("w") as fh:
        fh.write(HEADER + "\n")
        for i in range(rows):
            cents = (i * 37) % 100000 + (7 if changed_every and i % changed_every == 0 else 0)
            fh.write(
                f"K{i:07d},BANK{i % 3},F{i % 50},2024-0{1 + i % 9}-1{i % 9},C,"
                f"{cents / 100 + 1:.2f},{('EUR', 'USD', 'MAD')[i % 3]},SI22,FR\n"
            )
        for i in range(10 if extra_month else 0):
            fh.write(f"N{i:03d},BANK1,F1,2025-01-0{1 + i % 9},C,5.00,EUR,SI22,FR\n")
    return path


def _state(db: Path) -> tuple:
    """What a load changes, read after a writable open (which sweeps, as the next command
    would); the parts on disk must then be exactly those the catalogue names."""
    with open_warehouse(db) as wh:
        on_disk = sorted(wh.records.root.rglob("*.parquet"))
        assert on_disk == sorted(wh.records.files()), "orphan parts survived the open"
        assert not list(wh.records.root.glob(".staging-*"))
        return (
            wh.scalar("SELECT count(*) FROM transactions"),
            wh.scalar("SELECT coalesce(sum(amount), 0) FROM transactions"),
            wh.scalar("SELECT count(*) FROM transactions_history"),
            wh.scalar("SELECT count(*) FROM ingest_loads"),
            wh.records.count(),
            tuple(wh.records.deliveries()),
        )


def _marsad(*args: str) -> subprocess.Popen:
    return marsad_process(*args)


def _drop(db: Path) -> None:
    for f in db.parent.glob(f"{db.name}*"):
        f.unlink()
    shutil.rmtree(db.with_suffix(".records"), ignore_errors=True)


def _kill_test(tmp_path: Path, kills: int, rows: int) -> None:
    """Kill a load that rewrites every month and appends one at random points."""
    rng = random.Random(20241106)
    base = tmp_path / "base.duckdb"
    with Warehouse(base) as wh:
        load_files(wh, "transactions", [_records(tmp_path / "first.csv", rows)])
        wh.sql("CHECKPOINT")
    fix = _records(tmp_path / "fix.csv", rows, changed_every=10, extra_month=True)
    before = _state(base)
    full = tmp_path / "full.duckdb"
    copy_warehouse(base, full)
    t0 = time.perf_counter()
    proc = _marsad("ingest", "--kind", "transactions", str(fix), "--warehouse", str(full))
    assert proc.wait(timeout=300) == 0, proc.stderr.read().decode()
    duration = time.perf_counter() - t0
    complete = _state(full)
    assert complete != before and complete[2] == before[2] + rows // 10

    outcomes = {"before": 0, "complete": 0}
    for i in range(kills):
        db = tmp_path / f"kill{i}.duckdb"
        copy_warehouse(base, db)
        proc = _marsad("ingest", "--kind", "transactions", str(fix), "--warehouse", str(db))
        time.sleep(rng.uniform(0.2, duration * 1.05))
        proc.kill()  # SIGKILL: no cleanup of any kind
        proc.wait()
        state = _state(db)
        assert state in (before, complete), f"kill {i}: the store is between two states"
        outcomes["before" if state == before else "complete"] += 1
        again = _marsad("ingest", "--kind", "transactions", str(fix), "--warehouse", str(db))
        assert again.wait(timeout=300) == 0, again.stderr.read().decode()
        assert _state(db) == complete
        _drop(db)
    print(f"SIGKILL outcomes over {kills} loads: {outcomes}")
    assert outcomes["before"] >= 1


def test_a_load_killed_leaves_the_store_before_or_after(tmp_path):
    _kill_test(tmp_path, kills=3, rows=30_000)


@pytest.mark.slow
def test_a_load_killed_at_random_points_6_times(tmp_path):
    _kill_test(tmp_path, kills=6, rows=60_000)


# -- faults of the machine ---------------------------------------------------------------------


@contextlib.contextmanager
def _tmpfs(folder: Path, size: str, *, read_only: bool = False) -> Iterator[Path]:
    """A small tmpfs mounted on ``folder`` (skips the test where mounting is not allowed)."""
    folder.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def _ingest(db: Path, *files: Path, code: int = 0):
    return run(
        "ingest", "--kind", "transactions", *map(str, files), "--warehouse", str(db), code=code
    )


def _one_line(result, *words: str) -> None:
    assert "Traceback" not in result.output
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("marsad: error: "), result.stderr
    for word in words:
        assert word in last, last


def test_a_full_disk_while_writing_a_part_is_one_line(tmp_path):
    db = tmp_path / "w.duckdb"
    with _tmpfs(db.with_suffix(".records"), "192k"):
        _ingest(db, _records(tmp_path / "small.csv", 50))
        before = _state(db)
        res = _ingest(db, _records(tmp_path / "big.csv", 60_000), code=2)
        _one_line(res, "cannot write", "no space left on the disk")
        assert _state(db) == before


def test_a_read_only_store_folder_is_one_line(tmp_path):
    db = tmp_path / "w.duckdb"
    store = db.with_suffix(".records")
    with _tmpfs(store, "4m"):
        _ingest(db, _records(tmp_path / "small.csv", 50))
        before = _state(db)
        subprocess.run(["mount", "-o", "remount,ro", str(store)], check=True)
        res = _ingest(db, _records(tmp_path / "more.csv", 80, extra_month=True), code=2)
        _one_line(res, "read-only")
        assert _state(db)[:4] == before[:4]


@pytest.mark.parametrize(
    ("error", "words"),
    [
        (OSError(errno.ENOSPC, "No space left on device"), ("cannot write", "no space left")),
        (OSError(errno.EROFS, "Read-only file system"), ("cannot write", "read-only")),
        (PermissionError(errno.EACCES, "Permission denied"), ("permission denied",)),
    ],
)
def test_a_fault_while_writing_a_part_leaves_nothing(tmp_path, monkeypatch, error, words):
    """The same faults without a mount: the COPY fails half-way (a file started)."""
    from marsad.engine import parts

    db = tmp_path / "w.duckdb"
    _ingest(db, _records(tmp_path / "small.csv", 50))
    before = _state(db)
    real = parts._copy

    def failing(wh, staging, *args):
        real(wh, staging, *args)
        error.filename = str(next(staging.rglob("*.parquet")))
        raise error

    monkeypatch.setattr(parts, "_copy", failing)
    res = _ingest(db, _records(tmp_path / "more.csv", 80, extra_month=True), code=2)
    store = db.with_suffix(".records").absolute()
    _one_line(res, f"cannot write to the record store folder {store}: ", *words)
    assert ".staging" not in res.stderr  # the folder the user can act on, not our file
    monkeypatch.undo()
    assert _state(db) == before


def test_a_part_deleted_by_hand_is_one_line_naming_it(tmp_path):
    db = tmp_path / "w.duckdb"
    _ingest(db, _records(tmp_path / "small.csv", 50))
    with open_warehouse(db, read_only=True) as wh:
        part = wh.records.files([(2024, 3)])[0]
    part.unlink()
    for args in (["coverage"], ["ingest", "--kind", "rates", "x.csv"]):
        res = run(*args, "--warehouse", str(db), code=2)
        _one_line(res, str(part), "is missing", "does not match its catalogue")
    assert db.exists() and db.with_suffix(".records").is_dir()  # nothing swept, nothing lost


# -- migration ------------------------------------------------------------------------------


def make_legacy(db: Path) -> int:
    """Turn a warehouse into one made before the store: its records in a ``transactions``
    table (the DDL of then), no catalogue, no store folder. Returns the records moved."""
    with open_warehouse(db) as wh:
        root = wh.records.root
        wh.sql("CREATE TEMP TABLE _keep AS SELECT * FROM transactions")
        wh.sql("DROP VIEW transactions")
        wh.sql(table_ddl(TRANSACTIONS))
        wh.sql("INSERT INTO main.transactions SELECT * FROM _keep")
        for table in ("record_file_reporters", "record_files", "record_store"):
            wh.sql(f"DROP TABLE {table}")
        n = wh.scalar("SELECT count(*) FROM main.transactions")
        wh.sql("CHECKPOINT")
    shutil.rmtree(root)
    return n


def _outputs(db: Path, folder: Path) -> dict[str, bytes]:
    """Build, export and release ``db``; the files each gave."""
    w = ("--warehouse", str(db))
    build = run("build", *w)
    run("export", "--format", "csv", "--out", str(folder / "export.csv"), *w)
    env = {"MARSAD_RELEASES_DIR": str(folder / "releases")}
    with pytest.MonkeyPatch.context() as mp:
        for k, v in env.items():
            mp.setenv(k, v)
        run("release", "create", "--id", "R1", "--date", "2025-10-15", *w)
        verdict = run("release", "verify", "R1", *w)
    assert "Traceback" not in verdict.output
    out = {"export.csv": (folder / "export.csv").read_bytes(), "build": build.stdout.encode()}
    for p in sorted((folder / "releases").rglob("*")):
        if p.is_file():
            out[p.relative_to(folder).as_posix()] = p.read_bytes()
    return out


@pytest.mark.slow
def test_a_legacy_warehouse_is_moved_once_and_gives_the_same_results(tmp_path):
    data = tmp_path / "data"
    run("synth", "--out", str(data), "--rows-per-year", "1000")
    store = tmp_path / "store" / "w.duckdb"
    store.parent.mkdir()  # ingest makes the warehouse file, never its folder
    w = ("--warehouse", str(store))
    run("ingest", "--kind", "firms", str(data / "firms.csv"), *w)
    run("ingest", "--kind", "rates", str(data / "rates.csv"), *w)
    run("ingest", "--kind", "transactions", *sorted(map(str, data.glob("transactions/*.csv"))), *w)
    legacy = tmp_path / "legacy" / "w.duckdb"
    copy_warehouse(store, legacy)
    moved = make_legacy(legacy)
    assert moved > 0 and not legacy.with_suffix(".records").exists()

    # read-only: read as is, nothing moved, the same deliveries
    coverage = [run("coverage", "--detail", "--warehouse", str(p)) for p in (store, legacy)]
    assert coverage[0].stdout == coverage[1].stdout
    assert "moved" not in coverage[1].stderr and not legacy.with_suffix(".records").exists()
    # (it named the store's folder, which did not exist yet)
    assert "records: in the warehouse file (an older layout" in coverage[1].stderr
    with (
        open_warehouse(legacy, read_only=True) as old,
        open_warehouse(store, read_only=True) as new,
    ):
        rows = "SELECT * FROM transactions ORDER BY reporter, record_id"
        assert old.sql(rows) == new.sql(rows)
        assert old.records.deliveries() == new.records.deliveries()
        assert old.records.count() == new.records.count() == moved

    # the first writable open moves the records, and says so once
    first = run("loads", "withdraw", "L09999", "--reason", "x", "--warehouse", str(legacy), code=2)
    store_path = legacy.with_suffix(".records").absolute()
    assert f"moved {moved:,} records to the record store {store_path}" in first.stderr
    assert f"records: {store_path}" in first.stderr
    again = run("coverage", "--detail", "--warehouse", str(legacy))
    assert "moved" not in again.stderr and again.stdout == coverage[0].stdout
    with open_warehouse(legacy, read_only=True) as wh:
        assert wh.records.count() == moved and wh.records.files()

    assert _outputs(legacy, legacy.parent) == _outputs(store, store.parent)
