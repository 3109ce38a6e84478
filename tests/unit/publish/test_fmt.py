"""Number, money, percent and period formatting (marsad.publish.fmt)."""

from __future__ import annotations

import decimal
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marsad.publish import fmt
from marsad.publish.fmt import growth, in_period, money, number, percent, period_label, points

NNBSP, NBSP, MINUS = "\u202f", "\u00a0", "\u2212"


@pytest.mark.parametrize(
    ("value", "lang", "expected"),
    [
        ("13377000000", "fr", "13,4 milliards de dirhams"),
        ("13377000000", "en", "13.4 billion dirhams"),
        ("27000000", "fr", "27,0 millions de dirhams"),
        ("27000000", "en", "27.0 million dirhams"),
        ("2580000000", "fr", "2,6 milliards de dirhams"),
        ("1330000000", "fr", "1,3 milliard de dirhams"),  # French singular below two
        ("40000000000", "fr", "40,0 milliards de dirhams"),
        ("512345678.90", "fr", "512 millions de dirhams"),
        ("5250000", "fr", "5,25 millions de dirhams"),
        ("999960000", "fr", "1,0 milliard de dirhams"),  # unit chosen after rounding
        ("9996000", "fr", "10,0 millions de dirhams"),  # still three significant digits
        ("950000", "fr", f"950{NNBSP}000 dirhams"),
        ("-4800000000", "fr", f"{MINUS}4,8 milliards de dirhams"),
    ],
)
def test_money(value, lang, expected):
    assert money(Decimal(value), lang) == expected


def test_money_with_fixed_decimals():
    assert money(Decimal("26170000000"), "fr", decimals=2) == "26,17 milliards de dirhams"
    assert money(Decimal("40000000000"), "fr", decimals=0) == "40 milliards de dirhams"


def test_percent_french_uses_narrow_no_break_space():
    assert percent(Decimal("3.4971"), "fr") == f"3,5{NNBSP}%"
    assert percent(Decimal("3.4971"), "en") == "3.5%"
    assert percent(Decimal("74.5233"), "fr") == f"74,5{NNBSP}%"
    assert percent(Decimal("3.4971"), "fr", decimals=2) == f"3,50{NNBSP}%"


def test_signed_growth_uses_real_minus_sign():
    assert growth(Decimal("3.4971"), "fr") == f"+3,5{NNBSP}%"
    assert growth(Decimal("-12.7083"), "fr") == f"{MINUS}12,7{NNBSP}%"
    assert growth(Decimal("-12.7083"), "en") == f"{MINUS}12.7%"
    assert growth(Decimal("-0.04"), "fr") == f"0,0{NNBSP}%"  # no sign on a shown zero


def test_points_and_numbers():
    assert points(Decimal("6.0193"), "fr") == f"+6,0{NBSP}points"
    assert points(Decimal("1.3926"), "fr") == f"+1,4{NBSP}point"
    assert points(Decimal("-4.7195"), "fr", signed=False) == f"{MINUS}4,7{NBSP}points"
    assert points(Decimal("6.0193"), "en") == f"+6.0{NBSP}pp"
    assert number(Decimal("13377.04"), "fr", 1) == f"13{NNBSP}377,0"
    assert number(Decimal("13377.04"), "en", 1) == "13,377.0"
    assert number(Decimal("977"), "fr") == "977"
    assert number(Decimal("1234567"), "fr") == f"1{NNBSP}234{NNBSP}567"


@pytest.mark.parametrize(
    ("period", "lang", "expected"),
    [
        ("2025-S1", "fr", "premier semestre 2025"),
        ("2025-S2", "fr", "deuxième semestre 2025"),
        ("2024-Q3", "fr", "troisième trimestre 2024"),
        ("2024-07", "fr", "juillet 2024"),
        ("2024", "fr", "2024"),
        ("2025-S1", "en", "first half of 2025"),
        ("2024-Q3", "en", "Q3 2024"),
        ("2024-07", "en", "July 2024"),
    ],
)
def test_period_label(period, lang, expected):
    assert period_label(period, lang) == expected


def test_period_short_labels_and_complements():
    assert period_label("2025-S1", "fr", short=True) == "S1 2025"
    assert period_label("2024-Q3", "fr", short=True) == "T3 2024"
    assert period_label("2025-S1", "en", short=True) == "H1 2025"
    assert in_period("2025-S1", "fr") == "au premier semestre 2025"
    assert in_period("2024", "fr") == "en 2024"
    assert in_period("2024-07", "fr") == "en juillet 2024"
    assert fmt.to_period("2023", "fr") == "à 2023"
    assert in_period("2025-S1", "en") == "in the first half of 2025"


def test_arabic_is_ready():
    assert money(Decimal("13377000000"), "ar") == "13,4 مليار درهم"
    assert period_label("2024-07", "ar").endswith("2024")


def test_unknown_language_and_non_finite_values_raise_clearly():
    with pytest.raises(ValueError, match="unsupported language"):
        money(Decimal(1), "de")
    with pytest.raises(ValueError, match="non-finite"):
        percent(Decimal("NaN"), "fr")


# -- properties ---------------------------------------------------------------------------

finite = st.decimals(allow_nan=False, allow_infinity=False)


def _parse(text: str, lang: str) -> Decimal:
    """Read back a formatted number (signs, groups and unit stripped)."""
    text = text.replace(MINUS, "-").replace("+", "").replace(NNBSP, "").replace("%", "")
    text = text.replace(",", ".") if lang == "fr" else text.replace(",", "")
    return Decimal(text.split()[0])


