"""The web application: one FastAPI app over a releases folder.

:func:`create_app` mounts, in this order:

* ``/api/v1`` (:mod:`marsad.web.api`): the REST API, its schema at
  ``/api/v1/openapi.json`` and browsable docs at ``/api/v1/docs`` (assets served here);
* ``/sdmx`` (:mod:`marsad.web.sdmx`): SDMX-REST 2.0 and 2.1 data and structures;
* ``/downloads`` (:mod:`marsad.web.downloads`): each release's bulletins and data files;
* ``/api/v1/admin`` (:mod:`marsad.web.admin`): ingest, build and release, behind a token;
* ``/{lang}/`` (:mod:`marsad.web.pages`): the dashboard in French, English and Arabic;
* ``/static``: the dashboard's own assets (no CDN: nothing is fetched from elsewhere).

The schema and the docs carry an ETag (a hash of their content) and the LATEST
``Cache-Control`` (:mod:`marsad.web.caching`); the assets under ``/static`` their file's
ETag and ``public, max-age=3600``. ``/`` redirects to the language the browser prefers
(``Accept-Language``, q-values honoured), with ``Vary: Accept-Language``.

Every GET route refuses a query parameter it does not read (:mod:`.query_check`): a
problem from the API, SDMX, downloads, schema, docs, ``/`` and static files, a 400 page
in its language from a dashboard page (:mod:`.pages`).

Every GET route answers HEAD too (:class:`HeadAsGet`): the same status and headers
(ETag, Cache-Control, Content-Type, Content-Length), no body. The admin routes are in
the OpenAPI schema only when the admin side is enabled (they answer 403 otherwise).

Everything public comes from releases (:mod:`marsad.web.store`): the warehouse is
opened only by the admin side's jobs.

>>> app = create_app(Path("/tmp/none/marsad.duckdb"))
>>> app.openapi_url
'/api/v1/openapi.json'
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from marsad.periods import TYPED_PATTERN
from marsad.release.store import ID_PATTERN, releases_root
from marsad.web import problems
from marsad.web.caching import ASSETS, etag, headers, not_modified
from marsad.web.negotiate import quality
from marsad.web.query_check import TRACKING, checked
from marsad.web.store import PublicStore

STATIC = Path(__file__).parent / "static"
#: Languages of the dashboard (those the bulletin is written in).
LANGS = ("fr", "en", "ar")
API = "/api/v1"
SDMX = "/sdmx"
#: The app's own GET routes that the OpenAPI schema leaves out, by name: the schema
#: itself, the docs and ``/``. With the dashboard's pages (:data:`marsad.web.pages.PAGES`)
#: the SDMX forms beside those listed (:data:`marsad.web.sdmx.UNLISTED`, under
#: :data:`SDMX`) and the static files (:data:`ASSET_MOUNTS`), they are every GET route
#: the schema does not list.
UNLISTED: dict[str, str] = {
    "schema": f"{API}/openapi.json",
    "docs": f"{API}/docs",
    "root": "/",
    "icon": "/favicon.ico",
}
#: The site's icon (``/favicon.ico``, which browsers ask for on every page, the bulletins
#: served under ``/downloads`` too): the bars of the bulletin's charts, as SVG.
ICON = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16">'
    b'<rect width="16" height="16" rx="2" fill="#fff"/>'
    b'<rect x="2" y="8" width="3" height="6" fill="#9cc3e0"/>'
    b'<rect x="6.5" y="5" width="3" height="9" fill="#0b4f6c"/>'
    b'<rect x="11" y="2" width="3" height="12" fill="#0b4f6c"/></svg>'
)
#: Where static files are served: the API docs' assets and the dashboard's own.
ASSET_MOUNTS: tuple[str, ...] = ("/static/docs", "/static")
DESCRIPTION = """\
Indicators of exports of digital and outsourced services, as published by marsad's
releases: levels, growth, shares, contributions, year-to-date figures and progress towards
the Digital Morocco 2030 targets.

