"""Which months are complete: every expected reporter delivered (records or a nil return)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from marsad.coverage import (
    CoverageRule,
    Delivery,
    Status,
    assess,
    describe_gaps,
    describe_months,
)
from marsad.periods import Period, months_between


def _monthly(reporter: str, first: tuple[int, int], last: tuple[int, int], skip=()) -> list:
    return [Delivery(reporter, m, 10) for m in months_between(first, last) if m not in skip]


def test_a_month_whose_file_never_arrived_is_not_complete():
    """Case 06: 2024-02 had no record at all; Q1, S1, 2024 were published with a false fall."""
    cov = assess(_monthly("BANKA", (2023, 1), (2024, 12), skip=[(2024, 2)]))
    assert (2024, 2) not in cov.complete
    assert (2024, 1) in cov.complete and (2024, 3) in cov.complete
    assert not cov.is_complete(Period.parse("2024-Q1"))
    assert not cov.is_complete(Period.parse("2024"))
    assert cov.is_complete(Period.parse("2024-Q2"))
    assert describe_gaps(cov) == ["2024-02: no delivery from BANKA"]
    assert cov.status("BANKA", (2024, 2)) is Status.missing


def test_a_stray_record_does_not_make_a_year():
    """Case 07: one record dated 2025-12 (a mistyped 2024) made 2025 a complete year."""
    deliveries = [*_monthly("BANKA", (2023, 1), (2024, 12)), Delivery("BANKA", (2025, 12), 1)]
    cov = assess(deliveries)
    assert cov.complete == frozenset(months_between((2023, 1), (2024, 12))) | {(2025, 12)}
    assert describe_gaps(cov) == ["2025-01 to 2025-11: no delivery from BANKA"]
    for p in ("2025", "2025-S2", "2025-Q4"):
        assert not cov.is_complete(Period.parse(p))


def test_a_bank_that_stops_in_the_last_month_leaves_it_incomplete():
    """Two banks; BK02 sent nothing for the last month: that month is not complete."""
    cov = assess(_monthly("BK01", (2024, 1), (2024, 12)) + _monthly("BK02", (2024, 1), (2024, 11)))
    assert (2024, 12) not in cov.complete
    assert (2024, 11) in cov.complete
    assert not cov.is_complete(Period.parse("2024-Q4"))
    assert describe_gaps(cov) == ["2024-12: no delivery from BK02"]


def test_a_new_bank_is_not_expected_before_its_first_delivery():
    cov = assess(_monthly("BK01", (2024, 1), (2024, 12)) + _monthly("BK02", (2024, 7), (2024, 12)))
    assert cov.complete == frozenset(months_between((2024, 1), (2024, 12)))
    assert cov.status("BK02", (2024, 6)) is Status.not_expected
    assert cov.status("BK02", (2024, 7)) is Status.delivered


def test_a_nil_return_fills_the_gap():
    deliveries = _monthly("BK01", (2024, 1), (2024, 6), skip=[(2024, 2)])
    assert (2024, 2) not in assess(deliveries).complete
    cov = assess([*deliveries, Delivery("BK01", (2024, 2), 0, nil_return=True)])
    assert (2024, 2) in cov.complete
    assert cov.status("BK01", (2024, 2)) is Status.nil_return


def test_records_outrank_a_nil_return_of_the_same_month():
    cov = assess([Delivery("BK01", (2024, 1), 0, True), Delivery("BK01", (2024, 1), 5)])
    assert cov.status("BK01", (2024, 1)) is Status.delivered and cov.records("BK01", (2024, 1)) == 5


def test_a_bank_gone_for_longer_than_the_window_is_no_longer_expected():
    deliveries = _monthly("BK01", (2024, 1), (2024, 12)) + _monthly("BK02", (2024, 1), (2024, 3))
    cov = assess(deliveries, CoverageRule(window=3))
    assert describe_gaps(cov) == ["2024-04 to 2024-06: no delivery from BK02"]
    assert (2024, 7) in cov.complete
    cov = assess(deliveries, CoverageRule(window=1))
    assert describe_gaps(cov) == ["2024-04: no delivery from BK02"]


def test_a_declared_list_expects_every_reporter_every_month():
    deliveries = _monthly("BK01", (2024, 1), (2024, 12)) + _monthly("BK02", (2024, 7), (2024, 12))
    cov = assess(deliveries, CoverageRule(expected=("BK01", "BK02", "BK03")))
    assert not cov.complete
    assert describe_gaps(cov) == [
        "2024-01 to 2024-06: no delivery from BK02 and BK03",
        "2024-07 to 2024-12: no delivery from BK03",
    ]
    assert cov.status("BK03", (2024, 5)) is Status.missing


def test_many_missing_reporters_are_named_compactly():
    banks = [f"BK{i:02d}" for i in range(1, 13)]
    cov = assess(
        [Delivery(b, (2024, 1), 1) for b in banks] + [Delivery("BK01", (2024, 2), 1)],
    )
    assert describe_gaps(cov) == [
        "2024-02: no delivery from BK02, BK03, BK04, BK05, BK06, BK07, BK08, BK09 and 3 more"
    ]


def test_no_delivery_no_months():
    cov = assess([])
    assert cov.months == () and not cov.complete and describe_gaps(cov) == []
    assert describe_months([]) == "none"


reporters = st.sampled_from(["BK01", "BK02", "BK03", "BK04"])
months = st.tuples(st.integers(2023, 2024), st.integers(1, 12))
deliveries = st.lists(
    st.builds(Delivery, reporters, months, st.integers(0, 5), st.booleans()), max_size=60
)


@settings(max_examples=150, deadline=None)
@given(deliveries, st.integers(0, 6))
def test_a_complete_month_has_every_expected_reporter(found, window):
    cov = assess(found, CoverageRule(window=window))
    delivered = {(d.reporter, d.month) for d in found}
    for m in cov.months:
        has_all = all((r, m) in delivered for r in cov.expected[m])
        assert (m in cov.complete) == (has_all and any(dm == m for _, dm in delivered))
        assert set(cov.missing[m]).isdisjoint(r for r, dm in delivered if dm == m)


@settings(max_examples=100, deadline=None)
@given(deliveries, st.integers(0, 6))
def test_when_every_known_reporter_delivers_every_month_all_months_are_complete(found, window):
    cov = assess(found, CoverageRule(window=window))
    full = [Delivery(r, m, 1) for r in cov.reporters for m in cov.months]
    assert assess(full, CoverageRule(window=window)).complete == frozenset(cov.months)


def _shift(month: tuple[int, int], by: int) -> tuple[int, int]:
    n = month[0] * 12 + month[1] - 1 + by
    return (n // 12, n % 12 + 1)


@settings(max_examples=100, deadline=None)
@given(deliveries, reporters, months)
def test_taking_back_a_delivery_between_two_others_makes_the_month_incomplete(found, who, when):
    """A withdrawn load (or nil return) makes its month incomplete again."""
    base = [d for d in found if (d.reporter, d.month) != (who, when)]
    base += [Delivery(who, _shift(when, -1), 1), Delivery(who, _shift(when, 1), 1)]
    cov = assess(base)
    assert when not in cov.complete and who in cov.missing[when]
    assert who not in assess([*base, Delivery(who, when, 1)]).missing[when]
