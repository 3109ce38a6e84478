"""What the build asks the warehouse, one named function per question.

The build reads top-down and never holds a query string: every read of the
warehouse it needs is here, the one seam where a Spark backend plugs in. Most
are Ibis expressions and run on any backend as they are; two read DuckDB's
own Python values and are marked **DuckDB** (a Spark version must give the
same values, so that release ids do not change with the engine).

Months are ``(year, month)`` pairs, as in :mod:`marsad.periods`.

>>> import tempfile, pathlib
>>> from marsad.engine import open_warehouse
>>> wh = open_warehouse(pathlib.Path(tempfile.mkdtemp()) / "doc.duckdb")
>>> with wh.transaction(), wh.records.editing(wh.records.ALL_MONTHS):
...     _ = wh.sql("INSERT INTO transactions (record_id, reporter, firm_id, value_date, flow, "
...                "amount, currency, service_code, partner_country) VALUES "
...                "('r1', 'BK1', 'F1', DATE '2024-03-05', 'C', 10, 'EUR', 'SI22', 'FR')")
>>> count_records(wh), last_value_date(wh)
(1, datetime.date(2024, 3, 5))
>>> _ = wh.sql("CREATE TABLE rates_daily (rate_date DATE, rate_currency VARCHAR, "
...            "rate_published DATE, age_days INTEGER)")
>>> problems = conversion_problems(wh.table("transactions"), wh.table("rates_daily"),
...                                home_currency="MAD", amount_limit=Decimal(10**14),
...                                max_age_days=7)
>>> rows(problems)
[('missing', 'EUR', None, 1, datetime.date(2024, 3, 5), datetime.date(2024, 3, 5), None, 'r1')]
>>> wh.close()
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from decimal import Decimal

import ibis

from marsad.cube import month_of
from marsad.engine.warehouse import Warehouse

Month = tuple[int, int]


def count_records(wh: Warehouse) -> int:
    """Settlement records loaded (e.g. 750000), from the record store's catalogue."""
    return wh.records.count()


def count_cube_cells(wh: Warehouse) -> int:
    """Cells of the built cube (e.g. 14098)."""
    return _count(wh, "cube")


def last_value_date(wh: Warehouse) -> dt.date | None:
    """The latest value date of any record (None when there is none)."""
    return wh.records.last_date()


def published_rates(wh: Warehouse) -> list[tuple[dt.date, str, Decimal]]:
    """Every loaded reference rate as ``(date, currency, MAD per unit)``."""
    rates = wh.table("rates").select("date", "currency", "mad_per_unit")
    return _rows(rates)


def rate_intervals(wh: Warehouse) -> dict[str, int]:
    """Each currency's usual interval between published rates, in days: the median gap
    between consecutive rate dates, rounded up (e.g. ``{"EUR": 31, "USD": 1}`` for a
    monthly EUR series and a daily USD one); a currency with a single rate is absent."""
    rows = wh.sql(
        "SELECT currency, CAST(ceil(median(gap)) AS INTEGER) FROM ("
        " SELECT currency, date - lag(date) OVER (PARTITION BY currency ORDER BY date) AS gap"
        " FROM rates) WHERE gap IS NOT NULL GROUP BY currency ORDER BY currency"
    )
    return {currency: int(days) for currency, days in rows}


