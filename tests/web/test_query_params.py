"""Query parameters a route does not read are refused, not ignored."""

from __future__ import annotations

import pytest

from tests.web.conftest import TOKEN

API = "/api/v1"
PROBLEM = "application/problem+json"
SERIES = {"indicator": "level", "flow": "exports", "segment": "TOTAL", "service": "_T",
          "partner": "_T", "freq": "A"}  # fmt: skip
FLOW = "/sdmx/v2/data/dataflow/MA/DIGITAL_EXPORTS/1.0/A.level.exports.TOTAL._T.W1"
V1 = "/sdmx/data/DIGITAL_EXPORTS/A.level.exports.TOTAL._T.W1"


def test_an_unknown_parameter_is_a_400_naming_it_and_the_accepted_ones(client):
    """/api/v1/observations?period=2099 answered the whole table, as if filtered."""
    answer = client.get(f"{API}/observations", params={"period": "2099"})
    assert answer.status_code == 400, answer.text
    assert answer.headers["content-type"] == PROBLEM
    detail = answer.json()["detail"]
    assert "unknown parameter 'period'" in detail
    for name in ("indicator", "start", "end", "release", "asOf", "limit", "format"):
        assert name in detail
    listing = client.get(f"{API}/segments", params={"relase": "R1"})
    assert listing.status_code == 400 and "'relase'" in listing.json()["detail"]
    assert "release" in listing.json()["detail"]


def test_a_repeated_parameter_is_a_400(client):
    """indicator=level&indicator=share answered share only (the last)."""
    answer = client.get(f"{API}/observations?indicator=level&indicator=share")
    assert answer.status_code == 400, answer.text
    assert "indicator is given 2 times" in answer.json()["detail"]
    assert "indicator=A,B" in answer.json()["detail"]
    assert client.get(f"{API}/releases/R1?release=R1&release=R2").status_code == 400


def test_the_documented_parameters_still_work(client):
    params = {**SERIES, "start": "2023", "end": "2025", "limit": "5", "offset": "0"}
    assert client.get(f"{API}/observations", params={**params, "release": "R2"}).status_code == 200
    answer = client.get(f"{API}/observations", params={**params, "asOf": "2025-10-20"})
    assert answer.status_code == 200 and answer.json()["release"] == "R1"
    assert client.get(f"{API}/observations", params={**params, "format": "csv"}).status_code == 200
    assert client.get(f"{API}/periods", params={"release": "R1"}).status_code == 200


@pytest.mark.parametrize("name", ["firstNObservations", "lastNObservations", "updatedAfter"])
def test_sdmx_parameters_not_implemented_are_a_501(client, name):
    """firstNObservations=1 answered every observation."""
    value = "2025-01-01T00:00:00Z" if name == "updatedAfter" else "1"
    for path in (FLOW, V1):
        answer = client.get(path, params={name: value})
        assert answer.status_code == 501, answer.text
        assert answer.json()["title"] == "Not Implemented"
        assert f"{name} is not supported" in answer.json()["detail"]


def test_sdmx_parameters_that_are_served_still_work(client):
    assert client.get(FLOW, params={"c[TIME_PERIOD]": "ge:2023"}).status_code == 200
    assert client.get(FLOW, params={"c[FREQ]": "A", "includeHistory": "false"}).status_code == 200
    assert client.get(V1, params={"startPeriod": "2023", "detail": "dataonly"}).status_code == 200
    structure = "/sdmx/datastructure/MA/DIGITAL_EXPORTS/1.0"
    assert client.get(structure, params={"references": "children"}).status_code == 200
    assert client.get(structure, params={"detail": "full"}).status_code == 200
    assert client.get(structure, params={"detail": "allstubs"}).status_code == 501
    unknown = client.get(FLOW, params={"startperiod": "2023"})
    assert unknown.status_code == 400 and "'startperiod'" in unknown.json()["detail"]
    twice = client.get(f"{FLOW}?c[TIME_PERIOD]=ge:2023&c[TIME_PERIOD]=le:2024")
    assert twice.status_code == 400, twice.text


def test_admin_refuses_unknown_parameters_after_the_token(client):
    assert client.post(f"{API}/admin/build?force=1").status_code == 401
    auth = {"Authorization": f"Bearer {TOKEN}"}
    answer = client.get(f"{API}/admin/jobs/nope?verbose=1", headers=auth)
    assert answer.status_code == 400 and "'verbose'" in answer.json()["detail"]
