"""Convert: each record's amount to MAD at the reference rate of its value date.

The rate of a date is the latest published on or before it (weekends and
holidays take the previous business day's rate). MAD records take 1. The MAD
value is ``amount x rate`` rounded once to the centime, halves away from zero,
in exact decimal arithmetic: both factors are cast to DECIMAL(20,6), whose
product DuckDB keeps as DECIMAL(38,12) and Spark as DECIMAL(38,9); an amount
has at most 3 decimals and a rate 6, so neither loses a digit.

The as-of lookup is done by joining on a small day-by-day table of rates
(currencies x days), built in-process, so the heavy join is a plain equi-join
that every engine runs well.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

import ibis
import ibis.expr.datatypes as dtypes
import pyarrow as pa

from marsad.errors import MarsadError

#: The home currency: converted at 1, needs no rate.
HOME_CURRENCY = "MAD"
RATE_TYPE = dtypes.Decimal(16, 6)
#: The common type of both factors of the conversion (Ibis multiplies equal decimal types).
FACTOR_TYPE = dtypes.Decimal(20, 6)
MAD_TYPE = dtypes.Decimal(18, 2)


class MissingRateError(MarsadError):
    """Records whose currency has no rate on or before their value date (the user
    loads the missing rates). Also a ``ValueError`` for existing callers."""


def daily_rates(
    rates: Iterable[tuple[dt.date, str, Decimal]], last_day: dt.date | None
) -> pa.Table:
    """Expand published rates to one row per currency and calendar day, carrying
    each rate forward until the next one (or ``last_day``).

    >>> daily_rates([(dt.date(2024, 1, 5), "EUR", Decimal("10.9"))], dt.date(2024, 1, 7)).num_rows
    3
    """
    by_currency: dict[str, list[tuple[dt.date, Decimal]]] = {}
    for day, currency, rate in rates:
        by_currency.setdefault(currency, []).append((day, rate))
    days: list[dt.date] = []
    currencies: list[str] = []
    values: list[Decimal] = []
    one_day = dt.timedelta(days=1)
    for currency in sorted(by_currency):
        series = sorted(by_currency[currency])
        end = max(series[-1][0], last_day or series[-1][0])
        for i, (day, rate) in enumerate(series):
            stop = series[i + 1][0] if i + 1 < len(series) else end + one_day
            while day < stop:
                days.append(day)
                currencies.append(currency)
                values.append(rate)
                day += one_day
    schema = pa.schema(
        [
            ("rate_date", pa.date32()),
            ("rate_currency", pa.string()),
            ("mad_per_unit", pa.decimal128(16, 6)),
        ]
    )
    return pa.table([days, currencies, values], schema=schema)


def convert(records: ibis.Table, daily: ibis.Table) -> ibis.Table:
    """Add ``rate`` and ``mad`` (DECIMAL(18,2)); ``mad`` is null where no rate applies."""
    joined = records.left_join(
        daily,
        [records.currency == daily.rate_currency, records.value_date == daily.rate_date],
    )
    rate = ibis.cases(
        (joined.currency == HOME_CURRENCY, ibis.literal(Decimal("1"), type=FACTOR_TYPE)),
        else_=joined.mad_per_unit.cast(FACTOR_TYPE),
    )
    mad = (joined.amount.cast(FACTOR_TYPE) * rate).round(2).cast(MAD_TYPE)
    return joined.select(*[joined[c] for c in records.columns], rate=rate.cast(RATE_TYPE), mad=mad)
