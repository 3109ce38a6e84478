"""Calibration targets of the synthetic exports and their split into months.

The published release gives each segment's exports for a year, a half-year or a
quarter. :data:`CALIBRATION` holds those figures as a partition of January 2023 to
June 2025 for every segment (e.g. ITO: 2023, 2024-S1, 2024-S2, 2025-S1; CRM: 2023,
the four quarters of 2024, 2025-S1). :func:`monthly_targets` splits each figure
into integer centimes per month, in proportion to :data:`SEASONALITY`, with the
largest-remainder method so that the months add up to the figure exactly.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from marsad.periods import Period, months_between
from marsad.reference import SEGMENT_CODES

#: Centimes in one billion MAD.
CENTIMES_PER_BN = 10**11


@dataclass(frozen=True)
class CalibrationTarget:
    """One calibrated figure (e.g. CRM exports in 2024-Q3: 2.814 bn MAD)."""

    segment: str
    period: str
    bn_mad: Decimal
    source: str

    @property
    def centimes(self) -> int:
        """The figure in integer centimes (e.g. 281_400_000_000 for 2.814 bn MAD)."""
        return int(self.bn_mad * CENTIMES_PER_BN)

    @property
    def months(self) -> tuple[str, ...]:
        """The months of the period, as ``YYYY-MM`` (e.g. 2024-07, 2024-08, 2024-09)."""
        return period_months(self.period)


_PUBLISHED = "published figure (Office des Changes & Ministry of Digital Transition, Oct 2025)"
_DERIVED = "published 2024 level minus the assumed 2024-S1 (or 2024-Q1/Q2)"
_ASSUMED = "assumed split of published totals (2023: 26.17; 2024-S1: 12.9; 2025-S1: 13.4)"

_TABLE: tuple[tuple[str, str, str, str], ...] = (
    ("ITO", "2023", "10.100", _ASSUMED),
    ("ITO", "2024-S1", "5.150", _ASSUMED),
    ("ITO", "2024-S2", "5.428", _DERIVED),
    ("ITO", "2025-S1", "5.250", _PUBLISHED),
    ("CRM", "2023", "10.300", _ASSUMED),
    ("CRM", "2024-Q1", "2.350", _ASSUMED),
    ("CRM", "2024-Q2", "2.450", _ASSUMED),
    ("CRM", "2024-Q3", "2.814", _PUBLISHED),
    ("CRM", "2024-Q4", "2.183", _PUBLISHED),
    ("CRM", "2025-S1", "4.190", _PUBLISHED),
    ("ESO", "2023", "3.2325", _ASSUMED),
    ("ESO", "2024-S1", "1.802", _ASSUMED),
    ("ESO", "2024-S2", "1.660", _DERIVED),
    ("ESO", "2025-S1", "2.580", _PUBLISHED),
    ("BPO", "2023", "2.4595", _ASSUMED),
    ("BPO", "2024-S1", "1.150", _ASSUMED),
    ("BPO", "2024-S2", "1.184", _DERIVED),
    ("BPO", "2025-S1", "1.330", _PUBLISHED),
    ("KPO", "2023", "0.078", _PUBLISHED),
    ("KPO", "2024-S1", "0.023", _ASSUMED),
    ("KPO", "2024-S2", "0.025", _DERIVED),
    ("KPO", "2025-S1", "0.027", _ASSUMED),
)

#: Exports (flow C) by segment that the built aggregates must reproduce. For each
#: segment the periods partition 2023-01 .. 2025-06.
CALIBRATION: tuple[CalibrationTarget, ...] = tuple(
    CalibrationTarget(segment=seg, period=per, bn_mad=Decimal(val), source=src)
    for seg, per, val, src in _TABLE
)

#: Relative monthly level in percent (January first): quarter ends a little high,
#: August low (holidays), December high (year-end invoicing).
SEASONALITY: tuple[int, ...] = (96, 94, 104, 98, 99, 105, 100, 84, 103, 101, 102, 114)

#: Months covered by the synthetic records.
FIRST_MONTH = "2023-01"
LAST_MONTH = "2025-06"


def period_months(period: str) -> tuple[str, ...]:
    """Months of a period (``2024``, ``2024-S1``, ``2024-Q3`` or ``2024-07``), as ``YYYY-MM``.

    >>> period_months("2024-Q3")
    ('2024-07', '2024-08', '2024-09')
    """
    return tuple(_written(m) for m in Period.parse(period).months)


def all_months() -> tuple[str, ...]:
    """Every month from :data:`FIRST_MONTH` to :data:`LAST_MONTH` (30 months).

    >>> all_months()[0], all_months()[-1], len(all_months())
    ('2023-01', '2025-06', 30)
    """
    first, last = Period.parse(FIRST_MONTH).months[0], Period.parse(LAST_MONTH).months[-1]
    return tuple(_written(m) for m in months_between(first, last))


def calendar_month(month: str) -> int:
    """The month of the year (1-12) of a ``YYYY-MM`` month (e.g. 8 for ``2024-08``)."""
    return Period.parse(month).first_month


def _written(month: tuple[int, int]) -> str:
    return str(Period("month", *month))


def largest_remainder(total: int, weights: Sequence[int]) -> list[int]:
    """Split an integer total in proportion to integer weights, exactly.

    Integer arithmetic throughout; the parts add up to the total.

    >>> largest_remainder(10, [1, 1, 1])
    [4, 3, 3]
    """
    whole = sum(weights)
    if total < 0 or whole <= 0 or min(weights) < 0:
        raise ValueError("largest_remainder needs a non-negative total and weights")
    parts = [total * w // whole for w in weights]
    remainders = [total * w % whole for w in weights]
    # Largest remainder first; ties go to the earlier part.
    order = sorted(range(len(parts)), key=lambda i: (-remainders[i], i))
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


def target_centimes(segment: str, period: str) -> int:
    """The calibrated total of a segment and period in centimes.

    The period must be one of CALIBRATION's or a union of them (e.g. ``2024``);
    anything else raises ``KeyError``.
    """
    months = set(period_months(period))
    total, covered = 0, set()
    for t in CALIBRATION:
        if t.segment == segment and set(t.months) <= months:
            total += t.centimes
            covered |= set(t.months)
    if covered != months:
        raise KeyError(f"no calibration for {segment} {period}")
    return total


@functools.cache
def monthly_targets() -> dict[tuple[str, str], int]:
    """Export target of each (month ``YYYY-MM``, segment) cell, in centimes."""
    out: dict[tuple[str, str], int] = {}
    for t in CALIBRATION:
        weights = [SEASONALITY[calendar_month(m) - 1] for m in t.months]
        for month, part in zip(t.months, largest_remainder(t.centimes, weights), strict=True):
            out[(month, t.segment)] = part
    missing = {(m, s) for m in all_months() for s in SEGMENT_CODES} - out.keys()
    if missing:
        raise RuntimeError(f"calibration does not cover {sorted(missing)[:3]}")
    return out
