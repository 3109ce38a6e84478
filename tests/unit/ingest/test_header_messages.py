"""What a message says of a file's header: its cells as the file writes them (case and
spelling kept, trimmed of what cannot be seen), never as they are matched (normalised),
so that the user finds ``Record_ID`` or ``MONTANT`` in the file. Matching itself stays
on normalised names."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from marsad.ingest import FileRefused

from .conftest import TX_HEADER, load, quarantine, tx, write_sheets

#: The transactions header as a bank wrote it: amount is "MONTANT" (no field), and
#: every other name in its own case, one with a space after it.
WRITTEN = ("Record_ID ", "Reporter", "FIRM_ID", "Value_Date", "flow", "MONTANT", "Currency",
           "Service_Code", "Partner_Country")  # fmt: skip
SHOWN = "'Record_ID', 'Reporter', 'FIRM_ID', 'Value_Date', 'flow', 'MONTANT', 'Currency'"


def _csv(path: Path, header: tuple[str, ...], values: tuple[str, ...]) -> Path:
    path.write_text(",".join(header) + "\n" + ",".join(values) + "\n", encoding="utf-8")
    return path


def _parquet(path: Path, header: tuple[str, ...], values: tuple[str, ...]) -> Path:
    pq.write_table(pa.table({h: [v] for h, v in zip(header, values, strict=True)}), path)
    return path


def _file(fmt: str, path: Path, header: tuple[str, ...], values: tuple[str, ...]) -> Path:
    if fmt == "csv":
        return _csv(path.with_suffix(".csv"), header, values)
    if fmt == "xlsx":
        return write_sheets(path.with_suffix(".xlsx"), {"Data": [list(header), list(values)]})
    return _parquet(path.with_suffix(".parquet"), header, values)


ROW = tuple(tx("R1")[h] for h in TX_HEADER)


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
def test_a_missing_column_quotes_the_header_as_written(wh, tmp_path, fmt):
    """Symptom: 'required column amount is missing (header has: record_id, reporter,
    firm_id, ..., montant, ...)': the user's MONTANT and Record_ID shown in lower case."""
    with pytest.raises(FileRefused) as e:
        load(wh, _file(fmt, tmp_path / "t", WRITTEN, ROW))
    message = str(e.value)
    assert "required column amount is missing (header has: " + SHOWN in message
    assert "montant" not in message and "record_id" not in message


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
def test_a_column_named_twice_quotes_both_cells(wh, tmp_path, fmt):
    """Symptom: 'the column amount appears 2 times in the header', naming neither cell."""
    header = (*TX_HEADER[:5], "Amount", *TX_HEADER[6:], "AMOUNT ")
    with pytest.raises(FileRefused) as e:
        load(wh, _file(fmt, tmp_path / "t", header, (*ROW, "2")))
    assert "the column amount appears 2 times" in str(e.value)
    assert str(e.value).endswith(": 'Amount', 'AMOUNT'")


def test_a_column_named_twice_through_the_map_quotes_both_cells(wh, tmp_path):
    header = (*TX_HEADER[:5], "Montant", *TX_HEADER[6:], "amount")
    p = _csv(tmp_path / "t.csv", header, (*ROW, "2"))
    with pytest.raises(FileRefused, match="appears 2 times in the header: 'Montant', 'amount'"):
        load(wh, p, column_map={"montant": "amount"})


def test_the_map_note_and_the_columns_not_used_are_as_written(wh, tmp_path):
    """Symptom: 'columns read with stated mapping: 'montant' as amount' and 'columns not
    used: commentaire' for the file's Montant and Commentaire."""
    header = (*TX_HEADER[:5], "Montant", *TX_HEADER[6:], "Commentaire", "")
    r = load(wh, _csv(tmp_path / "t.csv", header, (*ROW, "x", "y")),
             column_map={"montant": "amount"})  # fmt: skip
    assert r.loaded == 1
    assert r.ignored_columns == ["Commentaire", "(column 11)"]
    assert any("'Montant' as amount" in n for n in r.notes), r.notes


def test_an_excel_sheet_skipped_says_its_header_as_written(wh, tmp_path):
    """A sheet without the header is skipped with a note quoting its closest row."""
    p = write_sheets(tmp_path / "t.xlsx", {"Notes": [list(WRITTEN), list(ROW)],
                                    "Data": [list(TX_HEADER), list(ROW)]})  # fmt: skip
    r = load(wh, p)
    assert r.loaded == 1
    (note,) = [n for n in r.notes if "sheet 'Notes' not read" in n]
    assert SHOWN in note and "montant" not in note


def test_a_parquet_file_mapped_is_told_only_what_the_map_does_not_name(wh, tmp_path):
    """Symptom: a Parquet file whose MONTANT the map names amount, but without currency,
    was told 'required columns amount, currency are missing' (the map left out)."""
    header = tuple(h for h in WRITTEN if h != "Currency")
    values = tuple(v for h, v in zip(WRITTEN, ROW, strict=True) if h != "Currency")
    p = _parquet(tmp_path / "t.parquet", header, values)
    with pytest.raises(FileRefused) as e:
        load(wh, p, column_map={"montant": "amount"})
    assert "required column currency is missing (header has: 'Record_ID', " in str(e.value)


def test_a_line_held_names_a_column_not_read_as_written(wh, tmp_path):
    """Symptom: 'line 3, column remarque: a quoted value is not closed properly' for the
    file's column Remarque (a column marsad does not read)."""
    p = tmp_path / "f.csv"
    p.write_bytes(b'firm_id,name,segment,Remarque\nF1,A,ITO,ok\nF2,B,CRM,"x"y\n')
    r = load(wh, p, "firms")
    assert (r.loaded, r.quarantined) == (1, 1)
    (held,) = quarantine(wh)
    assert held["column"] == "Remarque"
    assert held["message"] == "line 3, column Remarque: a quoted value is not closed properly"
