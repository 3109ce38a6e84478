"""The one reader of a date given as text: a command's option, a setting, a web query.

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
import re
from typing import Annotated

from pydantic import BeforeValidator

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
    """
    if isinstance(text, str) and _ISO_DATE.fullmatch(text):
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
