"""Reporting periods: one definition, used everywhere a period is handled.

A period is a calendar year (``2024``), a half-year (``2024-S1``), a quarter
(``2024-Q3``) or a month (``2024-07``), written as in SDMX's reporting-period
notation (``S`` for semester, ``Q`` for quarter). Months are ``(year, month)``
pairs.

>>> p = Period.parse("2025-S1")
>>> p.kind, str(p), p.months[0], p.months[-1]
('half', '2025-S1', (2025, 1), (2025, 6))
>>> str(p.year_earlier()), str(p.parent()), [str(c) for c in Period.parse("2024").children()]
('2024-S1', '2025', ['2024-S1', '2024-S2'])
>>> Period.parse("2024-07").label("fr"), Period.parse("2024-Q3").label("en")
('juillet 2024', 'Q3 2024')
>>> Period.parse("2025-H1")
Traceback (most recent call last):
...
marsad.errors.PeriodError: not a period: '2025-H1'; write 2025-S1, 2025-Q2, 2025-06 or 2025 (digits 0-9)
"""  # noqa: E501

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import total_ordering
from typing import Literal

from marsad.dates import NO_YEAR_ZERO, YEAR
from marsad.errors import PeriodError

Kind = Literal["year", "half", "quarter", "month"]
Month = tuple[int, int]

#: Kinds from the longest to the shortest (the order of the indicator table).
KINDS: tuple[Kind, ...] = ("year", "half", "quarter", "month")
#: Months in one period of each kind.
MONTHS_IN: dict[str, int] = {"year": 12, "half": 6, "quarter": 3, "month": 1}

#: A period, written in digits 0-9 only: ``٢٠٢٤`` (Arabic-Indic digits) is refused,
#: as every setting and the files' period codes refuse them.
_PATTERN = re.compile(r"([0-9]{4})(?:-(S[12]|Q[1-4]|0[1-9]|1[0-2]))?")
#: A period as :meth:`Period.typed` takes it (a year of :data:`marsad.dates.YEAR`, letters
#: in either case), as a JSON Schema pattern: the REST API's ``start`` and ``end``.
TYPED_PATTERN = rf"^{YEAR}(-([Ss][12]|[Qq][1-4]|0[1-9]|1[0-2]))?$"
#: The letters of the notation, as a user may type them (ASCII only: ``str.upper`` would
#: also make an ``S`` of the long s ``ſ``).
_UPPER = str.maketrans("sq", "SQ")
_ORDINALS = {
    "fr": ("premier", "deuxième", "troisième", "quatrième"),
    "en": ("first", "second", "third", "fourth"),
    "ar": ("الأول", "الثاني", "الثالث", "الرابع"),
}
_LOCALES = {"fr": "fr_MA", "en": "en", "ar": "ar_MA"}
#: Month names: CLDR's standard French (``janv.``, ``juin``; fr_MA's ``jui.`` is ambiguous),
#: English, and the Moroccan Arabic months (``يونيو``, ``غشت``).
_MONTH_LOCALES = {"fr": "fr", "en": "en", "ar": "ar_MA"}
#: Short tags of halves and quarters in axis and column labels (fr S1/T3, en H1/Q3).
_SHORT_TAG = {"fr": ("S", "T"), "en": ("H", "Q"), "ar": ("ن", "ر")}


