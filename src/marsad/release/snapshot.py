"""What a release takes from the warehouse: the built tables and the state of the inputs.

Everything here is a pure function of the warehouse's content: no clock, no path,
no load time, no user name; so that the same inputs in another warehouse give the
same release, byte for byte.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from importlib import resources
from typing import TYPE_CHECKING

from marsad.engine import Warehouse
from marsad.indicators.registry import COLUMNS
from marsad.indicators.rows import stored_order
from marsad.periods import next_month
from marsad.release.store import ReleaseError

if TYPE_CHECKING:
    from marsad.settings import Settings

#: Settings that change the figures, recorded in the manifest and used by ``verify``.
#: The confidentiality parameters are left out on purpose: they are never published.
FIGURE_SETTINGS = (
    "percent_decimals",
    "provisional_from",
    "final_after_months",
    "rate_max_age_days",
    "expected_reporters",
    "coverage_window",
    "today",
)
#: Kinds of load that bring records (a nil return brings none).
RECORD_KINDS = ("transactions", "firms", "rates", "employment")


def check_built(wh: Warehouse) -> None:
    """Refuse a warehouse with nothing built, or whose build does not show the inputs
    loaded since (records, firms, rates, employment or nil returns): run ``marsad build``."""
    if not wh.has_table("indicators") or not wh.has_table("cube"):
        raise ReleaseError("nothing is built yet: run `marsad build` first")
    stale = _stale_part(wh)
    if stale == "settings":
        raise ReleaseError(
            "the last build was made with other settings than those set now (decimals, "
            "revision status or confidentiality: MARSAD_PERCENT_DECIMALS, "
            "MARSAD_FINAL_AFTER_MONTHS, MARSAD_PROVISIONAL_FROM, MARSAD_SDC_…): run "
            "`marsad build`, then create the release"
        )
    if stale:
        raise ReleaseError(
            f"the last build is older than the data loaded since ({stale} changed): "
            "run `marsad build`, then create the release"
        )


def _stale_part(wh: Warehouse) -> str | None:
    """Which input changed since the build (``settings`` that change the table, ``records
    or firms``, ``rates``, ``deliveries``, ``employment``, ``settings, reference data or
    marsad``); None when none did.

    Cheap: the build's own state (:mod:`marsad.build_state`) says which months a build
    would recompute now (record versions from the catalogue, fingerprints of each month's
    rates and firms), without reading the records."""
    from marsad import build_state
    from marsad.build import warehouse_coverage
    from marsad.build_heavy import lookups
    from marsad.engine import queries
    from marsad.settings import get_settings

    settings = get_settings()
    if _built_with_other_settings(wh, settings):
        return "settings"
    tables = lookups(wh)
    max_age = settings.rate_max_age_days
    global_fp = build_state.global_fingerprint(max_age, queries.rate_intervals(wh))
    plan = build_state.plan(wh, tables.daily, global_fp=global_fp)
    if plan.full:  # the build predates its state, or settings or reference data changed
        return "settings, reference data or marsad"
    why = set(plan.why.values())
    if plan.deleted or why & {"records", "firms"}:
        return "records or firms"
    if wh.has_table("rates_daily") and (
        "rates" in why or _differ(wh, tables.daily, "rates_daily", "*")
    ):
        return "rates"
    coverage = warehouse_coverage(wh)
    built = {(y, m) for y, m, done in wh.sql("SELECT year, month, complete FROM coverage_months")
             if done}  # fmt: skip
    if built != set(coverage.complete):
        return "deliveries, or the months over,"
    if _jobs_built(wh) != set(queries.employment(wh)):
        return "employment"
    return None


def _built_with_other_settings(wh: Warehouse, settings: Settings) -> bool:
    """Whether the options of the last build that change its table (decimals, revision
    status, confidentiality) differ from the settings the release would record."""
    from marsad import build_years

    stored = build_years.stored_options(wh)
    now = build_years.published_options(
        settings.sdc_rule(),
        settings.percent_decimals,
        settings.provisional_from,
        settings.final_after_months,
    )
    return stored is not None and stored != now


def _jobs_built(wh: Warehouse) -> set[tuple[str, str, int]]:
    """The jobs rows of the last build as ``(period, segment, jobs)``."""
    rows = wh.sql("SELECT period, segment, exact FROM indicators WHERE indicator = 'jobs'")
    return {(period, segment, int(exact)) for period, segment, exact in rows}


def _differ(wh: Warehouse, fresh, table: str, columns: str) -> bool:
    """Whether ``fresh`` (an Arrow table) and the stored ``table`` differ on ``columns``."""
    wh.register("_release_fresh", fresh)
    try:
        return bool(
            wh.scalar(
                f"""SELECT count(*) FROM (
                    (SELECT {columns} FROM _release_fresh
                     EXCEPT ALL SELECT {columns} FROM {table})
                    UNION ALL
                    (SELECT {columns} FROM {table}
                     EXCEPT ALL SELECT {columns} FROM _release_fresh))"""
            )
        )
    finally:
        wh.unregister("_release_fresh")


def indicator_rows(wh: Warehouse, release_id: str, *, internal: bool) -> list[tuple]:
    """The stored indicator table as rows of :data:`COLUMNS`, in the build's order.

    Public (default): ``value`` is empty when the cell is withheld (``conf_status``
    other than ``F``). Internal: every value (``internal_value`` when the build stored
    it, else ``value``). ``release_id`` (when not empty) replaces the build id in
    ``release``.
    """
    have = set(wh.table("indicators").columns)
    if internal:
        value = "internal_value" if "internal_value" in have else "value"
    else:
        value = "CASE WHEN conf_status = 'F' THEN value END"
    release = "?" if release_id else "release"
    select = [value if c == "value" else release if c == "release" else c for c in COLUMNS]
    params = [release_id] if release_id else None
    order = stored_order(have)
    return wh.sql(f"SELECT {', '.join(select)} FROM indicators {order}", params)


def exact_rows(wh: Warehouse) -> list[tuple[str, ...]]:
    """The exact value of each public cell whose public value is rounded from it, as rows
    of :data:`~marsad.release.store.EXACT_COLUMNS` in the stored order (e.g. ``("share",
    "exports", "2025-S1", "ITO", "_T", "_T", "3.44996")``); none when the build stored no
    exact values. Withheld cells are left out: the file adds digits to published cells
    only."""
    have = set(wh.table("indicators").columns)
    if "exact" not in have:
        return []
    rows = wh.sql(
        "SELECT indicator, flow, period, segment, service, partner, value, exact "
        f"FROM indicators WHERE conf_status = 'F' AND value IS NOT NULL AND value <> '' "
        f"AND exact IS NOT NULL {stored_order(have)}"
    )
    return [(*r[:6], r[7]) for r in rows if Decimal(r[7]) != Decimal(r[6])]


def sdc_rows(wh: Warehouse) -> tuple[list[str], list[tuple]] | None:
    """The build's ``sdc_cells`` (header and rows, sorted), or None when it has none."""
    if not wh.has_table("sdc_cells"):
        return None
    header = list(wh.table("sdc_cells").columns)
    return header, wh.sql("SELECT * FROM sdc_cells ORDER BY ALL")


