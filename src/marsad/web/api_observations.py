"""``GET /api/v1/observations``: the public table filtered, as JSON pages or one CSV.

A query names codes per dimension (comma lists), a frequency and a period range, and
its release (``release=``, ``asOf=``, default the latest). JSON answers come in pages
of ``limit`` (default ``MARSAD_API_PAGE_SIZE``) with a ``next`` URL pinned to the
release answered, so that a new release appearing mid-walk changes nothing; CSV
(``format=csv``, or ``Accept`` preferring ``text/csv``: :mod:`marsad.web.negotiate`) has
every matched row in one answer, values as in the frozen CSV, or the page that
``limit``/``offset`` ask for (its next page in a ``Link: <...>; rel="next"`` header).
``MARSAD_API_MAX_ROWS`` bounds one answer: a JSON or CSV page (a larger ``limit`` is a
400) and a whole CSV answer (a query matching more is refused with 413, with a way to
narrow it or the download of the whole table). A code the release does not have
(``segment=IT0``) is a 404 naming the parameter, the value and the codes, as a start
after the end is: a query no observation can match, SDMX's NoResultsFound.

>>> csv_text([("level", "exports", "2024", "TOTAL", "_T", "_T", "26170000000.00", "MAD",
...            "A", "F", "R1")]).splitlines()[1]
'level,exports,2024,TOTAL,_T,_T,26170000000.00,MAD,A,F'
"""

from __future__ import annotations

import csv
import io
import re
from typing import Annotated, Literal

from fastapi import Query, Request
from fastapi.responses import Response

from marsad.errors import BadArgument, quoted
from marsad.indicators.registry import COLUMNS, INDICATORS
from marsad.reference import DDS, SEGMENT_CODES, TOTAL
from marsad.settings import get_settings
from marsad.web.api_common import (
    NOT_MODIFIED,
    AsOfParam,
    PositiveNumber,
    ReleaseParam,
    Store,
    WholeNumber,
    named,
    sha256,
)
from marsad.web.api_models import ObservationPage
from marsad.web.caching import etag, headers, not_modified
from marsad.web.negotiate import choose
from marsad.web.problems import Problem, problem_responses
from marsad.web.store import (
    DIMENSIONS,
    FREQS,
    OBS_COLUMNS,
    Filters,
    NoMatch,
    PublicTable,
    ReleaseInfo,
)

_OBS = tuple(COLUMNS.index(c) for c in OBS_COLUMNS)
_VALUE = COLUMNS.index("value")
CSV_TYPE = "text/csv; charset=utf-8"
#: What the route answers, by ``format=`` name and media type (the first is the default).
OFFERS = {"application/json": "json", "text/csv": "csv"}
#: Each dimension's plural: the route listing its codes (``/api/v1/segments``).
PLURAL = {"indicator": "indicators", "flow": "flows", "segment": "segments",
          "service": "services", "partner": "partners"}  # fmt: skip


def _listed(fixed: tuple[str, ...]) -> dict | None:
    """The schema of a parameter taking one of ``fixed`` or a comma list of them: an
    enum, or a pattern, so that a client (or a fuzzer) knows the codes; None when the
    codes are the data's (services, partners)."""
    if not fixed:
        return None
    one = "|".join(re.escape(c) for c in fixed)
    return {"anyOf": [{"type": "string", "enum": list(fixed)},
                      {"type": "string", "pattern": f"^({one})(,({one}))*$"}]}  # fmt: skip


#: A comma list of codes, none of them empty or blank (``ITO,CRM``; not ``,`` nor
#: ``ITO,,KPO``, which :class:`~marsad.web.store.Filters` refuses), for the schema of the
#: parameters whose codes are the data's.
NO_EMPTY_CODE = r"^[^,]*[^,\s][^,]*(,[^,]*[^,\s][^,]*)*$"


def _codes(what: str, example: str, fixed: tuple[str, ...] = ()) -> object:
    """A comma-list parameter of codes (``fixed``: its code list, where marsad fixes it)."""
    extra = _listed(fixed) or {"pattern": NO_EMPTY_CODE}
    return Annotated[
        str | None,
        Query(
            description=f"{what}: one code or a comma list (default all). A code the "
            "release does not have is a 404 naming it.",
            examples=[example],
            json_schema_extra=extra,
        ),
    ]


