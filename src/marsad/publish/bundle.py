"""The indicator table as a CSV bundle: a zip with the CSV, a Frictionless data-package
descriptor (``datapackage.json``) and a README.

The descriptor gives each column's meaning and type, the code lists as enums (those of
the SDMX structure, :mod:`marsad.publish.codes`: segments, EBOPS services, partner
countries, flows, units, indicators, observation and confidentiality status; the
period as a pattern), the unit of each indicator, the licence, the source and the
release; ``frictionless`` validates the bundle in the tests.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

from marsad.indicators.registry import COLUMNS, INDICATORS
from marsad.publish.codes import column_codes
from marsad.publish.columns import COLUMN_NOTES, CONF_STATUS, OBS_STATUS, Publication
from marsad.publish.files import atomic_path

CSV_NAME = "indicators.csv"
LICENSE = {
    "name": "CC-BY-4.0",
    "path": "https://creativecommons.org/licenses/by/4.0/",
    "title": "Creative Commons Attribution 4.0",
}


def _member(name: str) -> zipfile.ZipInfo:
    """A file of the bundle, readable by everyone once unpacked (``-rw-r--r--``; ``writestr``
    with a bare name stored ``-rw-------``), dated 1980-01-01 so that the same table gives
    the same bytes."""
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o100644 << 16
    return info


#: How a period is written (``2024``, ``2024-S1``, ``2024-Q3``, ``2024-07``), as
#: :class:`marsad.periods.Period` reads it.
PERIOD_PATTERN = r"[0-9]{4}(-(S[12]|Q[1-4]|0[1-9]|1[0-2]))?"


def _field(name: str, codes: dict[str, list[str]]) -> dict:
    field: dict = {"name": name, "type": "string", "description": COLUMN_NOTES[name]}
    if name == "value":
        field.update(type="number", decimalChar=".")
    elif name == "period":
        field["constraints"] = {"pattern": PERIOD_PATTERN, "required": True}
    elif name in codes:
        field["constraints"] = {"enum": codes[name], "required": True}
    return field


def descriptor(rows: list[tuple[str, ...]], publication: Publication) -> dict:
    """The data-package descriptor of the bundle.

    >>> d = descriptor([], Publication(release="R1"))
    >>> d["resources"][0]["schema"]["primaryKey"]
    ['indicator', 'flow', 'period', 'segment', 'service', 'partner']
    """
    units = {i.id: {"unit": i.unit, "label": i.label_en, "formula": i.formula}
             for i in INDICATORS.values()}  # fmt: skip
    codes = column_codes(rows)
    package = {
        "name": "marsad-indicators",
        "title": publication.title,
        "version": publication.release or "build",
        # (a datetime, as the Data Package spec has it: a date alone fails validation)
        "created": f"{publication.release_date.isoformat()}T00:00:00Z"
        if publication.release_date
        else None,
        "licenses": [LICENSE],
        "sources": [{"title": publication.source}],
        "contributors": [{"title": publication.publisher, "role": "publisher"}],
        "description": " ".join(publication.notes()),
        "resources": [
            {
                "name": "indicators",
                "path": CSV_NAME,
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": {
                    "fields": [_field(c, codes) for c in COLUMNS],
                    "missingValues": [""],
                    "primaryKey": list(COLUMNS[:6]),
                },
            }
        ],
        "indicators": units,
    }
    return {k: v for k, v in package.items() if v is not None}


def readme(rows: list[tuple[str, ...]], publication: Publication) -> str:
    """The README of the bundle: what the file is, its columns, flags and notes."""
    lines = [f"# {publication.title}", ""]
    lines += [f"Release: {publication.release or 'last build'}",
              f"Publisher: {publication.publisher}", f"Source: {publication.source}",
              f"Rows: {len(rows)}", ""]  # fmt: skip
    lines += ["## Notes", "", *(f"- {n}" for n in publication.notes()), ""]
    lines += ["## Columns", "", *(f"- `{c}`: {COLUMN_NOTES[c]}" for c in COLUMNS), ""]
    lines += ["## Observation status (obs_status)", ""]
    lines += [f"- `{c}`: {n}" for c, n in OBS_STATUS.items()] + [""]
    lines += ["## Confidentiality (conf_status)", ""]
    lines += [f"- `{c}`: {n}" for c, n in CONF_STATUS.items()] + [""]
    lines += ["## Indicators", ""]
    lines += [f"- `{i.id}` ({i.unit}): {i.label_en}: {i.formula}" for i in INDICATORS.values()]
    lines += ["", "## Reading the CSV", "",
              "pandas and DuckDB read it without options; `value` is read as a float "
              "(exact to 15 significant digits). For exact sums, read `value` as a decimal, "
              "e.g. DuckDB `read_csv('indicators.csv', types={'value': 'DECIMAL(38,4)', "
              "'conf_status': 'VARCHAR'})`.", ""]  # fmt: skip
    return "\n".join(lines)


def write_bundle(rows: list[tuple[str, ...]], out: Path, publication: Publication) -> None:
    """Write the zip (CSV, ``datapackage.json``, ``README.md``) to ``out``, whole or not at all."""
    import csv

    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    package = json.dumps(descriptor(rows, publication), indent=2, ensure_ascii=False)
    with atomic_path(out) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in (
            (CSV_NAME, text.getvalue()),
            ("datapackage.json", package + "\n"),
            ("README.md", readme(rows, publication)),
        ):
            z.writestr(_member(name), content)
