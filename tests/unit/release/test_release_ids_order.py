"""Release ids and release order: ``latest`` is reserved, ids differing only by case are
refused, and several releases made on one day keep the order they were made in."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from marsad.errors import BadArgument
from marsad.indicators.registry import COLUMNS
from marsad.release.store import (
    ReleaseError,
    all_releases,
    check_id,
    check_new_id,
    find,
)
from tests.support import run

DAY = "2025-12-01"


def fake_release(root: Path, release_id: str, date: str, previous: list[str]) -> Path:
    """A release folder as :func:`marsad.release.freeze.create` leaves it, with a one-row
    public table whose value names the release (cheap: no warehouse is built)."""
    folder = root / release_id
    folder.mkdir(parents=True)
    row = ["level", "exports", "2024", "TOTAL", "_T", "_T", "1.00", "MAD", "A", "F", release_id]
    with (folder / "indicators.csv").open("w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows([COLUMNS, row])
    sha = hashlib.sha256((folder / "indicators.csv").read_bytes()).hexdigest()
    manifest = {"id": release_id, "date": date, "note": "", "build": "2024-12.synthetic.x",
                "last_period": "2024", "previous_releases": previous,
                "files": {"indicators.csv": sha}}  # fmt: skip
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


@pytest.fixture
def same_day(tmp_path) -> Path:
    """Releases R0 (the day before), then Z, A and M made in that order on one day."""
    root = tmp_path / "w" / "releases"
    fake_release(root, "R0", "2025-11-30", [])
    made: list[str] = ["R0"]
    for release_id in ("Z", "A", "M"):
        fake_release(root, release_id, DAY, list(made))
        made.append(release_id)
    return root


@pytest.mark.parametrize("reserved", ["latest", "LATEST", "Latest"])
def test_latest_is_not_a_release_id(reserved):
    """Symptom: ``release create --id latest`` made a release that ``/downloads/latest/``
    and ``release=latest`` could never name (they name the newest release)."""
    with pytest.raises(BadArgument, match="latest names the newest release"):
        check_id(reserved)
    assert check_id("latest-2025") == "latest-2025"


def test_an_id_differing_only_by_case_is_refused(same_day):
    """Symptom: ``2025-s1`` could be made beside ``2025-S1`` (one folder on a
    case-insensitive disk, two releases readers cannot tell apart)."""
    with pytest.raises(ReleaseError, match="release Z exists already, and z differs"):
        check_new_id(same_day, "z")
    with pytest.raises(ReleaseError, match="release M exists already"):
        check_new_id(same_day, "M")
    assert check_new_id(same_day, "Z2") == "Z2"


def test_the_cli_refuses_latest_with_exit_2(same_day):
    w = ("--warehouse", str(same_day.parent / "marsad.duckdb"))
    reserved = run("release", "create", "--id", "latest", *w, code=2)
    assert "latest names the newest release" in reserved.output
    assert "Traceback" not in reserved.output
    assert not (same_day / "latest").exists()


def test_releases_made_on_one_day_are_listed_in_the_order_they_were_made(same_day):
    """Symptom: three releases made the same day (Z, A, M) were listed A, M, Z and
    ``latest`` was Z, while their manifests and revisions.csv read Z, A, M."""
    assert [r.id for r in all_releases(same_day)] == ["R0", "Z", "A", "M"]
    assert find(same_day, "latest").id == "M"


def test_the_cli_lists_them_in_the_order_they_were_made(same_day):
    out = run("release", "list", "--warehouse", str(same_day.parent / "marsad.duckdb")).output
    ids = [line.split()[0] for line in out.splitlines() if line[:2] in ("R0", "Z ", "A ", "M ")]
    assert ids == ["R0", "Z", "A", "M"]
    shown = run("release", "show", "latest", "--warehouse", str(same_day.parent / "marsad.duckdb"))
    assert "release M:" in shown.output


def test_the_api_lists_them_in_the_order_they_were_made(same_day):
    from marsad.web.app import create_app

    app = create_app(same_day.parent / "marsad.duckdb", root=same_day)
    with TestClient(app) as c:
        listed = c.get("/api/v1/releases").json()
        assert listed["latest"] == "M"
        assert [r["id"] for r in listed["releases"]] == ["R0", "Z", "A", "M"]
        page = c.get("/api/v1/observations?release=latest").json()
        assert page["release"] == "M" and page["observations"][0]["value"] == "1.00"
        assert c.get("/api/v1/observations").json()["release"] == "M"
        before = c.get("/api/v1/observations?asOf=2025-11-30").json()
        assert before["release"] == "R0"
