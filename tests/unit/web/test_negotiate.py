"""Accept negotiation (:mod:`marsad.web.negotiate`): q-values, specificity and order."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marsad.web.negotiate import choose, parse

OFFERS = ["application/json", "text/csv"]


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        (None, "application/json"),
        ("", "application/json"),
        ("*/*", "application/json"),
        ("application/json, text/csv", "application/json"),
        ("text/csv, application/json", "text/csv"),
        ("text/csv;q=0", None),
        ("text/csv;q=0, */*", "application/json"),
        ("text/csv;q=0, application/json", "application/json"),
        ("*/*;q=0.1, text/csv", "text/csv"),
        ("text/*, */*;q=0.5", "text/csv"),
        ("text/*;q=0, */*", "application/json"),
        ("*/*, application/json;q=0", "text/csv"),
        ("application/json;q=0.4, text/csv;q=0.8", "text/csv"),
        ("TEXT/CSV", "text/csv"),
        ("text/csv; charset=utf-8", "text/csv"),
        ("application/xml", None),
        ("application/problem+json", None),
        ("text/csv;q=nope, application/json", "application/json"),
        ("text/csv;q=2", "application/json"),  # q out of 0-1: the range is left out
        ("garbage", "application/json"),
    ],
)
def test_choose(accept, chosen):
    assert choose(accept, OFFERS) == chosen


MEDIA = st.sampled_from(["application/json", "text/csv", "text/*", "*/*", "application/xml",
                         "image/png", "application/*"])  # fmt: skip
Q = st.sampled_from(["", ";q=0", ";q=0.3", ";q=0.7", ";q=1"])
ACCEPT = st.lists(st.tuples(MEDIA, Q), min_size=1, max_size=5).map(
    lambda parts: ", ".join(m + q for m, q in parts)
)


def _quality(accept: str, offer: str) -> float:
    """The q an offer gets: that of its most specific matching range (first if equal)."""
    ranges = [r for r in parse(accept) if r.specificity(offer) >= 0]
    if not ranges:
        return 0.0
    return max(ranges, key=lambda r: r.specificity(offer)).q


@given(accept=ACCEPT)
def test_the_choice_is_acceptable_and_no_other_offer_is_preferred(accept):
    chosen = choose(accept, OFFERS)
    qualities = {o: _quality(accept, o) for o in OFFERS}
    if chosen is None:
        assert all(q == 0 for q in qualities.values())
    else:
        assert qualities[chosen] > 0
        assert qualities[chosen] == max(qualities.values())


@given(accept=ACCEPT, offer=st.sampled_from(OFFERS))
def test_refusing_an_offer_by_name_means_it_is_never_chosen(accept, offer):
    assert choose(f"{offer};q=0, {accept}", OFFERS) != offer


@given(accept=ACCEPT)
def test_a_single_offer_is_chosen_exactly_when_acceptable(accept):
    for offer in OFFERS:
        assert (choose(accept, [offer]) == offer) == (_quality(accept, offer) > 0)


def test_a_malformed_q_drops_its_range_rather_than_refusing_it():
    """Accept: */*;q=abc answered 406: a q that cannot be read said "not this"."""
    offers = ["application/json", "text/csv"]
    assert choose("*/*;q=abc", offers) == "application/json"
    assert choose("text/csv;q=abc, application/json;q=0.5", offers) == "application/json"
    assert choose("text/csv;q=2, */*;q=0.1", offers) == "application/json"
    assert choose("text/csv;q=nan", ["text/csv"]) == "text/csv"  # none left: */*
    assert choose("text/csv;q=0", ["text/csv"]) is None  # a real q=0 still refuses
