"""One suite, run on every backend: the build's stages (classify, convert, cube,
contributions) give exactly DuckDB's Arrow tables (types too), and the exact values
(Python's Decimal, half away from zero), on synthetic and generated records."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marsad.convert import fast_limit
from marsad.cube import cube
from marsad.engine import open_warehouse
from marsad.engine.compute import DuckDBEngine
from marsad.reference import UNALLOCATED
from tests.conftest import insert
from tests.engine.conftest import fetch_sorted, stage_exprs

DAY = dt.date(2024, 3, 28)  # the rates' date; records up to 5 days later (across a month end)
MAX_AMOUNT = Decimal(10) ** 14 - Decimal("0.001")
FIRMS = [  # firm, segment, group: F1 and F3 are one contributor
    ("F1", "ITO", "G1"),
    ("F2", "BPO", None),
    ("F3", "CRM", "G1"),
]


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory):
    """A warehouse of the synthetic generator's records (two years, ingested)."""
    from marsad.ingest.load import load_files
    from marsad.synth.generate import generate

    folder = tmp_path_factory.mktemp("synthetic")
    data = folder / "data"
    generate(data, rows_per_year=1_000, seed=11)
    wh = open_warehouse(folder / "w.duckdb")
    load_files(wh, "firms", [data / "firms.csv"])
    load_files(wh, "rates", [data / "rates.csv"])
    load_files(wh, "transactions", sorted((data / "transactions").glob("*.csv")))
    yield wh
    wh.close()


def _same_as_duckdb(backend, wh) -> dict[str, pa.Table]:
    """The stages on ``backend`` equal DuckDB's, schema and rows (sorted on their keys)."""
    with DuckDBEngine(wh) as duck:
        want = fetch_sorted(duck, stage_exprs(duck, wh))
    with backend(wh) as engine:
        got = fetch_sorted(engine, stage_exprs(engine, wh))
    for name, table in want.items():
        assert got[name].schema == table.schema, name
        assert got[name].equals(table), name
    return got


def test_the_stages_agree_on_synthetic_records(backend, synthetic):
    got = _same_as_duckdb(backend, synthetic)
    assert got["records_mad"].num_rows == synthetic.records.count()
    assert got["cube"].schema.field("mad").type == pa.decimal128(38, 2)
    assert got["cube"].schema.field("year").type == pa.int32()
    assert got["cube"].schema.field("records").type == pa.int64()
    # every record of the sector is in the cube, and its MAD total is the records'
    mad = got["records_mad"]
    sector = mad.filter(pa.compute.not_equal(mad["segment"], UNALLOCATED))
    assert pa.compute.sum(got["cube"]["records"]).as_py() == sector.num_rows
    assert pa.compute.sum(got["cube"]["mad"]).as_py() == pa.compute.sum(sector["mad"]).as_py()


def test_the_cube_ranks_firms_alike_by_window_and_by_the_backends_aggregate(synthetic):
    """DuckDB's ``max(mad, 2)`` (what the build uses there) and the window every backend
    runs (what Spark uses) give the same cube, to the byte."""
    with DuckDBEngine(synthetic) as duck:
        sector = stage_exprs(duck, synthetic)["records_mad"]
        sector = sector.filter(sector.segment != UNALLOCATED)
        by_window = duck.fetch(cube(sector))
        by_aggregate = duck.fetch(cube(sector, duck.largest))
    assert by_aggregate.schema == by_window.schema
    assert by_aggregate.equals(by_window)
    assert by_window.num_rows > 100 and pa.compute.count(by_window["top2_mad"]).as_py() > 50


def test_records_of_some_months_and_none(backend, synthetic):
    months = synthetic.records.months()[:2]
    with DuckDBEngine(synthetic) as duck, backend(synthetic) as engine:
        for which in (months, []):
            want = duck.fetch(duck.records(which)).sort_by("record_id")
            got = engine.fetch(engine.records(which)).sort_by("record_id")
            assert got.schema == want.schema
            assert got.equals(want)
        assert got.num_rows == 0


# -- generated records: the edge cases of the conversion and the cube --------------------
rates = st.decimals(min_value=Decimal("0.000001"), max_value=Decimal("999999.999999"), places=6)
small = st.decimals(min_value=Decimal("0.001"), max_value=Decimal("2000.000"), places=3)
large = st.decimals(min_value=Decimal("0.001"), max_value=MAX_AMOUNT, places=3)
records = st.tuples(
    st.one_of(small, large, st.sampled_from(["fast-1", "fast", "max"])),  # amount
    st.sampled_from(["EUR", "EUR", "USD", "MAD"]),  # currency
    st.sampled_from(["F1", "F2", "F3", None, "FX"]),  # firm (FX: not in the registry)
    st.sampled_from(["SI22", "SJ312", "SC12"]),  # service (SC12: no concordance segment)
    st.sampled_from(["C", "D"]),
    st.sampled_from(["FR", "US"]),
    st.integers(0, 5),  # days after DAY
)


