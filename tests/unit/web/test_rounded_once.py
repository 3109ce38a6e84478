"""The web shows a published figure rounded once from its exact value, as the bulletin does.

Property over exact values: whatever the exact percentage (in particular one just below
a half at one decimal whose four-decimal rounding is a half, 3.44996 -> 3.4500), the
headline, a table's cell and a chart's label show the digits of the bulletin, and never
a digit past those published.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import example, given
from hypothesis import strategies as st

from marsad.indicators.rows import plain_decimal
from marsad.publish.keyed import Keyed
from marsad.publish.lang import FORMATS
from marsad.web import exact, svg
from marsad.web.exact import Published, figure
from marsad.web.pages_units import Scale
from marsad.web.views import shown

KEY = "growth_yoy/exports/2025-S1/TOTAL/_T/_T"
UNITS = {"percent": "percent", "growth": "growth", "percentage_points": "points"}


def _cell(value: Decimal) -> Published:
    """The cell as the web holds it: its published text (4 decimals) and exact value."""
    return Published(plain_decimal(value, 4), value)


@given(
    st.integers(-(10**12), 10**12).map(lambda n: Decimal(n).scaleb(-7)),
    st.sampled_from(sorted(UNITS)),
    st.sampled_from(["fr", "en", "ar"]),
)
@example(Decimal("3.44996"), "growth", "fr")
@example(Decimal("-3.44996"), "percent", "en")
def test_the_page_shows_the_bulletins_digits(value, unit, lang):
    cell = _cell(value)
    bulletin = FORMATS[UNITS[unit]](Keyed(value, KEY, str(cell)), lang)
    assert shown(cell, unit, lang) == bulletin
    assert shown(exact.number(cell), unit, lang) == bulletin  # a chart's label
    assert Scale(unit if unit != "growth" else "percent", decimals=1).cell(cell, lang) in bulletin


def test_a_half_at_four_decimals_is_not_rounded_up_again():
    cell = _cell(Decimal("3.44996"))
    assert cell == "3.4500"
    assert shown(cell, "growth", "fr") == "+3,4\u202f%"  # was +3,5 %
    assert Scale("percent", decimals=1).cell(cell, "en") == "3.4"
    bars = svg.bar_chart([("ITO", exact.number(cell))], "percent", "fr", "t")
    line = svg.line_chart([("ITO", [("2025-S1", exact.number(cell))])], "percent", "fr", "t")
    for chart in (bars, line):  # a bar's label, a point's tooltip
        assert "3,4 %" in chart and "3,5" not in chart


def test_no_digit_past_the_published_ones_is_shown():
    """A revisions table may ask for more decimals than one (up to five): past the four
    published it shows the four, neither the exact value's digits nor a padding zero."""
    cell = _cell(Decimal("1.23456789"))
    assert figure(cell).places == 4
    assert Scale("percent", decimals=5).cell(cell, "en") == "1.2346"
    assert Scale("percent", decimals=3).cell(cell, "en") == "1.235"


def test_money_is_rounded_once_too():
    """A projected level of 13 349 999 999.996 MAD is published 13350000000.00: 13,3
    billion rounded once, 13,4 rounded again."""
    cell = Published("13350000000.00", Decimal("13349999999.996"))
    assert shown(cell, "MAD", "en") == "13.3 billion dirhams"
    assert Scale("bn", Decimal(10) ** 9, 1).cell(cell, "en") == "13.3"
    assert Scale("MAD", Decimal(1), 0).cell(cell, "en") == "13,350,000,000"
