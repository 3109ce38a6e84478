"""A release whose ``manifest.json`` cannot be read (not JSON, not an object, a field
missing, permission denied, deleted) is damage as a changed frozen file is: the other releases
are listed and served, the damaged one named in a plain line, and what needs it refuses.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from marsad.release.store import DamagedRelease, all_releases, find, survey
from tests.support import run
from tests.unit.release.test_release_ids_order import fake_release

SECRET = "sk-do-not-echo"
DAMAGES = {
    "not JSON": (f'{{"note": "{SECRET}"', "not valid JSON"),
    "a list": (f'["{SECRET}"]', "not a JSON object"),
    "no files": (json.dumps({"date": "2025-10-15", "note": SECRET}), "no field files"),
    "files a list": (json.dumps({"files": [SECRET]}), "field files is not an object"),
    "date a number": (json.dumps({"files": {}, "date": 1704067200}), "field date is not a text"),
    "unreadable": (None, "permission denied"),
    "deleted": ("", "missing"),
}


@pytest.fixture(params=list(DAMAGES))
def damaged(request, tmp_path, monkeypatch) -> tuple[Path, str]:
    """Releases R1 (its manifest damaged), R2 and R3, as made one after the other; the
    reason :class:`DamagedRelease` must give."""
    root = tmp_path / "w" / "releases"
    fake_release(root, "R1", "2025-10-15", [])
    fake_release(root, "R2", "2025-11-15", ["R1"])
    fake_release(root, "R3", "2025-12-15", ["R1", "R2"])
    text, reason = DAMAGES[request.param]
    manifest = root / "R1" / "manifest.json"
    if text == "":  # lost: the release is still there, not to be passed over
        manifest.unlink()
    elif text is None:  # by hand, so that it happens as root too
        read_text = Path.read_text

        def denied(self: Path, *args, **kwargs) -> str:
            if self == manifest:
                raise PermissionError(13, "Permission denied", str(self))
            return read_text(self, *args, **kwargs)

        monkeypatch.setattr(Path, "read_text", denied)
    else:
        manifest.write_text(text, encoding="utf-8")
    return root, reason


def _line(reason: str) -> str:
    return (f"release R1: manifest.json cannot be read ({reason}): restore the release "
            "folder from its backup")  # fmt: skip


def test_the_others_are_listed_and_the_damaged_one_named(damaged):
    """A manifest that was not JSON made every listing fail (a list, or one without
    ``files``, was a traceback): the others are listed, R1 named with its reason."""
    root, reason = damaged
    found, faults = survey(root)
    assert [r.id for r in found] == ["R2", "R3"]
    assert list(faults) == ["R1"] and str(faults["R1"]) == _line(reason)
    assert find(root, "R2").id == "R2"
    for needs_r1 in (lambda: all_releases(root), lambda: find(root, "R1"),
                     lambda: find(root, "latest")):  # fmt: skip
        with pytest.raises(DamagedRelease) as e:
            needs_r1()
        assert str(e.value) == _line(reason) and SECRET not in str(e.value)


def test_the_commands_list_the_others_and_refuse_what_needs_it(damaged):
    """``release list`` stopped at a damaged manifest: it lists the others and names R1;
    ``show``, ``diff`` and ``revisions`` that need R1 refuse in one line, exit 2."""
    root, reason = damaged
    w = ("--warehouse", str(root.parent / "marsad.duckdb"))
    listed = run("release", "list", *w).stdout
    assert [line.split()[0] for line in listed.splitlines()[1:]] == ["R2", "R3", "R1"]
    assert f"DAMAGED: manifest.json cannot be read ({reason})" in listed
    assert SECRET not in listed
    assert "R2 -> R3" in run("release", "diff", "R2", "R3", *w).output
    for args in (["release", "show", "R1"], ["release", "diff", "R1", "R2"],
                 ["release", "revisions"], ["release", "show", "latest"]):  # fmt: skip
        res = run(*args, *w, code=2)
        assert res.stderr.strip().splitlines()[-1] == f"marsad: error: {_line(reason)}"
        assert "Traceback" not in res.output and SECRET not in res.output


def test_the_web_serves_the_others_and_names_the_damaged_one(damaged, caplog):
    """A damaged manifest made every page and API request fail (409 or 500): the others
    are served, the pages name R1 with a note, and what names R1 is a 503 saying plainly
    that R1 is unavailable (the fault, with what the office must do, in the log only)."""
    from marsad.web import pages
    from marsad.web.app import create_app

    root, reason = damaged
    pages.RENDERED.clear()
    try:
        with TestClient(create_app(root.parent / "marsad.duckdb", root=root)) as c:
            for url in ("/en/", "/fr/", "/ar/", "/en/releases", "/en/?release=R2",
                        "/en/explore"):  # fmt: skip
                r = c.get(url)
                assert r.status_code == 200, (url, r.text[:300])
                assert SECRET not in r.text
            home = c.get("/en/").text
            assert 'class="damaged"' in home and "R1" in home and "left out" in home
            assert "immutable" not in c.get("/en/?release=R2").headers["cache-control"]
            listed = c.get("/api/v1/releases").json()
            assert [r["id"] for r in listed["releases"]] == ["R2", "R3"]
            assert listed["latest"] == "R3" and listed["unavailable"] == ["R1"]
            assert c.get("/api/v1/observations?release=R3").status_code == 200
            assert c.get("/api/v1/observations").json()["release"] == "R3"  # R1 is older
            caplog.clear()
            for url in ("/en/?release=R1", "/api/v1/observations?release=R1",
                        "/api/v1/releases/R1", "/downloads/R1/indicators.csv",
                        "/en/releases?from=R1&to=R2"):  # fmt: skip
                r = c.get(url)
                assert r.status_code == 503, (url, r.status_code, r.text[:300])
                assert r.headers["retry-after"] == "3600"
                assert "R1" in r.text and "unavailable" in r.text, (url, r.text[:300])
                assert "backup" not in r.text and "manifest" not in r.text
                assert reason not in r.text and SECRET not in r.text
            assert any(reason in m and "backup" in m for m in caplog.messages)
            paths = c.get("/api/v1/openapi.json").json()["paths"]  # the 503 is documented
            for path in ("/api/v1/releases/{release_id}", "/api/v1/observations"):
                assert "503" in paths[path]["get"]["responses"], path
    finally:
        pages.RENDERED.clear()


def test_a_renamed_release_folder_is_damage_naming_the_release_it_holds(tmp_path):
    """A reviewer renamed R1's folder S1-backup: it was listed and served as release
    S1-backup (its files say R1), and the build asked to restore R1 from its backup."""
    root = tmp_path / "w" / "releases"
    fake_release(root, "R1", "2025-10-15", [])
    fake_release(root, "R2", "2025-11-15", ["R1"])
    (root / "R1").rename(root / "S1-backup")
    line = ("release folder S1-backup holds release R1 (its manifest's id): rename the "
            "folder back to R1")  # fmt: skip
    with pytest.raises(DamagedRelease, match="rename the folder back to R1") as found:
        all_releases(root)
    assert str(found.value) == line
    readable, damaged = survey(root)
    assert [r.id for r in readable] == ["R2"] and list(damaged) == ["R1"]  # R1's fault
