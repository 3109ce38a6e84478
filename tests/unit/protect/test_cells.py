"""The cell statistics disclosure control reads (:func:`marsad.protect.cells.cell_statistics`)
against an independent computation in plain Python, over all years at once and one year at
a time (how the build queries them, to bound its memory)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import ibis
import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marsad.engine.queries import rows as query_rows
from marsad.protect.cells import BREAKDOWNS, FLOWS, cell_statistics, period_map
from marsad.reference import ALL, DDS, TOTAL

_COLUMNS = ("year", "month", "flow", "segment", "service", "partner", "dds", "contributor", "mad")
_SCHEMA = pa.schema(
    [
        ("year", pa.int32()),
        ("month", pa.int32()),
        ("flow", pa.string()),
        ("segment", pa.string()),
        ("service", pa.string()),
        ("partner", pa.string()),
        ("dds", pa.bool_()),
        ("contributor", pa.string()),
        ("mad", pa.decimal128(38, 2)),
    ]
)

_rows = st.lists(
    st.tuples(
        st.sampled_from([2023, 2024]),
        st.integers(1, 12),
        st.sampled_from(["C", "D"]),
        st.sampled_from(["ITO", "BPO"]),
        st.sampled_from(["SI22", "SJ11"]),
        st.sampled_from(["FR", "US"]),
        st.booleans(),
        st.sampled_from(["firm:A", "firm:B", "group:G", "unknown"]),
        st.decimals(0, 10**6, places=2, allow_nan=False, allow_infinity=False),
    ),
    max_size=40,
)
_complete = st.sets(st.tuples(st.sampled_from([2023, 2024]), st.integers(1, 12)), max_size=24)


def _expected(records: list[tuple], months: set[tuple[int, int]]) -> dict[tuple, tuple]:
    """Per cell: (contributors, total, largest, second largest or None), in plain Python."""
    periods = defaultdict(list)
    for year, month, period in zip(*period_map(sorted(months)).to_pydict().values(), strict=True):
        periods[(year, month)].append(period)
    per: dict[tuple, defaultdict] = defaultdict(lambda: defaultdict(Decimal))
    for year, month, flow, segment, service, partner, dds, contributor, mad in records:
        for dims in BREAKDOWNS:
            segments = [segment, *([DDS] if dds else [])] if "segment" in dims else [TOTAL]
            for seg in segments:
                svc = service if "service" in dims else ALL
                ptn = partner if "partner" in dims else ALL
                for period in periods[(year, month)]:
                    per[(FLOWS[flow], period, seg, svc, ptn)][contributor] += mad
    found = {}
    for key, by in per.items():
        ranked = sorted(by.items(), key=lambda kv: (-kv[1], kv[0]))
        found[key] = (
            len(ranked),
            sum(by.values()),
            ranked[0][1],
            ranked[1][1] if len(ranked) > 1 else None,
        )
    return found


def _query(
    records: list[tuple], months: set[tuple[int, int]], breakdowns=BREAKDOWNS
) -> dict[tuple, tuple]:
    table = pa.Table.from_pylist([dict(zip(_COLUMNS, r, strict=True)) for r in records], _SCHEMA)
    periods = ibis.memtable(period_map(sorted(months)))
    stats = cell_statistics(ibis.memtable(table), periods, breakdowns)
    found = {}
    for row in query_rows(stats):
        assert tuple(row[:5]) not in found, "one row per cell"
        found[tuple(row[:5])] = tuple(row[5:])
    return found


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records=_rows, months=_complete)
def test_cell_statistics_equal_a_plain_computation_whole_or_by_year_and_breakdown(records, months):
    """Whole, or one query per year and breakdown as the build asks (the parts are
    disjoint and their union is the whole)."""
    expected = _expected(records, months)
    assert _query(records, months) == expected
    by_part: dict[tuple, tuple] = {}
    for year in (2023, 2024):
        of_year = {m for m in months if m[0] == year}
        for breakdown in BREAKDOWNS if of_year else ():
            part = _query([r for r in records if r[0] == year], of_year, [breakdown])
            assert not by_part.keys() & part.keys(), "no period spans two years"
            by_part |= part
    assert by_part == expected


def test_two_equal_largest_contributions_are_x1_and_x2():
    records = [
        (2024, 1, "C", "ITO", "SI22", "FR", False, "firm:A", Decimal("5.00")),
        (2024, 1, "C", "ITO", "SI22", "FR", False, "firm:B", Decimal("5.00")),
        (2024, 1, "C", "ITO", "SI22", "FR", False, "unknown", Decimal("1.00")),
    ]
    found = _query(records, {(2024, 1)})
    assert found[("exports", "2024-01", TOTAL, ALL, ALL)] == (
        3,
        Decimal("11.00"),
        Decimal("5.00"),
        Decimal("5.00"),
    )
