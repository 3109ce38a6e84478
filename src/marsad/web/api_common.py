"""What the API's routes share: the release parameters, whole numbers and the cached answer.

>>> named("2025-S1"), named("latest"), named(None)
(True, False, False)
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BeforeValidator, Field

from marsad.dates import IsoDate
from marsad.web.app import store
from marsad.web.caching import etag, headers, not_modified
from marsad.web.store import PublicStore, ReleaseInfo

_DIGITS = re.compile(r"[0-9]+", re.ASCII)


def _whole(value: object) -> object:
    """A pydantic validator (before its own) of a count in a query string: ASCII digits
    only. Pydantic also reads ``1_0`` as 10, ``10.0``, ``+10`` and `` 10``, which the
    schema's ``integer`` does not admit (``limit=1_0`` was a page of 10).

    >>> _whole("10"), _whole(3)
    (10, 3)
    >>> _whole("1_0")
    Traceback (most recent call last):
    ValueError: '1_0' is not a whole number (digits 0-9 only, e.g. 10)
    """
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and _DIGITS.fullmatch(value):
        return int(value)
    raise ValueError(f"{repr(value)[:40]} is not a whole number (digits 0-9 only, e.g. 10)")


#: A count a query parameter gives (``offset``): digits only; its JSON schema stays
#: ``{"type": "integer", "minimum": 0}`` (the bound is inside, by ``Field``: given to
#: ``Query`` after the validator, pydantic wrote ``"ge": 0``, unknown to JSON Schema).
WholeNumber = Annotated[int, Field(ge=0), BeforeValidator(_whole)]
#: A count from 1 (``limit``, ``lastNObservations``), as :data:`WholeNumber`.
PositiveNumber = Annotated[int, Field(ge=1), BeforeValidator(_whole)]
Store = Annotated[PublicStore, Depends(store)]
ReleaseParam = Annotated[
    str | None,
    Query(
        description="A release id (e.g. 2025-S1) or `latest`; default the latest. "
        "An answer about a release named by id is cached for a year.",
        examples=["latest"],
    ),
]
AsOfParam = Annotated[
    IsoDate | None,
    Query(
        alias="asOf",
        description="Answer as the latest release dated on or before this day "
        "(YYYY-MM-DD) stood; with `release`, that release if it was published by then "
        "(404 otherwise), `latest` the one in force that day.",
        examples=["2025-10-31"],
    ),
]
#: The 304 answer, declared for the schema.
NOT_MODIFIED: dict[int | str, dict] = {304: {"description": "Not Modified (If-None-Match)"}}


def named(release: str | None) -> bool:
    """True when the request names its release by id (so its answer never changes)."""
    return bool(release) and release != "latest"


def sha256(info: ReleaseInfo) -> str:
    """The SHA-256 of ``info``'s public table, as its manifest recorded it when the
    releases were listed (:class:`~marsad.web.store.ReleaseInfo`: no file read here)."""
    return info.sha256


def cached_json(
    request: Request, info: ReleaseInfo, frozen: bool, body: Callable[[], dict], *parts: str
) -> Response:
    """The JSON answer ``body()`` with its ETag (``info``'s SHA-256, the path and
    ``parts``) and Cache-Control, or 304 when the client already has it."""
    tag = etag(sha256(info), info.id, request.url.path, *parts)
    hit = not_modified(request, tag, frozen)
    if hit is not None:
        return hit
    return JSONResponse(body(), headers=headers(tag, frozen))
