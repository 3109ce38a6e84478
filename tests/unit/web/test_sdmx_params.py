"""The SDMX routes' parameters in the schema are what the server reads (``st run`` sent
``dimensionAtObservation=AUX``, ``format=COM`` and ``c[TIME_PERIOD]=COM``, valid by a
schema that said only "a string", and got a 400): every value the schema admits is
read, and what it refuses is refused."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from marsad.errors import MarsadError
from marsad.web.problems import Problem
from marsad.web.sdmx_formats import negotiate_data
from marsad.web.sdmx_params import BOUND_PATTERN, CONSTRAINTS, KEY_PATTERN, TIME_PATTERN
from marsad.web.sdmx_query import parse_key, parse_time, period_bound

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


@pytest.mark.parametrize("value", ["2024-02-29", "2000-02-29", "0000-02-29", "2023-04-30"])
def test_a_day_that_exists_is_admitted_and_read_as_its_month(value):
    assert re.fullmatch(BOUND_PATTERN, value)
    assert str(period_bound(value)) == value[:7]
