"""The build publishes complete periods only and holds unallocated records for review."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from marsad.build import BuildError, build, built_gaps, load_indicators
from marsad.classify import mapped_services
from marsad.coverage import CoverageRule
from marsad.engine import queries
from marsad.ingest.deliveries import NilReturnError, declare_nil_return, withdraw_nil_return
from marsad.periods import Period
from tests.conftest import insert, internal

FIRMS = [("F1", "Alpha", "ITO", "6201", "Rabat"), ("F2", "Beta", "CRM", "8220", None)]
RULE = CoverageRule()


def _month_rows(bank: str, months, amount: str = "100", firm: str = "F1", code: str = "SI22"):
    rows = []
    for y, m in months:
        record_id = f"{bank}-{y}{m:02d}-{firm}-{code}"
        rows.append((record_id, bank, firm, f"{y}-{m:02d}-15", "C", amount, "MAD", code, "FR"))
    return rows


def _year(year: int, last: int = 12):
    return [(year, m) for m in range(1, last + 1)]


@pytest.fixture
def two_banks(warehouse):
    """BK01 delivers 2023-01..2024-12; BK02 the same but stops after 2024-11."""
    insert(warehouse, "firms", FIRMS)
    insert(warehouse, "transactions", _month_rows("BK01", _year(2023) + _year(2024)))
    rows = _month_rows("BK02", _year(2023) + _year(2024, 11), firm="F2", code="SJ35")
    insert(warehouse, "transactions", rows)
    return warehouse


def test_a_bank_that_stops_leaves_the_last_month_quarter_and_ytd_unpublished(two_banks):
    """The last month of one bank was missing: Q4, the year and ytd showed a false fall."""
    report = build(two_banks, coverage_rule=RULE)
    assert report.gaps == ["2024-12: no delivery from BK02"]
    table = report.table
    for period in ("2024-12", "2024-Q4", "2024-S2", "2024"):
        assert internal(table, "level", period) is None, period
    assert internal(table, "ytd_level", "2024-12") is None
    assert internal(table, "ytd_level", "2024-11") == Decimal("2200.00")
    assert internal(table, "level", "2024-11") == Decimal("200.00")
    assert internal(table, "level", "2024-Q3") == Decimal("600.00")
    assert built_gaps(two_banks, Period.parse("2024")) == ["2024-12: no delivery from BK02"]
    assert built_gaps(two_banks, Period.parse("2024-Q3")) == []


def test_a_nil_return_completes_the_month_and_withdrawing_it_does_not(two_banks):
    first = build(two_banks, coverage_rule=RULE)
    declare_nil_return(two_banks, "BK02", "2024-12")
    report = build(two_banks, coverage_rule=RULE)
    assert report.gaps == []
    assert internal(report.table, "level", "2024") == Decimal("2300.00")
    assert internal(report.table, "level", "2024-12") == Decimal("100.00")
    assert report.release != first.release  # what is published changed
    withdraw_nil_return(two_banks, "BK02", "2024-12")
    assert build(two_banks, coverage_rule=RULE).gaps == ["2024-12: no delivery from BK02"]


def test_a_nil_return_is_refused_for_a_month_with_records(two_banks):
    with pytest.raises(NilReturnError, match="BK01 delivered 1 record"):
        declare_nil_return(two_banks, "BK01", "2024-03")


def test_records_taken_back_make_the_month_incomplete_again(two_banks):
    """A withdrawn load (its records leave ``transactions``) makes its months incomplete."""
    assert "2024-06" in {o.period for o in build(two_banks, coverage_rule=RULE).table}
    with two_banks.transaction(), two_banks.records.editing([(2024, 6)]):
        two_banks.sql(
            "DELETE FROM transactions WHERE reporter = 'BK01' AND value_date = '2024-06-15'"
        )
    report = build(two_banks, coverage_rule=RULE)
    assert "2024-06: no delivery from BK01" in report.gaps
    assert internal(report.table, "level", "2024-Q2") is None


def test_a_declared_list_of_reporters(two_banks):
    report = build(two_banks, coverage_rule=CoverageRule(expected=("BK01", "BK02", "BK03")))
    assert report.gaps == [
        "2023-01 to 2024-11: no delivery from BK03",
        "2024-12: no delivery from BK02 and BK03",
    ]
    assert not report.table.select(indicator="level")


def test_load_indicators_publishes_what_the_build_published(two_banks):
    report = build(two_banks, coverage_rule=RULE)
    again = load_indicators(two_banks)
    assert [o.as_tuple() for o in again] == [o.as_tuple() for o in report.table]


def test_records_outside_the_sector_are_held_for_review_and_listed(warehouse):
    insert(warehouse, "firms", FIRMS)
    rows = _month_rows("BK01", _year(2024))
    rows += _month_rows("BK01", [(2024, 3), (2024, 4)], amount="7", firm="X9", code="SC12")
    rows += _month_rows("BK01", [(2024, 5)], amount="9", firm="X8", code="SG1")
    insert(warehouse, "transactions", rows)
    report = build(warehouse, coverage_rule=RULE)
    assert (report.unallocated, report.review_firms) == (3, 2)
    assert internal(report.table, "level", "2024") == Decimal("1200.00")
    assert internal(report.table, "level", "2024", "UNALLOCATED") is None
    held = queries.held_for_review(warehouse, mapped_services())
    assert queries.count_records_and_firms(held) == (3, 2)
    assert sorted(held.to_pyarrow().column("service_code").to_pylist()) == ["SC12", "SC12", "SG1"]


def test_a_build_with_every_record_held_for_review_says_so(warehouse):
    insert(warehouse, "transactions", _month_rows("BK01", _year(2024), firm="X9", code="SC12"))
    with pytest.raises(BuildError, match="All 12 records are held for review"):
        build(warehouse, coverage_rule=RULE)


def test_a_month_not_over_is_not_complete_nor_its_year(warehouse, monkeypatch):
    """Regression: records of the month in course (a bank sending its first days early)
    made the month, quarter, half and year complete, and the year was published short."""
    insert(warehouse, "firms", FIRMS)
    insert(warehouse, "transactions", _month_rows("BK01", _year(2024)))
    during = CoverageRule(today=dt.date(2024, 12, 31))  # its last day: not over yet
    report = build(warehouse, coverage_rule=during)
    assert report.gaps == ["2024-12: not over yet, it ends on 2024-12-31"]
    assert report.nil_return == ""  # no nil return to declare for a month in course
    for period in ("2024-12", "2024-Q4", "2024-S2", "2024"):
        assert internal(report.table, "level", period) is None, period
    assert internal(report.table, "level", "2024-11") == Decimal("100.00")
    assert built_gaps(warehouse, Period.parse("2024")) == [
        "2024-12: not over yet, it ends on 2024-12-31"
    ]
    after = build(warehouse, coverage_rule=CoverageRule(today=dt.date(2025, 1, 1)))
    assert after.gaps == []
    assert internal(after.table, "level", "2024") == Decimal("1200.00")
    # the setting is the rule's day when none is given (default: the machine's date)
    monkeypatch.setenv("MARSAD_TODAY", "2024-12-02")
    assert build(warehouse).gaps == ["2024-12: not over yet, it ends on 2024-12-31"]


def test_gaps_tell_a_month_not_over_from_a_missing_delivery():
    from marsad.coverage import Delivery, assess

    deliveries = [Delivery("BK01", (2024, m), 5) for m in range(1, 13)]
    deliveries += [Delivery("BK02", (2024, m), 5) for m in range(1, 11)]
    cov = assess(deliveries, CoverageRule(today=dt.date(2024, 12, 5)))
    assert [g.describe() for g in cov.gaps()] == [
        "2024-11: no delivery from BK02",
        "2024-12: not over yet, it ends on 2024-12-31",
    ]
    assert sorted(cov.complete)[-1] == (2024, 10)
    assert not cov.is_complete(Period.parse("2024"))


def test_a_nil_return_is_refused_for_a_month_not_over(warehouse, monkeypatch):
    """A reviewer declared a nil return for 2027-01 on 2026-12-02: accepted, though a
    record dated then is quarantined; the month in course is not known to be nil yet."""
    monkeypatch.setenv("MARSAD_TODAY", "2024-12-02")
    for month in ("2024-12", "2025-01"):
        with pytest.raises(NilReturnError, match="not over yet"):
            declare_nil_return(warehouse, "BK02", month)
    assert declare_nil_return(warehouse, "BK02", "2024-11").status == "declared"


def test_a_nil_return_is_refused_for_a_month_before_the_accepted_dates(warehouse, monkeypatch):
    """A reviewer declared a nil return for 1999-01 (a slip for 2019-01): accepted, though
    every record dated then is quarantined (date_range); a month that ends on the earliest
    date accepted, or later, is declared."""
    with pytest.raises(NilReturnError, match=r"1999-01 ends before .*2000-01-01"):
        declare_nil_return(warehouse, "BK02", "1999-01")
    monkeypatch.setenv("MARSAD_MIN_VALUE_DATE", "2015-03-31")
    with pytest.raises(NilReturnError, match="ends before the earliest date accepted"):
        declare_nil_return(warehouse, "BK02", "2015-02")
    assert declare_nil_return(warehouse, "BK02", "2015-03").status == "declared"
    assert not warehouse.sql("SELECT * FROM ingest_nil_returns WHERE year < 2015")


def test_a_nil_return_of_a_reporter_the_warehouse_does_not_know_is_refused(two_banks, monkeypatch):
    """A reviewer's nil return for BK99 (a slip; BK99 never delivered) made BK99 a bank
    expected around 2024-03: Q2, S1 and the year 2024 went unpublished for want of its
    deliveries. bk01 beside BK01 was taken as a second bank."""
    before = build(two_banks, coverage_rule=RULE).table
    with pytest.raises(NilReturnError, match=r"BK99 has delivered nothing .* BK01, BK02"):
        declare_nil_return(two_banks, "BK99", "2024-03")
    with pytest.raises(NilReturnError, match=r"which knows BK01: .* declare it as BK01"):
        declare_nil_return(two_banks, "bk01", "2024-03")
    assert not two_banks.sql("SELECT * FROM ingest_nil_returns")
    assert [o.as_tuple() for o in build(two_banks, coverage_rule=RULE).table] == [
        o.as_tuple() for o in before
    ]
    monkeypatch.setenv("MARSAD_EXPECTED_REPORTERS", "BK01,BK02,BK99")  # a new bank, declared
    assert declare_nil_return(two_banks, "BK99", "2024-03").status == "declared"


@pytest.mark.parametrize("month", ["2024-13", "2024-Q2", "2024", "24-02"])
def test_a_nil_return_names_the_form_of_a_month(warehouse, month):
    """--month 2024-13 suggested '2025-S1, 2025-Q2 …', which a nil return refuses too."""
    with pytest.raises(NilReturnError, match=r"one month, written YYYY-MM \(e\.g\. 2024-02\)"):
        declare_nil_return(warehouse, "BK02", month)