def conversion_problems(
    records: ibis.Table,
    daily: ibis.Table,
    *,
    home_currency: str,
    amount_limit: Decimal,
    max_age_days: int,
    intervals: dict[str, int] | None = None,
    by_month: bool = False,
) -> ibis.Table:
    """The records (``records``, columns of ``transactions``) that the daily rates
    (``daily``, :func:`marsad.convert.daily_rates`) cannot convert, grouped:
    ``(problem, currency, rate published, records, first value date, last value
    date, load ids, one record id)``, one row per problem (``too_large``: amount of
    ``amount_limit`` or more; ``missing``: no rate on or before the value date;
    ``stale``: the latest rate older than the longer of ``max_age_days`` and the
    currency's usual interval between rates, ``intervals``), currency and
    publication date of the stale rate. ``by_month``: one row per month too, its
    ``year`` and ``month`` first (the build stops only for the complete months).

    An Ibis expression (run it on the engine that holds ``records``), sorted; a join
    and a filter only, no arithmetic, so it is cheap enough for every build.
    """
    joined = records.left_join(
        daily,
        [records.currency == daily.rate_currency, records.value_date == daily.rate_date],
    )
    foreign = joined.currency != home_currency
    longer = {c: d for c, d in (intervals or {}).items() if d > max_age_days}
    allowed = (
        ibis.cases(*((joined.currency == c, d) for c, d in longer.items()), else_=max_age_days)
        if longer
        else ibis.literal(max_age_days)
    )
    problem = ibis.cases(
        (joined.amount >= amount_limit, "too_large"),
        (foreign & joined.rate_currency.isnull(), "missing"),
        (foreign & (joined.age_days > allowed), "stale"),
        else_=ibis.null("string"),
    )
    flagged = joined.mutate(problem=problem)
    flagged = flagged.filter(flagged.problem.notnull())
    stale = flagged.problem == "stale"
    flagged = flagged.mutate(
        published=ibis.cases((stale, flagged.rate_published), else_=ibis.null("date"))
    )
    keys = ["problem", "currency", "published"]
    if by_month:
        flagged = flagged.mutate(**month_of(flagged.value_date))
        keys = ["year", "month", *keys]
    grouped = flagged.group_by(keys).aggregate(
        records=flagged.count(),
        first=flagged.value_date.min(),
        last=flagged.value_date.max(),
        loads=flagged.load_id.collect(distinct=True),
        example=flagged.record_id.min(),
    )
    return grouped.order_by(keys)


def load_files(wh: Warehouse, load_ids: list[str]) -> dict[str, str]:
    """The file each load read (e.g. ``{"L00003": "tx.csv"}``); empty without a ledger."""
    if not load_ids or not wh.has_table("ingest_loads"):
        return {}
    rows = wh.sql(
        "SELECT load_id, file_name FROM ingest_loads WHERE list_contains(?, load_id)", [load_ids]
    )
    return dict(rows)


def records_by_source(wh: Warehouse) -> dict[str, int]:
    """Classified records by the source of their segment (e.g. ``{"concordance":
    13354, "registry": 733860, "unallocated": 2786}``), sorted by source: from the
    build's ``build_month_stats`` (no scan of the records)."""
    rows = wh.sql(
        "SELECT segment_source, CAST(sum(records) AS BIGINT) FROM build_month_stats "
        "GROUP BY ALL ORDER BY ALL"
    )
    return {source: int(n) for source, n in rows}


def count_held_firms(wh: Warehouse) -> int:
    """Distinct firms (with a firm id) of the records held for review at the last
    build (e.g. 41), from ``held_firms``."""
    return int(wh.scalar("SELECT count(DISTINCT firm_id) FROM held_firms"))


def deliveries(wh: Warehouse) -> list[tuple[str, int, int, int, bool]]:
    """Every (reporter, year, month) delivered, as ``(reporter, year, month,
    records, nil_return)``: the records of each reporter by month of value
    date, and the nil returns in force (declared, not withdrawn), sorted.

    Read from the record store's catalogue (no scan of the records), so a withdrawn
    load no longer counts. A few thousand rows at most (reporters x months).
    """
    rows = [(*delivered, False) for delivered in wh.records.deliveries()]
    if wh.has_table("ingest_nil_returns"):
        rows += wh.sql(
            "SELECT reporter, year, month, 0, true FROM ingest_nil_returns "
            "WHERE withdrawn_at IS NULL"
        )
    return sorted(rows)


