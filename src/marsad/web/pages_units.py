"""One unit per table column: the dashboard's tables write bare numbers, the unit in the header.

A column of amounts is written in one unit chosen from all its values (millions of
dirhams as a rule), with enough decimals that the smallest value keeps four significant
digits, at most three decimals (``0,185`` million keeps three), so rows compare at a
glance and two values of at least one unit 0.5% apart never read the same.
Percent, percentage points and jobs columns write the number only; the header says
``%``, ``points de pourcentage`` or ``emplois``. Headline cards keep amounts in words
(:func:`marsad.publish.fmt.money`).

>>> from decimal import Decimal
>>> s = scale_of(["1004300000", "1013000000", "792000000.5"], "MAD")
>>> s.name("fr"), s.cell("1004300000", "fr"), s.cell("", "fr")
('millions de dirhams', '1\\u202f004,3', '[c]')
>>> scale_of(["3.4971"], "percent").cell("3.4971", "en"), scale_of([], "jobs").name("ar")
('3.5', 'مناصب الشغل')
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from marsad.publish import fmt
from marsad.publish.marks import WITHHELD
from marsad.web.exact import figure

#: Significant digits the smallest non-zero amount of a column keeps.
SIGNIFICANT = 4
_NAMES: dict[str, tuple[str, str, str]] = {
    "bn": ("milliards de dirhams", "billions of dirhams", "مليار درهم"),
    "mn": ("millions de dirhams", "millions of dirhams", "مليون درهم"),
    "k": ("milliers de dirhams", "thousands of dirhams", "ألف درهم"),
    "MAD": ("dirhams", "dirhams", "درهم"),
    "percent": ("%", "%", "%"),
    "percentage_points": ("points de pourcentage", "percentage points", "نقاط مئوية"),
    "jobs": ("emplois", "jobs", "مناصب الشغل"),
}
_LANGS = ("fr", "en", "ar")
#: Amount units, largest first: (key, divisor, the largest value from which it is used).
_MONEY = (("bn", Decimal(10) ** 9, Decimal(10) ** 12), ("mn", Decimal(10) ** 6, Decimal(10) ** 6),
          ("k", Decimal(10) ** 3, Decimal(10) ** 3))  # fmt: skip


@dataclass(frozen=True)
class Scale:
    """How one column writes its values (e.g. MAD in millions with one decimal)."""

    key: str
    divisor: Decimal = Decimal(1)
    decimals: int = 0

    def name(self, lang: str) -> str:
        """The unit for the column's header (e.g. ``millions de dirhams``)."""
        return _NAMES.get(self.key, (self.key,) * 3)[_LANGS.index(lang)]

    def cell(self, value: str | Decimal, lang: str) -> str:
        """A public value (text, or a number) as the column writes it, rounded once from
        the cell's exact value when the release keeps it (:func:`marsad.web.exact.figure`);
        ``[c]`` when withheld (empty)."""
        if isinstance(value, str) and value == "":
            return WITHHELD
        shift = self.divisor.adjusted()  # (decimals of millions are more of dirhams)
        v = figure(value)
        decimals = min(self.decimals, v.places + shift)  # never a digit not published
        # the point shifted exactly (a division at 28 digits rounded a long amount twice)
        return fmt.number(fmt.shifted(v, shift), lang, decimals)


def scale_of(values: Iterable[str], unit: str) -> Scale:
    """The scale of a column of public ``values`` (text, empty when withheld) in ``unit``."""
    numbers = [abs(Decimal(v)) for v in values if v != ""]
    if unit == "percent" or unit == "percentage_points":
        return Scale(unit, decimals=1)
    if unit != "MAD":
        return Scale(unit)
    largest = max(numbers, default=Decimal(0))
    key, divisor = next(((k, d) for k, d, start in _MONEY if largest >= start), ("MAD", 1))
    divisor = Decimal(divisor)
    smallest = min((n for n in numbers if n), default=Decimal(0))
    return Scale(key, divisor, _decimals(smallest / divisor, key))


def _decimals(smallest: Decimal, key: str) -> int:
    """Decimals keeping ``SIGNIFICANT`` digits of ``smallest``: at least one in millions or
    billions, none in dirhams, at most three."""
    if key == "MAD":
        return 0
    if not smallest:
        return 1
    return min(3, max(1, SIGNIFICANT - 1 - smallest.adjusted()))


def scales(pairs: Iterable[tuple[str, str]]) -> dict[str, Scale]:
    """One scale per unit of the (value, unit) ``pairs`` of a table (e.g. a revisions table
    mixing amounts and percents)."""
    by_unit: dict[str, list[str]] = {}
    for value, unit in pairs:
        by_unit.setdefault(unit, []).append(value)
    return {unit: scale_of(values, unit) for unit, values in by_unit.items()}


def telling(scale: Scale, pairs: Iterable[tuple[str, str]], lang: str = "en") -> Scale:
    """``scale`` with enough decimals (at most four more) that each (old, new) pair of a
    revisions table reads differently (a revision never shows as ``1,4`` -> ``1,4``).

    >>> telling(Scale("percentage_points", decimals=1), [("1.41", "1.44")]).decimals
    2
    """
    pairs = [(a, b) for a, b in pairs if a and b and Decimal(a) != Decimal(b)]
    for extra in range(5):
        tried = Scale(scale.key, scale.divisor, scale.decimals + extra)
        if all(tried.cell(a, lang) != tried.cell(b, lang) for a, b in pairs):
            return tried
    return tried
