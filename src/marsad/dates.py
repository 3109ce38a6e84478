"""The one reader of a date given as text: a command's option, a setting, a web query;
and of ``SOURCE_DATE_EPOCH``, the time the outputs say they were made
(:func:`source_date_epoch`).

Only an ISO 8601 calendar date ``YYYY-MM-DD`` in ASCII digits is a date: Python and
pydantic also read ``20240101``, ``1704067200`` (a Unix time) or Arabic-Indic digits,
which someone writing a date did not mean. The command line (:func:`marsad.cli.common.iso_date`),
the settings and the web's date parameters (:data:`IsoDate`) all read dates here.

>>> read_date("2024-02-29")
datetime.date(2024, 2, 29)
>>> read_date("1704067200") is None, read_date("2024-02-30") is None
(True, True)
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
from typing import Annotated

from pydantic import BeforeValidator

from marsad.errors import BadArgument, quoted

#: The years a user may name, four digits 0001 to 9999 (a JSON Schema and Python regular
#: expression): those of a calendar date (``datetime.date``, which ``asOf`` is, has no
#: year 0000). The one rule of every date and period a command or a query takes: the
#: REST API's ``asOf``, ``start`` and ``end``, the SDMX API's ``asOf``, ``startPeriod``,
#: ``endPeriod`` and ``c[TIME_PERIOD]`` (:meth:`marsad.periods.Period.typed`), in their
#: schema's patterns and in the server (the SDMX API took ``startPeriod=0000`` and
#: ``0000-02-29`` where the REST API refused ``asOf=0000-01-01``).
YEAR = r"(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})"
#: Why a year outside :data:`YEAR` is refused, after the value.
NO_YEAR_ZERO = "has no year: years run from 0001 to 9999"
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
#: What a message asks for instead of a value that is no date.
WANTED = "write YYYY-MM-DD (e.g. 2025-10-15)"


def read_date(text: str) -> dt.date | None:
    """``text`` as a date when it is ``YYYY-MM-DD`` exactly, a day of the calendar, in
    digits 0-9; ``None`` otherwise."""
    if not (isinstance(text, str) and _ISO_DATE.fullmatch(text)):
        return None
    with contextlib.suppress(ValueError):  # 2024-02-30: not a day of the calendar
        return dt.date.fromisoformat(text)
    return None


def why_not(text: str) -> str:
    """Why ``text`` is not a date :func:`read_date` takes, in words after the value.

    >>> why_not("20240101"), why_not("2025-02-30")
    ('is not a date: write YYYY-MM-DD (e.g. 2025-10-15)', 'is not a day of the calendar')
    >>> why_not("0000-02-29")
    'is not a day of the calendar: it has no year: years run from 0001 to 9999'
    """
    if isinstance(text, str) and _ISO_DATE.fullmatch(text):
        if not re.fullmatch(YEAR, text[:4]):
            return f"is not a day of the calendar: it {NO_YEAR_ZERO}"
        return "is not a day of the calendar"
    return f"is not a date: {WANTED}"


def _strict(value: object) -> object:
    """A pydantic validator (before its own): text must be :func:`read_date`'s form; a
    date object (a default, a value set in code) passes; anything else (a number, a
    datetime) is refused with a plain reason."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    day = read_date(value) if isinstance(value, str) else None
    if day is None:
        shown = repr(value)[:40]
        raise ValueError(f"{shown} {why_not(value)}")
    return day


#: A date read strictly by pydantic (a setting, a query parameter, a field of a body):
#: its JSON schema stays ``{"type": "string", "format": "date"}``.
IsoDate = Annotated[dt.date, BeforeValidator(_strict)]


#: The environment variable of the reproducible-builds convention (reproducible-builds.org).
EPOCH = "SOURCE_DATE_EPOCH"
#: The last second ``SOURCE_DATE_EPOCH`` may say: 9999-12-31 23:59:59 UTC, the last a
#: datetime holds (a workbook, SDMX's ``Prepared``).
LAST_EPOCH = 253402300799
_SECONDS = re.compile(r"[0-9]{1,12}", re.ASCII)


def source_date_epoch(text: str | None = None) -> dt.datetime | None:
    """``SOURCE_DATE_EPOCH`` (or ``text``, as its value) as a time (UTC), ``None`` when it
    is unset or empty: the one reader of it, for every output (CSV, Excel, SDMX,
    bulletins, releases, ``marsad serve``), each command asking first, before any work,
    so that a value is taken or refused the same way by all. Only a whole number of seconds
    since 1970-01-01 UTC in digits 0-9 and nothing else is a time (as ``date +%s`` writes
    it, and reproducible-builds.org asks), up to :data:`LAST_EPOCH`; anything else
    (``abc``, ``-5``, ``+5``, ``1.5``, ``1e9``, Arabic-Indic digits, a space or a line
    break before or after the digits, a time after the year 9999) is
    :class:`~marsad.errors.BadArgument`, one plain line, exit 2: the CSV export took
    ``abc`` where SDMX-ML refused it, and ``" 1700000000"`` was taken as a time.

    >>> source_date_epoch("1760486400").isoformat(), source_date_epoch("")
    ('2025-10-15T00:00:00+00:00', None)
    >>> source_date_epoch("abc")
    Traceback (most recent call last):
    ...
    marsad.errors.BadArgument: SOURCE_DATE_EPOCH='abc' is not a time: give a whole number of seconds since 1970-01-01 UTC, in digits 0-9 (e.g. 1760486400), at most 253402300799 (the year 9999), or unset it
    """  # noqa: E501
    if text is None:
        text = os.environ.get(EPOCH, "")
    if not text:
        return None
    seconds = text  # no strip(): a value is the digits, or a fault (" 1", "1\n", "  ")
    if not _SECONDS.fullmatch(seconds) or int(seconds) > LAST_EPOCH:
        raise BadArgument(
            f"{EPOCH}={quoted(text)} is not a time: give a whole number of seconds since "
            f"1970-01-01 UTC, in digits 0-9 (e.g. 1760486400), at most {LAST_EPOCH} "
            "(the year 9999), or unset it"
        )
    return dt.datetime.fromtimestamp(int(seconds), dt.UTC)
