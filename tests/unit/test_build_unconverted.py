"""A record without a usable exchange rate stops the build only in a month that would be
published: in a month not complete (not over yet, or a delivery missing), which is not
published anyway, it is a warning, and the complete months are refreshed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from marsad.build import build, load_indicators
from marsad.build_heavy import UNCONVERTED
from marsad.convert import MissingRateError
from marsad.coverage import CoverageRule
from tests.conftest import insert, internal

FIRMS = [("F1", "Alpha", "ITO", "6201", "Rabat")]
IN_JANUARY = CoverageRule(today=dt.date(2025, 1, 20))  # 2025-01 not over yet
IN_FEBRUARY = CoverageRule(today=dt.date(2025, 2, 3))  # 2025-01 over, complete
MISSING_N1 = (
    "No exchange rate on or before the value date for 1 record(s) in CHF dated 2025-01-10, "
    "e.g. record N1"
)


def _record(rid: str, day: str, currency: str = "MAD", amount: str = "100") -> tuple:
    return (rid, "BK01", "F1", day, "C", amount, currency, "SI22", "FR")


@pytest.fixture
def year_2024(warehouse):
    """BK01 delivers every month of 2024 (100 MAD on the 15th), and 2025-01-10."""
    insert(warehouse, "firms", FIRMS)
    rows = [_record(f"M{m}", f"2024-{m:02d}-15") for m in range(1, 13)]
    insert(warehouse, "transactions", [*rows, _record("J1", "2025-01-10")])
    return warehouse


def _tables(wh) -> dict[str, list]:
    names = ("cube", "contributions", "coverage_months", "build_month_stats", UNCONVERTED)
    found = {t: wh.sql(f"SELECT * FROM {t} ORDER BY ALL") for t in names}
    found["indicators"] = wh.sql(
        "SELECT * EXCLUDE (internal_value, sort_key) FROM indicators ORDER BY ALL"
    )
    return found


def test_a_missing_rate_in_a_month_not_over_does_not_stop_the_build(year_2024):
    """A reviewer's find: one CHF record dated 2025-01-10 without a rate stopped the build
    on 2025-01-20 (`No exchange rate on or before the value date …`, exit 1), though
    2025-01 is not over and would not be published: 2024 could not be refreshed."""
    build(year_2024, coverage_rule=IN_JANUARY)
    insert(year_2024, "transactions", [_record("N1", "2025-01-10", "CHF")])
    report = build(year_2024, coverage_rule=IN_JANUARY)
    assert report.unconverted == [f"2025-01 (not over yet): {MISSING_N1}"]
    assert report.gaps == ["2025-01: not over yet, it ends on 2025-01-31"]
    assert internal(report.table, "level", "2024") == Decimal("1200.00")
    assert internal(report.table, "level", "2025-01") is None
    # the record is in no cell: its month holds the MAD record only
    assert year_2024.sql("SELECT sum(mad), sum(records) FROM cube WHERE year = 2025") == [
        (Decimal("100.00"), 1)
    ]
    # an incremental build stores what a full one does, and says it again
    incremental = _tables(year_2024)
    again = build(year_2024, coverage_rule=IN_JANUARY, full=True)
    assert _tables(year_2024) == incremental
    assert again.unconverted == report.unconverted and again.release == report.release


def test_the_month_once_complete_stops_the_build_until_its_rate_is_loaded(year_2024):
    """Its records and rates unchanged, a month that becomes complete (here: over) is
    checked again: it would be published short of a conversion."""
    insert(year_2024, "transactions", [_record("N1", "2025-01-10", "CHF")])
    before = build(year_2024, coverage_rule=IN_JANUARY)
    with pytest.raises(MissingRateError) as caught:
        build(year_2024, coverage_rule=IN_FEBRUARY)
    assert str(caught.value) == (
        f"{MISSING_N1}. Load rates that cover them (`marsad ingest --kind rates FILE`) and "
        "build again."
    )
    assert load_indicators(year_2024).release == before.release  # all or nothing
    insert(year_2024, "rates", [(dt.date(2025, 1, 9), "CHF", Decimal("11.2"))])
    after = build(year_2024, coverage_rule=IN_FEBRUARY)
    assert after.unconverted == []
    assert internal(after.table, "level", "2025-01") == Decimal("1220.00")  # 100 + 100 x 11.2
    assert year_2024.sql(f"SELECT count(*) FROM {UNCONVERTED}") == [(0,)]


def test_a_missing_rate_in_a_complete_month_still_stops_the_build(year_2024):
    """Never publish a period missing a conversion: 2024-06 is over and complete."""
    insert(year_2024, "transactions", [_record("N6", "2024-06-10", "CHF")])
    with pytest.raises(MissingRateError) as caught:
        build(year_2024, coverage_rule=IN_JANUARY)
    assert str(caught.value) == (
        "No exchange rate on or before the value date for 1 record(s) in CHF dated "
        "2024-06-10, e.g. record N6. Load rates that cover them (`marsad ingest --kind "
        "rates FILE`) and build again."
    )


def test_one_currency_of_a_complete_and_a_month_not_over_names_the_complete_only(year_2024):
    """The error counts the records of the months that stop the build, not the others."""
    rows = [_record("N6", "2024-06-10", "CHF"), _record("N1", "2025-01-10", "CHF")]
    insert(year_2024, "transactions", rows)
    with pytest.raises(MissingRateError, match=r"for 1 record\(s\) in CHF dated 2024-06-10,"):
        build(year_2024, coverage_rule=IN_JANUARY)


def test_a_month_missing_a_delivery_is_not_complete_either(year_2024):
    """A coverage gap, not only the month in course: BK02 delivered 2024-10 to 2024-11
    and not 2024-12, so 2024-12 is not complete; its record without a rate waits."""
    rows = [("B10", "BK02", "F1", "2024-10-15", "C", "5", "MAD", "SI22", "FR")]
    rows += [("B11", "BK02", "F1", "2024-11-15", "C", "5", "MAD", "SI22", "FR")]
    insert(year_2024, "transactions", [*rows, _record("N12", "2024-12-10", "CHF")])
    report = build(year_2024, coverage_rule=IN_FEBRUARY)
    assert report.unconverted == [
        "2024-12 (not complete): No exchange rate on or before the value date for 1 "
        "record(s) in CHF dated 2024-12-10, e.g. record N12"
    ]
    assert internal(report.table, "level", "2024-11") == Decimal("105.00")
    assert internal(report.table, "level", "2024-12") is None


def test_a_stale_rate_in_a_month_not_over_is_a_warning_too(year_2024):
    """MARSAD_RATE_MAX_AGE_DAYS: a rate 21 days old stops the build as a missing one
    does, and waits as one does in a month not over."""
    insert(year_2024, "rates", [(dt.date(2024, 12, 20), "CHF", Decimal("11.2"))])
    insert(year_2024, "transactions", [_record("N1", "2025-01-10", "CHF")])
    report = build(year_2024, coverage_rule=IN_JANUARY)
    assert report.unconverted == [
        "2025-01 (not over yet): No exchange rate of CHF within 7 days before 2025-01-10 "
        "(latest 2024-12-20) for 1 record(s), e.g. record N1"
    ]
    assert internal(report.table, "level", "2024") == Decimal("1200.00")
    with pytest.raises(MissingRateError, match="within 7 days before 2025-01-10"):
        build(year_2024, coverage_rule=IN_FEBRUARY)
    # a longer limit is a setting that changes every month's check: a full build
    assert build(year_2024, coverage_rule=IN_FEBRUARY, rate_max_age_days=30).unconverted == []


def test_coverage_words_a_stale_rate_with_the_limit_the_build_used(year_2024, monkeypatch):
    """`marsad coverage` worded a stale rate with today's MARSAD_RATE_MAX_AGE_DAYS: built
    with 7 days, then the setting raised to 30, it said 'within 30 days' of a rate the
    build had found too old at 7 (and 30 would accept). It says the build's limit, and
    that the setting is not the same now."""
    from marsad.build import unconverted_lines

    insert(year_2024, "rates", [(dt.date(2024, 12, 20), "CHF", Decimal("11.2"))])
    insert(year_2024, "transactions", [_record("N1", "2025-01-10", "CHF")])
    build(year_2024, coverage_rule=IN_JANUARY, rate_max_age_days=7)
    stale = (
        "2025-01 (not over yet): No exchange rate of CHF within 7 days before 2025-01-10 "
        "(latest 2024-12-20) for 1 record(s), e.g. record N1"
    )
    monkeypatch.setenv("MARSAD_RATE_MAX_AGE_DAYS", "7")
    assert unconverted_lines(year_2024) == [stale]
    monkeypatch.setenv("MARSAD_RATE_MAX_AGE_DAYS", "30")
    assert unconverted_lines(year_2024) == [
        stale + " (the last build's MARSAD_RATE_MAX_AGE_DAYS was 7; it is 30 now: the next "
        "build checks again)"
    ]
