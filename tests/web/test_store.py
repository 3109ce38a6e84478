"""The releases as the web reads them: latest, by id, as of a date, and queries."""

from __future__ import annotations

import datetime as dt

import pytest

from marsad.web.store import Filters, NoRelease, PublicStore


@pytest.fixture(scope="module")
def store(world) -> PublicStore:
    return PublicStore(world["root"])


def test_latest_by_id_and_as_of(store):
    assert [r.id for r in store.releases()] == ["R1", "R2"]
    assert store.latest().id == "R2" == store.find("latest").id
    assert store.as_of(dt.date(2025, 10, 31)).id == "R1"
    assert store.as_of(dt.date(2025, 11, 15)).id == "R2"
    with pytest.raises(NoRelease, match="no release on or before 2025-10-14"):
        store.as_of(dt.date(2025, 10, 14))
    with pytest.raises(NoRelease, match="no release 'R9'"):
        store.find("R9")


def test_a_series_lookup_equals_a_scan(store):
    table = store.table(store.latest())
    wanted = Filters.parse(indicator="level", flow="exports", segment="TOTAL", service="_T",
                           partner="_T", freq="Q", start="2024-Q1", end="2025-Q2")  # fmt: skip
    found = table.query(wanted)
    assert [r[2] for r in found] == ["2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4", "2025-Q1",
                                     "2025-Q2"]  # fmt: skip
    scanned = [r for r in table.rows if wanted.keeps(r)]
    assert sorted(found) == sorted(scanned)
    open_segment = Filters.parse(indicator="level", flow="exports", freq="A")
    assert sorted(table.query(open_segment)) == sorted(
        r for r in table.rows if open_segment.keeps(r)
    )


def test_a_start_and_end_take_period_letters_in_either_case():
    """``/api/v1/observations?start=2024-q1`` was a 400 where ``2024-Q1`` was answered."""
    typed = Filters.parse(indicator="level", start="2024-q2", end="2025-s1")
    assert typed == Filters.parse(indicator="level", start="2024-Q2", end="2025-S1")
    assert typed.months == ((2024, 4), (2025, 6))


def test_a_table_is_read_once(store):
    info = store.latest()
    assert store.table(info) is store.table(info)
