"""The indicator table in SDMX: the data structure, SDMX-CSV 2.0 and SDMX-ML 2.1 data.

Written with pysdmx; read back in the tests with sdmx1. Functions other code can
call (the web API serves the same messages): :func:`structure` (the artefacts),
:func:`data_frame` (the observations), :func:`write_sdmx_structure`,
:func:`write_sdmx_csv` and :func:`write_sdmx_ml`.

The data structure ``{agency}:DIGITAL_EXPORTS(1.0)`` (agency: the reporting economy,
``MARSAD_HOME_COUNTRY``, e.g. ``MA``) has the dimensions FREQ, INDICATOR, FLOW,
SEGMENT, SERVICE, COUNTERPART_AREA and TIME_PERIOD, the measure OBS_VALUE and the
attributes UNIT_MEASURE, UNIT_MULT, OBS_STATUS and CONF_STATUS, all attached to
the observation. The table's codes are kept as they are, except that the total over
partners ``_T`` is ``W1`` (rest of the world) in COUNTERPART_AREA, as in the IMF/ECB
balance-of-payments structures; SERVICE holds the EBOPS 2010 codes as the BOP code
list (CL_BOP_ITEM) writes them (``SI22``, ``SJ312``) and ``_T`` for the sector's total.
TIME_PERIOD is the table's period, already in SDMX form (``2024``, ``2025-S1``,
``2024-Q3``, ``2024-07``); a year-to-date row is INDICATOR ``ytd_level`` at its month.
A withheld observation has no OBS_VALUE and keeps its CONF_STATUS.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

import msgspec
import pandas as pd
from pysdmx.io import write_sdmx
from pysdmx.io.format import Format
from pysdmx.io.pd import PandasDataset
from pysdmx.model import (
    Code,
    Codelist,
    Component,
    Components,
    Concept,
    ConceptScheme,
    Dataflow,
    DataStructureDefinition,
    DataType,
    Organisation,
)
from pysdmx.model.dataflow import Role
from pysdmx.model.message import Header

from marsad.indicators.registry import COLUMNS
from marsad.publish.codes import ALL_PARTNERS, FREQ, UNITS
from marsad.publish.codes import code_names as _code_names
from marsad.publish.columns import Publication
from marsad.publish.files import atomic_path

ID = "DIGITAL_EXPORTS"
#: Name of the data structure and of its dataflow.
NAME = "Exports of digital and outsourced services: indicators"
VERSION = "1.0"
#: (dimension, table column) in key order; TIME_PERIOD last.
DIMENSIONS = (
    ("FREQ", "period"),
    ("INDICATOR", "indicator"),
    ("FLOW", "flow"),
    ("SEGMENT", "segment"),
    ("SERVICE", "service"),
    ("COUNTERPART_AREA", "partner"),
)
ATTRIBUTES = ("UNIT_MEASURE", "UNIT_MULT", "OBS_STATUS", "CONF_STATUS")
CONCEPT_NAMES = {
    "FREQ": "Frequency",
    "INDICATOR": "Indicator",
    "FLOW": "Flow",
    "SEGMENT": "Segment of the sector",
    "SERVICE": "Service (EBOPS 2010)",
    "COUNTERPART_AREA": "Counterpart area (partner country)",
    "TIME_PERIOD": "Time period",
    "OBS_VALUE": "Observation value",
    "UNIT_MEASURE": "Unit of measure",
    "UNIT_MULT": "Unit multiplier",
    "OBS_STATUS": "Observation status",
    "CONF_STATUS": "Confidentiality status",
}


@cache
def agency() -> str:
    """The maintenance agency: the reporting economy (``MARSAD_HOME_COUNTRY``, e.g. ``MA``).

    >>> agency()  # doctest: +SKIP
    'MA'
    """
    from marsad.settings import get_settings

    return sdmx_id(get_settings().home_country)


def sdmx_id(text: str) -> str:
    """``text`` as an SDMX identifier (letters, digits, ``_``, ``-``, ``@``, ``$``).

    >>> sdmx_id("Office des Changes"), sdmx_id("")
    ('OFFICE_DES_CHANGES', 'ZZZ')
    """
    found = re.sub(r"[^A-Za-z0-9_@$-]+", "_", text.strip()).strip("_").upper()
    return found or "ZZZ"


@cache
def freq(period: str) -> str:
    """SDMX frequency of a period.

    >>> freq("2024"), freq("2025-S1"), freq("2024-Q3"), freq("2024-07")
    ('A', 'S', 'Q', 'M')
    """
    from marsad.periods import period_kind

    return FREQ[period_kind(period)]


def partner_code(partner: str) -> str:
    """COUNTERPART_AREA of a table partner (``_T`` is ``W1``).

    >>> partner_code("_T"), partner_code("FR")
    ('W1', 'FR')
    """
    return ALL_PARTNERS if partner == "_T" else partner


def unit_code(unit: str) -> str:
    """UNIT_MEASURE of a table unit.

    >>> unit_code("percent"), unit_code("MAD")
    ('PC', 'MAD')
    """
    return UNITS.get(unit, sdmx_id(unit))


def code_names() -> dict[str, dict[str, str]]:
    """Codes and English names of each coded component (e.g. ``{"FREQ": {"A": "Annual",
    ...}, ...}``), as the code lists have them (:mod:`marsad.publish.codes`, which the
    CSV bundle's enums read too).

    >>> code_names()["FREQ"]["A"]
    'Annual'
    """
    return _code_names()


def code_lists(rows: list[tuple[str, ...]] = ()) -> dict[str, Codelist]:
    """One code list per coded component, from the registry and the reference data,
    plus any code of ``rows`` not in them (named by its code); keyed by component id."""
    codes = {dim: dict(names) for dim, names in _code_names().items()}
    frame = data_frame(rows) if rows else None
    if frame is not None:
        for dim in codes:
            for code in frame[dim].dropna().unique():
                codes[dim].setdefault(str(code), str(code))
    return {
        dim: Codelist(
            id=f"CL_{dim}",
            name=CONCEPT_NAMES[dim],
            agency=agency(),
            version=VERSION,
            items=[Code(id=c, name=n) for c, n in names.items()],
        )
        for dim, names in codes.items()
    }


def _components(lists: dict[str, Codelist], scheme_id: str) -> Components:
    concepts = {
        cid: Concept(
            id=cid,
            name=name,
            urn=f"urn:sdmx:org.sdmx.infomodel.conceptscheme.Concept="
            f"{agency()}:{scheme_id}({VERSION}).{cid}",
        )
        for cid, name in CONCEPT_NAMES.items()
    }
    out = [
        Component(id=d, required=True, role=Role.DIMENSION, concept=concepts[d],
                  local_codes=lists[d])
        for d, _ in DIMENSIONS
    ]  # fmt: skip
    out.append(
        Component(id="TIME_PERIOD", required=True, role=Role.DIMENSION,
                  concept=concepts["TIME_PERIOD"], local_dtype=DataType.PERIOD)
    )  # fmt: skip
    out.append(
        Component(id="OBS_VALUE", required=False, role=Role.MEASURE,
                  concept=concepts["OBS_VALUE"], local_dtype=DataType.DECIMAL)
    )  # fmt: skip
    out.extend(
        Component(id=a, required=True, role=Role.ATTRIBUTE, concept=concepts[a],
                  local_codes=lists[a], attachment_level="O")
        for a in ATTRIBUTES
    )  # fmt: skip
    return Components(out)


def structure(rows: list[tuple[str, ...]] = ()) -> list:
    """The SDMX artefacts: code lists, concept scheme, data structure and dataflow.

    >>> [a.id for a in structure()][-3:]
    ['CS_DIGITAL_EXPORTS', 'DIGITAL_EXPORTS', 'DIGITAL_EXPORTS']
    """
    lists = code_lists(rows)
    scheme_id = f"CS_{ID}"
    components = _components(lists, scheme_id)
    scheme = ConceptScheme(
        id=scheme_id,
        name="Concepts of the digital exports indicators",
        agency=agency(),
        version=VERSION,
        items=[c.concept for c in components],
    )
    dsd = DataStructureDefinition(
        id=ID,
        name=NAME,
        agency=agency(),
        version=VERSION,
        components=components,
    )
    flow = Dataflow(
        id=ID,
        name=NAME,
        agency=agency(),
        version=VERSION,
        structure=dsd,
    )
    return [*lists.values(), scheme, dsd, flow]


def data_frame(rows: list[tuple[str, ...]]) -> pd.DataFrame:
    """The observations as SDMX columns (text; OBS_VALUE ``None`` when withheld or absent).

    >>> row = ("level", "exports", "2025-S1", "TOTAL", "_T", "_T", "13377000000.00", "MAD",
    ...        "P", "F", "R1")
    >>> data_frame([row]).iloc[0].to_dict()["OBS_VALUE"]
    '13377000000.00'
    """
    records = []
    for row in rows:
        r = dict(zip(COLUMNS, row, strict=True))
        records.append(
            {
                "FREQ": freq(r["period"]),
                "INDICATOR": r["indicator"],
                "FLOW": r["flow"],
                "SEGMENT": r["segment"],
                "SERVICE": r["service"],
                "COUNTERPART_AREA": partner_code(r["partner"]),
                "TIME_PERIOD": r["period"],
                "OBS_VALUE": r["value"] or None,
                "UNIT_MEASURE": unit_code(r["unit"]),
                "UNIT_MULT": "0",
                "OBS_STATUS": r["obs_status"],
                "CONF_STATUS": r["conf_status"],
            }
        )
    columns = [d for d, _ in DIMENSIONS] + ["TIME_PERIOD", "OBS_VALUE", *ATTRIBUTES]
    return pd.DataFrame.from_records(records, columns=columns)


def data_message(rows: list[tuple[str, ...]]) -> PandasDataset:
    """The observations as a pysdmx dataset of the data structure (values kept as text,
    exactly as the CSV writes them)."""
    dsd = structure()[-2]
    # written as text: pysdmx would otherwise turn a Decimal measure into a float
    as_text = Components(
        [
            msgspec.structs.replace(c, local_dtype=DataType.STRING) if c.id == "OBS_VALUE" else c
            for c in dsd.components
        ]
    )
    schema = msgspec.structs.replace(dsd, components=as_text).to_schema()
    return PandasDataset(structure=schema, data=data_frame(rows))


def header(publication: Publication) -> Header:
    """The message header: the publisher as sender, ``test`` when the data are synthetic."""
    return Header(
        id=sdmx_id(f"{ID}_{publication.release or 'build'}"),
        test=publication.synthetic,
        prepared=publication.stamp(),
        # pysdmx 1.21 escapes every name but the sender's: "A & B" made invalid XML
        sender=Organisation(id=sdmx_id(publication.publisher), name=escape(publication.publisher)),
    )


def write_sdmx_structure(rows: list[tuple[str, ...]], out: Path, publication: Publication) -> None:
    """The structure message (SDMX-ML 2.1): code lists, concepts, DSD and dataflow."""
    _write(structure(rows), Format.STRUCTURE_SDMX_ML_2_1, out, header(publication))


def write_sdmx_ml(rows: list[tuple[str, ...]], out: Path, publication: Publication) -> None:
    """The data as SDMX-ML 2.1 structure-specific data (series by key, TIME_PERIOD at the
    observation)."""
    dataset = data_message(rows)
    _write([dataset], Format.DATA_SDMX_ML_2_1_STR, out, header(publication),
           dimension_at_observation={dataset.short_urn: "AllDimensions"})  # fmt: skip


def write_sdmx_csv(rows: list[tuple[str, ...]], out: Path, publication: Publication) -> None:
    """The data as SDMX-CSV 2.0 (one line per observation)."""
    _write([data_message(rows)], Format.DATA_SDMX_CSV_2_0_0, out, None)


def data_text(rows: list[tuple[str, ...]], fmt: Format, publication: Publication,
              dimension_at_observation: str = "TIME_PERIOD") -> str:  # fmt: skip
    """The data message of ``rows`` as text in ``fmt`` (e.g. ``Format.DATA_SDMX_CSV_2_0_0``,
    or SDMX-ML 2.1 with series by key and ``TIME_PERIOD`` at the observation): what the
    web serves for a query."""
    dataset = data_message(rows)
    if fmt is Format.DATA_SDMX_CSV_2_0_0:
        return write_sdmx([dataset], fmt)
    at_obs = {dataset.short_urn: dimension_at_observation}
    return write_sdmx([dataset], fmt, header=header(publication), dimension_at_observation=at_obs)


def structure_text(artefacts: list, publication: Publication) -> str:
    """A structure message (SDMX-ML 2.1) of some of :func:`structure`'s artefacts."""
    return write_sdmx(artefacts, Format.STRUCTURE_SDMX_ML_2_1, header=header(publication))


def _write(content: list, fmt: Format, out: Path, head: Header | None, **kwargs) -> None:
    with atomic_path(out) as tmp:
        if head is None:
            write_sdmx(content, fmt, output_path=str(tmp), **kwargs)
        else:
            write_sdmx(content, fmt, output_path=str(tmp), header=head, **kwargs)
