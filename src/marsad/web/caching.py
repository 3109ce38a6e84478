"""HTTP caching of what the web serves: an ETag and ``Cache-Control`` on every read.

A release never changes, so anything asked of a named release is cached for a year
(``immutable``); what follows ``latest`` (or no release at all) may change when a new
release is made, so it is cached for a minute and revalidated by its ETag. The ETag is
a hash of what determines the answer (the release's SHA-256 and the request), computed
before the answer is made: a matching ``If-None-Match`` gets 304 without any work.

>>> headers(etag("sha", "indicator=level"), frozen=True)["Cache-Control"]
'public, max-age=31536000, immutable'
"""

from __future__ import annotations

import hashlib

from fastapi import Request
from fastapi.responses import Response

#: Cache-Control of an answer about a named release (never changes).
FROZEN = "public, max-age=31536000, immutable"
#: Cache-Control of an answer that follows the latest release.
LATEST = "public, max-age=60, must-revalidate"


def etag(*parts: str) -> str:
    """A strong ETag naming ``parts`` (e.g. a release's SHA-256 and a query string).

    >>> etag("a", "b") == etag("a", "b") != etag("a", "c")
    True
    """
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]
    return f'"{digest}"'


def cache_control(frozen: bool) -> str:
    """:data:`FROZEN` when the answer names its release, else :data:`LATEST`."""
    return FROZEN if frozen else LATEST


def headers(tag: str, frozen: bool) -> dict[str, str]:
    """The caching headers of an answer (ETag, Cache-Control, Vary: Accept)."""
    return {"ETag": tag, "Cache-Control": cache_control(frozen), "Vary": "Accept"}


def not_modified(request: Request, tag: str, frozen: bool) -> Response | None:
    """A 304 answer when the client already holds ``tag`` (``If-None-Match``), else None."""
    held = request.headers.get("if-none-match", "")
    tags = {t.strip().removeprefix("W/") for t in held.split(",")}
    if tag in tags or "*" in tags:
        return Response(status_code=304, headers=headers(tag, frozen))
    return None
