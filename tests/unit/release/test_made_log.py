"""The releases a warehouse made are kept in the warehouse too (:mod:`marsad.release.made`):
the releases folder's log ``.releases-made`` lost together with the latest release (the
folder restored from a backup taken before it, or both removed by hand), that release
was forgotten without a word; its id could be taken again and the next build chose
other complements."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from marsad.engine import Warehouse
from marsad.errors import BadArgument
from marsad.release.made import TABLE, known_here, reconcile
from marsad.release.store import MADE_LOG, MissingRelease, make_writable, record_made, survey
from tests.support import copy_warehouse, run
from tests.unit.release.test_release_ids_order import fake_release


@pytest.fixture
def wh(tmp_path):
    w = Warehouse(tmp_path / "w.duckdb")
    yield w
    w.close()


def _made(root: Path, release_id: str, date: str, previous: list[str]) -> None:
    fake_release(root, release_id, date, previous)
    record_made(root, release_id, date)


def test_the_latest_release_lost_with_the_log_is_put_back_as_missing(wh, tmp_path):
    root = tmp_path / "releases"
    _made(root, "R1", "2025-10-15", [])
    assert reconcile(wh, root) == []  # (the warehouse learns R1, made by an older marsad)
    _made(root, "R2", "2025-11-15", ["R1"])
    assert reconcile(wh, root) == []
    assert [r for r, _ in known_here(wh, root)] == ["R1", "R2"]
    shutil.rmtree(root / "R2")
    (root / MADE_LOG).unlink()
    found, faults = survey(root)
    assert [r.id for r in found] == ["R1"] and faults == {}  # forgotten, silently
    assert reconcile(wh, root) == ["R1", "R2"]  # the log made again from the warehouse
    found, faults = survey(root)
    assert [r.id for r in found] == ["R1"] and isinstance(faults["R2"], MissingRelease)
    assert "R2 is not in the releases folder, though it was made there" in str(faults["R2"])
    assert reconcile(wh, root) == []  # once


def test_the_whole_releases_folder_removed_is_made_again_to_hold_the_log(wh, tmp_path):
    root = tmp_path / "releases"
    _made(root, "R1", "2025-10-15", [])
    reconcile(wh, root)
    shutil.rmtree(root)
    assert reconcile(wh, root) == ["R1"]
    assert isinstance(survey(root)[1]["R1"], MissingRelease)


def test_a_folder_moved_with_its_warehouse_is_still_known(wh, tmp_path):
    """The releases recorded under another path apply to a folder holding one of them,
    the same manifest (the warehouse and its releases moved together)."""
    root = tmp_path / "releases"
    _made(root, "R1", "2025-10-15", [])
    _made(root, "R2", "2025-11-15", ["R1"])
    reconcile(wh, root)
    moved = tmp_path / "moved" / "releases"
    shutil.copytree(root, moved)
    shutil.rmtree(moved / "R2")
    (moved / MADE_LOG).unlink()
    assert reconcile(wh, moved) == ["R1", "R2"]
    assert isinstance(survey(moved)[1]["R2"], MissingRelease)


def test_another_folder_is_refused_while_the_first_holds_the_releases(wh, tmp_path):
    """MARSAD_RELEASES_DIR pointing to another folder while the releases this warehouse
    made are still in the first: refused (a reviewer's build there chose other
    complements, and a one-firm cell came out of one public table of each folder). Once
    they are gone from it (a copy of the warehouse used elsewhere), the other folder is
    its own: its releases are not given the warehouse's."""
    root = tmp_path / "releases"
    _made(root, "R1", "2025-10-15", [])
    reconcile(wh, root)
    other = tmp_path / "other"
    other.mkdir()
    with pytest.raises(BadArgument) as refused:
        reconcile(wh, other)
    said = str(refused.value)
    assert f"this warehouse's releases R1 are in {root}, which still holds them" in said
    assert f"MARSAD_RELEASES_DIR={root}" in said and not (other / MADE_LOG).exists()
    shutil.rmtree(root)
    assert reconcile(wh, other) == [] and not (other / MADE_LOG).exists()
    _made(other, "R1", "2025-12-01", [])  # another release R1, another manifest
    (other / MADE_LOG).unlink()
    assert reconcile(wh, other) == []
    assert survey(other)[1] == {}


