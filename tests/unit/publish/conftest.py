"""Hand-made indicator tables for the publish tests.

``DEMO_LEVELS`` holds the exports levels of the October 2025 release (bn MAD);
:func:`build_table` derives growth, share, contribution and progress from any
such dict with the definitions of DESIGN.md, so that a test can change one level
and see every derived figure (and the bulletin's text) follow.
"""

from __future__ import annotations

import decimal
from dataclasses import replace
from decimal import Decimal

import pytest

from marsad.indicators.table import IndicatorTable, Observation
from marsad.indicators.targets import old_series_rows, target_rows
from marsad.periods import Period, period_kind

TOTAL, ALL = "TOTAL", "_T"
SEGS = ("ITO", "CRM", "ESO", "BPO", "KPO")
RELEASE = "2025-10-test"


def _split(period: str, total: str, parts: tuple[str, ...]) -> dict:
    levels = {(period, TOTAL): total}
    levels.update({(period, s): v for s, v in zip(SEGS, parts, strict=True)})
    return levels


#: (period, segment) -> exports level in bn MAD, as published (2023 only as a total).
DEMO_LEVELS: dict[tuple[str, str], str] = {
    ("2023", TOTAL): "26.170",
    **_split("2024", "26.219", ("10.578", "9.797", "3.462", "2.334", "0.048")),
    **_split("2024-S1", "12.925", ("5.150", "4.800", "1.802", "1.150", "0.023")),
    **_split("2024-S2", "13.294", ("5.428", "4.997", "1.660", "1.184", "0.025")),
    **_split("2025-S1", "13.377", ("5.250", "4.190", "2.580", "1.330", "0.027")),
    **_split("2023-Q3", "6.775", ("2.500", "2.900", "0.800", "0.560", "0.015")),
    **_split("2024-Q3", "6.976", ("2.700", "2.814", "0.850", "0.600", "0.012")),
}
#: (period, partner) -> exports level in bn MAD of the total, for the partner rows.
DEMO_PARTNERS: dict[tuple[str, str], str] = {
    ("2024-S1", "FR"): "5.900",
    ("2024-S1", "ES"): "1.500",
    ("2024-S1", "US"): "1.100",
    ("2025-S1", "FR"): "6.020",
    ("2025-S1", "ES"): "1.605",
    ("2025-S1", "US"): "1.204",
    ("2025-S1", "BE"): "0.936",
    ("2025-S1", "GB"): "0.802",
}

_CTX = decimal.Context(prec=28, rounding=decimal.ROUND_HALF_UP)


def _mad(bn: str) -> Decimal:
    return (Decimal(bn) * 10**9).quantize(Decimal("0.01"))


def _earlier(period: str) -> str:
    return str(Period.parse(period).year_earlier())


def build_table(
    levels: dict[tuple[str, str], str] | None = None,
    partners: dict[tuple[str, str], str] | None = None,
    *,
    confidential: set[tuple[str, str]] = frozenset(),
    obs_status: str = "P",
    release: str = RELEASE,
) -> IndicatorTable:
    """An indicator table from levels in bn MAD keyed by (period, segment) and, for the
    total, (period, partner). ``confidential`` cells get conf_status C and no value."""
    levels = DEMO_LEVELS if levels is None else levels
    partners = {} if partners is None else partners
    cells: dict[tuple[str, str, str], Decimal] = {
        (p, s, ALL): _mad(v) for (p, s), v in levels.items()
    }
    cells.update({(p, TOTAL, c): _mad(v) for (p, c), v in partners.items()})
    rows: list[Observation] = []

    def add(indicator, period, segment, partner, value, unit, conf="F"):
        rows.append(
            Observation(
                indicator,
                "exports",
                period,
                segment,
                ALL,
                partner,
                value,
                unit,
                obs_status,
                conf,
                release,
            )
        )

    for (period, segment, partner), level in sorted(cells.items()):
        if (period, segment) in confidential:
            add("level", period, segment, partner, None, "MAD", "C")
            continue
        add("level", period, segment, partner, level, "MAD")
        before = cells.get((_earlier(period), segment, partner))
        parent = cells.get((period, TOTAL, ALL))
        parent_before = cells.get((_earlier(period), TOTAL, ALL))
        if before:
            add(
                "growth_yoy",
                period,
                segment,
                partner,
                _CTX.subtract(_CTX.divide(level * 100, before), 100),
                "percent",
            )
        is_total = (segment, partner) == (TOTAL, ALL)
        if not is_total and parent:
            add("share", period, segment, partner, _CTX.divide(level * 100, parent), "percent")
        if not is_total and before is not None and parent_before:
            add(
                "contribution",
                period,
                segment,
                partner,
                _CTX.divide((level - before) * 100, parent_before),
                "percentage_points",
            )
        if period_kind(period) != "year":
            year = cells.get((str(Period.parse(period).year - 1), segment, partner))
            if year:
                add(
                    "progress_prev_year",
                    period,
                    segment,
                    partner,
                    _CTX.divide(level * 100, year),
                    "percent",
                )
    table = IndicatorTable.from_rows(rows, release=release)
    # the tracker and the old series as the build adds them (rows of the table)
    extra = target_rows(table) + old_series_rows(release)
    return IndicatorTable.from_rows(rows + extra, release=release)


@pytest.fixture
def levels() -> dict[tuple[str, str], str]:
    """A fresh copy of the demo levels, to change in a test."""
    return dict(DEMO_LEVELS)


@pytest.fixture(scope="session")
def demo_table() -> IndicatorTable:
    return build_table(DEMO_LEVELS, DEMO_PARTNERS)


def withhold(table: IndicatorTable, flags: dict[tuple[str, ...], str]) -> IndicatorTable:
    """The table as ``marsad.build.load_indicators`` returns it after disclosure control:
    each observation keyed ``(indicator, period, segment[, partner])`` in ``flags`` gets
    that conf_status (``A``, ``O``, ``C``, ``G``, ``D``) and KEEPS its exact value, so a
    test sees any path that shows a withheld figure."""
    keyed = {(*k, ALL)[:4]: code for k, code in flags.items()}
    rows = [
        replace(o, conf_status=keyed.get((o.indicator, o.period, o.segment, o.partner), "F"))
        for o in table
    ]
    return IndicatorTable.from_rows(rows, release=table.release)


def derived_of(period: str, segment: str, partner: str = ALL) -> dict[tuple[str, ...], str]:
    """``D`` for every figure of the line (period, segment, partner) derived from its level:
    share, growth, contribution, progress (those of later periods are not needed here)."""
    return {
        (indicator, period, segment, partner): "D"
        for indicator in ("share", "growth_yoy", "contribution", "progress_prev_year")
    }
