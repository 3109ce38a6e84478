"""Derived figures that are rounded once, whatever the decimals they are written with.

A ratio such as a growth rate is not a finite decimal in general: it used to be
divided to 28 significant digits (rounded half up) and written rounded again to 4
decimals, so a ratio just below a half at the fifth decimal whose 28-digit rounding
landed on the half was written rounded up (a double rounding): 12.345649999...
(29 nines) came out 12.3457 instead of 12.3456.

A value is stored instead as its *round-to-odd* decimal (:func:`odd_decimal`): the
exact value itself when it has at most ``decimals`` decimals, otherwise the exact
value cut to ``decimals`` decimals with a last digit that is neither 0 nor 5. It lies
strictly between the same two neighbours of that grid as the exact value, which no
half or whole of a coarser grid separates, so rounding it to fewer decimals (the
table's 4, the bulletin's 1, half away from zero) gives what rounding the exact value
would. The cut is decided exactly, on integers or :class:`fractions.Fraction`, never on
a rounded quotient: :func:`quotient` for ratios, :func:`root_decimal` for compound
rates and projections, whose exact value is a power of a rational.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Context, Decimal
from fractions import Fraction

#: Significant digits kept of a stored derived value (at least :data:`MIN_DECIMALS`
#: decimals whatever its size).
DIGITS = 28
#: Decimals a stored value keeps at least: 2 more than the most a figure is written
#: with (``MARSAD_PERCENT_DECIMALS`` at most 6), so that every rounding is decided.
MIN_DECIMALS = 8


#: Wide enough for the integer digits of any value looked at here.
_WIDE = Context(prec=200)


def _decimals_for(magnitude: int) -> int:
    """Decimals to keep of a value about ``10 ^ magnitude`` in size (``magnitude`` digits
    before the point, or ``-magnitude`` zeros after it), for :data:`DIGITS` digits."""
    return max(MIN_DECIMALS, DIGITS - magnitude)


def odd_decimal(floor: int, exact: bool, decimals: int) -> Decimal:
    """The round-to-odd decimal of a value whose floor at ``decimals`` decimals is
    ``floor`` (units of 10^-decimals), ``exact`` when the value is that floor.

    >>> odd_decimal(123450, False, 4), odd_decimal(123450, True, 4), odd_decimal(-5, False, 1)
    (Decimal('12.3451'), Decimal('12.345'), Decimal('-0.4'))
    """
    if not exact and floor % 5 == 0:
        floor += 1  # the value is above the floor: the next one up, never a 0 or 5
    while exact and decimals > 0 and floor % 10 == 0:
        floor, decimals = floor // 10, decimals - 1  # an exact value as short as it is
    return Decimal(floor).scaleb(-decimals, context=_WIDE)


def quotient(numerator: int, denominator: int, scale: int = 100) -> Decimal | None:
    """``numerator x scale / denominator`` as its round-to-odd decimal, or None for
    a zero or absent denominator.

    >>> quotient(1, 3), quotient(-1, 8), quotient(5, 0)
    (Decimal('33.33333333333333333333333333'), Decimal('-12.5'), None)
    """
    if not denominator:
        return None
    top, bottom = numerator * scale, denominator
    if bottom < 0:
        top, bottom = -top, -bottom
    whole = abs(top) // bottom
    magnitude = len(str(whole)) if whole else 1 - len(str(bottom // max(abs(top), 1)))
    decimals = _decimals_for(magnitude)
    floor, rest = divmod(top * 10**decimals, bottom)
    return odd_decimal(floor, rest == 0, decimals)


def fraction_decimal(value: Fraction) -> Decimal:
    """A rational as its round-to-odd decimal.

    >>> fraction_decimal(Fraction(1, 3))
    Decimal('0.3333333333333333333333333333')
    """
    return quotient(value.numerator, value.denominator, 1)  # type: ignore[return-value]


def root_decimal(base: Fraction, power: int, root: int, scale: Fraction, shift: Fraction,
                 approx: Decimal) -> Decimal:  # fmt: skip
    """``shift + scale x base ^ (power / root)`` as its round-to-odd decimal.

    ``base`` > 0, ``power`` >= 0, ``root`` > 0, ``scale`` > 0; ``approx`` is the value
    computed to about 28 significant digits (``ln``/``exp``), used only to start the
    search: each candidate is checked exactly, ``x >= t`` being
    ``base ^ power >= ((t - shift) / scale) ^ root`` when ``t > shift``.

    >>> root_decimal(Fraction(121, 100), 1, 2, Fraction(100), Fraction(-100), Decimal("10"))
    Decimal('10')
    >>> root_decimal(Fraction(1, 2), 1, 1, Fraction(1), Fraction(0), Decimal("0.49999"))
    Decimal('0.5')
    """
    lifted = base**power

    def at_least(t: Fraction) -> bool:
        bound = (t - shift) / scale
        return bound <= 0 or lifted >= bound**root

    decimals = _decimals_for(approx.adjusted() + 1)
    guess = int(approx.scaleb(decimals, context=_WIDE).to_integral_value(context=_WIDE))
    floor = _floor(at_least, guess, decimals)
    exact = _equals(base, power, root, scale, shift, Fraction(floor, 10**decimals))
    return odd_decimal(floor, exact, decimals)


def _floor(at_least: Callable[[Fraction], bool], guess: int, decimals: int) -> int:
    """The largest ``n`` with ``x >= n / 10^decimals``, searched from ``guess``."""
    unit = 10**decimals
    step = 1
    while not at_least(Fraction(guess, unit)):
        guess -= step
        step *= 2
    step = 1
    while at_least(Fraction(guess + step, unit)):
        guess += step
        step *= 2
    low, high = guess, guess + step  # x >= low, x < high
    while high - low > 1:
        middle = (low + high) // 2
        if at_least(Fraction(middle, unit)):
            low = middle
        else:
            high = middle
    return low


def _equals(base: Fraction, power: int, root: int, scale: Fraction, shift: Fraction,
            point: Fraction) -> bool:  # fmt: skip
    """Whether ``shift + scale x base ^ (power / root)`` is ``point`` exactly."""
    bound = (point - shift) / scale
    return bound > 0 and base**power == bound**root
