"""Derived figures are rounded once: the written value is the exact ratio (or rate)
rounded half away from zero, never a rounding of a 28-digit rounding."""

from __future__ import annotations

import math
from decimal import Context, Decimal
from fractions import Fraction

from hypothesis import example, given, settings
from hypothesis import strategies as st

from marsad.indicators.compute import CubeCell, compute_indicators
from marsad.indicators.rows import plain_decimal
from marsad.indicators.targets import _cagr


def _half_away(value: Fraction, decimals: int) -> Decimal:
    """The oracle: ``value`` rounded half away from zero, decided on the exact rational."""
    scaled = abs(value) * 10**decimals
    units = math.floor(scaled + Fraction(1, 2))
    return Decimal(units if value >= 0 else -units).scaleb(-decimals, context=Context(prec=200))


def _written(value: Decimal, decimals: int) -> Decimal:
    return Decimal(plain_decimal(value, decimals))


def _growth(previous: int, current: int) -> Decimal:
    """growth_yoy of 2024 as computed, of one cell worth ``previous`` then ``current``
    centimes (all in January, the other months recorded at zero)."""
    cells = [
        CubeCell(year, month, "C", "ITO", "SI22", "FR", amount if month == 1 else 0, 1)
        for year, amount in ((2023, previous), (2024, current))
        for month in range(1, 13)
    ]
    return compute_indicators(cells).get("growth_yoy", "2024")


def test_a_growth_just_below_a_half_is_rounded_down():
    """12.34565 - 10^-29 percent: its 28-digit rounding is 12.34565 exactly, a half, which
    was written 12.3457; the exact growth is below the half: 12.3456."""
    previous = 10**31
    current = previous + 1234565 * 10**24 - 1
    exact = Fraction(current - previous, previous) * 100
    assert exact < Fraction(1234565, 10**5)
    assert f"{_written(_growth(previous, current), 4)}" == "12.3456"


def test_a_growth_on_a_half_is_rounded_away_from_zero():
    previous = 10**7
    assert f"{_written(_growth(previous, previous + 1234565), 4)}" == "12.3457"
    assert f"{_written(_growth(previous, previous - 1234565), 4)}" == "-12.3457"


@st.composite
def near_halves(draw):
    """(numerator, denominator) whose ratio x 100 lies within a few units of
    ``1 / denominator`` of a half at the 5th decimal: where a double rounding shows."""
    denominator = draw(st.integers(10**20, 10**38))
    half = draw(st.integers(-(10**9), 10**9)) * 2 + 1  # in units of 0.000005
    numerator = half * denominator // (2 * 10**7) + draw(st.integers(-3, 3))
    return numerator, denominator


@given(
    st.one_of(near_halves(), st.tuples(st.integers(-(10**38), 10**38), st.integers(1, 10**38))),
    st.integers(0, 6),
)
@example((1234565 * 10**24 - 1, 10**31), 4)
@settings(deadline=None)  # (its first call took 395 ms on a loaded machine: flaky, not slow)
def test_every_ratio_is_written_as_the_exact_ratio_rounded_once(pair, decimals):
    change, previous = pair
    previous = abs(previous) or 1
    value = _growth(previous, previous + change)
    assert _written(value, decimals) == _half_away(Fraction(change * 100, previous), decimals)


def _rate_rounding_is_exact(start: int, end: int, years: int, decimals: int) -> None:
    """The written rate r is right when (1 + (r -/+ half) / 100) ^ years brackets end/start."""
    rate = _written(_cagr(Decimal(f"{start}e-2"), Decimal(f"{end}e-2"), years), decimals)
    half = Fraction(1, 2 * 10**decimals)
    ratio = Fraction(end, start)
    low, high = (
        (1 + (Fraction(rate) - half) / 100) ** years,
        (1 + (Fraction(rate) + half) / 100) ** years,
    )
    if rate > 0:
        assert low <= ratio < high
    elif rate < 0:
        assert low < ratio <= high
    else:
        assert low < ratio < high


def test_a_compound_rate_just_below_a_half_is_rounded_down():
    """end/start = 1.1234565^2 minus a hair: the exact rate is 12.34565 less about
    10^-35 percent, whose 28-digit rounding was the half, written 12.3457."""
    start = 10**36
    end = 10**22 * (10**7 + 1234565) ** 2 - 1
    rate = _written(_cagr(Decimal(f"{start}e-2"), Decimal(f"{end}e-2"), 2), 4)
    assert f"{rate}" == "12.3456"
    _rate_rounding_is_exact(start, end, 2, 4)


@given(
    st.integers(10**10, 10**36),
    st.integers(-(10**6), 10**6),
    st.integers(1, 7),
    st.integers(-2, 2),
    st.integers(0, 6),
)
def test_every_compound_rate_is_the_exact_rate_rounded_once(start, half, years, hair, decimals):
    """Rates drawn on a half of their written grid, then moved by a hair."""
    rate = Fraction(2 * half + 1, 2 * 10**decimals)
    if rate <= -100:
        return
    end = math.floor(start * (1 + rate / 100) ** years) + hair
    if end <= 0:
        return
    _rate_rounding_is_exact(start, end, years, decimals)


def test_an_amount_in_billions_is_rounded_once_for_the_reader():
    """The bulletin's amounts were divided by 10^9 at 28 digits, then rounded to one
    decimal: 1234567890123456789012345.6499 bn came out ...345.650, written ...345.7."""
    from marsad.publish.fmt import money

    said = money(Decimal("1234567890123456789012345649900000.00"), "en")
    assert said == "1,234,567,890,123,456,789,012,345.6 billion dirhams"


def test_a_web_table_cell_in_billions_is_rounded_once():
    """The web tables divided a public amount by 10^9 at 28 digits, then rounded it."""
    from marsad.web.pages_units import Scale

    cell = Scale("bn", Decimal(10) ** 9, 1).cell("1234567890123456789012345649900000.00", "en")
    assert cell == "1,234,567,890,123,456,789,012,345.6"


@given(
    st.integers(1, 10**20),
    st.integers(1, 10**20),
    st.integers(1, 4),
    st.integers(1, 8),
)
@example(2 * (7 * 10**18) ** 2 + 2, 7 * 10**18, 1, 1)  # 0.005 MAD less 10^-40
@example(2, 9, 1, 1)  # 0.09 x 4.5 = 0.405 MAD exactly: exp gave a hair less, written 0.40
def test_every_projection_is_the_exact_level_rounded_once_to_the_centime(start, end, span, ahead):
    """level(Y) x (level(Y) / level(Y0)) ^ (ahead / span), to the centime: the written
    centime c is right when (c -/+ half a centime) ^ span brackets the exact power."""
    from marsad.indicators.targets import MAX_LEVEL, _extrapolate

    got = _extrapolate(Decimal(f"{start}e-2"), Decimal(f"{end}e-2"), span, ahead)
    exact_power = Fraction(end, 100) ** span * Fraction(end, start) ** ahead  # value ^ span
    if got is None:
        assert exact_power >= Fraction(MAX_LEVEL) ** span / 2  # only near or past the bound
        return
    value, half = Fraction(got), Fraction(1, 200)
    assert got.as_tuple().exponent == -2  # to the centime
    assert max(value - half, 0) ** span <= exact_power < (value + half) ** span
