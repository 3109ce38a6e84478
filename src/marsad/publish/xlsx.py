"""The indicator table as an Excel workbook that follows the good-practice guidance for
statistical spreadsheets (written with gptables, the UK statistics office's library).

A cover sheet (title, source, release, publisher, contact, notes), a contents sheet,
then one sheet per table: levels by segment, by service and by partner; growth;
shares; contributions; progress; year to date; and, when the table has them, the old
series and the 2030 tracker. Any other indicator of the registry gets a sheet of its
own, so that a new indicator appears without a change here.

Values are numbers, in the unit of the header (levels in MAD to the centime,
percentages as the CSV rounds them: the same figures as the CSV, rounded once). A
withheld value is ``[c]``; a value the table does not have, ``[x]``. The status
column carries the observation status in shorthand: ``[p]`` provisional, ``[b]`` break
in series, ``[e]`` estimated; empty for a final value.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pandas as pd

from marsad.indicators.registry import COLUMNS, INDICATORS
from marsad.publish.columns import Publication
from marsad.publish.files import atomic_path

#: Shorthand of each observation status (GSS/ONS shorthand notation).
STATUS_SHORTHAND = {"A": "", "P": "[p]", "B": "[b]", "E": "[e]"}
LEGEND = [
    "[c] = confidential (withheld to protect the firms' figures)",
    "[x] = not available",
    "[p] = provisional",
    "[b] = break in series",
    "[e] = estimated",
]
INSTRUCTIONS = (
    "This worksheet contains one table. Values are numbers in the unit of the header; "
    "an empty status is a final value; shorthand is explained in the legend."
)
DIMENSIONS = ("flow", "period", "segment", "service", "partner")


@dataclass(frozen=True)
class Sheet:
    """One table of the workbook (e.g. ``Growth``: indicator growth_yoy, every breakdown)."""

    name: str
    title: str
    indicators: tuple[str, ...]
    keep: Callable[[dict[str, str]], bool] = lambda r: True


SHEETS = (
    Sheet("Levels_segment", "Levels by segment", ("level",),
          lambda r: r["service"] == "_T" and r["partner"] == "_T"),
    Sheet("Levels_service", "Levels by service (EBOPS 2010)", ("level",),
          lambda r: r["service"] != "_T"),
    Sheet("Levels_partner", "Levels by partner country (all services)", ("level",),
          lambda r: r["service"] == "_T" and r["partner"] != "_T"),
    Sheet("Growth", "Year-on-year growth", ("growth_yoy",)),
    Sheet("Shares", "Shares", ("share",)),
    Sheet("Contributions", "Contributions to growth", ("contribution",)),
    Sheet("Progress", "Progress against the previous full year", ("progress_prev_year",)),
    Sheet("Year_to_date", "Year to date", ("ytd_level", "ytd_growth_yoy")),
    Sheet("Old_series", "Old 'offshoring' series (break in series)", ("level_old_scope",)),
    Sheet("Tracker_2030", "2030 targets tracker",
          ("target_level", "target_share", "target_required_growth", "target_recent_growth",
           "target_projected_level", "jobs", "jobs_target_level", "jobs_target_share")),
)  # fmt: skip


def sheets_for(rows: list[dict[str, str]]) -> list[Sheet]:
    """The sheets of a table: :data:`SHEETS`, then one per other indicator present."""
    covered = {i for s in SHEETS for i in s.indicators}
    extra = sorted({r["indicator"] for r in rows} - covered)
    return [*SHEETS, *(Sheet(_sheet_name(i), _label(i), (i,)) for i in extra)]


def _sheet_name(indicator: str) -> str:
    return indicator[:31]


def _label(indicator: str) -> str:
    found = INDICATORS.get(indicator)
    return found.label_en if found else indicator


def cell(row: dict[str, str]) -> float | str:
    """What a cell shows: the value as a number, ``[c]`` when withheld, ``[x]`` when absent.

    >>> cell({"value": "3.4971", "conf_status": "F"}), cell({"value": "", "conf_status": "D"})
    (3.4971, '[c]')
    """
    if row["conf_status"] != "F" and not row["value"]:
        return "[c]"
    return float(Decimal(row["value"])) if row["value"] else "[x]"


def sheet_frame(rows: list[dict[str, str]]) -> tuple[pd.DataFrame, dict[str, str] | None]:
    """The rows of one sheet as a table, and the units of its value columns."""
    units = sorted({r["unit"] for r in rows})
    indicators = sorted({r["indicator"] for r in rows})
    varying = [d for d in DIMENSIONS if len({r[d] for r in rows}) > 1] or ["period"]
    data: dict[str, list] = {}
    if len(indicators) > 1:
        data["Indicator"] = [r["indicator"] for r in rows]
    for d in varying:
        data[d.capitalize()] = [r[d] for r in rows]
    data["Value"] = [cell(r) for r in rows]
    if len(units) > 1:
        data["Unit"] = [r["unit"] for r in rows]
    data["Status"] = [STATUS_SHORTHAND.get(r["obs_status"], r["obs_status"]) for r in rows]
    return pd.DataFrame(data), ({"Value": units[0]} if len(units) == 1 else None)


def _constant_note(rows: list[dict[str, str]]) -> str:
    fixed = [f"{d} {rows[0][d]}" for d in DIMENSIONS if len({r[d] for r in rows}) == 1]
    return "All rows: " + ", ".join(fixed) if fixed else ""


def _tables(rows: list[dict[str, str]], publication: Publication) -> dict:
    import gptables as gpt

    out = {}
    for sheet in sheets_for(rows):
        chosen = [r for r in rows if r["indicator"] in sheet.indicators and sheet.keep(r)]
        if not chosen:
            continue
        frame, units = sheet_frame(chosen)
        out[sheet.name] = gpt.GPTable(
            table=frame,
            table_name=sheet.name.lower(),
            title=sheet.title,
            subtitles=[s for s in (_constant_note(chosen), *publication.notes()[:1]) if s],
            scope="Exports of digital and outsourced services",
            source=publication.source,
            units=units,
            legend=LEGEND,
            instructions=INSTRUCTIONS,
            index_columns={2: 0},
        )
    return out


def _cover(publication: Publication):
    import gptables as gpt

    def day(d):
        return d.isoformat() if d else "not set"

    about = [
        f"Release: {publication.release or 'last build'}",
        f"Published: {day(publication.release_date)}",
        f"Next release: {day(publication.next_release_date)}",
        f"Publisher: {publication.publisher}",
        f"Source: {publication.source}",
        *publication.notes(),
    ]
    contact = [publication.contact] if publication.contact else [publication.publisher]
    return gpt.Cover(
        title=publication.title, intro=["One table per sheet; see the contents sheet."],
        about=about, contact=contact,
    )  # fmt: skip


def write_xlsx(rows: list[tuple[str, ...]], out: Path, publication: Publication) -> None:
    """Write the workbook to ``out``, whole or not at all."""
    import gptables as gpt
    from xlsxwriter.exceptions import FileCreateError

    records = [dict(zip(COLUMNS, r, strict=True)) for r in rows]
    with warnings.catch_warnings():
        # gptables warns of every empty cell: an empty status is a final value (instructions)
        warnings.simplefilter("ignore", UserWarning)
        tables = _tables(records, publication)
        with atomic_path(out) as tmp:
            try:
                gpt.write_workbook(
                    filename=str(tmp), sheets=tables, cover=_cover(publication), auto_width=False
                )
            except FileCreateError as exc:  # an OS fault, as the other writers raise it
                cause = exc.args[0] if exc.args and isinstance(exc.args[0], OSError) else None
                raise (cause or OSError(str(exc))) from exc
