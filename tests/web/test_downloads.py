"""Downloads: frozen files byte for byte, derived files from the frozen table, caching."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import threading
import zipfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from marsad.release.store import make_writable
from marsad.web import derived
from marsad.web.caching import FROZEN, LATEST

CONTRACT = {"indicators.csv", "indicators.xlsx", "indicators-sdmx.csv", "indicators-sdmx.xml",
            "structure-sdmx.xml", "indicators-bundle.zip", "revisions.csv"}  # fmt: skip
_SVG = re.compile(r"<svg\b.*?</svg>", re.DOTALL)


def _period(world) -> str:
    manifest = json.loads((world["root"] / "R2" / "manifest.json").read_text())
    return manifest["last_period"]


def test_listing_names_every_contract_file_by_release_id(client, world):
    r = client.get("/downloads/latest/")
    assert r.status_code == 200 and r.headers["cache-control"] == LATEST
    body = r.json()
    assert body["release"]["id"] == "R2"
    names = {f["name"] for f in body["files"]}
    period = _period(world)
    bulletins = {f"bulletin-{period}-{lang}.{ext}" for lang in ("fr", "en", "ar")
                 for ext in ("html", "pdf")}  # fmt: skip
    assert names == CONTRACT | bulletins
    files = {f["name"]: f for f in body["files"]}
    assert files["indicators.csv"]["url"] == "/downloads/R2/indicators.csv"
    assert (
        files["indicators.csv"]["size"] == (world["root"] / "R2" / "indicators.csv").stat().st_size
    )
    assert not any("internal" in n or "sdc" in n or "manifest" in n for n in names)


def test_public_csv_is_the_frozen_file_byte_for_byte(client, world):
    frozen = (world["root"] / "R1" / "indicators.csv").read_bytes()
    r = client.get("/downloads/R1/indicators.csv")
    assert r.status_code == 200 and r.content == frozen
    assert r.headers["content-type"].startswith("text/csv")
    assert r.headers["content-disposition"].startswith("attachment;")
    assert r.headers["cache-control"] == FROZEN


def test_latest_is_the_newest_release_with_the_same_etag_and_a_short_cache(client, world):
    by_id = client.get("/downloads/R2/revisions.csv")
    latest = client.get("/downloads/latest/revisions.csv")
    assert latest.content == by_id.content == (world["root"] / "R2" / "revisions.csv").read_bytes()
    assert latest.headers["etag"] == by_id.headers["etag"]
    assert latest.headers["cache-control"] == LATEST and by_id.headers["cache-control"] == FROZEN
    again = client.get(
        "/downloads/R2/revisions.csv", headers={"If-None-Match": by_id.headers["etag"]}
    )
    assert again.status_code == 304 and again.content == b""
    other = client.get("/downloads/R1/revisions.csv")
    assert other.headers["etag"] != by_id.headers["etag"]


def test_release_create_froze_the_arabic_bulletin_and_it_is_served_inline(client, world):
    """The Arabic bulletin was missing from releases (only fr and en were frozen)."""
    period = _period(world)
    name = f"bulletin-{period}-ar.html"
    assert (world["root"] / "R2" / name).is_file()
    r = client.get(f"/downloads/R2/{name}")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert r.headers["content-disposition"].startswith("inline;")
    assert 'dir="rtl"' in r.text


def test_data_files_are_made_from_the_frozen_table(client, world):
    frozen = (world["root"] / "R2" / "indicators.csv").read_bytes()
    bundle = client.get("/downloads/R2/indicators-bundle.zip")
    assert bundle.status_code == 200 and bundle.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(bundle.content)) as z:
        assert z.read("indicators.csv") == frozen
        assert json.loads(z.read("datapackage.json"))["version"] == "R2"
    sdmx = client.get("/downloads/R2/indicators-sdmx.csv")
    assert "sdmx.data+csv" in sdmx.headers["content-type"]
    rows = list(csv.DictReader(io.StringIO(sdmx.text)))
    assert len(rows) == frozen.count(b"\n") - 1
    structure = client.get("/downloads/R2/structure-sdmx.xml")
    assert structure.status_code == 200 and structure.text.lstrip().startswith("<?xml")
    assert "sdmx.structure+xml" in structure.headers["content-type"]


def test_excel_workbook_is_made_from_the_frozen_table(client, world):
    from openpyxl import load_workbook

    r = client.get("/downloads/R2/indicators.xlsx")
    assert r.status_code == 200 and r.content[:2] == b"PK"
    book = load_workbook(io.BytesIO(r.content), read_only=True)
    assert len(book.sheetnames) > 2


def test_pdf_bulletin_is_printed_from_the_frozen_html(client, world):
    period = _period(world)
    r = client.get(f"/downloads/R2/bulletin-{period}-fr.pdf")
    assert r.status_code == 200 and r.content[:5] == b"%PDF-"
    assert r.headers["content-type"] == "application/pdf"
    assert r.headers["content-disposition"].startswith("attachment;")


@pytest.mark.parametrize("release", ["R2", "latest"])
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_a_bulletin_period_in_another_case_moves_to_its_one_url(client, world, release, method):
    """``/downloads/R2/bulletin-2025-s1-fr.html`` was a 404 while ``marsad bulletin
    --period 2025-s1`` is taken (:meth:`Period.typed`): a 308 to the canonical name,
    ``latest`` kept, cached as the file is; following it gives the file."""
    period = _period(world)
    assert period != period.lower(), "the world's last period has a letter (S, Q)"
    name = f"bulletin-{period.lower()}-fr.html"
    r = client.request(method, f"/downloads/{release}/{name}", follow_redirects=False)
    assert r.status_code == 308, r.text
    assert r.headers["location"] == f"/downloads/{release}/bulletin-{period}-fr.html"
    assert r.headers["cache-control"] == (FROZEN if release == "R2" else LATEST)
    moved = client.get(f"/downloads/{release}/bulletin-{period.lower()}-fr.pdf")
    same = client.get(f"/downloads/{release}/bulletin-{period}-fr.pdf")
    assert moved.status_code == 200 and moved.content == same.content
    assert moved.history[0].status_code == 308


def test_a_period_in_another_case_that_is_no_download_is_still_a_404(client):
    for name in ("bulletin-1999-s1-fr.html", "bulletin-2025-h1-fr.html", "INDICATORS.csv"):
        r = client.get(f"/downloads/R2/{name}", follow_redirects=False)
        assert r.status_code == 404, name


def test_unknown_names_and_releases_are_problems(client):
    r = client.get("/downloads/R2/secret.txt")
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
    assert "indicators.csv" in r.json()["detail"] and "choose one of" in r.json()["detail"]
    assert client.get("/downloads/R9/indicators.csv").status_code == 404
    assert client.get("/downloads/R9/").status_code == 404
    assert client.get("/downloads/R2/internal/indicators.csv").status_code == 404
    assert client.get("/downloads/R2/manifest.json").status_code == 404
    assert client.get("/downloads/R2/bulletin-1999-fr.html").status_code == 404


@pytest.fixture
def own_root(world, tmp_path) -> Path:
    """A copy of the world's releases, writable, for tests that change them."""
    root = tmp_path / "releases"
    shutil.copytree(world["root"], root, ignore=shutil.ignore_patterns(".cache"))
    make_writable(root)
    yield root
    make_writable(root)


