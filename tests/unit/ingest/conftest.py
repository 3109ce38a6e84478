"""Fixtures for ingest tests: small files written in ``tmp_path``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import pytest

from marsad.engine.warehouse import Warehouse
from marsad.ingest import LoadReport, ReadOptions, load_files

TX_HEADER = (
    "record_id",
    "reporter",
    "firm_id",
    "value_date",
    "flow",
    "amount",
    "currency",
    "service_code",
    "partner_country",
)


def tx(rid: str, **kw: str) -> dict[str, str]:
    """A good transaction row, with fields overridden by ``kw``."""
    row = {
        "record_id": rid,
        "reporter": "BANK1",
        "firm_id": "F001",
        "value_date": "2024-03-15",
        "flow": "C",
        "amount": "1500.25",
        "currency": "EUR",
        "service_code": "SI22",
        "partner_country": "FR",
    }
    row.update(kw)
    return row


def quote(value: str, sep: str) -> str:
    if any(c in value for c in (sep, '"', "\n", "\r")):
        return '"' + value.replace('"', '""') + '"'
    return value


def write_csv(
    path: Path,
    rows: Iterable[dict[str, str]],
    *,
    header: Sequence[str] = TX_HEADER,
    sep: str = ",",
    encoding: str = "utf-8",
    newline: str = "\n",
    bom: bool = False,
) -> Path:
    lines = [sep.join(quote(h, sep) for h in header)]
    for row in rows:
        lines.append(sep.join(quote(str(row.get(h, "")), sep) for h in header))
    text = newline.join(lines) + newline
    data = text.encode(encoding)
    if bom:
        data = b"\xef\xbb\xbf" + data
    path.write_bytes(data)
    return path


@pytest.fixture
def wh(tmp_path: Path) -> Iterable[Warehouse]:
    w = Warehouse(tmp_path / "wh.duckdb")
    try:
        yield w
    finally:
        w.close()


def load(wh: Warehouse, path: Path, kind: str = "transactions", **opts) -> LoadReport:
    (report,) = load_files(wh, kind, [path], options=ReadOptions(**opts))
    assert report.loaded + report.unchanged + report.quarantined == report.rows_read
    if report.status == "loaded":  # the quarantine holds what the report says, all open
        n_open = wh.scalar(
            "SELECT count(*) FROM ingest_quarantine WHERE load_id = ? AND resolved_by IS NULL",
            [report.load_id],
        )
        n_same = wh.scalar(
            "SELECT count(*) FROM ingest_unchanged WHERE load_id = ?", [report.load_id]
        )
        assert (n_open, n_same) == (report.quarantined, report.unchanged)
    return report


def quarantine(wh: Warehouse, load_id: str | None = None) -> list[dict]:
    where = "WHERE load_id = ?" if load_id else ""
    rows = wh.sql(
        f"""SELECT line, column_name, rule, value, message, other_rules, resolved_by
            FROM ingest_quarantine {where} ORDER BY line""",
        [load_id] if load_id else None,
    )
    keys = ("line", "column", "rule", "value", "message", "other_rules", "resolved_by")
    return [dict(zip(keys, r, strict=True)) for r in rows]


def loaded_ids(wh: Warehouse) -> set[str]:
    return {r[0] for r in wh.sql("SELECT record_id FROM transactions")}


def amounts(wh: Warehouse) -> dict:
    """record id -> amount of the loaded transactions."""
    return dict(wh.sql("SELECT record_id, amount FROM transactions"))


def write_xlsx(
    path: Path, rows: Iterable[dict[str, str]], *, header: Sequence[str] = TX_HEADER
) -> Path:
    """The rows as a workbook of one sheet, every cell a string cell (xlsxwriter keeps
    the control characters that openpyxl refuses, as Excel does: ``_x0001_``)."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Sheet1")
    for j, name in enumerate(header):
        ws.write_string(0, j, name)
    for i, row in enumerate(rows, start=1):
        for j, name in enumerate(header):
            if (value := str(row.get(name, ""))) != "":
                ws.write_string(i, j, value)
    wb.close()
    return path


def write_sheets(path: Path, sheets: dict[str, list[list]]) -> Path:
    """A workbook of the ``sheets`` (name -> rows, each a list of cell values), in order."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


def write_parquet(
    path: Path, rows: Iterable[dict[str, str]], *, header: Sequence[str] = TX_HEADER
) -> Path:
    """The rows as a Parquet file of text columns (an empty value is NULL)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = list(rows)
    columns = {h: pa.array([r.get(h) or None for r in rows], pa.string()) for h in header}
    pq.write_table(pa.table(columns), path)
    return path


#: The writers of one file of rows in each format marsad reads.
WRITERS = {"csv": write_csv, "xlsx": write_xlsx, "parquet": write_parquet}
