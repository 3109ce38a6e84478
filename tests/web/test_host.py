"""No answer depends on the request's ``Host`` header, which the client chooses."""

from __future__ import annotations

import pytest

API = "/api/v1"
EVIL = "evil.example"
SERIES = "indicator=level&flow=exports&segment=TOTAL&service=_T&partner=_T"


@pytest.mark.parametrize(
    "path",
    [
        f"{API}/releases",
        f"{API}/releases/R1",
        f"{API}/releases/latest",
        f"{API}/observations?indicator=level&limit=2",
        f"{API}/observations?indicator=level&limit=2&format=csv",
        f"{API}/openapi.json",
        f"{API}/docs",
        f"{API}/releases/nope",
        "/downloads/R1/",
        "/sdmx/v2/data/dataflow/MA/DIGITAL_EXPORTS/1.0/A.level.exports.TOTAL._T.W1",
        "/sdmx/data/DIGITAL_EXPORTS/A.level.exports.TOTAL._T.W1?format=jsondata",
        "/",
        "/fr/",
        f"/en/explore?{SERIES}&freq=A",
        "/ar/releases",
        "/fr/releases?from=R1&to=R2",
        # a slash added or taken off by a redirect (Starlette's, from the Host header)
        "/fr?release=R1",
        "/en",
        "/sdmx",
        f"{API}/observations/?limit=1",
        f"{API}/releases/R1/",
        "/favicon.ico",
    ],
)
def test_a_foreign_host_appears_nowhere(client, path):
    """/api/v1/releases wrote its links as http://<Host>/..., and cached them a minute
    (public): one request with a forged Host poisoned a shared cache for everyone. A
    redirect's Location was http://<Host>/fr/ (a reviewer): an open redirect."""
    answer = client.get(path, headers={"Host": EVIL}, follow_redirects=False)
    assert answer.status_code < 500, answer.text
    assert EVIL not in answer.text
    assert not any(EVIL in v for v in answer.headers.values()), answer.headers


def test_links_are_paths_that_work(client):
    """The release links and ``next`` are paths on this server, and they answer."""
    release = client.get(f"{API}/releases/R1").json()
    assert release["links"]["self"] == f"{API}/releases/R1"
    assert release["links"]["downloads"] == "/downloads/R1/"
    page = client.get(f"{API}/observations", params={"indicator": "level", "limit": 2}).json()
    assert page["next"].startswith(f"{API}/observations?")
    for url in [*release["links"].values(), page["next"]]:
        assert client.get(url).status_code == 200, url


def test_the_413_names_the_download_by_its_path(world):
    from fastapi.testclient import TestClient

    from marsad.web.app import create_app

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MARSAD_API_MAX_ROWS", "10")
        with TestClient(create_app(world["warehouse"], root=world["root"])) as c:
            answer = c.get(f"{API}/observations?format=csv", headers={"Host": EVIL})
    assert answer.status_code == 413
    assert EVIL not in answer.text and "/downloads/R2/indicators.csv" in answer.text


@pytest.mark.parametrize(
    ("path", "location"),
    [("/fr?release=R1", "/fr/?release=R1"), (f"{API}/observations/?limit=1",
      f"{API}/observations?limit=1"), ("/", "/fr/")],
)  # fmt: skip
def test_redirects_are_relative_and_lead_to_an_answer(client, path, location):
    answer = client.get(path, headers={"Host": EVIL}, follow_redirects=False)
    assert answer.is_redirect and answer.headers["location"] == location
    assert client.get(location).status_code == 200


def test_the_site_has_an_icon(client):
    """Browsers ask every page's server for /favicon.ico: it was a redirect to a 404."""
    answer = client.get("/favicon.ico", follow_redirects=False)
    assert answer.status_code == 200 and answer.headers["content-type"] == "image/svg+xml"
    assert answer.content.startswith(b"<svg") and answer.headers["etag"]
    assert client.get("/favicon.ico?x=1").status_code == 400
