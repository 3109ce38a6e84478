"""Hidden rows, columns and sheets of a workbook: loaded like the others (nothing is
lost for being out of sight), and named in a note (:mod:`marsad.ingest.hidden`)."""

from __future__ import annotations

import zipfile
from decimal import Decimal
from pathlib import Path

from marsad.ingest import ReadOptions, load_files
from marsad.ingest.hidden import spans

from .conftest import TX_HEADER, amounts, load, tx

ADVICE = (
    "(hidden in Excel, perhaps to leave them out: if they are not to be loaded, delete "
    "them from the file, withdraw this load and load it again)"
)


def _workbook(path: Path, n: int, *, rows=(), columns=(), title=False, state=None) -> Path:
    """``n`` transactions R1…Rn under the header (under a title when ``title``), the
    sheet rows ``rows`` and the columns ``columns`` (letters) hidden."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Data"
    if title:
        ws.append(["Relevé BK01"])
    ws.append(list(TX_HEADER))
    for i in range(1, n + 1):
        ws.append([tx(f"R{i}", amount=str(i))[h] for h in TX_HEADER])
    for r in rows:
        ws.row_dimensions[r].hidden = True
    for c in columns:
        ws.column_dimensions[c].hidden = True
    if state:
        ws.sheet_state = state
        wb.create_sheet("Cover")
    wb.save(path)
    return path


MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest='
    '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
    '<manifest:file-entry manifest:full-path="/" manifest:media-type='
    '"application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry '
    'manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>'
)


def _hidden_notes(report) -> list[str]:
    return [n for n in report.notes if "hidden in Excel" in n]


def test_hidden_rows_are_loaded_and_named(wh, tmp_path):
    """Rows hidden in Excel were loaded without a word, though whoever hid them may have
    meant them out of the figures: loaded still, and the note names them, by range."""
    p = _workbook(tmp_path / "h.xlsx", 12, rows=[5, 6, 7, 8, 9, 12], title=True)
    r = load(wh, p)
    assert (r.rows_read, r.loaded, r.quarantined) == (12, 12, 0)
    assert len(amounts(wh)) == 12  # nothing lost
    assert _hidden_notes(r) == [
        f"sheet 'Data': 6 hidden rows read as the others: rows 5-9, 12 {ADVICE}"
    ]


def test_a_hidden_column_holding_a_field_is_named_and_a_blank_hidden_row_is_not(wh, tmp_path):
    p = _workbook(tmp_path / "c.xlsx", 3, rows=[4, 40], columns=["F", "K"])
    r = load(wh, p)
    assert r.loaded == 3 and amounts(wh)["R3"] == Decimal(3)
    assert _hidden_notes(r) == [
        "sheet 'Data': 1 hidden row read as the others: row 4; the hidden column F (amount) "
        f"read as the others {ADVICE}"
    ]


def test_a_workbook_that_hides_nothing_read_has_no_note(wh, tmp_path):
    r = load(wh, _workbook(tmp_path / "n.xlsx", 3, rows=[30], columns=["Z"]))
    assert r.loaded == 3 and _hidden_notes(r) == []


def test_a_hidden_sheet_named_by_sheet_says_it_is_hidden(wh, tmp_path):
    p = _workbook(tmp_path / "s.xlsx", 2, state="hidden")
    (r,) = load_files(wh, "transactions", [p], options=ReadOptions(sheet="Data"))
    assert r.loaded == 2
    assert _hidden_notes(r) == [
        f"sheet 'Data': the sheet is hidden in the workbook: its 2 rows read {ADVICE}"
    ]


def test_many_hidden_rows_are_cut_to_a_few_ranges_and_counted(wh, tmp_path):
    p = _workbook(tmp_path / "m.xlsx", 60, rows=range(3, 62, 2))  # every other row
    r = load(wh, p)
    assert r.loaded == 60
    (note,) = _hidden_notes(r)
    assert note.startswith(
        "sheet 'Data': 30 hidden rows read as the others: rows 3, 5, 7, 9, 11, 13, 15, 17 "
        "and 22 more "
    )
    assert spans([1, 2, 3, 10]) == "1-3, 10"


def test_hidden_rows_and_columns_of_an_ods_sheet(wh, tmp_path):
    """LibreOffice keeps them as table:visibility collapse (hidden) or filter (filtered
    out), and repeats a row's element for rows alike."""
    cell = '<table:table-cell office:value-type="string"><text:p>{}</text:p></table:table-cell>'

    def row(values, attrs=""):
        return (
            f"<table:table-row {attrs}>{''.join(cell.format(v) for v in values)}</table:table-row>"
        )

    body = (
        '<table:table-column table:number-columns-repeated="5"/>'
        '<table:table-column table:visibility="collapse"/>'
        + row(TX_HEADER)
        + row([tx("R1")[h] for h in TX_HEADER])
        + row([tx("R2")[h] for h in TX_HEADER], 'table:visibility="collapse"')
        + row([tx("R3")[h] for h in TX_HEADER], 'table:visibility="filter"')
        + row([tx("R4")[h] for h in TX_HEADER])
    )
    ns = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')  # fmt: skip
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns}>'
               "<office:body><office:spreadsheet>"
               f'<table:table table:name="S">{body}</table:table>'
               "</office:spreadsheet></office:body></office:document-content>")  # fmt: skip
    path = tmp_path / "h.ods"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("META-INF/manifest.xml", MANIFEST)
        zf.writestr("content.xml", content)
    r = load(wh, path)
    assert r.loaded == 4
    assert _hidden_notes(r) == [
        "sheet 'S': 2 hidden rows read as the others: rows 3-4; the hidden column F "
        f"(amount) read as the others {ADVICE}"
    ]
