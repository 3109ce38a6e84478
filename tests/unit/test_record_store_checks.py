"""The record store's checks before anything reads a part: every part catalogued with
its SHA-256, a part damaged, replaced, emptied or deleted (or the folder gone, or a part
listed twice) refused on every open with one line naming it, a catalogue made without
the hashes read as it is and upgraded on the first writable open; and a fault of the
machine while writing a part worded with the folder the user can act on."""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
from pathlib import Path

import duckdb
import pytest

from marsad.engine import WarehouseFault, open_warehouse
from marsad.engine.parts import write_fault
from marsad.ingest import load_files
from tests.damage import DAMAGES, damage

from .ingest.conftest import tx, write_csv

#: What the message says of each damage.
CAUSES = {
    "middle": "has other contents than were written",
    "footer": "has other contents than were written",
    "replace": "has other contents than were written",
    "truncate": "bytes, not",
    "zero": "is empty (0 bytes",
    "delete": "is missing",
}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _make(tmp_path: Path) -> Path:
    """A warehouse of four records over three months (2024-03 to 2024-05)."""
    db = tmp_path / "w.duckdb"
    rows = [
        tx("R1", amount="10"),
        tx("R2", amount="20"),
        tx("R3", value_date="2024-04-10", amount="30"),
        tx("R4", value_date="2024-05-10", amount="40"),
    ]
    with open_warehouse(db) as wh:
        load_files(wh, "transactions", [write_csv(tmp_path / "base.csv", rows)])
    return db


def _april(db: Path) -> Path:
    with open_warehouse(db, read_only=True) as wh:
        return wh.records.files([(2024, 4)])[0]


def _fault(db: Path, *, read_only: bool) -> str:
    with pytest.raises(WarehouseFault) as caught:
        open_warehouse(db, read_only=read_only).close()
    message = str(caught.value)
    assert "\n" not in message
    assert "does not match its catalogue" in message, message
    assert "restore the folder from the backup made with the warehouse file" in message
    return message


def test_every_part_is_catalogued_with_its_sha256(tmp_path):
    db = _make(tmp_path)
    with open_warehouse(db) as wh:  # a correction rewrites March: a new part, a new hash
        load_files(wh, "transactions", [write_csv(tmp_path / "fix.csv", [tx("R1", amount="11")])])
        rows = wh.sql("SELECT file, sha256 FROM record_files ORDER BY file")
        root = wh.records.root
    assert len(rows) == 3 and all(h == _sha256(root / f) for f, h in rows)


@pytest.mark.parametrize("how", DAMAGES)
def test_a_damaged_part_is_refused_on_every_open_naming_it(tmp_path, how):
    db = _make(tmp_path)
    part = _april(db)
    damage(part, how)
    before = (db.read_bytes(), sorted(p.name for p in part.parent.parent.rglob("*")))
    for read_only in (True, False):
        message = _fault(db, read_only=read_only)
        assert str(part) in message and CAUSES[how] in message, message
    # the writable open that refused changed nothing: no sweep, no catalogue update
    assert (db.read_bytes(), sorted(p.name for p in part.parent.parent.rglob("*"))) == before


def test_a_part_replaced_reads_as_other_figures_without_the_check(tmp_path):
    """Why the hash is needed: the replaced part is valid Parquet of the same size."""
    db = _make(tmp_path)
    part = _april(db)
    replace_with = part.stat().st_size
    damage(part, "replace")
    assert part.stat().st_size == replace_with
    con = duckdb.connect()
    assert con.execute(f"SELECT sum(amount) FROM '{part}'").fetchone()[0] != 30


def test_a_part_listed_twice_is_refused(tmp_path):
    db = _make(tmp_path)
    with open_warehouse(db) as wh:
        wh.sql("INSERT INTO record_files SELECT * FROM record_files WHERE month = 4")
    for read_only in (True, False):
        message = _fault(db, read_only=read_only)
        assert f"lists {_april_path(db)} more than once" in message


