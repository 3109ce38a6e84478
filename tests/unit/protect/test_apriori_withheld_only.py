"""Rule (C) reads of each earlier release only the relations that hold a cell it did not
publish (:func:`~marsad.protect.cells.linked_table` with ``withheld_only``, what
:func:`~marsad.release.apriori.of_releases` does): the joint table, and so the
suppression pattern and the audit, must be what deriving every relation gives. These
tests fail if the reading drops a relation that matters (one holding a confidential,
secondary or latent cell) or changes their order."""

from __future__ import annotations

import random
from collections import defaultdict

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from marsad.protect.apriori import Apriori
from marsad.protect.cells import BREAKDOWNS, linked_table, period_map
from marsad.protect.secondary import protect
from marsad.protect.table import Cell, LinkedTable
from marsad.reference import ALL, DDS, TOTAL

YEAR = 2024
SEGMENTS, SERVICES, PARTNERS = ("ITO", "CRM"), ("SI22", "SJ22"), ("FR", "US")


def _cells(records: list[tuple], rng: random.Random, withheld: float) -> dict:
    """The published level cells of ``records`` ``(month, segment, service, partner, dds,
    centimes)`` as a build makes them (every period and breakdown, the ``DDS`` aggregate;
    :mod:`marsad.protect.cells`), each confidential (``A``, a fifth of its value each
    way) or withheld (``D``) with probability ``withheld`` / 2, else published."""
    periods = defaultdict(list)
    for row in period_map(sorted({(YEAR, m) for m, *_ in records})).to_pylist():
        periods[row["month"]].append(row["period"])
    sums: dict[tuple, int] = defaultdict(int)
    for month, segment, service, partner, dds, value in records:
        for dims in BREAKDOWNS:
            segments = [segment, *[DDS] * dds] if "segment" in dims else [TOTAL]
            for seg in segments:
                svc = service if "service" in dims else ALL
                ptn = partner if "partner" in dims else ALL
                for period in periods[month]:
                    sums[("exports", period, seg, svc, ptn)] += value
    cells = {}
    for key in sorted(sums):
        value, draw = sums[key], rng.random()
        if draw < withheld / 2 and value:
            level = max(1, value // 5)
            cells[key] = Cell(value, "A", level, min(level, value))
        elif draw < withheld:
            cells[key] = Cell(value, "D")
        else:
            cells[key] = Cell(value)
    return cells


@st.composite
def _releases(draw):
    """Two or three earlier releases of a quarter's records, each revising the one before
    (values corrected, records added late, a firm's records moved to another segment),
    with random flags, and the table being protected now, one revision later."""
    record = st.tuples(
        st.integers(1, 3),
        st.sampled_from(SEGMENTS),
        st.sampled_from(SERVICES),
        st.sampled_from(PARTNERS),
        st.booleans(),
        st.integers(1, 500).map(lambda v: v * 100),
    )
    records = draw(st.lists(record, min_size=2, max_size=6))
    rng = draw(st.randoms(use_true_random=False))
    tables = []
    for _ in range(draw(st.integers(2, 3)) + 1):
        tables.append(records)
        records = list(records)
        for _ in range(draw(st.integers(1, 2))):
            kind = draw(st.sampled_from(["correct", "late", "move"]))
            i = draw(st.integers(0, len(records) - 1))
            month, segment, service, partner, dds, value = records[i]
            if kind == "correct":
                records[i] = (month, segment, service, partner, dds, value + 100)
            elif kind == "late":
                records.append(draw(record))
            else:
                other = SEGMENTS[1 - SEGMENTS.index(segment)]
                records[i] = (month, other, service, partner, dds, value)
    *earlier, now = tables
    releases = {f"R{i + 1}": _cells(r, rng, 0.3) for i, r in enumerate(earlier)}
    return releases, _cells(now, rng, 0.1)


def _same(a: LinkedTable, b: LinkedTable) -> None:
    assert a.relations == b.relations  # the same relations, in the same order
    assert a.cells == b.cells and list(a.cells) == list(b.cells)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(_releases())
def test_reading_only_the_withheld_relations_gives_the_same_joint_table(case):
    releases, now = case
    every = Apriori.of_linked({r: linked_table(c) for r, c in releases.items()})
    withheld = Apriori.of_linked(
        {r: linked_table(c, withheld_only=True) for r, c in releases.items()}
    )
    table = linked_table(now)
    joint = every.protecting(table)
    _same(joint, withheld.protecting(table))
    _same(every.seen_by_intruder(table), withheld.seen_by_intruder(table))
    assert every.digests() == withheld.digests()
    derived = sum(len(t.relations) for _, t in withheld.tables)
    event(
        "fewer relations derived"
        if derived < sum(len(t.relations) for _, t in every.tables)
        else "every relation holds a withheld cell"
    )
    earlier = len(joint.relations) - len(table.relations)
    event("earlier relations in the joint table" if earlier else "none reaches the table")
    # each relation kept holds a cell its release did not publish, and every such
    # relation is kept
    for (_, full), (_, part) in zip(every.tables, withheld.tables, strict=True):
        holding = [
            r for r in full.relations if any(full.cells[k].withheld for k in (r.total, *r.parts))
        ]
        assert list(part.relations) == holding


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(_releases())
def test_the_suppression_pattern_is_the_same_with_every_relation_or_the_withheld_only(case):
    releases, now = case
    table = linked_table(now)
    found = []
    for withheld_only in (False, True):
        tables = {r: linked_table(c, withheld_only) for r, c in releases.items()}
        result = protect(Apriori.of_linked(tables).protecting(table))
        flags = {k: (c.status, c.known) for k, c in result.table.cells.items()}
        found.append((flags, result.secondary, result.unprotectable))
    assert found[0] == found[1]
    event("complements chosen" if found[0][1] else "no complement")


def test_a_frozen_release_is_read_with_its_withheld_relations_only(tmp_path, monkeypatch):
    """The releases of a warehouse as a build reads them: the same joint table for the
    next build as with every relation derived, from fewer relations."""
    import sys
    from pathlib import Path

    from marsad.protect.cells import KEY_FIELDS
    from marsad.protect.stored import VALUE_FIELDS, table_from_rows
    from marsad.release.apriori import of_releases
    from marsad.release.store import all_releases

    monkeypatch.delenv("MARSAD_RELEASES_DIR", raising=False)
    sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "bench"))
    import bench_releases

    bench_releases.run(rows_per_year=1_000, releases=2, out=tmp_path)
    from marsad.engine import open_warehouse

    with open_warehouse(tmp_path / "marsad.duckdb") as wh:
        columns = ", ".join((*KEY_FIELDS, *VALUE_FIELDS))
        now = table_from_rows(wh.sql(f"SELECT {columns} FROM sdc_cells"))
    releases = list(all_releases(tmp_path / "releases"))
    every, withheld = of_releases(releases, every_relation=True), of_releases(releases)
    _same(every.protecting(now), withheld.protecting(now))
    assert every.digests() == withheld.digests()
    for (_, full), (_, part) in zip(every.tables, withheld.tables, strict=True):
        assert part.cells == full.cells and 0 < len(part.relations) < len(full.relations)