Values are exact decimal strings (e.g. `"13377000000.00"`), never floats; a withheld
(confidential) value is `null`, with its `conf_status`. Every read carries an ETag and
Cache-Control; errors are RFC 9457 problem details (`application/problem+json`).
"""


def create_app(
    warehouse: Path,
    *,
    root: Path | None = None,
    admin_token: str | None = None,
    store: PublicStore | None = None,
) -> FastAPI:
    """The app serving the releases of ``warehouse`` (in ``root``, default the releases
    folder of the warehouse: ``releases/`` beside it, or ``MARSAD_RELEASES_DIR``).
    ``store``: the releases as already read (``serve`` read them at start-up, naming
    the faults: the app does not read and log them again), else read on first use.

    ``admin_token`` enables the admin side (``None``: disabled, every admin request is
    refused with 403); :func:`marsad.web.admin.check_token` vets it first.
    """
    from fastapi_offline.core import _STATIC_PATH as DOCS_ASSETS

    from marsad.web import admin, api, downloads, pages, sdmx

    app = FastAPI(
        title="marsad",
        summary="Exports of digital and outsourced services: indicators, SDMX and downloads",
        description=DESCRIPTION,
        version=_version(),
        openapi_url=None,  # served by _docs, with an ETag and Cache-Control
        docs_url=None,
        redoc_url=None,
    )
    app.openapi_url = UNLISTED["schema"]
    app.state.warehouse = Path(warehouse)
    if store is None:
        store = PublicStore(root if root is not None else releases_root(Path(warehouse)))
    app.state.store = store
    app.state.admin_token = admin_token
    problems.install(app)
    docs_assets, assets = ASSET_MOUNTS
    app.mount(docs_assets, Assets(directory=DOCS_ASSETS), name="docs-assets")
    app.mount(assets, Assets(directory=STATIC), name="static")
    _docs(app)
    app.include_router(api.router, prefix=API)
    app.include_router(admin.router, prefix=f"{API}/admin", include_in_schema=bool(admin_token))
    app.include_router(sdmx.router, prefix=SDMX)
    app.include_router(downloads.router, prefix="/downloads")
    app.include_router(pages.router)
    app.add_exception_handler(pages.Refused, pages.refused_page)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    app.add_middleware(HeadAsGet)
    app.add_middleware(RelativeRedirects)
    _cross_origin(app)
    return app


#: What a page of another site may read of this one's answers (CORS): the public data
#: is open, so any origin may GET it and read its ETag, paging links and file name.
CORS_EXPOSED = ("ETag", "Link", "Content-Disposition", "Retry-After")


def _cross_origin(app: FastAPI) -> None:
    """Let a page of any other site read the public answers (``Access-Control-Allow-Origin:
    *`` on GET and HEAD; a newsroom's chart or an SDMX web tool calling the API from a
    browser got nothing). No credentials and no request header beyond the simple ones:
    the admin side, which needs its ``Authorization`` token, stays out of reach of a
    browser on another site (its preflight is refused)."""
    from starlette.middleware.cors import CORSMiddleware

    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_methods=["GET", "HEAD"],
        expose_headers=list(CORS_EXPOSED),
    )


class RelativeRedirects:
    """ASGI middleware giving every redirect a relative ``Location`` (its path and
    query): Starlette's added slash (``/fr`` -> ``/fr/``, ``/api/v1/observations/`` ->
    ``/api/v1/observations``) built an absolute URL from the request's ``Host`` header,
    so ``Host: attacker.example`` sent the visitor (and a shared cache) there. No answer
    depends on ``Host`` (``docs/api.md``).

    >>> RelativeRedirects.relative(b"http://evil.example/fr/?release=R1")
    b'/fr/?release=R1'
    >>> RelativeRedirects.relative(b"/fr/")
    b'/fr/'
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    @staticmethod
    def relative(location: bytes) -> bytes:
        """``location`` without its scheme and host (a path stays as it is)."""
        from urllib.parse import urlsplit

        parts = urlsplit(location)
        if not parts.scheme and not parts.netloc:
            return location
        path = parts.path or b"/"
        return path + (b"?" + parts.query if parts.query else b"")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def relative_location(message: Message) -> None:
            if message["type"] == "http.response.start" and 300 <= message["status"] < 400:
                message = {**message, "headers": [
                    (k, self.relative(v) if k.lower() == b"location" else v)
                    for k, v in message.get("headers", [])
                ]}  # fmt: skip
            await send(message)

        await self.app(scope, receive, relative_location)


