"""What the ``loads`` and ``quarantine`` commands show, as plain rows.

Each function reads ingest's tables and returns dicts (or lists) that the
command line only formats. They never write: on a warehouse that ingest has
not touched yet (no ``ingest_loads`` table), they return nothing, so they work
on a warehouse opened read-only.

>>> loads(wh)  # doctest: +SKIP
[{'load_id': 'L00001', 'kind': 'transactions', 'file_name': 'bank-march.csv', ...}]
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from marsad.engine import Warehouse
from marsad.ingest import KINDS
from marsad.ingest.cleaning import neutralise

#: Columns added after the kind's own in a quarantine export.
EXPORT_EXTRA = (
    "quarantine_load",
    "quarantine_file",
    "quarantine_line",
    "quarantine_rule",
    "quarantine_column",
    "quarantine_value",
    "quarantine_message",
    "quarantine_resolved_by",
)


def _has_ledger(wh: Warehouse) -> bool:
    return bool(
        wh.scalar(
            "SELECT count(*) FROM duckdb_tables() "
            "WHERE table_name = 'ingest_quarantine' AND NOT temporary"
        )
    )


def _col(wh: Warehouse, table: str, column: str, alias: str = "") -> str:
    """SQL of ``column`` (after ``alias.``), or NULL on a warehouse made before it
    existed (opened read-only, it could not be added: see
    :data:`marsad.ingest.store.ADDED_COLUMNS`)."""
    from marsad.ingest.store import columns

    present = (table, column) in set(columns(wh, table))
    return (f"{alias}.{column}" if alias else column) if present else "NULL"


def _in(column: str, ids: Sequence[str]) -> str:
    return f"{column} IN ({', '.join('?' for _ in ids)})"


def _dicts(names: Sequence[str], rows: list[tuple]) -> list[dict[str, Any]]:
    return [dict(zip(names, row, strict=True)) for row in rows]


_LOAD_KEYS = (
    "load_id", "kind", "file_name", "loaded_at", "sha256", "rows_read", "loaded", "unchanged",
    "quarantined", "waived", "duplicates", "corrections", "cleaned", "withdrawn_at",
    "withdrawn_by", "withdrawn_reason",
)  # fmt: skip


def loads(wh: Warehouse, ids: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """The ledger, one dict per load (all loads, or those in ``ids``).

    Keys: load_id, kind, file_name, loaded_at (text, e.g. ``2024-03-15 10:02:11``),
    sha256, rows_read, loaded, unchanged (same content as a record already loaded),
    quarantined (still in quarantine), waived
    (``rows_read == loaded + unchanged + quarantined + waived``), duplicates, corrections,
    cleaned (values cleaned of invisible characters), withdrawn_at (text or
    None), withdrawn_by, withdrawn_reason.
    """
    if not _has_ledger(wh):
        return []
    where = f"WHERE {_in('load_id', ids)}" if ids else ""
    c = {k: _col(wh, "ingest_loads", k) for k in ("waived", "unchanged", *_LOAD_KEYS[-4:])}
    rows = wh.sql(
        f"""SELECT load_id, kind, file_name, strftime(loaded_at, '%Y-%m-%d %H:%M:%S'), sha256,
                   rows_read, loaded, coalesce({c["unchanged"]}, 0), quarantined,
                   coalesce({c["waived"]}, 0), duplicates,
                   corrections, coalesce({c["cleaned"]}, 0),
                   strftime({c["withdrawn_at"]}::TIMESTAMP, '%Y-%m-%d %H:%M:%S'),
                   {c["withdrawn_by"]}, {c["withdrawn_reason"]}
            FROM ingest_loads {where} ORDER BY load_id""",
        list(ids or []),
    )
    return _dicts(_LOAD_KEYS, rows)


def control_totals(wh: Warehouse, ids: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Control totals per load, flow and currency (firms: per segment), to tick
    against a bank's cover note. Amounts are sums of the amounts as read, in the
    original currency (``Decimal``, or ``None`` when no amount is a number).

    Keys: load_id, kind, flow (``C``, ``D``, ``(other)``, ``(none)``; ``None`` for
    firms and rates), group (e.g. ``EUR``), rows_read, amount_read, rows_loaded,
    amount_loaded, rows_unchanged, amount_unchanged (the rows with the same content as
    a record already loaded), rows_quarantined, amount_quarantined (the quarantined rows
    whose amount is a number: negative ones count negative), rows_no_amount (rows
    whose amount is not summed: empty, not a number, more than 3 decimals or 10^15 or more).
    """
    if not _has_ledger(wh):
        return []
    where = f"WHERE {_in('t.load_id', ids)}" if ids else ""
    names = (
        "load_id", "kind", "flow", "group", "rows_read", "amount_read", "rows_loaded",
        "amount_loaded", "rows_unchanged", "amount_unchanged", "rows_quarantined",
        "amount_quarantined", "rows_no_amount",
    )  # fmt: skip
    flow, no_amount, n_same, a_same = (
        _col(wh, "ingest_totals", c, "t")
        for c in ("flow", "rows_no_amount", "rows_unchanged", "amount_unchanged")
    )
    rows = wh.sql(
        f"""SELECT t.load_id, l.kind, {flow}::VARCHAR, t.grp, sum(t.rows_read),
                   sum(t.amount_read), sum(t.rows_loaded), sum(t.amount_loaded),
                   coalesce(sum({n_same}), 0)::BIGINT, sum({a_same})::DECIMAL(38,3),
                   sum(t.rows_read) - sum(t.rows_loaded) - coalesce(sum({n_same}), 0),
                   coalesce(sum(t.amount_read), 0) - coalesce(sum(t.amount_loaded), 0)
                   - coalesce(sum({a_same}), 0),
                   sum({no_amount})::BIGINT
            FROM ingest_totals t JOIN ingest_loads l USING (load_id)
            {where} GROUP BY ALL ORDER BY 1, 3 NULLS FIRST, 4""",
        list(ids or []),
    )
    out = _dicts(names, rows)
    for r in out:
        if r["amount_read"] is None:
            r["amount_quarantined"] = None
    return out


