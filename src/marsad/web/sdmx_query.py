"""SDMX-REST data queries: the key, the component filters and the period range.

A key names one code (or several, ``A+B`` or ``A,B``) per dimension of the data
structure, in its order (FREQ, INDICATOR, FLOW, SEGMENT, SERVICE, COUNTERPART_AREA),
separated by ``.``; an empty part or ``*`` takes every code, and a key of ``*`` or
``all`` takes everything. A component filter (SDMX-REST 2.0) is a query parameter
``c[TIME_PERIOD]=ge:2023+le:2024``: conditions joined by ``+`` must all hold, groups
separated by ``,`` are alternatives; the operators are ``eq`` (the default), ``ge``,
``gt``, ``le`` and ``lt``. ``startPeriod``/``endPeriod`` are ``ge``/``le`` on
TIME_PERIOD.

>>> q = SdmxQuery.parse("A.level.exports", {"c[TIME_PERIOD]": "ge:2023+le:2024"})
>>> q.codes["FREQ"], q.codes["INDICATOR"], q.codes["SEGMENT"]
(('A',), ('level',), ())
>>> q.keeps_period("2023"), q.keeps_period("2025")
(True, False)
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from marsad.dates import read_date, why_not
from marsad.errors import BadArgument, quoted
from marsad.periods import Period
from marsad.publish import sdmx as psdmx
from marsad.web.store import FREQS, Filters, NoMatch, PublicTable, period_order

#: Dimensions of the key, in order (TIME_PERIOD is filtered with ``c[TIME_PERIOD]``).
KEY: tuple[str, ...] = tuple(d for d, _ in psdmx.DIMENSIONS)
#: The store's filter of each key dimension (FREQ is the store's ``freq``).
_FILTER = {"FREQ": "freq", **{d: c for d, c in psdmx.DIMENSIONS if d != "FREQ"}}
OPERATORS = ("eq", "ge", "gt", "le", "lt")
#: Codes a NoResultsFound detail lists at most per dimension.
_SHOWN = 20
_DATE = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})$")
_COMPONENT = re.compile(r"^c\[([A-Za-z][A-Za-z0-9_-]*)\]$")

Condition = tuple[str, Period]


def split_codes(part: str) -> tuple[str, ...]:
    """The codes of one key part: ``A+B`` or ``A,B`` is either; empty or ``*`` is all.

    >>> split_codes("ITO+CRM"), split_codes("*"), split_codes("")
    (('ITO', 'CRM'), (), ())
    """
    codes = [c.strip() for c in re.split(r"[+,]", part)]
    if part.strip() and not all(codes):
        raise BadArgument(f"{quoted(part)}: a code is empty (A+B, A,B: name each one)")
    return () if "*" in codes or not part.strip() else tuple(dict.fromkeys(codes))


def parse_key(key: str | None) -> dict[str, tuple[str, ...]]:
    """Codes per dimension of ``key`` (``A.level.exports..._T`` -> FREQ A, ...).

    >>> parse_key("A.level")["INDICATOR"], parse_key("all")["FREQ"]
    (('level',), ())
    >>> parse_key("A.b.c.d.e.f.g")
    Traceback (most recent call last):
    ...
    marsad.errors.BadArgument: the key 'A.b.c.d.e.f.g' has 7 parts; the structure has 6 \
