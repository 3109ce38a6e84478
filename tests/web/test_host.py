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
    ],
)
def test_a_foreign_host_appears_nowhere(client, path):
    """/api/v1/releases wrote its links as http://<Host>/..., and cached them a minute
    (public): one request with a forged Host poisoned a shared cache for everyone."""
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