def _open(wh: Warehouse) -> str:
    """SQL: a quarantined row is open (to fix): not resolved, not waived, and its
    load not withdrawn."""
    waived = _col(wh, "ingest_quarantine", "waived_at")
    withdrawn = _col(wh, "ingest_loads", "withdrawn_at")
    gone = f"SELECT load_id FROM ingest_loads WHERE {withdrawn} IS NOT NULL"
    return f"(resolved_by IS NULL AND {waived} IS NULL AND load_id NOT IN ({gone}))"


def quarantine_summary(wh: Warehouse, *, include_resolved: bool = False) -> list[dict[str, Any]]:
    """Quarantined rows counted per load and rule.

    Keys: load_id, kind, file_name, rule, open (rows to fix), resolved, waived
    (the others: rows of a withdrawn load). Without ``include_resolved``, loads
    with no open row are left out.
    """
    if not _has_ledger(wh):
        return []
    names = ("load_id", "kind", "file_name", "rule", "open", "resolved", "waived")
    waived = _col(wh, "ingest_quarantine", "waived_at")
    rows = _dicts(
        names,
        wh.sql(
            f"""SELECT load_id, kind, file_name, rule,
                       count(*) FILTER (WHERE {_open(wh)}),
                       count(*) FILTER (WHERE resolved_by IS NOT NULL),
                       count(*) FILTER (WHERE resolved_by IS NULL AND {waived} IS NOT NULL)
                FROM ingest_quarantine GROUP BY ALL ORDER BY load_id, rule"""
        ),
    )
    if include_resolved:
        return rows
    open_loads = {r["load_id"] for r in rows if r["open"]}
    return [r for r in rows if r["load_id"] in open_loads]


