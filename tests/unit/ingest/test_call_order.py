"""A record that several files of one ``ingest`` call give with different content: the
file named last is kept (as if the files were loaded one after the other), and the load
report says so, naming the files, instead of leaving the figures to the shell's order."""

from __future__ import annotations

from decimal import Decimal

import pytest

from marsad.ingest import load_files
from tests.unit.ingest.conftest import amounts, tx, write_csv


@pytest.fixture
def march(tmp_path):
    """``2024-03.csv`` (X1 = 100) and its correction ``2024-03-corr.csv`` (X1 = 150),
    in the order a shell's ``tx/*.csv`` names them: the correction first."""
    original = write_csv(tmp_path / "2024-03.csv", [tx("X1", amount="100"), tx("X2")])
    corrected = write_csv(
        tmp_path / "2024-03-corr.csv", [tx("X1", amount="150"), tx("X2"), tx("X3")]
    )
    return [corrected, original]


def test_a_record_in_two_files_of_one_call_is_said_with_the_file_kept(wh, march):
    """`ingest tx/*.csv` loaded 2024-03-corr.csv then 2024-03.csv: X1 went back to 100,
    the figure fell from 650 to 600, and nothing said so."""
    corrected, original = load_files(wh, "transactions", march)
    assert amounts(wh)["X1"] == Decimal("100.000")  # the last named is kept, as before
    assert not [n for n in corrected.notes if "files of this call" in n]
    (note,) = [n for n in original.notes if "files of this call" in n]
    assert note.startswith(
        "1 record is in 2 files of this call with different content "
        "(2024-03-corr.csv, 2024-03.csv): the version of the last named, 2024-03.csv, "
        "was kept"
    )
    assert "name it after the file it corrects, or load it in a call of its own after it" in note
    assert "150" not in note and "100" not in note  # no amount


def test_the_same_across_batches_of_one_call(wh, march, monkeypatch):
    """Files of one call written in several transactions (MARSAD_BATCH_BYTES) say it too."""
    monkeypatch.setenv("MARSAD_BATCH_BYTES", "1")
    _corrected, original = load_files(wh, "transactions", march)
    assert [n for n in original.notes if "1 record is in 2 files of this call" in n]


def test_in_the_right_order_the_correction_is_kept_and_said_kept(wh, march):
    corrected, original = march
    _, last = load_files(wh, "transactions", [original, corrected])
    assert amounts(wh)["X1"] == Decimal("150.000")
    assert [n for n in last.notes if "the last named, 2024-03-corr.csv, was kept" in n]


def test_a_record_repeated_unchanged_in_another_file_is_not_said(wh, tmp_path, march):
    same = write_csv(tmp_path / "again.csv", [tx("X2"), tx("X9")])
    first, second = load_files(wh, "transactions", [march[1], same])
    assert second.unchanged == 1
    assert not [n for n in first.notes + second.notes if "files of this call" in n]


def test_two_sheets_of_one_workbook_are_named_with_their_sheets(wh, tmp_path):
    """A reviewer's workbook of two sheets giving S1 with 100 and 200: the note said
    '1 record is in 1 files of this call … (x.xlsx): the version of x.xlsx was kept'."""
    from tests.unit.ingest.conftest import TX_HEADER, write_sheets

    def row(amount):
        return [tx("S1", amount=amount)[h] for h in TX_HEADER]

    sheets = {"Mars": [list(TX_HEADER), row("100")], "Mars (2)": [list(TX_HEADER), row("200")]}
    book = write_sheets(tmp_path / "x.xlsx", sheets)
    reports = load_files(wh, "transactions", [book])
    notes = [n for r in reports for n in r.notes if "of this call" in n]
    assert notes == [
        "1 record is in 2 sheets of this call with different content (x.xlsx (sheet Mars), "
        "x.xlsx (sheet Mars (2))): the version of the last named, x.xlsx (sheet Mars (2)), "
        "was kept (files are applied in the order named); to apply a correction, name it "
        "after the file it corrects, or load it in a call of its own after it"
    ], notes
    assert amounts(wh)["S1"] == Decimal("200.000")
