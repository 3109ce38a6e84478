"""The admin upload's read options in the schema are taken by the server: ``st run``
sent ``encoding=0``, ``date_format=%`` and ``map=0=A``, valid by patterns that said only
their form, and got 400s. Every value the schema admits is taken (the server may take
more: ``%Y%m%d``, ``UTF-8``)."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marsad.ingest.reporters import check_date_format, parse_map
from marsad.web.ingest_options import (
    _check_encoding,
    _date_format_forms,
    _map_forms,
    _text_encodings,
)

SETTINGS = settings(max_examples=400, deadline=None, database=None,
                    suppress_health_check=list(HealthCheck))  # fmt: skip


@SETTINGS
@given(st.from_regex(_date_format_forms(), fullmatch=True).filter(lambda t: len(t) <= 40))
def test_every_date_format_the_schema_admits_reads_back_a_whole_date(fmt):
    assert check_date_format(fmt) == fmt


@SETTINGS
@given(st.from_regex(_map_forms(), fullmatch=True).filter(lambda t: len(t) <= 200))
def test_every_map_item_the_schema_admits_names_a_field(item):
    assert len(parse_map([item])) == 1


def test_every_encoding_the_schema_lists_is_a_text_encoding():
    names = _text_encodings()
    assert {"utf-8", "utf_8", "cp1252", "latin-1", "iso-8859-6", "cp1256"} <= set(names)
    assert "base64" not in names and "0" not in names
    for name in names:
        _check_encoding(name)


@pytest.mark.parametrize(("forms", "refused"), [
    (_date_format_forms, ["%", "%Y", "%d/%m", " %d/%m/%Y", "%d/%m/%Y%H", "%d1%m1%Y"]),
    (_map_forms, ["0=A", "Record ID=nothing", "=record_id"]),
])  # fmt: skip
def test_what_st_run_sent_is_outside_the_schema(forms, refused):
    for text in refused:
        assert not re.fullmatch(forms(), text), text
