"""What the last build was made from, per month: which months a build must recompute.

The heavy stage (:mod:`marsad.build_heavy`) is a function of each month's inputs
alone: a month's cube cells and contributions depend on its records, on the daily
rates of its days in its records' currencies, on the registry rows (segment,
group) of the firms with records in it, and on what every month shares (the
concordance and EBOPS reference files, ``rate_max_age_days``, each currency's usual
interval between rates, the version of marsad). ``build_state`` keeps, per month
built:

- ``version``: the record store's content version of the month
  (:meth:`~marsad.engine.records.RecordStore.month_versions`; any record added,
  corrected or withdrawn changes it): exact, from the catalogue, no scan;
- ``rates``: MD5 of the daily rate rows (date, rate, publication date, age) of the
  currencies the month's records use, for the days from its first to its last
  value date (from the catalogue): a rate loaded for another month, or another
  currency, leaves it alone; a new month that extends the last rate forward does not
  touch the months before;
- ``firms``: MD5 of the registry rows (segment, group id, or absent) of the firms
  with records in the month: a firm's change of segment or group touches only the
  months it has records in.

The currencies and firms of each month come from ``build_month_firms``, which the
heavy stage stores for the months it computes: a month whose version did not change
still has the same currencies and firms, so its stored list is exact. Both
fingerprints are one small GROUP BY over that table (firms x months rows), never a
scan of the records.

``build_meta`` holds the global fingerprint (:func:`global_fingerprint`); when it
differs, or a table of the last build is missing (a build by an older marsad, or
none), every month is recomputed.

>>> import tempfile, pathlib
>>> from marsad.engine import open_warehouse
>>> wh = open_warehouse(pathlib.Path(tempfile.mkdtemp()) / "w.duckdb")
>>> p = plan(wh, lookups_daily_empty(), global_fp="g")
>>> p.full, p.months, p.reason
(True, [], 'no earlier build')
>>> wh.close()
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

import pyarrow as pa

from marsad import __version__
from marsad.build_heavy import DERIVED, TABLES
from marsad.engine import Warehouse
from marsad.periods import Month

#: Bump when what the heavy stage stores, or how, changes: the next build is full.
STATE_VERSION = 1
#: The tables an incremental build needs from the last one.
NEEDED = (*TABLES, *DERIVED, "build_state", "build_meta", "record_files")

_RATES_FP = """
SELECT c.year, c.month,
       md5(string_agg(concat_ws('|', d.rate_currency, d.rate_date, d.mad_per_unit,
                                d.rate_published, d.age_days), ','
                      ORDER BY d.rate_currency, d.rate_date)) AS fp
FROM (SELECT DISTINCT year, month, currency FROM build_month_firms) c
JOIN (SELECT year, month, min(first_date) AS f, max(last_date) AS l
      FROM record_files GROUP BY ALL) s USING (year, month)
JOIN _state_daily d ON d.rate_currency = c.currency AND d.rate_date BETWEEN s.f AND s.l
GROUP BY ALL
"""
_FIRMS_FP = """
SELECT m.year, m.month,
       md5(string_agg(concat_ws('|', m.firm_id, coalesce(f.segment, '\\0'),
                                coalesce(f.group_id, '\\0'), f.firm_id IS NULL), ','
                      ORDER BY m.firm_id)) AS fp
FROM (SELECT DISTINCT year, month, firm_id FROM build_month_firms
      WHERE firm_id IS NOT NULL) m
