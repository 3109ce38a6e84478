"""A file misread and withdrawn can be read again with other options: what identifies a
load is its content, its sheet and the reading options that change its values
(:mod:`marsad.ingest.identity`)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from marsad.ingest import ReadOptions, load_files
from marsad.ingest.errors import FileRefused
from marsad.ingest.reporters import listing, parse_map
from marsad.ingest.withdraw import withdraw

from .conftest import amounts, load, tx, write_csv


def test_a_withdrawn_misread_is_read_again_with_the_right_decimal_mark(wh, tmp_path):
    """`1,500` read with --decimal , (1.5), withdrawn: --decimal . said "already
    loaded ... withdrawn ... load a corrected file instead", for ever."""
    f = write_csv(tmp_path / "t.csv", [tx("R1", amount="1,500", reporter="BK01")])
    wrong = load(wh, f, decimal=",")
    assert amounts(wh) == {"R1": Decimal("1.500")}
    withdraw(wh, wrong.load_id, "wrong decimal", "amina")
    right = load(wh, f, decimal=".")
    assert right.status == "loaded" and right.load_id != wrong.load_id
    assert amounts(wh) == {"R1": Decimal("1500.000")}
    # idempotent: the same options again, or none (detected), are the load in force
    for opts in ({"decimal": "."}, {}):
        again = load(wh, f, **opts)
        assert (again.status, again.load_id) == ("already loaded", right.load_id)
    # the misread's own options after its withdrawal: it stays out, as documented
    stays_out = load(wh, f, decimal=",")
    assert (stays_out.status, stays_out.load_id) == ("already loaded", wrong.load_id)
    assert "was withdrawn" in stays_out.notes[-1] and "--decimal" in stays_out.notes[-1]
    assert amounts(wh) == {"R1": Decimal("1500.000")}


def test_other_options_while_in_force_are_refused_naming_the_withdrawal(wh, tmp_path):
    """Two readings of one file in force would load its records twice, or correct them
    with the other reading's values without a word."""
    f = write_csv(tmp_path / "t.csv", [tx("R1", amount="1,500", reporter="BK01")])
    first = load(wh, f, decimal=",")
    with pytest.raises(FileRefused) as exc:
        load(wh, f, decimal=".")
    msg = str(exc.value)
    assert f"marsad loads withdraw {first.load_id}" in msg
    assert "decimal '.' (it was read with ',')" in msg
    (report,) = load_files(wh, "transactions", [f], options=ReadOptions(decimal="."),
                           on_refused="report")  # fmt: skip
    assert report.status == "refused" and "withdraw" in report.notes[0]
    assert amounts(wh) == {"R1": Decimal("1.500")}


def test_options_that_agree_with_what_was_detected_are_the_same_load(wh, tmp_path):
    """Stating what was detected (the separator, the encoding under another name, a
    decimal mark for whole numbers) is not another reading."""
    rows = [tx("R1", amount="1500", reporter="BK01", firm_id="Société")]
    f = write_csv(tmp_path / "t.csv", rows, sep=";", encoding="cp1252")
    first = load(wh, f)
    assert first.status == "loaded"
    for opts in ({"sep": ";"}, {"encoding": "windows-1252"}, {"decimal": ","}, {"decimal": "."}):
        again = load(wh, f, **opts)
        assert (again.status, again.load_id) == ("already loaded", first.load_id), opts


def test_encoding_date_format_and_column_names_make_another_reading(wh, tmp_path):
    """The neighbours of the decimal mark: an encoding, a date format, a column mapping
    stated otherwise read other values from the same bytes."""
    header = ("Record ID", *[h for h in tx("x") if h != "record_id"])
    rows = [{"Record ID": "R1", **tx("R1", value_date="03/04/2024", firm_id="Société")}]
    f = write_csv(tmp_path / "t.csv", rows, header=header, encoding="cp1252")
    first = load(wh, f, encoding="latin-1", column_map={"record id": "record_id"})
    withdraw(wh, first.load_id, "latin-1", "amina")
    second = load(wh, f, encoding="cp1252", column_map={"record id": "record_id"})
    assert second.status == "loaded" and second.quarantined == 1  # 03/04/2024: no date
    withdraw(wh, second.load_id, "dates", "amina")
    third = load(wh, f, date_format="%d/%m/%Y", column_map={"record id": "record_id"})
    assert third.status == "loaded"
    assert str(wh.scalar("SELECT value_date FROM transactions")) == "2024-04-03"
    with pytest.raises(FileRefused, match="another column mapping"):
        load(wh, f, date_format="%d/%m/%Y", column_map={"record id": "firm_id"})


