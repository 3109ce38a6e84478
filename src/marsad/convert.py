"""Convert: each record's amount to MAD at the reference rate of its value date.

The rate of a date is the latest published on or before it (weekends and
holidays take the previous business day's rate), provided it is no older than
``Settings.rate_max_age_days`` (default 7 days): an older rate, like no rate at
all, stops the build. MAD records take 1. The MAD value is ``amount x rate``
rounded once to the centime, halves away from zero, in exact decimal
arithmetic. Two exact paths give the same value, chosen per record:

* **64-bit** (nearly every record): the amount, DECIMAL(18,3), times the rate,
  DECIMAL(18,6). DuckDB multiplies two 64-bit decimals in 64-bit integers when
  the product fits DECIMAL(18,9), i.e. below 10^9 MAD; the daily rate table
  carries, for each rate, the largest amount whose product fits
  (``fast_limit``, :func:`fast_limit`), and a record below it takes this path.
* **128-bit** (a record of a billion MAD or more): both factors cast to
  DECIMAL(20,6), whose product DuckDB keeps as DECIMAL(38,12) and Spark as
  DECIMAL(38,9); an amount has at most 3 decimals and a rate 6, so neither
  loses a digit. Amounts of 10^14 or more are refused at ingest (rule
  ``too_large``): they do not fit this path's factor.

The value is DECIMAL(38,2), as is every sum of it downstream. Measured on 10
million records, the conversion costs about as much as reading the amount
(``bench/bench_scale.py``), against 7 CPU-seconds when every record took the
128-bit path.

The as-of lookup is done by joining on a small day-by-day table of rates
(currencies x days), built in-process, so the heavy join is a plain equi-join
that every engine runs well.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

import ibis
import ibis.expr.datatypes as dtypes
import pyarrow as pa

from marsad.errors import MarsadError

#: The home currency: converted at 1, needs no rate.
HOME_CURRENCY = "MAD"
RATE_TYPE = dtypes.Decimal(18, 6)
#: The common type of both factors of the conversion (Ibis multiplies equal decimal types).
FACTOR_TYPE = dtypes.Decimal(20, 6)
#: The product as DuckDB computes it (exact); rounded from there to the centime.
PRODUCT_TYPE = dtypes.Decimal(38, 12)
MAD_TYPE = dtypes.Decimal(38, 2)
#: The smallest amount that does not fit FACTOR_TYPE (15 integer digits).
AMOUNT_LIMIT = Decimal(10) ** (FACTOR_TYPE.precision - FACTOR_TYPE.scale)
#: A product below this fits DECIMAL(18,9): 64-bit arithmetic (DuckDB's rule for
#: two DECIMAL(18,x) factors whose scales add up to 9).
FAST_PRODUCT_LIMIT = Decimal(10) ** 9
AMOUNT_TYPE = dtypes.Decimal(18, 3)


class MissingRateError(MarsadError):
    """Records whose currency has no rate on or before their value date, or only an
    older one than the limit (the user loads the missing rates)."""


class AmountTooLarge(MarsadError):
    """Records whose amount is too large to convert exactly (the user corrects them)."""


def daily_rates(
    rates: Iterable[tuple[dt.date, str, Decimal]], last_day: dt.date | None
) -> pa.Table:
    """Expand published rates to one row per currency and calendar day, carrying
    each rate forward until the next one (or ``last_day``); each day says when its
    rate was published (``rate_published``) and how old it is (``age_days``).

    >>> t = daily_rates([(dt.date(2024, 1, 5), "EUR", Decimal("10.9"))], dt.date(2024, 1, 7))
    >>> t.num_rows, t.column("age_days").to_pylist()
    (3, [0, 1, 2])
    """
    by_currency: dict[str, list[tuple[dt.date, Decimal]]] = {}
    for day, currency, rate in rates:
        by_currency.setdefault(currency, []).append((day, rate))
    columns: dict[str, list] = {k: [] for k in ("day", "currency", "rate", "published", "age")}
    one_day = dt.timedelta(days=1)
    for currency in sorted(by_currency):
        series = sorted(by_currency[currency])
        end = max(series[-1][0], last_day or series[-1][0])
        for i, (published, rate) in enumerate(series):
            stop = series[i + 1][0] if i + 1 < len(series) else end + one_day
            day = published
            while day < stop:
                row = (day, currency, rate, published, (day - published).days)
                for key, value in zip(columns, row, strict=True):
                    columns[key].append(value)
                day += one_day
    schema = pa.schema(
        [
            ("rate_date", pa.date32()),
            ("rate_currency", pa.string()),
            ("mad_per_unit", pa.decimal128(18, 6)),
            ("rate_published", pa.date32()),
            ("age_days", pa.int32()),
            ("fast_limit", pa.decimal128(18, 3)),
        ]
    )
    columns["fast_limit"] = [fast_limit(rate) for rate in columns["rate"]]
    return pa.table(list(columns.values()), schema=schema)


def fast_limit(rate: Decimal) -> Decimal:
    """The bound below which an amount (to the thousandth) times ``rate`` fits the
    64-bit product, below :data:`FAST_PRODUCT_LIMIT` (10^9 MAD): a record takes the
    64-bit path when ``amount < fast_limit(rate)``.

    >>> fast_limit(Decimal("10.8765")), fast_limit(Decimal("1"))
    (Decimal('91941341.425'), Decimal('1000000000.000'))
    >>> (fast_limit(Decimal("10.8765")) - Decimal("0.001")) * Decimal("10.8765") < 10**9
    True
    """
    # amount < limit  <=>  amount <= limit - 0.001: the product stays below 10^9
    exact = FAST_PRODUCT_LIMIT / rate
    limit = exact.quantize(Decimal("0.001"), rounding="ROUND_CEILING")
    return min(limit, Decimal("999999999999999.999"))


def convert(records: ibis.Table, daily: ibis.Table) -> ibis.Table:
    """Add ``rate`` and ``mad`` (DECIMAL(38,2)); ``mad`` is null where no rate applies.

    ``daily`` is :func:`daily_rates`. Amounts of :data:`AMOUNT_LIMIT` or more must
    have been dealt with before (:func:`marsad.engine.queries.conversion_problems`):
    they do not fit the factor type.
    """
    joined = records.left_join(
        daily,
        [records.currency == daily.rate_currency, records.value_date == daily.rate_date],
    )
    home = joined.currency == HOME_CURRENCY
    rate = ibis.cases((home, ibis.literal(Decimal("1"), type=RATE_TYPE)), else_=joined.mad_per_unit)
    limit = ibis.cases(
        (home, ibis.literal(fast_limit(Decimal(1)), type=AMOUNT_TYPE)), else_=joined.fast_limit
    )
    amount = joined.amount.cast(AMOUNT_TYPE)
    # below the limit the product fits DECIMAL(18,9): 64-bit integers on DuckDB
    fast = (amount * rate).round(2).cast(MAD_TYPE)
    wide = (amount.cast(FACTOR_TYPE) * rate.cast(FACTOR_TYPE)).cast(PRODUCT_TYPE)
    mad = ibis.cases((amount < limit, fast), else_=wide.round(2).cast(MAD_TYPE))
    return joined.select(*[joined[c] for c in records.columns], rate=rate, mad=mad)


def check_problems(
    rows: Sequence[tuple],
    files: Mapping[str, str],
    *,
    max_age_days: int,
    allowed: Mapping[str, int] | None = None,
) -> None:
    """Stop with one plain line when :func:`~marsad.engine.queries.conversion_problems`
    found any: counts, currencies,
    dates, loads, files and one record id; never an amount. ``allowed`` gives a
    currency's own limit on a rate's age when its rates are published less often
    than every ``max_age_days`` (e.g. 31 days for a monthly series).

    >>> import textwrap
    >>> rows = [("stale", "GBP", dt.date(2023, 3, 31), 1, dt.date(2024, 11, 15),
    ...          dt.date(2024, 11, 15), ["L00003"], "G2")]
    >>> try:
    ...     check_problems(rows, {"L00003": "tx.csv"}, max_age_days=7)
    ... except MissingRateError as exc:
    ...     print(textwrap.fill(str(exc), 90))
    No exchange rate of GBP within 7 days before 2024-11-15 (latest 2023-03-31) for 1
    record(s) loaded from tx.csv (load L00003), e.g. record G2. Load rates that cover them
    (`marsad ingest --kind rates FILE`) and build again (the limit is
    MARSAD_RATE_MAX_AGE_DAYS, or the currency's usual interval between rates when longer).
    """
    large = [r for r in rows if r[0] == "too_large"]
    if large:
        raise AmountTooLarge(
            "An amount too large to convert exactly (15 integer digits or more) in "
            + "; ".join(_group(r, files) for r in large)
            + ". Correct these records and load them again."
        )
    parts = [describe_problem(r, files, max_age_days=max_age_days, allowed=allowed) for r in rows]
    if parts:
        tail = (
            " (the limit is MARSAD_RATE_MAX_AGE_DAYS, or the currency's usual interval between"
            " rates when longer)"
            if any(r[0] == "stale" for r in rows)
            else ""
        )
        raise MissingRateError(
            "; ".join(parts)
            + ". Load rates that cover them (`marsad ingest --kind rates FILE`) and build again"
            + tail
            + "."
        )


def merge_months(rows: Sequence[tuple]) -> list[tuple]:
    """Rows of :func:`~marsad.engine.queries.conversion_problems` grouped ``by_month``
    (``year, month`` first) as the query gives them without: one row per problem,
    currency and publication date of the stale rate, over every month.

    >>> d = dt.date
    >>> merge_months([(2025, 1, "missing", "CHF", None, 1, d(2025, 1, 10), d(2025, 1, 10),
    ...                ["L2"], "N1"), (2024, 12, "missing", "CHF", None, 2, d(2024, 12, 3),
    ...                d(2024, 12, 9), ["L1", "L2"], "A7")])
    [('missing', 'CHF', None, 3, datetime.date(2024, 12, 3), datetime.date(2025, 1, 10), \
['L1', 'L2'], 'A7')]
    """
    merged: dict[tuple, list] = {}
    for _year, _month, problem, currency, published, n, first, last, loads, example in rows:
        key = (problem, currency, published)
        if key not in merged:
            merged[key] = [n, first, last, set(loads or ()), example]
            continue
        found = merged[key]
        found[0] += n
        found[1], found[2] = min(found[1], first), max(found[2], last)
        found[3] |= set(loads or ())
        found[4] = min(found[4], example)
    return [
        (*key, n, first, last, sorted(loads), example)
        for key, (n, first, last, loads, example) in sorted(
            merged.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2] or dt.date.min)
        )
    ]


def describe_problem(
    row: tuple,
    files: Mapping[str, str],
    *,
    max_age_days: int,
    allowed: Mapping[str, int] | None = None,
) -> str:
    """One group of records that cannot be converted (a row of
    :func:`~marsad.engine.queries.conversion_problems`), in the words of
    :func:`check_problems` (e.g. ``No exchange rate on or before the value date for 1
    record(s) in CHF dated 2025-01-10 loaded from tx.csv (load L00004), e.g. record N1``)."""
    if row[0] == "missing":
        return _missing(row, files)
    return _stale(row, files, (allowed or {}).get(row[1], max_age_days))


def _missing(row: tuple, files: Mapping[str, str]) -> str:
    return "No exchange rate on or before the value date for " + _group(row, files)


def _stale(row: tuple, files: Mapping[str, str], max_age_days: int) -> str:
    _problem, currency, published, n, first, last, loads, example = row
    days = f"{max_age_days} day{'s' if max_age_days != 1 else ''}"
    return (
        f"No exchange rate of {currency} within {days} before {_dates(first, last)} "
        f"(latest {published:%Y-%m-%d}) for {n} record(s){_origin(loads, example, files)}"
    )


def _group(row: tuple, files: Mapping[str, str]) -> str:
    """``1 record(s) in EUR dated 2024-01-04 loaded from a.csv (load L00001; e.g. record R7)``."""
    _problem, currency, _published, n, first, last, loads, example = row
    return (
        f"{n} record(s) in {currency} dated {_dates(first, last)}{_origin(loads, example, files)}"
    )


def _dates(first: dt.date, last: dt.date) -> str:
    return f"{first:%Y-%m-%d}" if first == last else f"{first:%Y-%m-%d} to {last:%Y-%m-%d}"


def _origin(loads: Sequence[str] | None, example: str, files: Mapping[str, str]) -> str:
    """`` loaded from a.csv (load L00001), b.csv (load L00002) and 3 other load(s),
    e.g. record R7`` (the loads' files, three at most).

    >>> _origin(["L2", "L1"], "R7", {"L1": "a.csv"})
    ' loaded from a.csv (load L1), load L2, e.g. record R7'
    """
    loads = sorted(loads or [])
    named = [f"{files[k]} (load {k})" if k in files else f"load {k}" for k in loads[:3]]
    more = f" and {len(loads) - 3} other load(s)" if len(loads) > 3 else ""
    where = f" loaded from {', '.join(named)}{more}" if named else ""
    return f"{where}, e.g. record {example}"
