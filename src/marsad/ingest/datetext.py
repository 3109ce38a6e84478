"""A date written in a text file (CSV) with a time of day: a settlement timestamp
(``2023-01-02 10:00``, ``2023-01-02T23:30:00-05:00``) is read as its calendar date
as written (the wall-clock date, whatever its zone), as a Parquet timestamp or an
Excel date and time is, and the load says so in a note
(:func:`marsad.ingest.cleaning.time_of_day_note`).

A time of day is ``HH:MM``, ``HH:MM:SS`` or ``HH:MM:SS.fff`` (up to 9 digits after a
point or a comma) after ``T`` or a space, optionally followed (after a space or not)
by a zone: ``Z``, ``UTC``, ``+01``, ``+0100`` or ``+01:00``. Hours 00 to 23, minutes and
seconds 00 to 59: ``2023-01-02 25:00`` or ``2023-01-02 10:00 garbage`` is no date.

>>> import duckdb, re
>>> [bool(re.fullmatch(ISO_DATE_TIME, s)) for s in (
...     "2023-01-02 10:00", "2023-01-02T10:00:00Z", "2023-01-02T23:30:00-05:00",
...     "2023-01-02 10:00:00.123", "2023-01-02 25:00", "2023-01-02 10:00 garbage")]
[True, True, True, True, False, False]
"""

from __future__ import annotations

import re

from marsad.engine import quote_literal as _lit

#: RE2 (and Python): a time of day after a date, with its optional zone.
TIME_OF_DAY = (
    r"[Tt ]([01]\d|2[0-3]):[0-5]\d(:[0-5]\d([.,]\d{1,9})?)?"
    r" ?([Zz]|UTC|[+-]([01]\d|2[0-3])(:?[0-5]\d)?)?"
)
#: RE2: YYYY-MM-DD (a date of that form, whether or not it names a day).
ISO_DATE = r"\d{4}-\d{2}-\d{2}"
#: RE2: YYYY-MM-DD and a time of day.
ISO_DATE_TIME = ISO_DATE + TIME_OF_DAY
#: RE2: a date followed by something that looks like a time (``10:``), for the messages.
LOOKS_TIMED = r"^.*\d[Tt ]+\d{1,2}:"

#: The directives of a date format that read a time (or a zone).
_TIME_DIRECTIVES = re.compile(r"%-?[HIMSpfTRXcgGzZ]")
#: A date format's zone directive at its end (``%Y-%m-%dT%H:%M:%S%z``, ``... %Z``).
_LAST_ZONE = re.compile(r"\s*%[zZ]$")
#: RE2 (and Python): a zone at the end of a value read with a format ending in ``%z``:
#: as :data:`TIME_OF_DAY`'s (``Z``, ``UTC``, ``-05``, ``-0500``, ``-05:00``).
ZONE_AT_END = r"\s*([Zz]|UTC|[+-]([01]\d|2[0-3])(:?[0-5]\d)?)$"


def date_sql(v: str) -> str:
    """SQL: the text ``v`` as a DATE when it is YYYY-MM-DD, or YYYY-MM-DD and a time
    of day (its date as written); NULL otherwise. A plain date is tried first: the
    common case costs what it did.

    >>> import duckdb
    >>> duckdb.sql(f"SELECT {date_sql('s')} FROM (VALUES ('2023-01-02T23:30:00-05:00'), "
    ...            "('2023-01-02'), ('2023-01-02 25:00'), ('2023-02-30 10:00')) t(s)").fetchall()
    [(datetime.date(2023, 1, 2),), (datetime.date(2023, 1, 2),), (None,), (None,)]
    """
    return (
        f"CASE WHEN length({v}) = 10 AND {v} LIKE '____-__-__' THEN TRY_CAST({v} AS DATE) "
        f"WHEN strlen({v}) > 10 AND regexp_full_match({v}, {_lit(ISO_DATE_TIME)}) "
        f"THEN TRY_CAST(left({v}, 10) AS DATE) END"
    )


def iso_shape_sql(v: str) -> str:
    """SQL: whether ``v`` has the shape of a date (YYYY-MM-DD, with or without a time
    of day), so that a value of that shape that names no day is told so."""
    return f"regexp_full_match({v}, {_lit(ISO_DATE + '(' + TIME_OF_DAY + ')?')})"


def time_of_day_sql(v: str, date: str) -> str:
    """SQL: the time of day ``HH:MM:SS`` of ``v`` whose date ``date`` was read by
    :func:`date_sql`; NULL for a plain date and at midnight (as for Parquet).

    >>> import duckdb
    >>> duckdb.sql(f"SELECT {time_of_day_sql('s', 'd')} FROM (VALUES ('2023-01-02 10:00', 1), "
    ...            "('2023-01-02T00:00:00Z', 1), ('2023-01-02', 1), ('x 10:00', NULL)) t(s, d)"
    ...            ).fetchall()
    [('10:00:00',), (None,), (None,), (None,)]
    """
    hhmm = f"regexp_extract({v}, '^.{{10}}[Tt ](\\d\\d:\\d\\d(:\\d\\d)?)', 1)"
    return (
        f"CASE WHEN strlen({v}) > 10 AND {date} IS NOT NULL "
        f"THEN NULLIF(left({hhmm} || ':00', 8), '00:00:00') END"
    )


def has_time(fmt: str) -> bool:
    """Whether the date format ``fmt`` reads a time of day or a zone itself.

    >>> has_time("%d/%m/%Y"), has_time("%d/%m/%Y %H:%M")
    (False, True)
    """
    return bool(_TIME_DIRECTIVES.search(fmt))


def untimed_sql(text: str) -> str:
    """SQL: ``text`` without a time of day at its end (what a date format without a
    time reads; only text holding a ``:`` is searched)."""
    return (
        f"CASE WHEN contains({text}, ':') "
        f"THEN regexp_replace({text}, {_lit(TIME_OF_DAY + '$')}, '') ELSE {text} END"
    )


def zone_last(fmt: str) -> bool:
    """Whether the date format ``fmt`` reads a zone (``%z``, ``%Z``) at its end, the one
    place :func:`wall_clock` reads it from.

    >>> zone_last("%Y-%m-%dT%H:%M:%S%z"), zone_last("%d/%m/%Y %H:%M")
    (True, False)
    """
    return bool(_LAST_ZONE.search(fmt))


def wall_clock(text: str, fmt: str) -> tuple[str, str]:
    """SQL of ``text`` without the zone at its end, and ``fmt`` without its zone
    directive, for a format that ends with one (:func:`zone_last`): DuckDB reads
    ``2024-01-31T23:30:00-05:00`` with ``%z`` as the instant in UTC (2024-02-01 04:30),
    where the date written is the wall clock's, as :func:`date_sql` reads it. A value
    without a zone at its end is no value of the format (NULL, read by no format).

    >>> import duckdb
    >>> day, f = wall_clock("s", "%Y-%m-%dT%H:%M:%S%z")
    >>> duckdb.sql(f"SELECT strptime({day}, '{f}')::VARCHAR FROM "
    ...            "(VALUES ('2024-01-31T23:30:00-05:00')) t(s)").fetchall()
    [('2024-01-31 23:30:00',)]
    """
    zone = _lit(ZONE_AT_END)  # (a format with %Z, a zone's name, reads no date back)
    day = f"CASE WHEN regexp_matches({text}, {zone}) THEN regexp_replace({text}, {zone}, '') END"
    return day, _LAST_ZONE.sub("", fmt)
