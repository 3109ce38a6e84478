"""The indicator table in memory, and lookups on it.

One row per observation with the columns of :data:`COLUMNS`. In memory,
``value`` holds the exact :class:`~decimal.Decimal` (levels to the centime,
ratios unrounded at 28 significant digits); the exports round percentages once,
to ``Settings.percent_decimals``. A confidential or absent value is ``None``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from marsad.indicators.registry import COLUMNS
from marsad.periods import period_kind
from marsad.reference import ALL, TOTAL


@dataclass(frozen=True)
class Observation:
    """One row of the indicator table (e.g. level, exports, 2025-S1, TOTAL, _T, _T)."""

    indicator: str
    flow: str
    period: str
    segment: str
    service: str
    partner: str
    value: Decimal | None
    unit: str
    obs_status: str = "P"
    conf_status: str = "F"
    release: str = ""

    def as_tuple(self) -> tuple:
        return tuple(getattr(self, c) for c in COLUMNS)


@dataclass
class IndicatorTable:
    """All observations of a build, with a fast keyed lookup."""

    rows: list[Observation]
    release: str = ""
    _index: dict[tuple, Observation] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._index = {
            (o.indicator, o.flow, o.period, o.segment, o.service, o.partner): o for o in self.rows
        }

    def __iter__(self) -> Iterator[Observation]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def get(
        self,
        indicator: str,
        period: str,
        segment: str = TOTAL,
        *,
        flow: str = "exports",
        service: str = ALL,
        partner: str = ALL,
    ) -> Decimal | None:
        """Exact value of one observation, or ``None`` when absent or confidential.

        >>> table.get("level", "2025-S1", "ESO")   # doctest: +SKIP
        Decimal('2580000000.00')
        """
        obs = self.observation(
            indicator, period, segment, flow=flow, service=service, partner=partner
        )
        return None if obs is None else obs.value

    def observation(
        self,
        indicator: str,
        period: str,
        segment: str = TOTAL,
        *,
        flow: str = "exports",
        service: str = ALL,
        partner: str = ALL,
    ) -> Observation | None:
        return self._index.get((indicator, flow, period, segment, service, partner))

    def periods(self, kind: str | None = None, indicator: str = "level") -> list[str]:
        """Periods present for ``indicator``, sorted; ``kind`` is one of
        ``year``, ``half``, ``quarter``, ``month`` (e.g. ``["2024-S1", "2024-S2"]``)."""
        found = {o.period for o in self.rows if o.indicator == indicator}
        return sorted(p for p in found if kind is None or period_kind(p) == kind)

    def select(self, **where: str) -> list[Observation]:
        """Observations whose fields equal the given values (e.g. ``period="2024"``)."""
        return [o for o in self.rows if all(getattr(o, k) == v for k, v in where.items())]

    @classmethod
    def from_rows(cls, rows: Iterable[Observation], release: str = "") -> IndicatorTable:
        return cls(list(rows), release=release)