dimensions (FREQ.INDICATOR.FLOW.SEGMENT.SERVICE.COUNTERPART_AREA)
    """
    if key is None or key.strip() in ("", "*", "all", "ALL"):
        return {d: () for d in KEY}
    parts = key.split(".")
    if len(parts) > len(KEY):
        raise BadArgument(
            f"the key {quoted(key)} has {len(parts)} parts; the structure has {len(KEY)} "
            f"dimensions ({'.'.join(KEY)})"
        )
    parts += [""] * (len(KEY) - len(parts))
    return {d: split_codes(p) for d, p in zip(KEY, parts, strict=True)}


def period_bound(text: str, name: str = "TIME_PERIOD") -> Period:
    """A period of a query: an SDMX period (``2024``, ``2024-Q1``, ``2024-S2``,
    ``2024-07``) or a day of the calendar, taken as its month; ``name`` (the parameter)
    is said in the message of a day that does not exist.

    >>> str(period_bound("2024-03-31")), str(period_bound("2024-Q1"))
    ('2024-03', '2024-Q1')
    >>> period_bound("2024-02-30", "startPeriod")
    Traceback (most recent call last):
    ...
    marsad.errors.BadArgument: startPeriod: '2024-02-30' is not a day of the calendar
    """
    found = _DATE.match(text.strip())
    if found and read_date(text.strip()) is None:  # the one reader of a day (no year 0000)
        # 2024-02-30 was read as 2024-02, where the REST API refuses asOf=2023-02-29
        raise BadArgument(f"{name}: {quoted(text.strip())} {why_not(text.strip())}")
    return Period.typed(f"{found[1]}-{found[2]}" if found else text.strip())


def parse_time(expr: str, name: str = "c[TIME_PERIOD]") -> list[list[Condition]]:
    """Alternatives (``,``) of conditions that must all hold (``+``), e.g.
    ``ge:2023+le:2024``.

    >>> [[(op, str(p)) for op, p in g] for g in parse_time("ge:2023+lt:2024-Q3,eq:2020")]
    [[('ge', '2023'), ('lt', '2024-Q3')], [('eq', '2020')]]
    >>> len(parse_time("ge:2023 le:2024")[0])  # the "+" form-decoded
    2
    >>> parse_time("ge:2024-01-01T10:00")  # (its colons are the value's)
    Traceback (most recent call last):
    ...
    marsad.errors.PeriodError: not a period: '2024-01-01T10:00'; write 2025-S1, ...
    """
    groups = []
    for alternative in expr.split(","):
        group = []
        # "+" arrives as a space when the client form-encodes the query
        for cond in re.split(r"[+\s]+", alternative.strip()):
            # (the operator is before the first colon: a value may hold colons, 10:00)
            head, colon, rest = cond.strip().partition(":")
            op, value = (head or "eq", rest) if colon and not head[:1].isdigit() else ("eq", cond)
            if op not in OPERATORS:
                raise BadArgument(
                    f"not an operator on TIME_PERIOD: {quoted(op)} (use {', '.join(OPERATORS)})"
                )
            group.append((op, period_bound(value, name)))
        groups.append(group)
    return groups


def holds(period: Period, cond: Condition) -> bool:
    """True when ``period`` meets ``cond`` (by months: ``ge:2023`` keeps what starts in
    2023 or later, ``le:2024`` what ends in 2024 or earlier).

    >>> p = Period.parse("2024-Q2")
    >>> holds(p, ("ge", Period.parse("2024"))), holds(p, ("gt", Period.parse("2024-Q1")))
    (True, True)
    >>> holds(p, ("lt", Period.parse("2024-Q2"))), holds(p, ("eq", Period.parse("2024-Q2")))
    (False, True)
    """
    op, bound = cond
    first, last = period.months[0], period.months[-1]
    if op == "eq":
        return str(period) == str(bound)
    if op == "ge":
        return first >= bound.months[0]
    if op == "gt":
        return first > bound.months[-1]
    if op == "le":
        return last <= bound.months[-1]
    return last < bound.months[0]


@dataclass(frozen=True)
class SdmxQuery:
    """A data query: codes per key dimension (empty: all) and period conditions."""

    codes: dict[str, tuple[str, ...]]
    time: list[list[Condition]] = field(default_factory=list)

    @classmethod
    def parse(cls, key: str | None, params: Mapping[str, str]) -> SdmxQuery:
        """The query of a key and the request's parameters (``c[...]``, ``startPeriod``,
        ``endPeriod``)."""
        codes = parse_key(key)
        time: list[list[list[Condition]]] = []
        for name, value in params.items():
            found = _COMPONENT.match(name)
            if not found:
                continue
            component = found[1]
            if component == "TIME_PERIOD":
                time.append(parse_time(value))
            elif component in KEY:
                codes[component] = _narrow(codes[component], _eq_codes(component, value))
            else:
                raise BadArgument(f"no component {quoted(component)} to filter on (use TIME_PERIOD "
                                  f"or {', '.join(KEY)})")  # fmt: skip
        for name, op in (("startPeriod", "ge"), ("endPeriod", "le")):
            if params.get(name):
                time.append([[(op, period_bound(params[name], name))]])
        groups = _and(time)
        _check_not_empty(groups)
        return cls(codes, groups)

    def filters(self) -> Filters:
        """The store's filters of the key (COUNTERPART_AREA ``W1`` is the table's ``_T``)."""
        args = {}
        for dim, codes in self.codes.items():
            if dim == "COUNTERPART_AREA":
                codes = tuple("_T" if c == psdmx.ALL_PARTNERS else c for c in codes)
            if dim == "FREQ":  # a code of no frequency matches nothing (:meth:`select`)
                codes = tuple(c for c in codes if c in FREQS)
            args[_FILTER[dim]] = ",".join(codes) or None
        return Filters.parse(**args)

    def no_frequency(self) -> bool:
        """True when the key names frequencies and none is one (``0.level``): a key of
        codes the structure does not have, which matches nothing (404 NoResultsFound
        naming it, as for any dimension), not a malformed query (a 400 refused what the
        schema calls valid)."""
        asked = self.codes.get("FREQ", ())
        return bool(asked) and not any(c in FREQS for c in asked)

    def unknown(self, table: PublicTable) -> list[str]:
        """The key's codes that ``table`` does not have, each as ``SEGMENT 'IT0' (codes:
        BPO, CRM, ...)``: why a key answers nothing, when it does for that reason.

        >>> SdmxQuery.parse("A", {}).unknown(None)  # (a table is asked for key codes)
        []
        """
        found = []
        for dim, codes in self.codes.items():
            if dim == "FREQ" and codes:
                missing = [c for c in codes if c not in FREQS]
                if missing:
                    found.append(f"FREQ {', '.join(map(repr, missing))} (codes: "
                                 f"{', '.join(FREQS)})")  # fmt: skip
                continue
            if not codes:
                continue
            have = table.codes(_FILTER[dim])
            asked = dict(zip(codes, codes, strict=True))
            if dim == "COUNTERPART_AREA":  # W1 and _T both ask the table's _T (filters)
                have = [psdmx.ALL_PARTNERS if c == "_T" else c for c in have]
                asked = {c: psdmx.ALL_PARTNERS if c == "_T" else c for c in codes}
            missing = [c for c, as_had in asked.items() if as_had not in have and c != "\x00"]
            if missing:
                shown = ", ".join(have) if len(have) <= _SHOWN else "see the codelist"
                found.append(f"{dim} {', '.join(map(repr, missing))} (codes: {shown})")
        return found

    def keeps_period(self, period: str) -> bool:
        """True when ``period`` meets one alternative of the period conditions."""
        if not any(self.time):
            return True
        p = Period.parse(period)
        return any(all(holds(p, c) for c in group) for group in self.time)

    def select(self, table: PublicTable) -> list[tuple[str, ...]]:
        """The table's rows the query keeps, series by series, in period order."""
        period = 2  # registry.COLUMNS: indicator, flow, period, ...
        if self.no_frequency():
            return []
        return [r for r in table.query(self.filters()) if self.keeps_period(r[period])]


