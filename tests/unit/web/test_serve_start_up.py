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


def test_serve_names_each_damaged_release_once(tmp_path, monkeypatch, caplog):
    """Each damaged release was printed twice at start-up, a note and a log line (and a
    third time, logged, at the first request): a note only, and the server the notes
    come from is the one serving (the app does not read the folder and log it again)."""
    import logging

    import uvicorn

    root = tmp_path / "w" / "releases"
    for i, day in (("R1", "2025-10-15"), ("R2", "2025-11-15"), ("R3", "2025-12-15")):
        fake_release(root, i, day, [])
    (root / "R1" / "manifest.json").write_text("{", encoding="utf-8")
    shutil.rmtree(root / "R2")
    (root / ".releases-made").write_text("R1\t2025-10-15\nR2\t2025-11-15\n", encoding="utf-8")
    served = []
    monkeypatch.delenv("MARSAD_RELEASES_DIR", raising=False)
    monkeypatch.setattr(uvicorn, "run", lambda app, **k: served.append(app))
    caplog.set_level(logging.INFO)
    w = ("--warehouse", str(root.parent / "marsad.duckdb"))
    said = run("serve", "--port", str(_free_port()), *w).stderr
    assert said.count("release R1") == 1 and said.count("release R2 is not") == 1
    assert "note: left out: release R1: manifest.json" in said
    assert "note: missing: release R2 is not in the releases folder" in said
    assert [m for m in caplog.messages if "R1" in m or "R2" in m] == []
    store = served[0].state.store
    assert [r.id for r in store.releases()] == ["R3"] and set(store.damaged()) == {"R1"}
    assert caplog.messages == []  # the first request: read already, nothing logged again


def test_a_fault_found_while_serving_is_logged_once(tmp_path, caplog):
    """While serving, a release damaged later goes to the server's log, once, not again
    at each change of the folder."""
    from marsad.web.store import PublicStore

    root = tmp_path / "w" / "releases"
    fake_release(root, "R1", "2025-10-15", [])
    store = PublicStore(root)
    assert [r.id for r in store.start()[0]] == ["R1"] and caplog.messages == []
    (root / "R1" / "manifest.json").write_text("{", encoding="utf-8")
    assert store.releases() == []
    fake_release(root, "R2", "2025-11-15", [])  # the folder changes, R1 still damaged
    assert [r.id for r in store.releases()] == ["R2"]
    told = [m for m in caplog.messages if "release R1" in m]
    assert len(told) == 1 and "restore the release folder from its backup" in told[0]
