"""Excel workbooks, read with python-calamine (DuckDB's excel extension cannot
be downloaded here): each cell as the text a CSV would hold."""

from __future__ import annotations

import contextlib
import datetime as dt
import math
from decimal import Decimal
from pathlib import Path

import pyarrow as pa

from marsad.engine import Warehouse, quote_ident
from marsad.ingest.errors import IngestError, first_line
from marsad.ingest.header import Header, detect_decimal, find_header, header_problem
from marsad.ingest.options import Detected, ReadOptions
from marsad.ingest.schema import Kind
from marsad.ingest.staging import Staged, create_from_arrow, raw_table


def _cell_text(value: object, decimal: str) -> str | None:
    """An Excel cell as the text a CSV would hold."""
    if value is None:
        return None
    if isinstance(value, str):
        return value if value.strip() else None
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
        return _float_text(value, decimal)
    return str(value)


def _float_text(value: float, decimal: str) -> str:
    """A number cell as written: whole numbers without decimals, no exponent.

    >>> _float_text(1234.5, ","), _float_text(12.0, "."), _float_text(1e-7, ".")
    ('1234,5', '12', '0.0000001')
    """
    if math.isnan(value) or math.isinf(value):
        return str(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    text = format(Decimal(repr(value)), "f")
    return text.replace(".", ",") if decimal == "," else text


def _present(cell: object) -> bool:
    return cell is not None and not (isinstance(cell, str) and not cell.strip())


def _pick_sheet(names: list[str], wanted: str | None) -> str:
    """The sheet named (any case) or numbered (1-based) ``wanted``; the first if None."""
    if not names:
        raise IngestError("the workbook has no sheet")
    if wanted is None:
        return names[0]
    if wanted.isdigit() and wanted not in names:
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


def _read_sheet(path: Path, wanted: str | None) -> tuple[str, list[list]]:
    """(sheet name, its rows of Python values)."""
    from python_calamine import CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_path(str(path))
    except Exception as exc:
        raise IngestError(
            f"the file cannot be read as an Excel workbook: {first_line(str(exc))}"
        ) from None
    try:
        sheet_name = _pick_sheet(list(wb.sheet_names), wanted)
        rows = wb.get_sheet_by_name(sheet_name).to_python(skip_empty_area=False)
    except IngestError:
        raise
    except Exception as exc:
        raise IngestError(f"the sheet cannot be read: {first_line(str(exc))}") from None
    finally:
        with contextlib.suppress(Exception):
            wb.close()
    return sheet_name, rows


def _sheet_decimal(kind: Kind, header: Header, data: list[list]) -> str:
    """The decimal mark of the amounts (or rates) written as text in the sheet."""
    sample = []
    dec_field = next((f.name for f in kind.fields if f.type == "decimal"), None)
    if dec_field is not None:
        idx = header.mapping[dec_field]
        for row in data[:5000]:
            if idx < len(row) and isinstance(row[idx], str):
                sample.append(row[idx])
    return detect_decimal(sample, None)


def _as_table(kind: Kind, header: Header, data: list[list], decimal: str) -> pa.Table:
    """The rows after the header as text columns, with ``_line`` and ``_blank``."""
    lines: list[int] = []
    cols: dict[str, list[str | None]] = {f.name: [] for f in kind.fields}
    width = len(header.cells)
    blank: list[bool] = []
    for offset, row in enumerate(data):
        texts = [_cell_text(c, decimal) for c in row]
        lines.append(header.line + 1 + offset)
        for f in kind.fields:
            idx = header.mapping.get(f.name)
            cols[f.name].append(texts[idx] if idx is not None and idx < len(texts) else None)
        blank.append(not any(t is not None and t.strip() for t in texts[: max(width, len(texts))]))
    return pa.table(
        {
            "_line": pa.array(lines, pa.int64()),
            **{k: pa.array(v, pa.string()) for k, v in cols.items()},
            "_blank": pa.array(blank, pa.bool_()),
        }
    )


def stage_excel(wh: Warehouse, kind: Kind, path: Path, options: ReadOptions, tag: int) -> Staged:
    """Stage the sheet (stated, else the first) into ``_ing_raw_<tag>``."""
    sheet_name, rows = _read_sheet(path, options.sheet)
    numbered = ((i + 1, row) for i, row in enumerate(rows) if any(_present(c) for c in row))
    limit = options.header_search_rows
    header, _, best = find_header(numbered, kind, limit)
    if header is None:
        raise IngestError(header_problem(kind, best, f"rows of sheet {sheet_name!r}", limit))
    data = rows[header.line :]
    decimal = options.decimal
    if decimal is None:
        decimal = _sheet_decimal(kind, header, data)
    create_from_arrow(wh, raw_table(tag), _as_table(kind, header, data, decimal))
    field_cols = ", ".join(quote_ident(f.name) for f in kind.fields)
    ignored = [
        name or f"(column {i + 1})"
        for i, name in enumerate(header.cells)
        if i not in header.mapping.values() and name
    ]
    detected = Detected("excel", decimal=decimal, sheet=sheet_name, header_line=header.line)
    return Staged(
        source=f"SELECT _line, {field_cols}, _blank FROM {raw_table(tag)}",
        rejects=[],
        unit="row",
        detected=detected,
        ignored_columns=ignored,
    )