def _eq_codes(component: str, value: str) -> tuple[str, ...]:
    """The codes of a component filter (``ITO,CRM``, ``eq:ITO+CRM``: ``+`` may come as a
    space); an empty one between commas or pluses (``ITO,,CRM``, ``,``) is refused: it
    read as the other codes, or as every code."""
    items = re.split(r"[+,]", value)
    if not all(i.strip() for i in items):
        raise BadArgument(f"c[{component}]: a code is empty in {quoted(value)} (name each one)")
    codes = []
    for cond in (c for item in items for c in item.split()):
        op, _, code = cond.strip().rpartition(":")
        if op not in ("", "eq"):
            raise BadArgument(f"{component} is coded: filter it with eq (e.g. c[{component}]=A,Q)")
        if code and code != "*":
            codes.append(code)
    return tuple(dict.fromkeys(codes))


def _narrow(key_codes: tuple[str, ...], filter_codes: tuple[str, ...]) -> tuple[str, ...]:
    if not key_codes:
        return filter_codes
    if not filter_codes:
        return key_codes
    both = tuple(c for c in key_codes if c in filter_codes)
    return both or ("\x00",)  # nothing can match: the query answers no results


def _and(parts: list[list[list[Condition]]]) -> list[list[Condition]]:
    """Conditions that all of ``parts`` hold: the product of their alternatives."""
    groups: list[list[Condition]] = [[]]
    for alternatives in parts:
        groups = [g + alt for g in groups for alt in alternatives]
    return groups


