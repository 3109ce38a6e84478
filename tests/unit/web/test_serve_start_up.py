"""``marsad serve`` names at start-up the releases it cannot serve: missing (a later
release lists it, its folder gone) and damaged, and says so when every release is
damaged, rather than "none yet" (the server itself is not started here).
"""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

from tests.support import run
from tests.unit.release.test_release_ids_order import fake_release
from tests.unit.web.test_unavailable_releases import _three


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(root: Path, monkeypatch) -> str:
    """What ``marsad serve`` says on stderr before it serves (the server not started)."""
    import uvicorn

    monkeypatch.delenv("MARSAD_RELEASES_DIR", raising=False)
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: None)
    w = ("--warehouse", str(root.parent / "marsad.duckdb"))
    return run("serve", "--port", str(_free_port()), *w).stderr


def test_serve_names_a_missing_release_at_start_up(tmp_path, monkeypatch):
    root = _three(tmp_path)
    shutil.rmtree(root / "R1")
    said = _serve(root, monkeypatch)
    assert "note: missing: release R1 is not in the releases folder, though release R2" in said
    assert "2 release(s), latest R3 of 2025-12-15; left out: 1 missing (R1)" in said


def test_serve_with_every_release_damaged_says_so_not_none_yet(tmp_path, monkeypatch):
    """Every manifest damaged: ``serve`` said "none yet", as for an empty folder."""
    root = tmp_path / "w" / "releases"
    for i, day in (("R1", "2025-10-15"), ("R2", "2025-11-15")):
        fake_release(root, i, day, [])
        (root / i / "manifest.json").write_text("{", encoding="utf-8")
    said = _serve(root, monkeypatch)
    assert "none yet" not in said
    assert "none served: 2 damaged (R1, R2)" in said
    assert said.count("note: left out: release R") == 2