def test_a_withdrawal_forgets_what_the_load_taught_its_reporter(wh, tmp_path):
    """The misread's stated --decimal , stayed BK01's mark after it was withdrawn: the
    bank's next file of 1.500s was read 1.5."""
    f = write_csv(tmp_path / "t.csv", [tx("R1", amount="1,500", reporter="BK01")])
    wrong = load(wh, f, decimal=",")
    assert [r[:3] for r in listing(wh)] == [("BK01", "decimal", ",")]
    report = withdraw(wh, wrong.load_id, "wrong decimal", "amina")
    assert "BK01's decimal ','" in report.summary()
    assert listing(wh) == []


def test_a_load_without_read_with_is_compared_by_its_ledger_columns(wh, tmp_path):
    """A warehouse of an earlier version has no read_with: its decimal mark, separator
    and encoding columns tell the reading; a date format or mapping stated agrees."""
    f = write_csv(tmp_path / "t.csv", [tx("R1", amount="1,500", reporter="BK01")])
    first = load(wh, f, decimal=",")
    wh.sql("UPDATE ingest_loads SET read_with = NULL")
    for opts in ({}, {"decimal": ","}, {"encoding": "utf-8"}, {"date_format": "%Y-%m-%d"}):
        assert load(wh, f, **opts).load_id == first.load_id, opts
    with pytest.raises(FileRefused, match="withdraw that load first"):
        load(wh, f, decimal=".")


def test_a_mapping_that_renames_nothing_is_not_another_reading(wh, tmp_path):
    """--map reporter=reporter of a file loaded before without a map was refused as
    "another column mapping", though the identity map changes nothing; so was the
    reporter's kept mapping stated again with it, or spelt in another case or order."""
    plain = write_csv(tmp_path / "a.csv", [tx("R1", reporter="BK01")])
    first = load(wh, plain)
    for items in (["reporter=reporter"], ["AMOUNT=amount", " Reporter =Reporter"]):
        again = load(wh, plain, column_map=parse_map(items))
        assert (again.status, again.load_id) == ("already loaded", first.load_id), items
    header = ("Record ID", *[h for h in tx("x") if h != "record_id"])
    rows = [{"Record ID": "R2", **tx("R2", reporter="BK02")}]
    named = write_csv(tmp_path / "b.csv", rows, header=header)
    kept = load(wh, named, column_map={"record id": "record_id"})
    assert kept.status == "loaded"
    for items in (["Reporter=REPORTER", "Record ID=record_id"],
                  ["amount=Amount", "record id=Record_ID"]):  # fmt: skip
        again = load(wh, named, column_map=parse_map(items))
        assert (again.status, again.load_id) == ("already loaded", kept.load_id), items


def test_a_mapping_that_renames_nothing_is_not_kept_for_the_reporter(wh, tmp_path):
    """A new file read with --map reporter=reporter: nothing to keep as the reporter's
    mapping (it was kept as 'reporter' -> reporter, a reviewer's find); the pairs that
    rename are kept alone."""
    plain = write_csv(tmp_path / "a.csv", [tx("R1", reporter="BK01")])
    load(wh, plain, column_map=parse_map(["reporter=reporter"]))
    assert [row for row in listing(wh) if row[1] == "map"] == []
    header = ("Record ID", *[h for h in tx("x") if h != "record_id"])
    named = write_csv(tmp_path / "b.csv", [{"Record ID": "R2", **tx("R2", reporter="BK02")}],
                      header=header)  # fmt: skip
    load(wh, named, column_map=parse_map(["Record ID=record_id", "reporter=reporter"]))
    maps = [row[2] for row in listing(wh) if row[1] == "map"]
    assert maps == ['{"record id": "record_id"}']