def open_records(wh: Warehouse) -> list[tuple[tuple[int, int] | None, str | None, int]]:
    """The open quarantined rows of transactions files (neither resolved by a later load,
    nor waived, nor of a withdrawn load), counted per month of value date and reporter:
    ``[((2024, 4), "BK02", 9)]``. The month is ``None`` when the row's date cannot be
    read, the reporter ``None`` when it is empty or the line could not be split. Counts
    only: no amount, no firm."""
    if not _has_ledger(wh):
        return []
    canonical = _col(wh, "ingest_quarantine", "canonical")
    rows = wh.sql(
        f"""WITH q AS (SELECT coalesce({canonical}, record) AS j FROM ingest_quarantine
                       WHERE kind = 'transactions' AND {_open(wh)}),
                 v AS (SELECT TRY_CAST(json_extract_string(j, '$.value_date') AS DATE) AS d,
                              NULLIF(trim(json_extract_string(j, '$.reporter')), '') AS r
                       FROM q)
            SELECT year(d), month(d), r, count(*) FROM v GROUP BY ALL
            ORDER BY 1 NULLS LAST, 2 NULLS LAST, 3 NULLS LAST"""
    )
    return [(None if y is None else (int(y), int(m)), r, int(n)) for y, m, r, n in rows]


def _where(
    wh: Warehouse,
    ids: Sequence[str] | None,
    *,
    rule: str | None = None,
    kind: str | None = None,
    include_resolved: bool = False,
) -> tuple[str, list[Any]]:
    cond: list[str] = []
    params: list[Any] = []
    if ids:
        cond.append(_in("load_id", ids))
        params.extend(ids)
    if rule:
        cond.append("rule = ?")
        params.append(rule)
    if kind:
        cond.append("kind = ?")
        params.append(kind)
    if not include_resolved:
        cond.append(_open(wh))
    return ("WHERE " + " AND ".join(cond)) if cond else "", params


_ROW_KEYS = (
    "load_id", "file_name", "line", "column", "rule", "value", "message", "other_rules",
    "resolved_by", "waived",
)  # fmt: skip


def quarantine_rows(
    wh: Warehouse,
    ids: Sequence[str],
    *,
    rule: str | None = None,
    include_resolved: bool = False,
    limit: int = 200,
) -> tuple[list[dict[str, Any]], int]:
    """The quarantined rows of the loads ``ids`` (at most ``limit``; 0: all) and how
    many there are in all: open ones, or all with ``include_resolved``.

    Keys: load_id, file_name, line, column, rule, value, message, other_rules,
    resolved_by, waived (who, when and why, e.g. ``a.benali 2024-05-02 10:00:
    amount confirmed by the bank``; None when not waived).
    """
    if not _has_ledger(wh):
        return [], 0
    where, params = _where(wh, ids, rule=rule, include_resolved=include_resolved)
    lim = f"LIMIT {int(limit)}" if limit > 0 else ""
    w = {c: _col(wh, "ingest_quarantine", c) for c in ("waived_at", "waived_by", "waived_reason")}
    waived = (
        f"CASE WHEN {w['waived_at']} IS NOT NULL THEN {w['waived_by']} || ' ' || "
        f"strftime({w['waived_at']}::TIMESTAMP, '%Y-%m-%d %H:%M') || ': ' || {w['waived_reason']}"
        " END"
    )
    rows = wh.sql(
        f"""SELECT load_id, file_name, line, column_name, rule, value, message, other_rules,
                   resolved_by, {waived}
            FROM ingest_quarantine {where} ORDER BY load_id, line {lim}""",
        params,
    )
    total = wh.scalar(f"SELECT count(*) FROM ingest_quarantine {where}", params)
    return _dicts(_ROW_KEYS, rows), int(total or 0)


