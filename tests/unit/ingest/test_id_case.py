"""Ids that match a known one only in another case are said in the load's notes (a
reviewer's ``f002`` went by concordance into another segment than the registry's
``F002``, and ``banka`` was a second bank beside ``BANKA``); nothing is changed."""

from __future__ import annotations

from tests.unit.ingest.conftest import load, loaded_ids, tx, write_csv


def test_a_firm_or_reporter_id_in_another_case_is_noted(wh, tmp_path):
    firms = tmp_path / "firms.csv"
    firms.write_text("firm_id,name,segment\nF001,Alpha,ITO\nF002,Beta,CRM\n", encoding="utf-8")
    load(wh, firms, kind="firms")
    first = load(wh, write_csv(tmp_path / "a.csv", [tx("R1", reporter="BANKA")]))
    assert not [n for n in first.notes if "compared as written" in n]
    rows = [tx("R2", firm_id="f002", reporter="banka"), tx("R3", firm_id="F002"),
            tx("R4", firm_id="F999", reporter="banka")]  # fmt: skip
    report = load(wh, write_csv(tmp_path / "b.csv", rows))
    assert loaded_ids(wh) == {"R1", "R2", "R3", "R4"}  # loaded as written
    said = [n for n in report.notes if "compared as written" in n]
    assert said == [
        "firm id 'f002' is not in the registry, but 'F002' is (ids are compared as written: "
        "the records went by their service code; correct the file or the registry)",
        "reporter 'banka' is known to this warehouse as 'BANKA' (another bank to coverage: "
        "ids are compared as written; correct the file if it is the same bank)",
    ], report.notes


def test_two_cases_of_a_reporter_in_a_first_load_are_not_said_known(wh, tmp_path):
    """A reviewer's first file held bk01 and BK01: the note said both 'are known to this
    warehouse' as each other, though the warehouse knew neither."""
    rows = [tx("R1", reporter="BK01"), tx("R2", reporter="bk01")]
    report = load(wh, write_csv(tmp_path / "a.csv", rows))
    said = [n for n in report.notes if "compared as written" in n]
    assert said == [
        "reporters 'BK01', 'bk01' are written also as 'bk01', 'BK01' in the files of this "
        "load (two banks to coverage: ids are compared as written; correct the file if it "
        "is the same bank)"
    ], report.notes