class HeadAsGet:
    """ASGI middleware answering HEAD as GET without the body: the routes are declared
    for GET only, and a HEAD request gets the GET answer's status and headers (its
    Content-Length too, RFC 9110 9.3.2), the body dropped.

    >>> HeadAsGet(None).app is None
    True
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return
        ended = False

        async def headers_only(message: Message) -> None:
            nonlocal ended
            if message["type"] == "http.response.body":
                if ended:
                    return
                ended = True
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)


class Assets(StaticFiles):
    """Static files with :data:`~marsad.web.caching.ASSETS` as ``Cache-Control``, on
    their 200 and 304 answers alike (StaticFiles sends the ETag and Last-Modified).

    >>> Assets(directory=STATIC).directory == STATIC
    True
    """

    async def get_response(self, path: str, scope: Scope) -> Response:
        """The file, or a 400 problem for a query: a file takes no parameter, and one
        silently ignored would look as if it had been read (:mod:`.query_check`)."""
        if scope.get("query_string"):
            from marsad.errors import BadArgument, quoted

            name = next(iter(Request(scope).query_params), "")
            raise BadArgument(f"unknown parameter {quoted(name)} for "
                              f"{scope['path']}: a static file takes no parameters")  # fmt: skip
        return await super().get_response(path, scope)

    def file_response(self, *args, **kwargs) -> Response:
        response = super().file_response(*args, **kwargs)
        response.headers["Cache-Control"] = ASSETS
        return response


def _openapi(app: FastAPI) -> dict:
    """The schema, made once, without FastAPI's default 422 answers: a request that does
    not validate gets a 400 problem (:mod:`marsad.web.problems`), declared per route."""
    if app.openapi_schema is None:
        from fastapi.openapi.utils import get_openapi

        schema = get_openapi(
            title=app.title,
            version=app.version,
            summary=app.summary,
            description=app.description,
            routes=app.routes,
        )
        for path in schema.get("paths", {}).values():
            for operation in path.values():
                operation.get("responses", {}).pop("422", None)
        for name in ("HTTPValidationError", "ValidationError"):
            schema.get("components", {}).get("schemas", {}).pop(name, None)
        _constrain(schema)
        _page_limit(schema, app)
        from marsad.web import sdmx_params

        sdmx_params.constrain(schema, _strings)
        app.openapi_schema = schema
    return app.openapi_schema


#: The parameters that name a release (an id, or ``latest``, which is one in form).
RELEASE_PARAMETERS = frozenset({"release", "release_id"})
#: The REST parameters that are a period (:meth:`~marsad.periods.Period.typed`), and
#: the form the schema gives them: a year, half, quarter or month, digits 0-9.
PERIOD_PARAMETERS = frozenset({"start", "end"})
PERIOD_PATTERN = TYPED_PATTERN


def _constrain(schema: dict) -> None:
    """Say in the schema what the server checks of every parameter, so that a request
    the schema calls valid is not refused: no query parameter is given empty
    (:mod:`.query_check`: ``minLength`` 1), a release is named by an id (``pattern``;
    a well-formed id that names no release is a 404), and a period is one (``end=00``
    was valid by the schema and a 400).

    >>> s = {"paths": {"/x": {"get": {"parameters": [
    ...     {"name": "release", "in": "query",
    ...      "schema": {"anyOf": [{"type": "string"}, {"type": "null"}]}},
    ...     {"name": "start", "in": "query", "schema": {"type": "string"}}]}}}}
    >>> _constrain(s)
    >>> release, start = [p["schema"] for p in s["paths"]["/x"]["get"]["parameters"]]
    >>> release  # doctest: +NORMALIZE_WHITESPACE
    {'anyOf': [{'type': 'string', 'minLength': 1,
                'pattern': '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'}, {'type': 'null'}]}
    >>> start["minLength"], start["pattern"] == TYPED_PATTERN  # a year 0001 to 9999
    (1, True)
    """
    for item in schema.get("paths", {}).values():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                for kind in _strings(parameter.get("schema", {})):
                    if parameter.get("in") == "query":
                        kind.setdefault("minLength", 1)
                    if parameter.get("name") in RELEASE_PARAMETERS:
                        kind.setdefault("pattern", ID_PATTERN)
                    if parameter.get("name") in PERIOD_PARAMETERS:
                        kind.setdefault("pattern", PERIOD_PATTERN)


def _page_limit(schema: dict, app: FastAPI) -> None:
    """The ``limit`` of a page at most the app's ``MARSAD_API_MAX_ROWS`` (``maximum``):
    ``limit=50001`` was valid by the schema and a 400."""
    from marsad.web.api_observations import api_limits

    for item in schema.get("paths", {}).values():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                if parameter.get("name") == "limit" and parameter.get("in") == "query":
                    for kind in _kinds(parameter.get("schema", {}), "integer"):
                        kind["maximum"] = api_limits(app)[0]


def _kinds(schema: dict, type_: str) -> list[dict]:
    """The schemas of ``type_`` in a parameter's schema: itself, or its ``anyOf`` members."""
    found = [schema] if schema.get("type") == type_ else []
    return found + [s for s in schema.get("anyOf", []) if s.get("type") == type_]