def _april_path(db: Path) -> Path:
    return db.with_suffix(".records").absolute() / "2024-04" / "g00000001.parquet"


def test_a_missing_store_folder_is_one_line_naming_it(tmp_path):
    db = _make(tmp_path)
    shutil.rmtree(db.with_suffix(".records"))
    for read_only in (True, False):
        message = _fault(db, read_only=read_only)
        assert f"record store {db.with_suffix('.records').absolute()} " in message
        assert "the folder is missing" in message
    assert not db.with_suffix(".records").exists()


def test_files_the_catalogue_does_not_name_are_never_read(tmp_path):
    """Other files in the store are ignored (a part-like ``g*.parquet`` is what a killed
    load leaves: the next writable open deletes it); they never change what is read."""
    db = _make(tmp_path)
    root = db.with_suffix(".records")
    shutil.copy(_april(db), root / "2024-03" / "g00000099.parquet")  # a killed load's part
    (root / "NOTES.txt").write_text("backed up on Monday")
    shutil.copy(_april(db), root / "2024-03" / "copy.parquet")
    for read_only in (True, False):
        with open_warehouse(db, read_only=read_only) as wh:
            assert wh.scalar("SELECT sum(amount) FROM transactions") == 100
    assert (root / "NOTES.txt").exists() and (root / "2024-03" / "copy.parquet").exists()
    assert not (root / "2024-03" / "g00000099.parquet").exists()


# -- a catalogue made before the hashes ------------------------------------------------------


def _without_hashes(tmp_path: Path) -> Path:
    db = _make(tmp_path)
    with open_warehouse(db) as wh:
        wh.sql("ALTER TABLE record_files DROP COLUMN sha256")
        wh.sql("CHECKPOINT")
    return db


def _has_hash_column(db: Path) -> bool:
    con = duckdb.connect(str(db), read_only=True)
    try:
        cols = [r[0] for r in con.execute("DESCRIBE record_files").fetchall()]
    finally:
        con.close()
    return "sha256" in cols


def test_a_catalogue_without_hashes_is_read_then_upgraded_on_the_first_writable_open(tmp_path):
    db = _without_hashes(tmp_path)
    with open_warehouse(db, read_only=True) as wh:
        assert wh.scalar("SELECT sum(amount) FROM transactions") == 100
    assert not _has_hash_column(db)
    with open_warehouse(db) as wh:  # trusts the parts as they are now
        rows = wh.sql("SELECT file, sha256 FROM record_files ORDER BY file")
        assert len(rows) == 3 and all(h == _sha256(wh.records.root / f) for f, h in rows)
    damage(_april(db), "middle")
    assert "has other contents than were written" in _fault(db, read_only=True)


@pytest.mark.parametrize("how", ["footer", "truncate"])
def test_a_catalogue_without_hashes_refuses_a_part_that_does_not_read(tmp_path, how):
    """Without a hash, a part must at least be its size and read as Parquet; a refused
    writable open records no hash (it would trust a damaged part)."""
    db = _without_hashes(tmp_path)
    part = _april(db)
    damage(part, how)
    for read_only in (True, False):
        message = _fault(db, read_only=read_only)
        assert str(part) in message
        assert ("cannot be read as Parquet" if how == "footer" else "bytes, not") in message
    assert not _has_hash_column(db)


# -- faults of the machine while writing a part -------------------------------------------------

ROOT = Path("/d/w.records")
STAGED = "/d/w.records/.staging-g00000002/_y=2024/_m=3/data_0.parquet"


