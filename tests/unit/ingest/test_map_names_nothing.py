"""A stated column mapping (``--map``) that names a column the file does not have is
said on the load and not kept for the reporter; one that hides a column the file has
(``--map amount=reporter`` on a file with an ``amount`` column) is told as that, not as
a column missing from the file."""

from __future__ import annotations

from decimal import Decimal

import pytest

from marsad.ingest import FileRefused, reporters

from .conftest import TX_HEADER, WRITERS, load, tx


@pytest.mark.parametrize("fmt", ["csv", "parquet", "xlsx"])
def test_a_map_naming_no_column_of_the_file_is_said_and_not_kept(wh, tmp_path, fmt):
    """``--map montant=amount`` on a file without ``montant`` loaded without a word and
    was kept as BANK1's mapping."""
    path = WRITERS[fmt](tmp_path / f"a.{fmt}", [tx("R1")])
    r = load(wh, path, column_map={"montant": "amount"})
    assert r.loaded == 1
    assert (
        "--map montant=amount: the file has no column 'montant', so nothing was read with "
        "it, and it is not kept for the file's reporter"
    ) in r.notes
    assert [s for _, s, *_ in reporters.listing(wh)] == ["decimal"]


@pytest.mark.parametrize("fmt", ["csv", "parquet", "xlsx"])
def test_only_the_pairs_that_renamed_a_column_are_kept(wh, tmp_path, fmt):
    header = ["Record ID" if h == "record_id" else h for h in TX_HEADER]
    row = {**tx("R1"), "Record ID": "R1"}
    path = WRITERS[fmt](tmp_path / f"a.{fmt}", [row], header=header)
    r = load(wh, path, column_map={"record id": "record_id", "montant": "amount"})
    assert r.loaded == 1
    assert any(n.startswith("--map montant=amount: the file has no column") for n in r.notes)
    kept = {s: v for _, s, v, *_ in reporters.listing(wh)}
    assert kept["map"] == '{"record id": "record_id"}'


@pytest.mark.parametrize("fmt", ["csv", "parquet", "xlsx"])
def test_a_map_that_hides_a_column_the_file_has_says_so(wh, tmp_path, fmt):
    """``--map amount=reporter`` said 'required column amount is missing' of a file
    whose header shows an ``amount`` column."""
    path = WRITERS[fmt](tmp_path / f"a.{fmt}", [tx("R1")])
    with pytest.raises(FileRefused) as err:
        load(wh, path, column_map={"amount": "reporter"})
    assert err.value.reason.endswith(
        ": the stated column mapping (--map amount=reporter) reads the file's column 'amount' "
        "as reporter, beside the file's own column reporter (--map is NAME=field: the "
        "file's name, then the field it holds)"
    )
    assert err.value.reason.startswith("required column amount is missing (header has: ")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_map_naming_no_column_for_a_missing_field_says_so(wh, tmp_path, fmt):
    header = ["Montant TTC" if h == "amount" else h for h in TX_HEADER]
    row = {**tx("R1"), "Montant TTC": "10.50"}
    path = WRITERS[fmt](tmp_path / f"a.{fmt}", [row], header=header)
    with pytest.raises(FileRefused) as err:
        load(wh, path, column_map={"montant": "amount"})
    assert err.value.reason.endswith(
        ": the stated column mapping (--map montant=amount) names no column of the file: 'montant'"
    )


@pytest.mark.parametrize("fmt", ["csv", "parquet", "xlsx"])
def test_a_map_making_a_field_twice_names_the_mapped_column(wh, tmp_path, fmt):
    header = ["Montant" if h == "amount" else h for h in TX_HEADER] + ["amount"]
    row = {**tx("R1"), "Montant": "10.50"}
    path = WRITERS[fmt](tmp_path / f"a.{fmt}", [row], header=header)
    with pytest.raises(FileRefused) as err:
        load(wh, path, column_map={"montant": "amount"})
    where = "" if fmt == "parquet" else " in the header"
    assert err.value.reason == (
        f"the column amount appears 2 times{where}: 'Montant', 'amount' "
        "(a column mapping reads 'Montant' as amount)"
    )


@pytest.mark.parametrize("fmt", ["csv", "parquet", "xlsx"])
def test_a_kept_map_making_a_field_twice_is_refused_as_a_stated_one(wh, tmp_path, fmt):
    """BANK1 keeps ``Montant -> amount`` from an earlier --map; a later file with both
    ``Montant`` and ``amount`` loaded ``amount`` and listed ``Montant`` as not used,
    without a word, where the same file with ``--map Montant=amount`` was refused.
    ``--map amount=amount`` reads the file's own column."""
    first = ["Montant" if h == "amount" else h for h in TX_HEADER]
    path = WRITERS[fmt](tmp_path / f"a.{fmt}", [{**tx("R1"), "Montant": "10.50"}], header=first)
    assert load(wh, path, column_map={"montant": "amount"}).loaded == 1
    header = [*first, "amount"]
    row = {**tx("R2"), "Montant": "10.50", "amount": "11.50"}
    path = WRITERS[fmt](tmp_path / f"b.{fmt}", [row], header=header)
    with pytest.raises(FileRefused) as err:
        load(wh, path)
    where = "" if fmt == "parquet" else " in the header"
    assert err.value.reason == (
        f"the column amount appears 2 times{where}: 'Montant', 'amount' (reporter BANK1's "
        "column mapping, kept from an earlier --map, reads 'Montant' as amount): load the "
        "file with --map amount=amount to read its own column amount, or remove one of the two"
    )
    r = load(wh, path, column_map={"amount": "amount"})
    assert r.loaded == 1
    (amount,) = wh.sql("SELECT amount FROM transactions WHERE record_id = 'R2'")[0]
    assert amount == Decimal("11.50")
