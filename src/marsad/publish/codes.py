"""The code lists of the indicator table, written once: the SDMX structure's code lists
(:func:`marsad.publish.sdmx.code_lists`) and the enums of the CSV bundle's data-package
descriptor (:func:`column_codes`) both read them here, so that the two never disagree.

Light: no pysdmx, no pandas (the bundle is written without them).

>>> code_names()["FREQ"]["A"]
'Annual'
>>> column_codes()["partner"][:1], "W1" in column_codes()["partner"]
(['_T'], False)
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from marsad.publish.columns import CONF_STATUS, FLOWS, OBS_STATUS

#: Code of the total over partners in COUNTERPART_AREA (IMF/ECB: rest of the world).
ALL_PARTNERS = "W1"
#: SDMX frequency of each kind of period.
FREQ = {"year": "A", "half": "S", "quarter": "Q", "month": "M"}
FREQ_NAMES = {"A": "Annual", "S": "Half-yearly", "Q": "Quarterly", "M": "Monthly"}
#: UNIT_MEASURE code of each unit of the registry (a unit not listed: its code upper-cased).
UNITS = {"MAD": "MAD", "percent": "PC", "percentage_points": "PP", "jobs": "PS"}
UNIT_NAMES = {
    "MAD": "Moroccan dirham",
    "PC": "Percent",
    "PP": "Percentage points",
    "PS": "Persons (jobs)",
}
#: The column of the indicator table (``marsad export --format csv``) coded by each SDMX
#: component; FREQ has no column (the period says it), UNIT_MULT neither (always units).
COLUMN_OF = {
    "INDICATOR": "indicator",
    "FLOW": "flow",
    "SEGMENT": "segment",
    "SERVICE": "service",
    "COUNTERPART_AREA": "partner",
    "UNIT_MEASURE": "unit",
    "OBS_STATUS": "obs_status",
    "CONF_STATUS": "conf_status",
}
#: How the table writes a code of a component where SDMX writes it otherwise.
_TABLE_CODE = {
    "COUNTERPART_AREA": {ALL_PARTNERS: "_T"},
    "UNIT_MEASURE": {code: unit for unit, code in UNITS.items()},
}


@cache
def code_names() -> dict[str, dict[str, str]]:
    """Codes and English names of each coded SDMX component (e.g. ``{"FREQ": {"A":
    "Annual", ...}, ...}``), from the registry and the reference data."""
    from marsad.indicators.registry import INDICATORS
    from marsad.reference import DDS, TOTAL, countries, ebops, segments

    return {
        "FREQ": dict(FREQ_NAMES),
        "INDICATOR": {i.id: i.label_en for i in INDICATORS.values()},
        "FLOW": dict(FLOWS),
        "SEGMENT": {
            TOTAL: "Total of the sector",
            **{s.code: s.name_en for s in segments().values()},
            DDS: "Digitally deliverable services of the sector",
        },
        "SERVICE": {
            "_T": "All services of the sector",
            **{c: s.name_en for c, s in ebops().items()},
        },
        "COUNTERPART_AREA": {
            ALL_PARTNERS: "Rest of the world (all partners)",
            **{c: row["name_en"] for c, row in countries().items()},
        },
        "UNIT_MEASURE": dict(UNIT_NAMES),
        "UNIT_MULT": {"0": "Units"},
        "OBS_STATUS": dict(OBS_STATUS),
        "CONF_STATUS": dict(CONF_STATUS),
    }


def column_codes(rows: Iterable[tuple[str, ...]] = ()) -> dict[str, list[str]]:
    """The codes each coded column of the indicator table may hold (e.g. ``{"flow":
    ["exports", ...], ...}``): the SDMX code list of its component (:data:`COLUMN_OF`),
    written as the table writes it (the total over partners ``_T``, not ``W1``; units
    ``percent``, not ``PC``), in the code list's order, then any code of ``rows`` (text
    rows in the order of :data:`~marsad.indicators.registry.COLUMNS`) not in it, as the
    SDMX structure adds them (:func:`marsad.publish.sdmx.code_lists`).

    >>> column_codes()["unit"]
    ['MAD', 'percent', 'percentage_points', 'jobs']
    """
    from marsad.indicators.registry import COLUMNS

    rows = list(rows)
    found = {}
    for dim, column in COLUMN_OF.items():
        written = _TABLE_CODE.get(dim, {})
        codes = [written.get(c, c) for c in code_names()[dim]]
        i = COLUMNS.index(column)
        codes += sorted({r[i] for r in rows if r[i]} - set(codes))
        found[column] = codes
    return found
