"""The indicator table as an Excel workbook that follows the good-practice guidance for
statistical spreadsheets (written with gptables, the UK statistics office's library).

A cover sheet (title, source, release, publisher, contact, notes), a contents sheet,
then one sheet per table: levels by segment, by service and by partner; growth;
shares; contributions; progress; year to date; and, when the table has them, the old
series and the 2030 tracker. Any other indicator of the registry gets a sheet of its
own, so that a new indicator appears without a change here.

Each sheet is a **wide table** (:mod:`marsad.publish.wide`): one row per series (e.g.
exports x ITO x France), code and name columns for what tells the series apart, then
one column per period (years, halves, quarters, months). The unit is in the title, or
in a ``Unit`` column when the sheet mixes units. Values are numbers (levels in MAD to
the centime, percentages as the CSV rounds them: the same figures as the CSV, rounded
once). A withheld value is ``[c]``; a value the table does not have, ``[x]``. A
period's header carries the status of its values: ``2025-S1 [p]`` provisional,
``2023 [b]`` break in series, ``[e]`` estimated.

Wide sheets are also what makes the workbook quick: gptables formats row by row and
writes cell by cell, so 68,699 observations written one row each took 32 s; as about
2,100 series rows (70,000 value cells) it takes about 4 s.
"""

from __future__ import annotations

import gc
import sys
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from marsad.indicators.registry import COLUMNS, INDICATORS
from marsad.publish.columns import Publication
from marsad.publish.files import atomic_path
from marsad.publish.marks import MISSING, WITHHELD
from marsad.publish.wide import Wide, pivot

LEGEND = [
    f"{WITHHELD} = confidential (withheld to protect the firms' figures)",
    f"{MISSING} = not available",
    "[p] = provisional (after a period in a column header: the values of that period)",
    "[b] = break in series (after a period in a column header)",
    "[e] = estimated (after a period in a column header)",
]
INSTRUCTIONS = (
    "This worksheet contains one table: one row per series, one column per period (years, "
    "then halves, quarters and months). Values are numbers in the unit of the title or of "
    "the Unit column; shorthand is explained in the legend."
)
#: How the title names each unit, and the number format of its values.
UNITS = {
    "MAD": ("MAD (dirhams, to the centime)", "#,##0.00"),
    "percent": ("percent", None),
    "percentage_points": ("percentage points", None),
    "jobs": ("jobs", "#,##0"),
}


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


def sheet_table(sheet: Sheet, rows: list[dict[str, str]], publication: Publication):
    """The gptables table of one sheet (e.g. ``Levels_segment``) from its rows."""
    import gptables as gpt

    wide = pivot(rows, sheet.indicators)
    units = sorted(set(wide.units))
    title = sheet.title if len(units) > 1 else f"{sheet.title}, in {_unit_name(units[0])}"
    notes = [f"All rows: {wide.constant}" if wide.constant else "", *wide.notes]
    return gpt.GPTable(
        table=pd.DataFrame(wide.body, columns=wide.header),
        table_name=sheet.name.lower(),
        title=title,
        subtitles=[s for s in (*notes, *publication.notes()[:1]) if s],
        scope="Exports of digital and outsourced services",
        source=publication.source,
        legend=legend(wide),
        instructions=INSTRUCTIONS,
        index_columns={2: 0},
        additional_formatting=[
            # numbers right-aligned in every period column (gptables left-aligned those
            # whose header had no shorthand), header included
            {
                "column": {
                    "columns": list(range(wide.labels, len(wide.header))),
                    "format": {"align": "right"},
                    "include_names": True,
                }
            },
            *_number_formats(wide.units),
        ],
    )


def legend(wide: Wide) -> list[str]:
    """The lines of :data:`LEGEND` for the shorthand the sheet uses (e.g. ``[c]``, ``[p]``)."""
    used = {c for row in wide.body for c in row[wide.labels :] if isinstance(c, str)}
    used |= {mark for h in wide.header[wide.labels :] for mark in h.split()[1:]}
    return [line for line in LEGEND if line.split(" = ")[0] in used]