def _strings(schema: dict) -> list[dict]:
    """The string schemas of a parameter's schema: itself, or its ``anyOf`` members."""
    return _kinds(schema, "string")


def _docs(app: FastAPI) -> None:
    """The schema, the docs and ``/``: constant answers, made once, revalidated by ETag."""
    made: dict[str, bytes] = {}

    def schema() -> bytes:
        if "schema" not in made:
            made["schema"] = json.dumps(app.openapi(), ensure_ascii=False).encode("utf-8")
        return made["schema"]

    def page() -> bytes:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url,
            title="marsad API",
            swagger_js_url="/static/docs/swagger-ui-bundle.js",
            swagger_css_url="/static/docs/swagger-ui.css",
            swagger_favicon_url="/static/docs/favicon.png",
        ).body

    only = [Depends(checked())]  # no query parameter: any is refused (query_check)

    @app.get(UNLISTED["schema"], include_in_schema=False, dependencies=only)
    def openapi(request: Request) -> Response:
        return _constant(request, schema(), "application/json")

    @app.get(UNLISTED["docs"], include_in_schema=False, dependencies=only)
    def docs(request: Request) -> Response:
        return _constant(request, page(), "text/html; charset=utf-8")

    @app.get(UNLISTED["icon"], include_in_schema=False, dependencies=only)
    def icon(request: Request) -> Response:
        """The site's icon (it was a redirect to ``/favicon.ico/``, a 404: a console
        error on every bulletin a browser opened from the server)."""
        return _constant(request, ICON, "image/svg+xml")

    shared = [Depends(checked(ignored=TRACKING))]  # a shared link's utm_source, ...

    @app.get(UNLISTED["root"], include_in_schema=False, dependencies=shared)
    def home(request: Request) -> RedirectResponse:
        """The home page in the visitor's language; a shared link's tracking parameters
        are not carried along (the language home reads none)."""
        lang = preferred_lang(request.headers.get("accept-language"))
        return RedirectResponse(f"/{lang}/", 307, headers={"Vary": "Accept-Language"})


def _constant(request: Request, body: bytes, media_type: str) -> Response:
    """``body`` with an ETag (its hash) and the LATEST Cache-Control, or a 304."""
    tag = etag(hashlib.sha256(body).hexdigest())
    hit = not_modified(request, tag, False)
    if hit is not None:
        return hit
    return Response(body, media_type=media_type, headers=headers(tag, False))


def preferred_lang(accept_language: str | None) -> str:
    """The dashboard language ``Accept-Language`` prefers, else French.

    Each language range has a quality (``q``, default 1; 0 means "not this"); a
    language takes the quality of the most specific range naming it (``en`` before
    ``en-GB`` before ``*``); the highest quality wins, a tie going to the range listed
    first, then to :data:`LANGS` order.

    >>> preferred_lang("fr;q=0, en;q=0.5"), preferred_lang("ar-MA, fr;q=0.9")
    ('en', 'ar')
    >>> preferred_lang("de, *;q=0.1"), preferred_lang("de"), preferred_lang(None)
    ('fr', 'fr', 'fr')
    """
    ranges = _language_ranges(accept_language or "")
    best: tuple[float, int, int] | None = None
    chosen = "fr"
    for rank, lang in enumerate(LANGS):
        matching = [(spec, q, pos) for tag, q, pos in ranges if (spec := _names(tag, lang)) >= 0]
        if not matching:
            continue
        _, q, pos = max(matching)
        key = (-q, pos, rank)
        if q > 0 and (best is None or key < best):
            best, chosen = key, lang
    return chosen


def _language_ranges(header: str) -> list[tuple[str, float, int]]:
    """(range, quality, position) of each range of an ``Accept-Language`` header; a
    range whose quality cannot be read is left out, as in ``Accept`` (:mod:`.negotiate`)."""
    ranges = []
    for position, part in enumerate(header.split(",")):
        tag, *params = (p.strip() for p in part.split(";"))
        if tag and (q := quality(params)) is not None:
            ranges.append((tag.lower(), q, position))
    return ranges


def _names(tag: str, lang: str) -> int:
    """How closely range ``tag`` names ``lang``: 2 exactly, 1 a sub-tag of it (``en-GB``),
    0 ``*``, -1 not at all."""
    if tag == lang:
        return 2
    if tag.split("-")[0] == lang:
        return 1
    return 0 if tag == "*" else -1


def store(request: Request) -> PublicStore:
    """The releases served (a FastAPI dependency: ``Depends(store)``)."""
    return request.app.state.store


def _version() -> str:
    from marsad.release.freeze import _version as version

    return version()
