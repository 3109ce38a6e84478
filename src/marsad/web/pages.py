"""The dashboard: home, explorer and releases archive, in French, English and Arabic.

Pages are rendered on the server (Jinja2 templates, SVG charts) from releases' public
tables only; the explorer's little script (``static/explore.js``) only fetches a new
chart and table (``/{lang}/explore/view``) and keeps the URL holding the whole view.
Every page carries an ETag and Cache-Control (:mod:`marsad.web.caching`), and rendered
pages are kept in memory per (page, release, language, query), a bounded number of
them, so the home page costs a dictionary lookup under load. The query they are kept by
leaves out a shared link's tracking parameters (:func:`kept_query`).

Pages are not in the API's OpenAPI schema (it describes what programs call): their
paths are :data:`PAGES`, each declared from it and described in ``docs/web.md``.

>>> list(PAGES.values())[:2]
['/{lang}/', '/{lang}/explore']
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from marsad.errors import BadArgument, MarsadError, NotAReleaseId, PeriodError, excerpt
from marsad.publish.marks import WITHHELD
from marsad.web import caching, pages_views, query_check
from marsad.web.app import LANGS, store
from marsad.web.explore import View, to_csv, to_xlsx
from marsad.web.pages_text import NAMES, text
from marsad.web.problems import RETRY_AFTER, status_of, unavailable
from marsad.web.store import NoMatch, PeriodsInverted, PublicStore, ReleaseInfo

log = logging.getLogger(__name__)


class Refused(Exception):
    """A page's query names a parameter the page does not read, or repeats one: answered
    as a 400 page in the page's language (:func:`refused_page`)."""

    def __init__(self, lang: str, detail: str) -> None:
        super().__init__(detail)
        self.lang, self.detail = lang, detail


def _check_query(request: Request) -> None:
    """Refuse what :mod:`marsad.web.query_check` refuses, worded in the page's language:
    ``/fr/?perod=2024`` showed everything, as if filtered. (An unknown language is the
    route's 404 page.)"""
    lang = request.path_params.get("lang", "")
    found = query_check.refusal(request, empty=True, ignored=query_check.TRACKING)
    if lang not in LANGS or found is None:
        return
    t = text(lang)
    if found.kind == "repeated":
        detail = t["repeated_param"].format(name=excerpt(found.name), count=found.times)
    else:
        names = ", ".join(found.declared) or t["no_param"]
        detail = t["unknown_param"].format(name=excerpt(found.name), names=names)
    raise Refused(lang, detail)


def refused_page(request: Request, exc: Exception) -> Response:
    """The 400 page of :class:`Refused` (an exception handler of the app)."""
    assert isinstance(exc, Refused)
    return _error(exc.lang, 400, exc.detail)


