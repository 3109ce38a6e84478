"""Excel error cells (``#N/A``, ``#DIV/0!``, …), which python-calamine reads as
empty: found in the sheet's XML, where Excel stores them as ``t="e"`` cells.

>>> column_index("A"), column_index("AB")
(0, 27)
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path, PurePosixPath

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


def error_cells(path: Path, sheet: str) -> dict[tuple[int, int], str]:
    """(1-based row, 0-based column) -> the error shown, for the error cells
    of ``sheet`` in an ``.xlsx``/``.xlsm`` file (empty for other formats)."""
    try:
        with zipfile.ZipFile(path) as zf:
            part = _sheet_parts(zf).get(sheet)
            if part is None:
                return {}
            xml = zf.read(part).decode("utf-8", "replace")
    except (zipfile.BadZipFile, KeyError, OSError):
        return {}
    if 't="e"' not in xml:
        return {}
    out = {}
    for attrs, inner in _ERROR_CELL.findall(xml):
        ref, value = _REF.search(attrs), _VALUE.search(inner)
        if ref and value:
            out[(int(ref.group(2)), column_index(ref.group(1)))] = _unescape(value.group(1))
    return out
