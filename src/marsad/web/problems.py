"""Errors as RFC 9457 problem details (``application/problem+json``).

Every error of the API, the SDMX endpoints and the downloads is one JSON object with
``type``, ``title``, ``status`` and ``detail`` (a plain sentence saying what to change),
and ``instance`` (the path asked). A bug answers 500 with a detail that shows nothing of
the server (the traceback goes to the server's log only).

>>> Problem(404, "no release 'R9'").body()["title"]
'Not Found'
"""

from __future__ import annotations

import contextlib
import logging
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from marsad.errors import BadArgument, MarsadError, quoted

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
#: RFC 9110 reason phrases where Python's :class:`~http.HTTPStatus` still has older ones.
RFC9110_TITLES = {
    413: "Content Too Large",
    414: "URI Too Long",
    416: "Range Not Satisfiable",
    422: "Unprocessable Content",
}


def title(status: int) -> str:
    """The RFC 9110 reason phrase of ``status`` (a problem's ``title``).

    >>> title(413), title(422), title(404)
    ('Content Too Large', 'Unprocessable Content', 'Not Found')
    """
    return RFC9110_TITLES.get(status) or HTTPStatus(status).phrase


class ProblemModel(BaseModel):
    """An RFC 9457 problem (e.g. status 404, detail ``no release 'R9'``)."""

    type: str = Field("about:blank", description="A URI naming the kind of problem.")
    title: str = Field(description="The HTTP status phrase (e.g. Not Found).")
    status: int = Field(description="The HTTP status code (e.g. 404).")
    detail: str = Field(description="What went wrong and how to fix it, in one sentence.")
    instance: str | None = Field(None, description="The path that was asked.")


#: What a status means where a release is read, as the schema documents it: a release
#: never published is a 404; one published that the server cannot serve for the moment
#: (damaged, or missing from the archive), named by id or selected by ``latest`` or
#: ``asOf``, a 503 with ``Retry-After`` (:meth:`marsad.web.store.PublicStore.find`).
MEANINGS = {
    404: "Not Found: no such release (none of that id was ever published here, or none "
    "on or before asOf), or a code, path or query that names or matches nothing.",
    503: "Service Unavailable: a release that was published cannot be served for the "
    "moment (damaged, or missing from the server's archive), whether named by id or "
    "selected by latest or asOf; ask again after Retry-After seconds.",
}
#: The header of every 503: seconds to wait (the office restores the release).
RETRY_HEADER = {
    "Retry-After": {
        "description": "Seconds to wait before asking again (e.g. 3600).",
        "schema": {"type": "integer"},
    }
}


def problem_responses(*statuses: int, release: bool = True) -> dict[int | str, dict]:
    """OpenAPI ``responses`` documenting problem answers for ``statuses`` (e.g. 400, 404):
    each with its meaning on a route that reads a release (:data:`MEANINGS`; ``release``
    false, e.g. an admin job: the status phrase only), a 503 with its ``Retry-After``
    header.

    >>> found = problem_responses(404, 503)
    >>> found[404]["description"][:30], list(found[503]["headers"])
    ('Not Found: no such release (no', ['Retry-After'])
    >>> problem_responses(404, release=False)[404]["description"]
    'Not Found'
    """
    found: dict[int | str, dict] = {}
    for s in statuses:
        found[s] = {
            "model": ProblemModel,
            "description": MEANINGS.get(s, title(s)) if release else title(s),
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/ProblemModel"}}},
        }
        if s == 503:
            found[s]["headers"] = RETRY_HEADER
    return found


class Problem(Exception):
    """An error answered as problem details (e.g. ``Problem(413, "too many rows")``)."""

    def __init__(self, status: int, detail: str, *, headers: dict[str, str] | None = None):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = headers or {}

    def body(self, instance: str | None = None) -> dict:
        return {
            "type": "about:blank",
            "title": title(self.status),
            "status": self.status,
            "detail": self.detail,
            "instance": instance,
        }

    def response(self, request: Request | None = None) -> Response:
        instance = request.url.path if request is not None else None
        return JSONResponse(
            self.body(instance), self.status, headers=self.headers, media_type=PROBLEM_JSON
        )


#: Seconds a client is asked to wait (``Retry-After``) before asking again for a release
#: that cannot be served for the moment: time for the office to restore it.
RETRY_AFTER = 3600


