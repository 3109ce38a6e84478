"""The vocabulary of the bulletin: every message it can say, with example values.

A :class:`Message` is what the bulletin says, before any language: an id from
:data:`CATALOGUE` and its values (exact decimals, :class:`~marsad.periods.Period`
objects, segment :class:`Mention` objects, nested messages, lists of messages).
:mod:`marsad.publish.story` decides which messages to say; each phrasebook in
:mod:`marsad.publish.lang` holds one wording per id. :data:`CATALOGUE` gives
every id the values it takes, as an example, so that a test can word every
message in every language.

>>> m = Message("headline.level", total=Decimal("13377000000"), period=Period.parse("2025"))
>>> m.id, m["total"]
('headline.level', Decimal('13377000000'))
>>> Message("headline.lvel")
Traceback (most recent call last):
...
KeyError: "unknown message id 'headline.lvel'"
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from marsad.periods import Period
from marsad.publish.keyed import Keyed, keyed

__all__ = ["CATALOGUE", "Keyed", "Mention", "Message", "Money", "Section", "example", "keyed"]


@dataclass(frozen=True)
class Mention:
    """A segment named in a sentence (e.g. ``Mention("ESO", first=True)``: the first time
    a passage names ESO, the phrasebook adds its full name)."""

    code: str
    first: bool = False


@dataclass(frozen=True)
class Money:
    """An amount in MAD shown with fixed decimals in its unit (e.g. 40e9 with 0: ``40
    milliards de dirhams``; 26.17e9 with 2). ``decimals=None`` lets :func:`fmt.money` choose."""

    value: Decimal
    decimals: int | None = None


class Message:
    """One thing the bulletin says (e.g. ``Message("segment.fastest", segment=Mention("ESO"),
    growth=Decimal("43.17"), level=Decimal("2.58e9"))``)."""

    __slots__ = ("id", "values")

    def __init__(self, id: str, /, **values: Any) -> None:
        if id not in CATALOGUE:
            raise KeyError(f"unknown message id {id!r}")
        self.id = id
        self.values = MappingProxyType(values)

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Message) and (self.id, dict(self.values)) == (
            other.id,
            dict(other.values),
        )

    def __hash__(self) -> int:
        return hash(self.id)

    def __repr__(self) -> str:
        args = "".join(f", {k}={v!r}" for k, v in self.values.items())
        return f"Message({self.id!r}{args})"


@dataclass(frozen=True)
class Section:
    """A section of the methodological note: a title message, paragraphs and definitions."""

    title: Message
    paragraphs: tuple[Message, ...] = ()
    #: (label, indicator id, formula); the label is a message or an indicator id of the
    #: registry, whose labels exist in every language.
    definitions: tuple[tuple[Message | str, str, str], ...] = field(default=())


# -- the catalogue: every message id and example values --------------------------------
_P = Period.parse("2025-S1")
_P0 = Period.parse("2024-S1")
_Y = Period.parse("2024")
_BN = keyed("13377000000.00")
_PCT = keyed("3.4971")
_PP = keyed("6.0000")
_M = Period.parse("2025-05")
_ESO = Mention("ESO", first=True)
_PACE = {"rate": Decimal("0.19"), "start": 2023, "end": 2024}
_ITEM_SEG = {"code": "ESO", "level": _BN, "previous": _BN}

#: Every message id -> example values (the values a wording may use).
CATALOGUE: dict[str, dict[str, Any]] = {
    # title and key figures
    "title": {"period": _P},
    "key.level": {"period": _P},
    "key.growth": {"indicator": "growth_yoy"},
    "key.target": {"target_year": 2030, "latest_year": 2024},
    # headline
    "headline.level": {"total": _BN, "period": _P},
    "headline.level_growth": {"total": _BN, "period": _P, "previous": _P0, "growth": _PCT},
    "headline.level_fall": {"total": _BN, "period": _P, "previous": _P0, "fall": _PCT},
    "headline.level_stable": {"total": _BN, "period": _P, "previous": _P0},
    "headline.ytd": {"total": _BN, "month": _M},
    "headline.ytd_growth": {"total": _BN, "month": _M, "growth": _PCT},
    "headline.ytd_fall": {"total": _BN, "month": _M, "fall": _PCT},
    "headline.ytd_stable": {"total": _BN, "month": _M},
    "headline.leader": {"leader": _ESO, "share": _PCT},
    "headline.leader_runner_up": {
        "leader": _ESO,
        "share": _PCT,
        "runner_up": Mention("CRM"),
        "runner_up_share": _PCT,
    },
    "segments.withheld": {"one": False},
    # movements of the segments
    "segment.fastest": {"segment": _ESO, "growth": _PCT, "level": _BN},
    "segment.fastest_top_contributor": {
        "segment": _ESO,
        "growth": _PCT,
        "level": _BN,
        "contribution": _PP,
    },
    "segment.top_contributor": {"segment": _ESO, "contribution": _PP},
    "segment.decline": {"segment": _ESO, "fall": _PCT, "level": _BN},
    "segment.decline_drag": {"segment": _ESO, "fall": _PCT, "level": _BN, "drag": _PP},
    # progress against the previous full year (sub-annual periods)
    "progress.sector_so_far": {"progress": _PCT, "year": _Y},
    "progress.segment_so_far": {"segment": _ESO, "progress": _PCT, "year": _Y},
    "progress.segment_behind": {"segment": _ESO, "progress": _PCT, "year": _Y},
    # partner markets
    "partners": {"partners": ["partner.name"]},
    "partner.name": {"partner": "FR"},
    "partner.share": {"partner": "FR", "share": _PCT},
    "partner.share_of_exports": {"partner": "FR", "share": _PCT},
    "partners.withheld": {"one": False},
    # target tracker
    "target.reached_share": {
        "latest_year": 2024,
        "latest_level": _BN,
        "percent": _PCT,
        "target": Money(keyed("40000000000.00"), 0),
        "target_year": 2030,
    },
    "target.reached": {},
    "target.required_growth": {"rate": _PCT, "target_year": 2030, "pace": "pace.positive"},
    "pace.positive": _PACE,
    "pace.negative": _PACE,
    "pace.average_positive": _PACE,
    "pace.average_negative": _PACE,
    "target.on_track": {"projected": _BN, "target_year": 2030},
    "target.off_track": {"projected": _BN, "target_year": 2030},
    "target.jobs": {
        "year": 2024,
        "jobs": keyed("148500"),
        "share": _PCT,
        "target": keyed("270000"),
        "target_year": 2030,
    },
    # segment table
    "column.period": {"period": _P},
    "column.share": {},
    "column.growth": {},
    "column.contribution": {},
    "column.progress": {"year": _Y},
    "table.legend": {"marks": ["table.legend_confidential", "table.legend_missing"]},
    "table.legend_confidential": {},
    "table.legend_missing": {},
    # methodological note
    "section.sources": {},
    "section.definitions": {},
    "section.classification": {},
    "section.conversion": {},
    "section.break": {},
    "section.status": {},
    "method.synthetic": {},
    "method.sources": {},
    "method.target_source": {
        "target_year": 2030,
        "source": "Digital Morocco 2030",
        "source_fr": "Maroc Digital 2030",
        "source_ar": "المغرب الرقمي 2030",
    },
    "method.definitions": {},
    "method.classification": {"codes": ["ITO", "CRM"]},
    "method.unallocated": {"period": _P, "level": _BN},
    "method.unallocated_share": {"period": _P, "level": _BN, "share": _PCT},
    "method.conversion": {},
    "method.break": {"codes": ["ITO", "CRM"], "year": "2023"},
    "method.break_old": {"codes": ["ITO", "CRM"], "year": "2023", "old": keyed("17900000000.00")},
    "method.break_both": {
        "codes": ["ITO", "CRM"],
        "year": "2023",
        "old": keyed("17900000000.00"),
        "new": keyed("26170000000.00"),
    },
    "status.provisional": {},
    "status.final": {},
    "status.estimated": {},
    "status.confidential": {},
    "status.release": {"release": "2025-10"},
    # charts
    "chart.segments.title": {"period": _P},
    "chart.segments.title_vs": {"period": _P, "previous": _P0},
    "chart.segments.description": {"items": ["chart.segments.item"]},
    "chart.segments.description_vs": {"items": ["chart.segments.item_vs"]},
    "chart.segments.item": _ITEM_SEG,
    "chart.segments.item_vs": _ITEM_SEG,
    "chart.history.title": {"kind": "half"},
    "chart.history.description": {"items": ["chart.history.item"]},
    "chart.history.item": {"period": _P, "level": _BN},
    "chart.target.title": {"target_year": 2030},
    "chart.target.description": {
        "latest_year": 2024,
        "latest_level": _BN,
        "target": Money(Decimal(40) * 10**9, 0),
        "target_year": 2030,
        "required": "chart.target.required",
        "recent": "chart.target.recent",
    },
    "chart.target.required": {"rate": _PCT},
    "chart.target.recent": {"rate": _PCT, "projected": _BN, "target_year": 2030},
    "chart.withheld": {},
    "chart.history.withheld": {},
}


def example(id: str) -> Message:
    """The message ``id`` with its example values (nested ids made into messages).

    >>> example("pace.negative")["start"]
    2023
    """
    values = {}
    for key, value in CATALOGUE[id].items():
        if isinstance(value, str) and value in CATALOGUE:
            value = example(value)
        elif isinstance(value, list) and value and all(v in CATALOGUE for v in value):
            value = [example(v) for v in value]
        values[key] = value
    return Message(id, **values)
