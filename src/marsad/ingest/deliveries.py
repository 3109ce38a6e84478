"""Declared nil returns: a reporter says it had nothing to report for a month.

A load of transactions is a delivery for each (reporter, month of value date)
it brings records for; a bank with nothing to report for a month declares a
nil return instead (``marsad ingest --nil-return --reporter BK01 --month
2024-02``), so that the month can be complete (:mod:`marsad.coverage`).

A nil return is a row of the load ledger (kind ``nil_return``, file ``nil
return BK01 2024-02``, no rows), listed by ``marsad loads``, and a row of
``ingest_nil_returns``. Declaring it again changes nothing; withdrawing it
keeps the row, marked withdrawn, and a later declaration restores it.

>>> import tempfile, pathlib
>>> from marsad.engine import open_warehouse
>>> wh = open_warehouse(pathlib.Path(tempfile.mkdtemp()) / "doc.duckdb")
>>> declare_nil_return(wh, "BK01", "2024-02")
NilReturn(load_id='L00001', reporter='BK01', month='2024-02', status='declared')
>>> declare_nil_return(wh, "BK01", "2024-02").status
'already declared'
>>> withdraw_nil_return(wh, "BK01", "2024-02").status
'withdrawn'
>>> wh.close()
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from marsad.engine import Warehouse
from marsad.errors import MarsadError
from marsad.ingest.store import ensure_tables
from marsad.periods import Period

#: The ledger's ``kind`` of a nil return.
NIL_RETURN = "nil_return"


class NilReturnError(MarsadError):
    """A nil return that cannot be declared or withdrawn (e.g. the month has records)."""


@dataclass(frozen=True)
class NilReturn:
    """What a declaration or withdrawal did (e.g. L00012, BK01, 2024-02, declared)."""

    load_id: str
    reporter: str
    month: str
    status: str  # declared | already declared | withdrawn


def _refuse_not_over(period) -> None:
    """A :class:`NilReturnError` for a month that is not over yet (e.g. 2026-12 on
    2026-12-02; a later month too), on the day the coverage rule takes as today."""
    from marsad.coverage import CoverageRule
    from marsad.settings import get_settings

    rule = CoverageRule.from_settings(get_settings())
    if (period.year, period.index) >= rule.first_not_over():
        raise NilReturnError(
            f"{period} is not over yet (today is {rule.today}): a nil return says the "
            "bank had nothing to report that month, which is known once the month is over"
        )


def _refuse_before_range(period) -> None:
    """A :class:`NilReturnError` for a month that ends before the earliest value date a
    load accepts (``MARSAD_MIN_VALUE_DATE``, 2000-01-01): its records would be
    quarantined (rule ``date_range``), so the month is outside what the warehouse
    holds, and a nil return for it (``1999-01``, a slip for 2019-01) is a mistake."""
    import calendar
    import datetime as dt

    from marsad.settings import get_settings

    earliest = get_settings().min_value_date
    last_day = calendar.monthrange(period.year, period.index)[1]
    if dt.date(period.year, period.index, last_day) < earliest:
        raise NilReturnError(
            f"{period} ends before the earliest date accepted ({earliest.isoformat()}, "
            "MARSAD_MIN_VALUE_DATE): its records would be quarantined, so there is no "
            "month to declare a nil return for (was another year meant?)"
        )


def known_reporters(wh: Warehouse) -> set[str]:
    """The reporters this warehouse knows: those that delivered records, those expected
    (``MARSAD_EXPECTED_REPORTERS``) and those that declared a nil return before."""
    from marsad.settings import get_settings

    delivered = {r for r, *_ in wh.records.deliveries()}
    declared = {r for (r,) in wh.sql("SELECT DISTINCT reporter FROM ingest_nil_returns")}
    return delivered | declared | set(get_settings().expected_reporters)


def _refuse_unknown(wh: Warehouse, reporter: str) -> None:
    """A :class:`NilReturnError` for a reporter the warehouse does not know, once it
    knows some (:func:`known_reporters`): a reviewer's nil return for ``BK99``, a slip,
    made BK99 a bank expected around that month, and Q2, S1 and the year 2024 went
    unpublished for want of its deliveries; ``bk01`` beside ``BK01`` made a second bank."""
    known = known_reporters(wh)
    if not known or reporter in known:
        return
    same = sorted(k for k in known if k.casefold() == reporter.casefold())
    if same:
        raise NilReturnError(
            f"{reporter} is not a reporter of this warehouse, which knows {same[0]}: "
            f"reporter codes are compared as written; declare it as {same[0]}"
        )
    shown = ", ".join(sorted(known)[:10]) + (", …" if len(known) > 10 else "")
    raise NilReturnError(
        f"{reporter} has delivered nothing to this warehouse and is not expected "
        f"(MARSAD_EXPECTED_REPORTERS); the reporters known are {shown}. A nil return "
        "would make it a bank expected around that month: check the code, or add it to "
        "MARSAD_EXPECTED_REPORTERS if it is a new reporter"
    )


def declare_nil_return(wh: Warehouse, reporter: str, month: str) -> NilReturn:
    """Record that ``reporter`` had nothing to report for ``month`` (``YYYY-MM``).

    Refused when the warehouse holds records of the reporter for that month, and for a
    month not over yet on the day the build takes as today (``MARSAD_TODAY``, default
    the machine's date): nobody knows yet that the bank will have nothing to report;
    and for a month that ends before the earliest value date accepted
    (``MARSAD_MIN_VALUE_DATE``), whose records would be quarantined; and for a reporter
    the warehouse does not know (:func:`known_reporters`), once it knows some.
    """
    reporter, period = _check(reporter, month)
    _refuse_not_over(period)
    _refuse_before_range(period)
    ensure_tables(wh)
    _refuse_unknown(wh, reporter)
    records = wh.scalar(
        "SELECT count(*) FROM transactions WHERE reporter = ? "
        "AND year(value_date) = ? AND month(value_date) = ?",
        [reporter, period.year, period.index],
    )
    if records:
        raise NilReturnError(
            f"{reporter} delivered {records:,} record(s) for {period}: a nil return says it "
            "had nothing to report (withdraw that load first if it was wrong)"
        )
    found = _find(wh, reporter, period)
    if found and found[1] is None:
        return NilReturn(found[0], reporter, str(period), "already declared")
    with wh.transaction():
        if found:  # withdrawn before: declared again
            wh.sql(
                "UPDATE ingest_nil_returns SET withdrawn_at = NULL, declared_at = now()::TIMESTAMP "
                "WHERE load_id = ?",
                [found[0]],
            )
            return NilReturn(found[0], reporter, str(period), "declared")
        load_id = _next_load_id(wh)
        _ledger_row(wh, load_id, reporter, period)
        wh.sql(
            "INSERT INTO ingest_nil_returns VALUES (?, ?, ?, ?, now()::TIMESTAMP, NULL)",
            [load_id, reporter, period.year, period.index],
        )
    return NilReturn(load_id, reporter, str(period), "declared")


def withdraw_nil_return(wh: Warehouse, reporter: str, month: str) -> NilReturn:
    """Withdraw a declared nil return (kept, marked withdrawn): the month is
    missing from the reporter again."""
    reporter, period = _check(reporter, month)
    ensure_tables(wh)
    found = _find(wh, reporter, period)
    if not found or found[1] is not None:
        raise NilReturnError(f"no nil return of {reporter} for {period} to withdraw")
    wh.sql(
        "UPDATE ingest_nil_returns SET withdrawn_at = now()::TIMESTAMP WHERE load_id = ?",
        [found[0]],
    )
    return NilReturn(found[0], reporter, str(period), "withdrawn")


def withdraw_nil_return_load(wh: Warehouse, load_id: str) -> bool:
    """Withdraw the nil return of a ledger load id (for ``marsad loads withdraw``);
    False when the load is not a nil return in force."""
    ensure_tables(wh)
    rows = wh.sql(
        "SELECT reporter, year, month FROM ingest_nil_returns "
        "WHERE load_id = ? AND withdrawn_at IS NULL",
        [load_id],
    )
    if not rows:
        return False
    reporter, year, month = rows[0]
    withdraw_nil_return(wh, reporter, f"{year:04d}-{month:02d}")
    return True


def _check(reporter: str, month: str) -> tuple[str, Period]:
    reporter = (reporter or "").strip()
    if not reporter:
        raise NilReturnError("a nil return needs the reporter: --reporter BK01")
    from marsad.errors import PeriodError

    try:
        period = Period.parse(month)
    except PeriodError:  # (it suggested 2025-S1, 2025-Q2: a nil return is for a month)
        period = None
    if period is None or period.kind != "month":
        raise NilReturnError(
            f"a nil return is for one month, written YYYY-MM (e.g. 2024-02), not {month!r}"
        )
    return reporter, period


def _find(wh: Warehouse, reporter: str, period: Period) -> tuple | None:
    """(load id, withdrawn at) of the reporter's nil return for the month, if any."""
    rows = wh.sql(
        "SELECT load_id, withdrawn_at FROM ingest_nil_returns "
        "WHERE reporter = ? AND year = ? AND month = ? ORDER BY load_id",
        [reporter, period.year, period.index],
    )
    return rows[0] if rows else None


def _next_load_id(wh: Warehouse) -> str:
    n = wh.scalar(
        "SELECT coalesce(max(TRY_CAST(substr(load_id, 2) AS BIGINT)), 0) FROM ingest_loads"
    )
    return f"L{int(n) + 1:05d}"


def _ledger_row(wh: Warehouse, load_id: str, reporter: str, period: Period) -> None:
    """The nil return's row in ``ingest_loads``: no file, no rows; its SHA-256 is
    that of ``nil-return/<reporter>/<month>`` (one row per reporter and month)."""
    name = f"nil return {reporter} {period}"
    sha = hashlib.sha256(f"nil-return/{reporter}/{period}".encode()).hexdigest()
    wh.sql(
        """INSERT INTO ingest_loads (load_id, kind, file_name, file_path, sha256, size_bytes,
               loaded_at, format, rows_read, loaded, quarantined, duplicates, corrections,
               blank_rows)
           VALUES (?, ?, ?, '', ?, 0, now()::TIMESTAMP, 'nil return', 0, 0, 0, 0, 0, 0)""",
        [load_id, NIL_RETURN, name, sha],
    )


def note_over_nil_returns(wh: Warehouse, kind, files) -> None:
    """Add to each transactions file's notes the months it brings records for that have
    a nil return of the same reporter in force (checked rows, ``_ing_chk``): the records
    count and the month is delivered, but the bank had said it had nothing; a reviewer's
    load went in without a word, while the reverse order is refused."""
    from marsad.ingest.keys import CHK

    if kind.table != "transactions" or not files:
        return
    rows = wh.sql(
        f"""SELECT DISTINCT c._file, n.reporter, n.year, n.month, n.load_id
            FROM {CHK} c JOIN ingest_nil_returns n
              ON n.reporter = c.reporter AND n.year = year(c.value_date)
             AND n.month = month(c.value_date) AND n.withdrawn_at IS NULL
            WHERE c._fail IS NULL ORDER BY ALL"""
    )
    by_index = {f.index: f for f in files if f.staged is not None}
    for i, reporter, year, month, load_id in rows:
        if (f := by_index.get(int(i))) is not None:
            f.staged.notes.append(
                f"{reporter} {year:04d}-{month:02d}: a nil return ({load_id}) says the bank "
                "had nothing to report that month; its records now count. Withdraw the nil "
                f"return if it was wrong (marsad loads withdraw {load_id}), or this load"
            )
