"""HTTP caching of what the web serves: an ETag and ``Cache-Control`` on every read.

A release never changes, so anything asked of a named release is cached for a year
(``immutable``); what follows ``latest`` (or no release at all) may change when a new
release is made, so it is cached for a minute and revalidated by its ETag. The ETag is
a hash of what determines the answer (the release's SHA-256 and the request), computed
before the answer is made: a matching ``If-None-Match`` gets 304 without any work.

>>> headers(etag("sha", "indicator=level"), frozen=True)["Cache-Control"]
'public, max-age=31536000, immutable'

Answers that are slow to make (an SDMX-ML message of 48,000 observations takes seconds)
are also kept in :data:`ANSWERS`, a bounded in-memory cache keyed by the same ETag: a
repeated query is answered at once, and a request made while the same answer is being
made waits for it rather than making it again.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable

from fastapi import Request
from fastapi.responses import Response

#: Cache-Control of an answer about a named release (never changes).
FROZEN = "public, max-age=31536000, immutable"
#: Cache-Control of an answer that follows the latest release.
LATEST = "public, max-age=60, must-revalidate"
#: Cache-Control of the dashboard's and the API docs' assets (``/static``): they change
#: only with marsad itself, and their ETag revalidates them after an hour.
ASSETS = "public, max-age=3600"


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


#: Total size of the answers kept in memory (64 MB).
ANSWER_CACHE_BYTES = 64 * 1024 * 1024


class AnswerCache:
    """A thread-safe LRU cache of answer bodies, bounded by their total size in bytes.

    :meth:`get` makes a missing answer once: concurrent requests for the same key wait
    on that key's lock and take the answer made by the first. An answer larger than
    the whole cache is made and returned but not kept.

    >>> cache = AnswerCache(max_bytes=10)
    >>> cache.get("a", lambda: b"12345"), cache.get("a", lambda: b"other")
    (b'12345', b'12345')
    >>> _ = cache.get("b", lambda: b"67890"); _ = cache.get("c", lambda: b"x")
    >>> "a" in cache, "b" in cache, cache.size
    (False, True, 6)
    """

    def __init__(self, max_bytes: int = ANSWER_CACHE_BYTES) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self._items: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()
        self._making: dict[str, tuple[threading.Lock, int]] = {}

    def __contains__(self, key: str) -> bool:
        with self._lock:
            return key in self._items

    def get(self, key: str, make: Callable[[], bytes]) -> bytes:
        """The answer kept under ``key``, else ``make()`` (made once, then kept)."""
        found = self._lookup(key)
        if found is not None:
            return found
        lock = self._claim(key)
        try:
            with lock:
                found = self._lookup(key)
                if found is None:
                    found = make()
                    self._keep(key, found)
                return found
        finally:
            self._release(key)

    def clear(self) -> None:
        """Forget every answer (e.g. in tests)."""
        with self._lock:
            self._items.clear()
            self.size = 0

    def _lookup(self, key: str) -> bytes | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def _claim(self, key: str) -> threading.Lock:
        """The lock of ``key``'s making, shared by the requests waiting for it."""
        with self._lock:
            lock, users = self._making.get(key, (threading.Lock(), 0))
            self._making[key] = (lock, users + 1)
            return lock

    def _release(self, key: str) -> None:
        with self._lock:
            lock, users = self._making[key]
            if users == 1:
                del self._making[key]
            else:
                self._making[key] = (lock, users - 1)

    def _keep(self, key: str, body: bytes) -> None:
        if len(body) > self.max_bytes:
            return
        with self._lock:
            old = self._items.pop(key, b"")
            self._items[key] = body
            self.size += len(body) - len(old)
            while self.size > self.max_bytes:
                _, dropped = self._items.popitem(last=False)
                self.size -= len(dropped)


#: The answers of the web (SDMX data messages), shared by every request of the process.
ANSWERS = AnswerCache()
