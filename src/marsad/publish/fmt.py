"""Numbers, money, percentages and periods as a reader sees them, in fr, en and ar.

Every function takes the exact :class:`~decimal.Decimal` of the indicator table
and rounds it once, here, half away from zero (``ROUND_HALF_UP``): 3.45 shows as
3,5 and -3.45 as −3,5. Nothing upstream rounds for display.

Conventions (French typography, CLDR where it is right):

- decimal comma, digit groups separated by a narrow no-break space U+202F
  (``13 377,0``), no group for fewer than four integer digits;
- a narrow no-break space U+202F before ``%`` (``3,5 %``); English has none
  (``3.5%``). Babel itself uses U+00A0 before ``%`` in French (see
  STACK-NOTES), which is why this module does not call ``format_percent``;
- a real minus sign U+2212 for negative numbers (``−12,7 %``), an explicit
  ``+`` for signed growth (``+3,5 %``); a value that rounds to zero has no sign;
- money in words: ``13,4 milliards de dirhams``, ``27,0 millions de dirhams``,
  ``1,3 milliard de dirhams`` (French singular below two).

Arabic uses Moroccan conventions (``ar_MA``: Latin digits, decimal comma).
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import get_decimal_symbol, get_group_symbol

from marsad.periods import Period

LANGS: tuple[str, ...] = ("fr", "en", "ar")
#: Babel locale used for each bulletin language.
LOCALES: dict[str, str] = {"fr": "fr_MA", "en": "en", "ar": "ar_MA"}

MINUS = "\u2212"
NNBSP = "\u202f"  # narrow no-break space
NBSP = "\u00a0"
_LRM = "\u200e"  # keeps a sign on the left of Latin digits in right-to-left text

_MILLION = Decimal(10) ** 6

# Unit words for money, by language: (singular, plural) for billions,
# millions and units of the currency. French takes the singular below two.
_MONEY_WORDS: dict[str, dict[str, tuple[str, str]]] = {
    "fr": {
        "bn": ("milliard de dirhams", "milliards de dirhams"),
        "mn": ("million de dirhams", "millions de dirhams"),
        "unit": ("dirham", "dirhams"),
    },
    "en": {
        "bn": ("billion dirhams", "billion dirhams"),
        "mn": ("million dirhams", "million dirhams"),
        "unit": ("dirham", "dirhams"),
    },
    "ar": {
        "bn": ("مليار درهم", "مليار درهم"),
        "mn": ("مليون درهم", "مليون درهم"),
        "unit": ("درهم", "درهم"),
    },
}


#: Digits before the point of the largest number written (an amount in the warehouse
#: has at most 36, DECIMAL(38,2)); a larger one is refused (:func:`round_half_up`)
#: rather than written with a thousand-digit string.
MAX_DIGITS = 1000


def _check_lang(lang: str) -> None:
    if lang not in LANGS:
        raise ValueError(f"unsupported language {lang!r}; expected one of {', '.join(LANGS)}")


def round_half_up(value: Decimal, decimals: int) -> Decimal:
    """``value`` rounded to ``decimals`` places, halves away from zero (e.g. 3.45 -> 3.5).

    Exact for any finite decimal of at most :data:`MAX_DIGITS` digits before the point
    (the precision grows with it); ``ValueError`` for a larger or non-finite one.
    """
    _check_size(value)
    exp = Decimal(1).scaleb(-decimals)
    with decimal.localcontext() as ctx:
        ctx.prec = max(28, value.adjusted() + decimals + 3)
        ctx.Emax = max(ctx.Emax, value.adjusted() + 3)
        ctx.Emin = min(ctx.Emin, -decimals - 3)
        return value.quantize(exp, rounding=ROUND_HALF_UP)


def _check_size(value: Decimal) -> None:
    """``ValueError`` (one line, not the value) unless ``value`` is finite with at most
    :data:`MAX_DIGITS` digits before the point."""
    if not value.is_finite():
        raise ValueError(f"cannot format a non-finite number: {value}")
    if value.adjusted() >= MAX_DIGITS:
        raise ValueError(
            f"cannot format a number of {value.adjusted() + 1} digits before the point "
            f"(at most {MAX_DIGITS})"
        )


def _digits(rounded: Decimal, lang: str, decimals: int) -> str:
    """Digits of an already rounded non-negative decimal, grouped, with the local separators."""
    locale = LOCALES[lang]
    text = f"{rounded:f}"
    whole, _, frac = text.partition(".")
    group = NNBSP if lang == "fr" else get_group_symbol(locale)
    if len(whole) > 3:
        head = len(whole) % 3 or 3
        parts = [whole[:head]] + [whole[i : i + 3] for i in range(head, len(whole), 3)]
        whole = group.join(parts)
    if decimals > 0:
        return f"{whole}{get_decimal_symbol(locale)}{frac}"
    return whole


def _signed(rounded: Decimal, digits: str, lang: str, signed: bool) -> str:
    if rounded.is_zero():
        return digits
    if rounded < 0:
        sign = MINUS
    elif signed:
        sign = "+"
    else:
        return digits
    return f"{_LRM}{sign}{digits}" if lang == "ar" else f"{sign}{digits}"


class Capped(Decimal):
    """A figure's exact value that may be shown with at most ``places`` decimals, those
    its table publishes (e.g. ``Capped("3.497", 0)``, published ``3``): every function
    here shows it with the fewer of its own decimals and ``places``, so a page or the
    bulletin never writes a digit the table does not have (``3 %``, not ``3,5 %`` nor
    ``3,0 %``).

    >>> percent(Capped("3.497", 0), "en"), percent(Capped("3.44996", 4), "en")
    ('3%', '3.4%')
    """

    __slots__ = ("places",)

    def __new__(cls, value: Decimal | str, places: int) -> Capped:
        self = super().__new__(cls, value)
        self.places = places
        return self

    def __reduce__(self):
        return (Capped, (str(Decimal(self)), self.places))


def places(text: str | Decimal) -> int:
    """The decimals a published value has (``3.4500`` -> 4, ``3`` -> 0)."""
    return max(0, -int(Decimal(text).as_tuple().exponent))


def _capped(value: Decimal | int, decimals: int) -> int:
    """``decimals``, or fewer when ``value`` is :class:`Capped`."""
    return min(decimals, value.places) if isinstance(value, Capped) else decimals


def number(value: Decimal | int, lang: str, decimals: int = 0, *, signed: bool = False) -> str:
    """A number with local separators (e.g. ``number(Decimal('13377.04'), 'fr', 1)`` ->
    ``'13 377,0'`` with U+202F; ``'13,377.0'`` in English); a :class:`Capped` value with
    no more decimals than it is published with."""
    _check_lang(lang)
    decimals = _capped(value, decimals)
    rounded = round_half_up(Decimal(value), decimals)
    return _signed(rounded, _digits(rounded.copy_abs(), lang, decimals), lang, signed)


def percent(value: Decimal, lang: str, decimals: int = 1, *, signed: bool = False) -> str:
    """A value already in percent (e.g. ``Decimal('3.4971')`` -> ``'3,5 %'`` in French, with
    U+202F before ``%``; ``'3.5%'`` in English). ``signed=True`` writes ``+3,5 %``."""
    text = number(value, lang, decimals, signed=signed)
    return f"{text}{NNBSP}%" if lang == "fr" else f"{text}%"


def growth(value: Decimal, lang: str, decimals: int = 1) -> str:
    """A signed growth rate (e.g. ``'+3,5 %'``, ``'−12,7 %'`` with U+2212)."""
    return percent(value, lang, decimals, signed=True)


def points(value: Decimal, lang: str, decimals: int = 1, *, signed: bool = True) -> str:
    """Percentage points (e.g. ``'+6,0 points'``, ``'+1,4 point'``, en ``'+6.0 pp'``)."""
    text = number(value, lang, decimals, signed=signed)
    rounded = round_half_up(Decimal(value), _capped(value, decimals)).copy_abs()
    if lang == "fr":
        return f"{text}{NBSP}{'point' if rounded < 2 else 'points'}"
    if lang == "en":
        return f"{text}{NBSP}pp"
    return f"{text}{NBSP}نقطة"


def money(value_mad: Decimal, lang: str, decimals: int | None = None) -> str:
    """An amount in MAD in words, with a unit chosen for the reader.

    Billions with one decimal (``13,4 milliards de dirhams``); below a billion,
    millions with three significant digits (``27,0 millions de dirhams``,
    ``512 millions de dirhams``); below a million, whole dirhams. The unit is
    chosen after rounding, so 999.96 million shows as ``1,0 milliard de dirhams``.
    ``decimals`` overrides the decimals in the chosen unit (e.g. 0 for a target of
    ``40 milliards de dirhams``, 2 for a figure published as 26.17 bn).

    >>> money(Decimal("13377000000"), "en")
    '13.4 billion dirhams'
    """
    _check_lang(lang)
    value = Decimal(value_mad)
    _check_size(value)
    magnitude = value.copy_abs()  # abs() would round to the context's 28 digits
    if round_half_up(magnitude, 0) < _MILLION:
        return _money_text(value, 0 if decimals is None else decimals, "unit", lang)
    millions = shifted(magnitude, 6)
    in_millions = _three_significant(millions) if decimals is None else decimals
    if round_half_up(millions, in_millions) < 1000:
        return _money_text(shifted(value, 6), in_millions, "mn", lang)
    return _money_text(shifted(value, 9), 1 if decimals is None else decimals, "bn", lang)


def shifted(value: Decimal, places: int) -> Decimal:
    """``value`` / 10^``places``, exactly (e.g. an amount in billions): a division at 28
    digits rounded an amount of more digits before it was rounded for the reader
    (1234567890123456789012345.6499 billion came out 6.650 at the 28th digit, then
    ...345.7 instead of ...345.6).

    >>> shifted(Decimal("1234567890123456789012345649900000.00"), 9)
    Decimal('1234567890123456789012345.64990000000')
    """
    _check_size(value)
    wide = decimal.Context(prec=len(value.as_tuple().digits) + 1, Emax=decimal.MAX_EMAX,
                           Emin=decimal.MIN_EMIN)  # fmt: skip
    return value.scaleb(-places, context=wide)


def _three_significant(value: Decimal) -> int:
    """Decimals that show three significant digits of a positive value once rounded
    (e.g. 27.04 -> 1, 5.25 -> 2, 9.996 -> 1 since it rounds to 10.0)."""
    decimals = max(0, 2 - value.adjusted())
    rounded = round_half_up(value, decimals)
    if rounded.adjusted() > value.adjusted():
        decimals = max(0, decimals - 1)
    return decimals


def _money_text(scaled: Decimal, decimals: int, unit: str, lang: str) -> str:
    rounded = round_half_up(scaled, decimals)
    singular, plural = _MONEY_WORDS[lang][unit]
    word = singular if rounded.copy_abs() < 2 else plural
    return f"{number(scaled, lang, decimals)} {word}"


def billions(value_mad: Decimal, decimals: int = 1) -> float:
    """An amount in billions of MAD, rounded half up, as a float for a chart axis;
    never a negative zero (a chart would label it ``-0``).

    >>> billions(Decimal("13377000000")), billions(Decimal("-1000"))
    (13.4, 0.0)
    """
    return float(round_half_up(shifted(Decimal(value_mad), 9), decimals)) + 0.0


def period_label(period: str | Period, lang: str, *, short: bool = False) -> str:
    """A period in words, as :meth:`marsad.periods.Period.label` gives it.

    >>> period_label("2025-S1", "fr"), period_label("2024-Q3", "en", short=True)
    ('premier semestre 2025', 'Q3 2024')
    """
    _check_lang(lang)
    return Period.parse(period).label(lang, short=short)


def in_period(period: str | Period, lang: str) -> str:
    """The period as a complement of time (e.g. fr ``au premier semestre 2025``,
    ``en 2024``, ``en juillet 2024``; en ``in the first half of 2025``, ``in Q3 2024``)."""
    label = period_label(period, lang)
    kind = Period.parse(period).kind
    if lang == "fr":
        return f"au {label}" if kind in ("half", "quarter") else f"en {label}"
    if lang == "en":
        return f"in the {label}" if kind == "half" else f"in {label}"
    return f"في {label}"


def to_period(period: str | Period, lang: str) -> str:
    """The period after a comparison (e.g. fr ``au premier semestre 2024``, ``à 2023``;
    en ``the first half of 2024``, ``2023``), as in "par rapport au premier semestre 2024"."""
    label = period_label(period, lang)
    kind = Period.parse(period).kind
    if lang == "fr":
        return f"au {label}" if kind in ("half", "quarter") else f"à {label}"
    if lang == "en":
        return f"the {label}" if kind == "half" else label
    return label


def long_date(day: dt.date, lang: str) -> str:
    """``day`` written out in ``lang``, as the bulletin, the PDF and the dashboard date a
    release (Babel's long format), the first of a month as French writes it: ``1er``.

    >>> long_date(dt.date(2025, 10, 1), "fr"), long_date(dt.date(2025, 10, 15), "fr")
    ('1er octobre 2025', '15 octobre 2025')
    >>> long_date(dt.date(2025, 10, 1), "en"), long_date(dt.date(2025, 10, 1), "ar")
    ('October 1, 2025', '1 أكتوبر 2025')
    """
    from babel.dates import format_date

    _check_lang(lang)
    text = format_date(day, "long", locale=LOCALES[lang])
    if lang == "fr" and day.day == 1:  # "1 octobre 2025" is "1er octobre 2025" in French
        text = re.sub(r"^1(?=\s)", "1er", text)
    return text
