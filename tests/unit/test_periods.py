"""One Period type: parsing, the calendar arithmetic and the order of the table."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marsad.errors import MarsadError, PeriodError
from marsad.periods import KINDS, Period, months_between, period_kind

years = st.integers(1990, 2100)
months = st.integers(1, 12)
kinds = st.sampled_from(KINDS)
periods = st.builds(Period.of_month, years, months, kinds)


@pytest.mark.parametrize(
    ("text", "kind", "first", "last"),
    [
        ("2024", "year", (2024, 1), (2024, 12)),
        ("2024-S1", "half", (2024, 1), (2024, 6)),
        ("2024-S2", "half", (2024, 7), (2024, 12)),
        ("2024-Q3", "quarter", (2024, 7), (2024, 9)),
        ("2024-07", "month", (2024, 7), (2024, 7)),
        ("2024-12", "month", (2024, 12), (2024, 12)),
    ],
)
def test_each_written_form_parses_to_its_months(text, kind, first, last):
    period = Period.parse(text)
    assert (period.kind, period.months[0], period.months[-1]) == (kind, first, last)
    assert period_kind(text) == kind and str(period) == text


@pytest.mark.parametrize("text", ["0000", "0999", "0001-S2", "0012-Q4", "0100-07"])
def test_a_year_before_1000_reads_back_as_written(text):
    """``0000`` was written back ``0`` (and ``0012-Q4`` ``12-Q4``), which is no period:
    the bulletin quoted ``--period 0000`` as ``'0'``, a nil return said ``2-01``."""
    assert str(Period.parse(text)) == text
    assert Period.parse(str(Period.parse(text))) == Period.parse(text)


@pytest.mark.parametrize("text", ["2025-H1", "2025-S3", "2025-Q5", "2025-13", "2025-7", "25", ""])
def test_a_malformed_period_says_how_to_write_one(text):
    with pytest.raises(PeriodError, match=r"not a period.*write 2025-S1") as info:
        Period.parse(text)
    assert isinstance(info.value, MarsadError) and isinstance(info.value, ValueError)


@given(periods)
def test_str_and_parse_round_trip(period):
    assert Period.parse(str(period)) == period
    assert Period.parse(period) is period


@given(years, months, kinds)
def test_the_period_of_a_month_contains_it(year, month, kind):
    period = Period.of_month(year, month, kind)
    assert (year, month) in period.months
    assert (
        period.kind == kind
        and len(period.months) == {"year": 12, "half": 6, "quarter": 3, "month": 1}[kind]
    )


@given(periods)
def test_children_months_concatenate_to_the_parents(period):
    children = period.children()
    assert [m for child in children for m in child.months] == (period.months if children else [])
    assert all(child.parent() == period for child in children)


@given(periods)
def test_a_year_earlier_and_later_are_inverse_and_keep_the_kind(period):
    assert period.year_earlier().year_later() == period
    assert str(period.year_earlier())[4:] == str(period)[4:]
    assert period.year_earlier().year == period.year - 1


@given(periods)
def test_year_to_date_runs_from_january_to_the_periods_end(period):
    ytd = period.year_to_date()
    assert ytd == months_between((period.year, 1), period.months[-1])
    assert period.starts_year == (period.months[0][1] == 1)
    assert period.ends_year == (period.months[-1][1] == 12)


@given(st.lists(periods, min_size=2, max_size=30))
def test_periods_sort_by_first_month_longest_first(items):
    """The indicator table lists a year before its halves, quarters and months."""
    ordered = sorted(items)
    keys = [(p.months[0], KINDS.index(p.kind)) for p in ordered]
    assert keys == sorted(keys)


@given(st.lists(periods, min_size=2, max_size=30), kinds)
def test_within_a_kind_the_written_form_sorts_like_the_period(items, kind):
    """The indicator table sorts periods of one kind by their text: same order."""
    same_kind = [Period.of_month(p.year, p.first_month, kind) for p in items]
    assert [str(p) for p in sorted(same_kind)] == sorted(str(p) for p in same_kind)


def test_labels_per_language():
    assert Period.parse("2025-S1").label("fr") == "premier semestre 2025"
    assert Period.parse("2025-S1").label("en") == "first half of 2025"
    assert Period.parse("2024-Q3").label("fr", short=True) == "T3 2024"
    assert Period.parse("2024").label("ar") == "2024"


@pytest.mark.parametrize(
    "text", ["\u0662\u0660\u0662\u0664", "\u06f2\u06f0\u06f2\u06f4", "\u0662\u0660\u0662\u0665-S1",
             "\uff12\uff10\uff12\uff14"],
)  # fmt: skip
@pytest.mark.parametrize("read", [Period.parse, Period.typed])
def test_a_period_is_written_in_digits_0_to_9(text, read):
    """``--period ٢٠٢٤`` was read as 2024: periods, as settings, take ASCII digits only."""
    with pytest.raises(PeriodError, match="digits 0-9"):
        read(text)


@pytest.mark.parametrize(
    ("typed", "period"),
    [("2024-s1", "2024-S1"), ("2024-S2", "2024-S2"), ("2024-q3", "2024-Q3"), ("2024", "2024"),
     ("2024-07", "2024-07"), (" 2024-q4 ", "2024-Q4")],
)  # fmt: skip
def test_a_typed_period_takes_its_letters_in_either_case(typed, period):
    """``--period 2024-s1`` was refused where ``2024-S1`` was taken: a period a user types
    is read with its letters in either case, and is then the canonical code."""
    assert str(Period.typed(typed)) == period
    assert Period.typed(typed) == Period.parse(period)


@pytest.mark.parametrize("typed", ["2024-h1", "2024-\u017f1", "2024-s3", "2024-q5", "2024-m07"])
def test_a_typed_period_is_refused_quoted_as_typed(typed):
    """Only the notation's letters (ASCII S and Q) in either case: the long s, which
    ``str.upper`` makes an S, is no period."""
    with pytest.raises(PeriodError, match=f"not a period: {typed!r}; write 2025-S1"):
        Period.typed(typed)


def test_files_and_tables_are_read_in_the_canonical_case():
    """What is stored is read as written: a lower-case code there is not a period."""
    with pytest.raises(PeriodError):
        Period.parse("2024-s1")