def test_the_releases_moved_to_the_other_folder_are_accepted_there(wh, tmp_path):
    root = tmp_path / "releases"
    _made(root, "R1", "2025-10-15", [])
    reconcile(wh, root)
    moved = tmp_path / "moved"
    shutil.copytree(root, moved)  # (the first left in place too: the same releases)
    assert reconcile(wh, moved) == []


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    base = tmp_path_factory.mktemp("made")
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("MARSAD_RELEASES_DIR", raising=False)
        run("synth", "--out", str(base / "data"), "--rows-per-year", "1000")
        w = ("--warehouse", str(base / "w" / "w.duckdb"))
        (base / "w").mkdir()
        data = base / "data"
        run("ingest", "--kind", "firms", str(data / "firms.csv"), *w)
        run("ingest", "--kind", "rates", str(data / "rates.csv"), *w)
        run("ingest", "--kind", "transactions", *sorted(map(str, data.glob("transactions/*"))), *w)
        run("build", *w)
    return base / "w" / "w.duckdb"


def test_release_create_records_the_release_in_the_warehouse(built, tmp_path, monkeypatch):
    """End to end: the latest release removed with the log, the next build says so, puts
    it back in the log and refuses (an intruder may hold it); the list names it MISSING;
    its id is not taken again."""
    monkeypatch.delenv("MARSAD_RELEASES_DIR", raising=False)
    wh = copy_warehouse(built, tmp_path / "w" / "w.duckdb")
    w = ("--warehouse", str(wh))
    root = tmp_path / "w" / "releases"
    run("release", "create", "--id", "R1", "--date", "2025-10-15", *w)
    run("release", "create", "--id", "R2", "--date", "2025-11-15", *w)
    with Warehouse(wh, read_only=True) as opened:
        assert opened.sql(f"SELECT release_id, date FROM {TABLE} ORDER BY date") == [
            ("R1", "2025-10-15"), ("R2", "2025-11-15")
        ]  # fmt: skip
    make_writable(root / "R2")
    shutil.rmtree(root / "R2")
    (root / MADE_LOG).unlink()
    listed = run("release", "list", *w)
    assert "R2" not in listed.stdout  # (the log is back at the next build)
    assert "note: no log of the releases made in" in listed.stderr
    res = run("build", *w, code=2)
    assert (
        f"note: the log of the releases made, {root / MADE_LOG}, lacked R1, R2, which this "
        "warehouse records as made there: put back" in " ".join(res.stderr.split())
    )
    assert "release R2 is not in the releases folder, though it was made there" in res.stderr
    listed = run("release", "list", *w).stdout
    assert "R2" in listed and "MISSING" in listed
    again = run("release", "create", "--id", "R2", "--date", "2025-12-01", *w, code=2)
    assert "release R2 is not in the releases folder" in again.stderr
    assert not (root / "R2").exists()


def test_build_and_release_refuse_another_folder_while_the_first_holds_them(
    built, tmp_path, monkeypatch
):
    """End to end: ``MARSAD_RELEASES_DIR`` changed to an empty folder after two releases;
    ``build`` and ``release create`` are one plain line each (exit 2), nothing made."""
    monkeypatch.delenv("MARSAD_RELEASES_DIR", raising=False)
    wh = copy_warehouse(built, tmp_path / "w" / "w.duckdb")
    w = ("--warehouse", str(wh))
    run("release", "create", "--id", "R1", "--date", "2025-10-15", *w)
    other = tmp_path / "other"
    other.mkdir()
    monkeypatch.setenv("MARSAD_RELEASES_DIR", str(other))
    for args in (("build",), ("release", "create", "--id", "X1", "--date", "2025-12-01")):
        res = run(*args, *w, code=2)
        assert "this warehouse's releases R1 are in" in res.stderr, res.stderr
        assert "Traceback" not in res.stderr
    assert list(other.iterdir()) == []


def test_a_copy_of_the_warehouse_makes_its_own_releases_elsewhere(wh, tmp_path):
    """A copy of the warehouse at another path, with a releases folder of its own: not
    refused for the original's releases, still in place (they were made by the
    original); the original is refused for the copy's folder."""
    root = tmp_path / "releases"
    _made(root, "R1", "2025-10-15", [])
    reconcile(wh, root)
    wh.sql("CHECKPOINT")
    copy_path = tmp_path / "copy" / "w.duckdb"
    copy_path.parent.mkdir()
    shutil.copy(tmp_path / "w.duckdb", copy_path)
    other = tmp_path / "copy" / "releases"
    other.mkdir()
    with Warehouse(copy_path) as copy:
        assert reconcile(copy, other) == []
    with pytest.raises(BadArgument):
        reconcile(wh, other)