def quarantine_kinds(
    wh: Warehouse,
    ids: Sequence[str] | None = None,
    *,
    kind: str | None = None,
    include_resolved: bool = False,
) -> list[str]:
    """The kinds (e.g. ``["transactions"]``) of the quarantined rows selected."""
    if not _has_ledger(wh):
        return []
    where, params = _where(wh, ids, kind=kind, include_resolved=include_resolved)
    rows = wh.sql(f"SELECT DISTINCT kind FROM ingest_quarantine {where}", params)
    return sorted(r[0] for r in rows)


def quarantine_export(
    wh: Warehouse,
    ids: Sequence[str] | None = None,
    *,
    kind: str | None = None,
    include_resolved: bool = False,
) -> tuple[list[str], list[list[Any]]]:
    """The header and rows of a quarantine export: the kind's input columns, then
    :data:`EXPORT_EXTRA`. The selection must hold one kind only (check with
    :func:`quarantine_kinds`).

    Values are canonical where they could be read (amounts ``1500.0000`` with a
    point and no grouping, dates ``2024-03-16``, codes in upper case, see
    :func:`marsad.ingest.quarantine.canonical_json`), else as read; every cell
    that would start a spreadsheet formula gets a leading apostrophe, which
    ingest removes again (:mod:`marsad.ingest.cleaning`).
    """
    kinds = quarantine_kinds(wh, ids, kind=kind, include_resolved=include_resolved)
    fields = list(KINDS[kinds[0]].field_names) if kinds else []
    if not kinds:
        return fields + list(EXPORT_EXTRA), []
    where, params = _where(wh, ids, kind=kind, include_resolved=include_resolved)
    canonical = _col(wh, "ingest_quarantine", "canonical")
    rows = wh.sql(
        f"""SELECT coalesce({canonical}, record), load_id, file_name, line, rule, column_name,
                   value, message, resolved_by
            FROM ingest_quarantine {where} ORDER BY load_id, line""",
        params,
    )
    out = []
    for record, load_id, file_name, line, rule, column, value, message, resolved in rows:
        raw = json.loads(record) if record else {}
        cells = [raw.get(f) or "" for f in fields]
        cells += [
            load_id,
            file_name,
            line,
            rule,
            column or "",
            value or "",
            message,
            resolved or "",
        ]
        out.append([neutralise(c) for c in cells])
    return fields + list(EXPORT_EXTRA), out


def notes(wh: Warehouse, ids: Sequence[str] | None = None) -> dict[str, list[str]]:
    """The notes of each load's report (all loads, or those in ``ids``), in order
    (e.g. ``{"L00002": ["decimal mark: ',' ..."]}``); none on a warehouse made before
    they were kept (opened read-only, ``ingest_notes`` could not be added).
    """
    if not wh.scalar(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'ingest_notes' AND NOT temporary"
    ):
        return {}
    where = f"WHERE {_in('load_id', ids)}" if ids else ""
    out: dict[str, list[str]] = {}
    rows = wh.sql(
        f"SELECT load_id, note FROM ingest_notes {where} ORDER BY load_id, seq", list(ids or [])
    )
    for load_id, note in rows:
        out.setdefault(load_id, []).append(note)
    return out


def actions(wh: Warehouse, ids: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """What compilers did to the loads ``ids`` (all when None): waive, unwaive,
    withdraw, oldest first.

    Keys: acted_at (text), acted_by, action, load_id, selection, row_count, reason.
    """
    if not _has_ledger(wh) or not wh.scalar(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'ingest_actions'"
    ):
        return []
    where = f"WHERE {_in('load_id', ids)}" if ids else ""
    names = ("acted_at", "acted_by", "action", "load_id", "selection", "row_count", "reason")
    rows = wh.sql(
        f"""SELECT strftime(acted_at, '%Y-%m-%d %H:%M:%S'), acted_by, action, load_id,
                   selection, row_count, reason
            FROM ingest_actions {where} ORDER BY acted_at, load_id""",
        list(ids or []),
    )
    return _dicts(names, rows)