@total_ordering
@dataclass(frozen=True, slots=True)
class Period:
    """One reporting period (e.g. ``Period("half", 2025, 1)`` is ``2025-S1``).

    ``index`` is the half (1-2), quarter (1-4) or month (1-12) within the year,
    and 1 for a year. Periods sort by their first month, longer periods first.
    """

    kind: Kind
    year: int
    index: int = 1

    # -- reading and writing --------------------------------------------------
    @classmethod
    def parse(cls, text: str | Period) -> Period:
        """Read ``2024``, ``2024-S1``, ``2024-Q3`` or ``2024-07``.

        Raises :class:`~marsad.errors.PeriodError` for anything else
        (``not a period: '2024-H1'; write 2025-S1, …``).
        """
        if isinstance(text, Period):
            return text
        match = _PATTERN.fullmatch(str(text).strip())
        if not match:
            raise PeriodError(_not_a_period(text), str(text))
        year, tag = int(match[1]), match[2]
        if tag is None:
            return cls("year", year)
        if tag[0] == "S":
            return cls("half", year, int(tag[1]))
        if tag[0] == "Q":
            return cls("quarter", year, int(tag[1]))
        return cls("month", year, int(tag))

    @classmethod
    def typed(cls, text: str | Period) -> Period:
        """A period as a user types it (a command's option, a query parameter): as
        :meth:`parse`, its letters in either case (``2024-s1`` is ``2024-S1``, ``2024-q3``
        is ``2024-Q3``); still digits 0-9 only. Files and stored tables are read by
        :meth:`parse`, in the canonical case, as they are written.

        A year is one of :data:`marsad.dates.YEAR` (0001 to 9999, as a date's), the one
        rule of the web's periods and dates: ``0000`` is refused.

        >>> str(Period.typed("2024-s1")), str(Period.typed(" 2024-q3 "))
        ('2024-S1', '2024-Q3')
        >>> Period.typed("0000-Q1")
        Traceback (most recent call last):
        ...
        marsad.errors.PeriodError: not a period: '0000-Q1': it has no year: years run from 0001 to 9999
        """  # noqa: E501
        if isinstance(text, Period):
            return text
        try:
            found = cls.parse(str(text).translate(_UPPER))
        except PeriodError:  # quoted as typed, not as upper-cased
            raise PeriodError(_not_a_period(text), str(text)) from None
        if not re.fullmatch(YEAR, f"{found.year:04d}"):
            raise PeriodError(f"not a period: {str(text).strip()!r}: it {NO_YEAR_ZERO}", str(text))
        return found

    @classmethod
    def of_month(cls, year: int, month: int, kind: Kind = "month") -> Period:
        """The period of ``kind`` that contains a month.

        >>> [str(Period.of_month(2024, 7, k)) for k in KINDS]
        ['2024', '2024-S2', '2024-Q3', '2024-07']
        """
        size = MONTHS_IN[kind]
        return cls(kind, year, (month - 1) // size + 1)

    def __str__(self) -> str:
        # four digits, as read: 0000 read back as "0" was no period (and quoted as "'0'")
        if self.kind == "year":
            return f"{self.year:04d}"
        if self.kind == "half":
            return f"{self.year:04d}-S{self.index}"
        if self.kind == "quarter":
            return f"{self.year:04d}-Q{self.index}"
        return f"{self.year:04d}-{self.index:02d}"

    def _sort_key(self) -> tuple[int, int, int]:
        return (self.year, self.first_month, KINDS.index(self.kind))

    def __lt__(self, other: Period) -> bool:
        return self._sort_key() < other._sort_key()

    # -- calendar ----------------------------------------------------------------
    @property
    def first_month(self) -> int:
        """The first month of the period (1-12)."""
        return (self.index - 1) * MONTHS_IN[self.kind] + 1

    @property
    def last_month(self) -> int:
        """The last month of the period (1-12)."""
        return self.first_month + MONTHS_IN[self.kind] - 1

    @property
    def months(self) -> list[Month]:
        """The months covered (e.g. 2024-Q3 -> [(2024, 7), (2024, 8), (2024, 9)])."""
        return [(self.year, m) for m in range(self.first_month, self.last_month + 1)]

    @property
    def starts_year(self) -> bool:
        """Whether the period starts in January (``2024-S1``, ``2024-Q1``, ``2024-01``)."""
        return self.first_month == 1

    @property
    def ends_year(self) -> bool:
        """Whether the period ends in December (``2024-S2``, ``2024-Q4``, ``2024-12``)."""
        return self.last_month == 12

    def year_earlier(self) -> Period:
        """The same period a year earlier (``2025-S1`` -> ``2024-S1``)."""
        return Period(self.kind, self.year - 1, self.index)

    def year_later(self) -> Period:
        """The same period a year later (``2024-S1`` -> ``2025-S1``)."""
        return Period(self.kind, self.year + 1, self.index)

    def parent(self) -> Period | None:
        """The next longer period containing this one (month -> quarter -> half -> year)."""
        if self.kind == "year":
            return None
        longer = KINDS[KINDS.index(self.kind) - 1]
        return Period.of_month(self.year, self.first_month, longer)

    def children(self) -> list[Period]:
        """The next shorter periods that make this one (year -> halves -> quarters -> months)."""
        if self.kind == "month":
            return []
        shorter = KINDS[KINDS.index(self.kind) + 1]
        step = MONTHS_IN[shorter]
        return [
            Period.of_month(self.year, m, shorter)
            for m in range(self.first_month, self.last_month + 1, step)
        ]

    def year_to_date(self) -> list[Month]:
        """January to the end of the period (e.g. 2025-05 -> Jan..May 2025)."""
        return [(self.year, m) for m in range(1, self.last_month + 1)]

    # -- words -------------------------------------------------------------------
    def label(self, lang: str, *, short: bool = False) -> str:
        """The period in words (``2025-S1``: fr ``premier semestre 2025``, en ``first half
        of 2025``, ar ``النصف الأول من 2025``; ``2024-07``: ``juillet 2024``).
        ``short=True`` gives axis and column labels (``S1 2025``, ``T3 2024``,
        en ``H1 2025``, ``juil. 2024``, ``janv. 2025``, ``juin 2025``)."""
        if lang not in _ORDINALS:
            raise ValueError(f"unknown language {lang!r}: use fr, en or ar")
        year = str(self.year)
        if self.kind == "year":
            return year
        if self.kind == "month":
            from babel.dates import get_month_names

            width = "abbreviated" if short else "wide"
            return f"{get_month_names(width, locale=_MONTH_LOCALES[lang])[self.index]} {year}"
        if short:
            tag = _SHORT_TAG[lang][self.kind == "quarter"]
            return f"{tag}{self.index} {year}"
        ordinal = _ORDINALS[lang][self.index - 1]
        if lang == "fr":
            noun = "semestre" if self.kind == "half" else "trimestre"
            return f"{ordinal} {noun} {year}"
        if lang == "en":
            return f"{ordinal} half of {year}" if self.kind == "half" else f"Q{self.index} {year}"
        noun = "النصف" if self.kind == "half" else "الربع"
        return f"{noun} {ordinal} من {year}"


def _not_a_period(text: object) -> str:
    return f"not a period: {text!r}; write 2025-S1, 2025-Q2, 2025-06 or 2025 (digits 0-9)"


def period_kind(period: str | Period) -> Kind:
    """``year`` for 2024, ``half`` for 2024-S1, ``quarter`` for 2024-Q3, ``month`` for 2024-07."""
    return Period.parse(period).kind


def months_between(first: Month, last: Month) -> list[Month]:
    """Every month from ``first`` to ``last``, both included.

    >>> months_between((2024, 11), (2025, 2))
    [(2024, 11), (2024, 12), (2025, 1), (2025, 2)]
    """
    month, out = first, []
    while month <= last:
        out.append(month)
        month = next_month(month)
    return out


def next_month(month: Month) -> Month:
    """The month after ``month``.

    >>> next_month((2024, 12))
    (2025, 1)
    """
    year, m = month
    return (year + 1, 1) if m == 12 else (year, m + 1)


def month_text(month: Month) -> str:
    """``month`` as written in files and messages (``2024-03``)."""
    return f"{month[0]}-{month[1]:02d}"


def last_day(month: Month) -> dt.date:
    """The last day of ``month``.

    >>> last_day((2024, 2))
    datetime.date(2024, 2, 29)
    """
    return dt.date(*next_month(month), 1) - dt.timedelta(days=1)