def held_for_review(wh: Warehouse, mapped_services: list[str]) -> ibis.Table:
    """Records that neither the firm registry nor the concordance places in a
    segment: firm not in the registry (or no firm id) and a service code not
    among ``mapped_services`` (the codes the concordance maps, e.g. ``["SI22",
    "SJ35", …]``). Reads only core tables, so it works on a read-only warehouse
    before any build; the build's ``records_mad`` gives them segment UNALLOCATED."""
    records, firms = wh.table("transactions"), wh.table("firms")
    unregistered = records.anti_join(firms, records.firm_id == firms.firm_id)
    return unregistered.filter(~unregistered.service_code.isin(mapped_services or [""]))


def count_records_and_firms(records: ibis.Table) -> tuple[int, int]:
    """Rows of a records table and the distinct firm ids among them (e.g. ``(2786, 41)``)."""
    row = records.aggregate(n=records.count(), firms=records.firm_id.nunique())
    values = row.to_pyarrow().to_pylist()[0]
    return int(values["n"]), int(values["firms"] or 0)


#: How the synthetic generator names its firms (``marsad.synth.firms``).
SYNTHETIC_FIRMS = "Synthetic %"


def has_synthetic_firms(wh: Warehouse) -> bool:
    """True when the loaded firms are the synthetic generator's (``Synthetic ...``): the
    build's id then says ``synthetic``, and so does every file made from it."""
    if not wh.has_table("firms"):
        return False
    return bool(wh.scalar("SELECT count(*) FROM firms WHERE name LIKE ?", [SYNTHETIC_FIRMS]))


def cube_months(wh: Warehouse) -> tuple[Month, Month]:
    """The first and last month of the cube (e.g. ``((2023, 1), (2025, 6))``)."""
    months = wh.table("cube").select("year", "month").distinct().order_by(["year", "month"])
    rows = _rows(months)  # one row per month: a few hundred at most
    return rows[0], rows[-1]


def cube_cells(
    wh: Warehouse, years: Collection[int] | None = None
) -> list[tuple[int, int, str, str, str, str, int, int]]:
    """Every cube cell (of ``years`` only, when given) as ``(year, month, flow,
    segment, service, partner, centimes, records)``, in no particular order.

    The MAD sum is read as the exact ``Decimal`` the engine holds (DECIMAL(38,2))
    and turned into integer centimes in Python, where an int has no bound: no
    cast to 64-bit integers, whose 92 million billion MAD a cell may pass.
    """
    query = "SELECT year, month, flow, segment, service, partner, mad, records FROM cube"
    if years is not None:
        query += f" WHERE year IN ({', '.join(str(int(y)) for y in years) or 'NULL'})"
    rows = wh.sql(query)
    return [(*row[:6], _centimes(row[6]), row[7]) for row in rows]


def _centimes(mad: Decimal) -> int:
    """Exact integer centimes of a MAD amount with at most two decimals.

    >>> _centimes(Decimal("109999999999999998900.01")), _centimes(Decimal("-0.10"))
    (10999999999999999890001, -10)
    """
    numerator, denominator = mad.as_integer_ratio()
    return numerator * 100 // denominator


def employment(wh: Warehouse) -> list[tuple[str, str, int]]:
    """The jobs loaded (``marsad ingest --kind employment``) as ``(period, segment, jobs)``,
    sorted; empty when none were (or the warehouse predates the table)."""
    if not wh.has_table("employment"):
        return []
    return wh.sql("SELECT period, segment, jobs FROM employment ORDER BY period, segment")


def _count(wh: Warehouse, table: str) -> int:
    return wh.table(table).count().to_pyarrow().as_py()


def rows(expr: ibis.Table) -> list[tuple]:
    """An Ibis expression's rows as tuples of plain Python values (dates, Decimals)."""
    return _rows(expr)


def _rows(expr) -> list[tuple]:
    """An Ibis expression's rows as tuples of plain Python values (dates, Decimals)."""
    return [tuple(row.values()) for row in expr.to_pyarrow().to_pylist()]
