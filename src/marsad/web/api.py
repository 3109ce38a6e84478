"""The REST API under ``/api/v1``: code lists, releases and observations.

Everything comes from a release's frozen public table (:mod:`marsad.web.store`), never
from the warehouse. Each read names its release (``release=`` an id or ``latest``, or
``asOf=YYYY-MM-DD`` for the release in force that day; default the latest), carries an
ETag (the release's SHA-256 and the normalised request) and ``Cache-Control`` (a year
for a named release, a minute otherwise), and answers 304 to a matching
``If-None-Match``. Errors are RFC 9457 problem details.

>>> sorted(r.path for r in router.routes)[:3]
['/indicators', '/observations', '/partners']
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import JSONResponse, Response

from marsad.indicators.registry import INDICATORS
from marsad.periods import Period
from marsad.web.api_common import (
    NOT_MODIFIED,
    AsOfParam,
    ReleaseParam,
    Store,
    cached_json,
    named,
    sha256,
)
from marsad.web.api_models import (
    CodeList,
    IndicatorList,
    PeriodList,
    ReleaseItem,
    ReleaseList,
)
from marsad.web.api_observations import OBSERVATIONS, observations
from marsad.web.caching import etag, headers, not_modified
from marsad.web.labels import labels
from marsad.web.problems import problem_responses
from marsad.web.query_check import checked
from marsad.web.store import FREQS, PublicStore, PublicTable, ReleaseInfo, period_order

router = APIRouter(dependencies=[Depends(checked())])

#: Frequency code of each period kind (``quarter`` -> ``Q``).
FREQ_OF = {kind: code for code, kind in FREQS.items()}


def _listing(
    request: Request, store: PublicStore, release: str | None, as_of: dt.date | None, build
) -> Response:
    info = store.resolve(release, as_of)
    return cached_json(request, info, named(release), lambda: build(info, store.table(info)))


LIST_RESPONSES = {**NOT_MODIFIED, **problem_responses(400, 404, 409, 503)}


@router.get(
    "/indicators",
    response_model=IndicatorList,
    responses=LIST_RESPONSES,
    tags=["codes"],
    summary="Indicators of a release",
    description="The indicators present in the release, in the registry's order: code, "
    "names in French, English and Arabic, unit and definition (formula).",
)
def indicators(
    request: Request, store: Store, release: ReleaseParam = None, as_of: AsOfParam = None
) -> Response:
    def build(info: ReleaseInfo, table: PublicTable) -> dict:
        present = set(table.codes("indicator"))
        return {
            "release": info.id,
            "indicators": [
                {
                    "id": i.id,
                    "labels": labels("indicator", i.id),
                    "unit": i.unit,
                    "definition": {"en": i.formula, "fr": i.formula_fr},
                }
                for i in INDICATORS.values()
                if i.id in present
            ],
        }

    return _listing(request, store, release, as_of, build)


def _codes(dimension: str):
    def build(info: ReleaseInfo, table: PublicTable) -> dict:
        codes = [{"code": c, "labels": labels(dimension, c)} for c in table.codes(dimension)]
        return {"release": info.id, "dimension": dimension, "codes": codes}

    def route(
        request: Request, store: Store, release: ReleaseParam = None, as_of: AsOfParam = None
    ) -> Response:
        return _listing(request, store, release, as_of, build)

    return route


for _dim, _plural, _what in (
    ("segment", "segments", "segments (ITO, CRM, ESO, BPO, KPO, and the totals TOTAL, DDS)"),
    ("service", "services", "EBOPS 2010 services (`_T`: all the sector's services)"),
    ("partner", "partners", "partner countries, ISO 3166 codes (`_T`: all partners)"),
):
    router.add_api_route(
        f"/{_plural}",
        _codes(_dim),
        methods=["GET"],
        name=_plural,
        response_model=CodeList,
        responses=LIST_RESPONSES,
        tags=["codes"],
        summary=f"{_plural.capitalize()} of a release",
        description=f"The {_what} present in the release, sorted by code, with their "
        "names in French, English and Arabic.",
    )


@router.get(
    "/periods",
    response_model=PeriodList,
    responses=LIST_RESPONSES,
    tags=["codes"],
    summary="Periods of a release",
    description="The periods present in the release with their frequency: years (A), "
    "then halves (S), quarters (Q) and months (M), each in time order.",
)
def periods(
    request: Request, store: Store, release: ReleaseParam = None, as_of: AsOfParam = None
) -> Response:
    order = list(FREQS)

    def build(info: ReleaseInfo, table: PublicTable) -> dict:
        found = [{"period": p, "freq": _freq(p)} for p in table.codes("period")]
        found.sort(key=lambda x: (order.index(x["freq"]), period_order(x["period"])))
        return {"release": info.id, "periods": found}

    return _listing(request, store, release, as_of, build)


def _freq(period: str) -> str:
    return FREQ_OF[Period.parse(period).kind]


def release_item(request: Request, info: ReleaseInfo) -> dict:
    """A release as the API lists it, with links to its answers and files: paths on this
    server (``/api/v1/releases/R1``), never built from the request's ``Host``, which the
    client chooses and a shared cache would then serve to everyone."""
    base = request.scope.get("root_path", "")
    api = f"{base}/api/v1"
    return {
        **info.public(),
        "links": {
            "self": f"{api}/releases/{info.id}",
            "observations": f"{api}/observations?release={info.id}",
            "downloads": f"{base}/downloads/{info.id}/",
            "indicators_csv": f"{base}/downloads/{info.id}/indicators.csv",
        },
    }


@router.get(
    "/releases",
    response_model=ReleaseList,
    responses=NOT_MODIFIED,
    tags=["releases"],
    summary="Every release",
    description="The archive of releases, oldest first: id, date, note, last period "
    "covered, whether built from synthetic data, and links to its observations and "
    "downloads; and the ids of the releases made but unavailable for the moment (damaged "
    "or missing on the server). Cached for a minute (a new release may appear).",
)
def releases(request: Request, store: Store) -> Response:
    found = store.releases()
    unavailable = sorted({*store.damaged(), *store.missing()})
    told = found and not store.after(found[-1])  # a release that cannot be read may be later
    tag = etag(*(f"{r.id}:{sha256(r)}" for r in found), "unavailable", *unavailable)
    hit = not_modified(request, tag, False)
    if hit is not None:
        return hit
    body = {
        "latest": found[-1].id if told else None,
        "releases": [release_item(request, r) for r in found],
        "unavailable": unavailable,
    }
    return JSONResponse(body, headers=headers(tag, False))


@router.get(
    "/releases/{release_id}",
    response_model=ReleaseItem,
    responses={**NOT_MODIFIED, **problem_responses(400, 404, 409, 503)},
    tags=["releases"],
    summary="One release",
    description="A release by id (or `latest`), with links to its observations and "
    "downloads; 404 when there is no such release.",
)
def release(
    request: Request,
    store: Store,
    release_id: Annotated[str, Path(description="A release id or `latest`.", examples=["latest"])],
) -> Response:
    info = store.find(release_id)
    return cached_json(request, info, named(release_id), lambda: release_item(request, info))


router.add_api_route("/observations", observations, methods=["GET"], **OBSERVATIONS)
