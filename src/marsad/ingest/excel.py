"""Excel workbooks, read with python-calamine (DuckDB's excel extension cannot
be downloaded here): each cell as the text a CSV would hold, and each cell as
the spreadsheet shows it.

- Every sheet that carries the header is read, one load per sheet; the others
  are named with the reason they were skipped (``--sheet`` reads one sheet).
- A number cell of an amount or a rate is read as the shortest decimal that gives
  back its double when that has no more decimals than the field keeps
  (9876543210987.654 as it is); else to 15 significant digits, Excel's precision:
  the binary noise of ``=1234.56*3`` (3703.6800000000003) is read 3703.68.
- A date cell, or a number in a date column (an Excel serial date, e.g.
  45366), is a date; in a workbook of the 1904 date system (made on a Mac) a
  serial number counts from 1904-01-01.
- An error cell (``#N/A``, ``#DIV/0!``) costs its row, quarantined with the
  error named (:mod:`~marsad.ingest.xlsx_errors`); so does a formula cell that
  holds no value (written by a program that does not calculate), with the formula
  named, instead of being read as empty.
- A cell merged down a column is read as its value in each row it spans, but for
  a number or a record's own id, quarantined with the range named
  (:mod:`~marsad.ingest.merged`).
- A hidden row, a hidden column holding a field, or a hidden sheet named by ``--sheet``
  is read as the others, and a note names it (:mod:`~marsad.ingest.hidden`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import math
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Context, Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa

from marsad.engine import Warehouse, quote_ident
from marsad.ingest.cleaning import holds_nothing, time_of_day_note
from marsad.ingest.errors import IngestError, first_line
from marsad.ingest.floats import double_limit, large_double_note
from marsad.ingest.header import (
    Candidate,
    DecimalEvidence,
    Header,
    MapChoice,
    decimal_evidence,
    header_problem,
    search_header,
)
from marsad.ingest.hidden import hidden_in, hidden_note
from marsad.ingest.merged import read_merged
from marsad.ingest.options import Detected, ReadOptions
from marsad.ingest.reporters import file_reporters
from marsad.ingest.schema import Kind
from marsad.ingest.staging import Reject, Staged, create_from_arrow, raw_table
from marsad.ingest.xlsx_errors import ERRORS, error_cells, uncomputed_formulas

_EXCEL_PRECISION = Context(prec=15)
_EPOCH = dt.date(1899, 12, 30)  # day 0 of Excel's serial dates (1900 system)
_EPOCH_1904 = dt.date(1904, 1, 1)  # day 0 of the 1904 system (workbooks made on a Mac)
_DATE_1904 = re.compile(r"<(?:\w+:)?workbookPr\b[^>]*\bdate1904=\"(?:1|true)\"")


def serial_epoch(path: Path) -> dt.date:
    """Day 0 of the workbook's serial dates: 1899-12-30, or 1904-01-01 when it uses
    the 1904 date system (``date1904`` in ``xl/workbook.xml``; a serial number is
    then 1,462 days later than in the 1900 system)."""
    try:
        with zipfile.ZipFile(path) as zf:
            workbook = zf.read("xl/workbook.xml").decode("utf-8", "replace")
    except (zipfile.BadZipFile, KeyError, OSError):
        return _EPOCH
    return _EPOCH_1904 if _DATE_1904.search(workbook) else _EPOCH


@dataclass
class SheetPlan:
    """A sheet that carries the header, read, before it is staged."""

    path: Path
    name: str
    header: Header
    data: list[list]  # the rows after the header
    errors: dict[tuple[int, int], str]
    evidence: DecimalEvidence
    reporters: set[str]
    detected: Detected
    notes: list[str] = field(default_factory=list)
    formulas: dict[tuple[int, int], str] = field(default_factory=dict)
    epoch: dt.date = _EPOCH  # day 0 of the workbook's serial dates
    #: (row, column) of a cell of a merged range that is not read as its row's value ->
    #: the message of the row's quarantine (:mod:`marsad.ingest.merged`)
    merged: dict[tuple[int, int], str] = field(default_factory=dict)


def number_text(value: float, decimal: str = ".", places: int | None = None) -> str:
    """A number cell as text, no exponent, whole numbers without decimals: for a field of
    ``places`` decimals (an amount: 3), the shortest decimal that gives back the double
    (Python's ``repr``) when it has at most ``places`` decimals: the value the cell
    holds, which Excel adds; else (and for other fields) to 15 significant digits, as
    the spreadsheet shows it, when that removes binary noise; else the shortest decimal
    again, refused for its decimals as the cell holds it.

    >>> number_text(3479.9999999999995), number_text(0.1 + 0.2), number_text(1234.5, ",")
    ('3480', '0.3', '1234,5')
    >>> number_text(1e-7), number_text(1e20)
    ('0.0000001', '100000000000000000000')
    >>> number_text(9876543210987.654), number_text(9876543210987.654, places=3)
    ('9876543210987.65', '9876543210987.654')
    >>> number_text(1234.5600000000002, places=3), number_text(1.2345678901234567, places=3)
    ('1234.56', '1.2345678901234567')
    """
    if math.isnan(value) or math.isinf(value):
        return str(value)
    shortest = Decimal(repr(value))
    shown = _EXCEL_PRECISION.create_decimal(shortest).normalize()
    if places is not None and _decimals(shortest) > places and _decimals(shown) > places:
        shown = shortest  # refused (precision): shown as the cell holds it
    elif places is not None and _decimals(shortest) <= places:
        shown = shortest.normalize()
    text = format(shown, "f")
    return text.replace(".", ",") if decimal == "," else text


def _decimals(d: Decimal) -> int:
    """How many decimals ``d`` has once trailing zeros are dropped (0 for 1E+3)."""
    return max(0, -int(d.normalize().as_tuple().exponent))


def _date_cell(value: object, epoch: dt.date = _EPOCH) -> str | None:
    """A cell of a date column as YYYY-MM-DD: a date cell, or a serial date
    number (45366 is 2024-03-15; 43904 in the 1904 system); None when it is neither.

    >>> _date_cell(45366), _date_cell(45366.75), _date_cell(dt.datetime(2024, 3, 15, 9, 30))
    ('2024-03-15', '2024-03-15', '2024-03-15')
    >>> _date_cell(43904, _EPOCH_1904)
    '2024-03-15'
    """
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int | float) and not isinstance(value, bool) and 1 <= value < 2958466:
        return (epoch + dt.timedelta(days=int(value))).isoformat()
    return None


def _cell_time(value: object) -> str | None:
    """The time of day of a date cell that has one, as ``HH:MM:SS`` (a date and time
    cell, a serial date with a fraction of a day: 45366.75 is 18:00:00); None at midnight.

    >>> _cell_time(dt.datetime(2024, 3, 15, 23, 59, 59)), _cell_time(45366.75), _cell_time(45366)
    ('23:59:59', '18:00:00', None)
    """
    if isinstance(value, dt.datetime):
        time = value.time().replace(microsecond=0)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        seconds = round((value - math.floor(value)) * 86400) % 86400
        time = dt.time(seconds // 3600, seconds // 60 % 60, seconds % 60)
    else:
        return None
    return time.isoformat() if time != dt.time(0) else None


def _day_zero(value: object, epoch: dt.date) -> str | None:
    """A date cell of serial 0 (python-calamine gives its time of day alone) as Excel
    shows it under a date format: ``1900-01-00`` (no date), with its time when it has
    one (``1900-01-00 06:00:00``); in the 1904 system, day 0 is 1904-01-01. None for
    any other cell.

    >>> _day_zero(dt.time(0, 0), _EPOCH), _day_zero(dt.time(6, 0), _EPOCH_1904)
    ('1900-01-00', '1904-01-01 06:00:00')
    """
    if not isinstance(value, dt.time):
        return None
    day = "1900-01-00" if epoch == _EPOCH else epoch.isoformat()
    return day if value == dt.time(0, 0) else f"{day} {value.isoformat()}"


def _cell_text(
    value: object,
    decimal: str,
    is_date: bool = False,
    epoch: dt.date = _EPOCH,
    places: int | None = None,
) -> str | None:
    """An Excel cell as the text a CSV would hold (a number of a field of ``places``
    decimals by :func:`number_text`)."""
    if is_date and (day := _date_cell(value, epoch) or _day_zero(value, epoch)) is not None:
        return day
    if value is None:
        return None
    if isinstance(value, str):
        # as written, as a CSV holds it: the checks trim and count what cleaning removes
        # (Python's strip() took an ideographic space for nothing, and the count missed it)
        return value or None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return number_text(value, decimal, places)
    return str(value)


def _present(cell: object) -> bool:
    return cell is not None and not (isinstance(cell, str) and holds_nothing(cell))


def _pick_sheet(names: list[str], wanted: str) -> str:
    """The sheet named (any case) or numbered (1-based, in digits 0-9) ``wanted``
    (``str.isdigit`` took ``²``, which ``int`` refused with a traceback)."""
    if wanted.isascii() and wanted.isdigit() and wanted not in names:
        n = int(wanted)
        if not 1 <= n <= len(names):
            raise IngestError(f"the workbook has {len(names)} sheets, not {n}")
        return names[n - 1]
    match = [s for s in names if s.strip().lower() == wanted.strip().lower()]
    if not match:
        raise IngestError(
            f"the workbook has no sheet named {wanted!r} (sheets: {', '.join(names)})"
        )
    return match[0]


_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # a compound file: .xls, or an encrypted workbook
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")  # the stream of a workbook with a password


def _unreadable(path: Path, why: str) -> str:
    """Why the workbook cannot be opened, in plain words when it can be told: a
    workbook saved with a password (Excel then writes it encrypted, in a compound
    file, not as a zip), an empty file, an old ``.xls`` under another name, or one cut
    short (its zip has no end)."""
    try:
        with path.open("rb") as fh:
            head = fh.read(1 << 20)
    except OSError:
        head = b""
    if head.startswith(_OLE2) and _ENCRYPTED in head:
        return (
            "the workbook is protected by a password (it is encrypted): open it in Excel, "
            "remove the password (File > Info > Protect Workbook) and save it, then load it"
        )
    if not head:
        return "the file is empty (0 bytes): it holds no workbook; ask for it again"
    if head.startswith(_OLE2) and path.suffix.lower() != ".xls":
        return (
            f"the file is an Excel 97-2003 workbook (.xls) named {path.suffix or 'without'} "
            "a suffix: rename it .xls, or open it in Excel and save it as .xlsx"
        )
    if head.startswith(b"PK") and "EOCD" in why:
        return (
            "the workbook is damaged or cut short (its zip archive has no end): ask for it "
            f"again, or open it in Excel and save it again ({why})"
        )
    return f"the file cannot be read as an Excel workbook: {why}"


@contextlib.contextmanager
def _workbook(path: Path) -> Iterator[Any]:
    """The workbook open with python-calamine, closed afterwards; a file that is not
    one is refused with a plain reason."""
    from python_calamine import CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_path(str(path))
    except Exception as exc:
        raise IngestError(_unreadable(path, first_line(str(exc)))) from None
    try:
        yield wb
    finally:
        with contextlib.suppress(Exception):
            wb.close()


def sheet_names(path: Path) -> list[str]:
    """The workbook's sheets, in order."""
    with _workbook(path) as wb:
        return list(wb.sheet_names)


def _hidden(wb: Any) -> set[str]:
    """The sheets the workbook hides (hidden or very hidden): a copy kept aside, a
    lookup table, last month's data, which no one reading the workbook sees."""
    from python_calamine import SheetVisibleEnum

    try:
        return {m.name for m in wb.sheets_metadata if m.visible != SheetVisibleEnum.Visible}
    except Exception:  # (metadata that cannot be read: every sheet is read)
        return set()


def _read_sheets(
    path: Path, wanted: str | None
) -> tuple[list[tuple[str, list[list], list]], list[str], set[str]]:
    """(sheet name, its rows of Python values, its merged ranges) of the sheet ``wanted``,
    else of every sheet not hidden; the hidden sheets left out, named with why; and the
    workbook's hidden sheets (``wanted`` may be one)."""
    with _workbook(path) as wb:
        names = list(wb.sheet_names)
        if not names:
            raise IngestError("the workbook has no sheet")
        hidden = _hidden(wb)
        chosen = [_pick_sheet(names, wanted)] if wanted is not None else names
        left_out = hidden if wanted is None else set()
        skipped = [
            f"sheet {n!r} not read: it is hidden (load it with --sheet {n!r} if it holds data)"
            for n in chosen
            if n in left_out
        ]
        chosen = [n for n in chosen if n not in left_out]
        try:
            sheets = [_sheet(wb, n) for n in chosen]
        except Exception as exc:
            raise IngestError(f"the sheet cannot be read: {first_line(str(exc))}") from None
        return sheets, skipped, hidden


def _sheet(wb: Any, name: str) -> tuple[str, list[list], list]:
    """(name, rows from A1, merged ranges) of a sheet (no ranges when the format keeps
    none that python-calamine reads)."""
    sheet = wb.get_sheet_by_name(name)
    try:
        ranges = list(sheet.merged_cell_ranges or [])
    except Exception:  # (a format whose merged cells cannot be read: none)
        ranges = []
    return name, sheet.to_python(skip_empty_area=False), ranges


def _evidence(kind: Kind, header: Header, data: list[list]) -> tuple[DecimalEvidence, set[str]]:
    """What the text amounts (or rates) show of the decimal mark; the reporters."""
    sample, places = [], []
    dec_field = next((f.name for f in kind.fields if f.type == "decimal"), None)
    if dec_field is not None:
        idx = header.mapping[dec_field]
        # every row (a sheet is in memory): a sheet of whole numbers for 5,000 rows, then
        # text "1.500" and "2.750,50", read its "1.500" as 1.5
        at = [k for k, r in enumerate(data) if idx < len(r) and isinstance(r[idx], str)]
        sample = [data[k][idx] for k in at]
        places = [f"row {header.line + 1 + k}" for k in at]
    rep = header.mapping.get("reporter")
    reporters = [r[rep] for r in data[:5000] if rep is not None and rep < len(r)]
    return decimal_evidence(sample, places), file_reporters(kind, reporters)


def plan_workbook(
    path: Path, kind: Kind, options: ReadOptions, maps: list[MapChoice]
) -> tuple[list[SheetPlan], list[str]]:
    """The sheets to load (the stated one, else every sheet carrying the
    header) and, in plain words, the sheets skipped and why."""
    sheets, hidden, hidden_sheets = _read_sheets(path, options.sheet)
    limit = options.header_search_rows
    plans, skipped, best = [], list(hidden), (0, Candidate(), "")
    for name, rows, ranges in sheets:

        def numbered(rows=rows):
            return ((i + 1, row) for i, row in enumerate(rows) if any(_present(c) for c in row))

        header, score, candidate = search_header(numbered, kind, limit, maps)
        if header is None:
            if not any(any(_present(c) for c in row) for row in rows):
                skipped.append(f"sheet {name!r} not read: it is empty")
            else:
                why = header_problem(kind, candidate, f"rows of sheet {name!r}", limit)
                skipped.append(f"sheet {name!r} not read: {why}")
            if score >= best[0]:
                best = (score, candidate, name)
            continue
        data = rows[header.line :]
        formulas = uncomputed_formulas(path, name)
        # python-calamine leaves out the last rows when they hold only such formulas
        last = max((r for r, _ in formulas), default=0)
        data += [[] for _ in range(last - header.line - len(data))]
        merged = read_merged(kind, header, data, ranges)
        evidence, reporters = _evidence(kind, header, data)
        detected = Detected("excel", decimal=None, sheet=name, header_line=header.line)
        shown = _hidden_note(path, name, header, data, name in hidden_sheets)
        notes = [n for n in (header.note(), merged.note(), shown) if n]
        plans.append(
            SheetPlan(path, name, header, data, error_cells(path, name), evidence, reporters,
                      detected, notes, formulas, serial_epoch(path), merged.blocked)
        )  # fmt: skip
    if not plans:
        where = f"rows of sheet {best[2]!r}" if len(sheets) == 1 else "rows of any sheet"
        also = f" ({'; '.join(hidden)})" if hidden else ""
        raise IngestError(header_problem(kind, best[1], where, limit) + also)
    return plans, skipped


def _hidden_note(
    path: Path, name: str, header: Header, data: list[list], sheet_hidden: bool
) -> str | None:
    """The note on the hidden rows holding data, and hidden columns holding a field, read
    from sheet ``name`` (or on the sheet itself, hidden): :mod:`marsad.ingest.hidden`."""
    rows = [header.line + 1 + i for i, cells in enumerate(data) if any(map(_present, cells))]
    columns = {idx: f for f, idx in header.mapping.items()}
    return hidden_note(name, hidden_in(path, name), rows, columns, sheet_hidden=sheet_hidden)


_FORMULA_SHOWN = 80  # characters of a formula a message quotes


def _row_errors(plan: SheetPlan, row_no: int, kind: Kind) -> list[Reject]:
    """Every error cell, formula never computed or merged cell of the row in a column
    read, as rejects, in the kind's field order (empty when there is none)."""
    found = []
    for f in kind.fields:
        idx = plan.header.mapping.get(f.name)
        if idx is not None and (rej := _cell_error(plan, row_no, idx, f.name)) is not None:
            found.append(rej)
    return found


def _cell_error(plan: SheetPlan, row_no: int, idx: int, column: str) -> Reject | None:
    """The reject of the cell at (``row_no``, ``idx``) of field ``column``: a merged
    cell, a formula never computed or an Excel error; None for a cell that reads."""
    if (message := plan.merged.get((row_no, idx))) is not None:
        return Reject(line=row_no, rule="merged", column=column, value="", message=message)
    formula = plan.formulas.get((row_no, idx))
    if formula is not None and (row_no, idx) not in plan.errors:
        shown = formula if len(formula) <= _FORMULA_SHOWN else formula[:_FORMULA_SHOWN] + "…"
        what = f"the formula {shown}" if formula != "=" else "a formula"
        return Reject(
            line=row_no, rule="formula", column=column, value=formula,
            message=f"row {row_no}, column {column}: the cell holds {what} whose value "
            "was never computed (the file was written by a program that does not "
            "calculate): open it in Excel or LibreOffice and save it again",
        )  # fmt: skip
    shown = plan.errors.get((row_no, idx))
    if shown is not None:
        meaning = ERRORS.get(shown, "a formula that failed")
        return Reject(
            line=row_no, rule="excel_error", column=column, value=shown,
            message=f"row {row_no}, column {column}: the cell holds the Excel error "
            f"{shown} ({meaning})",
        )  # fmt: skip
    return None


def _row_reject(row_rejects: list[Reject], texts: dict[str, str | None]) -> Reject:
    """The row's reject: its first failing cell, the others listed as ``also fails``
    (``formula (amount)``), every failing cell quoted as written in the record (a
    formula, an error; the other cells as they read)."""
    first, *rest = row_rejects
    for rej in row_rejects:
        texts[rej.column] = rej.value or None  # type: ignore[index]
    others = ", ".join(f"{r.rule} ({r.column})" for r in rest) or None
    return dataclasses.replace(first, fields=texts, others=others)


def _as_table(
    kind: Kind, plan: SheetPlan, decimal: str
) -> tuple[pa.Table, list[Reject], list[str]]:
    """The rows after the header as text columns, with ``_line`` and ``_blank``;
    the rows holding an Excel error cell, as rejects; the notes on the dates that had a
    time of day (their date is taken, as from a Parquet timestamp)."""
    header = plan.header
    lines: list[int] = []
    cols: dict[str, list[str | None]] = {f.name: [] for f in kind.fields}
    dates = {f.name for f in kind.fields if f.type == "date"}
    blank: list[bool] = []
    rejects: list[Reject] = []
    times: dict[str, list[str]] = {name: [] for name in dates}
    large = _LargeDoubles(kind)

    def cells(row) -> Iterator[tuple[Any, Any, str | None]]:
        """(field, cell, its text) of each field of the row."""
        for f in kind.fields:
            idx = header.mapping.get(f.name)
            cell = row[idx] if idx is not None and idx < len(row) else None
            places = f.scale if f.type == "decimal" else None
            yield f, cell, _cell_text(cell, decimal, f.name in dates, plan.epoch, places)

    for offset, row in enumerate(plan.data):
        row_no = header.line + 1 + offset
        if (plan.errors or plan.formulas or plan.merged) and (
            row_rejects := _row_errors(plan, row_no, kind)
        ):
            texts = {f.name: text for f, _cell, text in cells(row)}
            rejects.append(_row_reject(row_rejects, texts))
            continue
        lines.append(row_no)
        for f, cell, text in cells(row):
            cols[f.name].append(text)
            day = text is not None and f.name in dates and _date_cell(cell, plan.epoch) == text
            if day and (time := _cell_time(cell)) is not None:
                times[f.name].append(time)
            if type(cell) in _NUMBERS and f.name in large.limits:  # (per cell: kept cheap)
                large.see(f, cell, text, row_no)
        blank.append(not any(_present(c) for c in row))
    table = pa.table(
        {
            "_line": pa.array(lines, pa.int64()),
            **{k: pa.array(v, pa.string()) for k, v in cols.items()},
            "_blank": pa.array(blank, pa.bool_()),
        }
    )
    notes = [
        time_of_day_note(header.shown(header.mapping[name]), len(seen), min(seen), max(seen))
        for name, seen in times.items()
        if seen
    ]
    return table, rejects, notes + large.notes(header)


#: The types of a number cell (whole or not, a double in the workbook; not a bool).
_NUMBERS = (float, int)


class _LargeDoubles:
    """The numeric cells of a decimal field from :func:`~.floats.double_limit` up: an
    Excel number is a double, so one stands for several amounts there, as in a Parquet
    column of doubles, and the load says so with the same note (it said nothing)."""

    def __init__(self, kind: Kind) -> None:
        self.fields = {f.name: f for f in kind.fields if f.type == "decimal"}
        self.limits = {name: double_limit(f.scale) for name, f in self.fields.items()}
        self.seen: dict[str, list[tuple[int, str]]] = {name: [] for name in self.fields}

    def see(self, f: Any, cell: float, text: str | None, row_no: int) -> None:
        """Count the number ``cell`` of the decimal field ``f`` on ``row_no``, read as
        ``text``, when it is one."""
        if math.isfinite(cell) and abs(cell) >= self.limits[f.name]:
            self.seen[f.name].append((row_no, text or ""))

    def notes(self, header: Header) -> list[str]:
        """One note per field that had such cells."""
        return [
            large_double_note(header.shown(header.mapping[name]), name,
                              self.fields[name].scale, len(seen), *seen[0])
            for name, seen in self.seen.items()
            if seen
        ]  # fmt: skip


def stage_sheet(wh: Warehouse, kind: Kind, plan: SheetPlan, tag: int) -> Staged:
    """Stage a planned sheet (its decimal mark decided) into ``_ing_raw_<tag>``."""
    decimal = plan.detected.decimal or "."
    table, rejects, time_notes = _as_table(kind, plan, decimal)
    create_from_arrow(wh, raw_table(tag), table)
    field_cols = ", ".join(quote_ident(f.name) for f in kind.fields)
    header = plan.header
    ignored = [
        header.shown(i)
        for i, name in enumerate(header.cells)
        if i not in header.mapping.values() and name
    ]
    return Staged(
        source=f"SELECT _line, {field_cols}, _blank FROM {raw_table(tag)}",
        rejects=rejects,
        unit="row",
        detected=plan.detected,
        ignored_columns=ignored,
        notes=list(plan.notes) + time_notes,
    )
