"""Every file the web serves has the same bytes for the same release and query, made by
one server or another, now or later: what says when it was made says the release's date
(else ``SOURCE_DATE_EPOCH``), as the exports do (:meth:`Publication.stamp`)."""

from __future__ import annotations

import io
import json
import shutil
import time
import zipfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from marsad.release.store import make_writable
from marsad.web import caching, pages

VIEW = ("indicator=level&flow=exports&segment=ESO&partner=_T&service=_T&freq=Q"
        "&start=2023-Q1&end=2025-Q2&release=R1")  # fmt: skip
SDMX_DATA = "/sdmx/data/DIGITAL_EXPORTS/A.level.exports?release=R1&format="
#: 2023-11-14 22:13:20 UTC: not R1's date, so that the test tells the two apart.
EPOCH = "1700000000"


def _urls(client: TestClient) -> list[str]:
    """Every kind of download of release R1: the explorer's, the archive's, the release's
    files (bulletins in French only: one PDF is enough), SDMX data in each format and a
    structure, and the API's observations."""
    files = [f["url"] for f in client.get("/downloads/R1/").json()["files"]]
    return [
        f"/fr/explore.csv?{VIEW}",
        f"/fr/explore.xlsx?{VIEW}",
        "/fr/releases/revisions.csv?from=R1&to=R2",
        *(u for u in files if "bulletin" not in u or u.endswith("-fr.pdf")),
        *(SDMX_DATA + f for f in ("xml", "genericdata", "csv", "json", "json1")),
        "/sdmx/v2/structure/datastructure/MA/DIGITAL_EXPORTS/1.0?release=R1",
        "/api/v1/observations?release=R1&indicator=level&format=csv",
        "/api/v1/observations?release=R1&indicator=level&format=json",
    ]


def _downloads(world, root: Path, urls: list[str] | None = None) -> dict[str, bytes]:
    """Each download (of ``urls``, else of :func:`_urls`) as a server started now makes
    it: nothing rendered in memory, no file made yet."""
    from marsad.web.app import create_app

    client = TestClient(create_app(world["warehouse"], root=root))
    found = {}
    for url in urls or _urls(client):
        pages.RENDERED.clear()
        caching.ANSWERS.clear()
        shutil.rmtree(root / ".cache", ignore_errors=True)
        r = client.get(url)
        assert r.status_code == 200, (url, r.text[:300])
        found[url] = r.content
    return found


@pytest.fixture
def root(world, tmp_path, monkeypatch) -> Path:
    """A writable copy of the world's releases; neither date setting in the environment."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    monkeypatch.delenv("MARSAD_RELEASE_DATE", raising=False)
    copy = tmp_path / "releases"
    shutil.copytree(world["root"], copy, ignore=shutil.ignore_patterns(".cache"))
    make_writable(copy)
    yield copy
    make_writable(copy)
    pages.RENDERED.clear()
    caching.ANSWERS.clear()


@pytest.mark.parametrize("how", ["release date", "SOURCE_DATE_EPOCH"])
def test_two_downloads_of_the_same_view_are_the_same_bytes(world, root, monkeypatch, how):
    """Symptom: two downloads of the explorer's Excel file of one view, a second apart,
    differed (docProps/core.xml carried the clock's time), and SDMX-JSON's prepared was
    the clock's time when the release had no date, whatever SOURCE_DATE_EPOCH said."""
    if how == "release date":
        stamp = "2025-10-15T00:00:00"  # R1's date
    else:
        stamp = "2023-11-14T22:13:20"
        monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
        for manifest in root.glob("*/manifest.json"):  # releases without a date
            found = json.loads(manifest.read_text())
            del found["date"]
            manifest.write_text(json.dumps(found))
    first = _downloads(world, root)
    time.sleep(1.1)
    second = _downloads(world, root)
    assert [u for u in first if first[u] != second[u]] == []
    for url in (f"/fr/explore.xlsx?{VIEW}", "/downloads/R1/indicators.xlsx"):
        core = zipfile.ZipFile(io.BytesIO(first[url])).read("docProps/core.xml").decode()
        assert f">{stamp}Z<" in core, (url, core)
    for kind, head in (("json", "meta"), ("json1", "header")):
        assert json.loads(first[SDMX_DATA + kind])[head]["prepared"] == f"{stamp}Z"
    for url in (SDMX_DATA + "xml", SDMX_DATA + "genericdata", "/downloads/R1/indicators-sdmx.xml",
                "/sdmx/v2/structure/datastructure/MA/DIGITAL_EXPORTS/1.0?release=R1"):  # fmt: skip
        assert f"<mes:Prepared>{stamp}" in first[url].decode(), url


@pytest.mark.parametrize("fmt", ["xlsx", "sdmx-ml"])
def test_a_release_exported_by_the_cli_is_the_file_the_web_serves(world, root, tmp_path,
                                                                   monkeypatch, fmt):  # fmt: skip
    """Symptom: with MARSAD_RELEASE_DATE set (to the next release's date, say), ``marsad
    export --release R1`` stamped that date where the web stamped R1's own, so the two
    files of one release differed (and the workbook's cover said R1 was published then)."""
    from tests.support import run

    monkeypatch.setenv("MARSAD_RELEASE_DATE", "2026-04-15")
    monkeypatch.setenv("MARSAD_RELEASES_DIR", str(root))
    out = tmp_path / {"xlsx": "R1.xlsx", "sdmx-ml": "R1.xml"}[fmt]
    run("export", "--release", "R1", "--format", fmt, "--out", str(out),
        "--warehouse", str(world["warehouse"]))  # fmt: skip
    name = {"xlsx": "indicators.xlsx", "sdmx-ml": "indicators-sdmx.xml"}[fmt]
    served = _downloads(world, root, [f"/downloads/R1/{name}"])
    assert out.read_bytes() == served[f"/downloads/R1/{name}"]
