"""The admin side: token, background jobs (ingest, build, release), one at a time."""

from __future__ import annotations

import re
import shutil
import sys
import time

import pytest
from fastapi.testclient import TestClient

from marsad.release.store import make_writable
from tests.web.conftest import TOKEN

AUTH = {"Authorization": f"Bearer {TOKEN}"}


def test_admin_routes_need_the_token(client, world):
    from marsad.web.app import create_app

    assert client.post("/api/v1/admin/build").status_code == 401
    wrong = client.post(
        "/api/v1/admin/build", headers={"Authorization": "Bearer nope-nope-nope-nope"}
    )
    assert wrong.status_code == 403 and wrong.headers["content-type"] == "application/problem+json"
    assert (
        client.get("/api/v1/admin/jobs/j1", headers={"Authorization": "Bearer x"}).status_code
        == 403
    )
    off = TestClient(create_app(world["warehouse"], root=world["root"]))
    r = off.post("/api/v1/admin/build", headers=AUTH)
    assert r.status_code == 403 and "not enabled" in r.json()["detail"]


def test_openapi_documents_admin_with_the_bearer_scheme(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert "HTTPBearer" in schema["components"]["securitySchemes"]
    for path, method in (("/ingest", "post"), ("/build", "post"), ("/releases", "post"),
                         ("/jobs/{job_id}", "get")):  # fmt: skip
        op = schema["paths"][f"/api/v1/admin{path}"][method]
        assert op["security"] == [{"HTTPBearer": []}]
        assert {"401", "403"} <= set(op["responses"])


@pytest.fixture
def own(world, tmp_path):
    """A copy of the world's warehouse and releases, and an admin app over it."""
    from marsad.web.app import create_app

    folder = tmp_path / "w"
    shutil.copytree(world["warehouse"].parent, folder, ignore=shutil.ignore_patterns(".cache"))
    make_writable(folder / "releases")
    app = create_app(folder / "marsad.duckdb", root=folder / "releases", admin_token=TOKEN)
    with TestClient(app) as c:
        yield {"client": c, "folder": folder, "app": app}
    make_writable(folder / "releases")


def _wait(c: TestClient, url: str, seconds: float = 120) -> dict:
    deadline = time.monotonic() + seconds
    while True:
        job = c.get(url, headers=AUTH).json()
        if job["state"] != "running" or time.monotonic() > deadline:
            return job
        time.sleep(0.2)


def test_uploaded_files_are_saved_beside_the_warehouse_and_ingested(own, world):
    c = own["client"]
    content = (world["data"] / "rates.csv").read_bytes()
    r = c.post("/api/v1/admin/ingest?kind=rates", headers=AUTH,
               files=[("files", ("../../rates.csv", content, "text/csv"))])  # fmt: skip
    assert r.status_code == 202, r.text
    assert r.headers["location"] == r.json()["url"]
    job = _wait(c, r.json()["url"])
    assert job["state"] == "succeeded" and job["exit_code"] == 0, job
    assert job["command"].startswith("marsad ingest --kind rates")
    saved = list((own["folder"] / "uploads").glob("*/rates.csv"))
    assert len(saved) == 1 and saved[0].read_bytes() == content
    assert TOKEN not in "\n".join(job["output"])


def test_a_second_job_while_one_runs_is_refused(own, monkeypatch):
    from marsad.web import jobs

    sleep = [sys.executable, "-c", "import time; time.sleep(2)"]
    monkeypatch.setattr(jobs.Jobs, "command", lambda self, *a: sleep)
    c = own["client"]
    first = c.post("/api/v1/admin/build", headers=AUTH)
    assert first.status_code == 202 and first.json()["state"] == "running"
    busy = c.post("/api/v1/admin/build", headers=AUTH)
    assert busy.status_code == 409 and busy.headers["content-type"] == "application/problem+json"
    assert first.json()["id"] in busy.json()["detail"]
    upload = c.post("/api/v1/admin/ingest?kind=firms", headers=AUTH,
                    files=[("files", ("f.csv", b"x", "text/csv"))])  # fmt: skip
    assert upload.status_code == 409 and not (own["folder"] / "uploads").exists()
    assert _wait(c, first.json()["url"])["state"] == "succeeded"
    assert c.post("/api/v1/admin/build", headers=AUTH).status_code == 202


def test_a_failing_command_is_a_failed_job_with_its_output(own):
    c = own["client"]
    r = c.post("/api/v1/admin/releases", headers=AUTH,
               json={"id": "R0", "date": "2025-01-01", "note": "too early"})  # fmt: skip
    assert r.status_code == 202
    job = _wait(c, r.json()["url"])
    assert job["state"] == "failed" and job["exit_code"] == 1
    assert any("would come before release R2" in line for line in job["output"])
    assert not any("Traceback" in line for line in job["output"])
    assert job["command"].startswith("marsad release create --id R0 --date 2025-01-01 ")
    assert "--note 'too early' --warehouse " in job["command"]


def test_an_existing_release_id_is_refused_at_once_with_409(own, monkeypatch):
    """Symptom: ``POST /admin/releases`` with an id already used answered 202 and started
    a job that failed later; it is now refused before any job starts."""
    from marsad.web import jobs

    monkeypatch.setattr(jobs.Jobs, "start", lambda *a: pytest.fail("a job was started"))
    r = own["client"].post("/api/v1/admin/releases", headers=AUTH, json={"id": "R1"})
    assert r.status_code == 409 and r.headers["content-type"] == "application/problem+json"
    assert "release R1 exists already" in r.json()["detail"]


def test_admin_is_out_of_the_schema_when_off_but_still_refused(world):
    """Symptom: the public schema listed the admin operations of a server whose admin
    side is off."""
    from marsad.web.app import create_app

    with TestClient(create_app(world["warehouse"], root=world["root"])) as off:
        paths = off.get("/api/v1/openapi.json").json()["paths"]
        assert paths and not [p for p in paths if p.startswith("/api/v1/admin")]
        assert off.post("/api/v1/admin/build", headers=AUTH).status_code == 403
        assert off.get("/api/v1/admin/jobs/j1", headers=AUTH).status_code == 403


def test_bad_requests_are_refused_before_any_job(own):
    c = own["client"]
    assert c.post("/api/v1/admin/releases", headers=AUTH, json={"id": "../x"}).status_code == 400
    assert c.post("/api/v1/admin/releases", headers=AUTH,
                  json={"id": "R3", "date": "someday"}).status_code == 400  # fmt: skip
    assert c.post("/api/v1/admin/ingest?kind=gossip", headers=AUTH,
                  files=[("files", ("f.csv", b"x", "text/csv"))]).status_code == 400  # fmt: skip
    assert c.get("/api/v1/admin/jobs/nope", headers=AUTH).status_code == 404


def test_a_release_made_by_the_admin_is_served_at_once(own):
    c = own["client"]
    r = c.post("/api/v1/admin/releases", headers=AUTH,
               json={"id": "R3", "date": "2025-12-01", "note": "from the admin"})  # fmt: skip
    job = _wait(c, r.json()["url"], seconds=300)
    assert job["state"] == "succeeded", job["output"]
    assert (own["folder"] / "releases" / "R3" / "manifest.json").is_file()
    listing = c.get("/downloads/latest/").json()
    assert listing["release"]["id"] == "R3" and listing["release"]["note"] == "from the admin"
    public = c.get("/downloads/latest/indicators.csv")
    assert public.status_code == 200 and b"R3" in public.content.splitlines()[1]


def test_job_output_is_never_public(own):
    paths = own["client"].get("/api/v1/openapi.json").json()["paths"]
    assert all(p.startswith("/api/v1/admin") for p in paths if "jobs" in p)
    assert all(p.startswith("/api/v1/admin") or "admin" not in str(paths[p]) for p in paths)


def test_latest_and_a_case_twin_are_refused_before_any_job(client, monkeypatch):
    """Symptom: ``POST /admin/releases`` accepted the id ``latest`` (which names the
    newest release) and ``r1`` beside ``R1`` (the same folder on a case-insensitive disk).
    Both are names taken (409); ``latest`` was a 400, though valid by the schema."""
    from marsad.web import jobs

    monkeypatch.setattr(jobs.Jobs, "start", lambda *a: pytest.fail("a job was started"))
    reserved = client.post("/api/v1/admin/releases", headers=AUTH, json={"id": "Latest"})
    assert reserved.status_code == 409, reserved.text
    assert "latest names the newest release" in reserved.json()["detail"]
    device = client.post("/api/v1/admin/releases", headers=AUTH, json={"id": "con.1"})
    assert device.status_code == 409 and "for a device" in device.json()["detail"]
    twin = client.post("/api/v1/admin/releases", headers=AUTH, json={"id": "r1"})
    assert twin.status_code == 409 and twin.headers["content-type"] == "application/problem+json"
    assert "release R1 exists already, and r1 differs from it only by case" in twin.json()["detail"]
    assert "/" not in twin.json()["detail"]


@pytest.mark.parametrize("wrong", ["", "R3.", "-R3", "2025 S1", "é", "R" * 65])
def test_an_id_of_another_form_is_a_400_the_schema_states(client, monkeypatch, wrong):
    """``{"id": ""}`` was valid by the schema and a 400 (``st run``): the schema has the
    pattern the server holds to, and an id outside it is a 400 naming the field."""
    import re

    from marsad.web import jobs

    monkeypatch.setattr(jobs.Jobs, "start", lambda *a: pytest.fail("a job was started"))
    schema = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    pattern = schema["ReleaseRequest"]["properties"]["id"]["pattern"]
    assert not re.fullmatch(pattern, wrong) and re.fullmatch(pattern, "2025-S1.v2")
    answer = client.post("/api/v1/admin/releases", headers=AUTH, json={"id": wrong})
    assert answer.status_code == 400 and "id" in answer.json()["detail"], answer.text


def _decimal_comma_file(world, path) -> tuple:
    """A transactions file of one new record of the world's first month, its amount
    written ``1.500,00`` (decimal comma, ``;`` separated); and its record id."""
    import csv

    month = sorted((world["data"] / "transactions").glob("*.csv"))[0]
    with month.open(newline="") as f:
        header, first = list(csv.reader(f))[:2]
    first[header.index("record_id")] = "WEBDEC0001"
    first[header.index("amount")] = "1.500,00"
    with path.open("w", newline="") as f:
        csv.writer(f, delimiter=";").writerows([header, first])
    return path.read_bytes(), "WEBDEC0001"


def test_an_upload_states_the_read_options_of_marsad_ingest(own, world, tmp_path):
    """Symptom: the upload could state no read option, yet its failed job told the admin
    to "state --decimal ," (an option of the command line only): a decimal-comma file
    of a reporter known to write '.' could not be loaded from the web."""
    from marsad.engine.warehouse import Warehouse

    c = own["client"]
    content, record = _decimal_comma_file(world, tmp_path / "fr.csv")
    files = [("files", ("fr.csv", content, "text/csv"))]
    refused = _wait(c, c.post("/api/v1/admin/ingest?kind=transactions", headers=AUTH,
                              files=files).json()["url"])  # fmt: skip
    said = "\n".join(refused["output"])
    assert refused["state"] == "failed", said
    assert "state decimal=, to read this file" in said and "state --decimal" not in said
    assert "marsad reporters set" in said  # a command of the server's, left as it is
    r = c.post("/api/v1/admin/ingest?kind=transactions&decimal=comma&sep=semicolon",
               headers=AUTH, files=files)  # fmt: skip
    assert r.status_code == 202, r.text
    job = _wait(c, r.json()["url"])
    assert job["state"] == "succeeded", job["output"]
    assert job["command"].startswith(
        "marsad ingest --kind transactions --decimal=comma --sep=semicolon "
    )
    wh = Warehouse(own["folder"] / "marsad.duckdb")
    try:
        amount = wh.scalar("SELECT amount FROM transactions WHERE record_id = ?", [record])
    finally:
        wh.close()
    assert amount == 1500  # not 1.5


@pytest.mark.parametrize(
    ("query", "said"),
    [("decimal=;", "decimal: ';' is not one of '.', ',', 'point', 'period', 'dot' or 'comma'"),
     ("decimal=semicolon", "decimal: 'semicolon' is not one of '.', ','"),
     ("sep=ab", "sep 'ab' cannot separate fields"),
     ("sep=x", "sep 'x' cannot separate fields"),
     ("encoding=nope", "encoding 'nope' is not an encoding"),
     ("encoding=base64", "encoding 'base64' is not an encoding"),
     ("date_format=%25Q", "date_format='%Q' does not give a whole date"),
     ("date_format=dd/mm/yyyy", "date_format 'dd/mm/yyyy' does not give a whole date"),
     ("date_format=%C2%9D%25-%F1%84%93%A9", "does not give a whole date"),  # not a 500
     ("map=Montant%3Dnope", "map='Montant=nope': 'nope' is not a column marsad reads"),
     ("map=Montant", "map wants NAME=field"),
     ("map=a%3Damount&map=b", "map wants NAME=field, e.g. Record ID=record_id, not 'b'"),
     ("sheet=", "sheet is empty"),
     ("decimal=,&decimal=.", "decimal is given 2 times"),
     ("decmal=,", "unknown parameter 'decmal'")],
)  # fmt: skip
def test_a_bad_read_option_is_refused_before_any_file_is_saved(own, monkeypatch, query, said):
    """A read option the command line would refuse is a 400 problem at once, in the
    upload's words (``sep``, not ``--sep``), before a file is saved or a job started."""
    from marsad.web import jobs

    monkeypatch.setattr(jobs.Jobs, "start", lambda *a, **k: pytest.fail("a job was started"))
    r = own["client"].post(f"/api/v1/admin/ingest?kind=transactions&{query}", headers=AUTH,
                           files=[("files", ("f.csv", b"x", "text/csv"))])  # fmt: skip
    assert r.status_code == 400 and r.headers["content-type"] == "application/problem+json"
    assert said in r.json()["detail"], r.json()
    assert "--" not in r.json()["detail"]
    assert not (own["folder"] / "uploads").exists()


def test_the_schema_gives_the_read_options_their_enum_and_patterns(client):
    schema = client.get("/api/v1/openapi.json").json()
    op = schema["paths"]["/api/v1/admin/ingest"]["post"]
    found = {p["name"]: p["schema"].get("anyOf", [p["schema"]])[0] for p in op["parameters"]}
    assert set(found) == {"kind", "decimal", "sep", "encoding", "sheet", "date_format", "map"}
    assert found["decimal"]["enum"] == [".", ",", "point", "period", "dot", "comma"]
    for sep in ("comma", "semicolon", "tab", "pipe", "space", "colon", ";", "|"):
        assert re.fullmatch(found["sep"]["pattern"], sep), sep
    assert all(found[n]["pattern"] for n in ("sep", "encoding", "date_format"))
    assert found["map"]["type"] == "array" and found["map"]["items"]["pattern"]


def test_an_upload_of_no_file_is_refused_as_the_schema_says(client):
    """An upload with an empty ``files`` list was valid by the schema (an array, no
    ``minItems``) and a 400 (``st run``): the schema asks for one file at least."""
    schema = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    body = next(s for name, s in schema.items() if name.startswith("Body_ingest"))
    assert body["properties"]["files"]["minItems"] == 1 and body["required"] == ["files"]
    answer = client.post("/api/v1/admin/ingest?kind=transactions", headers=AUTH,
                         files={"other": ("x.csv", b"a,b\n")})  # fmt: skip
    assert answer.status_code == 400 and "files" in answer.json()["detail"], answer.text


_ONE = ("f.csv", b"x")


@pytest.mark.parametrize(
    ("path", "kwargs"),
    [
        ("/api/v1/admin/ingest?kind=firms&map=Firm%00X%3Dfirm_id", {"files": {"files": _ONE}}),
        ("/api/v1/admin/ingest?kind=firms&sheet=a%00b", {"files": {"files": _ONE}}),
        ("/api/v1/admin/releases", {"json": {"id": "nul-test-1", "note": "a\u0000b"}}),
    ],
)  # fmt: skip
def test_a_nul_in_an_argument_is_a_400_before_any_job(client, monkeypatch, path, kwargs):
    """A reviewer's ``map=Firm%00X=firm_id`` was a 202, and its job ran for ever
    (``Popen`` raised ValueError in the runner's thread): every later job was a 409 until
    the server restarted. A NUL is refused first, as the schema now says."""
    from marsad.web import jobs

    monkeypatch.setattr(jobs.Jobs, "start", lambda *a, **k: pytest.fail("a job was started"))
    answer = client.post(path, headers=AUTH, **kwargs)
    assert answer.status_code == 400, answer.text


def test_a_job_that_cannot_start_fails_and_frees_the_runner(tmp_path):
    """Whatever the runner meets (here an argument holding a NUL), the job ends failed
    and the next one may start: it stayed running, and every later request a 409."""
    runner = jobs_for(tmp_path)
    job = runner.start("build", ["build", "bad\x00arg"])
    deadline = time.monotonic() + 30
    while runner.busy() and time.monotonic() < deadline:
        time.sleep(0.05)
    found = runner.get(job.id)
    assert found["state"] == "failed" and found["exit_code"] == 127, found
    assert "cannot start marsad" in found["output"][-1]
    assert not runner.busy()


def jobs_for(tmp_path):
    from marsad.web.jobs import Jobs

    return Jobs(tmp_path / "marsad.duckdb", tmp_path / "releases")


def test_an_upload_mapping_a_column_to_its_own_field_is_the_same_reading(own, tmp_path):
    """map=reporter=reporter of a file uploaded before without a map was refused as
    "another column mapping", though it renames nothing (so was REPORTER in capitals)."""
    from tests.unit.ingest.conftest import tx, write_csv

    content = write_csv(tmp_path / "t.csv", [tx("RMAP1", reporter="BK01")]).read_bytes()
    files = [("files", ("t.csv", content, "text/csv"))]
    c = own["client"]
    for query in ("", "&map=reporter%3Dreporter", "&map=Reporter%3DREPORTER"):
        r = c.post(f"/api/v1/admin/ingest?kind=transactions{query}", headers=AUTH, files=files)
        assert r.status_code == 202, r.text
        job = _wait(c, r.json()["url"])
        said = "\n".join(job["output"])
        assert job["state"] == "succeeded", said
        assert ("already loaded" in said) == bool(query), said
