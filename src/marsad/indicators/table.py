"""The indicator table in memory, and lookups on it.

One row per observation with the columns of :data:`COLUMNS`. In memory,
``value`` holds the exact :class:`~decimal.Decimal` (levels to the centime,
ratios unrounded at 28 significant digits); the exports round percentages once,
to ``Settings.percent_decimals``.

A table loaded for the office (``marsad.build.load_indicators``) holds every exact
value, withheld ones included, with its ``conf_status`` (SDMX CL_CONF_STATUS:
``F`` free; ``A``, ``O``, ``C``, ``G`` primary confidential; ``D`` secondary).
Public code reads values only through :meth:`IndicatorTable.get` (``None`` when
absent or withheld) or works on :meth:`IndicatorTable.public`, the same table
with every withheld value blanked, so that no withheld figure can be shown.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal

from marsad.indicators.registry import COLUMNS
from marsad.periods import period_kind
from marsad.reference import ALL, TOTAL

#: The one CL_CONF_STATUS code of a published value (``marsad.protect.primary.FREE``);
#: every other code withholds the value.
FREE = "F"
#: What a build id holds when its records are the synthetic generator's
#: (``2025-06.synthetic.3fa9c2d1``, as :mod:`marsad.build` names it).
SYNTHETIC_TAG = ".synthetic."


def synthetic_build(build: str) -> bool:
    """Whether the build id ``build`` (a table's ``release`` column, a release
    manifest's ``build``) names a build of synthetic records: the one rule of the
    bulletin, the exports and the web, so that their files agree. A release's own
    id is chosen by its publisher and says nothing.

    >>> synthetic_build("2025-06.synthetic.3fa9c2d1"), synthetic_build("2025-06.3fa9c2d1")
    (True, False)
    >>> synthetic_build("synth-2025.3fa9c2d1")
    False
    """
    return SYNTHETIC_TAG in build


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

    @property
    def key(self) -> str:
        """The row's key, ``indicator/flow/period/segment/service/partner`` (e.g. in the
        bulletin's ``<data data-key>`` and the API).

        >>> Observation("level", "exports", "2025-S1", "TOTAL", "_T", "_T", None, "MAD").key
        'level/exports/2025-S1/TOTAL/_T/_T'
        """
        return row_key(self)

    def as_tuple(self) -> tuple:
        return tuple(getattr(self, c) for c in COLUMNS)

    @property
    def withheld(self) -> bool:
        """True when the value is not published (``conf_status`` other than ``F``).

        >>> Observation("level", "exports", "2024", "KPO", "_T", "_T", Decimal(48e6), "MAD",
        ...             conf_status="A").withheld
        True
        """
        return self.conf_status != FREE

    @property
    def public_value(self) -> Decimal | None:
        """The value as it may be published: ``None`` when withheld.

        >>> Observation("share", "exports", "2024", "KPO", "_T", "_T", Decimal("0.18"),
        ...             "percent", conf_status="D").public_value is None
        True
        """
        return None if self.withheld else self.value


def row_key(obs: Observation) -> str:
    """The key of a row: its dimensions joined by ``/`` (see :attr:`Observation.key`)."""
    return "/".join((obs.indicator, obs.flow, obs.period, obs.segment, obs.service, obs.partner))


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
        """Exact value of one observation, or ``None`` when absent or withheld
        (any ``conf_status`` other than ``F``).

        >>> eso = Observation("level", "exports", "2025-S1", "ESO", "_T", "_T",
        ...                   Decimal("2580000000.00"), "MAD")
        >>> IndicatorTable([eso]).get("level", "2025-S1", "ESO")
        Decimal('2580000000.00')
        >>> from dataclasses import replace
        >>> IndicatorTable([replace(eso, conf_status="O")]).get("level", "2025-S1", "ESO") is None
        True
        """
        obs = self.observation(
            indicator, period, segment, flow=flow, service=service, partner=partner
        )
        return None if obs is None else obs.public_value

    def withheld(
        self,
        indicator: str,
        period: str,
        segment: str = TOTAL,
        *,
        flow: str = "exports",
        service: str = ALL,
        partner: str = ALL,
    ) -> bool:
        """True when the observation exists and is withheld (shown as ``[c]``); False when
        it is published or absent (e.g. a growth with no year earlier)."""
        obs = self.observation(
            indicator, period, segment, flow=flow, service=service, partner=partner
        )
        return obs is not None and obs.withheld

    def public(self) -> IndicatorTable:
        """The table as it may be published: every withheld value blanked (``None``), its
        flags kept. Publishing code starts from this view, so that even a direct read of
        ``observation(...).value`` cannot show a withheld figure.

        >>> kpo = Observation("level", "exports", "2024", "KPO", "_T", "_T",
        ...                   Decimal("48000000"), "MAD", conf_status="A")
        >>> [(o.value, o.conf_status) for o in IndicatorTable([kpo]).public()]
        [(None, 'A')]
        """
        rows = [replace(o, value=None) if o.withheld and o.value is not None else o for o in self]
        return IndicatorTable(rows, release=self.release)

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
