"""The MAD conversion is exact on both of its paths (64-bit below a billion MAD, 128-bit
above), and the same as Python's Decimal, rounding each record half away from zero."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import ibis
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from marsad.convert import convert, daily_rates, fast_limit

DAY = dt.date(2024, 1, 5)
amounts = st.one_of(
    st.decimals(min_value=Decimal("0.001"), max_value=Decimal("99999999999999.999"), places=3),
    st.decimals(min_value=Decimal("0.001"), max_value=Decimal("2000000.000"), places=3),
)
rates = st.decimals(min_value=Decimal("0.000001"), max_value=Decimal("999999.999999"), places=6)


def _convert(rows: list[tuple[Decimal, str]], rate: Decimal) -> list[Decimal]:
    con = ibis.duckdb.connect()
    records = pa.table(
        {
            "n": pa.array(range(len(rows)), pa.int64()),
            "amount": pa.array([a for a, _ in rows], pa.decimal128(18, 3)),
            "currency": pa.array([c for _, c in rows], pa.string()),
            "value_date": pa.array([DAY] * len(rows), pa.date32()),
        }
    )
    daily = daily_rates([(DAY, "EUR", rate)], DAY)
    out = convert(con.create_table("r", records), con.create_table("d", daily)).order_by("n")
    return out.mad.to_pyarrow().to_pylist()


def _expected(amount: Decimal, rate: Decimal) -> Decimal:
    return (amount * rate).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@settings(max_examples=60, deadline=None)
@given(st.lists(amounts, min_size=1, max_size=20), rates)
def test_conversion_equals_python_decimal_on_both_paths(amounts_, rate):
    rows = [(a, "EUR") for a in amounts_]
    # the amounts on each side of the 64-bit bound take one path each
    limit = fast_limit(rate)
    for edge in (limit - Decimal("0.001"), limit):
        if Decimal("0.001") <= edge < Decimal(10) ** 14:
            rows.append((edge, "EUR"))
    got = _convert(rows, rate)
    assert got == [_expected(a, rate) for a, _ in rows]


def test_home_currency_takes_rate_one_on_both_paths():
    rows = [(Decimal("12.345"), "MAD"), (Decimal("5000000000.005"), "MAD")]
    assert _convert(rows, Decimal("10")) == [Decimal("12.35"), Decimal("5000000000.01")]


def test_a_billion_mad_record_takes_the_wide_path_exactly():
    """DECIMAL(18,3) x DECIMAL(18,6) overflows DuckDB's 64-bit product from 10^9 MAD."""
    rate = Decimal("10.876543")
    big = Decimal("12345678901.234")  # 134 billion MAD
    assert _convert([(big, "EUR")], rate) == [_expected(big, rate)]
