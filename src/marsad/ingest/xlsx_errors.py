"""Excel error cells (``#N/A``, ``#DIV/0!``, …), which python-calamine reads as
empty: found in the sheet's XML, where Excel stores them as ``t="e"`` cells; and
formula cells whose value was never computed (a program that does not calculate,
such as openpyxl, stores the formula and no value), which it reads as empty too: in
an ``.xlsx``/``.xlsm`` sheet's XML, or an ``.ods`` file's ``content.xml``.

>>> column_index("A"), column_index("AB")
(0, 27)
"""

from __future__ import annotations

import html
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

#: The errors Excel shows, and what each means in plain words.
ERRORS = {
    "#N/A": "a formula that failed",
    "#DIV/0!": "a formula that divided by zero",
    "#VALUE!": "a formula that failed",
    "#REF!": "a formula that refers to a deleted cell",
    "#NAME?": "a formula that failed",
    "#NUM!": "a formula that failed",
    "#NULL!": "a formula that failed",
    "#GETTING_DATA": "a formula still computing",
    "#SPILL!": "a formula that failed",
    "#CALC!": "a formula that failed",
}

_SHEET = re.compile(r'<sheet\b[^>]*?\bname="([^"]*)"[^>]*?\br:id="([^"]*)"')
_REL = re.compile(r'<Relationship\b[^>]*?\bId="([^"]*)"[^>]*?\bTarget="([^"]*)"')
_REL_REVERSED = re.compile(r'<Relationship\b[^>]*?\bTarget="([^"]*)"[^>]*?\bId="([^"]*)"')
_ERROR_CELL = re.compile(r'<c\s([^>]*\bt="e"[^>]*)>(.*?)</c>', re.S)
_REF = re.compile(r'\br="([A-Z]+)(\d+)"')
_VALUE = re.compile(r"<v>([^<]*)</v>")
# a cell with content (not self-closed), holding a formula
_CELL = re.compile(r"<c\s([^>]*[^/])>(.*?)</c>", re.S)
_FORMULA = re.compile(r"<f\b[^>]*?(?:/>|>(.*?)</f>)", re.S)
_TYPE = re.compile(r'\bt="([^"]*)"')


def column_index(letters: str) -> int:
    """0-based index of an Excel column (``A`` -> 0)."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def _unescape(text: str) -> str:
    return text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")


def _sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> its XML part in the package."""
    workbook = zf.read("xl/workbook.xml").decode("utf-8", "replace")
    rels = zf.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    targets = dict(_REL.findall(rels)) | {i: t for t, i in _REL_REVERSED.findall(rels)}
    out = {}
    for name, rid in _SHEET.findall(workbook):
        target = targets.get(rid, "")
        path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        out[_unescape(name)] = str(PurePosixPath(path))
    return out


def sheet_xml(path: Path, sheet: str) -> str:
    """The XML of ``sheet`` in an ``.xlsx``/``.xlsm`` file; empty for other formats."""
    try:
        with zipfile.ZipFile(path) as zf:
            part = _sheet_parts(zf).get(sheet)
            return "" if part is None else zf.read(part).decode("utf-8", "replace")
    except (zipfile.BadZipFile, KeyError, OSError):
        return ""


def error_cells(path: Path, sheet: str) -> dict[tuple[int, int], str]:
    """(1-based row, 0-based column) -> the error shown, for the error cells
    of ``sheet`` in an ``.xlsx``/``.xlsm`` file (empty for other formats)."""
    xml = sheet_xml(path, sheet)
    if 't="e"' not in xml:
        return {}
    out = {}
    for attrs, inner in _ERROR_CELL.findall(xml):
        ref, value = _REF.search(attrs), _VALUE.search(inner)
        if ref and value:
            out[(int(ref.group(2)), column_index(ref.group(1)))] = _unescape(value.group(1))
    return out


