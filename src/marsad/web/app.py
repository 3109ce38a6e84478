"""The web application: one FastAPI app over a releases folder.

:func:`create_app` mounts, in this order:

* ``/api/v1`` (:mod:`marsad.web.api`): the REST API, its schema at
  ``/api/v1/openapi.json`` and browsable docs at ``/api/v1/docs`` (assets served here);
* ``/sdmx`` (:mod:`marsad.web.sdmx`): SDMX-REST 2.0 and 2.1 data and structures;
* ``/downloads`` (:mod:`marsad.web.downloads`): each release's bulletins and data files;
* ``/api/v1/admin`` (:mod:`marsad.web.admin`): ingest, build and release, behind a token;
* ``/{lang}/`` (:mod:`marsad.web.pages`): the dashboard in French, English and Arabic;
* ``/static``: the dashboard's own assets (no CDN: nothing is fetched from elsewhere).

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

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from marsad.release.store import releases_root
from marsad.web import problems
from marsad.web.store import PublicStore

STATIC = Path(__file__).parent / "static"
#: Languages of the dashboard (those the bulletin is written in).
LANGS = ("fr", "en", "ar")
API = "/api/v1"
DESCRIPTION = """\
Indicators of exports of digital and outsourced services, as published by marsad's
releases: levels, growth, shares, contributions, year-to-date figures and progress towards
the Digital Morocco 2030 targets.

Values are exact decimal strings (e.g. `"13377000000.00"`), never floats; a withheld
(confidential) value is `null`, with its `conf_status`. Every read carries an ETag and
Cache-Control; errors are RFC 9457 problem details (`application/problem+json`).
"""


def create_app(
    warehouse: Path, *, root: Path | None = None, admin_token: str | None = None
) -> FastAPI:
    """The app serving the releases of ``warehouse`` (in ``root``, default the releases
    folder of the warehouse: ``releases/`` beside it, or ``MARSAD_RELEASES_DIR``).

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
        openapi_url=f"{API}/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.warehouse = Path(warehouse)
    app.state.store = PublicStore(root if root is not None else releases_root(Path(warehouse)))
    app.state.admin_token = admin_token
    problems.install(app)
    app.mount("/static/docs", StaticFiles(directory=DOCS_ASSETS), name="docs-assets")
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    _docs(app)
    app.include_router(api.router, prefix=API)
    app.include_router(admin.router, prefix=f"{API}/admin", include_in_schema=bool(admin_token))
    app.include_router(sdmx.router, prefix="/sdmx")
    app.include_router(downloads.router, prefix="/downloads")
    app.include_router(pages.router)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    app.add_middleware(HeadAsGet)
    return app


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
        app.openapi_schema = schema
    return app.openapi_schema


def _docs(app: FastAPI) -> None:
    @app.get(f"{API}/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url,
            title="marsad API",
            swagger_js_url="/static/docs/swagger-ui-bundle.js",
            swagger_css_url="/static/docs/swagger-ui.css",
            swagger_favicon_url="/static/docs/favicon.png",
        )

    @app.get("/", include_in_schema=False)
    def home(request: Request) -> RedirectResponse:
        return RedirectResponse(f"/{preferred_lang(request)}/", status_code=307)


def preferred_lang(request: Request) -> str:
    """The dashboard language a browser asks for first (``Accept-Language``), else French."""
    wanted = request.headers.get("accept-language", "")
    for part in wanted.split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGS:
            return code
    return "fr"


def store(request: Request) -> PublicStore:
    """The releases served (a FastAPI dependency: ``Depends(store)``)."""
    return request.app.state.store


def _version() -> str:
    from marsad.release.freeze import _version as version

    return version()
