"""The secret of the records (:mod:`marsad.engine.records_key`) kept month by month: after
a load, a correction or a withdrawal it equals the secret computed from every record
again, and a call scans only the months whose records changed since the sums were kept
(a full scan of the store at every build would cost an incremental build about 1.4
CPU-s at 10M records)."""

from __future__ import annotations

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
    """The secret with no month's sums kept: every part scanned, then the kept sums back."""
    rows = wh.sql(f"SELECT * FROM {rk.TABLE}") if wh.has_table(rk.TABLE) else None
    if rows is not None:
        wh.sql(f"DROP TABLE {rk.TABLE}")
    key = rk.records_key(wh)
    if rows is not None:
        wh.sql(rk._DDL)
        for y, m, v, n, s in rows:
            wh.sql(f"INSERT INTO {rk.TABLE} VALUES (?, ?, ?, ?, CAST(? AS HUGEINT))",
                   [y, m, v, n, str(s)])  # fmt: skip
    return key


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
