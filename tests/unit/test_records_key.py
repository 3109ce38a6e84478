"""The secret of the records (:mod:`marsad.engine.records_key`) kept month by month: after
a load, a correction or a withdrawal it equals the secret computed from every record
again, and a call scans only the months whose records changed since the sums were kept
(a full scan of the store at every build would cost an incremental build about 1.4
CPU-s at 10M records)."""

from __future__ import annotations

import hashlib

import pytest

from marsad.engine import open_warehouse
from marsad.engine import records_key as rk
from marsad.ingest.withdraw import withdraw

from .ingest.conftest import tx, write_csv
from .test_record_store import _load, _three_months


@pytest.fixture
def wh(tmp_path):
    w = open_warehouse(tmp_path / "w.duckdb")
    yield w
    w.close()


def _kept(wh) -> str:
    with wh.transaction():
        return rk.records_key(wh, keep=True)


def _from_scratch(wh) -> str:
    """The secret with no month's sums used: every part scanned (``build --full``)."""
    return rk.records_key(wh, full=True)


@pytest.fixture
def scanned(monkeypatch):
    """The months each scan read, in order."""
    seen: list[set] = []
    real = rk._scan

    def spy(wh, select_sql):
        sums = real(wh, select_sql)
        seen.append(set(sums))
        return sums

    monkeypatch.setattr(rk, "_scan", spy)
    return seen


def test_kept_sums_give_the_secret_of_every_record_and_scan_only_what_changed(
    tmp_path, wh, scanned
):
    _three_months(tmp_path, wh)
    first = _kept(wh)
    assert scanned == [{(2024, 3), (2024, 4), (2024, 5)}]
    assert rk.records_key(wh) == first == _from_scratch(wh)
    scanned.clear()

    # a new month: that month alone is scanned
    _load(wh, write_csv(tmp_path / "jun.csv", [tx("R9", value_date="2024-06-01")]))
    added = _kept(wh)
    assert scanned == [{(2024, 6)}]
    assert added != first and added == _from_scratch(wh)
    scanned.clear()

    # a correction moving R1 from March to April: both, and only both
    fix = _load(wh, write_csv(tmp_path / "fix.csv", [tx("R1", value_date="2024-04-20")]))
    moved = _kept(wh)
    assert scanned == [{(2024, 3), (2024, 4)}]
    assert moved not in (first, added) and moved == _from_scratch(wh)
    scanned.clear()

    # withdrawn: R1 back in March, the secret as before the correction
    withdraw(wh, fix, "sent by mistake", "test")
    assert _kept(wh) == added == _from_scratch(wh)
    assert scanned[0] == {(2024, 3), (2024, 4)}


def test_a_correction_of_the_amount_alone_changes_the_secret(tmp_path, wh):
    _three_months(tmp_path, wh)
    before = _kept(wh)
    _load(wh, write_csv(tmp_path / "fix.csv", [tx("R2", amount="20.01")]))
    assert _kept(wh) != before


def test_the_same_records_loaded_otherwise_give_the_same_secret(tmp_path):
    """Two warehouses, the records in one file or in two, in the other order: one secret."""
    rows = [tx("R1", amount="10"), tx("R2", value_date="2024-04-10", amount="30")]
    with open_warehouse(tmp_path / "a.duckdb") as a:
        _load(a, write_csv(tmp_path / "all.csv", rows))
        one = _kept(a)
    with open_warehouse(tmp_path / "b.duckdb") as b:
        _load(b, write_csv(tmp_path / "apr.csv", rows[1:]))
        _kept(b)  # April's sums kept before March arrives
        _load(b, write_csv(tmp_path / "mar.csv", rows[:1]))
        assert _kept(b) == one


def test_build_full_scans_every_month_whatever_was_kept(tmp_path, wh, scanned):
    """A kept sum that is wrong (a warehouse copied, or kept by a DuckDB whose functions
    gave other values) is not trusted by ``build --full``."""
    _three_months(tmp_path, wh)
    right = _kept(wh)
    wh.sql(f"UPDATE {rk.TABLE} SET hash_sum = hash_sum + 1 WHERE month = 3")
    assert rk.records_key(wh) != right  # an incremental call trusts it
    scanned.clear()
    with wh.transaction():
        assert rk.records_key(wh, keep=True, full=True) == right
    assert scanned == [{(2024, 3), (2024, 4), (2024, 5)}]
    assert rk.records_key(wh) == right  # and keeps the right sums


def test_sums_kept_by_another_digest_are_made_again(tmp_path, wh, scanned):
    _three_months(tmp_path, wh)
    right = _kept(wh)
    wh.sql(f"UPDATE {rk.TABLE} SET scheme = 'duckdb-hash', hash_sum = 0")
    scanned.clear()
    assert rk.records_key(wh) == right
    assert scanned == [{(2024, 3), (2024, 4), (2024, 5)}]


def test_the_secret_has_a_fixed_specification(tmp_path, wh):
    """The digest of a record is the MD5 of its fields as text, joined by U+001F (bytes 8
    to 15, little-endian: DuckDB's ``md5_number_lower``), not DuckDB's internal ``hash``,
    which may change with its version; the secret is then the SHA-256 below. Written out
    here so that a change of either is seen (releases key their digests with it)."""
    _load(wh, write_csv(tmp_path / "one.csv", [tx("R1", amount="10")]))
    (row,) = wh.sql(f"SELECT {', '.join(rk.RECORD_FIELDS)} FROM transactions")
    text = "\x1f".join(str(v) for v in row)
    assert "2024-03-15" in text and "10.000" in text  # dates and amounts as DuckDB writes them
    digest = int.from_bytes(hashlib.md5(text.encode()).digest()[8:], "little")
    want = hashlib.sha256(f"marsad records\x1f2024-3:1:{digest}".encode()).hexdigest()
    assert rk.records_key(wh) == want
