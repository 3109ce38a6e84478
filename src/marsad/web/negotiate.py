"""Content negotiation: which of the types a route can answer an ``Accept`` header prefers.

Each media range of ``Accept`` has a quality (``q``, default 1; ``q=0`` means "not
this"). An offer takes the quality of the most specific range that matches it
(``text/csv`` before ``text/*`` before ``*/*``); the offer of highest quality wins, a
tie going to the range listed first in the header, then to the route's own order (its
first offer is its default). No acceptable offer: ``None`` (the route answers 406).

>>> choose("application/json, text/csv", ["application/json", "text/csv"])
'application/json'
>>> choose("text/csv;q=0, */*", ["application/json", "text/csv"])
'application/json'
>>> choose("application/xml", ["application/json", "text/csv"]) is None
True
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MediaRange:
    """One range of an ``Accept`` header (e.g. ``text/*;q=0.5``) and its position."""

    type: str
    subtype: str
    q: float
    position: int
    #: The ``version`` parameter, e.g. ``2.0.0`` (SDMX media types are versioned).
    version: str | None = None

    @property
    def media(self) -> str:
        """``type/subtype`` (e.g. ``text/csv``)."""
        return f"{self.type}/{self.subtype}"

    def specificity(self, offer: str) -> int:
        """How closely this range names ``offer`` (2 exactly, 1 ``type/*``, 0 ``*/*``),
        or -1 when it does not match it.

        >>> MediaRange("text", "*", 1.0, 0).specificity("text/csv")
        1
        """
        kind, _, sub = offer.partition("/")
        if self.type == "*":
            return 0 if self.subtype == "*" else -1
        if self.type != kind:
            return -1
        if self.subtype == "*":
            return 1
        return 2 if self.subtype == sub else -1


def parse(accept: str | None) -> list[MediaRange]:
    """The media ranges of an ``Accept`` header. A range that cannot be read (no ``/``,
    or a ``q`` that is not a number from 0 to 1, e.g. ``*/*;q=abc``) is skipped; no
    header, or none readable, is ``*/*``.

    A malformed ``q`` drops its range rather than counting as ``q=0`` ("not this", which
    made ``Accept: */*;q=abc`` a 406) or as ``q=1`` (which would rank first a range the
    client may have meant to lower, e.g. ``text/csv;q=0,1`` written with a decimal
    comma). RFC 9110 (12.5.1) lets a server disregard an Accept it cannot honour; a range
    it cannot read is disregarded the same way, as one without ``/`` already was.

    >>> [(r.type, r.subtype, r.q) for r in parse("text/csv;q=0.5, application/json")]
    [('text', 'csv', 0.5), ('application', 'json', 1.0)]
    """
    ranges = []
    for position, part in enumerate((accept or "*/*").split(",")):
        media, *params = (p.strip() for p in part.split(";"))
        kind, slash, sub = media.lower().partition("/")
        if not slash or not kind or not sub:
            continue
        q = quality(params)
        if q is None:
            continue
        ranges.append(MediaRange(kind, sub, q, position, _version(params)))
    if not ranges:
        ranges.append(MediaRange("*", "*", 1.0, 0))
    return ranges


def _version(params: list[str]) -> str | None:
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "version":
            return value.strip().strip('"') or None
    return None


def quality(params: list[str]) -> float | None:
    """The ``q`` of a range's parameters (default 1); None when it cannot be read or is
    out of 0-1 (``q=abc``, ``q=2``, ``q=nan``).

    >>> quality([]), quality(["q=0.5"]), quality(["q=abc"]), quality(["q=1.5"])
    (1.0, 0.5, None, None)
    """
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "q":
            try:
                q = float(value.strip())
            except ValueError:
                return None
            return q if 0.0 <= q <= 1.0 else None
    return 1.0


def choose(accept: str | None, offers: list[str]) -> str | None:
    """The offer ``accept`` prefers (see the module's rules), or ``None`` when it
    accepts none of them.

    >>> choose(None, ["application/json", "text/csv"])
    'application/json'
    >>> choose("text/csv, application/json", ["application/json", "text/csv"])
    'text/csv'
    """
    ranges = parse(accept)
    best: tuple[float, int, int] | None = None
    chosen = None
    for rank, offer in enumerate(offers):
        matching = [r for r in ranges if r.specificity(offer) >= 0]
        if not matching:
            continue
        top = max(matching, key=lambda r: r.specificity(offer))
        if top.q <= 0:
            continue
        key = (-top.q, top.position, rank)
        if best is None or key < best:
            best, chosen = key, offer
    return chosen
