"""Rows and columns a workbook hides: loaded like the others, and said.

A row hidden in Excel (hidden by hand, filtered out, or in a collapsed group) is still a
row of the sheet, and marsad loads it: nothing in the file is lost by being out of
sight. But whoever hid it may have meant it out of the figures (a cancelled payment, a
copy kept for reference), so the load says which (``note: sheet 'Data': 5 hidden rows
read as the others: rows 5-9; …``), as it says which cells it read from merged cells
(:mod:`marsad.ingest.merged`). So does a hidden column that holds a field, and a hidden
sheet read because ``--sheet`` named it (marsad reads no hidden sheet otherwise).

Found in an ``.xlsx``/``.xlsm`` sheet's XML (``<row r="5" hidden="1">``, ``<col min="3"
max="3" hidden="1"/>``) and an ``.ods`` file's ``content.xml``
(``table:visibility="collapse"`` or ``"filter"``); python-calamine does not give them.
An ``.xls`` (Excel 97-2003) or ``.xlsb`` workbook is read without this note.

>>> spans([5, 6, 7, 8, 9, 12, 20, 21])
'5-9, 12, 20-21'
>>> spans(list(range(1, 200, 2)), most=3)
'1, 3, 5 and 97 more'
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from marsad.ingest.merged import column_letters
from marsad.ingest.xlsx_errors import ods_table_events, sheet_xml

_ROW = re.compile(r"<row\b([^>]*?)/?>")
_COL = re.compile(r"<col\b([^>]*?)/?>")
_ATTR = re.compile(r'\b(r|hidden|min|max)="([^"]*)"')
#: Ranges of row numbers a note shows at most; the rest are counted.
MOST_SPANS = 8
#: Rows of an ``.ods`` sheet counted at most (a hidden run repeated to the sheet's end).
_ODS_ROWS = 1_048_576


@dataclass
class Hidden:
    """What a sheet hides: its hidden rows (1-based) and columns (0-based)."""

    rows: set[int] = field(default_factory=set)
    columns: set[int] = field(default_factory=set)


def _true(value: str | None) -> bool:
    return value in ("1", "true")


def xlsx_hidden(xml: str) -> Hidden:
    """The hidden rows and columns of a sheet's XML.

    >>> h = xlsx_hidden('<cols><col min="2" max="3" hidden="1"/><col min="4" max="4"/></cols>'
    ...                 '<row r="2"><c/></row><row r="4" hidden="1"><c/></row><row hidden="1"/>')
    >>> sorted(h.rows), sorted(h.columns)
    ([4, 5], [1, 2])
    """
    out = Hidden()
    if 'hidden="' not in xml:
        return out
    row = 0
    for attrs in _ROW.findall(xml):
        found = dict(_ATTR.findall(attrs))
        row = int(found["r"]) if found.get("r", "").isdigit() else row + 1  # (r is optional)
        if _true(found.get("hidden")):
            out.rows.add(row)
    for attrs in _COL.findall(xml):
        found = dict(_ATTR.findall(attrs))
        if _true(found.get("hidden")) and found.get("min", "").isdigit():
            first = int(found["min"])
            last = int(found["max"]) if found.get("max", "").isdigit() else first
            out.columns.update(range(first - 1, min(last, 16_384)))
    return out


_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"


def ods_hidden(path: Path, sheet: str) -> Hidden:
    """The hidden (collapsed or filtered out) rows and columns of ``sheet`` of an ``.ods``."""
    out = Hidden()
    row, col = 1, 0
    try:
        for event, el in ods_table_events(path, sheet):
            hidden = el.get(f"{_TABLE}visibility", "visible") != "visible"
            if el.tag == f"{_TABLE}table-row" and event == "start":
                repeat = int(el.get(f"{_TABLE}number-rows-repeated", "1"))
                if hidden:
                    out.rows.update(range(row, min(row + repeat, _ODS_ROWS + 1)))
                row += repeat
            elif el.tag == f"{_TABLE}table-column" and event == "start":
                repeat = int(el.get(f"{_TABLE}number-columns-repeated", "1"))
                if hidden:
                    out.columns.update(range(col, min(col + repeat, 16_384)))
                col += repeat
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, SyntaxError):
        return out  # (ElementTree's ParseError is a SyntaxError) what was found so far
    return out


def hidden_in(path: Path, sheet: str) -> Hidden:
    """The rows and columns ``sheet`` of the workbook ``path`` hides (none found in a
    format other than ``.xlsx``, ``.xlsm`` and ``.ods``)."""
    if path.suffix.lower() == ".ods":
        return ods_hidden(path, sheet)
    return xlsx_hidden(sheet_xml(path, sheet))


def spans(numbers: list[int], most: int = MOST_SPANS) -> str:
    """Sorted row numbers as ranges (``5-9, 12``), the first ``most`` shown and the rest
    counted (``and 97 more``)."""
    runs: list[list[int]] = []
    for n in sorted(numbers):
        if runs and n == runs[-1][1] + 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    shown = ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in runs[:most])
    rest = sum(b - a + 1 for a, b in runs[most:])
    return shown + (f" and {rest:,} more" if rest else "")


def hidden_note(
    sheet: str,
    hidden: Hidden,
    rows: list[int],
    columns: dict[int, str],
    *,
    sheet_hidden: bool = False,
) -> str | None:
    """The load report's note on what ``sheet`` hides among what was read: ``rows`` (the
    1-based numbers of the rows read, holding data) and ``columns`` (0-based index ->
    the field it holds); ``None`` when it hides none of them.

    >>> hidden_note("Data", Hidden({5, 6, 7, 30}, {5}), [4, 5, 6, 7, 8], {5: "amount"})
    "sheet 'Data': 3 hidden rows read as the others: rows 5-7; the hidden column F (amount) read as the others (hidden in Excel, perhaps to leave them out: if they are not to be loaded, delete them from the file, withdraw this load and load it again)"
    """  # noqa: E501
    said = []
    if sheet_hidden:
        said.append(f"the sheet is hidden in the workbook: its {len(rows):,} rows read")
    read_hidden = sorted(hidden.rows.intersection(rows))
    if read_hidden and not sheet_hidden:
        n = len(read_hidden)
        said.append(f"{n:,} hidden row{'s' if n != 1 else ''} read as the others: "
                    f"row{'s' if n != 1 else ''} {spans(read_hidden)}")  # fmt: skip
    cols = [f"{column_letters(i)} ({columns[i]})" for i in sorted(hidden.columns & columns.keys())]
    if cols:
        what = "the hidden column" if len(cols) == 1 else "the hidden columns"
        said.append(f"{what} {', '.join(cols)} read as the others")
    if not said:
        return None
    return (
        f"sheet {sheet!r}: {'; '.join(said)} (hidden in Excel, perhaps to leave them out: "
        "if they are not to be loaded, delete them from the file, withdraw this load and "
        "load it again)"
    )
