"""The OpenAPI schema says what the server checks of a parameter, so that a request the
schema calls valid is not refused with a 400 (Schemathesis's ``positive_data_acceptance``,
run by a plain ``st run``).

Symptom: ``st run http://…/api/v1/openapi.json`` reported "Schema-valid request
rejected" on 21 operations: a release id of any characters (``/downloads/ç/``,
``/api/v1/releases/%EE…``) and an empty query parameter (``?release=``, ``?format=``)
were valid by the schema and a 400 by the server.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from marsad.release.store import ID_PATTERN
from marsad.web.app import API, create_app

#: Operations whose parameters are only release ids and free strings: any valid
#: request is answered (404 here: the app has no release), never refused.
OPERATIONS = (
    f"GET {API}/releases/{{release_id}}",
    "GET /downloads/{release}/",
    "GET /sdmx/codelist/{agency}/{rid}/{version}",
    "GET /sdmx/v2/structure/datastructure/{agency}/{rid}/{version}",
)


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    base = tmp_path_factory.mktemp("schema")
    return create_app(base / "marsad.duckdb", root=base / "releases")


@pytest.fixture(scope="module")
def api_schema(app):
    return schemathesis.openapi.from_asgi(f"{API}/openapi.json", app)


def _parameters(app) -> list[tuple[str, dict]]:
    found = []
    for item in app.openapi()["paths"].values():
        for operation in item.values():
            found += [(p["name"], p) for p in operation.get("parameters", [])]
    return found


def _strings(schema: dict) -> list[dict]:
    kinds = [schema, *schema.get("anyOf", [])]
    return [k for k in kinds if k.get("type") == "string"]


def test_no_query_parameter_is_valid_empty(app):
    """The server refuses every empty query parameter (``segment=``): the schema says so."""
    loose = [name for name, p in _parameters(app) if p["in"] == "query"
             for k in _strings(p["schema"]) if not k.get("minLength")]  # fmt: skip
    assert loose == []


def test_a_release_is_an_id_in_the_schema(app):
    releases = [p for name, p in _parameters(app) if name in ("release", "release_id")]
    assert len(releases) > 10
    for p in releases:
        assert {k.get("pattern") for k in _strings(p["schema"])} == {ID_PATTERN}, p


@pytest.mark.parametrize("label", OPERATIONS)
def test_a_request_valid_by_the_schema_is_not_refused(api_schema, label):
    operation = api_schema[label.split(" ")[1]]["GET"]

    @given(case=operation.as_strategy(GenerationMode.POSITIVE))
    @settings(max_examples=25, deadline=None, database=None,
              phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck))  # fmt: skip
    def run(case) -> None:
        case.call_and_validate(checks=[positive_data_acceptance])

    run()


def test_a_period_is_a_period_in_the_schema(app):
    """``end=00`` was valid by the schema and a 400 (``st run``'s one failure left on the
    demo): the schema's pattern admits only what the server reads as a period."""
    import re

    from hypothesis import strategies as st

    from marsad.periods import Period
    from marsad.web.app import PERIOD_PATTERN

    periods = [p for name, p in _parameters(app) if name in ("start", "end")]
    assert len(periods) >= 2
    for p in periods:
        assert {k.get("pattern") for k in _strings(p["schema"])} == {PERIOD_PATTERN}, p

    @given(st.from_regex(PERIOD_PATTERN, fullmatch=True))
    @settings(max_examples=200, deadline=None, database=None)
    def every_match_is_read(text: str) -> None:
        assert str(Period.typed(text)).upper() == text.upper()

    every_match_is_read()
    for bad in ("00", "2025-H1", "2025-13", "2025-Q5", "٢٠٢٥", "2025-1"):
        assert not re.fullmatch(PERIOD_PATTERN, bad), bad