#: The flows of the public table (exports minus imports is the balance; ``_Z``: not
#: applicable, for indicators of no flow such as jobs).
FLOWS = ("exports", "imports", "balance", "_Z")
Indicator = _codes("Indicators (see /indicators)", "level", tuple(INDICATORS))
Flow = _codes("Flows: exports, imports, balance, _Z", "exports", FLOWS)
Segment = _codes("Segments (see /segments)", "ITO,CRM", (*SEGMENT_CODES, TOTAL, DDS))
Service = _codes("EBOPS 2010 services (see /services); _T all", "_T")
Partner = _codes("Partner countries (see /partners); _T all", "_T")
Freq = Annotated[
    str | None,
    Query(
        description="Frequency: A annual, S half-year, Q quarter, M month (or a comma "
        "list); default all.",
        examples=["Q"],
        json_schema_extra=_listed(tuple(FREQS)),
    ),
]
Start = Annotated[
    str | None,
    Query(
        description="First period: keeps periods that begin then or later (2023, "
        "2023-S1, 2023-Q1 or 2023-01).",
        examples=["2023-Q1"],
    ),
]
End = Annotated[
    str | None,
    Query(description="Last period: keeps periods that end then or earlier.", examples=["2025-Q2"]),
]
Limit = Annotated[
    PositiveNumber | None,
    Query(
        description="Observations per page (JSON default MARSAD_API_PAGE_SIZE, "
        "1,000; CSV default every match; at most MARSAD_API_MAX_ROWS, 50,000,"
        " the schema's maximum: more is a 400).",
        examples=[100],
    ),
]
Offset = Annotated[
    WholeNumber, Query(description="Observations to skip (JSON and CSV pages).", examples=[0])
]
Format = Annotated[
    Literal["json", "csv"] | None,
    Query(
        description="json (default) or csv, whatever `Accept` says; without it, "
        "`Accept` chooses (q-values honoured). CSV has every matched row in one answer, "
        "or the page that limit and offset ask for."
    ),
]

OBSERVATIONS = {
    "name": "observations",
    "response_model": ObservationPage,
    "responses": {
        200: {
            "content": {"text/csv": {"schema": {"type": "string"}}},
            "description": "A page of observations (JSON), or all of them (CSV, "
            "unless limit or offset ask for a page).",
        },
        **NOT_MODIFIED,
        **problem_responses(400, 404, 406, 409, 413, 503),
    },
    "tags": ["observations"],
    "summary": "Observations of the public table",
    "description": "Values of a release's public table, filtered by indicator, flow, "
    "segment, service, partner, frequency and period range. Values are exact decimal "
    'strings (`"13377000000.00"`); a withheld value is `null` with its `conf_status`. '
    "JSON is paginated (`next` is the following page's URL, pinned to the release "
    "answered; `limit` at most MARSAD_API_MAX_ROWS, 50,000); CSV (`format=csv`, or an "
    "`Accept` preferring `text/csv`) has every matched row, or the page that `limit` and "
    '`offset` ask for (the next page\'s URL in a `Link` header, `rel="next"`); a CSV '
    "answer of more than MARSAD_API_MAX_ROWS observations is refused with 413: narrow it, "
    "ask for pages, or download the whole table from "
    "`/downloads/{release}/indicators.csv`. An `Accept` "
    "taking neither JSON nor CSV is a 406. A code the release does not have, or a `start` "
    "after the `end`, is a 404 naming it (no observation can match); a malformed value "
    "is a 400.",
}


def observations(
    request: Request,
    store: Store,
    indicator: Indicator = None,
    flow: Flow = None,
    segment: Segment = None,
    service: Service = None,
    partner: Partner = None,
    freq: Freq = None,
    start: Start = None,
    end: End = None,
    release: ReleaseParam = None,
    as_of: AsOfParam = None,
    limit: Limit = None,
    offset: Offset = 0,
    format: Format = None,
) -> Response:
    fmt = format or _negotiated(request)
    info = store.resolve(release, as_of)
    filters = Filters.parse(
        indicator=indicator,
        flow=flow,
        segment=segment,
        service=service,
        partner=partner,
        freq=freq,
        start=start,
        end=end,
    )
    settings = api_limits(request.app)
    page_size = _page_size(limit, settings)
    frozen = named(release)
    tag = etag(sha256(info), info.id, repr(filters), fmt, str(limit), str(offset))
    hit = not_modified(request, tag, frozen)
    if hit is not None:
        return hit
    table = store.table(info)
    asked = {"indicator": indicator, "flow": flow, "segment": segment, "service": service,
             "partner": partner}  # fmt: skip
    _check_codes(table, filters, asked)
    rows = table.query(filters)
    if fmt == "csv":
        chosen = rows[offset:] if limit is None else rows[offset : offset + limit]
        _fits(chosen, table, settings[0], request, offset)
        links = _csv_links(request, info, len(rows), limit, offset)
        return Response(
            csv_text(chosen), media_type=CSV_TYPE, headers={**headers(tag, frozen), **links}
        )
    body = _page(request, info, rows, page_size, offset)
    return Response(body, media_type="application/json", headers=headers(tag, frozen))