def _month(month: tuple[int, int]) -> int:
    return month[0] * 12 + month[1] - 1


def span(group: list[Condition]) -> tuple[int, int]:
    """(first, last) month numbers (year * 12 + month - 1) a period must lie within to
    meet every condition of ``group``; first > last when no period can.

    >>> first, last = span([("ge", Period.parse("2025")), ("le", Period.parse("2024"))])
    >>> first > last
    True
    >>> span([("gt", Period.parse("2023-11")), ("lt", Period.parse("2024-02"))])
    (24287, 24288)
    """
    first, last = -(10**9), 10**9
    for op, bound in group:
        low, high = _month(bound.months[0]), _month(bound.months[-1])
        if op in ("eq", "ge"):
            first = max(first, low)
        if op in ("eq", "le"):
            last = min(last, high)
        if op == "gt":
            first = max(first, high + 1)
        if op == "lt":
            last = min(last, low - 1)
    return first, last


def _check_not_empty(groups: list[list[Condition]]) -> None:
    """404 NoResultsFound (:class:`~marsad.web.store.NoMatch`) naming why when no
    alternative of the period conditions can hold (e.g. ``startPeriod=2025&endPeriod=2024``),
    as the REST API answers: the query is well formed (a 400 refused what the schema
    calls valid) and no observation can match it."""
    spans = [span(g) for g in groups if g]
    if spans and all(first > last for first, last in spans):
        first, last = spans[0]
        raise NoMatch(
            f"NoResultsFound: start {first // 12}-{first % 12 + 1:02d} comes after end "
            f"{last // 12}-{last % 12 + 1:02d}: no period can match"
        )


def first_and_last(
    rows: list[tuple[str, ...]], first: int | None, last: int | None
) -> list[tuple[str, ...]]:
    """SDMX-REST's ``firstNObservations`` and ``lastNObservations``: of each series of
    ``rows`` (frequency, indicator, flow, segment, service, partner), its ``first``
    earliest and its ``last`` latest observations (both given: those of either; a
    withheld observation is one), in the order of ``rows``. Neither: ``rows`` as they are.

    >>> rows = [("level", "exports", p, "TOTAL", "_T", "_T", v) for p, v in
    ...         [("2023", "1"), ("2024", "2"), ("2025", "3"), ("2025-S1", "4")]]
    >>> [r[2] for r in first_and_last(rows, None, 1)]
    ['2025', '2025-S1']
    >>> [r[2] for r in first_and_last(rows, 1, 1)]
    ['2023', '2025', '2025-S1']
    """
    if first is None and last is None:
        return rows
    series: dict[tuple[str, ...], list[int]] = {}
    for i, r in enumerate(rows):
        series.setdefault((psdmx.freq(r[2]), r[0], r[1], r[3], r[4], r[5]), []).append(i)
    kept: set[int] = set()
    for found in series.values():
        found.sort(key=lambda i: period_order(rows[i][2]))
        kept.update(found[:first] if first else ())
        kept.update(found[-last:] if last else ())
    return [r for i, r in enumerate(rows) if i in kept]


