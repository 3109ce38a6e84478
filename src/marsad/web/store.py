"""What the web serves: the releases on disk and their public tables, read once.

The web never opens the warehouse to answer a reader: everything public comes from a
release's frozen public table (``indicators.csv``, its SHA-256 checked against the
manifest), so a build or an ingest running beside the server changes nothing that is
served until a release is made. Releases are immutable, so each one is read once and
kept; the list of releases is read again only when the releases folder changes (a
release made, removed, damaged or repaired: :func:`marsad.release.store.stamps`).

>>> from marsad.web.store import Filters
>>> Filters.parse(indicator="level", segment="ITO,CRM", freq="Q").segment
('ITO', 'CRM')
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from marsad.errors import BadArgument, quoted
from marsad.indicators.registry import COLUMNS
from marsad.indicators.table import synthetic_build
from marsad.periods import KINDS, Period
from marsad.publish.columns import Publication
from marsad.publish.export import read_frozen
from marsad.release.store import (
    PUBLIC_CSV,
    DamagedRelease,
    MissingRelease,
    Release,
    check_name,
    stamps,
    survey,
)
from marsad.web import exact, unavailable
from marsad.web.unavailable import ReleaseUnavailable

#: Columns of a public observation, as the API answers them (the table's, less ``release``).
OBS_COLUMNS: tuple[str, ...] = tuple(c for c in COLUMNS if c != "release")
#: Frequencies (SDMX CL_FREQ) and the period kind each names.
FREQS: dict[str, str] = {"A": "year", "S": "half", "Q": "quarter", "M": "month"}
#: The dimensions a query can filter on, in the table's order.
DIMENSIONS: tuple[str, ...] = ("indicator", "flow", "segment", "service", "partner")
_SERIES = tuple(COLUMNS.index(c) for c in DIMENSIONS)
_PERIOD = COLUMNS.index("period")

log = logging.getLogger(__name__)


class NoRelease(BadArgument):
    """No release answers the request: none yet, an unknown id, or none by that date."""


class NoMatch(BadArgument):
    """A query well formed but naming what no observation can match: a code the release
    does not have (``segment=IT0``), a start after the end. The API answers 404 naming
    it, as SDMX's NoResultsFound: a 400 would refuse a request its schema calls valid
    (the codes are the release's, the order of two periods no schema can state)."""


class PeriodsInverted(NoMatch):
    """A ``start`` after the ``end`` (``start=2025&end=2024``): no period can match. The
    dashboard says it in the page's language (``Le début 2025 vient après la fin
    2024``), the API in English."""

    def __init__(self, start: str, end: str) -> None:
        super().__init__(f"start {start} comes after end {end}: no period can match")
        self.start, self.end = start, end


@dataclass(frozen=True)
class ReleaseInfo:
    """A release as the public sees it (e.g. id ``2025-S1``, dated 2025-10-15).

    Only what the manifest says publicly: never its inputs' details, its settings or
    any confidentiality parameter.
    """

    id: str
    date: str
    note: str
    last_period: str | None
    build: str
    previous: tuple[str, ...]
    path: Path = field(repr=False, compare=False)
    #: SHA-256 of the frozen public table, as the manifest records it (read with the
    #: manifest: a release made again under the same id is another ``ReleaseInfo``).
    sha256: str = ""
    #: The files the manifest lists (e.g. ``indicators.csv``, ``revisions.csv``).
    files: frozenset[str] = field(default=frozenset(), repr=False, compare=False)

    @property
    def synthetic(self) -> bool:
        """True when the release was built from synthetic firms (its build id says so)."""
        return synthetic_build(self.build)

    def publication(self) -> Publication:
        """Who publishes the release and when, for every file the web makes of it (e.g.
        ``Publication(release="2025-S1", release_date=date(2025, 10, 15), ...)``): its
        :meth:`~marsad.publish.columns.Publication.stamp` is what the workbooks' and the
        SDMX messages' own dates say, so that two downloads have the same bytes."""
        return Publication.of_release(self.id, self.date, synthetic=self.synthetic)

    def public(self) -> dict:
        """The release as the API lists it (e.g. ``{"id": "2025-S1", "date": ...}``)."""
        return {
            "id": self.id,
            "date": self.date,
            "note": self.note,
            "last_period": self.last_period,
            "synthetic": self.synthetic,
            "previous": list(self.previous),
        }

    @classmethod
    def of(cls, release: Release) -> ReleaseInfo:
        m = release.manifest
        return cls(
            id=release.id,
            date=str(m.get("date", "")),
            note=str(m.get("note", "")),
            last_period=m.get("last_period"),
            build=str(m.get("build", "")),
            previous=tuple(m.get("previous_releases", ())),
            path=release.path,
            sha256=str(m.get("files", {}).get(PUBLIC_CSV, "")),
            files=frozenset(m.get("files", {})),
        )


@dataclass(frozen=True)
class Filters:
    """A query on a public table: each dimension a set of codes (empty: all), a
    frequency, and a period range by months (``start`` 2023-Q1 keeps periods that begin
    in January 2023 or later; ``end`` 2025-Q2 those that end in June 2025 or earlier).

    >>> Filters.parse(start="2023-Q1", end="2024").months
    ((2023, 1), (2024, 12))
    >>> Filters.parse(freq="W")
    Traceback (most recent call last):
    ...
    marsad.errors.BadArgument: not a frequency: 'W' (use A, S, Q or M)
    """

    indicator: tuple[str, ...] = ()
    flow: tuple[str, ...] = ()
    segment: tuple[str, ...] = ()
    service: tuple[str, ...] = ()
    partner: tuple[str, ...] = ()
    freq: tuple[str, ...] = ()
    months: tuple[tuple[int, int] | None, tuple[int, int] | None] = (None, None)

    @classmethod
    def parse(cls, *, freq: str | None = None, start: str | None = None,
              end: str | None = None, **codes: str | None) -> Filters:  # fmt: skip
        """Filters from query parameters: comma-separated codes (``ITO,CRM``), a
        frequency ``A``, ``S``, ``Q`` or ``M`` (or several), ``start``/``end`` periods."""
        unknown = set(codes) - set(DIMENSIONS)
        if unknown:
            raise TypeError(f"unknown filter(s): {', '.join(sorted(unknown))}")
        kinds = codes_of(freq, "freq")
        for f in kinds:
            if f not in FREQS:
                raise BadArgument(f"not a frequency: {quoted(f)} (use A, S, Q or M)")
        first = Period.typed(start).months[0] if start else None  # 2024-q1 as 2024-Q1
        last = Period.typed(end).months[-1] if end else None
        if first and last and first > last:
            raise PeriodsInverted(start, end)
        return cls(
            **{d: codes_of(codes.get(d), d) for d in DIMENSIONS},
            freq=tuple(FREQS[f] for f in kinds),
            months=(first, last),
        )

    def series_keys(self) -> list[tuple[str, ...]] | None:
        """Every series key the filters name, when each dimension names its codes (a
        lookup, not a scan); ``None`` when one dimension is open."""
        parts = [getattr(self, d) for d in DIMENSIONS]
        if not all(parts):
            return None
        keys: list[tuple[str, ...]] = [()]
        for codes in parts:
            keys = [(*k, c) for k in keys for c in codes]
        return keys

    def keeps(self, row: tuple[str, ...]) -> bool:
        """True when ``row`` (a table row) passes every filter."""
        for i, d in zip(_SERIES, DIMENSIONS, strict=True):
            wanted = getattr(self, d)
            if wanted and row[i] not in wanted:
                return False
        return self.keeps_period(row[_PERIOD])

    def keeps_period(self, period: str) -> bool:
        p = _period(period)
        if self.freq and p.kind not in self.freq:
            return False
        first, last = self.months
        return (first is None or p.months[0] >= first) and (last is None or p.months[-1] <= last)


def codes_of(text: str | None, name: str) -> tuple[str, ...]:
    """The codes of a comma list (``ITO,CRM``), each once; none for no list or an empty
    one (a page's field left empty; the API refuses an empty parameter before). A list with
    an empty code (``,``, ``ITO,,KPO``) is refused (:class:`BadArgument`, a 400): it read
    as every code, or as the codes given, an answer that looked filtered.

    >>> codes_of(" ITO,CRM,ITO", "segment"), codes_of(None, "segment")
    (('ITO', 'CRM'), ())
    >>> codes_of("ITO,,KPO", "segment")
    Traceback (most recent call last):
    marsad.errors.BadArgument: segment='ITO,,KPO': a code of the list is empty: name each code (e.g. segment=A,B), or leave segment out for all
    """  # noqa: E501
    if text is None or not text.strip():
        return ()
    codes = [x.strip() for x in text.split(",")]
    if not all(codes):
        raise BadArgument(
            f"{name}={text!r}: a code of the list is empty: name each code (e.g. "
            f"{name}=A,B), or leave {name} out for all"
        )
    return tuple(dict.fromkeys(codes))


_PERIODS: dict[str, Period] = {}


def _period(text: str) -> Period:
    """A parsed period, remembered (a table has a few hundred distinct periods)."""
    found = _PERIODS.get(text)
    if found is None:
        found = _PERIODS[text] = Period.parse(text)
    return found


def period_order(text: str) -> tuple:
    """Sort key of a period: by first month, longer periods first (``2024``, ``2024-S1``,
    ``2024-Q1``, ``2024-01``).

    >>> sorted(["2024-01", "2024-Q1", "2024", "2023-S2"], key=period_order)
    ['2023-S2', '2024', '2024-Q1', '2024-01']
    """
    p = _period(text)
    return (p.months[0], KINDS.index(p.kind))


@dataclass
class PublicTable:
    """One release's public table in memory: rows as the frozen CSV has them (text,
    values exact as published, empty when withheld), indexed by series.

    ``rows``: tuples in :data:`~marsad.indicators.registry.COLUMNS` order (e.g.
    ``("level", "exports", "2025-S1", "TOTAL", "_T", "_T", "13377000000.00", "MAD", "P",
    "F", "2025-S1")``).
    """

    release: ReleaseInfo
    rows: list[tuple[str, ...]]
    _codes: dict[str, list[str]] = field(default_factory=dict, init=False, repr=False)

    @cached_property
    def series(self) -> dict[tuple[str, ...], list[tuple[str, ...]]]:
        """Rows by series key (indicator, flow, segment, service, partner), each series
        in period order."""
        found: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
        for row in self.rows:
            found.setdefault(tuple(row[i] for i in _SERIES), []).append(row)
        for rows in found.values():
            rows.sort(key=lambda r: period_order(r[_PERIOD]))
        return found

    def query(self, filters: Filters) -> list[tuple[str, ...]]:
        """Rows passing ``filters``, series by series, each in period order.

        >>> from marsad.web.store import Filters
        >>> t = PublicTable(None, [("level", "exports", "2024", "TOTAL", "_T", "_T",
        ...                          "26170000000.00", "MAD", "P", "F", "R1")])
        >>> [r[2] for r in t.query(Filters.parse(indicator="level", freq="A"))]
        ['2024']
        """
        keys = filters.series_keys()
        if keys is not None:
            chosen: Iterable[list] = (self.series.get(k, ()) for k in keys)
        else:
            chosen = (rows for key, rows in self.series.items() if _key_passes(filters, key))
        return [row for rows in chosen for row in rows if filters.keeps_period(row[_PERIOD])]

    def codes(self, dimension: str) -> list[str]:
        """The codes of ``dimension`` present in the table (e.g. segments), sorted; worked
        out once per dimension (a table never changes), since requests check them."""
        found = self._codes.get(dimension)
        if found is None:
            i = COLUMNS.index(dimension)
            found = sorted({r[i] for r in self.rows}, key=period_order if i == _PERIOD else None)
            self._codes[dimension] = found
        return list(found)


def _key_passes(filters: Filters, key: tuple[str, ...]) -> bool:
    return all(not getattr(filters, d) or k in getattr(filters, d)
               for d, k in zip(DIMENSIONS, key, strict=True))  # fmt: skip


def _held(release_id: str, fault: DamagedRelease) -> dict[str, DamagedRelease]:
    """The release that cannot be served for ``fault`` (:func:`survey` keys it by id), by
    id: none for a folder holding a copy of a release that is there (``R1x`` beside
    ``R1``): it is no release of its folder's name (``?release=R1x``: no such release),
    and R1 is served; its fault is for the log only."""
    if fault.holds and fault.holds != release_id:
        return {}
    return {release_id: fault}


class PublicStore:
    """The releases of one releases folder, as served (e.g. ``PublicStore(root)``).

    Thread-safe: the server answers from several threads. Each release's table is read
    once (its SHA-256 checked against the manifest) and kept while the release's folder
    stays as it was; the list of releases is read again when the folder changes: each
    request compares the releases' :func:`~marsad.release.store.stamps` (a ``stat`` of
    each manifest and public table, no file read) with those of the last reading. The
    folder's own modification time was not enough: a release renamed into it within
    the clock tick of the previous change, or one repaired in place, left it unchanged.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._lock = threading.Lock()
        self._stamps: dict[str, tuple[int, ...]] | None = None
        self._signature = ""
        self._releases: list[ReleaseInfo] = []
        self._damaged: dict[str, DamagedRelease] = {}
        self._missing: dict[str, DamagedRelease] = {}
        self._tables: dict[str, tuple[tuple[int, ...], PublicTable]] = {}
        #: The faults logged (their texts): each is logged once, not at every change
        #: of the folder; :meth:`start` reads without logging (``serve`` says them).
        self._told: set[str] = set()
        self._quiet = False

    def releases(self) -> list[ReleaseInfo]:
        """Every release, in the order they were made (several made on one day too:
        :func:`marsad.release.store.made_order`); the last is ``latest``."""
        return self._refresh()[0]

    def damaged(self) -> dict[str, DamagedRelease]:
        """The releases whose manifest cannot be read, by id, each with its fault (e.g.
        ``{"R1": DamagedRelease("release R1: manifest.json cannot be read (not valid
        JSON): …")}``): left out of :meth:`releases`, named by the pages, and a 503 when a
        request names one (:func:`marsad.web.problems.unavailable`)."""
        return dict(self._refresh()[2])

    def missing(self) -> dict[str, DamagedRelease]:
        """The releases that a later release lists as made before it, or that the
        releases folder's log of the releases made records, and that are gone from the
        folder, by id, each with its fault (:class:`MissingRelease`): named by
        the pages (the release after one is not the first), a 503 when a request names
        one, as for a damaged one (:meth:`find`)."""
        return dict(self._refresh()[3])

    def start(self) -> tuple[list[ReleaseInfo], dict[str, DamagedRelease], dict]:
        """:meth:`releases`, :meth:`damaged` and :meth:`missing`, read for a server's
        start-up, which names each fault itself (``note: left out: …``): they are not
        logged too (``marsad serve`` printed each damaged release twice); a fault found
        later is."""
        self._quiet = True
        try:
            found = self.releases()
        finally:
            self._quiet = False
        return found, self.damaged(), self.missing()

    def signature(self) -> str:
        """A short hash of the releases folder as it stands (e.g. ``"9f2c…"``): it
        changes when a release is made, removed, damaged or repaired, so that what is
        kept of a page (or a client's ETag) made before is not served after."""
        return self._refresh()[1]

    def _refresh(self) -> tuple[list[ReleaseInfo], str, dict, dict]:
        """The releases, the signature, the damaged and the missing releases, as the
        folder stands (read again only when it changed)."""
        now = stamps(self.root)
        with self._lock:
            if now != self._stamps:
                found, faults = survey(self.root)
                infos, damaged = [], {}
                for release in found:
                    try:  # changed since the survey read it
                        infos.append(ReleaseInfo.of(release))
                    except DamagedRelease as fault:
                        damaged[release.id] = fault
                for release_id, fault in faults.items():
                    if not self._quiet and str(fault) not in self._told:
                        log.error("release left out: %s", fault)
                    if not isinstance(fault, MissingRelease):
                        damaged.update(_held(release_id, fault))
                self._told = {str(f) for f in faults.values()}  # one mended, then again: told
                missing = {k: f for k, f in faults.items() if isinstance(f, MissingRelease)}
                self._releases, self._damaged, self._missing = infos, damaged, missing
                self._tables = {k: t for k, t in self._tables.items() if t[0] == now.get(k)}
                text = repr(sorted(now.items())).encode("utf-8")
                self._signature = hashlib.sha256(text).hexdigest()[:16]
                self._stamps = now
            return list(self._releases), self._signature, self._damaged, self._missing

    def latest(self, *, strict: bool = True) -> ReleaseInfo:
        """The latest release. ``strict`` (the API, SDMX, downloads): when a release that
        may be later than the latest readable one cannot be read (:meth:`after`), the
        latest cannot be told, and :class:`ReleaseUnavailable` names it rather than an
        older release being served as the latest; else (the dashboard, which names it on
        the page) the latest readable one. With no readable release, damaged ones are
        :class:`ReleaseUnavailable` either way, not "none yet"."""
        state = self._refresh()
        found = state[0]
        last = found[-1] if found else None
        later = _after(state, last, None) if strict or last is None else []
        if later:
            raise _unavailable(state, later, None)
        if last is None:
            raise NoRelease("no release yet: nothing is published on this server")
        return last

    def find(self, release_id: str, *, strict: bool = True) -> ReleaseInfo:
        """The release ``release_id`` (``latest`` names the latest: :meth:`latest`); one
        that cannot be served, damaged or missing (a later release, or the log of the
        releases made, records it and its folder is gone), is its
        :class:`DamagedRelease` (:class:`MissingRelease`): a 503 "unavailable for the
        moment", as ``latest`` or ``asOf`` selecting it is; only an id that was never
        published is a :class:`NoRelease` (404).

        Why 503 and not 404 for a missing one: the release was published, and links to
        it are right; what is wrong is the server's copy, which the office restores from
        its backup. A 404 said "there is no such release" (and caches keep a 404), while
        ``asOf`` a day it was in force said "unavailable, try later" of the same state of
        the archive. Not 500 either: that is a fault of marsad itself (a bug), this one
        of the disk or of a hand, and it passes once the folder is restored, which is
        what 503 with ``Retry-After`` says."""
        if release_id == "latest":
            return self.latest(strict=strict)
        check_name(release_id)
        for info in self.releases():
            if info.id == release_id:
                return info
        fault = self.damaged().get(release_id) or self.missing().get(release_id)
        if fault is not None:  # (kept, raised again: without the last request's frames)
            raise fault.with_traceback(None)
        raise NoRelease(f"no release {quoted(release_id)}")

    def as_of(self, date: dt.date) -> ReleaseInfo:
        """The latest release dated ``date`` or earlier: the table as it stood that day.
        A release that cannot be read and may be the one in force that day (:meth:`after`)
        is :class:`ReleaseUnavailable`, never the one before it served in its place."""
        day = date.isoformat()
        state = self._refresh()
        found = [r for r in state[0] if r.date <= day]
        chosen = found[-1] if found else None
        later = _after(state, chosen, day)
        if later:
            raise _unavailable(state, later, day)
        if chosen is None:
            raise NoRelease(f"no release on or before {day}")
        return chosen

    def after(self, info: ReleaseInfo | None, day: str | None = None) -> list[str]:
        """The releases that cannot be read (damaged or missing, their dates unknown) and
        may have been made after ``info`` (``None``: before every release) and dated on or
        before ``day`` (``None``: any day), by id: each release's manifest lists every
        release made before it, so one that ``info`` lists came before it, and one that a
        release dated after ``day`` does not list came after that one.

        E.g. R1 and R2 readable, R3 damaged and listed by neither: ``after(R2)`` is
        ``["R3"]`` (it may be the latest); with R3 listed by R2, ``[]``."""
        return _after(self._refresh(), info, day)

    def resolve(self, release: str | None = None, as_of: dt.date | None = None, *,
                strict: bool = True) -> ReleaseInfo:  # fmt: skip
        """The release a request names: ``release`` (an id or ``latest``), else the one
        in force on ``as_of``, else the latest (``strict``: :meth:`latest`). Both given,
        ``as_of`` is the day the request looks from: ``latest`` is the release in force
        that day, and a release id is that release only if it was published by then
        (:class:`NoRelease` otherwise: it did not exist yet)."""
        if release and as_of:
            if release == "latest":
                return self.as_of(as_of)
            info = self.find(release, strict=strict)
            if info.date > as_of.isoformat():
                raise NoRelease(f"release {quoted(info.id)} was published on {info.date}, "
                                f"after {as_of.isoformat()}")  # fmt: skip
            return info
        if release:
            return self.find(release, strict=strict)
        return self.as_of(as_of) if as_of else self.latest(strict=strict)

    def previous(self, info: ReleaseInfo) -> ReleaseInfo | None:
        """The release before ``info`` in the archive, if any."""
        ids = [r.id for r in self.releases()]
        i = ids.index(info.id)
        return self.releases()[i - 1] if i > 0 else None

    def table(self, info: ReleaseInfo) -> PublicTable:
        """The public table of ``info``, read once (again if its folder changed since)."""
        with self._lock:
            stamp = (self._stamps or {}).get(info.id)
            kept = self._tables.get(info.id)
        if kept is not None and kept[0] == stamp and kept[1].release == info:
            return kept[1]
        frozen = Release(info.path).checked_file(PUBLIC_CSV)
        rows = [tuple(r) for r in read_frozen(frozen)]
        found = PublicTable(info, exact.with_exact(Release(info.path), info.files, rows))
        _ = found.series
        with self._lock:  # kept only if the folder is still as it was when read
            if stamp is not None and (self._stamps or {}).get(info.id) == stamp:
                self._tables[info.id] = (stamp, found)
        return found


def _after(state: tuple, info: ReleaseInfo | None, day: str | None) -> list[str]:
    """:meth:`PublicStore.after` on ``state`` (what :meth:`PublicStore._refresh` gives)."""
    every, _, damaged, missing = state
    return unavailable.later(every, {**damaged, **missing}, info, day)


def _unavailable(state: tuple, ids: list[str], day: str | None) -> ReleaseUnavailable:
    faults = {**state[2], **state[3]}
    found = [faults[i] for i in ids if i in faults]
    return ReleaseUnavailable(ids, found, day, others=bool(state[0]))
