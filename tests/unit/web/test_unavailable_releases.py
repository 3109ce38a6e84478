"""Missing and damaged releases, said plainly by ``marsad serve``, the dashboard, the API
and SDMX: never an older release served as the latest (or as the one in force on a day)
in place of one that cannot be read, never the office's advice shown to the public.

Releases are made cheaply (:func:`fake_release`: one row each, no warehouse).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.unit.release.test_release_ids_order import fake_release

#: Words of the office's advice, for the server's log only.
ADVICE = ("backup", "marsad release", "restore", "manifest")
SDMX = "/sdmx/data/DIGITAL_EXPORTS/all"


def _three(tmp_path: Path) -> Path:
    """Releases R1, R2 and R3 made one after the other (dated 2025-10-15, -11-15, -12-15)."""
    root = tmp_path / "w" / "releases"
    fake_release(root, "R1", "2025-10-15", [])
    fake_release(root, "R2", "2025-11-15", ["R1"])
    fake_release(root, "R3", "2025-12-15", ["R1", "R2"])
    return root


@pytest.fixture
def client_of(tmp_path) -> Iterator:
    """``client_of(root)``: a TestClient over the releases of ``root``."""
    from marsad.web import caching, pages
    from marsad.web.app import create_app

    pages.RENDERED.clear()
    caching.ANSWERS.clear()
    opened = []

    def make(root: Path) -> TestClient:
        c = TestClient(create_app(root.parent / "marsad.duckdb", root=root))
        opened.append(c)
        return c

    yield make
    pages.RENDERED.clear()
    caching.ANSWERS.clear()


def _unavailable(r, *ids: str) -> None:
    """``r`` is a plain 503 naming ``ids``, with Retry-After, without the office's advice."""
    assert r.status_code == 503, (r.request.url, r.status_code, r.text[:300])
    assert r.headers["retry-after"] == "3600"
    for i in ids:
        assert i in r.text
    for word in ADVICE:
        assert word not in r.text.lower(), (r.request.url, word, r.text[:300])


# -- 1. a release gone from the folder that a later release lists -------------------------


def test_the_dashboard_says_the_previous_release_is_missing_not_that_this_is_the_first(
    tmp_path, client_of
):
    """R1 moved out of the folder: R2's home page said "First release: nothing to
    compare", and no page named R1."""
    root = _three(tmp_path)
    shutil.rmtree(root / "R1")
    c = client_of(root)
    r2 = c.get("/en/?release=R2")
    assert r2.status_code == 200
    assert 'class="first"' not in r2.text and "First release" not in r2.text
    assert "the previous release is missing on this server" in r2.text
    assert 'class="missing"' in r2.text and "R1" in r2.text
    assert "immutable" not in r2.headers["cache-control"]  # R1 may be restored
    for url in ("/en/", "/fr/", "/ar/", "/en/releases"):
        page = c.get(url)
        assert page.status_code == 200 and 'class="missing"' in page.text, url
        assert '<bdi dir="ltr">R1</bdi>' in page.text, url
    assert "this release is missing on this server" in c.get("/en/").text
    _unavailable(c.get("/en/?release=R1"), "R1")  # asking for it: not there for the moment


def test_the_api_lists_the_missing_release_and_a_request_for_it_is_a_503(tmp_path, client_of):
    root = _three(tmp_path)
    shutil.rmtree(root / "R1")
    c = client_of(root)
    listed = c.get("/api/v1/releases").json()
    assert [r["id"] for r in listed["releases"]] == ["R2", "R3"]
    assert listed["unavailable"] == ["R1"] and listed["latest"] == "R3"
    _unavailable(c.get("/api/v1/releases/R1"), "R1")
    assert c.get("/api/v1/observations").json()["release"] == "R3"  # R1 came before R3


def test_a_release_folder_renamed_to_another_id_is_the_release_it_holds(
    tmp_path, client_of, caplog
):
    """R1's folder moved to R1x (R1 in the log of the releases made): /releases listed
    R1x as unavailable, and ``release=R1`` said "no release". R1 is the release that is
    unavailable for the moment (503, as a damaged one: it is on the server, under another
    name); R1x is no release (its manifest says R1): asking for it names nothing (404).
    Where R1 is, and what to do, goes to the server's log only."""
    root = _three(tmp_path)
    made = "R1\t2025-10-15\nR2\t2025-11-15\nR3\t2025-12-15\n"
    (root / ".releases-made").write_text(made, encoding="utf-8")
    (root / "R1").rename(root / "R1x")
    c = client_of(root)
    listed = c.get("/api/v1/releases").json()
    assert [r["id"] for r in listed["releases"]] == ["R2", "R3"]
    assert listed["unavailable"] == ["R1"] and listed["latest"] == "R3"
    for url in ("/api/v1/observations?release=R1", "/api/v1/releases/R1",
                f"{SDMX}?release=R1", "/downloads/R1/"):  # fmt: skip
        r = c.get(url)
        _unavailable(r, "R1")
        assert "R1x" not in r.text, url
    assert c.get("/api/v1/releases/R1").json()["detail"] == (
        "release R1 is unavailable for the moment on this server: try again later"
    )
    stray = c.get("/api/v1/releases/R1x")
    assert stray.status_code == 404 and stray.json()["detail"] == "no release 'R1x'"
    assert c.get("/api/v1/observations?release=R1x").status_code == 404
    assert c.get("/api/v1/observations").json()["release"] == "R3"  # R1 came before R3
    _unavailable(c.get("/api/v1/observations?asOf=2025-10-20"), "R1")
    assert any("folder R1x holds release R1" in m and "rename" in m for m in caplog.messages)


