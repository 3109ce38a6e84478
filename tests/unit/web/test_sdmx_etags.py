"""An SDMX data answer's ETag names its media type: the same observations as ``text/csv``
and as ``application/vnd.sdmx.data+csv`` are two representations (two Content-Types),
so one's validator must not revalidate the other (RFC 9110 8.8.3).

Symptom: both answers carried the same strong ETag, and ``If-None-Match`` with the
``text/csv`` answer's ETag got a 304 for the SDMX-CSV request: a cache holding the
``text/csv`` copy would have served it as SDMX-CSV.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.unit.release.test_release_ids_order import fake_release

DATA = "/sdmx/data/DIGITAL_EXPORTS/all?release=R1"
SDMX_CSV = "application/vnd.sdmx.data+csv; version=2.0.0"


@pytest.fixture
def client(tmp_path):
    from marsad.web import caching
    from marsad.web.app import create_app

    root = tmp_path / "w" / "releases"
    fake_release(root, "R1", "2025-10-15", [])
    caching.ANSWERS.clear()
    with TestClient(create_app(root.parent / "marsad.duckdb", root=root)) as c:
        yield c
    caching.ANSWERS.clear()


def test_each_media_type_has_its_own_etag(client):
    plain = client.get(DATA, headers={"Accept": "text/csv"})
    sdmx = client.get(DATA, headers={"Accept": SDMX_CSV})
    assert plain.status_code == sdmx.status_code == 200
    assert plain.content == sdmx.content  # the same bytes, made once
    assert plain.headers["content-type"] != sdmx.headers["content-type"]
    assert plain.headers["etag"] != sdmx.headers["etag"]
    crossed = {"Accept": SDMX_CSV, "If-None-Match": plain.headers["etag"]}
    assert client.get(DATA, headers=crossed).status_code == 200
    again = {"Accept": SDMX_CSV, "If-None-Match": sdmx.headers["etag"]}
    assert client.get(DATA, headers=again).status_code == 304