def uncomputed_formulas(path: Path, sheet: str) -> dict[tuple[int, int], str]:
    """(1-based row, 0-based column) -> the formula (``=1+2``; ``=`` alone for a
    shared formula's copy, which holds no text), for the formula cells of ``sheet``
    that hold no value, in an ``.xlsx``/``.xlsm`` file (empty for other formats).

    A formula whose value is an empty text is stored ``t="str"`` with an empty
    value: computed, not counted.

    >>> xml = ('<c r="A2"><f>1+2</f><v></v></c><c r="B2" t="str"><f>""</f><v></v></c>'
    ...        '<c r="C2"><f>1</f><v>1</v></c><c r="D2" s="1"/>'
    ...        '<c r="E2"><f t="shared" si="0"/></c>')
    >>> _uncomputed(xml)
    {(2, 0): '=1+2', (2, 4): '='}
    """
    if path.suffix.lower() == ".ods":
        return _ods_uncomputed(path, sheet)
    xml = sheet_xml(path, sheet)
    return _uncomputed(xml) if "<f" in xml else {}


_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_SYNTAX = re.compile(r"[a-z]+:=")


def _ods_uncomputed(path: Path, sheet: str) -> dict[tuple[int, int], str]:
    """The formula cells of ``sheet`` of an ``.ods`` file that hold no value: a
    ``table:formula`` without ``office:value-type`` (LibreOffice always writes the value
    beside the formula; a program that does not calculate writes the formula alone)."""
    import xml.etree.ElementTree as ET

    out: dict[tuple[int, int], str] = {}
    try:
        with zipfile.ZipFile(path) as zf, zf.open("content.xml") as fh:
            for row, col, repeat, cell in _ods_cells(ET.iterparse(fh, ("start", "end")), sheet):
                formula = cell.get(f"{_TABLE}formula")
                if formula is None or cell.get(f"{_OFFICE}value-type") is not None:
                    continue
                # "of:=1+2": the formula's syntax (OpenFormula), then the formula
                text = formula.split(":", 1)[1] if _SYNTAX.match(formula) else formula
                for c in range(col, col + min(repeat, 1024)):
                    out[(row, c)] = text if text.startswith("=") else "=" + text
    except (zipfile.BadZipFile, KeyError, OSError, ET.ParseError, ValueError):
        return out
    return out


def ods_table_events(path: Path, sheet: str) -> Iterator[tuple[str, Any]]:
    """The ``start`` and ``end`` events (event, element) of the elements inside the table
    ``sheet`` of an ``.ods`` file's ``content.xml``; an element's children are cleared at
    its end. Raises what reading the file raises (``zipfile.BadZipFile``, ``KeyError``,
    ``OSError``, ``xml.etree.ElementTree.ParseError``)."""
    import xml.etree.ElementTree as ET

    inside = False
    with zipfile.ZipFile(path) as zf, zf.open("content.xml") as fh:
        for event, el in ET.iterparse(fh, ("start", "end")):
            if el.tag == f"{_TABLE}table":
                if event == "start":
                    inside = el.get(f"{_TABLE}name") == sheet
                elif inside:
                    return
                continue
            if inside:
                yield event, el
            if event == "end":
                el.clear()


def _ods_cells(events: Iterator, sheet: str) -> Iterator[tuple[int, int, int, Any]]:
    """(1-based row, 0-based column, columns repeated, element) of each cell of ``sheet``,
    from the ``start``/``end`` events of an ODS ``content.xml``."""
    row, col, inside = 1, 0, False
    cells = (f"{_TABLE}table-cell", f"{_TABLE}covered-table-cell")
    for event, el in events:
        if el.tag == f"{_TABLE}table":
            if event == "start":
                row, inside = 1, el.get(f"{_TABLE}name") == sheet
            elif inside:
                return
        elif inside and el.tag == f"{_TABLE}table-row" and event == "start":
            col = 0
        elif inside and el.tag == f"{_TABLE}table-row":
            row += int(el.get(f"{_TABLE}number-rows-repeated", "1"))
        elif inside and el.tag in cells and event == "end":
            repeat = int(el.get(f"{_TABLE}number-columns-repeated", "1"))
            yield row, col, repeat, el
            col += repeat
        if event == "end" and el.tag not in cells:
            el.clear()


def _uncomputed(xml: str) -> dict[tuple[int, int], str]:
    out = {}
    for attrs, inner in _CELL.findall(xml):
        formula = _FORMULA.search(inner)
        if formula is None:
            continue
        value = _VALUE.search(inner)
        kind = _TYPE.search(attrs)
        if value is not None and (value.group(1) or (kind and kind.group(1) == "str")):
            continue
        ref = _REF.search(attrs)
        if ref:
            text = html.unescape(formula.group(1) or "")
            out[(int(ref.group(2)), column_index(ref.group(1)))] = "=" + text
    return out