def _unit_name(unit: str) -> str:
    return UNITS.get(unit, (unit, None))[0]


def _number_formats(units: list[str]) -> list[dict]:
    """Thousands separators for money and jobs, row by row (a sheet may mix units)."""
    rows: dict[str, list[int]] = {}
    for n, unit in enumerate(units, start=1):  # row 0 is the header
        if UNITS.get(unit, (unit, None))[1]:
            rows.setdefault(UNITS[unit][1], []).append(n)
    return [
        {"row": {"rows": at, "format": {"num_format": fmt}, "include_names": False}}
        for fmt, at in rows.items()
    ]


def column_width(values) -> int:
    """Width of a column, in characters, for its longest cell as shown (numbers with
    thousands separators and two decimals), between 8 and 60.

    >>> column_width(["Segment", 13377000000.0, "[c]"])
    19
    """
    longest = max(len(f"{v:,.2f}") if isinstance(v, float | int) else len(str(v)) for v in values)
    return min(max(longest + 2, 8), 60)


def _set_widths(sheet, frame: pd.DataFrame) -> None:
    """Columns wide enough for their header and cells (gptables' own sizing measures
    every cell's font and took longer than writing the cells)."""
    for n, column in enumerate(frame.columns):
        sheet.set_column(n, n, column_width([column, *frame[column]]))


def _tables(rows: list[dict[str, str]], publication: Publication) -> dict:
    by_indicator: dict[str, list[dict[str, str]]] = {}
    for r in rows:
        by_indicator.setdefault(r["indicator"], []).append(r)
    out = {}
    for sheet in sheets_for(rows):
        of_sheet = (r for i in sheet.indicators for r in by_indicator.get(i, ()))
        chosen = [r for r in of_sheet if sheet.keep(r)]
        if chosen:
            out[sheet.name] = sheet_table(sheet, chosen, publication)
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


def _let_go(exc: BaseException) -> None:
    """Let go, now and quietly, of what the failed write holds: xlsxwriter leaves its
    zip file open when a write fails (a full disk), and when it was collected its close
    failed again, which Python printed after the plain line ("Exception ignored in:
    <function ZipFile.__del__>" and a traceback)."""
    hook = sys.unraisablehook
    sys.unraisablehook = lambda u: None if isinstance(u.exc_value, OSError) else hook(u)
    seen: list[BaseException] = []
    todo: list[object] = [exc]
    while todo:  # the error, the one it wraps (FileCreateError's argument), their causes
        e = todo.pop()
        if isinstance(e, BaseException) and not any(e is x for x in seen):
            seen.append(e)
            todo += [e.__context__, e.__cause__, *e.args]
    try:
        for e in seen:
            traceback.clear_frames(e.__traceback__)
        gc.collect()
    finally:
        sys.unraisablehook = hook


def write_xlsx(rows: list[tuple[str, ...]], out: Path, publication: Publication) -> None:
    """Write the workbook to ``out``, whole or not at all."""
    import gptables as gpt
    from xlsxwriter.exceptions import FileCreateError

    records = [dict(zip(COLUMNS, r, strict=True)) for r in rows]
    with warnings.catch_warnings():
        # gptables warns of pandas' chained assignments and of empty cells (there are none)
        warnings.simplefilter("ignore", UserWarning)
        tables = _tables(records, publication)
        with atomic_path(out) as tmp:
            try:
                book = gpt.produce_workbook(
                    filename=str(tmp), sheets=tables, cover=_cover(publication), auto_width=False
                )
                for name, table in tables.items():
                    _set_widths(book.get_worksheet_by_name(name), table.table)
                # (xlsxwriter's 'created' is also the 'modified' of docProps/core.xml)
                stamp = publication.stamp().replace(tzinfo=None)
                book.set_properties({"title": publication.title, "created": stamp})
                book.close()
            except FileCreateError as exc:  # an OS fault, as the other writers raise it
                _let_go(exc)
                cause = exc.args[0] if exc.args and isinstance(exc.args[0], OSError) else None
                raise (cause or OSError(str(exc))) from exc
            except OSError as exc:
                _let_go(exc)
                raise
