"""SDMX-REST: the indicators as SDMX data and structures, for SDMX clients.

Two forms of the same service, both read from a release's frozen public table:

* SDMX-REST 2.0 (``/sdmx/v2``): ``/data/dataflow/MA/DIGITAL_EXPORTS/1.0/A.level.exports``
  with component filters ``c[TIME_PERIOD]=ge:2023+le:2024``, and
  ``/structure/{datastructure|dataflow|codelist|conceptscheme}/MA/{id}/{version}``;
* SDMX-REST 1.5 (SDMX 2.1): ``/data/DIGITAL_EXPORTS/A.level.exports?startPeriod=2023``
  and ``/{datastructure|dataflow|codelist|conceptscheme}/MA/{id}/{version}``.

Data come as SDMX-ML 2.1 structure-specific (the default), SDMX-CSV 2.0 or SDMX-JSON 2.0,
by ``Accept`` (or ``format=csv|json|xml``); see :mod:`marsad.web.sdmx_formats`. Every
read names its release (``release=``, ``asOf=``, default the latest) and carries an ETag
and Cache-Control; a query matching nothing answers 404 (NoResultsFound). Data answers
are kept in the in-memory :data:`marsad.web.caching.ANSWERS` by their ETag, so a repeated
query is answered at once.

The OpenAPI schema lists each resource in its full form; the forms SDMX-REST allows
beside it (trailing parameters left out, a data provider named) are :data:`UNLISTED`.

>>> "/data/{flow}/{key}/{provider}" in UNLISTED, "/v2/structure/dataflow" in UNLISTED
(True, True)
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from marsad.dates import IsoDate
from marsad.errors import quoted
from marsad.publish import sdmx as psdmx
from marsad.web import caching
from marsad.web.api_common import PositiveNumber
from marsad.web.app import store
from marsad.web.problems import Problem, problem_responses
from marsad.web.query_check import SDMX_COMPONENT, SDMX_UNSUPPORTED, checked
from marsad.web.sdmx_formats import (
    STRUCTURE_XML,
    data_body,
    data_media,
    negotiate_data,
    negotiate_structure,
)
from marsad.web.sdmx_query import SdmxQuery, changed_since, first_and_last, updated_after
from marsad.web.sdmx_structures import RESOURCES, artefacts, check_flow, parse_flow_ref
from marsad.web.store import NoRelease, PublicStore, ReleaseInfo

router = APIRouter(tags=["SDMX"], dependencies=[Depends(checked(SDMX_COMPONENT, SDMX_UNSUPPORTED))])
Store = Annotated[PublicStore, Depends(store)]
#: The GET routes (under the router's prefix, ``/sdmx``) left out of the OpenAPI schema:
#: the shorter forms of each structure query (``/dataflow/MA``, ``/dataflow``: agency, id
#: and version default to all, all, latest) and the data query naming a provider.
UNLISTED: list[str] = ["/data/{flow}/{key}/{provider}"]

_ERRORS = problem_responses(400, 404, 406, 409, 413, 501, 503)
_DATA = {200: {"description": "The observations", "content": data_media()}, **_ERRORS}
_STRUCT = {
    200: {"description": "An SDMX-ML 2.1 structure message", "content": {STRUCTURE_XML: {}}},
    **problem_responses(400, 404, 406, 409, 501, 503),
}
RELEASE = Query(None, description="A release id (e.g. 2025-S1) or latest (the default).")
AS_OF = Query(None, alias="asOf", description="The release in force on this date.")
FORMAT = Query(None, description="csv, json or xml: overrides Accept (for a browser).")
DIM_AT_OBS = Query("TIME_PERIOD", alias="dimensionAtObservation",
                   description="TIME_PERIOD (series by key) or AllDimensions (flat).")  # fmt: skip
DETAIL = Query("full", description="full or dataonly (both answer the whole observations).")
TIME = Query(None, alias="c[TIME_PERIOD]",
             description="Periods: ge:2023+le:2024 (+: and; comma: or).")  # fmt: skip
START = Query(None, alias="startPeriod", description="First period (e.g. 2023 or 2023-Q1).")
END = Query(None, alias="endPeriod", description="Last period (e.g. 2024 or 2024-12).")
REFERENCES = Query("none", description="none, parents, children, descendants or all.")
FIRST_N = Query(None, alias="firstNObservations",
                description="At most this many observations a series, the earliest.")  # fmt: skip
UPDATED_AFTER = Query(None, alias="updatedAfter",
                      description="Only the observations new or changed in a release "
                      "published after this instant (e.g. 2025-10-15T00:00:00Z).")  # fmt: skip
LAST_N = Query(None, alias="lastNObservations",
               description="At most this many observations a series, the latest (e.g. 1: "
               "each series' latest value).")  # fmt: skip


@router.get("/v2/data/{context}/{agency}/{flow}/{version}/{key}", responses=_DATA,
            summary="Data (SDMX-REST 2.0)")  # fmt: skip
@router.get("/v2/data/{context}/{agency}/{flow}/{version}", responses=_DATA,
            summary="All data (SDMX-REST 2.0)")  # fmt: skip
def data_v2(
    request: Request,
    pub: Store,
    context: str,
    agency: str,
    flow: str,
    version: str,
    key: str = "*",
    release: str | None = RELEASE,
    as_of: IsoDate | None = AS_OF,
    format: str | None = FORMAT,
    time: str | None = TIME,
    dimension_at_observation: str = DIM_AT_OBS,
    first_n: PositiveNumber | None = FIRST_N,
    last_n: PositiveNumber | None = LAST_N,
    updated: str | None = UPDATED_AFTER,
) -> Response:
    """Observations of a key (``A.level.exports`` -> annual exports levels of every
    segment, service and partner), e.g. ``/sdmx/v2/data/dataflow/MA/DIGITAL_EXPORTS/1.0/
    A.level.exports.TOTAL._T.W1?c[TIME_PERIOD]=ge:2023``."""
    if context not in ("dataflow", "datastructure", "*"):
        raise Problem(404, f"no {context} context: use dataflow, datastructure or *")
    check_flow(agency, flow, version)
    return _answer(request, pub, key, release, as_of, format, dimension_at_observation,
                   (first_n, last_n), updated)  # fmt: skip


@router.get(UNLISTED[0], responses=_DATA, include_in_schema=False)
@router.get("/data/{flow}/{key}", responses=_DATA, summary="Data (SDMX-REST 1.5, SDMX 2.1)")
@router.get("/data/{flow}", responses=_DATA, summary="All data (SDMX-REST 1.5, SDMX 2.1)")
def data_v1(
    request: Request,
    pub: Store,
    flow: str,
    key: str = "all",
    provider: str = "all",
    release: str | None = RELEASE,
    as_of: IsoDate | None = AS_OF,
    format: str | None = FORMAT,
    start: str | None = START,
    end: str | None = END,
    dimension_at_observation: str = DIM_AT_OBS,
    detail: str = DETAIL,
    first_n: PositiveNumber | None = FIRST_N,
    last_n: PositiveNumber | None = LAST_N,
    updated: str | None = UPDATED_AFTER,
) -> Response:
    """Observations of a key, e.g. ``/sdmx/data/DIGITAL_EXPORTS/A.level.exports?
    startPeriod=2023`` (flow ``DIGITAL_EXPORTS`` or ``MA,DIGITAL_EXPORTS,1.0``)."""
    check_flow(*parse_flow_ref(flow))
    if provider not in ("all", "*", psdmx.agency()):
        raise Problem(404, f"no data provider {quoted(provider)}: use all")
    if detail not in ("full", "dataonly"):
        raise Problem(400, f"detail={detail} is not served: use full or dataonly")
    return _answer(request, pub, key, release, as_of, format, dimension_at_observation,
                   (first_n, last_n), updated)  # fmt: skip


def _answer(request: Request, pub: PublicStore, key: str, release: str | None,
            as_of: dt.date | None, fmt: str | None, at_obs: str,
            first_last: tuple[int | None, int | None] = (None, None),
            updated: str | None = None) -> Response:  # fmt: skip
    if at_obs not in ("TIME_PERIOD", "AllDimensions"):
        raise Problem(400, f"dimensionAtObservation={at_obs} is not served: use TIME_PERIOD "
                      "or AllDimensions")  # fmt: skip
    kind, media = negotiate_data(request.headers.get("accept"), fmt)
    query = SdmxQuery.parse(key, request.query_params)
    info = pub.resolve(release, as_of)
    since = _since(pub, info, updated)
    frozen = bool(release and release != "latest")
    # (with updatedAfter, the release compared with too: one dated back may come later)
    base = (since.id, since.sha256) if since else ()
    made = caching.etag(info.sha256, *base, kind, at_obs, request.url.path, str(request.url.query))
    # the answer's validator names its media type too: text/csv and SDMX-CSV are the same
    # bytes under two Content-Types, two representations (RFC 9110 8.8.3)
    tag = caching.etag(made, media)
    held = caching.not_modified(request, tag, frozen)
    if held is not None:
        return held

    def make() -> bytes:
        table = pub.table(info)
        rows = query.select(table)
        if since is not False:
            asked, rows = rows, changed_since(rows, since and pub.table(since).rows)
            if asked and not rows:  # (the key matches: nothing of it changed)
                raise Problem(404, f"NoResultsFound: no observation of the key {quoted(key)} "
                              f"changed in release {info.id} since release {since.id}, in "
                              f"force on updatedAfter={updated}")  # fmt: skip
        rows = first_and_last(rows, *first_last)
        _check_size(rows, key, info, query.unknown(table) if not rows else [])
        with _MAKING:
            return data_body(kind, rows, info.publication(), at_obs).encode("utf-8")

    body = caching.ANSWERS.get(made, make)
    return Response(body, media_type=media, headers=caching.headers(tag, frozen))


#: Data messages made at once (the others wait their turn): an SDMX-ML message is written
#: a series at a time by pysdmx, about 1.5 ms each (``lastNObservations=1`` over the demo:
#: 5,950 series, 9 s of one core), so six such queries at once held both cores for a
#: minute; one at a time, the other core answers the rest. A repeated query is answered
#: from :data:`~marsad.web.caching.ANSWERS` without waiting.
_MAKING = threading.Lock()


def _since(pub: PublicStore, info: ReleaseInfo, updated: str | None):
    """What ``updatedAfter`` compares release ``info`` with: False when not asked; the
    release in force on the instant's day (None when there was none, every observation
    being new); a 404 NoResultsFound when ``info`` itself was published by then (nothing
    of it is updated after)."""
    if updated is None:
        return False
    day = updated_after(updated)
    if info.date <= day.isoformat():
        raise Problem(404, f"NoResultsFound: release {info.id} was published on {info.date}, "
                      f"not after updatedAfter={updated}")  # fmt: skip
    try:
        return pub.as_of(day)
    except NoRelease:
        return None


def _check_size(rows: list, key: str, info: ReleaseInfo, unknown: list[str]) -> None:
    """404 NoResultsFound for no rows, as the SDMX-REST spec has it for an empty result
    (a key code the release does not have too: the detail names it); 413 for too many."""
    from marsad.settings import get_settings

    if not rows:
        why = f": release {info.id} has no {'; no '.join(unknown)}" if unknown else ""
        raise Problem(404, f"NoResultsFound: no observation matches the key {quoted(key)} and "
                      f"periods asked in release {info.id}{why}")  # fmt: skip
    most = get_settings().api_max_rows
    if len(rows) > most:
        raise Problem(413, f"the query matches {len(rows):,} observations, more than "
                      f"{most:,}: narrow the key or the periods, or download the whole "
                      f"table at /downloads/{info.id}/indicators-sdmx.csv")  # fmt: skip


def _structure(request: Request, pub: PublicStore, resource: str, agency: str, rid: str,
               version: str, references: str, release: str | None) -> Response:  # fmt: skip
    negotiate_structure(request.headers.get("accept"))
    info = pub.resolve(release, None)
    frozen = bool(release and release != "latest")
    tag = caching.etag(info.sha256, request.url.path, str(request.url.query))
    held = caching.not_modified(request, tag, frozen)
    if held is not None:
        return held
    found = artefacts(pub.table(info), resource, agency, rid, version, references)
    body = psdmx.structure_text(found, info.publication())
    return Response(body, media_type=STRUCTURE_XML, headers=caching.headers(tag, frozen))


def _add_structure_routes(prefix: str, resource: str, label: str) -> None:
    def read(
        request: Request,
        pub: Store,
        agency: str = "all",
        rid: str = "all",
        version: str = "latest",
        references: str = REFERENCES,
        release: str | None = RELEASE,
    ) -> Response:
        return _structure(request, pub, resource, agency, rid, version, references, release)

    read.__doc__ = f"The {resource} as an SDMX-ML 2.1 structure message ({label})."
    base = f"{prefix}/{resource}"
    full = f"{base}/{{agency}}/{{rid}}/{{version}}"
    name = f"sdmx_{resource}_{label.split()[-1].replace('.', '_')}"
    router.get(full, responses=_STRUCT, summary=f"{resource} ({label})", operation_id=name)(read)
    for path in (f"{base}/{{agency}}/{{rid}}", f"{base}/{{agency}}", base):
        router.get(path, responses=_STRUCT, include_in_schema=False)(read)
        UNLISTED.append(path)


for _resource in RESOURCES:
    _add_structure_routes("/v2/structure", _resource, "SDMX-REST 2.0")
    _add_structure_routes("", _resource, "SDMX-REST 1.5")


#: SDMX's availability queries (SDMX-REST 1.5 ``availableconstraint``, 2.0
#: ``availability``): not served, and said so by a 501 problem (they were a bare 404).
AVAILABILITY = ("/availableconstraint/{path:path}", "/v2/availability/{path:path}")


@router.get("/", include_in_schema=False)
def sdmx_index() -> Response:
    """``/sdmx/`` itself: a 404 problem naming the queries (it was the dashboard's French
    HTML page "Page introuvable")."""
    raise Problem(
        404,
        "no SDMX resource at /sdmx/: ask for data (/sdmx/data/DIGITAL_EXPORTS/{key}, or "
        "/sdmx/v2/data/dataflow/MA/DIGITAL_EXPORTS/1.0/{key}) or structures "
        "(/sdmx/dataflow/MA/DIGITAL_EXPORTS/1.0); the API's documentation is at /api/v1/docs",
    )


def sdmx_availability(path: str) -> Response:
    """An availability query: 501 (SDMX-REST NotImplemented)."""
    raise Problem(
        501,
        "availability queries are not supported by this service (SDMX-REST "
        "NotImplemented): ask for the data of a key, whose answer holds its observations",
    )


UNLISTED.append("/")
for _path in AVAILABILITY:
    router.get(_path, include_in_schema=False)(sdmx_availability)
    UNLISTED.append(_path)