def api_limits(app) -> tuple[int, int]:
    """(max rows, page size) of the settings, read once per app: the schema states the
    same maximum for ``limit`` (a larger one, valid by a schema without it, was a 400)."""
    found = getattr(app.state, "api_limits", None)
    if found is None:
        s = get_settings()
        found = app.state.api_limits = (s.api_max_rows, s.api_page_size)
    return found


def _page_size(limit: int | None, settings: tuple[int, int]) -> int:
    max_rows, page_size = settings
    if limit is None:
        return min(page_size, max_rows)
    if limit > max_rows:
        raise BadArgument(
            f"limit {limit} is more than {max_rows:,}, the most observations a page holds "
            "(MARSAD_API_MAX_ROWS): ask for smaller pages and follow next"
        )
    return limit


def _negotiated(request: Request) -> str:
    """``json`` or ``csv``, as the request's ``Accept`` prefers; 406 when neither."""
    accept = request.headers.get("accept")
    chosen = choose(accept, list(OFFERS))
    if chosen is None:
        raise Problem(
            406,
            f"cannot answer {quoted(accept or '')}: observations come as application/json or "
            "text/csv "
            "(or ask with format=json or format=csv)",
        )
    return OFFERS[chosen]


#: Codes a 404 lists at most (a release has some 200 partners: then it names the route).
SHOWN = 20


def _check_codes(table: PublicTable, filters: Filters, asked: dict[str, str | None]) -> None:
    """A 404 (:class:`~marsad.web.store.NoMatch`) for a code that ``table`` does not
    have, naming the parameter, its value as given and the codes (or the route listing
    them): ``segment=IT0`` answered no rows, as if the release had no data for it."""
    for dim in DIMENSIONS:
        codes = table.codes(dim)
        unknown = [c for c in getattr(filters, dim) if c not in codes]
        if not unknown:
            continue
        which = ", ".join(map(quoted, unknown[:SHOWN])) + (", …" if len(unknown) > SHOWN else "")
        known = ", ".join(codes) if len(codes) <= SHOWN else f"see /api/v1/{PLURAL[dim]}"
        raise NoMatch(
            f"{dim}={quoted(asked[dim] or '')}: no {dim} {which} in release {table.release.id} "
            f"(the {PLURAL[dim]}: {known})"
        )


def _fits(rows: list, table: PublicTable, max_rows: int, request: Request, offset: int) -> None:
    """A 413 when ``rows`` (one CSV answer, from ``offset``) are more than ``max_rows``."""
    if len(rows) > max_rows:
        after = f" after offset {offset:,}" if offset else ""
        whole = f"{request.scope.get('root_path', '')}/downloads/{table.release.id}/indicators.csv"
        raise Problem(
            413,
            f"{len(rows):,} observations match{after}, more than the {max_rows:,} one CSV answer "
            "may hold: narrow it with indicator, flow, segment, service, partner, freq, start "
            f"or end, ask for pages (limit={max_rows} and offset), or download the whole "
            f"table: {whole}",
        )


def _csv_links(
    request: Request, info: ReleaseInfo, total: int, limit: int | None, offset: int
) -> dict[str, str]:
    """The ``Link`` header of a CSV page followed by another (RFC 8288 ``rel="next"``)."""
    following = _next_url(request, info, total, limit, offset) if limit is not None else None
    return {"Link": f'<{following}>; rel="next"'} if following else {}


def _next_url(request: Request, info: ReleaseInfo, total: int, limit: int, offset: int) -> str:
    """The URL of the page after ``offset``/``limit`` (pinned to ``info``), or ``""``
    when that page is the last: path and query only, never the request's ``Host`` (which
    the client chooses, and a shared cache would pass on to everyone)."""
    if offset + limit >= total:
        return ""
    url = request.url.remove_query_params("asOf").include_query_params(
        release=info.id, offset=offset + limit, limit=limit
    )
    return f"{url.path}?{url.query}"


def csv_text(rows: list[tuple[str, ...]]) -> str:
    """The observation columns then ``rows``, written as the frozen CSV is (``\\n``)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(OBS_COLUMNS)
    writer.writerows(tuple(r[i] for i in _OBS) for r in rows)
    return out.getvalue()


def _page(request: Request, info: ReleaseInfo, rows: list, limit: int, offset: int) -> bytes:
    """The JSON page of ``rows`` from ``offset``, with the next page's URL."""
    import json

    chosen = rows[offset : offset + limit]
    page = [
        {c: (r[i] or None) if i == _VALUE else r[i] for c, i in zip(OBS_COLUMNS, _OBS, strict=True)}
        for r in chosen
    ]
    following = _next_url(request, info, len(rows), limit, offset) or None
    body = {"release": info.id, "observations": page, "next": following, "total": len(rows)}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
