"""A release that a later release's manifest lists as made before it, its folder gone
(moved, deleted): ``build``, ``sdc audit`` and ``release create`` refused it, but
``release list`` did not name it and ``release show`` called it unknown.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from marsad.release.store import (
    DamagedRelease,
    MissingRelease,
    UnknownRelease,
    all_releases,
    find,
    survey,
)
from tests.support import run
from tests.unit.release.test_release_ids_order import fake_release

LINE = (
    "release R1 is not in the releases folder, though release R2 was made after it (its "
    "manifest lists it): restore it from its backup (an intruder may hold it: the next build "
    "must read it)"
)


@pytest.fixture
def gone(tmp_path) -> Path:
    """Releases R1, R2 and R3 made one after the other, then R1's folder removed."""
    root = tmp_path / "w" / "releases"
    fake_release(root, "R1", "2025-10-15", [])
    fake_release(root, "R2", "2025-11-15", ["R1"])
    fake_release(root, "R3", "2025-12-15", ["R1", "R2"])
    shutil.rmtree(root / "R1")
    return root


def test_survey_names_the_missing_release(gone):
    """The survey listed R2 and R3 and nothing else: R1 went unsaid."""
    found, faults = survey(gone)
    assert [r.id for r in found] == ["R2", "R3"]
    assert list(faults) == ["R1"] and isinstance(faults["R1"], MissingRelease)
    assert str(faults["R1"]) == LINE and faults["R1"].release == "R1"
    with pytest.raises(MissingRelease) as e:
        all_releases(gone)
    assert str(e.value) == LINE


def test_find_says_a_missing_release_is_missing_not_unknown(gone):
    """``release show R1`` said ``no release R1 … (releases: R2, R3)``, as if R1 had
    never been made."""
    with pytest.raises(MissingRelease, match="restore it from its backup"):
        find(gone, "R1")
    with pytest.raises(UnknownRelease, match="no release R9"):
        find(gone, "R9")
    assert find(gone, "R3").id == "R3"


def test_release_list_names_the_missing_release(gone):
    """``release list`` listed R2 and R3 only (exit 0), while the build refused R1's
    absence: it names R1 as missing, with the reason in one line."""
    w = ("--warehouse", str(gone.parent / "marsad.duckdb"))
    listed = run("release", "list", *w).stdout
    lines = listed.splitlines()
    assert [line.split()[0] for line in lines[1:]] == ["R2", "R3", "R1"]
    assert lines[-1].split(None, 4)[-1] == "MISSING: " + LINE.removeprefix("release R1 is ")
    shown = run("release", "show", "R1", *w, code=2)
    assert shown.stderr.strip().splitlines()[-1] == f"marsad: error: {LINE}"
    assert "Traceback" not in shown.output


def test_a_renamed_folder_is_not_also_called_missing(tmp_path):
    """R1's folder renamed S1-backup: one fault (rename it back), not a second one saying
    R1 is missing, which would send the operator to a backup for nothing."""
    root = tmp_path / "w" / "releases"
    fake_release(root, "R1", "2025-10-15", [])
    fake_release(root, "R2", "2025-11-15", ["R1"])
    (root / "R1").rename(root / "S1-backup")
    _, faults = survey(root)
    assert list(faults) == ["R1"] and not isinstance(faults["R1"], MissingRelease)
    assert faults["R1"].release == "R1"  # the release that cannot be served, by its id
    with pytest.raises(DamagedRelease, match="rename the folder back to R1"):
        all_releases(root)


def test_a_folder_renamed_to_the_id_of_a_release_gone_leaves_that_one_missing(tmp_path):
    """R2 deleted, R1's folder renamed R2: the folder's name counted as R2 being there,
    and R2, made and gone, went unsaid. R1 is renamed, R2 missing: two faults."""
    root = tmp_path / "w" / "releases"
    fake_release(root, "R1", "2025-10-15", [])
    fake_release(root, "R2", "2025-11-15", ["R1"])
    (root / ".releases-made").write_text("R1\t2025-10-15\nR2\t2025-11-15\n", encoding="utf-8")
    shutil.rmtree(root / "R2")
    (root / "R1").rename(root / "R2")
    _, faults = survey(root)
    assert list(faults) == ["R1", "R2"]
    assert "release folder R2 holds release R1" in str(faults["R1"])
    assert isinstance(faults["R2"], MissingRelease)
    w = ("--warehouse", str(root.parent / "marsad.duckdb"))
    listed = run("release", "list", *w).stdout
    assert "R1" in listed and "DAMAGED: release folder R2 holds release R1" in listed
    assert "MISSING: not in the releases folder" in listed


def test_a_copy_of_a_release_beside_it_is_the_fault_of_its_folder(tmp_path):
    """R1 copied to R1x: R1 is readable; the copy's fault is its folder's, not R1's."""
    root = tmp_path / "w" / "releases"
    fake_release(root, "R1", "2025-10-15", [])
    shutil.copytree(root / "R1", root / "R1x")
    readable, faults = survey(root)
    assert [r.id for r in readable] == ["R1"] and list(faults) == ["R1x"]
    assert find(root, "R1").id == "R1"


def test_release_show_of_a_release_whose_folder_was_renamed_says_so(tmp_path):
    """R1's folder renamed R1x (a valid id), R1 in the log of the releases made:
    ``release show R1`` said "no release R1" (and listed R1x as a release); it says
    where R1 is, in one line, exit 2."""
    root = tmp_path / "w" / "releases"
    fake_release(root, "R1", "2025-10-15", [])
    (root / ".releases-made").write_text("R1\t2025-10-15\n", encoding="utf-8")
    (root / "R1").rename(root / "R1x")
    with pytest.raises(DamagedRelease, match="release folder R1x holds release R1"):
        find(root, "R1")
    w = ("--warehouse", str(root.parent / "marsad.duckdb"))
    shown = run("release", "show", "R1", *w, code=2)
    assert shown.stderr.strip().splitlines()[-1] == (
        "marsad: error: release folder R1x holds release R1 (its manifest's id): rename the "
        "folder back to R1"
    )