#: The form of an ``updatedAfter`` instant: a day, and a time to the minute at least
#: (``T08`` alone is no instant), a zone ``Z`` or ``+01:00`` after a time only.
_INSTANT = re.compile(
    r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?)?"
)


def updated_after(text: str) -> dt.date:
    """The day of an ``updatedAfter`` instant (xs:dateTime, e.g. ``2025-10-15T08:00:00Z``
    or ``2025-10-15T08:00:00+01:00``; a day ``2025-10-15`` is its midnight), in UTC when
    it has a zone (``2025-10-15T00:30+01:00`` is 2025-10-14 in UTC), else as written: a
    release dated D is taken as published at the start of D, so it is updated after the
    instant when D comes after that day. A ``+`` of an offset that the query
    string read as a space is read back. A 400 (:class:`BadArgument`) for anything else.

    >>> updated_after("2025-10-15T08:00:00+01:00"), updated_after("2025-10-15 08:00Z")
    (datetime.date(2025, 10, 15), datetime.date(2025, 10, 15))
    >>> updated_after("2025-10-15T00:30:00+01:00"), updated_after("2025-10-14T23:30:00-01:00")
    (datetime.date(2025, 10, 14), datetime.date(2025, 10, 15))
    >>> updated_after("2025-02-30")
    Traceback (most recent call last):
    marsad.errors.BadArgument: updatedAfter: '2025-02-30' is not an instant (e.g. 2025-10-15T08:00:00Z)
    """  # noqa: E501
    written = text.strip()
    if re.fullmatch(r".*T\d{2}:\d{2}(:\d{2}(\.\d+)?)? \d{2}(:?\d{2})?", written):
        written = written[::-1].replace(" ", "+", 1)[::-1]  # (the offset's +, form-decoded)
    try:
        when = dt.datetime.fromisoformat(written)
    except ValueError:
        when = None
    if when is None or not _INSTANT.fullmatch(written):
        raise BadArgument(
            f"updatedAfter: {quoted(text)} is not an instant (e.g. 2025-10-15T08:00:00Z)"
        )
    if not when.tzinfo:
        return when.date()
    try:
        return when.astimezone(dt.UTC).date()
    except OverflowError:  # 0001-01-01T00:00+01:00, 9999-12-31T23:00-05:00: out of the calendar
        return dt.date.min if when.year == dt.MINYEAR else dt.date.max


def changed_since(
    rows: list[tuple[str, ...]], before: list[tuple[str, ...]] | None
) -> list[tuple[str, ...]]:
    """The ``rows`` (a release's) that the table ``before`` (the release in force before,
    None: none) does not have as they are: new, or with another value, unit or status.
    An observation ``before`` had and the release no longer has is not told (SDMX's
    deletions are not served).

    >>> old = [("level", "exports", "2024", "TOTAL", "_T", "_T", "1", "MAD", "A", "F", "R1")]
    >>> new = [old[0][:6] + ("2",) + old[0][7:10] + ("R2",), old[0][:2] + ("2025",) + old[0][3:]]
    >>> [(r[2], r[6]) for r in changed_since(new, old)], len(changed_since(new, None))
    ([('2024', '2'), ('2025', '1')], 2)
    """
    if before is None:
        return rows
    had = {r[:6]: r[6:10] for r in before}
    return [r for r in rows if had.get(r[:6]) != r[6:10]]
