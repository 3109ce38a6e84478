"""The admin token: vetted before the server starts; 401 without it, 403 when wrong."""

from __future__ import annotations

import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient

from marsad.errors import BadArgument
from marsad.web import problems
from marsad.web.auth import check_token, require_admin

GOOD = "k3J9-xQ2m-Vb7r-Ls8p-Tw4n"


@pytest.mark.parametrize(
    "token",
    ["", "   ", None, "changeme", "CHANGEME-please-12345", "your-token-here-1234",
     "aaaaaaaaaaaaaaaaaaaaaaaa", "short-9xQ", "my-secret-password-2024",
     "insert-a-long-random-secret-here", "token-token-token-token", "xxxx-xxxx-xxxx-xxxx"],
)  # fmt: skip
def test_a_weak_token_is_refused_without_being_shown(token):
    with pytest.raises(BadArgument, match="MARSAD_ADMIN_TOKEN") as caught:
        check_token(token)
    if token and token.strip():
        assert token not in str(caught.value)


def test_a_real_secret_is_accepted():
    assert check_token(f"  {GOOD} ") == GOOD


@pytest.mark.parametrize(
    "token",
    ["s32r-token-0123456789abcdef", "marsad-admin-k3J9xQ2mVb7rLs8p",
     "9f1c2b7a41234e5d8c6b0a3f7e2d1c4b"],
)  # fmt: skip
def test_a_secret_holding_a_placeholder_word_is_accepted(token):
    """Symptom: ``s32r-token-0123456789abcdef`` (27 characters) was refused as a
    placeholder because it holds ``token``; so was a random hex secret holding ``1234``,
    and any secret behind a prefix such as ``marsad-admin-``. A placeholder word now
    refuses a token only when too little else is left."""
    assert check_token(token) == token


def _app(token: str | None) -> TestClient:
    app = FastAPI()
    app.state.admin_token = token
    problems.install(app)

    @app.post("/admin", dependencies=[Depends(require_admin)])
    def admin() -> dict:
        return {"ok": True}

    return TestClient(app)


def test_missing_wrong_and_right_token():
    client = _app(GOOD)
    missing = client.post("/admin")
    assert missing.status_code == 401 and missing.headers["www-authenticate"] == "Bearer"
    assert missing.headers["content-type"] == "application/problem+json"
    wrong = client.post("/admin", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 403 and wrong.json()["title"] == "Forbidden"
    assert GOOD not in wrong.text
    assert client.post("/admin", headers={"Authorization": f"Bearer {GOOD}"}).json() == {"ok": True}


def test_admin_off_refuses_every_request():
    client = _app(None)
    refused = client.post("/admin", headers={"Authorization": f"Bearer {GOOD}"})
    assert refused.status_code == 403 and "not enabled" in refused.json()["detail"]


def test_admin_off_tells_the_public_no_setting_or_command():
    """The 403 told anyone how to turn the admin side on ("start it with marsad serve
    --admin and MARSAD_ADMIN_TOKEN"): the operator's advice, in docs/web.md only."""
    detail = _app(None).post("/admin").json()["detail"]
    assert detail == "the admin side is not enabled on this server"


def test_a_bug_is_a_plain_500_without_internals():
    app = FastAPI()
    problems.install(app)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internals /srv/x")

    answer = TestClient(app, raise_server_exceptions=False).get("/boom")
    assert answer.status_code == 500 and "secret" not in answer.text
    assert answer.json()["detail"].startswith("internal error")
