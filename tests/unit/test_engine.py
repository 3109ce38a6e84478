"""classify, convert and cube on the DuckDB engine, through the build."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marsad.build import BuildError, build, load_indicators
from marsad.convert import MissingRateError, daily_rates
from marsad.engine import open_warehouse
from tests.conftest import insert, internal

FIRMS = [("F1", "Alpha", "ITO", "6201", "Rabat"), ("F2", "Beta", "CRM", "8220", None)]
RATES = [
    ("2024-01-05", "EUR", "10.800000"),  # a Friday
    ("2024-01-08", "EUR", "10.900000"),
    ("2024-01-05", "USD", "9.950000"),
]


def _records_mad(wh):
    return {
        r[0]: r[1:]
        for r in wh.sql("SELECT record_id, segment, segment_source, rate, mad FROM records_mad")
    }


def test_weekend_records_take_the_previous_business_days_rate(warehouse):
    insert(warehouse, "firms", FIRMS)
    insert(warehouse, "rates", RATES)
    insert(
        warehouse,
        "transactions",
        [
            ("1", "BK1", "F1", "2024-01-06", "C", "100.00", "EUR", "SI21", "FR"),  # Saturday
            ("2", "BK1", "F1", "2024-01-08", "C", "100.00", "EUR", "SI21", "FR"),  # Monday
            # after the last rate, 7 days on: the oldest rate carried forward (rate_max_age_days)
            ("3", "BK1", "F1", "2024-01-15", "C", "100.00", "EUR", "SI21", "FR"),
        ],
    )
    build(warehouse)
    got = _records_mad(warehouse)
    assert got["1"][2:] == (Decimal("10.800000"), Decimal("1080.00"))
    assert got["2"][2:] == (Decimal("10.900000"), Decimal("1090.00"))
    assert got["3"][2:] == (Decimal("10.900000"), Decimal("1090.00"))


def test_mad_is_rounded_once_to_the_centime_halves_away_from_zero(warehouse):
    insert(warehouse, "firms", FIRMS)
    insert(
        warehouse, "rates", [("2024-01-05", "EUR", "10.500000"), ("2024-01-05", "USD", "1.000001")]
    )
    insert(
        warehouse,
        "transactions",
        [
            ("1", "BK1", "F1", "2024-01-05", "C", "100.005", "EUR", "SI21", "FR"),  # 1050.0525
            ("2", "BK1", "F1", "2024-01-05", "C", "0.001", "EUR", "SI21", "FR"),  # 0.0105 -> 0.01
            ("3", "BK1", "F1", "2024-01-05", "C", "0.005", "USD", "SI21", "US"),  # 0.005000005
            ("4", "BK1", "F1", "2024-01-05", "C", "12.345", "MAD", "SI21", "MA"),  # 12.345 -> 12.35
        ],
    )
    build(warehouse)
    got = {k: v[3] for k, v in _records_mad(warehouse).items()}
    assert got == {
        "1": Decimal("1050.05"),
        "2": Decimal("0.01"),
        "3": Decimal("0.01"),
        "4": Decimal("12.35"),
    }


def test_segment_from_registry_then_concordance_then_held_for_review(warehouse):
    """An UNALLOCATED record was counted in TOTAL: the sector total was not the sector."""
    insert(warehouse, "firms", FIRMS)
    insert(warehouse, "rates", RATES)
    insert(
        warehouse,
        "transactions",
        [
            ("1", "BK1", "F2", "2024-01-05", "C", "1", "EUR", "SI21", "FR"),  # registry wins: CRM
            ("2", "BK1", "X9", "2024-01-05", "C", "1", "EUR", "SJ312", "FR"),  # concordance: ESO
            ("3", "BK1", None, "2024-01-05", "C", "1", "EUR", "SJ212", "FR"),  # no firm id: BPO
            ("4", "BK1", "X9", "2024-01-05", "D", "1", "EUR", "SC12", "FR"),  # no rule: UNALLOCATED
        ],
    )
    report = build(warehouse)
    got = {k: v[:2] for k, v in _records_mad(warehouse).items()}
    assert got == {
        "1": ("CRM", "registry"),
        "2": ("ESO", "concordance"),
        "3": ("BPO", "concordance"),
        "4": ("UNALLOCATED", "unallocated"),
    }
    assert report.unallocated == 1 and report.review_firms == 1
    assert report.by_source == {"concordance": 2, "registry": 1, "unallocated": 1}
    table = load_indicators(warehouse)
    assert not table.select(segment="UNALLOCATED")
    assert internal(table, "level", "2024-01", flow="imports") is None  # the only import is held
    assert internal(table, "level", "2024-01") == Decimal("32.40")  # the three exports


def test_a_record_without_any_rate_stops_the_build_with_a_plain_message(warehouse):
    insert(warehouse, "rates", RATES)
    insert(
        warehouse,
        "transactions",
        [
            (
                "1",
                "BK1",
                "F1",
                "2024-01-04",
                "C",
                "1",
                "EUR",
                "SI21",
                "FR",
            ),  # before the first rate
            ("2", "BK1", "F1", "2024-01-05", "C", "1", "GBP", "SI21", "GB"),  # no GBP rate at all
        ],
    )
    with pytest.raises(MissingRateError, match=r"1 record\(s\) in EUR dated 2024-01-04"):
        build(warehouse)


def test_an_empty_warehouse_says_what_to_do(warehouse):
    with pytest.raises(BuildError, match="marsad ingest"):
        build(warehouse)


def test_cube_counts_records_firms_and_the_two_largest_contributions(warehouse):
    insert(warehouse, "firms", [*FIRMS, ("F3", "Gamma", "ITO", None, None)])
    insert(warehouse, "rates", RATES)
    insert(
        warehouse,
        "transactions",
        [
            ("1", "BK1", "F1", "2024-01-05", "C", "10", "MAD", "SI21", "FR"),
            ("2", "BK2", "F1", "2024-01-09", "C", "5", "MAD", "SI21", "FR"),
            ("3", "BK1", "F3", "2024-01-10", "C", "7", "MAD", "SI21", "FR"),
            ("4", "BK1", "F3", "2024-01-11", "C", "1", "MAD", "SI21", "FR"),
            ("5", "BK1", "F2", "2024-01-11", "C", "3", "MAD", "SJ35", "FR"),
        ],
    )
    build(warehouse)
    rows = warehouse.sql(
        "SELECT segment, mad, records, firms, top1_mad, top2_mad FROM cube "
        "WHERE year = 2024 AND month = 1 ORDER BY segment"
    )
    assert rows == [
        ("CRM", Decimal("3.00"), 1, 1, Decimal("3.00"), None),
        ("ITO", Decimal("23.00"), 4, 2, Decimal("15.00"), Decimal("8.00")),
    ]


def test_the_release_id_and_months_come_from_the_cube_alone(tmp_path):
    """The release id names the table (same records in another order, same table,
    same id) after its last month, and the report names the cube's first and last
    month."""
    rows = [
        ("1", "BK1", "F1", "2024-01-08", "C", "100", "EUR", "SI21", "FR"),
        ("2", "BK1", "F2", "2024-03-11", "C", "5", "USD", "SI21", "US"),
        ("3", "BK2", "X9", "2024-03-12", "D", "7", "MAD", "SJ312", "FR"),
    ]
    reports = []
    for i, order in enumerate((rows, rows[::-1])):
        with open_warehouse(tmp_path / f"{i}.duckdb") as wh:
            insert(wh, "firms", FIRMS)
            insert(wh, "rates", [*RATES, ("2024-03-08", "USD", "9.900000")])  # 3 days old
            insert(wh, "transactions", order)
            reports.append(build(wh))
    first, second = reports
    assert first.release == second.release
    assert first.release.startswith("2024-03.") and len(first.release) == len("2024-03.") + 8
    assert (first.first_month, first.last_month) == ("2024-01", "2024-03")
    assert (first.records, first.cube_cells) == (3, 3)
    assert first.by_source == {"concordance": 1, "registry": 2}


def test_a_build_of_synthetic_firms_says_so_in_its_release_id(tmp_path):
    """Every file made from a synthetic build says so: its id, written in the ``release``
    column of the CSV and on every bulletin, reads ``2024-01.synthetic.<hash>``."""
    row = ("1", "BK1", "F1", "2024-01-08", "C", "100", "EUR", "SI21", "FR")
    ids = []
    for name in ("Atlas Conseil", "Synthetic Atlas SARL 0001"):
        with open_warehouse(tmp_path / f"{len(ids)}.duckdb") as wh:
            insert(wh, "firms", [(FIRMS[0][0], name, *FIRMS[0][2:])])
            insert(wh, "rates", RATES)
            insert(wh, "transactions", [row])
            ids.append(build(wh).release)
    real, synthetic = ids
    assert ".synthetic." not in real
    assert synthetic.startswith("2024-01.synthetic.") and synthetic.endswith(real[-9:])


def test_other_confidentiality_parameters_give_another_release_id(tmp_path):
    """Regression: builds with different MARSAD_SDC_* withheld different cells under one
    id; the id now depends on the parameters (without showing them)."""
    from marsad.protect.primary import SdcRule

    row = ("1", "BK1", "F1", "2024-01-08", "C", "100", "EUR", "SI21", "FR")
    rules = [SdcRule(), SdcRule(), SdcRule(min_contributors=1, p=Decimal("0.5"))]
    ids = []
    for i, rule in enumerate(rules):
        with open_warehouse(tmp_path / f"{i}.duckdb") as wh:
            insert(wh, "firms", FIRMS)
            insert(wh, "rates", RATES)
            insert(wh, "transactions", [row])
            ids.append(build(wh, sdc_rule=rule).release)
    assert ids[0] == ids[1] != ids[2]
    assert "0.5" not in ids[2] and "|" not in ids[2]


def test_daily_rates_carry_forward_to_the_last_day():
    table = daily_rates(
        [
            (dt.date(2024, 1, 5), "EUR", Decimal("10.8")),
            (dt.date(2024, 1, 8), "EUR", Decimal("10.9")),
        ],
        dt.date(2024, 1, 9),
    )
    got = list(zip(table["rate_date"].to_pylist(), table["mad_per_unit"].to_pylist(), strict=True))
    assert [d.day for d, _ in got] == [5, 6, 7, 8, 9]
    assert [r for _, r in got] == [Decimal("10.8")] * 3 + [Decimal("10.9")] * 2


money = st.decimals(min_value=Decimal("0.001"), max_value=Decimal("999999999.999"), places=3)
rate = st.decimals(min_value=Decimal("0.000001"), max_value=Decimal("999.999999"), places=6)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.tuples(money, rate, st.sampled_from(["ITO", "CRM"])), min_size=1, max_size=30))
def test_build_total_equals_an_independent_decimal_computation(tmp_path_factory, records):
    """The engine's sum equals Python's Decimal, rounding each record half up to the centime."""
    from marsad.engine import open_warehouse

    with open_warehouse(tmp_path_factory.mktemp("wh") / "w.duckdb") as wh:
        insert(wh, "firms", FIRMS)
        insert(
            wh,
            "rates",
            [(f"2024-01-{i + 1:02d}", f"X{i:02d}", str(r)) for i, (_, r, _) in enumerate(records)],
        )
        insert(
            wh,
            "transactions",
            [
                (
                    str(i),
                    "BK1",
                    "F1" if seg == "ITO" else "F2",
                    f"2024-01-{i + 1:02d}",
                    "C",
                    str(a),
                    f"X{i:02d}",
                    "SI21",
                    "FR",
                )
                for i, (a, _, seg) in enumerate(records)
            ],
        )
        build(wh)
        table = load_indicators(wh)
    expected = {"ITO": Decimal(0), "CRM": Decimal(0)}
    for amount, r, seg in records:
        expected[seg] += (amount * r).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert internal(table, "level", "2024-01") == expected["ITO"] + expected["CRM"]
    for seg, value in expected.items():
        got = internal(table, "level", "2024-01", seg)
        assert got == (value if any(s == seg for *_, s in records) else None)


@pytest.mark.parametrize("dialect", ["duckdb", "pyspark"])
def test_engine_stages_compile_for_every_backend(dialect):
    """The stages are portable Ibis expressions: they compile for DuckDB and for Spark.

    (A compile check only: running them on a real Spark session comes with the Spark issue.)
    """
    import ibis

    from marsad.classify import classify
    from marsad.convert import convert
    from marsad.cube import cube

    tx = ibis.table(
        {
            "record_id": "string",
            "reporter": "string",
            "firm_id": "string",
            "value_date": "date",
            "flow": "string",
            "amount": "decimal(18,3)",
            "currency": "string",
            "service_code": "string",
            "partner_country": "string",
        },
        name="transactions",
    )
    firms = ibis.table({"firm_id": "string", "name": "string", "segment": "string"}, name="firms")
    services = ibis.table(
        {
            "service_code": "string",
            "concordance_segment": "string",
            "service_main": "string",
            "digitally_deliverable": "boolean",
        },
        name="service_map",
    )
    rates = ibis.table(
        {
            "rate_date": "date",
            "rate_currency": "string",
            "mad_per_unit": "decimal(18,6)",
            "fast_limit": "decimal(18,3)",
        },
        name="rates_daily",
    )
    sql = ibis.to_sql(cube(convert(classify(tx, firms, services), rates)), dialect=dialect)
    assert "rates_daily" in sql and "service_map" in sql
