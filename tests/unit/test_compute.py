"""Indicator arithmetic: exact sums over every breakdown and period, and the ratios."""

from __future__ import annotations

import random
from collections import defaultdict
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from marsad.indicators.compute import CubeCell, compute_indicators, parent_key, periods_of
from marsad.indicators.registry import INDICATORS
from marsad.periods import Period
from marsad.reference import ALL, DDS, TOTAL

SEGMENTS = ["ITO", "CRM", "ESO", "BPO", "KPO"]
SERVICES = ["SI21", "SI22", "SJ35", "SJ312", "SC12"]  # SC12 (sea freight): not digital
PARTNERS = ["FR", "US", "ES"]

cells_strategy = st.lists(
    st.builds(
        CubeCell,
        year=st.integers(2023, 2024),
        month=st.integers(1, 12),
        flow=st.sampled_from(["C", "D"]),
        segment=st.sampled_from(SEGMENTS),
        service=st.sampled_from(SERVICES),
        partner=st.sampled_from(PARTNERS),
        centimes=st.integers(1, 10**13),
        records=st.integers(1, 50),
    ),
    min_size=1,
    max_size=60,
)


def _full_years(cells: list[CubeCell]) -> list[CubeCell]:
    """Make the data cover every month of 2023 and 2024 so that every period is complete."""
    anchors = [
        CubeCell(y, m, "C", "ITO", "SI21", "FR", 1, 1) for y in (2023, 2024) for m in range(1, 13)
    ]
    return anchors + cells


def _by_flow(table, indicator, period, flow="exports"):
    return {
        (o.segment, o.service, o.partner): o.value
        for o in table.select(indicator=indicator, period=period, flow=flow)
    }


@settings(max_examples=60, deadline=None)
@given(cells_strategy)
def test_breakdowns_add_up_to_the_total_to_the_centime(cells):
    table = compute_indicators(_full_years(cells))
    for period in table.periods():
        for flow in ("exports", "imports", "balance"):
            levels = _by_flow(table, "level", period, flow)
            total = levels.get((TOTAL, ALL, ALL))
            if total is None:
                continue
            for position in range(3):
                parts = [
                    v
                    for k, v in levels.items()
                    if sum(c not in (TOTAL, ALL) for c in k) == 1
                    and k[position] not in (TOTAL, ALL)
                    and k[0] != DDS  # an aggregate beside the segments, not one of them
                ]
                assert sum(parts, Decimal(0)) == total
            # segment x service adds up to each segment
            for segment in SEGMENTS:
                if (segment, ALL, ALL) in levels:
                    parts = [
                        v
                        for (s, svc, p), v in levels.items()
                        if s == segment and svc != ALL and p == ALL
                    ]
                    assert sum(parts, Decimal(0)) == levels[(segment, ALL, ALL)]


@settings(max_examples=60, deadline=None)
@given(cells_strategy)
def test_months_add_up_to_quarters_halves_and_years(cells):
    table = compute_indicators(_full_years(cells))
    levels = {
        (o.flow, o.segment, o.service, o.partner, o.period): o.value
        for o in table.select(indicator="level")
    }
    for (flow, seg, svc, partner, period), value in levels.items():
        if Period.parse(period).kind != "month":
            months = [str(Period("month", *m)) for m in Period.parse(period).months]
            parts = [levels.get((flow, seg, svc, partner, m), Decimal(0)) for m in months]
            assert sum(parts, Decimal(0)) == value


@settings(max_examples=40, deadline=None)
@given(cells_strategy, st.randoms(use_true_random=False))
def test_shuffling_the_cube_changes_nothing(cells, rnd):
    cells = _full_years(cells)
    shuffled = list(cells)
    rnd.shuffle(shuffled)
    assert [o.as_tuple() for o in compute_indicators(cells)] == [
        o.as_tuple() for o in compute_indicators(shuffled)
    ]


@settings(max_examples=60, deadline=None)
@given(cells_strategy)
def test_contributions_add_up_to_the_parent_growth(cells):
    table = compute_indicators(_full_years(cells))
    contributions = defaultdict(list)
    for o in table.select(indicator="contribution", flow="exports", service=ALL, partner=ALL):
        contributions[o.period].append(o.value)
    for period, terms in contributions.items():
        growth = table.get("growth_yoy", period)
        assert growth is not None
        # each exact division keeps 28 significant digits: the sum is exact to that precision
        tolerance = max(abs(t) for t in terms) * len(terms) * Decimal("1e-26")
        assert abs(sum(terms, Decimal(0)) - growth) <= tolerance


