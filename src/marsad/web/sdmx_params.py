"""What the SDMX routes take of each parameter, stated in the OpenAPI schema.

The routes check their parameters themselves, with messages in SDMX's terms
(``format=COM is not served: use csv, json, json1 or xml``); this module says the same in
JSON Schema, so that a request the schema calls valid is never refused with a 400
(Schemathesis's ``positive_data_acceptance``, run by a plain ``st run``: it sent
``dimensionAtObservation=AUX``, ``format=COM`` and ``c[TIME_PERIOD]=COM``, valid by a
schema that said only "a string"). Each pattern is the server's own reading, tested
against it (``tests/unit/web/test_sdmx_params.py``).

The path parameters get examples (``dataflow``, the agency, ``DIGITAL_EXPORTS``,
``1.0``), so that a client or a fuzzer finds the data rather than only 404s.

>>> import re
>>> [bool(re.fullmatch(TIME_PATTERN, t)) for t in ("ge:2023+le:2024-Q2", "2024,eq:2020-S1",
...                                                  "ge:2023 le:2024", "ne:2023", "COM")]
[True, True, True, False, False]
>>> [bool(re.fullmatch(BOUND_PATTERN, t)) for t in ("2024-02-29", "2023-02-29", "2024-04-31")]
[True, False, False]
>>> [bool(re.fullmatch(KEY_PATTERN, k)) for k in ("A.level.exports.._T.W1", "*", "A.b.c.d.e.f.g",
...                                                 "A..ITO+CRM", "A..ITO++CRM", "A..+")]
[True, True, False, True, False, False]
"""

from __future__ import annotations

import re

from marsad.dates import YEAR
from marsad.publish import sdmx as psdmx
from marsad.web.sdmx_formats import FORMATS
from marsad.web.sdmx_query import KEY, OPERATORS
from marsad.web.sdmx_structures import REFERENCES

#: A day of a month other than February 29 (``01-31``, ``04-30``, ``02-28``; not
#: ``04-31``, ``02-30``, ``13-01`` or ``01-00``).
_MONTH_DAY = (
    r"((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])"
    r"|(0[469]|11)-(0[1-9]|[12][0-9]|30)|02-(0[1-9]|1[0-9]|2[0-8]))"
)
#: A leap year of four digits (``2024``, ``2000``, ``0004``; not ``2023``, ``1900`` or
#: ``0000``, which no calendar date has: :data:`marsad.dates.YEAR`).
_LEAP_YEAR = r"([0-9]{2}(0[48]|[2468][048]|[13579][26])|(0[48]|[2468][048]|[13579][26])00)"
#: A period as :meth:`~marsad.periods.Period.typed` reads it (``2024``, ``2024-S2``,
#: ``2024-q1``, ``2024-07``; a year of :data:`marsad.dates.YEAR`, never ``0000``, as the
#: REST API's), or a day of the calendar, taken as its month
#: (:func:`.period_bound`): ``2024-02-29`` but not ``2023-02-29`` or ``2024-02-30``,
#: which the server refuses with a 400 (a pattern admitting them made that 400 a
#: failure of Schemathesis's ``positive_data_acceptance``).
BOUND = (
    rf"({YEAR}(-([Ss][12]|[Qq][1-4]|0[1-9]|1[0-2]|{_MONTH_DAY}))?"
    rf"|{_LEAP_YEAR}-02-29)"
)
BOUND_PATTERN = f"^{BOUND}$"
#: ``updatedAfter``: a day of the calendar, or a day and a time of day with or without a
#: zone (``2025-10-15T08:00:00Z``, ``2025-10-15T08:00+01:00``), as
#: :func:`.updated_after` reads it.
_TIME_OF_DAY = r"[T ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?"
_ZONE = r"(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])?"
INSTANT_PATTERN = rf"^({YEAR}-{_MONTH_DAY}|{_LEAP_YEAR}-02-29)({_TIME_OF_DAY}{_ZONE})?$"
#: ``c[TIME_PERIOD]``: conditions ``op:period`` (``op`` one of :data:`.OPERATORS`, or
#: none for ``eq``) joined by ``+`` (a space once form-decoded) for "and", alternatives by
#: ``,`` for "or" (:func:`.parse_time`).
_CONDITION = f"(({'|'.join(OPERATORS)})?:)?{BOUND}"
_ALL_OF = f" *{_CONDITION}([+ ]+{_CONDITION})* *"
TIME_PATTERN = f"^{_ALL_OF}(,{_ALL_OF})*$"
#: A key: at most one part per dimension, separated by dots, each blank (every code) or
#: codes joined by ``+`` or ``,``, none empty (:func:`.split_codes`; a code the release
#: does not have is a 404 NoResultsFound naming it, not a 400).
_CODE = r"[^.+,]*[^.+,\s][^.+,]*"
_PART = rf"(\s*|{_CODE}([+,]{_CODE})*)"
KEY_PATTERN = rf"^{_PART}(\.{_PART}){{0,{len(KEY) - 1}}}$"


def _any_case(words: list[str]) -> str:
    """A pattern matching any of ``words`` in any case (the server lowers ``format``).

    >>> _any_case(["csv", "json1"])
    '^([cC][sS][vV]|[jJ][sS][oO][nN]1)$'
    >>> re.fullmatch(_any_case(["sdmx-json-1.0"]), "SDMX-JSON-1x0")  # a dot is a dot
    """
    one = [
        "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else re.escape(c) for c in w)
        for w in words
    ]
    return f"^({'|'.join(one)})$"


#: The constraints of each query or path parameter of the SDMX routes, by name.
CONSTRAINTS: dict[str, dict] = {
    "key": {"pattern": KEY_PATTERN},
    "c[TIME_PERIOD]": {"pattern": TIME_PATTERN},
    "startPeriod": {"pattern": BOUND_PATTERN},
    "endPeriod": {"pattern": BOUND_PATTERN},
    "updatedAfter": {"pattern": INSTANT_PATTERN},
    "format": {"pattern": _any_case(sorted(FORMATS))},
    "dimensionAtObservation": {"enum": ["TIME_PERIOD", "AllDimensions"]},
    "detail": {"enum": ["full", "dataonly"]},
    "references": {"enum": list(REFERENCES)},
}  # fmt: skip


def examples() -> dict[str, list[str]]:
    """Examples of the path parameters: the dataflow's own names."""
    return {"context": ["dataflow"], "agency": [psdmx.agency()], "flow": [psdmx.ID],
            "rid": [psdmx.ID], "version": [psdmx.VERSION]}  # fmt: skip


def constrain(schema: dict, strings) -> None:
    """Add :data:`CONSTRAINTS` and :func:`examples` to the SDMX routes' parameters of
    ``schema`` (an OpenAPI document), ``strings`` giving the string schemas of one."""
    shown = examples()
    for path, item in schema.get("paths", {}).items():
        if not path.startswith("/sdmx/"):
            continue
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                name = parameter.get("name")
                for kind in strings(parameter.get("schema", {})):
                    kind.update(CONSTRAINTS.get(name, {}))
                if parameter.get("in") == "path" and name in shown:
                    parameter.setdefault("examples", {"dataflow": {"value": shown[name][0]}})
