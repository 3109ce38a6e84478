"""SDMX-JSON data messages, 2.0 and 1.0 (pysdmx writes SDMX-JSON structures only).

The message follows the official schema (``sdmx-json-data-schema.json`` 2.0.0): ``meta``
(id, test, prepared, sender), ``data.structures`` (the dimensions with the codes the
answer uses, the measure OBS_VALUE and the observation attributes) and one data set of
series keyed by code positions (``"0:0:0:0:0:0"``), each observation an array of the
value then the attributes' positions. Values are exact decimal strings
(``"13377000000.00"``), never floats; a withheld value is ``null`` and keeps its
CONF_STATUS.

>>> row = ("level", "exports", "2024", "TOTAL", "_T", "_T", "26170000000.00", "MAD",
...        "P", "F", "R1")
>>> msg = data_json([row], message_id="R1", test=True, sender="marsad",
...                 prepared="2025-10-15T00:00:00Z")
>>> msg["data"]["dataSets"][0]["series"]["0:0:0:0:0:0"]["observations"]["0"]
['26170000000.00', 0, 0, 0, 0]

SDMX-JSON 1.0 (:func:`data_json_v1`, for SDMX 2.1 clients such as sdmx1) has the same
data set and observations, with the components of the 1.0 schema (every value an ``id``
and a ``name``; dimensions and attributes by level: ``dataSet``, ``series``,
``observation``) in the layout SDMX 2.1 services and their clients use: ``header``,
``structure`` and ``dataSets`` at the top of the message.

>>> v1 = data_json_v1([row], message_id="R1", test=True, sender="marsad",
...                   prepared="2025-10-15T00:00:00Z")
>>> v1["dataSets"][0]["series"]["0:0:0:0:0:0"]["observations"]["0"][0]
'26170000000.00'
>>> v1["structure"]["dimensions"]["observation"][0]["values"]
[{'id': '2024', 'name': '2024'}]
"""

from __future__ import annotations

from marsad.publish import sdmx as psdmx

SCHEMA = (
    "https://raw.githubusercontent.com/sdmx-twg/sdmx-json/v2.0.0/"
    "data-message/tools/schemas/2.0.0/sdmx-json-data-schema.json"
)
URN = "urn:sdmx:org.sdmx.infomodel"
_SERIES = tuple(d for d, _ in psdmx.DIMENSIONS)


def _urns() -> tuple[str, str]:
    ref = f"{psdmx.agency()}:{psdmx.ID}({psdmx.VERSION})"
    return f"{URN}.datastructure.Dataflow={ref}", f"{URN}.datastructure.DataStructure={ref}"


def _index(records: list[dict]) -> tuple[dict, list[str], dict, dict[str, dict]]:
    """The codes each component uses, in order of use, and the series of ``records``
    keyed by code positions (``"0:0:0:0:0:0"``), each observation the value then the
    attributes' positions."""
    series_codes = {d: _distinct(records, d) for d in _SERIES}
    periods = _distinct(records, "TIME_PERIOD")
    attr_codes = {a: _distinct(records, a) for a in psdmx.ATTRIBUTES}
    series: dict[str, dict] = {}
    index = {d: {c: i for i, c in enumerate(codes)} for d, codes in series_codes.items()}
    at = {a: {c: i for i, c in enumerate(codes)} for a, codes in attr_codes.items()}
    when = {p: i for i, p in enumerate(periods)}
    for r in records:
        key = ":".join(str(index[d][r[d]]) for d in _SERIES)
        obs = series.setdefault(key, {"observations": {}})["observations"]
        obs[str(when[r["TIME_PERIOD"]])] = [
            _value(r["OBS_VALUE"]),
            *(at[a][r[a]] for a in psdmx.ATTRIBUTES),
        ]
    return series_codes, periods, attr_codes, series


def data_json(
    rows: list[tuple[str, ...]], *, message_id: str, test: bool, sender: str, prepared: str
) -> dict:
    """The SDMX-JSON 2.0 data message of ``rows`` (public table rows, in series order)."""
    series_codes, periods, attr_codes, series = _index(psdmx.data_frame(rows).to_dict("records"))
    flow_urn = _urns()[0]
    return {
        "meta": {
            "schema": SCHEMA,
            "id": psdmx.sdmx_id(f"{psdmx.ID}_{message_id}"),
            "test": test,
            "prepared": prepared,
            "contentLanguages": ["en"],
            "sender": {"id": psdmx.sdmx_id(sender), "name": sender},
        },
        "data": {
            "structures": [_structure(series_codes, periods, attr_codes)],
            "dataSets": [
                {
                    "structure": 0,
                    "action": "Information",
                    "links": [{"rel": "dataflow", "urn": flow_urn}],
                    "series": series,
                }
            ],
        },
    }


