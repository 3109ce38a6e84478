"""SDMX formats: which one a request asks for (``Accept`` or ``format=``), and the body.

Data: SDMX-ML 2.1 structure-specific (the default, also for ``*/*`` and
``application/xml``) or generic, SDMX-CSV 2.0 (also ``text/csv``), SDMX-JSON 2.0 (also
``application/json`` and the JSON type without a version) and SDMX-JSON 1.0 (asked with
``version=1.0.0``: what SDMX 2.1 clients such as sdmx1 read). Structures: SDMX-ML 2.1.
Anything else answers 406.

>>> negotiate_data("application/vnd.sdmx.data+csv;version=2.0.0", None)[0]
'csv'
>>> negotiate_data("text/html;q=0.9, application/json", None)
('json', 'application/vnd.sdmx.data+json; version=2.0.0')
>>> negotiate_data(None, "xml")[0]
'xml'
>>> negotiate_data("application/vnd.sdmx.data+json;version=1.0.0", None)
('json1', 'application/vnd.sdmx.data+json; version=1.0.0')
"""

from __future__ import annotations

import json

from pysdmx.io.format import Format

from marsad.errors import quoted
from marsad.publish import sdmx as psdmx
from marsad.publish.columns import Publication
from marsad.web.negotiate import parse
from marsad.web.problems import Problem
from marsad.web.sdmx_json import data_json, data_json_v1

XML_SS = "application/vnd.sdmx.structurespecificdata+xml; version=2.1"
XML_GENERIC = "application/vnd.sdmx.genericdata+xml; version=2.1"
CSV = "application/vnd.sdmx.data+csv; version=2.0.0"
JSON = "application/vnd.sdmx.data+json; version=2.0.0"
JSON_V1 = "application/vnd.sdmx.data+json; version=1.0.0"
TEXT_CSV = "text/csv; charset=utf-8"
STRUCTURE_XML = "application/vnd.sdmx.structure+xml; version=2.1"

#: media type -> (versions served: None is "no version given", kind, answer's type), in
#: order of preference when one media type has several versions
_DATA: dict[str, list[tuple[tuple[str | None, ...], str, str]]] = {
    "application/vnd.sdmx.structurespecificdata+xml": [((None, "2.1"), "xml", XML_SS)],
    "application/vnd.sdmx.genericdata+xml": [((None, "2.1"), "generic", XML_GENERIC)],
    "application/vnd.sdmx.data+csv": [((None, "2.0.0", "2.0"), "csv", CSV)],
    "text/csv": [((None,), "csv", TEXT_CSV)],
    "text/*": [((None,), "csv", TEXT_CSV)],
    "application/vnd.sdmx.data+json": [
        ((None, "2.0.0", "2.0"), "json", JSON),
        (("1.0.0", "1.0"), "json1", JSON_V1),
    ],
    "application/json": [((None,), "json", JSON)],
    "application/xml": [((None,), "xml", XML_SS)],
    "text/xml": [((None,), "xml", XML_SS)],
    "application/*": [((None,), "xml", XML_SS)],
    "*/*": [((None,), "xml", XML_SS)],
}
_STRUCTURE = {"application/vnd.sdmx.structure+xml", "application/xml", "text/xml",
              "application/*", "*/*"}  # fmt: skip
#: ``format=`` values (SDMX-REST's names too) and the kind each asks for.
FORMATS = {
    "xml": "xml", "structurespecificdata": "xml", "genericdata": "generic",
    "csv": "csv", "sdmx-csv": "csv", "csvfile": "csv",
    "json": "json", "jsondata": "json", "sdmx-json": "json",
    "json1": "json1", "sdmx-json-1.0": "json1",
}  # fmt: skip
_MEDIA = {"xml": XML_SS, "generic": XML_GENERIC, "csv": CSV, "json": JSON, "json1": JSON_V1}


def accepted(accept: str | None) -> list[tuple[str, str | None]]:
    """The (media type, version) pairs of an ``Accept`` header, most wanted first
    (``q=0`` left out; read by :func:`marsad.web.negotiate.parse`, so a bad
    ``q`` counts as 0 here as in the API).

    >>> accepted("text/csv;q=0.5, application/vnd.sdmx.data+json;version=2.0.0")
    [('application/vnd.sdmx.data+json', '2.0.0'), ('text/csv', None)]
    """
    ranges = sorted((r for r in parse(accept) if r.q > 0), key=lambda r: (-r.q, r.position))
    return [(r.media, r.version) for r in ranges]


def negotiate_data(accept: str | None, fmt: str | None) -> tuple[str, str]:
    """(kind, media type) of the data answer: ``format=`` first, else ``Accept``."""
    if fmt:
        kind = FORMATS.get(fmt.lower())
        if kind is None:
            raise Problem(400, f"format={fmt} is not served: use csv, json, json1 or xml")
        return kind, _MEDIA[kind]
    for media, version in accepted(accept):
        for versions, kind, answer in _DATA.get(media, ()):
            if version in versions:
                return kind, answer
    raise Problem(406, f"cannot answer in {quoted(accept or '')}: ask for {XML_SS}, {CSV} "
                  f"(or text/csv), {JSON} or {JSON_V1}")  # fmt: skip


def negotiate_structure(accept: str | None) -> str:
    """The media type of a structure answer (SDMX-ML 2.1), or 406."""
    for media, version in accepted(accept):
        if media in _STRUCTURE and version in (None, "2.1"):
            return STRUCTURE_XML
    raise Problem(
        406, f"cannot answer in {quoted(accept or '')}: structures are served as {STRUCTURE_XML}"
    )


def data_media() -> dict[str, dict]:
    """The data media types, for the OpenAPI ``responses`` of a data route."""
    return {m: {"schema": {"type": "string"}} for m in (XML_SS, XML_GENERIC, CSV, JSON, JSON_V1)}


def data_body(kind: str, rows: list[tuple[str, ...]], pub: Publication, at_obs: str) -> str:
    """The data message of ``rows`` in ``kind`` (xml, generic, csv, json or json1)."""
    if kind in ("json", "json1"):
        prepared = pub.stamp().strftime("%Y-%m-%dT%H:%M:%SZ")
        write = data_json if kind == "json" else data_json_v1
        message = write(rows, message_id=pub.release or "build", test=pub.synthetic,
                        sender=pub.publisher, prepared=prepared)  # fmt: skip
        return json.dumps(message, ensure_ascii=False, separators=(",", ":"))
    fmt = {
        "xml": Format.DATA_SDMX_ML_2_1_STR,
        "generic": Format.DATA_SDMX_ML_2_1_GEN,
        "csv": Format.DATA_SDMX_CSV_2_0_0,
    }[kind]
    return psdmx.data_text(rows, fmt, pub, at_obs)
