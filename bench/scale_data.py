"""Inputs of ``bench_scale.py``: a firm registry, daily rates and monthly
transaction files, written by DuckDB straight to disk (never held in memory).

The shape is plausible, not calibrated: a few thousand firms in the five segments
(sizes skewed: a few large firms, a long tail), 2 % of records from firms not in the
registry and 1 % with no firm id, EBOPS codes that the concordance maps, 20 partner
countries settling in EUR, USD, GBP, CAD or MAD, log-normal amounts (median about
20,000, capped at 5 million), 7 banks each delivering every month, 85 % exports.
Randomness is a hash of the record number: the same arguments give the same bytes.

>>> plan = Plan(records=24_000, years=2, end=(2026, 9))
>>> plan.months[0], plan.months[-1], len(plan.months), plan.extra_month
((2024, 10), (2026, 9), 24, (2026, 10))
>>> plan.per_month
1000
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import duckdb

SEGMENTS = {"ITO": 38, "CRM": 30, "ESO": 14, "BPO": 14, "KPO": 4}
#: EBOPS codes each segment sells (all mapped by the concordance).
SERVICES = {
    "ITO": ["SI22", "SI22", "SI21", "SI1", "SH3"],
    "CRM": ["SJ35", "SJ35", "SJ35", "SJ22"],
    "ESO": ["SJ312", "SJ311", "SJ313", "SJ111"],
    "BPO": ["SJ212", "SJ34", "SJ35"],
    "KPO": ["SJ211", "SJ213", "SJ22", "SI31", "SI32"],
}
#: Partner country -> weight, settlement currency.
PARTNERS = {
    "FR": (30, "EUR"), "US": (10, "USD"), "GB": (7, "GBP"), "ES": (6, "EUR"),
    "DE": (6, "EUR"), "BE": (5, "EUR"), "NL": (4, "EUR"), "IT": (4, "EUR"),
    "CH": (4, "EUR"), "CA": (4, "CAD"), "AE": (3, "USD"), "IE": (3, "EUR"),
    "SA": (2, "USD"), "SN": (2, "EUR"), "CI": (2, "EUR"), "JP": (2, "USD"),
    "IN": (2, "USD"), "PT": (2, "EUR"), "LU": (1, "EUR"), "SE": (1, "EUR"),
}  # fmt: skip
#: MAD per unit: (level, amplitude of a slow wave).
RATES = {"EUR": (10.85, 0.30), "USD": (9.95, 0.40), "GBP": (12.6, 0.45), "CAD": (7.35, 0.30)}
BANKS = 7
FIRMS = 3000


@dataclass(frozen=True)
class Plan:
    """``records`` spread evenly over ``years`` x 12 months ending with ``end``;
    one more month (``extra_month``, ``per_month`` records) for the incremental test."""

    records: int
    years: int
    end: tuple[int, int]

    @property
    def months(self) -> list[tuple[int, int]]:
        last = self.end[0] * 12 + self.end[1] - 1
        return [(i // 12, i % 12 + 1) for i in range(last - 12 * self.years + 1, last + 1)]

    @property
    def per_month(self) -> int:
        return max(BANKS, self.records // (12 * self.years))

    @property
    def extra_month(self) -> tuple[int, int]:
        y, m = self.end
        return (y + m // 12, m % 12 + 1)


def default_end(today: dt.date | None = None) -> tuple[int, int]:
    """The month two months before ``today``'s (so the extra month is in the past too).

    >>> default_end(dt.date(2026, 11, 30)), default_end(dt.date(2026, 2, 1))
    ((2026, 9), (2025, 12))
    """
    today = today or dt.date.today()
    i = today.year * 12 + today.month - 1 - 2
    return (i // 12, i % 12 + 1)


def _weighted(items: dict[str, int]) -> list[str]:
    return [k for k, w in items.items() for _ in range(w)]


def _sql_list(values: list) -> str:
    return "[" + ", ".join(f"'{v}'" if isinstance(v, str) else _sql_list(v) for v in values) + "]"


def _u(k: int) -> str:
    """A uniform draw in [0, 1) for record ``i``, stream ``k``."""
    return f"((hash(i, {k}) % 1000003) / 1000003.0)"


def firm_segment_sql(firm: str) -> str:
    """The segment index (1-based) of firm number ``firm`` (an SQL expression)."""
    weights = [list(SEGMENTS).index(s) + 1 for s in _weighted(SEGMENTS)]
    return f"({weights}[1 + (({firm}) * 7919) % {len(weights)}])"


def write_firms(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """``firms.csv``: F00000 ... with a segment; one firm in 40 in a group of two."""
    segs = _sql_list(list(SEGMENTS))
    con.execute(
        f"""COPY (
          SELECT 'F' || lpad(f::VARCHAR, 5, '0') AS firm_id, 'Firm ' || f AS name,
                 {segs}[{firm_segment_sql("f")}] AS segment, '6201' AS isic,
                 'Casablanca' AS city,
                 CASE WHEN f % 40 IN (1, 2) THEN 'G' || (f // 40) END AS group_id
          FROM range({FIRMS}) t(f)) TO '{path}' (HEADER, DELIMITER ',')"""
    )


def write_rates(con: duckdb.DuckDBPyConnection, path: Path, plan: Plan) -> None:
    """``rates.csv``: a rate per currency and business day, from ten days before the
    first month to the end of the extra month (weekends take Friday's rate)."""
    y, m = plan.months[0]
    first = dt.date(y, m, 1) - dt.timedelta(days=10)
    ey, em = plan.extra_month
    last = dt.date(ey + em // 12, em % 12 + 1, 1)
    parts = [
        f"SELECT d::DATE AS date, '{cur}' AS currency, "
        f"round({level} + {amp} * sin(epoch(d) / 86400 / 37.0 + {k}), 4)::DECIMAL(18,6) "
        f"AS mad_per_unit FROM range(DATE '{first}', DATE '{last}', INTERVAL 1 DAY) t(d) "
        "WHERE dayofweek(d) NOT IN (0, 6)"
        for k, (cur, (level, amp)) in enumerate(RATES.items())
    ]
    con.execute(
        f"COPY ({' UNION ALL '.join(parts)} ORDER BY date, currency) TO '{path}' "
        "(HEADER, DELIMITER ',')"
    )


def _month_days(month: tuple[int, int]) -> tuple[dt.date, int]:
    first = dt.date(month[0], month[1], 1)
    following = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return first, (following - first).days


def write_month(
    con: duckdb.DuckDBPyConnection, path: Path, start: int, count: int, month: tuple[int, int]
) -> None:
    """One month's transactions CSV: ``count`` records numbered from ``start``."""
    first, days = _month_days(month)
    services = _sql_list([SERVICES[seg] for seg in SEGMENTS])
    partners = _weighted({k: w for k, (w, _c) in PARTNERS.items()})
    currency = f"map({_sql_list(list(PARTNERS))}, {_sql_list([c for _w, c in PARTNERS.values()])})"
    firm = f"floor({FIRMS} * pow({_u(1)}, 2.5))::BIGINT"
    amount = f"exp(ln(20000) + 1.6 * sqrt(-2 * ln(1 - {_u(6)})) * cos(2 * pi() * {_u(7)}))"
    con.execute(
        f"""COPY (
          WITH d AS (
            SELECT i, {firm} AS f, {_u(2)} AS u_kind, {_u(5)} AS u_cur,
                   {_sql_list(partners)}[1 + floor({_u(4)} * {len(partners)})::INT] AS partner,
                   {services}[{firm_segment_sql(firm)}] AS srv
            FROM range({start}, {start + count}) t(i))
          SELECT 'R' || lpad(i::VARCHAR, 10, '0') AS record_id,
                 'BK0' || (1 + i % {BANKS}) AS reporter,
                 CASE WHEN u_kind < 0.01 THEN NULL
                      WHEN u_kind < 0.03 THEN 'UNREG-' || lpad((f % 97)::VARCHAR, 3, '0')
                      ELSE 'F' || lpad(f::VARCHAR, 5, '0') END AS firm_id,
                 DATE '{first}' + floor({_u(8)} * {days})::INT AS value_date,
                 CASE WHEN {_u(9)} < 0.85 THEN 'C' ELSE 'D' END AS flow,
                 printf('%.2f', least(5000000, greatest(1, {amount}))) AS amount,
                 CASE WHEN u_cur < 0.03 THEN 'MAD' WHEN u_cur > 0.93 THEN 'USD'
                      ELSE {currency}[partner] END AS currency,
                 srv[1 + floor({_u(3)} * len(srv))::INT] AS service_code,
                 partner AS partner_country
          FROM d ORDER BY i) TO '{path}' (HEADER, DELIMITER ',')"""
    )


def generate(folder: Path, plan: Plan) -> dict[str, object]:
    """Write ``firms.csv``, ``rates.csv``, ``transactions/YYYY-MM.csv`` (one per month of
    the plan) and ``extra/YYYY-MM.csv`` (the month after) under ``folder``; return the
    paths: ``{"firms": Path, "rates": Path, "months": [Path, ...], "extra": Path}``.

    Inputs written whole before for the same plan (``folder/plan.json``, written last)
    are reused, not written again: ``--keep DIR`` runs at 100M reuse their 6 GB of CSV."""
    marker = folder / "plan.json"
    wanted = json.dumps(dataclasses.asdict(plan))
    if marker.exists() and marker.read_text() == wanted:
        return _paths(folder, plan)
    marker.unlink(missing_ok=True)
    tx = folder / "transactions"
    tx.mkdir(parents=True, exist_ok=True)
    (folder / "extra").mkdir(exist_ok=True)
    paths = _paths(folder, plan)
    con = duckdb.connect()
    try:
        write_firms(con, paths["firms"])
        write_rates(con, paths["rates"], plan)
        for k, (path, month) in enumerate(zip(paths["months"], plan.months, strict=True)):
            write_month(con, path, k * plan.per_month, plan.per_month, month)
        k = len(plan.months)
        write_month(con, paths["extra"], k * plan.per_month, plan.per_month, plan.extra_month)
    finally:
        con.close()
    marker.write_text(wanted)
    return paths


def _paths(folder: Path, plan: Plan) -> dict[str, object]:
    y, m = plan.extra_month
    return {
        "firms": folder / "firms.csv",
        "rates": folder / "rates.csv",
        "months": [folder / "transactions" / f"{y:04d}-{m:02d}.csv" for y, m in plan.months],
        "extra": folder / "extra" / f"{y:04d}-{m:02d}.csv",
    }