def data_json_v1(
    rows: list[tuple[str, ...]], *, message_id: str, test: bool, sender: str, prepared: str
) -> dict:
    """The SDMX-JSON 1.0 data message of ``rows`` (public table rows, in series order)."""
    series_codes, periods, attr_codes, series = _index(psdmx.data_frame(rows).to_dict("records"))
    names = psdmx.code_names()
    flow_urn, dsd_urn = _urns()
    return {
        "header": {
            "id": psdmx.sdmx_id(f"{psdmx.ID}_{message_id}"),
            "test": test,
            "prepared": prepared,
            "sender": {"id": psdmx.sdmx_id(sender), "name": sender},
        },
        "structure": {
            "links": [
                {"rel": "dataflow", "urn": flow_urn},
                {"rel": "datastructure", "urn": dsd_urn},
            ],
            "name": psdmx.NAME,
            "dimensions": {
                "dataSet": [],
                "series": [
                    _component(d, i, codes, names.get(d, {}))
                    for i, (d, codes) in enumerate(series_codes.items())
                ],
                "observation": [_time_v1(periods)],
            },
            "attributes": {
                "dataSet": [],
                "series": [],
                "observation": [
                    _attribute_v1(a, codes, names.get(a, {})) for a, codes in attr_codes.items()
                ],
            },
        },
        "dataSets": [
            {
                "action": "Information",
                "links": [{"rel": "dataflow", "urn": flow_urn}],
                "series": series,
            }
        ],
    }


def _time_v1(periods: list[str]) -> dict:
    return {
        "id": "TIME_PERIOD",
        "name": psdmx.CONCEPT_NAMES["TIME_PERIOD"],
        "keyPosition": len(_SERIES),
        "roles": ["TIME_PERIOD"],
        "values": [{"id": p, "name": p} for p in periods],
    }


def _attribute_v1(attr: str, codes: list[str], names: dict[str, str]) -> dict:
    return {
        "id": attr,
        "name": psdmx.CONCEPT_NAMES[attr],
        "relationship": {"primaryMeasure": "OBS_VALUE"},
        "values": [{"id": c, "name": names.get(c, c)} for c in codes],
    }


def _structure(
    series_codes: dict[str, list[str]], periods: list[str], attr_codes: dict[str, list[str]]
) -> dict:
    """The structure of the answer: only the codes it uses, in the order it uses them."""
    names = psdmx.code_names()
    flow_urn, dsd_urn = _urns()
    return {
        "links": [
            {"rel": "dataflow", "urn": flow_urn},
            {"rel": "datastructure", "urn": dsd_urn},
        ],
        "name": psdmx.NAME,
        "dimensions": {
            "series": [
                _component(d, i, codes, names.get(d, {}))
                for i, (d, codes) in enumerate(series_codes.items())
            ],
            "observation": [_time(periods)],
        },
        "measures": {"observation": [_measure()]},
        "attributes": {
            "observation": [
                _attribute(a, codes, names.get(a, {})) for a, codes in attr_codes.items()
            ]
        },
        "dataSets": [0],
    }


def _distinct(records: list[dict], column: str) -> list[str]:
    return list(dict.fromkeys(str(r[column]) for r in records))


def _component(dim: str, position: int, codes: list[str], names: dict[str, str]) -> dict:
    return {
        "id": dim,
        "name": psdmx.CONCEPT_NAMES[dim],
        "keyPosition": position,
        "values": [{"id": c, "name": names.get(c, c)} for c in codes],
    }


def _time(periods: list[str]) -> dict:
    return {
        "id": "TIME_PERIOD",
        "name": psdmx.CONCEPT_NAMES["TIME_PERIOD"],
        "keyPosition": len(_SERIES),
        "roles": ["TIME_PERIOD"],
        "values": [{"value": p} for p in periods],
    }


def _measure() -> dict:
    return {
        "id": "OBS_VALUE",
        "name": psdmx.CONCEPT_NAMES["OBS_VALUE"],
        "isMandatory": False,
        "format": {"dataType": "Decimal"},
    }


def _attribute(attr: str, codes: list[str], names: dict[str, str]) -> dict:
    return {
        "id": attr,
        "name": psdmx.CONCEPT_NAMES[attr],
        "isMandatory": True,
        "relationship": {"observation": {}},
        "values": [{"id": c, "name": names.get(c, c)} for c in codes],
    }


def _value(value: object) -> str | None:
    """The published value as text; ``None`` when withheld (empty in the table)."""
    return value if isinstance(value, str) and value else None
