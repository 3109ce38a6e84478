"""A page of another site may read the public answers (CORS), not reach the admin side."""

from __future__ import annotations

import pytest

ORIGIN = "https://newsroom.example"
SERIES = "/api/v1/observations?indicator=level&limit=2"


@pytest.mark.parametrize(
    "path",
    [SERIES, "/api/v1/releases", "/sdmx/data/DIGITAL_EXPORTS/A.level.exports.TOTAL._T.W1",
     "/downloads/R1/"],
)  # fmt: skip
def test_any_site_may_read_the_public_data(client, path):
    """A reviewer's newsroom page got no Access-Control-Allow-Origin: the browser hid the
    answer from it."""
    answer = client.get(path, headers={"Origin": ORIGIN})
    assert answer.status_code == 200
    assert answer.headers["access-control-allow-origin"] == "*"
    exposed = answer.headers["access-control-expose-headers"].lower()
    assert "etag" in exposed and "link" in exposed
    assert "access-control-allow-credentials" not in answer.headers


def test_a_get_may_be_preflighted_not_the_admin_side(client):
    ok = client.options(SERIES, headers={"Origin": ORIGIN, "Access-Control-Request-Method": "GET"})
    assert ok.status_code == 200 and ok.headers["access-control-allow-origin"] == "*"
    # the admin side: a POST, with its bearer token, from another site's page
    for method, header in (("POST", None), ("GET", "authorization")):
        asked = {"Origin": ORIGIN, "Access-Control-Request-Method": method}
        if header:
            asked["Access-Control-Request-Headers"] = header
        refused = client.options("/api/v1/admin/jobs", headers=asked)
        assert refused.status_code == 400, (method, refused.headers)
