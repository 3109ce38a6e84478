"""The chart's axis names the unit as the table beside it does."""

from __future__ import annotations

import pytest

from marsad.web import pages_units, svg


@pytest.mark.parametrize("lang", ["fr", "en", "ar"])
@pytest.mark.parametrize("unit", ["bn", "mn"])
def test_the_axis_and_the_table_name_the_money_unit_alike(unit, lang):
    """A reviewer: the chart's axis said "million dirhams" over a table in "millions of
    dirhams"."""
    table = pages_units._NAMES[unit][pages_units._LANGS.index(lang)]
    assert svg._AXIS_TITLE[unit][lang] == table
