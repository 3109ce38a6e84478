"""The demo's release folder: cleaned when it is the demo's own, never elsewhere."""

from __future__ import annotations

from pathlib import Path

from marsad.cli.demo import _clean_releases
from marsad.release.store import make_read_only, make_writable


def _release(root: Path) -> Path:
    folder = root / "2025-S1"
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text("{}")
    make_read_only(folder)
    return folder


def test_a_second_demo_into_the_same_folder_removes_the_first_release(tmp_path, monkeypatch):
    """A second demo run stopped on "release 2025-S1 exists already" (read-only folder)."""
    monkeypatch.delenv("MARSAD_RELEASES_DIR", raising=False)
    _release(tmp_path / "releases")
    _clean_releases(tmp_path, tmp_path / "marsad.duckdb")
    assert not (tmp_path / "releases").exists()


def test_a_releases_folder_outside_the_demo_is_never_touched(tmp_path, monkeypatch):
    elsewhere = tmp_path / "office" / "releases"
    kept = _release(elsewhere)
    monkeypatch.setenv("MARSAD_RELEASES_DIR", str(elsewhere))
    _clean_releases(tmp_path / "demo", tmp_path / "demo" / "marsad.duckdb")
    assert (kept / "manifest.json").is_file()
    make_writable(elsewhere)