@given(finite, st.sampled_from(fmt.LANGS))
def test_money_never_raises(value, lang):
    assert money(value, lang)


@given(finite, st.sampled_from(fmt.LANGS), st.integers(0, 4), st.booleans())
def test_percent_and_number_never_raise(value, lang, decimals, signed):
    assert percent(value, lang, decimals, signed=signed)
    assert number(value, lang, decimals, signed=signed)
    assert points(value, lang, decimals)


@given(st.decimals(min_value=-(10**12), max_value=10**12, places=4), st.sampled_from(["fr", "en"]))
def test_percent_rounds_half_away_from_zero_once(value, lang):
    shown = _parse(percent(value, lang, 1, signed=True), lang)
    assert shown == value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@given(st.integers(-(10**9), 10**9), st.sampled_from(["fr", "en"]))
def test_ties_go_away_from_zero(tenths, lang):
    value = Decimal(tenths) / 10 + (Decimal("0.05") if tenths >= 0 else Decimal("-0.05"))
    shown = _parse(percent(value, lang, 1, signed=True), lang)
    assert abs(shown) > abs(value)
    assert shown == value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@given(st.decimals(min_value=0, max_value=10**15, places=2))
def test_money_keeps_three_significant_digits_or_one_decimal_of_billions(value):
    text = money(value, "fr")
    figure = text.split(" ")[0].replace(NNBSP, "")
    if "milliard" in text:
        assert len(figure.split(",")[1]) == 1
    elif "million" in text:
        assert len(figure.replace(",", "").lstrip("0")) == 3


@pytest.mark.parametrize(
    ("day", "lang", "expected"),
    [
        ("2025-10-01", "fr", "1er octobre 2025"),  # French typography: the first is 1er
        ("2025-10-15", "fr", "15 octobre 2025"),
        ("2025-10-11", "fr", "11 octobre 2025"),  # not a day that merely starts with 1
        ("2025-10-21", "fr", "21 octobre 2025"),
        ("2025-10-01", "en", "October 1, 2025"),
        ("2025-08-01", "ar", "1 غشت 2025"),
    ],
)
def test_long_dates_write_the_first_of_the_month_as_french_does(day, lang, expected):
    """Symptom: the French bulletin was "Publié le : 1 octobre 2025" where French writes
    "1er octobre 2025"; English and Arabic unchanged."""
    import datetime as dt

    from marsad.publish.bulletin import publication
    from marsad.publish.columns import Publication
    from marsad.web.pages_views import long_date

    date = dt.date.fromisoformat(day)
    assert fmt.long_date(date, lang) == expected
    assert long_date(day, lang) == expected  # the dashboard's releases pages
    published = Publication(release="R1", release_date=date, next_release_date=date)
    said = publication(lang, published)  # the bulletin's header and footer (HTML, Markdown, PDF)
    assert said["date"] == said["next"] == expected


# -- past the decimal context's 28 digits -------------------------------------------------


def test_amounts_past_28_digits_are_written_exactly():
    """abs() rounded an amount to the context's 28 significant digits before it was
    rounded for the reader: 36 digits of dirhams lost their last eight (written
    ...345 650 000 000,) and 999 999.4999... (31 digits) became 1.00 million."""
    amount = Decimal("1234567890123456789012345649999999.94")
    assert number(amount, "en", 1) == "1,234,567,890,123,456,789,012,345,649,999,999.9"
    assert number(amount.copy_negate(), "fr", 1).endswith(f"649{NNBSP}999{NNBSP}999,9")
    assert money(amount, "en") == "1,234,567,890,123,456,789,012,345.6 billion dirhams"
    assert money(amount.copy_negate(), "en") == f"{MINUS}{money(amount, 'en')}"
    assert money(Decimal("999999.4999999999999999999999999"), "en") == "999,999 dirhams"
    assert points(Decimal("1.4999999999999999999999999999"), "en") == f"+1.5{NBSP}pp"
    assert points(Decimal("1.49999999999999999999999999999"), "fr") == f"+1,5{NBSP}point"


def test_a_number_too_long_to_write_is_refused_in_one_line():
    with pytest.raises(ValueError, match=r"^cannot format a number of 1001 digits before"):
        money(Decimal("1E+1000"), "fr")
    with pytest.raises(ValueError, match="digits before the point"):
        number(Decimal("-1E+5000"), "en", 1)
    assert number(Decimal("9" * 1000), "en")  # the largest taken


def test_billions_and_millions_of_the_bulletin_are_shifted_exactly():
    from marsad.publish.keyed import keyed
    from marsad.publish.lang import FORMATS

    # a division at 28 digits gave ...345.645 billion, then .65; ...649.95 million, then .0
    assert FORMATS["bn"](Decimal("1234567890123456789012345644999999.99"), "en").endswith(
        "012,345.64"
    )
    assert FORMATS["mn"](Decimal("1234567890123456789012345649949999.99"), "en").endswith(
        "345,649.9"
    )
    big = keyed("-1234567890123456789012345649999999.99")
    assert str(big.size()) == "1234567890123456789012345649999999.99"


@given(st.integers(-(10**48), 10**48), st.sampled_from(["fr", "en"]), st.integers(0, 4))
def test_numbers_of_any_size_are_rounded_once(units, lang, decimals):
    value = Decimal(units).scaleb(-8, decimal.Context(prec=100))  # up to 49 digits
    shown = _parse(number(value, lang, decimals, signed=True), lang)
    assert shown == value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP,
                                   context=decimal.Context(prec=100))  # fmt: skip
