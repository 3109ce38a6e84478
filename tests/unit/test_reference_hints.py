"""The hints for frequent slips: each names a wrong value and a valid code."""

from __future__ import annotations

from marsad import reference


def test_every_hint_is_for_an_invalid_value_and_suggests_a_valid_code():
    lists = {
        "country": set(reference.countries()),
        "currency": set(reference.currencies()),
        "segment": set(reference.SEGMENT_CODES),
        "ebops": set(reference.ebops()),
    }
    for row in reference.read_table("hints.csv"):
        codes = lists[row["list"]]
        assert row["wrong"].upper() not in codes, row
        assert row["suggest"] in codes, row
    assert "hints.csv" in reference.sources()


def test_alpha3_codes_and_names_suggest_the_alpha2_code():
    hints = reference.hints()["country"]
    assert (hints["MAR"], hints["FRA"], hints["MOROCCO"], hints["UK"], hints["EL"]) == (
        "MA", "FR", "MA", "GB", "GR",
    )  # fmt: skip
