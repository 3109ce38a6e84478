"""The sector total is the five segments; DDS is an aggregate beside them; only
complete periods are published, and nothing is compared with an incomplete one."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from marsad.indicators.compute import CubeCell, compute_indicators
from marsad.periods import Period
from marsad.reference import ALL, DDS, SEGMENT_CODES, TOTAL, is_digitally_deliverable

SERVICES = ["SI22", "SJ35", "SJ312", "SC12", "SD3"]  # SC12, SD3: not digitally deliverable
PARTNERS = ["FR", "US"]
ALL_MONTHS = [(y, m) for y in (2023, 2024) for m in range(1, 13)]

cells_strategy = st.lists(
    st.builds(
        CubeCell,
        year=st.integers(2023, 2024),
        month=st.integers(1, 12),
        flow=st.sampled_from(["C", "D"]),
        segment=st.sampled_from(SEGMENT_CODES),
        service=st.sampled_from(SERVICES),
        partner=st.sampled_from(PARTNERS),
        centimes=st.integers(1, 10**15),
        records=st.integers(1, 9),
    ),
    min_size=1,
    max_size=50,
)


def _levels(table) -> dict[tuple, Decimal]:
    return {
        (o.flow, o.period, o.segment, o.service, o.partner): o.value
        for o in table.select(indicator="level")
    }


@settings(max_examples=30, deadline=None)
@given(cells_strategy)
def test_the_five_segments_add_up_to_total_exactly_and_dds_is_not_one_of_them(cells):
    """For every period, flow, service and partner: ITO+CRM+ESO+BPO+KPO = TOTAL to the
    centime; DDS, published beside them, is left out of that sum."""
    levels = _levels(compute_indicators(cells, complete_months=ALL_MONTHS))
    totals = {k: v for k, v in levels.items() if k[2] == TOTAL}
    assert totals
    for (flow, period, _, service, partner), total in totals.items():
        parts = [levels.get((flow, period, s, service, partner), Decimal(0)) for s in SEGMENT_CODES]
        assert sum(parts, Decimal(0)) == total
    segments = {k[2] for k in levels}
    assert segments <= {TOTAL, DDS, *SEGMENT_CODES}


@settings(max_examples=30, deadline=None)
@given(cells_strategy)
def test_dds_is_the_sum_of_the_digitally_deliverable_services(cells):
    table = compute_indicators(cells, complete_months=ALL_MONTHS)
    levels = _levels(table)
    for (flow, period, segment, service, partner), value in levels.items():
        if segment != DDS or service != ALL or partner != ALL:  # no service x partner cells
            continue
        digital = [
            levels.get((flow, period, TOTAL, s, partner), Decimal(0))
            for s in SERVICES
            if is_digitally_deliverable(s)
        ]
        assert sum(digital, Decimal(0)) == value
    assert not table.select(indicator="contribution", segment=DDS)


def test_dds_has_levels_growth_and_share_of_total_but_no_contribution():
    cells = []
    for year, digital, freight in ((2023, 100_00, 50_00), (2024, 150_00, 50_00)):
        for month in range(1, 13):
            cells.append(CubeCell(year, month, "C", "ITO", "SI22", "FR", digital, 1))
            cells.append(CubeCell(year, month, "C", "BPO", "SC12", "FR", freight, 1))
    table = compute_indicators(cells)
    assert table.get("level", "2024", DDS) == Decimal("1800.00")
    assert table.get("level", "2024", TOTAL) == Decimal("2400.00")
    assert table.get("growth_yoy", "2024", DDS) == Decimal(50)
    assert table.get("share", "2024", DDS) == Decimal(75)
    assert table.get("ytd_level", "2024-03", DDS) == Decimal("450.00")
    assert table.get("contribution", "2024", DDS) is None
    contributions = [table.get("contribution", "2024", s) or 0 for s in SEGMENT_CODES]
    assert sum(contributions) == table.get("growth_yoy", "2024")


def _compared_periods(indicator: str, period: Period) -> list[Period]:
    """The periods an observation reads: its own, and the one it is compared with."""
    if indicator in ("ytd_level", "ytd_growth_yoy"):
        own = [Period("month", period.year, m) for m in range(1, period.index + 1)]
        if indicator == "ytd_growth_yoy":
            own += [p.year_earlier() for p in own]
        return own
    if indicator in ("growth_yoy", "contribution"):
        return [period, period.year_earlier()]
    if indicator == "progress_prev_year":
        return [period, Period("year", period.year - 1)]
    return [period]


@settings(max_examples=30, deadline=None)
@given(cells_strategy, st.sets(st.sampled_from(ALL_MONTHS)))
def test_nothing_is_published_for_or_against_an_incomplete_period(cells, complete):
    anchors = [CubeCell(y, m, "C", "ITO", "SI22", "FR", 1, 1) for y, m in ALL_MONTHS]
    table = compute_indicators(anchors + cells, complete_months=complete)
    for o in table:
        for p in _compared_periods(o.indicator, Period.parse(o.period)):
            assert all(m in complete for m in p.months), (o.indicator, o.period, str(p))


def test_a_missing_month_publishes_no_quarter_year_or_ytd_after_it():
    """Case 06: 2024-02 never arrived; 2024-Q1 showed 2000.00 (-33.3 %) and 2024 a fall."""
    cells = [
        CubeCell(y, m, "C", "ITO", "SI22", "FR", 1000_00, 1)
        for y, m in ALL_MONTHS
        if (y, m) != (2024, 2)
    ]
    complete = [m for m in ALL_MONTHS if m != (2024, 2)]
    table = compute_indicators(cells, complete_months=complete)
    for period in ("2024-02", "2024-Q1", "2024-S1", "2024"):
        assert table.get("level", period) is None, period
        assert table.get("growth_yoy", period) is None, period
    for month in range(2, 13):
        assert table.get("ytd_level", f"2024-{month:02d}") is None
        assert table.get("ytd_growth_yoy", f"2024-{month:02d}") is None
    assert table.get("ytd_level", "2024-01") == Decimal("1000.00")
    assert table.get("level", "2024-Q2") == Decimal("3000.00")
    assert table.get("growth_yoy", "2024-Q2") == Decimal(0)