def test_a_folder_renamed_to_the_id_of_a_release_gone_leaves_both_unavailable(tmp_path, client_of):
    """R3 deleted and R1's folder renamed R3: the folder's name counted as R3 there, so
    R3 went unsaid; R1 (renamed) and R3 (missing) are unavailable (503), both listed."""
    root = _three(tmp_path)
    made = "R1\t2025-10-15\nR2\t2025-11-15\nR3\t2025-12-15\n"
    (root / ".releases-made").write_text(made, encoding="utf-8")
    shutil.rmtree(root / "R3")
    (root / "R1").rename(root / "R3")
    c = client_of(root)
    listed = c.get("/api/v1/releases").json()
    assert [r["id"] for r in listed["releases"]] == ["R2"]
    assert listed["unavailable"] == ["R1", "R3"] and listed["latest"] is None
    _unavailable(c.get("/api/v1/releases/R1"), "R1")
    _unavailable(c.get("/api/v1/releases/R3"), "R3")
    _unavailable(c.get("/api/v1/observations"), "R3")  # R3 came after R2


def test_a_copy_of_a_release_under_another_id_leaves_the_release_served(tmp_path, client_of):
    """R1 copied to R1x: R1 is served as it is; the copy is no release, and not listed as
    one unavailable (its fault is for the log)."""
    root = _three(tmp_path)
    shutil.copytree(root / "R1", root / "R1x")
    c = client_of(root)
    listed = c.get("/api/v1/releases").json()
    assert [r["id"] for r in listed["releases"]] == ["R1", "R2", "R3"]
    assert listed["unavailable"] == [] and listed["latest"] == "R3"
    assert c.get("/api/v1/releases/R1").status_code == 200
    assert c.get("/api/v1/releases/R1x").status_code == 404


def test_as_of_a_day_the_missing_release_may_have_been_in_force_is_a_503(tmp_path, client_of):
    """R1 (made before R2) gone: ``asOf=2025-10-20`` answered 404 "no release on or
    before", as if nothing had been published that day."""
    root = _three(tmp_path)
    shutil.rmtree(root / "R1")
    c = client_of(root)
    _unavailable(c.get("/api/v1/observations?asOf=2025-10-20"), "R1")
    assert c.get("/api/v1/observations?asOf=2025-11-20").json()["release"] == "R2"


def test_a_missing_release_named_by_id_is_answered_as_by_as_of(tmp_path, client_of):
    """Symptom: R2's folder deleted, ``?release=R2`` was a 404 "missing from the
    archive" while ``?asOf=`` a day R2 was in force was a 503 "unavailable, try later":
    two answers for one state of the archive. A release that was published and cannot
    be served is a 503 with Retry-After either way, in the API, SDMX, the downloads and
    the dashboard, in the same words; a release never published stays a 404."""
    root = _three(tmp_path)
    shutil.rmtree(root / "R2")
    c = client_of(root)
    said = "unavailable for the moment on this server: try again later"
    by_id = c.get("/api/v1/observations?release=R2")
    by_day = c.get("/api/v1/observations?asOf=2025-11-20")
    for r in (by_id, by_day):
        _unavailable(r, "R2")
        assert said in r.json()["detail"]
        assert r.headers["content-type"].startswith("application/problem+json")
    for url in ("/api/v1/releases/R2", f"{SDMX}?release=R2", "/downloads/R2/"):
        _unavailable(c.get(url), "R2")
    for lang in ("en", "fr", "ar"):
        for url in (f"/{lang}/?release=R2", f"/{lang}/explore?release=R2"):
            _unavailable(c.get(url), "R2")
    en = c.get("/en/?release=R2").text
    assert "Release unavailable for the moment on this server: R2" in en
    never = c.get("/api/v1/observations?release=R9")
    assert never.status_code == 404 and never.json()["detail"] == "no release 'R9'"
    assert c.get("/en/?release=R9").status_code == 404
    schema = c.get("/api/v1/openapi.json").json()
    for path in ("/api/v1/observations", "/api/v1/releases/{release_id}"):
        said = schema["paths"][path]["get"]["responses"]
        assert "missing from the server's archive" in said["503"]["description"], path
        assert "Retry-After" in said["503"]["headers"], path
        assert "ever published" in said["404"]["description"], path


