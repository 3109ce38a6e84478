"""The value axis of a chart, chosen from the size of the data.

A chart of amounts in MAD is drawn in billions of dirhams when its largest value
reaches one billion, else in millions; the ticks are round steps (1, 2, 2.5 or 5
times a power of ten, about five of them) and carry as many decimals as the step
needs, so that no two ticks read the same (never an axis of ``0 0 0 1 1``).

>>> from decimal import Decimal
>>> axis = value_axis([Decimal("13377000000"), Decimal("12925000000")])
>>> axis.unit, [str(t) for t in axis.ticks], axis.decimals
('bn', ['0', '5', '10', '15'], 0)
>>> axis = value_axis([Decimal("27000000"), Decimal("23000000")])
>>> axis.unit, [str(t) for t in axis.ticks], axis.decimals
('mn', ['0', '10', '20', '30'], 0)
>>> axis = value_axis([Decimal("1330000000")])
>>> axis.unit, [str(t) for t in axis.ticks], axis.decimals
('bn', ['0', '0.5', '1', '1.5'], 1)
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from marsad.publish.fmt import round_half_up, shifted

#: Divisor of each unit of the axis, and the label (phrasebook ``LABELS``) of its title.
UNITS: dict[str, tuple[Decimal, str]] = {
    "bn": (Decimal(10) ** 9, "axis_bn"),
    "mn": (Decimal(10) ** 6, "axis_mn"),
}
#: About this many intervals between ticks.
TARGET_TICKS = 5
_STEPS = (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10))


@dataclass(frozen=True)
class ValueAxis:
    """A value axis (e.g. unit ``bn``, ticks 0, 5, 10, 15, no decimals)."""

    unit: str
    ticks: tuple[Decimal, ...]
    decimals: int

    @property
    def divisor(self) -> Decimal:
        """What a MAD amount is divided by to be drawn (e.g. 10**9 for ``bn``)."""
        return UNITS[self.unit][0]

    @property
    def title_key(self) -> str:
        """The phrasebook label of the axis title (e.g. ``axis_bn``)."""
        return UNITS[self.unit][1]

    @property
    def domain(self) -> list[float]:
        """The first and last tick, as the chart's scale domain (e.g. ``[0.0, 15.0]``)."""
        return [float(self.ticks[0]), float(self.ticks[-1])]

    @property
    def values(self) -> list[float]:
        """The ticks as numbers for the chart (e.g. ``[0.0, 5.0, 10.0, 15.0]``)."""
        return [float(t) for t in self.ticks]

    @property
    def format(self) -> str:
        """The d3 format of the tick labels (e.g. ``,.1f``)."""
        return f",.{self.decimals}f"

    def scaled(self, value_mad: Decimal) -> float:
        """An amount in the axis's unit, for the chart (e.g. 13.377 for 13,377,000,000 MAD);
        never a negative zero."""
        return float(round_half_up(shifted(Decimal(value_mad), self.divisor.adjusted()), 4)) + 0.0


def value_axis(values: Iterable[Decimal]) -> ValueAxis:
    """The axis for amounts ``values`` in MAD, from zero (see the module's examples)."""
    values = [Decimal(v) for v in values]
    low, high = min([Decimal(0), *values]), max([Decimal(0), *values])
    unit = "bn" if max(abs(low), abs(high)) >= UNITS["bn"][0] else "mn"
    divisor = UNITS[unit][0]
    low, high = low / divisor, high / divisor
    step = nice_step(high - low)
    first = math.floor(low / step) * step
    last = math.ceil(high / step) * step
    if last == first:
        last = first + step
    count = int((last - first) / step)
    ticks = tuple((first + k * step).normalize() + 0 for k in range(count + 1))
    return ValueAxis(unit, tuple(_plain(t) for t in ticks), _decimals(step))


def nice_step(span: Decimal) -> Decimal:
    """A round step giving about :data:`TARGET_TICKS` intervals over ``span``.

    >>> str(nice_step(Decimal("13.4"))), str(nice_step(Decimal("0.027"))), str(nice_step(0))
    ('5', '0.01', '1')
    """
    span = Decimal(span)
    if span <= 0:
        return Decimal(1)
    raw = span / TARGET_TICKS
    power = Decimal(10) ** math.floor(raw.log10())
    for step in _STEPS:
        if step * power >= raw:
            return (step * power).normalize()
    return (10 * power).normalize()  # pragma: no cover - _STEPS ends with 10


def _decimals(step: Decimal) -> int:
    """Decimals a tick needs to show ``step`` (e.g. 0 for 5 or 10, 1 for 0.5, 2 for 0.25)."""
    return max(0, -step.normalize().as_tuple().exponent)


def _plain(value: Decimal) -> Decimal:
    """``value`` without an exponent (``1E+1`` -> ``10``)."""
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value