def _amount(drawn, rate: Decimal) -> Decimal:
    """The drawn amount, or the amounts on each side of the 64-bit bound, or the maximum."""
    if drawn == "max":
        return MAX_AMOUNT
    if drawn in ("fast", "fast-1"):
        edge = fast_limit(rate) - (Decimal("0.001") if drawn == "fast-1" else 0)
        return min(max(edge, Decimal("0.001")), MAX_AMOUNT)
    return drawn


def _warehouse(folder: Path, rows, eur: Decimal, usd: Decimal):
    """A warehouse of the firms, the two rates and ``rows``; the records' expected MAD."""
    wh = open_warehouse(folder / "w.duckdb")
    insert(wh, "firms", [(f, f"firm {f}", s, "6201", "Rabat") for f, s, _g in FIRMS])
    for firm, _segment, group in FIRMS:
        wh.sql("UPDATE firms SET group_id = ? WHERE firm_id = ?", [group, firm])
    insert(wh, "rates", [(DAY, "EUR", eur), (DAY, "USD", usd)])
    factor = {"EUR": eur, "USD": usd, "MAD": Decimal(1)}
    tx, expected = [], {}
    for i, (drawn, currency, firm, service, flow, partner, days) in enumerate(rows):
        amount = _amount(drawn, factor[currency])
        day = DAY + dt.timedelta(days=days)
        tx.append((f"R{i}", "BK1", firm, day, flow, amount, currency, service, partner))
        expected[f"R{i}"] = (amount * factor[currency]).quantize(Decimal("0.01"), ROUND_HALF_UP)
    insert(wh, "transactions", tx)
    return wh, expected


def _cube_totals(table: pa.Table) -> dict[tuple, tuple]:
    """Python's own cube of ``records_mad`` (sector only): per cell the MAD, the records,
    the distinct firms and the two largest firm contributions (a record without a firm
    is one contribution of its own: the cube's ``firm`` is null for it)."""
    by_firm: dict[tuple, dict] = defaultdict(lambda: defaultdict(lambda: Decimal(0)))
    records: dict[tuple, int] = defaultdict(int)
    for row in table.to_pylist():
        if row["segment"] == UNALLOCATED:
            continue
        day = row["value_date"]
        key = (day.year, day.month, row["flow"], row["segment"], row["service_code"])
        key = (*key, row["partner_country"])
        by_firm[key][row["firm_id"]] += row["mad"]
        records[key] += 1
    out = {}
    for key, firms in by_firm.items():
        top = [*sorted(firms.values(), reverse=True), None]
        named = sum(1 for f in firms if f is not None)
        out[key] = (sum(firms.values()), records[key], named, top[0], top[1])
    return out


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=st.lists(records, min_size=1, max_size=40), eur=rates, usd=rates)
def test_the_stages_are_exact_and_agree_on_generated_records(backend, rows, eur, usd):
    """Amounts on both sides of the 64-bit bound and up to 10^14 - 0.001, rates of 6
    decimals, null and unregistered firms, records held for review, one group of two
    firms, a month end: every MAD value is Python's, and every table DuckDB's."""
    with tempfile.TemporaryDirectory() as folder:
        wh, expected = _warehouse(Path(folder), rows, eur, usd)
        try:
            got = _same_as_duckdb(backend, wh)
        finally:
            wh.close()
    records_mad = got["records_mad"]
    ids, mad = records_mad["record_id"].to_pylist(), records_mad["mad"].to_pylist()
    assert dict(zip(ids, mad, strict=True)) == expected
    cube = got["cube"].to_pylist()
    dims = ("year", "month", "flow", "segment", "service", "partner")
    measures = ("mad", "records", "firms", "top1_mad", "top2_mad")
    got_cells = {tuple(c[d] for d in dims): tuple(c[m] for m in measures) for c in cube}
    assert got_cells == _cube_totals(records_mad)


def test_half_cents_round_away_from_zero(backend, tmp_path):
    rows = [
        (Decimal("0.125"), "MAD", "F1", "SI22", "C", "FR", 0),  # 0.125 -> 0.13
        (Decimal("2.345"), "MAD", "F1", "SI22", "C", "FR", 0),  # 2.345 -> 2.35
        (Decimal("1.001"), "EUR", "F2", "SI22", "C", "FR", 0),  # x 0.5 = 0.5005 -> 0.50
        (Decimal("0.001"), "EUR", "F2", "SI22", "C", "FR", 0),  # x 0.5 = 0.0005 -> 0.00
        (Decimal("0.009"), "EUR", "F3", "SI22", "C", "FR", 0),  # x 0.5 = 0.0045 -> 0.00
        (Decimal("0.010"), "EUR", "F3", "SI22", "C", "FR", 0),  # x 0.5 = 0.005 -> 0.01
    ]
    wh, _expected = _warehouse(tmp_path, rows, Decimal("0.5"), Decimal("1"))
    with backend(wh) as engine:
        got = engine.fetch(stage_exprs(engine, wh)["records_mad"]).sort_by("line")
    wh.close()
    by_id = dict(zip(got["record_id"].to_pylist(), got["mad"].to_pylist(), strict=True))
    assert [by_id[f"R{i}"] for i in range(6)] == [
        Decimal(v) for v in ("0.13", "2.35", "0.50", "0.00", "0.00", "0.01")
    ]