LEFT JOIN (SELECT firm_id, segment, {group} AS group_id FROM firms) f USING (firm_id)
GROUP BY ALL
"""


@dataclass(frozen=True)
class Plan:
    """Which months a build recomputes: ``months`` (sorted), ``deleted`` (built
    before, without records now), out of ``total`` months holding records; ``full``
    when every month is recomputed, and why (``reason``, e.g. ``"no earlier build"``);
    ``why`` per month recomputed in an incremental build (``records``, ``rates``,
    ``firms``)."""

    months: list[Month]
    deleted: list[Month]
    total: int
    full: bool
    reason: str = ""
    why: dict[Month, str] = field(default_factory=dict)


def global_fingerprint(rate_max_age_days: int, intervals: dict[str, int]) -> str:
    """SHA-256 of what every month's figures depend on: the reference data files
    (concordance, EBOPS codes), ``rate_max_age_days``, each currency's usual interval
    between rates (the conversion check reads it), the state's layout and marsad's
    version.

    >>> global_fingerprint(7, {}) == global_fingerprint(7, {}) != global_fingerprint(8, {})
    True
    """
    from marsad.release.snapshot import reference_versions

    key = [STATE_VERSION, __version__, reference_versions(), rate_max_age_days, intervals]
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()


def plan(wh: Warehouse, daily: pa.Table, *, global_fp: str, full: bool = False) -> Plan:
    """The months to recompute now (see the module); ``daily`` is the build's daily
    rate table (:func:`marsad.convert.daily_rates`), ``full`` forces every month."""
    versions = wh.records.month_versions()
    everything = sorted(versions)
    reason = _full_reason(wh, global_fp, full)
    if reason:
        return Plan(everything, [], len(everything), True, reason)
    stored = {
        (int(y), int(m)): (v, r, f)
        for y, m, v, r, f in wh.sql("SELECT year, month, version, rates, firms FROM build_state")
    }
    now = fingerprints(wh, daily)
    why: dict[Month, str] = {}
    for month in everything:
        before = stored.get(month)
        rates, firms = now.get(month, ("", ""))
        if before is None or before[0] != versions[month]:
            why[month] = "records"
        elif before[1] != rates:
            why[month] = "rates"
        elif before[2] != firms:
            why[month] = "firms"
    deleted = sorted(set(stored) - set(versions))
    return Plan(sorted(why), deleted, len(everything), False, why=why)


def _full_reason(wh: Warehouse, global_fp: str, full: bool) -> str:
    """Why every month must be recomputed ("" when not)."""
    if full:
        return "full build asked for"
    if not all(wh.has_table(t) for t in NEEDED):
        return "no earlier build"
    if wh.scalar("SELECT max(global) FROM build_meta") != global_fp:
        return "settings, reference data or marsad changed"
    return ""


def fingerprints(wh: Warehouse, daily: pa.Table) -> dict[Month, tuple[str, str]]:
    """Per month of ``build_month_firms``: the MD5 of its rates and of its firms
    (module docstring); ``""`` for a month with none."""
    group = "group_id" if "group_id" in wh.table("firms").columns else "NULL"
    wh.register("_state_daily", daily)
    try:
        rates = {(int(y), int(m)): fp for y, m, fp in wh.sql(_RATES_FP)}
    finally:
        wh.unregister("_state_daily")
    firms = {(int(y), int(m)): fp for y, m, fp in wh.sql(_FIRMS_FP.format(group=group))}
    months = wh.sql("SELECT DISTINCT year, month FROM build_month_firms")
    return {(int(y), int(m)): (rates.get((y, m), ""), firms.get((y, m), "")) for y, m in months}


def save(wh: Warehouse, daily: pa.Table, *, global_fp: str) -> None:
    """Record the state of the build just made: every month's version and fingerprints
    (after the heavy stage stored ``build_month_firms``), and the global fingerprint."""
    versions = wh.records.month_versions()
    now = fingerprints(wh, daily)
    months = sorted(versions)
    rows = pa.table(
        {
            "year": pa.array([y for y, _ in months], pa.int32()),
            "month": pa.array([m for _, m in months], pa.int32()),
            "version": pa.array([versions[k] for k in months], pa.string()),
            "rates": pa.array([now.get(k, ("", ""))[0] for k in months], pa.string()),
            "firms": pa.array([now.get(k, ("", ""))[1] for k in months], pa.string()),
        }
    )
    wh.replace_table("build_state", rows)
    wh.replace_table("build_meta", pa.table({"global": [global_fp]}))


def lookups_daily_empty() -> pa.Table:
    """An empty daily rate table (for examples and a warehouse without rates)."""
    from marsad.convert import daily_rates

    return daily_rates([], None)
