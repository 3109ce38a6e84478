"""The 2030 target tracker (marsad.indicators.targets)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from marsad.indicators.targets import tracker

from .conftest import build_table

BN = Decimal(10) ** 9


def test_tracker_on_the_published_figures(demo_table):
    status = tracker(demo_table, "2025-S1")
    assert status is not None
    assert status.latest_year == 2024  # 2025 is not complete
    assert status.latest_level == Decimal("26219000000.00")
    assert status.target_year == 2030
    assert status.target_level == 40 * BN
    assert status.years_left == 6
    assert round(status.percent_reached, 2) == Decimal("65.55")
    # (40 / 26.219) ** (1/6) - 1
    assert round(status.required_growth, 2) == Decimal("7.29")
    assert round(status.required_growth, 6) == Decimal("7.293640")
    assert status.recent_from == 2023
    assert round(status.recent_growth, 4) == Decimal("0.1872")
    assert round(status.projected_level / BN, 3) == Decimal("26.515")
    assert status.on_track is False
    assert "Digital Morocco 2030" in status.source


def test_tracker_as_of_a_year_uses_that_year(demo_table):
    status = tracker(demo_table, "2024")
    assert status.latest_year == 2024
    assert tracker(demo_table, "2024-S2").latest_year == 2024
    assert tracker(demo_table, "2024-Q4").latest_year == 2024
    earlier = tracker(demo_table, "2024-S1")  # 2024 had not ended in June 2024
    assert earlier.latest_year == 2023
    assert earlier.years_left == 7
    assert earlier.recent_growth is None and earlier.projected_level is None


def test_tracker_without_a_full_year_is_none():
    table = build_table({("2025-S1", "TOTAL"): "13.377"})
    assert tracker(table, "2025-S1") is None


def test_required_growth_reaches_the_target_exactly():
    """Compounding the level at the required rate for the years left gives the target."""
    status = tracker(build_table({("2024", "TOTAL"): "26.219"}), "2024")
    level = status.latest_level * (1 + status.required_growth / 100) ** status.years_left
    assert abs(level - 40 * BN) < Decimal("0.01")


@given(st.decimals(min_value="0.5", max_value="80", places=3))
def test_required_growth_sign_follows_the_gap(level_bn):
    status = tracker(build_table({("2024", "TOTAL"): str(level_bn)}), "2025-S1")
    if level_bn < 40:
        assert status.required_growth > 0
    elif level_bn > 40:
        assert status.required_growth < 0
    assert status.percent_reached == level_bn * 100 / 40
