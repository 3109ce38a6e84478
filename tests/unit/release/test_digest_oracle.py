"""The digests a release shows cannot be used to test a guess of a withheld value.

A reviewer recovered a one-firm partner-month to the centime, then p, from the public
files of a release alone: the manifest listed the plain SHA-256 of
``internal/indicators.csv`` and ``internal/sdc_cells.csv``, and the release id of a build
(``2024-12.b5c526d6``, in the ``release`` column of every export and in the manifest's
``build``) was the first 8 hex digits of the SHA-256 of the whole table, withheld values
included. With one unknown left by the public table, writing the internal CSV for each
candidate value (the public one with the withheld cells filled in, marsad's own code
giving the derived figures) and hashing it found the value, about 500 candidates a second
in plain Python; with it, the protection levels of ``sdc_cells.csv`` gave p. Both digests
are now keyed with a secret of the records (:func:`marsad.engine.records_key.records_key`),
which no one without every record can compute."""

from __future__ import annotations

import hashlib
import json
import os
import stat

import pytest

from marsad.build import table_digest
from marsad.release.store import (
    INTERNAL_CSV,
    KEY_FILE,
    SDC_CSV,
    DamagedRelease,
    Release,
    releases_root,
)
from tests.unit.release.test_apriori_release import _first_release, warehouse  # noqa: F401


def _sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_right_guess_of_every_withheld_value_cannot_be_checked_against_the_manifest(
    warehouse,  # noqa: F811
):
    wh = warehouse
    _first_release(wh)
    release = Release(releases_root(wh.path) / "R1")
    files = json.loads((release.path / "manifest.json").read_text(encoding="utf-8"))["files"]
    for name in (INTERNAL_CSV, SDC_CSV):
        # the intruder's reconstruction with every withheld value right is the file itself
        assert files[name] != _sha256(release.path / name), f"{name}: a guess can be checked"
        assert _sha256(release.path / name) not in json.dumps(files)
        assert release.checked_file(name) == release.path / name  # the office still checks it
    assert files[KEY_FILE] == _sha256(release.path / KEY_FILE)  # the key is not public


def test_an_internal_file_changed_after_freezing_is_still_refused(warehouse):  # noqa: F811
    wh = warehouse
    _first_release(wh)
    release = Release(releases_root(wh.path) / "R1")
    path = release.path / SDC_CSV
    os.chmod(path.parent, stat.S_IRWXU)
    os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join([lines[0], *lines[2:], lines[1]]), encoding="utf-8")
    with pytest.raises(DamagedRelease, match=r"internal/sdc_cells\.csv is not the file"):
        release.checked_file(SDC_CSV)
    os.chmod(release.path / KEY_FILE, stat.S_IRUSR | stat.S_IWUSR)
    (release.path / KEY_FILE).write_text("0" * 64 + "\n", encoding="utf-8")
    with pytest.raises(DamagedRelease, match="internal/key is not the file"):
        release.checked_file(INTERNAL_CSV)


def test_the_build_id_is_not_a_digest_of_the_table_alone(warehouse):  # noqa: F811
    """The table's own digest is what an intruder computes from the public table and a
    guess of the withheld values; the id must not show it."""
    wh = warehouse
    _first_release(wh)
    build = wh.scalar("SELECT release FROM indicators LIMIT 1")
    assert not build.endswith(table_digest(wh)[:8]), "the id tests a guess of withheld values"
    manifest = json.loads((releases_root(wh.path) / "R1" / "manifest.json").read_text())
    assert manifest["build"] == build