def _client(world, root: Path) -> TestClient:
    from marsad.web.app import create_app

    return TestClient(create_app(world["warehouse"], root=root))


def test_a_bulletin_language_the_release_did_not_freeze_is_written_from_its_table(world, own_root):
    """An older release froze no Arabic bulletin: it is made from the frozen public table."""
    period = _period(world)
    name = f"bulletin-{period}-ar.html"
    frozen = (own_root / "R1" / name).read_text(encoding="utf-8")
    (own_root / "R1" / name).unlink()
    manifest = json.loads((own_root / "R1" / "manifest.json").read_text())
    del manifest["files"][name]
    (own_root / "R1" / "manifest.json").write_text(json.dumps(manifest))
    r = _client(world, own_root).get(f"/downloads/R1/{name}")
    assert r.status_code == 200
    assert _SVG.sub("", r.text) == _SVG.sub("", frozen)  # same words and figures
    assert list((own_root / ".cache").glob(f"R1-*/{name}"))


def test_a_bulletin_made_for_a_past_release_is_dated_by_it(world, own_root, monkeypatch):
    """A bulletin the web writes from a release's table said the server's
    MARSAD_RELEASE_DATE (today's release) where the release's own date belongs, and
    ``release create`` froze its bulletins without the date it was given: the same
    release's files disagreed on when it was published."""
    period = _period(world)
    name = f"bulletin-{period}-fr.html"
    assert "15 octobre 2025" in (own_root / "R1" / name).read_text(encoding="utf-8")
    (own_root / "R1" / name).unlink()
    manifest = json.loads((own_root / "R1" / "manifest.json").read_text())
    del manifest["files"][name]
    (own_root / "R1" / "manifest.json").write_text(json.dumps(manifest))
    monkeypatch.setenv("MARSAD_RELEASE_DATE", "2026-04-15")
    r = _client(world, own_root).get(f"/downloads/R1/{name}")
    assert r.status_code == 200
    assert "15 octobre 2025" in r.text and "avril 2026" not in r.text


def test_two_requests_at_once_make_a_derived_file_once(world, own_root, monkeypatch):
    made = []
    real = derived.export

    def counting(info, name, out):
        made.append(name)
        real(info, name, out)

    monkeypatch.setattr(derived, "export", counting)
    c = _client(world, own_root)
    answers = []
    url = "/downloads/R1/indicators-sdmx.xml"
    threads = [threading.Thread(target=lambda: answers.append(c.get(url))) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert len({a.content for a in answers}) == 1
    assert made == ["indicators-sdmx.xml"]
    assert not [p for p in (own_root / ".cache").rglob("*.tmp")]


def test_a_frozen_file_changed_since_is_refused(world, own_root, caplog):
    """Refused as a release unavailable for the moment (503), the public told nothing of
    the office's check (``see marsad release verify``), which goes to the log."""
    path = own_root / "R1" / "revisions.csv"
    path.write_text(path.read_text() + "tampered\n")
    r = _client(world, own_root).get("/downloads/R1/revisions.csv")
    assert r.status_code == 503 and r.headers["retry-after"] == "3600"
    assert r.json()["detail"] == (
        "release R1 is unavailable for the moment on this server: try again later"
    )
    assert any("not the file that was frozen" in m for m in caplog.messages)


def test_cache_falls_back_to_a_temporary_folder_when_releases_are_read_only(
    world, own_root, monkeypatch
):
    from marsad.web.store import PublicStore

    info = PublicStore(own_root).find("R1")
    monkeypatch.setattr(derived.os, "access", lambda *a: False)
    found = derived.cache_dir(own_root, info)
    assert "marsad-downloads" in str(found) and found.is_dir()
