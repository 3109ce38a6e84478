"""The key index (:mod:`marsad.ingest.keyindex`): a load opens only the months its
keys may live in, with exactly the outcomes of a search of the whole store, and
the index stays right (a superset of the months holding each key) under
corrections across months, withdrawals, records written without it, and a load
that fails half way."""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marsad.engine.warehouse import Warehouse
from marsad.ingest import keyindex, load_files
from marsad.ingest.withdraw import withdraw

from .conftest import load, tx, write_csv


def opened_months(wh, monkeypatch) -> list:
    """Spy: the months each edit of the record store opens."""
    seen: list = []
    real = type(wh.records).editing

    def editing(self, months):
        seen.append(None if months is None else list(months))
        return real(self, months)

    monkeypatch.setattr(type(wh.records), "editing", editing)
    return seen


def index_months(wh) -> set:
    return {(m // 12, m % 12 + 1) for (m,) in wh.sql("SELECT m FROM ingest_key_index")}


def test_a_new_month_opens_no_month_and_a_correction_only_its_own(wh, tmp_path, monkeypatch):
    load(wh, write_csv(tmp_path / "jan.csv", [tx("R1", value_date="2024-01-10")]))
    load(wh, write_csv(tmp_path / "feb.csv", [tx("R2", value_date="2024-02-10")]))
    seen = opened_months(wh, monkeypatch)
    load(wh, write_csv(tmp_path / "mar.csv", [tx("R3", value_date="2024-03-10")]))
    r = load(wh, write_csv(tmp_path / "fix.csv", [tx("R1", value_date="2024-01-10", amount="9")]))
    assert seen == [[], [(2024, 1)]] and r.corrections == 1


def test_a_correction_into_another_month_is_found_again(wh, tmp_path):
    load(wh, write_csv(tmp_path / "a.csv", [tx("R1", value_date="2024-01-10")]))
    load(wh, write_csv(tmp_path / "b.csv", [tx("R1", value_date="2024-05-10")]))
    assert {(2024, 1), (2024, 5)} <= index_months(wh)
    r = load(wh, write_csv(tmp_path / "c.csv", [tx("R1", value_date="2024-05-10", amount="3")]))
    assert r.corrections == 1
    assert wh.scalar("SELECT count(*) FROM transactions") == 1


def test_records_written_without_the_index_rebuild_it(wh, tmp_path):
    load(wh, write_csv(tmp_path / "a.csv", [tx("R1", value_date="2024-01-10")]))
    with wh.transaction(), wh.records.editing(wh.records.ALL_MONTHS):
        wh.sql("UPDATE transactions SET value_date = DATE '2024-07-01'")
    assert not keyindex.valid(wh)
    r = load(wh, write_csv(tmp_path / "b.csv", [tx("R1", value_date="2024-07-01", amount="2")]))
    assert r.corrections == 1 and keyindex.valid(wh)
    assert index_months(wh) == {(2024, 7)}


def test_an_index_hashed_by_another_duckdb_is_rebuilt(wh, tmp_path):
    load(wh, write_csv(tmp_path / "a.csv", [tx("R1")]))
    wh.sql("UPDATE ingest_key_index_state SET probe = probe + 1")
    wh.sql("DELETE FROM ingest_key_index")  # as if every hash had changed
    assert not keyindex.valid(wh)
    r = load(wh, write_csv(tmp_path / "b.csv", [tx("R1", amount="7")]))
    assert r.corrections == 1 and wh.scalar("SELECT count(*) FROM transactions") == 1


def test_a_version_brought_back_by_a_withdrawal_is_indexed(wh, tmp_path):
    load(wh, write_csv(tmp_path / "a.csv", [tx("R1", value_date="2024-01-10")]))
    b = load(wh, write_csv(tmp_path / "b.csv", [tx("R1", value_date="2024-05-10")]))
    # as if the January version had been loaded before the index existed
    wh.sql("DELETE FROM ingest_key_index WHERE m = 2024 * 12")
    withdraw(wh, b.load_id, "wrong month", "tester")
    assert keyindex.valid(wh) and (2024, 1) in index_months(wh)
    r = load(wh, write_csv(tmp_path / "c.csv", [tx("R1", value_date="2024-01-10", amount="4")]))
    assert r.corrections == 1 and wh.scalar("SELECT count(*) FROM transactions") == 1


def test_a_load_that_fails_after_the_records_leaves_the_index_as_it_was(wh, tmp_path, monkeypatch):
    from marsad.ingest import ledger

    load(wh, write_csv(tmp_path / "a.csv", [tx("R1", value_date="2024-01-10")]))
    before = wh.sql("SELECT * FROM ingest_key_index ORDER BY ALL")

    def fail(*_a, **_k):
        raise OSError("disk full")

    monkeypatch.setattr(ledger, "write_ledger", fail)
    with pytest.raises(OSError):
        load_files(wh, "transactions", [write_csv(tmp_path / "b.csv", [tx("R2")])])
    assert wh.sql("SELECT * FROM ingest_key_index ORDER BY ALL") == before
    assert keyindex.valid(wh)


# -- property: the index changes no outcome ------------------------------------------------

MONTHS = ["2024-01-10", "2024-02-10", "2024-03-10"]
row = st.tuples(
    st.sampled_from(["R1", "R2", "R3", "R4", "R5"]),
    st.sampled_from(MONTHS),
    st.sampled_from(["10", "20", "-1", "x"]),  # good, good, positive, type
)
step = st.one_of(
    st.tuples(st.just("load"), st.lists(row, min_size=1, max_size=6)),
    st.tuples(st.just("withdraw"), st.integers(0, 5)),
)


def _outcome(work: Path, steps: list, scan: bool) -> list:
    """Run ``steps`` in a new warehouse: the state after each, searching the keys
    with the index, or (``scan``) by opening every month of the store."""
    wh = Warehouse(work / ("scan.duckdb" if scan else "index.duckdb"))
    real = keyindex.months_holding
    if scan:
        keyindex.months_holding = lambda w, where="_fail IS NULL": w.records.months()
    try:
        out, loads = [], []
        for n, (what, arg) in enumerate(steps):
            if what == "load":
                rows = [tx(r, value_date=d, amount=a) for r, d, a in arg]
                (r,) = load_files(wh, "transactions", [write_csv(work / f"f{n}.csv", rows)])
                loads.append(r.load_id)
                out.append((r.loaded, r.unchanged, r.quarantined, r.corrections, r.rules))
            elif loads:
                # (the summary names the minute of an earlier withdrawal: the two runs
                # may fall on either side of a minute's end)
                said = withdraw(wh, loads[arg % len(loads)], "test", "t").summary()
                out.append(re.sub(r"on \d{4}-\d{2}-\d{2} \d{2}:\d{2}", "on <time>", said))
            out.append(
                wh.sql(
                    "SELECT record_id, value_date, amount, load_id, line FROM transactions"
                    " ORDER BY ALL"
                )
            )
        out.append(
            wh.sql("SELECT * EXCLUDE (superseded_at) FROM transactions_history ORDER BY ALL")
        )
        out.append(wh.sql("SELECT load_id, line, rule, message, resolved_by FROM ingest_quarantine"
                          " ORDER BY ALL"))  # fmt: skip
        out.append(wh.sql("SELECT * FROM ingest_unchanged ORDER BY ALL"))
        return out
    finally:
        keyindex.months_holding = real
        wh.close()


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    steps=st.tuples(st.just("load"), st.lists(row, min_size=1, max_size=6)).flatmap(
        lambda first: st.lists(step, min_size=1, max_size=4).map(lambda rest: [first, *rest])
    )
)
def test_the_index_gives_the_outcomes_of_a_search_of_the_whole_store(steps):
    work = Path(tempfile.mkdtemp(prefix="marsad-keyindex-"))
    try:
        assert _outcome(work, steps, scan=False) == _outcome(work, steps, scan=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