def status_of(exc: MarsadError) -> int:
    """The HTTP status of a user error: 404 for a release (never published), a code the
    release does not have or a period range that holds none, 400 for any other bad
    argument, 503 for a release published that cannot be served (damaged or missing on
    the server, named by id or selected by ``latest``/``asOf``: :func:`unavailable`),
    409 for a state that forbids it (e.g. a lock)."""
    from marsad.web.store import NoMatch, NoRelease

    if isinstance(exc, NoRelease | NoMatch):
        return 404
    if isinstance(exc, BadArgument):
        return 400
    if unavailable(exc, logged=False) is not None:
        return 503
    return 409


def unavailable(exc: Exception, *, logged: bool = True) -> str | None:
    """The public sentence of a release that cannot be served (e.g. ``release R1 is
    unavailable for the moment on this server: try again later``), its fault, which
    says what the office must do (restore it from its backup, see ``marsad release
    verify``), written to the server's log only (``logged``); ``None`` for any other
    error. The public never reads the operator's advice nor a file of the server."""
    from marsad.release.store import DamagedRelease
    from marsad.web.unavailable import ReleaseUnavailable

    if isinstance(exc, ReleaseUnavailable):
        for fault in exc.faults if logged else ():
            log.error("release not served: %s", fault)
        return str(exc)
    if isinstance(exc, DamagedRelease):
        if logged:
            log.error("release not served: %s", exc)
        return (f"release {exc.release or 'asked for'} is unavailable for the moment on this "
                "server: try again later")  # fmt: skip
    return None


def problem_of(exc: MarsadError) -> Problem:
    """The problem answering a user error: a release that cannot be served is a 503 with
    ``Retry-After`` and a plain sentence (:func:`unavailable`); any other its message."""
    said = unavailable(exc)
    if said is not None:
        return Problem(503, said, headers={"Retry-After": str(RETRY_AFTER)})
    return Problem(status_of(exc), str(exc))


def install(app: FastAPI) -> None:
    """Answer every error of ``app`` as problem details."""

    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> Response:
        return exc.response(request)

    @app.exception_handler(MarsadError)
    async def _marsad(request: Request, exc: MarsadError) -> Response:
        return problem_of(exc).response(request)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        return Problem(400, _validation_detail(exc)).response(request)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        detail = exc.detail if isinstance(exc.detail, str) else ""
        if detail in ("", _old_phrase(exc.status_code)):  # Starlette's default detail
            detail = title(exc.status_code)
        return Problem(exc.status_code, detail, headers=exc.headers).response(request)

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> Response:
        log.exception("bug answering %s", request.url.path)
        return Problem(500, "internal error: the server's log has the details").response(request)


def _old_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


#: marsad's words for pydantic's usual errors (its own were "Input should be greater
#: than or equal to 1", "Input should be 'json' or 'csv'": a reviewer's), by error type.
_WORDED = {
    "greater_than_equal": "{shown} is less than {ge}: give {ge} or more",
    "greater_than": "{shown} is not more than {gt}: give more",
    "less_than_equal": "{shown} is more than {le}: give {le} or less",
    "less_than": "{shown} is not less than {lt}: give less",
    "literal_error": "{shown} is not one of {expected}",
    "enum": "{shown} is not one of {expected}",
    "missing": "it is required",
}


def _validation_detail(exc: RequestValidationError) -> str:
    """One plain sentence from the first validation error (e.g. ``limit: '0' is less
    than 1: give 1 or more``), quoting only a query parameter's value (never a body's or
    a header's: an admin token)."""
    errors = exc.errors()
    if not errors:
        return "the request is not valid"
    first = errors[0]
    loc = tuple(first.get("loc", ()))
    where = ".".join(str(x) for x in loc if x not in ("query", "body", "path"))
    said = str(first.get("msg", "not valid")).removeprefix("Value error, ")  # ours: plain
    worded = _WORDED.get(str(first.get("type")))
    if worded is not None:
        given = first.get("input")
        shown = quoted(str(given)) if loc[:1] == ("query",) and given is not None else "the value"
        with contextlib.suppress(KeyError, IndexError):  # (a context without those fields)
            said = worded.format(shown=shown, **(first.get("ctx") or {}))
    return f"{where or 'request'}: {said}"
