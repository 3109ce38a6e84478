"""Packaged reference data and its loaders.

Code lists and rules are data files beside this module, each described in
``sources.toml`` (where it comes from, when, under what licence). One loader
reads them; nothing else hard-codes a code list.
"""

from __future__ import annotations

import csv
import functools
import tomllib
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from typing import Any

SEGMENT_CODES: tuple[str, ...] = ("ITO", "CRM", "ESO", "BPO", "KPO")
#: Segment given to a record whose firm is not registered and whose service
#: code has no concordance entry: held for review (``marsad review``), outside
#: the sector total and every published figure; never dropped.
UNALLOCATED = "UNALLOCATED"
#: Code of the digitally-deliverable aggregate (records of the sector whose
#: service is digitally deliverable): published beside the segments, not one
#: of the five that add up to TOTAL.
DDS = "DDS"
#: Code of the total over segments, and of the total over services / partners.
TOTAL = "TOTAL"
ALL = "_T"
#: UNCTAD's digitally deliverable services: EBOPS 2010 categories that can be
#: delivered remotely over computer networks.
DIGITALLY_DELIVERABLE_ROOTS: tuple[str, ...] = ("SF", "SG", "SH", "SI", "SJ", "SK")


@dataclass(frozen=True)
class Segment:
    """A segment of the sector (e.g. code ``ITO``, name_fr ``Externalisation des …``)."""

    code: str
    name_en: str
    name_fr: str
    name_ar: str
    description_en: str

    def name(self, lang: str) -> str:
        return {"en": self.name_en, "fr": self.name_fr, "ar": self.name_ar}[lang]


@dataclass(frozen=True)
class ServiceCode:
    """An EBOPS 2010 item (e.g. code ``SI22``, parent ``SI2``, level 3)."""

    code: str
    parent: str | None
    level: int
    name_en: str
    name_fr: str
    digitally_deliverable: bool

    def name(self, lang: str) -> str:
        return self.name_fr if lang == "fr" else self.name_en


@dataclass(frozen=True)
class PublishedFigure:
    """One published figure (e.g. 2025-S1 TOTAL level 13.4 bn_MAD, 1 decimal)."""

    series: str
    scope: str
    period: str
    segment: str
    measure: str
    value: Decimal
    unit: str
    decimals: int
    status: str
    source: str


@dataclass(frozen=True)
class Target:
    """A quantified target (e.g. exports TOTAL 2030: 40 bn_MAD)."""

    target: str
    segment: str
    year: int
    value: Decimal
    unit: str
    source: str
    #: The source in French and in Arabic, as the bulletins quote it.
    source_fr: str = ""
    source_ar: str = ""


def read_table(name: str) -> list[dict[str, str]]:
    """Rows of a packaged CSV table (e.g. ``read_table("segments.csv")``)."""
    text = resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


@functools.cache
def sources() -> dict[str, dict[str, Any]]:
    """Provenance of each packaged table, keyed by file name."""
    text = resources.files(__package__).joinpath("sources.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


@functools.cache
def segments() -> dict[str, Segment]:
    """The five segments, in publication order."""
    return {row["code"]: Segment(**row) for row in read_table("segments.csv")}


@functools.cache
def ebops() -> dict[str, ServiceCode]:
    """The complete EBOPS 2010 list, every level, keyed by code."""
    out = {}
    for row in read_table("ebops2010.csv"):
        out[row["code"]] = ServiceCode(
            code=row["code"],
            parent=row["parent"] or None,
            level=int(row["level"]),
            name_en=row["name_en"],
            name_fr=row["name_fr"],
            digitally_deliverable=row["digitally_deliverable"] == "true",
        )
    return out


@functools.cache
def concordance() -> dict[str, str]:
    """Service code (any EBOPS level) to segment: marsad's own proposal."""
    return {row["service_code"]: row["segment"] for row in read_table("concordance.csv")}


@functools.cache
def is_digitally_deliverable(code: str) -> bool:
    """Whether an EBOPS 2010 code is digitally deliverable (UNCTAD; False for an unknown code).

    >>> is_digitally_deliverable("SI22"), is_digitally_deliverable("SC12")
    (True, False)
    """
    found = ebops().get(code)
    return bool(found and found.digitally_deliverable)


def segment_for_service(code: str) -> str | None:
    """Segment proposed for a service code by the longest matching concordance prefix.

    >>> segment_for_service("SJ312")
    'ESO'
    """
    table = concordance()
    for end in range(len(code), 0, -1):
        if code[:end] in table:
            return table[code[:end]]
    return None


@functools.cache
def currencies() -> dict[str, dict[str, str]]:
    """ISO 4217 active currencies keyed by code (e.g. ``EUR``): name_en, minor_unit."""
    return {row["code"]: row for row in read_table("iso4217.csv")}


@functools.cache
def countries() -> dict[str, dict[str, str]]:
    """ISO 3166-1 countries keyed by alpha-2 code (e.g. ``FR``): alpha3, name_en."""
    return {row["alpha2"]: row for row in read_table("iso3166.csv")}


@functools.cache
def published_figures() -> tuple[PublishedFigure, ...]:
    """Every figure of ``published_figures.csv``, values as exact decimals."""
    return tuple(
        PublishedFigure(
            **{k: v for k, v in row.items() if k not in ("value", "decimals")},
            value=Decimal(row["value"]),
            decimals=int(row["decimals"]),
        )
        for row in read_table("published_figures.csv")
    )


@functools.cache
def targets() -> tuple[Target, ...]:
    """The 2030 targets (exports in bn MAD, jobs)."""
    return tuple(
        Target(
            target=row["target"],
            segment=row["segment"],
            year=int(row["year"]),
            value=Decimal(row["value"]),
            unit=row["unit"],
            source=row["source"],
            source_fr=row["source_fr"],
            source_ar=row["source_ar"],
        )
        for row in read_table("targets.csv")
    )


@functools.cache
def hints() -> dict[str, dict[str, str]]:
    """Suggestions for frequent slips in code fields, per code list (``country``,
    ``currency``, ``segment``, ``ebops``): wrong value (upper case) -> code.

    ``hints.csv``, completed for countries by the ISO 3166-1 alpha-3 codes and
    English short names (``MAR``, ``MOROCCO`` -> ``MA``). A hint is only shown
    in a quarantine message; it never changes a value.

    >>> hints()["country"]["UK"], hints()["currency"]["EURO"], hints()["country"]["MAR"]
    ('GB', 'EUR', 'MA')
    """
    out: dict[str, dict[str, str]] = {"country": {}, "currency": {}, "segment": {}, "ebops": {}}
    for code, row in countries().items():
        out["country"][row["alpha3"].upper()] = code
        out["country"][row["name_en"].upper()] = code
    for row in read_table("hints.csv"):
        out.setdefault(row["list"], {})[row["wrong"].upper()] = row["suggest"]
    return out