def test_ratios_follow_the_definitions():
    cells = []
    for year, ito, crm in ((2023, 100_00, 300_00), (2024, 150_00, 250_00)):
        for month in range(1, 13):
            cells.append(CubeCell(year, month, "C", "ITO", "SI21", "FR", ito, 2))
            cells.append(CubeCell(year, month, "C", "CRM", "SJ35", "FR", crm, 1))
            cells.append(CubeCell(year, month, "D", "ITO", "SI21", "US", 10_00, 1))
    table = compute_indicators(cells)
    assert table.get("level", "2024") == Decimal("4800.00")
    assert table.get("level", "2024", "ITO") == Decimal("1800.00")
    assert table.get("growth_yoy", "2024") == Decimal(0)
    assert table.get("growth_yoy", "2024", "ITO") == Decimal(50)
    assert table.get("share", "2024", "ITO") == Decimal("37.5")
    # ITO: +600 on a 2023 total of 4800 -> +12.5 points; CRM -600 -> -12.5
    assert table.get("contribution", "2024", "ITO") == Decimal("12.5")
    assert table.get("contribution", "2024", "CRM") == Decimal("-12.5")
    assert table.get("progress_prev_year", "2024-S1", "ITO") == Decimal(75)
    assert table.get("ytd_level", "2024-03", "ITO") == Decimal("450.00")
    assert table.get("ytd_growth_yoy", "2024-03", "ITO") == Decimal(50)
    assert table.get("level", "2024", flow="balance") == Decimal("4680.00")
    assert table.get("level", "2024", flow="imports", partner="US") == Decimal("120.00")
    assert table.get("share", "2024", flow="exports", partner="FR") == Decimal(100)
    # 2023 has no year before it: no growth, no contribution; annual periods have no progress
    assert table.get("growth_yoy", "2023") is None
    assert table.get("contribution", "2023", "ITO") is None
    assert table.get("progress_prev_year", "2024") is None
    # growth of a balance is not published
    assert table.get("growth_yoy", "2024", flow="balance") is None


def test_incomplete_periods_are_not_published():
    """A year with only its first half in the data must not show up as an annual level."""
    cells = [CubeCell(2025, m, "C", "ITO", "SI21", "FR", 100, 1) for m in range(1, 7)]
    cells += [CubeCell(2024, m, "C", "ITO", "SI21", "FR", 100, 1) for m in range(1, 13)]
    table = compute_indicators(cells)
    assert table.get("level", "2025-S1") == Decimal("6.00")
    assert table.get("level", "2025") is None
    assert table.get("level", "2025-S2") is None
    assert table.get("ytd_level", "2025-06") == Decimal("6.00")
    assert table.get("progress_prev_year", "2025-S1") == Decimal(50)


def test_a_zero_denominator_gives_no_ratio():
    cells = [CubeCell(2023, m, "C", "ITO", "SI21", "FR", 0, 1) for m in range(1, 13)]
    cells += [CubeCell(2024, m, "C", "ITO", "SI21", "FR", 5, 1) for m in range(1, 13)]
    table = compute_indicators(cells)
    assert table.get("level", "2023") == Decimal("0.00")
    assert table.get("growth_yoy", "2024") is None
    assert table.get("progress_prev_year", "2024-S1") is None


def test_year_to_date_does_not_restart_when_a_month_has_no_records():
    """YTD restarted in February when January had no records for the cell."""
    cells = [CubeCell(2024, m, "C", "ITO", "SI21", "FR", 100, 1) for m in range(1, 13)]
    cells += [CubeCell(2024, m, "C", "CRM", "SJ35", "FR", 100, 1) for m in (1, 3)]
    table = compute_indicators(cells)
    assert table.get("ytd_level", "2024-02", "CRM") == Decimal("1.00")
    assert table.get("ytd_level", "2024-03", "CRM") == Decimal("2.00")


def test_every_observation_uses_a_registered_indicator_and_unit():
    cells = [
        CubeCell(y, m, "C", "ITO", "SI21", "FR", 100, 1) for y in (2023, 2024) for m in range(1, 13)
    ]
    for obs in compute_indicators(cells, release="r1", provisional_from=2024):
        assert obs.unit == INDICATORS[obs.indicator].unit
        assert obs.release == "r1"
        assert obs.obs_status == ("P" if obs.period >= "2024" else "A")


def test_period_helpers():
    assert [str(p) for p in periods_of(2025, 6)] == ["2025", "2025-S1", "2025-Q2", "2025-06"]
    assert parent_key(("exports", "ITO", "SI21", "FR")) == ("exports", TOTAL, "SI21", "FR")
    assert parent_key(("exports", TOTAL, "SI21", "FR")) == ("exports", TOTAL, ALL, "FR")
    assert parent_key(("exports", TOTAL, ALL, ALL)) is None


def test_random_partition_sums():
    """Any split of the same money over cells gives the same total."""
    rnd = random.Random(7)
    total = 10**12 + 37
    cuts = sorted(rnd.sample(range(1, total), 20))
    parts = [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]
    cells = [
        CubeCell(2024, 1 + i % 12, "C", SEGMENTS[i % 5], SERVICES[i % 4], PARTNERS[i % 3], p, 1)
        for i, p in enumerate(parts)
    ]
    table = compute_indicators(cells)
    assert table.get("level", "2024") == Decimal(total).scaleb(-2)
