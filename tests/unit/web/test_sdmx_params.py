"""The SDMX routes' parameters in the schema are what the server reads (``st run`` sent
``dimensionAtObservation=AUX``, ``format=COM`` and ``c[TIME_PERIOD]=COM``, valid by a
schema that said only "a string", and got a 400): every value the schema admits is
read, and what it refuses is refused."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from marsad.errors import MarsadError
from marsad.web.problems import Problem
from marsad.web.sdmx_formats import negotiate_data
from marsad.web.sdmx_params import (
    BOUND_PATTERN,
    CONSTRAINTS,
    INSTANT_PATTERN,
    KEY_PATTERN,
    TIME_PATTERN,
)
from marsad.web.sdmx_query import parse_key, parse_time, period_bound, updated_after

SETTINGS = settings(max_examples=300, deadline=None, database=None)


@SETTINGS
@given(st.from_regex(TIME_PATTERN, fullmatch=True))
def test_every_time_filter_the_schema_admits_is_read(text):
    assert parse_time(text)


@SETTINGS
@given(st.from_regex(BOUND_PATTERN, fullmatch=True))
def test_every_period_bound_the_schema_admits_is_read(text):
    assert period_bound(text).months


@SETTINGS
@given(st.from_regex(INSTANT_PATTERN, fullmatch=True))
def test_every_updated_after_the_schema_admits_is_read(text):
    """Its day as written, or in UTC when it has a zone: the day of its hour and minute
    less the offset, worked out here in minutes (the calendar's first or last day when
    that falls outside it)."""
    day = dt.date.fromisoformat(text[:10])
    clock = re.match(r".{10}[T ](\d{2}):(\d{2})", text)
    zone = re.search(r"([+-])(\d{2}):(\d{2})$", text[10:])
    minutes = int(clock[1]) * 60 + int(clock[2]) if clock else 0
    if zone:
        minutes -= (1 if zone[1] == "+" else -1) * (int(zone[2]) * 60 + int(zone[3]))
    shift = minutes // (24 * 60)  # (floor: -1 before midnight, +1 after the next)
    if day.toordinal() + shift < 1:
        expected = dt.date.min
    elif day.toordinal() + shift > dt.date.max.toordinal():
        expected = dt.date.max
    else:
        expected = day + dt.timedelta(days=shift)
    assert updated_after(text) == expected


def test_an_instant_whose_utc_day_is_out_of_the_calendar_is_its_first_or_last_day():
    """0001-01-01T00:00+01:00 is in year 0 in UTC: OverflowError, a 500, before."""
    assert updated_after("0001-01-01T00:00:00+01:00") == dt.date.min
    assert updated_after("9999-12-31T23:00:00-05:00") == dt.date.max


@pytest.mark.parametrize(
    "text",
    [
        "2025-02-29",
        "2025-10-15T24:00",
        "2025-10-15Z",
        "2025-10-15T08",
        "tomorrow",
        "2025-10-15T08:00+0100",
    ],  # (xs:dateTime's offset has its colon: the schema's form)
)
def test_what_the_updated_after_pattern_refuses_the_server_refuses(text):
    assert not re.fullmatch(INSTANT_PATTERN, text)
    with pytest.raises(MarsadError):
        updated_after(text)


@SETTINGS
@given(st.from_regex(KEY_PATTERN, fullmatch=True))
def test_every_key_the_schema_admits_is_read(text):
    assert len(parse_key(text)) == 6


@pytest.mark.parametrize("word", ["csv", "CSV", "Json1", "sdmx-csv", "StructureSpecificData"])
def test_every_format_the_schema_admits_is_served(word):
    assert re.fullmatch(CONSTRAINTS["format"]["pattern"], word)
    assert negotiate_data(None, word)


@pytest.mark.parametrize(
    ("name", "value"),
    [("c[TIME_PERIOD]", "COM"), ("c[TIME_PERIOD]", "ne:2023"), ("c[TIME_PERIOD]", "ge:2023+"),
     ("c[TIME_PERIOD]", "ge:2023-W01"), ("startPeriod", "2024-13"), ("endPeriod", "2024-13-01"),
     ("key", "A.b.c.d.e.f.g"), ("format", "COM"), ("startPeriod", "2024-02-30"),
     ("endPeriod", "2023-02-29"), ("startPeriod", "2024-04-31"), ("endPeriod", "2024-01-00"),
     ("c[TIME_PERIOD]", "ge:2024-02-30"), ("c[TIME_PERIOD]", "2024+le:1900-02-29")],
)  # fmt: skip
def test_what_the_schema_refuses_the_server_refuses(name, value):
    assert not re.fullmatch(CONSTRAINTS[name]["pattern"], value)
    read = {
        "c[TIME_PERIOD]": parse_time,
        "startPeriod": period_bound,
        "endPeriod": period_bound,
        "key": parse_key,
        "format": lambda v: negotiate_data(None, v),
    }[name]
    with pytest.raises((MarsadError, Problem, ValueError)):
        read(value)


def test_the_served_schema_states_them(tmp_path):
    """Each SDMX data route's parameters carry the constraints; the path parameters
    name the dataflow as examples, so that a fuzzer reaches data, not only 404s."""
    from marsad.web.app import create_app

    schema = create_app(tmp_path / "marsad.duckdb", root=tmp_path / "releases").openapi()
    route = schema["paths"]["/sdmx/v2/data/{context}/{agency}/{flow}/{version}"]["get"]
    params = {p["name"]: p for p in route["parameters"]}
    assert params["dimensionAtObservation"]["schema"]["enum"] == ["TIME_PERIOD", "AllDimensions"]
    assert params["c[TIME_PERIOD]"]["schema"]["anyOf"][0]["pattern"] == TIME_PATTERN
    assert params["flow"]["examples"]["dataflow"]["value"] == "DIGITAL_EXPORTS"
    v1 = {p["name"]: p for p in schema["paths"]["/sdmx/data/{flow}"]["get"]["parameters"]}
    assert v1["startPeriod"]["schema"]["anyOf"][0]["pattern"] == BOUND_PATTERN
    assert v1["detail"]["schema"]["enum"] == ["full", "dataonly"]


@pytest.mark.parametrize(
    ("name", "value"),
    [("startPeriod", "2024-02-30"), ("endPeriod", "2023-02-29"), ("endPeriod", "2024-13-01"),
     ("startPeriod", "2024-06-00"), ("c[TIME_PERIOD]", "ge:2024-04-31")],
)  # fmt: skip
def test_a_day_that_does_not_exist_is_refused_naming_the_parameter(name, value):
    """startPeriod=2024-02-30 was read as 2024-02 (the REST API refuses asOf=2023-02-29)."""
    from marsad.web.sdmx_query import SdmxQuery

    shown = value.rpartition(":")[2]
    with pytest.raises(MarsadError, match=re.escape(f"{name}: '{shown}' is not a day of the")):
        SdmxQuery.parse(None, {name: value})


@pytest.mark.parametrize("value", ["2024-02-29", "2000-02-29", "0004-02-29", "2023-04-30"])
def test_a_day_that_exists_is_admitted_and_read_as_its_month(value):
    assert re.fullmatch(BOUND_PATTERN, value)
    assert str(period_bound(value)) == value[:7]


# -- one rule of the years, for both APIs (marsad.dates.YEAR) -----------------------------


@pytest.mark.parametrize(
    ("name", "value"),
    [("startPeriod", "0000"), ("endPeriod", "0000-Q1"), ("startPeriod", "0000-02-29"),
     ("endPeriod", "0000-01-31"), ("c[TIME_PERIOD]", "ge:0000"), ("c[TIME_PERIOD]", "0000-s1")],
)  # fmt: skip
def test_the_sdmx_api_refuses_the_year_0000_as_the_rest_api_does(name, value):
    """startPeriod=0000 and 0000-02-29 were read (year 0000 a leap year), where the REST
    API refused asOf=0000-01-01 (no calendar date has that year)."""
    from marsad.web.sdmx_query import SdmxQuery

    assert not re.fullmatch(CONSTRAINTS[name]["pattern"], value)
    with pytest.raises(MarsadError, match="years run from 0001 to 9999"):
        SdmxQuery.parse(None, {name: value})


def test_the_rest_api_refuses_the_year_0000_in_its_schema_and_server():
    from marsad.dates import read_date, why_not
    from marsad.web.app import PERIOD_PATTERN
    from marsad.web.store import Filters

    for value in ("0000", "0000-q2", "0000-12"):
        assert not re.fullmatch(PERIOD_PATTERN, value)
        with pytest.raises(MarsadError, match="years run from 0001 to 9999"):
            Filters.parse(start=value)
    assert read_date("0000-01-01") is None
    assert why_not("0000-01-01").endswith("years run from 0001 to 9999")


YEARS = st.integers(0, 9999).map(lambda y: f"{y:04d}")
TAILS = st.sampled_from(["", "-S1", "-q4", "-07", "-12"])


@SETTINGS
@given(YEARS, TAILS, st.integers(1, 12), st.integers(1, 31))
def test_both_apis_take_the_same_years(year, tail, month, day):
    """A period is taken by the SDMX API's schema and server exactly when the REST
    API's take it; a day by the SDMX API exactly when ``asOf`` (the one date reader)
    takes it."""
    from marsad.dates import read_date
    from marsad.web.app import PERIOD_PATTERN
    from marsad.web.store import Filters

    period = f"{year}{tail}"
    rest = bool(re.fullmatch(PERIOD_PATTERN, period))
    assert rest == (year != "0000")
    assert bool(re.fullmatch(BOUND_PATTERN, period)) == rest
    assert _taken(lambda: period_bound(period)) == rest == _taken(lambda: Filters.parse(end=period))
    day = f"{year}-{month:02d}-{day:02d}"
    as_of = read_date(day) is not None
    assert bool(re.fullmatch(BOUND_PATTERN, day)) == as_of == _taken(lambda: period_bound(day))


def _taken(read) -> bool:
    try:
        read()
    except MarsadError:
        return False
    return True
