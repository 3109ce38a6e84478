"""Property-based fuzzing of the whole app against its own OpenAPI schema (Schemathesis).

Every operation of ``/api/v1/openapi.json`` (the API, and whatever SDMX, downloads and
admin routes the schema documents) is called with generated requests, valid and not:
no answer is a server error, and each answer's status, content type and body are those
the schema declares. Bounded: a few examples per operation, no shrinking, and an app
whose answers hold at most :data:`MAX_ROWS` observations, so that a generated request
for a whole table is a quick 413 rather than seconds of SDMX-ML.

The admin rule is checked over the schema's operations, not a list of paths: every
operation under /api/v1/admin answers 401 without a token and 403 with a wrong one.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)

from marsad.web.app import API
from tests.web.conftest import TOKEN

CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
    # as a plain ``st run`` checks: a request valid by the schema is not refused (a 400
    # for partner=0, start after end, limit=50001 or an admin id ''), an invalid one is
    positive_data_acceptance,
    negative_data_rejection,
]
#: The checks where a 503 is meant (the release asked for cannot be served).
UNAVAILABLE_CHECKS = [c for c in CHECKS if c is not not_a_server_error]
ADMIN = f"{API}/admin"
#: The project's Schemathesis settings, as ``st run`` reads them from the root (413 is
#: an answer a valid request may get), named here so that the test does not depend on
#: the folder pytest runs from.
CONFIG = SchemathesisConfig.from_path(str(Path(__file__).parents[2] / "schemathesis.toml"))
#: Generated requests per operation (and as many invalid ones where it takes any).
EXAMPLES = 15


#: ``MARSAD_API_MAX_ROWS`` of the fuzzed app (the default, 50,000, holds the whole table).
MAX_ROWS = 500


@pytest.fixture(scope="module")
def api_schema(world):
    """The schema of an app like ``web_app`` (admin enabled) but capped at MAX_ROWS; the
    cap is read per request by SDMX, once per app by the API, so it stays set meanwhile."""
    from marsad.web.app import create_app

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MARSAD_API_MAX_ROWS", str(MAX_ROWS))
        app = create_app(world["warehouse"], root=world["root"], admin_token=TOKEN)
        yield schemathesis.openapi.from_asgi(f"{API}/openapi.json", app, config=CONFIG)


def _strategy(operation) -> st.SearchStrategy:
    """Valid requests of ``operation``, and invalid ones where it can have any."""
    found = [operation.as_strategy(GenerationMode.POSITIVE)]
    if operation.query or operation.path_parameters or operation.body:
        found.append(operation.as_strategy(GenerationMode.NEGATIVE))
    return st.one_of(found)


def _fuzz(operation, checks: list = CHECKS) -> None:
    @given(case=_strategy(operation))
    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck))  # fmt: skip
    def run(case) -> None:
        case.call_and_validate(checks=checks)

    run()


def test_every_operation_conforms(api_schema):
    """No 5xx; status, content type and body as the schema declares, for every operation
    the schema documents (iterated from the schema, not listed here).

    Schemathesis's pytest loader (``from_fixture``) fails on pytest 9.2 (it sets a node's
    ``_nodeid``), so each operation is fuzzed with its strategy under Hypothesis directly.
    """
    operations = [r.ok() for r in api_schema.get_all_operations()]
    assert len(operations) >= 8
    failed = []
    for operation in operations:
        try:
            _fuzz(operation)
        except Exception as exc:  # report every operation, not only the first
            failed.append(f"{operation.label}: {exc}")
    assert failed == [], "\n\n".join(failed)


def _admin_operations(api_schema) -> list:
    found = [r.ok() for r in api_schema.get_all_operations()]
    return [op for op in found if op.path.startswith(ADMIN)]


def test_admin_operations_need_the_token(api_schema):
    """Each admin operation: 401 without Authorization, 403 with a wrong bearer token."""
    operations = _admin_operations(api_schema)
    if not operations:
        pytest.skip("the schema documents no admin operation yet")
    for op in operations:
        params = {p.name: "x" for p in op.path_parameters}
        bare = op.Case(path_parameters=params, headers={}).call()
        assert bare.status_code == 401, (op.label, bare.text)
        wrong_token = {"Authorization": "Bearer not-the-token-0123456789"}
        wrong = op.Case(path_parameters=params, headers=wrong_token).call()
        assert wrong.status_code == 403, (op.label, wrong.text)


def test_the_schema_documents_the_api(api_schema):
    """Each API route has a tag, a summary, a description and declared answers."""
    raw = api_schema.raw_schema
    ops = [(path, op) for path, item in raw["paths"].items() if path.startswith(API)
           and not path.startswith(ADMIN) for op in item.values()]  # fmt: skip
    assert len(ops) >= 8
    for path, op in ops:
        assert op.get("tags") and op.get("summary") and op.get("description"), path
        assert "200" in op["responses"], path
    observations = raw["paths"][f"{API}/observations"]["get"]["responses"]
    assert {"400", "404", "413"} <= set(observations)
    assert "text/csv" in observations["200"]["content"]


@pytest.fixture(scope="module")
def unavailable_schema(tmp_path_factory):
    """An app over releases R1 and R2 with a later R3 whose manifest is damaged, and R0
    missing (R1 lists it): ``latest`` and many an ``asOf`` answer 503, an id R0 a 404."""
    from marsad.web.app import create_app
    from tests.unit.release.test_release_ids_order import fake_release

    root = tmp_path_factory.mktemp("unavailable") / "w" / "releases"
    fake_release(root, "R1", "2025-10-15", ["R0"])
    fake_release(root, "R2", "2025-11-15", ["R0", "R1"])
    fake_release(root, "R3", "2025-12-15", ["R0", "R1", "R2"])
    (root / "R3" / "manifest.json").write_text("{", encoding="utf-8")
    app = create_app(root.parent / "marsad.duckdb", root=root)
    yield schemathesis.openapi.from_asgi(f"{API}/openapi.json", app, config=CONFIG)


def test_every_operation_conforms_when_releases_are_unavailable(unavailable_schema):
    """The 503 of a release that cannot be served (``latest``, ``asOf``, an id), and the
    404 of a missing one, are answers the schema declares, as problem details (a 503
    is meant here: any other 5xx, being undeclared, fails the status check)."""
    operations = [r.ok() for r in unavailable_schema.get_all_operations()]
    failed = []
    for operation in operations:
        try:
            _fuzz(operation, UNAVAILABLE_CHECKS)
        except Exception as exc:  # report every operation, not only the first
            failed.append(f"{operation.label}: {exc}")
    assert failed == [], "\n\n".join(failed)
    latest = unavailable_schema[f"{API}/observations"]["GET"]
    answer = latest.Case(query={}).call_and_validate(checks=UNAVAILABLE_CHECKS)
    assert answer.status_code == 503 and "R3" in answer.json()["detail"]
