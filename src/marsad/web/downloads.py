"""Downloads: each release's data files and bulletins at stable URLs.

``/downloads/{release}/{name}``, where ``release`` is a release id (``2025-S1``) or
``latest``, and ``name`` one of :func:`names` (e.g. ``indicators.csv``,
``bulletin-2025-S1-ar.pdf``); ``/downloads/{release}/`` lists them (JSON).

The frozen files (``indicators.csv``, byte for byte; ``revisions.csv``; the HTML
bulletins the release froze) are served from the release folder once their SHA-256
matches the manifest. The others are made from those frozen files by the
publication's writers, once, and kept (:mod:`marsad.web.derived`).

``latest`` is served in place (no redirect, so that ``curl URL`` works), cached for a
minute and revalidated; a release id is cached for a year (``immutable``). The ETag is
the release's public SHA-256 and the name: the same for ``latest`` and for its id.

A bulletin's period is read as the command line reads ``--period``
(:meth:`~marsad.periods.Period.typed`, letters in either case): ``bulletin-2025-s1-fr.html``
answers 308 to its one URL, ``bulletin-2025-S1-fr.html`` (``latest`` kept as
``latest``), cached as that file is; it was a 404.

>>> kind("indicators-sdmx.xml").media_type
'application/vnd.sdmx.structurespecificdata+xml; version=2.1'
>>> kind("bulletin-2025-S1-ar.html").disposition
'inline'
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, Response

from marsad.errors import MarsadError, PeriodError, quoted
from marsad.periods import Period
from marsad.release.store import PUBLIC_CSV, REVISIONS_CSV, DamagedRelease, Release
from marsad.web import caching, derived
from marsad.web.app import LANGS, store
from marsad.web.problems import RETRY_AFTER, Problem, problem_responses
from marsad.web.query_check import checked
from marsad.web.store import PublicStore, ReleaseInfo

log = logging.getLogger(__name__)

router = APIRouter(tags=["downloads"], dependencies=[Depends(checked())])

#: A bulletin's file name: ``bulletin-{period}-{lang}.{html|pdf}``.
BULLETIN = re.compile(r"bulletin-(?P<period>[0-9A-Za-z-]+)-(?P<lang>[a-z]{2})\.(?P<ext>html|pdf)")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Kind:
    """How a download is served (e.g. ``text/csv; charset=utf-8``, as an attachment)."""

    media_type: str
    disposition: str = "attachment"


KINDS: dict[str, Kind] = {
    "indicators.csv": Kind("text/csv; charset=utf-8"),
    "revisions.csv": Kind("text/csv; charset=utf-8"),
    "indicators.xlsx": Kind(XLSX),
    "indicators-sdmx.csv": Kind("application/vnd.sdmx.data+csv; version=2.0.0; charset=utf-8"),
    "indicators-sdmx.xml": Kind("application/vnd.sdmx.structurespecificdata+xml; version=2.1"),
    "structure-sdmx.xml": Kind("application/vnd.sdmx.structure+xml; version=2.1"),
    "indicators-bundle.zip": Kind("application/zip"),
}


def kind(name: str) -> Kind:
    """How ``name`` is served: HTML bulletins inline, everything else as an attachment."""
    if name.endswith(".html"):
        return Kind("text/html; charset=utf-8", "inline")
    if name.endswith(".pdf"):
        return Kind("application/pdf")
    return KINDS[name]


def names(info: ReleaseInfo) -> list[str]:
    """Every download of ``info``, e.g. ``indicators.csv`` … ``bulletin-2025-S1-ar.pdf``
    (bulletins of the release's last period, in every language, HTML and PDF)."""
    found = [PUBLIC_CSV, *derived.EXPORTS]
    if REVISIONS_CSV in info.files:
        found.append(REVISIONS_CSV)
    if info.last_period:
        found += [f"bulletin-{info.last_period}-{lang}.{ext}"
                  for lang in LANGS for ext in ("html", "pdf")]  # fmt: skip
    return found


def canonical_name(name: str) -> str:
    """``name`` with a bulletin's period as the command line reads it, written in its one
    form (:meth:`~marsad.periods.Period.typed`); any other name as it is.

    >>> canonical_name("bulletin-2025-s1-fr.html"), canonical_name("bulletin-2024-q3-ar.pdf")
    ('bulletin-2025-S1-fr.html', 'bulletin-2024-Q3-ar.pdf')
    >>> canonical_name("bulletin-2025-h1-fr.html"), canonical_name("indicators.CSV")
    ('bulletin-2025-h1-fr.html', 'indicators.CSV')
    """
    match = BULLETIN.fullmatch(name)
    if match is None:
        return name
    try:
        period = Period.typed(match["period"])
    except PeriodError:
        return name
    return f"bulletin-{period}-{match['lang']}.{match['ext']}"


#: The answer of a bulletin's name whose period is not written in its one form.
MOVED = {
    308: {
        "description": "The bulletin's period written in another case (`2025-s1`): the "
        "same file at its one URL (`2025-S1`), given by `Location`.",
        "headers": {
            "Location": {"description": "The URL of the file.", "schema": {"type": "string"}}
        },
    }
}


def _url(info: ReleaseInfo, name: str) -> str:
    return f"/downloads/{info.id}/{name}"


@router.get("/{release}/", summary="The downloads of a release",
            responses=problem_responses(400, 404, 409, 503))  # fmt: skip
def listing(
    release: str, request: Request, public: Annotated[PublicStore, Depends(store)]
) -> Response:
    """What can be downloaded for ``release`` (an id, or ``latest``): name, media type,
    size in bytes when known, URL (by release id: stable)."""
    info = public.find(release)
    frozen = release != "latest"
    tag = caching.etag(info.sha256, "listing")
    if (held := caching.not_modified(request, tag, frozen)) is not None:
        return held
    files = [
        {"name": n, "media_type": kind(n).media_type, "size": _size(public, info, n),
         "url": _url(info, n)}
        for n in names(info)
    ]  # fmt: skip
    from fastapi.responses import JSONResponse

    body = {"release": info.public(), "files": files}
    return JSONResponse(body, headers=caching.headers(tag, frozen))


def _size(public: PublicStore, info: ReleaseInfo, name: str) -> int | None:
    """Size of a frozen file, or of a file already made; ``None`` when not made yet."""
    path = info.path / name if name in info.files else None
    if path is None:
        path = derived.cache_dir(public.root, info) / name
    return path.stat().st_size if path.is_file() else None


@router.get("/{release}/{name}", summary="One download of a release",
            response_class=FileResponse,
            responses={**MOVED, **problem_responses(400, 404, 409, 503)})  # fmt: skip
def download(
    release: str, name: str, request: Request, public: Annotated[PublicStore, Depends(store)]
) -> Response:
    """The file ``name`` of ``release`` (an id, or ``latest``): see the list at
    ``/downloads/{release}/``."""
    info = public.find(release)
    frozen = release != "latest"
    if name not in names(info):
        canonical = canonical_name(name)
        if canonical != name and canonical in names(info):
            base = request.scope.get("root_path", "")
            where = {"Location": f"{base}/downloads/{release}/{canonical}",
                     "Cache-Control": caching.cache_control(frozen)}  # fmt: skip
            return Response(status_code=308, headers=where)
        raise Problem(404, f"no download {quoted(name)} for release {info.id}: choose one of "
                      f"{', '.join(names(info))}")  # fmt: skip
    tag = caching.etag(info.sha256, name)
    if (held := caching.not_modified(request, tag, frozen)) is not None:
        return held
    path = _path(public, info, name)
    how = kind(name)
    return FileResponse(
        path,
        media_type=how.media_type,
        filename=f"marsad-{info.id}-{name}",
        content_disposition_type=how.disposition,
        headers=caching.headers(tag, frozen),
    )


def _path(public: PublicStore, info: ReleaseInfo, name: str) -> Path:
    """The file to send: frozen (checked against the manifest) or made once."""
    if name in info.files:
        return Release(info.path).checked_file(name)
    cache = derived.cache_dir(public.root, info)
    if name in derived.EXPORTS:
        return derived.made(cache / name, lambda out: derived.export(info, name, out))
    match = BULLETIN.fullmatch(name)
    assert match is not None  # names() lists only these
    period, lang = match["period"], match["lang"]
    html_name = f"bulletin-{period}-{lang}.html"
    try:
        if html_name in info.files:
            html = Release(info.path).checked_file(html_name)
        else:
            html = derived.made(cache / html_name, lambda out: derived.bulletin_html(
                public.table(info), period, lang, out))  # fmt: skip
        if match["ext"] == "html":
            return html
        return derived.made(cache / name, lambda out: derived.bulletin_pdf(html, lang, out))
    except DamagedRelease:
        raise  # the release, not the bulletin: a plain 503 (problems.unavailable)
    except MarsadError as exc:
        if name.endswith(".pdf"):  # the server's fault (a font missing): said in its log
            log.error("bulletin %s of release %s not made: %s", name, info.id, exc)
            raise Problem(503, f"the bulletin {name} cannot be made on this server for the "
                          "moment: try again later, or read it as HTML",
                          headers={"Retry-After": str(RETRY_AFTER)}) from exc  # fmt: skip
        raise Problem(404, f"the bulletin {name} cannot be made: {exc}") from exc