def test_the_web_with_every_release_damaged_names_them(tmp_path, client_of):
    root = tmp_path / "w" / "releases"
    for i, day in (("R1", "2025-10-15"), ("R2", "2025-11-15")):
        fake_release(root, i, day, [])
        (root / i / "manifest.json").write_text("{", encoding="utf-8")
    c = client_of(root)
    r = c.get("/api/v1/observations")
    _unavailable(r, "R1", "R2")
    assert r.json()["detail"] == (  # no earlier release to name meanwhile
        "the latest release (R1, R2) is unavailable for the moment on this server: try again later"
    )
    page = c.get("/en/")
    _unavailable(page, "R1", "R2")
    assert "Release unavailable for the moment on this server: R1, R2" in page.text
    assert "Publication momentanément indisponible" in c.get("/fr/").text


# -- 3 and 4. latest and asOf never serve an older release in a damaged one's place -------


def test_latest_is_a_503_naming_a_later_damaged_release_not_the_one_before(
    tmp_path, client_of, caplog
):
    """R3's manifest damaged: ``latest`` (and no release given) answered R2, as if R2
    were the latest, in the API, SDMX and downloads alike."""
    root = _three(tmp_path)
    (root / "R3" / "manifest.json").write_text("{", encoding="utf-8")
    c = client_of(root)
    caplog.clear()
    for url in ("/api/v1/observations", "/api/v1/observations?release=latest",
                "/api/v1/segments", "/api/v1/releases/latest", "/downloads/latest/",
                "/downloads/latest/indicators.csv", SDMX, f"{SDMX}?release=latest"):  # fmt: skip
        r = c.get(url)
        _unavailable(r, "R3")
        if not url.startswith("/downloads/latest/indicators"):
            assert r.headers["content-type"].startswith("application/problem+json"), url
    said = c.get("/api/v1/observations").json()["detail"]
    assert said == ("the latest release (R3) is unavailable for the moment on this server: "
                    "try again later, or name an earlier release by id")  # fmt: skip
    assert any("R3" in m and "backup" in m for m in caplog.messages)  # the office's
    for url in ("/api/v1/observations?release=R2", f"{SDMX}?release=R2", "/downloads/R2/"):
        assert c.get(url).status_code == 200, url  # an id still answers
    listed = c.get("/api/v1/releases").json()
    assert listed["latest"] is None and listed["unavailable"] == ["R3"]
    home = c.get("/en/")  # the dashboard shows R2, saying R3 may be later
    assert home.status_code == 200 and 'class="unavailable"' in home.text
    assert "this release may be later than the one shown" in home.text
    explore = c.get("/en/explore")  # so does the explorer, which shows R2 too
    assert explore.status_code == 200 and 'class="unavailable"' in explore.text
    assert "immutable" not in c.get("/en/explore?release=R2").headers["cache-control"]


def test_as_of_is_a_503_when_the_release_in_force_may_be_the_damaged_one(tmp_path, client_of):
    """R3's manifest damaged: ``asOf=2025-12-31`` answered R2 as the table in force that
    day, though R3 (made after R2) may have been."""
    root = _three(tmp_path)
    (root / "R3" / "manifest.json").write_text("{", encoding="utf-8")
    c = client_of(root)
    for url in ("/api/v1/observations?asOf=2025-12-31", f"{SDMX}?asOf=2025-12-31",
                "/api/v1/periods?asOf=2025-11-20"):  # fmt: skip
        r = c.get(url)
        _unavailable(r, "R3")
        assert "in force on 2025-" in r.json()["detail"]
    # made after R2 (R2 does not list it), so after R2's day: not in force before it
    assert c.get("/api/v1/observations?asOf=2025-11-14").json()["release"] == "R1"


def test_a_latest_release_whose_table_changed_is_a_plain_503(tmp_path, client_of, caplog):
    """R3's public table changed since it was frozen: ``latest`` answered 409 with "see
    marsad release verify", the office's advice, to the public."""
    root = _three(tmp_path)
    table = root / "R3" / "indicators.csv"
    table.write_text(table.read_text(encoding="utf-8").replace("1.00", "2.00"), "utf-8")
    c = client_of(root)
    for url in ("/api/v1/observations", "/api/v1/observations?release=R3", SDMX,
                "/downloads/R3/indicators.csv", "/en/"):  # fmt: skip
        _unavailable(c.get(url), "R3")
    assert any("release verify" in m for m in caplog.messages)
    assert c.get("/api/v1/observations?release=R2").status_code == 200


def test_no_release_yet_gives_the_public_no_command_to_run(tmp_path, client_of):
    """``no release yet in releases/: run marsad release create`` was the API's 404."""
    root = tmp_path / "w" / "releases"
    root.mkdir(parents=True)
    r = client_of(root).get("/api/v1/observations")
    assert r.status_code == 404 and r.json()["detail"] == (
        "no release yet: nothing is published on this server"
    )