@pytest.mark.parametrize(
    ("exc", "line"),
    [
        (
            PermissionError(errno.EACCES, "Permission denied", STAGED),
            "cannot write to the record store folder /d/w.records: permission denied",
        ),
        (
            PermissionError(
                errno.EACCES, "Permission denied", STAGED, None, f"{ROOT}/2024-03/g00000002.parquet"
            ),
            "cannot write to the record store folder /d/w.records/2024-03: permission denied",
        ),
        (
            PermissionError(errno.EACCES, "Permission denied", f"{ROOT}/2024-04"),
            "cannot write to the record store folder /d/w.records: permission denied",
        ),
        (
            OSError(errno.ENOSPC, "No space left on device", STAGED),
            "cannot write to the record store folder /d/w.records: no space left on the disk",
        ),
        (
            OSError(errno.EMFILE, "Too many open files", f"{ROOT}/2024-03/g00000002.parquet"),
            "cannot write to the record store folder /d/w.records/2024-03: too many open files",
        ),
        (
            duckdb.IOException(
                f'IO Error: Failed to create directory "{ROOT}/.staging-g00000002": '
                "Permission denied"
            ),
            "cannot write to the record store folder /d/w.records: permission denied",
        ),
        (
            duckdb.IOException(f'IO Error: Cannot open file "{STAGED}": Read-only file system'),
            "cannot write to the record store folder /d/w.records: the file system is read-only",
        ),
        (
            duckdb.IOException(f'IO Error: Cannot open file "{STAGED}": Too many open files'),
            "cannot write to the record store folder /d/w.records: too many open files",
        ),
    ],
)
def test_a_write_fault_names_the_folder_not_the_staging_file(exc, line):
    fault = write_fault(exc, ROOT)
    assert fault is not None and str(fault).startswith(line), str(fault)
    assert ".staging" not in str(fault) and fault.exit_code == 2


def test_what_is_not_a_fault_of_the_machine_stays_a_bug():
    assert write_fault(ValueError("x"), ROOT) is None
    assert write_fault(duckdb.BinderException("Referenced column not found"), ROOT) is None
    assert write_fault(OSError(errno.EINVAL, "Invalid argument"), ROOT) is None


def _state(db: Path) -> tuple:
    with open_warehouse(db, read_only=True) as wh:
        files = sorted(p.relative_to(wh.records.root) for p in wh.records.root.rglob("*"))
        return wh.sql("SELECT * FROM record_files ORDER BY file"), files


@pytest.mark.parametrize("code", [errno.EACCES, errno.EMFILE])
def test_a_month_folder_refusing_the_move_is_one_line_naming_it(tmp_path, monkeypatch, code):
    """The lowest call that puts a part in its month's folder raises a real OSError (as the
    kernel would, naming the staging file and the target): the line names the month."""
    db = _make(tmp_path)
    before = _state(db)
    real = os.replace

    def refusing(src, dst, *args, **kwargs):
        if Path(dst).parent.name == "2024-04":
            raise OSError(code, os.strerror(code), str(src), None, str(dst))
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", refusing)
    fix = write_csv(tmp_path / "more.csv", [tx("R5"), tx("R6", value_date="2024-04-11")])
    with open_warehouse(db) as wh, pytest.raises(WarehouseFault) as caught:
        load_files(wh, "transactions", [fix])
    monkeypatch.undo()
    april = db.with_suffix(".records").absolute() / "2024-04"
    assert str(caught.value).startswith(f"cannot write to the record store folder {april}: ")
    assert ".staging" not in str(caught.value)
    assert _state(db) == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes in a read-only folder anyway")
@pytest.mark.parametrize("folder", ["store", "month"])
def test_a_read_only_folder_is_one_line_naming_it(tmp_path, folder):
    db = _make(tmp_path)
    before = _state(db)
    target = db.with_suffix(".records").absolute()
    target = target if folder == "store" else target / "2024-04"
    target.chmod(0o555)
    try:
        fix = write_csv(tmp_path / "more.csv", [tx("R5"), tx("R6", value_date="2024-04-11")])
        with open_warehouse(db) as wh, pytest.raises(WarehouseFault) as caught:
            load_files(wh, "transactions", [fix])
    finally:
        target.chmod(0o755)
    line = f"cannot write to the record store folder {target}: permission denied"
    assert str(caught.value) == line
    assert _state(db) == before
