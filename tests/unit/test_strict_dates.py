"""Dates of the settings and of the web's parameters are ``YYYY-MM-DD`` only, as the
command line's options are (:func:`marsad.dates.read_date`): pydantic read a Unix time
``1704067200`` as 2024-01-01, and ``20240101`` or Arabic-Indic digits as dates too."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from marsad.errors import BadArgument
from marsad.settings import get_settings
from tests.support import run
from tests.unit.release.test_release_ids_order import fake_release

ARABIC_INDIC = "\u0662\u0660\u0662\u0664-\u0660\u0661-\u0660\u0661"  # 2024-01-01
NOT_DATES = ["1704067200", "20240101", "2024-1-1", ARABIC_INDIC, "2024-01-01T00:00:00",
             "2024-02-30", " 2024-01-01", "2024-W01-1", ""]  # fmt: skip


def _why(value: str) -> str:
    """What the refusal says after the value: a right form naming no day is told so."""
    if value == "2024-02-30":
        return "is not a day of the calendar"
    return "is not a date: write YYYY-MM-DD (e.g. 2025-10-15)"


SETTINGS = ["MARSAD_MIN_VALUE_DATE", "MARSAD_MAX_VALUE_DATE", "MARSAD_RELEASE_DATE",
            "MARSAD_NEXT_RELEASE_DATE"]  # fmt: skip


@pytest.mark.parametrize("variable", SETTINGS)
@pytest.mark.parametrize("value", NOT_DATES)
def test_a_date_setting_that_is_no_calendar_date_is_refused(monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    with pytest.raises(BadArgument) as e:
        get_settings()
    assert str(e.value) == f"setting {variable}: {value!r} {_why(value)}"


@pytest.mark.parametrize("variable", SETTINGS)
def test_a_calendar_date_setting_is_read(monkeypatch, variable):
    monkeypatch.setenv(variable, "2024-02-29")
    assert getattr(get_settings(), variable.removeprefix("MARSAD_").lower()).isoformat() == (
        "2024-02-29"
    )


def test_a_command_says_the_setting_in_one_line(monkeypatch, tmp_path):
    monkeypatch.setenv("MARSAD_RELEASE_DATE", "1704067200")
    res = run("release", "list", "--warehouse", str(tmp_path / "w.duckdb"), code=2)
    assert res.stderr.strip().splitlines() == [
        "marsad: error: setting MARSAD_RELEASE_DATE: '1704067200' is not a date: write "
        "YYYY-MM-DD (e.g. 2025-10-15)"
    ]


@pytest.fixture
def client(tmp_path):
    from marsad.web.app import create_app

    root = tmp_path / "w" / "releases"
    fake_release(root, "R1", "2024-01-01", [])
    with TestClient(create_app(root.parent / "marsad.duckdb", root=root)) as c:
        yield c


SDMX = "/sdmx/v2/data/dataflow/MA/DIGITAL_EXPORTS/1.0/*"


@pytest.mark.parametrize("value", [v for v in NOT_DATES if v])
@pytest.mark.parametrize("path", ["/api/v1/observations", SDMX])
def test_an_as_of_that_is_no_calendar_date_is_a_400_naming_it(client, path, value):
    answer = client.get(path, params={"asOf": value})
    assert answer.status_code == 400, answer.text
    assert answer.json()["detail"] == f"asOf: {value!r} {_why(value)}"


def test_a_calendar_date_as_of_is_read_and_the_schema_says_date(client):
    for path in ("/api/v1/observations", SDMX):
        assert client.get(path, params={"asOf": "2024-01-01"}).status_code == 200
    found = client.get("/api/v1/openapi.json").json()
    params = found["paths"]["/api/v1/observations"]["get"]["parameters"]
    (as_of,) = [p for p in params if p["name"] == "asOf"]
    dates = [k for k in as_of["schema"]["anyOf"] if k.get("format") == "date"]
    assert [k["type"] for k in dates] == ["string"]


def test_a_release_request_s_date_is_a_calendar_date():
    from marsad.web.admin import ReleaseRequest

    assert ReleaseRequest(id="R2", date="2024-01-01").date.isoformat() == "2024-01-01"
    for value in (1704067200, "1704067200", "20240101"):
        with pytest.raises(ValidationError, match="is not a date: write YYYY-MM-DD"):
            ReleaseRequest(id="R2", date=value)
