"""No negative zero in any output: a value that rounds to zero has no sign."""

from __future__ import annotations

import math
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from marsad.indicators.rows import format_value, plain_decimal
from marsad.indicators.table import Observation
from marsad.publish import fmt

#: Decimals near zero and far from it, with up to 12 places.
values = st.decimals(
    min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=12, allow_nan=False
)
small = st.decimals(min_value=Decimal("-0.01"), max_value=Decimal("0.01"), places=12)
langs = st.sampled_from(fmt.LANGS)


def _negative_zero(text: str) -> bool:
    """Starts with a minus sign (ASCII or U+2212, after an LRM) and its digits are zero."""
    body = text.lstrip("\u200e")
    digits = [c for c in body if c.isdigit()]
    return body[:1] in ("-", fmt.MINUS) and set(digits) <= {"0"}


@given(st.one_of(values, small), st.integers(min_value=0, max_value=6))
def test_plain_decimal_never_writes_a_negative_zero(value, decimals):
    text = plain_decimal(value, decimals)
    assert not (text.startswith("-") and Decimal(text) == 0), text
    assert Decimal(text) == fmt.round_half_up(value, decimals)


@given(st.one_of(values, small), st.sampled_from(["MAD", "percent", "pp"]))
def test_the_indicator_table_never_holds_a_negative_zero(value, unit):
    """Case realworld/10: growth of -0.00004 % was written "-0.0000" (116 values)."""
    obs = Observation("growth_yoy", "exports", "2024", "TOTAL", "_T", "_T", value, unit)
    text = format_value(obs)
    assert not (text.startswith("-") and Decimal(text) == 0), text


@given(st.one_of(values, small), langs, st.integers(min_value=0, max_value=4))
def test_bulletin_numbers_never_show_a_negative_zero(value, lang, decimals):
    for text in (
        fmt.number(value, lang, decimals),
        fmt.percent(value, lang, decimals),
        fmt.growth(value, lang, decimals),
        fmt.points(value, lang, decimals),
        fmt.money(value, lang),
    ):
        assert not _negative_zero(text), text


@given(st.one_of(values, small))
def test_chart_values_are_never_a_negative_zero(value):
    assert math.copysign(1.0, fmt.billions(value)) > 0 or fmt.billions(value) < 0


def test_case_10_growth_of_minus_0_00004_percent_is_written_0_0000():
    """realworld/10: 2024 exports 24,999,990 against 25,000,000: growth rounds to 0.0000."""
    growth = (Decimal("24999990") / Decimal("25000000") - 1) * 100
    obs = Observation("growth_yoy", "exports", "2024", "TOTAL", "_T", "_T", growth, "percent")
    assert format_value(obs) == "0.0000"
    assert fmt.growth(growth, "fr") == "0,0\u202f%"
