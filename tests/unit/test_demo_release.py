"""The demo's folder (:mod:`marsad.cli.demo_folder`): it takes a new or empty folder, or
one holding its marker and nothing the marker does not list, and removes exactly what
the marker lists; a reviewer lost files the user had added to a demo's folder."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from marsad.cli.demo_folder import MARKER, Marker, NotADemoFolder, check, remove
from marsad.release.store import make_read_only, make_writable


def _release(root: Path, name: str = "2025-S1") -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text(json.dumps({"build": "2025-06.synthetic.1"}))
    (folder / "indicators.csv").write_text("x\n")
    make_read_only(folder)
    return folder


def _demo_folder(out: Path) -> Path:
    """A folder as a demo leaves it: data, warehouse, outputs and a read-only release,
    all in its marker."""
    out.mkdir()
    made = Marker(out)
    (out / "data" / "transactions").mkdir(parents=True)
    (out / "data" / "firms.csv").write_text("firm_id\n")
    (out / "data" / "transactions" / "2025-01.csv").write_text("x\n")
    (out / "marsad.duckdb").write_bytes(b"db")
    (out / "indicators.csv").write_text("x\n")
    made.add(out / "data", out / "marsad.duckdb", out / "indicators.csv")
    made.add(_release(out / "releases"))
    return out


def _tree(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


@pytest.fixture(autouse=True)
def _no_releases_dir(monkeypatch):
    monkeypatch.delenv("MARSAD_RELEASES_DIR", raising=False)


def test_a_new_or_empty_folder_is_taken(tmp_path):
    assert check(tmp_path / "new") == []
    (tmp_path / "empty").mkdir()
    assert check(tmp_path / "empty") == []


def test_a_second_demo_removes_all_the_first_made_read_only_release_too(tmp_path):
    """A second demo run stopped on "release 2025-S1 exists already" (read-only folder)."""
    out = _demo_folder(tmp_path / "demo")
    remove(out, check(out))
    assert _tree(out) == []


@pytest.mark.parametrize(
    "added",
    ["data/transactions/zz-mine.csv", "data/mine.txt", "releases/R-mine/notes.txt", "notes.md"],
)
def test_a_file_added_to_a_demo_folder_is_named_and_nothing_is_removed(tmp_path, added):
    out = _demo_folder(tmp_path / "demo")
    path = out / added
    make_writable(out / "releases")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("mine\n")
    before = _tree(out)
    with pytest.raises(NotADemoFolder) as refused:
        check(out)
    shown = added if added.count("/") < 2 or added.startswith("data/") else "releases/R-mine/"
    assert shown in str(refused.value) and "which no demo made" in str(refused.value)
    assert _tree(out) == before


def test_a_folder_without_a_marker_is_refused_and_its_files_named(tmp_path):
    """``demo --out .`` or ``~``: the user's files, a warehouse of another name, an
    ``indicators.csv`` of their own."""
    for name in ("indicators.csv", "office.duckdb", "notes.txt", "thesis.tex"):
        (tmp_path / name).write_text("mine\n")
    with pytest.raises(NotADemoFolder) as refused:
        check(tmp_path)
    assert "holds indicators.csv, notes.txt, office.duckdb and more," in str(refused.value)


def test_a_folder_of_an_older_demo_without_a_marker_is_refused_in_its_own_words(tmp_path):
    from marsad.synth.generate import README_START

    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "README.txt").write_text(README_START + " more\n")
    with pytest.raises(NotADemoFolder, match=r"older marsad demo.*remove it or choose another"):
        check(tmp_path)


def test_a_symlink_is_never_the_demos_and_never_followed(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "precious.csv").write_text("mine\n")
    out = _demo_folder(tmp_path / "demo")
    (out / "data" / "transactions" / "2025-01.csv").unlink()
    (out / "data" / "transactions" / "2025-01.csv").symlink_to(outside / "precious.csv")
    (out / "indicators.csv").unlink()
    (out / "indicators.csv").symlink_to(outside)
    with pytest.raises(NotADemoFolder, match=r"indicators\.csv"):
        check(out)
    assert (outside / "precious.csv").read_text() == "mine\n"


def test_a_listed_folder_replaced_by_a_symlink_is_refused(tmp_path):
    outside = tmp_path / "outside"
    (outside / "transactions").mkdir(parents=True)
    (outside / "firms.csv").write_text("mine\n")
    out = _demo_folder(tmp_path / "demo")
    make_writable(out / "data")
    for path in sorted((out / "data").rglob("*"), reverse=True):
        path.rmdir() if path.is_dir() else path.unlink()
    (out / "data").rmdir()
    (out / "data").symlink_to(outside)
    with pytest.raises(NotADemoFolder, match="holds data,"):
        check(out)
    assert (outside / "firms.csv").is_file()


@pytest.mark.parametrize(
    "marker",
    [{"made_by": "marsad demo", "entries": [e]} for e in ("../x", "/etc/hosts", "data/../../x")]
    + [["x"], {"made_by": "me", "entries": ["x"]}, {"made_by": "marsad demo", "entries": "x"}],
)
def test_a_marker_listing_a_path_outside_the_folder_or_not_the_demos_is_refused(tmp_path, marker):
    out = tmp_path / "demo"
    out.mkdir()
    (out / MARKER).write_text(json.dumps(marker))
    (out / "x").write_text("")
    with pytest.raises(NotADemoFolder, match="cannot be read"):
        check(out)


def test_a_frozen_release_a_folder_in_one_or_in_a_releases_folder_is_refused(tmp_path):
    release = _release(tmp_path / "releases")
    for out in (release, release / "sub", tmp_path / "releases", tmp_path / "releases" / "new"):
        with pytest.raises(NotADemoFolder, match="release"):
            check(out)
    make_writable(release)
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "manifest.json").write_text("{}")
    with pytest.raises(NotADemoFolder, match=r"holds a manifest\.json"):
        check(tmp_path / "other")


def test_the_releases_dir_set_elsewhere_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("MARSAD_RELEASES_DIR", str(tmp_path / "office"))
    with pytest.raises(NotADemoFolder, match="MARSAD_RELEASES_DIR"):
        check(tmp_path / "office" / "demo")


def test_the_marker_lists_nothing_outside_the_demo_folder(tmp_path):
    """A releases folder elsewhere (``MARSAD_RELEASES_DIR``) is never listed, so never
    removed."""
    elsewhere = _release(tmp_path / "office" / "releases")
    out = tmp_path / "demo"
    out.mkdir()
    made = Marker(out)
    made.add(elsewhere, tmp_path / "office")
    assert json.loads((out / MARKER).read_text())["entries"] == []
    remove(out, check(out))
    assert (elsewhere / "manifest.json").is_file()
    make_writable(tmp_path / "office")


def test_a_relative_folder_lists_what_is_named_by_an_absolute_path(tmp_path, monkeypatch):
    """The README's ``marsad demo --out demo-out`` (a relative folder) made its release
    in ``releases/``, named by an absolute path, which the marker did not list: the
    second demo refused its own folder ("holds releases/, which no demo made")."""
    monkeypatch.chdir(tmp_path)
    out = Path("demo-out")
    out.mkdir()
    made = Marker(out)
    (out / "indicators.csv").write_text("x\n")
    made.add(out / "indicators.csv", _release((tmp_path / "demo-out" / "releases").resolve()))
    made.expect((tmp_path / "demo-out" / "marsad.duckdb.wal").absolute())
    listed = json.loads((out / MARKER).read_text())["entries"]
    assert "releases/" in listed and "releases/2025-S1/manifest.json" in listed
    assert "marsad.duckdb.wal" in listed
    remove(out, check(out))
    assert _tree(out) == []


def test_remove_takes_only_what_it_found_a_folder_holding_more_stays(tmp_path):
    out = _demo_folder(tmp_path / "demo")
    found = check(out)
    (out / "data" / "late.csv").write_text("mine\n")  # after the check
    with pytest.raises(OSError):
        remove(out, found)
    assert (out / "data" / "late.csv").read_text() == "mine\n"
    assert os.path.lexists(out / MARKER)


def test_a_folder_where_the_demo_made_a_file_is_refused(tmp_path):
    out = _demo_folder(tmp_path / "demo")
    (out / "indicators.csv").unlink()
    (out / "indicators.csv").mkdir()
    (out / "indicators.csv" / "mine.csv").write_text("mine\n")
    with pytest.raises(NotADemoFolder, match=r"holds indicators\.csv/,"):
        check(out)
    assert (out / "indicators.csv" / "mine.csv").is_file()


def test_a_file_the_demo_expects_may_come_and_go(tmp_path):
    """The warehouse's write-ahead log, when the demo's warehouse is opened again."""
    out = _demo_folder(tmp_path / "demo")
    made = Marker(out)  # a fresh one lists nothing: list the demo's files again
    made.add(out / "data", out / "marsad.duckdb", out / "indicators.csv", out / "releases")
    made.expect(out / "marsad.duckdb.wal", tmp_path / "elsewhere.wal")
    assert check(out)
    (out / "marsad.duckdb.wal").write_bytes(b"log")
    remove(out, check(out))
    assert _tree(out) == []
