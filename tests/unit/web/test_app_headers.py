"""What the app answers around the data: problem titles, the ``/`` redirect, and the
caching headers of the schema, the docs and the static assets (no release needed)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI, HTTPException
from fastapi.testclient import TestClient

from marsad.web import problems
from marsad.web.app import create_app, preferred_lang
from marsad.web.problems import Problem


@pytest.fixture(scope="module")
def client(tmp_path_factory) -> Iterator[TestClient]:
    base = tmp_path_factory.mktemp("app")
    with TestClient(create_app(base / "marsad.duckdb", root=base / "releases")) as c:
        yield c


@pytest.mark.parametrize(
    ("status", "title"),
    [(413, "Content Too Large"), (422, "Unprocessable Content"), (414, "URI Too Long"),
     (416, "Range Not Satisfiable"), (400, "Bad Request"), (404, "Not Found")],
)  # fmt: skip
def test_problem_titles_are_rfc_9110_phrases(status, title):
    """Symptom: a 413 problem's title read "Request Entity Too Large" (Python's old
    phrase), 422 "Unprocessable Entity"."""
    assert Problem(status, "x").body()["title"] == title
    # the schema's description: the phrase, then what it means here when said (404, 503)
    said = problems.problem_responses(status)[status]["description"]
    assert said == title or said.startswith(f"{title}: ")


def test_an_http_exception_gets_the_rfc_9110_title_and_detail():
    app = FastAPI()
    problems.install(app)

    @app.get("/big")
    def big() -> None:
        raise HTTPException(413)

    answer = TestClient(app).get("/big")
    assert answer.status_code == 413
    assert answer.json()["title"] == answer.json()["detail"] == "Content Too Large"


def test_the_schema_documents_413_with_its_rfc_9110_name(client):
    schema = client.get("/api/v1/openapi.json").json()
    responses = schema["paths"]["/api/v1/observations"]["get"]["responses"]
    assert responses["413"]["description"] == "Content Too Large"


@pytest.mark.parametrize(
    ("accept_language", "lang"),
    [("fr;q=0, en;q=0.5", "en"), ("en;q=0.2, ar;q=0.9", "ar"), ("ar-MA, fr;q=0.9", "ar"),
     ("en-GB;q=0.1, en;q=0.7, fr;q=0.6", "en"), ("en-GB;q=0.8, en;q=0", "fr"),
     ("de, en;q=0.1", "en"), ("de", "fr"), ("", "fr"), ("*", "fr"), ("*, fr;q=0", "en"),
     ("en;q=oops, ar;q=0.3", "ar"), ("fr, en", "fr"), ("en, fr", "en")],
)  # fmt: skip
def test_the_preferred_language_honours_q_values(accept_language, lang):
    assert preferred_lang(accept_language) == lang


def test_root_redirects_by_q_values_and_varies_on_accept_language(client):
    """Symptom: ``Accept-Language: fr;q=0, en;q=0.5`` was sent to /fr/ (the q-values were
    ignored), and the redirect had no ``Vary: Accept-Language`` for caches."""
    answer = client.get("/", headers={"Accept-Language": "fr;q=0, en;q=0.5"},
                        follow_redirects=False)  # fmt: skip
    assert answer.status_code == 307 and answer.headers["location"] == "/en/"
    assert "Accept-Language" in answer.headers["vary"]


@pytest.mark.parametrize(
    ("path", "kind"),
    [("/api/v1/openapi.json", "application/json"), ("/api/v1/docs", "text/html")],
)
def test_the_schema_and_the_docs_carry_an_etag_and_revalidate(client, path, kind):
    """Symptom: ``/api/v1/openapi.json`` and ``/api/v1/docs`` had no ETag and no
    Cache-Control, unlike every other read."""
    answer = client.get(path)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith(kind)
    assert answer.headers["cache-control"] == "public, max-age=60, must-revalidate"
    tag = answer.headers["etag"]
    assert tag.startswith('"') and client.get(path).headers["etag"] == tag
    again = client.get(path, headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == tag
    head = client.head(path)
    assert head.status_code == 200 and head.headers["etag"] == tag and head.content == b""


def test_the_schema_is_still_the_api_schema(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["info"]["title"] == "marsad" and "/api/v1/observations" in schema["paths"]
    assert "/api/v1/openapi.json" not in schema["paths"]
    assert "/api/v1/openapi.json" in client.get("/api/v1/docs").text


@pytest.mark.parametrize("path", ["/static/marsad.css", "/static/docs/swagger-ui.css"])
def test_static_assets_are_cached_for_an_hour(client, path):
    """Symptom: ``/static/*`` had an ETag but no Cache-Control."""
    answer = client.get(path)
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "public, max-age=3600"
    again = client.get(path, headers={"If-None-Match": answer.headers["etag"]})
    assert again.status_code == 304 and again.headers["cache-control"] == "public, max-age=3600"
    assert client.get("/static/nothing.css").status_code == 404