router = APIRouter(include_in_schema=False, dependencies=[Depends(_check_query)])
#: Every page's path by name (each a GET route, left out of the OpenAPI schema), so that
#: a crawler or a test can walk them: the schema lists the rest of the app.
PAGES: dict[str, str] = {
    "home": "/{lang}/",
    "explore": "/{lang}/explore",
    "explore_view": "/{lang}/explore/view",
    "explore_csv": "/{lang}/explore.csv",
    "explore_xlsx": "/{lang}/explore.xlsx",
    "releases": "/{lang}/releases",
    "revisions_csv": "/{lang}/releases/revisions.csv",
}
TEMPLATES = Path(__file__).parent / "templates"
ENV = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape())
ENV.globals["withheld_mark"] = WITHHELD
#: Rendered pages kept in memory (least recently used dropped first).
CACHE_SIZE = 512
Store = Annotated[PublicStore, Depends(store)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Media type of an answer by the end of its page name (a page without a dot is HTML).
_HTML = "text/html; charset=utf-8"
_MEDIA = {"csv": "text/csv; charset=utf-8", "xlsx": XLSX}


class _Rendered:
    """A bounded, thread-safe memory of rendered answers by key (each a body and the
    fault it works around, :func:`_answer`)."""

    def __init__(self, size: int) -> None:
        self.size, self._lock, self._items = size, threading.Lock(), OrderedDict()

    def get(self, key: tuple, make: Callable[[], tuple[bytes, str]]) -> tuple[bytes, str]:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        body = make()
        with self._lock:
            self._items[key] = body
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return body

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def clear(self) -> None:
        """Forget every rendered answer (as a restarted server has none)."""
        with self._lock:
            self._items.clear()


RENDERED = _Rendered(CACHE_SIZE)


def kept_query(request: Request) -> str:
    """The query of ``request`` less the tracking parameters of a shared link
    (:data:`~marsad.web.query_check.TRACKING`, which the pages ignore), e.g. ``release=R1``
    for ``?utm_source=news&release=R1``: what a page is kept and tagged by, and what its
    language switcher carries. Each ``utm_source`` value made a page of its own, so that
    an outsider could fill the cache with them (pushing out what readers ask for), and a
    page kept for one visitor carried another's tracking parameters."""
    tracking = query_check.TRACKING.fullmatch
    return urlencode([(k, v) for k, v in request.query_params.multi_items() if not tracking(k)])


def _page(template: str, lang: str, path: str, query: str, **context) -> bytes:
    """A whole page: the layout with its language switcher keeping ``path`` and ``query``."""
    switch = {other: f"/{other}{path}" + (f"?{query}" if query else "") for other in LANGS}
    t = text(lang)
    html = ENV.get_template(template).render(lang=lang, t=t, switch=switch, names=NAMES,
                                             path=path, query=query, **context)  # fmt: skip
    return html.encode("utf-8")


def _answer(request: Request, st: PublicStore, page: str, lang: str, release: str,
            make: Callable[[ReleaseInfo], tuple[bytes, str]],
            filename: str = "") -> Response:  # fmt: skip
    """A cached, ETagged answer for ``page`` of ``release`` (empty: the latest); a
    ``filename`` makes it a download saved under that name.

    ``make`` returns the body and the fault it works around (e.g. ``"R1"``, the earlier
    release found damaged and left out of the home page's changes; empty for a whole
    page). A page with a fault is not cached as immutable, even for a named release: it
    was, so that browsers kept the note for a year after the release was repaired."""
    if lang not in LANGS:
        return _not_found(lang)
    try:
        info = st.resolve(release or None, strict=False)  # a later one unreadable: named
    except MarsadError as e:
        return _fault(lang, e)
    tag = caching.etag(page, lang, info.id, info.sha256, st.signature(), kept_query(request))
    try:  # a kept page is a lookup; whether it has a fault decides its Cache-Control
        body, fault = RENDERED.get((page, tag), lambda: make(info))
    except MarsadError as e:
        return _fault(lang, e)
    frozen = bool(release) and release != "latest" and not fault
    held = caching.not_modified(request, tag, frozen)
    if held is not None:
        return held
    head = caching.headers(tag, frozen)
    if filename:
        head["Content-Disposition"] = f'attachment; filename="{filename}"'
    return Response(body, media_type=_MEDIA.get(page.rpartition(".")[2], _HTML), headers=head)


def _not_found(lang: str) -> HTMLResponse:
    shown = lang if lang in LANGS else "fr"
    body = _page("error.html", shown, "/", "", status=404, detail=text(shown)["not_found"],
                 release=None)  # fmt: skip
    return HTMLResponse(body, status_code=404)


def _fault(lang: str, e: MarsadError) -> HTMLResponse:
    """A release that does not exist is a 404 page in the page's language; a bad
    argument a 400 page with its plain detail; a release that cannot be served (damaged
    on the server: not the visitor's doing) a 503 page saying so plainly in the page's
    language, with ``Retry-After``, as the API answers it, the fault and what the office
    must do logged on the server only (:func:`marsad.web.problems.unavailable`); any
    other fault a 409 page, logged. A view no observation can match (a start after the
    end: the API's 404) is the visitor's to change: a 400 page saying why."""
    if isinstance(e, PeriodsInverted):
        return _error(lang, 400, text(lang)["inverted"].format(start=e.start, end=e.end))
    # (a period or a release id written wrongly: said in English in every language)
    if isinstance(e, PeriodError | NotAReleaseId) and e.value is not None:
        key = "bad_period" if isinstance(e, PeriodError) else "bad_release_id"
        return _error(lang, 400, text(lang)[key].format(value=excerpt(e.value.strip())))
    status = 400 if isinstance(e, NoMatch) else status_of(e)
    if status == 404:
        return _error(lang, 404, text(lang)["no_release"])
    if status == 503:
        unavailable(e)  # logs the fault
        ids = ", ".join(getattr(e, "ids", ()) or [getattr(e, "release", "")])
        detail = text(lang)["unavailable"].format(ids=ids)
        return _error(lang, 503, detail, {"Retry-After": str(RETRY_AFTER)})
    if status != 400:
        log.error("page not served: %s", e)
    return _error(lang, status, str(e))


def _error(lang: str, status: int, detail: str, headers: dict | None = None) -> HTMLResponse:
    body = _page("error.html", lang, "/", "", status=status, detail=detail, release=None)
    return HTMLResponse(body, status_code=status, headers=headers)


def _view(
    indicator: str = "",
    flow: str = "",
    segment: Annotated[list[str] | None, Query()] = None,
    service: str = "",
    partner: str = "",
    freq: str = "",
    start: str = "",
    end: str = "",
    release: str = "",
) -> View:
    """The explorer's view of the query: its parameters declared here, so that any other
    is refused (an empty one, as a form without JavaScript sends, means the default)."""
    asked = {
        "indicator": indicator,
        "flow": flow,
        "segment": segment or [],
        "service": service,
        "partner": partner,
        "freq": freq,
        "start": start,
        "end": end,
        "release": release,
    }
    return View.parse(asked)


Asked = Annotated[View, Depends(_view)]
#: The releases compared (``from`` and ``to``) on the archive page and its download.
From = Annotated[str, Query(alias="from")]


@router.get(PAGES["home"])
def home(lang: str, request: Request, st: Store, release: str = ""):
    """The home page: headline figures, segments, 2030 tracker, changes, downloads."""

    def make(info: ReleaseInfo) -> tuple[bytes, str]:
        context = pages_views.home(st, info, lang)
        body = _page("home.html", lang, "/", kept_query(request), **context)
        ids = [*pages_views.faults(context), context["changes_damaged"], context["changes_missing"]]
        return body, " ".join(i for i in ids if i)

    return _answer(request, st, "home", lang, release, make)


@router.get(PAGES["explore"])
def explore(lang: str, request: Request, st: Store, view: Asked):
    """The explorer: a form of selects, a chart and a table of the chosen series."""

    def make(info: ReleaseInfo) -> tuple[bytes, str]:
        _check(view, st, info, lang)
        context = pages_views.explore(st, info, view, lang)
        body = _page("explore.html", lang, "/explore", view.query(), **context)
        return body, " ".join(pages_views.faults(context))

    return _answer(request, st, "explore", lang, view.release, make)


@router.get(PAGES["explore_view"])
def explore_view(lang: str, request: Request, st: Store, view: Asked):
    """The explorer's chart and table alone (what its script swaps in)."""

    def make(info: ReleaseInfo) -> tuple[bytes, str]:
        _check(view, st, info, lang)
        context = pages_views.explore(st, info, view, lang)
        t = text(lang)
        html = ENV.get_template("explore_view.html").render(lang=lang, t=t, **context)
        return html.encode("utf-8"), ""

    return _answer(request, st, "explore-view", lang, view.release, make)


@router.get(PAGES["explore_csv"])
def explore_csv(lang: str, request: Request, st: Store, view: Asked):
    """Exactly the rows the explorer shows, as the public CSV writes them."""

    def make(info: ReleaseInfo) -> tuple[bytes, str]:
        _check(view, st, info, lang)
        return to_csv(view.rows(st.table(info))), ""

    return _answer(request, st, "explore.csv", lang, view.release, make, view.filename("csv"))


@router.get(PAGES["explore_xlsx"])
def explore_xlsx(lang: str, request: Request, st: Store, view: Asked):
    """Exactly the rows the explorer shows, as an Excel sheet, stamped with the release's
    date (the same view of the same release: the same bytes)."""

    def make(info: ReleaseInfo) -> tuple[bytes, str]:
        _check(view, st, info, lang)
        legend = text(lang)["withheld"]
        note = text(lang)["synthetic"] if info.synthetic else ""
        rows, stamp = view.rows(st.table(info)), info.publication().stamp()
        return to_xlsx(rows, legend, stamp, note), ""

    return _answer(request, st, "explore.xlsx", lang, view.release, make, view.filename("xlsx"))


def _check(view: View, st: PublicStore, info: ReleaseInfo, lang: str) -> None:
    """A 400 page (in ``lang``) for a view naming a code the release does not have:
    ``/fr/explore?indicator=nope`` showed "no observation", as if the query were fine."""
    found = view.unknown(st.table(info))
    if found is None:
        return
    dim, code, codes = found
    shown = ", ".join(codes[:_SHOWN]) + (", …" if len(codes) > _SHOWN else "")
    raise BadArgument(text(lang)["unknown_code"].format(what=text(lang)[dim], code=excerpt(code),
                                                        codes=shown))  # fmt: skip


#: Codes a 400 page lists at most (a release has some 200 partners).
_SHOWN = 12


@router.get(PAGES["releases"])
def releases(lang: str, request: Request, st: Store, old: From = "", to: str = ""):
    """The archive: every release, its files, and the revisions between two of them."""
    chosen = _compared(lang, old, to)

    def make(info: ReleaseInfo) -> tuple[bytes, str]:
        context = pages_views.archive(st, info, chosen, lang)
        body = _page("releases.html", lang, "/releases", kept_query(request), **context)
        return body, " ".join(pages_views.faults(context))

    return _answer(request, st, "releases", lang, "", make)


@router.get(PAGES["revisions_csv"])
def revisions_csv(lang: str, request: Request, st: Store, old: From = "", to: str = ""):
    """Every cell that differs between releases ``from`` and ``to`` (by default the last
    two), public values only: what the releases page lists the first rows of."""

    _compared(lang, old, to)

    def make(info: ReleaseInfo) -> tuple[bytes, str]:
        return pages_views.revisions(st, old, to), ""

    name = "-".join(["marsad-revisions", *pages_views.pair(st, old, to)])
    return _answer(request, st, "revisions.csv", lang, "", make, _safe(name) + ".csv")


def _compared(lang: str, old: str, new: str) -> tuple[str, str]:
    """The releases to compare: both, or neither (the last two); one alone is a 400 page
    (``?from=R1`` showed the last two releases, the R1 asked for ignored)."""
    if bool(old) != bool(new) and lang in LANGS:
        raise Refused(lang, text(lang)["compare_both"])
    return old, new


def _safe(name: str) -> str:
    return "".join(c if c.isascii() and (c.isalnum() or c in "-_.") else "_" for c in name)