def build_id(wh: Warehouse) -> str:
    """The content id of the last build (e.g. ``2025-06.3fa9c2d1``)."""
    return wh.scalar("SELECT release FROM indicators LIMIT 1") or ""


def inputs(wh: Warehouse) -> dict:
    """The load ledger as it stands: the loads in force, with their kind, file name (no
    folder), sheet, SHA-256, rows loaded and records in force; the nil returns in force;
    the loads withdrawn; and the last load id."""
    in_force = _records_in_force(wh)
    loads = [
        {
            "load_id": load_id,
            "kind": kind,
            "file": name,
            "sheet": sheet,
            "sha256": sha,
            "rows_loaded": int(loaded),
            "records_in_force": in_force.get(load_id, 0),
        }
        for load_id, kind, name, sheet, sha, loaded in wh.sql(
            """SELECT load_id, kind, file_name, sheet, sha256, loaded FROM ingest_loads
               WHERE withdrawn_at IS NULL AND kind <> 'nil_return' ORDER BY load_id"""
        )
    ]
    withdrawn = [
        {"load_id": load_id, "kind": kind, "file": name, "sha256": sha}
        for load_id, kind, name, sha in wh.sql(
            """SELECT load_id, kind, file_name, sha256 FROM ingest_loads
               WHERE withdrawn_at IS NOT NULL ORDER BY load_id"""
        )
    ]
    return {
        "last_load": wh.scalar(
            "SELECT load_id FROM ingest_loads "
            "ORDER BY TRY_CAST(substr(load_id, 2) AS BIGINT) DESC NULLS LAST LIMIT 1"
        ),
        "loads": loads,
        "nil_returns": _nil_returns(wh),
        "withdrawn": withdrawn,
    }


def _records_in_force(wh: Warehouse) -> dict[str, int]:
    counts: dict[str, int] = {}
    for table in RECORD_KINDS:
        if not wh.has_table(table):
            continue
        for load_id, n in wh.sql(f"SELECT load_id, count(*) FROM {table} GROUP BY load_id"):
            if load_id is not None:
                counts[load_id] = counts.get(load_id, 0) + int(n)
    return counts


def _nil_returns(wh: Warehouse) -> list[dict]:
    if not wh.has_table("ingest_nil_returns"):
        return []
    return [
        {"load_id": load_id, "reporter": reporter, "month": f"{year:04d}-{month:02d}"}
        for load_id, reporter, year, month in wh.sql(
            """SELECT load_id, reporter, year, month FROM ingest_nil_returns
               WHERE withdrawn_at IS NULL ORDER BY load_id"""
        )
    ]


def reference_versions() -> dict[str, str]:
    """SHA-256 of each reference data file shipped with marsad (e.g. ``segments.csv``).

    >>> len(reference_versions()["segments.csv"])
    64
    """
    folder = resources.files("marsad.reference")
    return {
        entry.name: hashlib.sha256(entry.read_bytes()).hexdigest()
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.is_file() and not entry.name.endswith((".py", ".pyc"))
    }


def figure_settings() -> dict[str, object]:
    """The settings that change the figures, by environment variable (never the
    confidentiality parameters).

    >>> figure_settings()["MARSAD_FINAL_AFTER_MONTHS"]  # doctest: +SKIP
    12
    """
    from marsad.settings import get_settings

    settings = get_settings()
    return {f"MARSAD_{name.upper()}": getattr(settings, name) for name in FIGURE_SETTINGS}


def built_today(wh: Warehouse) -> str | None:
    """A day that decides which months are over as the last build decided (the first
    day of its first month not over, else of the month after its last), for
    ``MARSAD_TODAY`` in the manifest: a function of the built table, not of the clock,
    so that ``release verify`` rebuilds with the months the build took as over, on any
    day. None for a build before months not over were told apart (all were over).

    >>> import datetime as dt
    >>> _first_day_after([((2026, 11), True), ((2026, 12), False)])
    '2026-12-01'
    >>> _first_day_after([((2026, 11), True)])
    '2026-12-01'
    """
    if "over" not in wh.table("coverage_months").columns:
        return None
    rows = wh.sql("SELECT year, month, over FROM coverage_months ORDER BY year, month")
    return _first_day_after([((int(y), int(m)), bool(over)) for y, m, over in rows])


def _first_day_after(months: list[tuple[tuple[int, int], bool]]) -> str | None:
    not_over = [m for m, over in months if not over]
    if not_over:
        first = not_over[0]
    elif months:
        first = next_month(months[-1][0])
    else:
        return None
    return dt.date(*first, 1).isoformat()
