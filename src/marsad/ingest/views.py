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


def _in(column: str, ids: Sequence[str]) -> str:
    return f"{column} IN ({', '.join('?' for _ in ids)})"


def _dicts(names: Sequence[str], rows: list[tuple]) -> list[dict[str, Any]]:
    return [dict(zip(names, row, strict=True)) for row in rows]


def loads(wh: Warehouse, ids: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """The ledger, one dict per load (all loads, or those in ``ids``).

    Keys: load_id, kind, file_name, loaded_at (text, e.g. ``2024-03-15 10:02:11``),
    sha256, rows_read, loaded, quarantined, duplicates, corrections.
    """
    if not _has_ledger(wh):
        return []
    where = f"WHERE {_in('load_id', ids)}" if ids else ""
    names = (
        "load_id",
        "kind",
        "file_name",
        "loaded_at",
        "sha256",
        "rows_read",
        "loaded",
        "quarantined",
        "duplicates",
        "corrections",
    )
    rows = wh.sql(
        f"""SELECT load_id, kind, file_name, strftime(loaded_at, '%Y-%m-%d %H:%M:%S'), sha256,
                   rows_read, loaded, quarantined, duplicates, corrections
            FROM ingest_loads {where} ORDER BY load_id""",
        list(ids or []),
    )
    return _dicts(names, rows)


def control_totals(wh: Warehouse, ids: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Control totals per load and currency (firms: per segment).

    Keys: load_id, kind, group (e.g. ``EUR``), rows_read, amount_read, rows_loaded,
    amount_loaded (amounts in the original currency, ``Decimal`` or ``None``).
    """
    if not _has_ledger(wh):
        return []
    where = f"WHERE {_in('t.load_id', ids)}" if ids else ""
    names = ("load_id", "kind", "group", "rows_read", "amount_read", "rows_loaded", "amount_loaded")
    rows = wh.sql(
        f"""SELECT t.load_id, l.kind, t.grp, t.rows_read, t.amount_read, t.rows_loaded,
                   t.amount_loaded
            FROM ingest_totals t JOIN ingest_loads l USING (load_id)
            {where} ORDER BY t.load_id, t.grp""",
        list(ids or []),
    )
    return _dicts(names, rows)


def quarantine_summary(wh: Warehouse, *, include_resolved: bool = False) -> list[dict[str, Any]]:
    """Quarantined rows counted per load and rule.

    Keys: load_id, kind, file_name, rule, open (rows to fix), resolved. Without
    ``include_resolved``, loads whose rows are all resolved are left out.
    """
    if not _has_ledger(wh):
        return []
    names = ("load_id", "kind", "file_name", "rule", "open", "resolved")
    rows = _dicts(
        names,
        wh.sql(
            """SELECT q.load_id, q.kind, q.file_name, q.rule,
                  count(*) FILTER (WHERE resolved_by IS NULL),
                  count(*) FILTER (WHERE resolved_by IS NOT NULL)
           FROM ingest_quarantine q GROUP BY ALL ORDER BY q.load_id, q.rule"""
        ),
    )
    if include_resolved:
        return rows
    open_loads = {r["load_id"] for r in rows if r["open"]}
    return [r for r in rows if r["load_id"] in open_loads]


def _where(
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
        cond.append("resolved_by IS NULL")
    return ("WHERE " + " AND ".join(cond)) if cond else "", params


def quarantine_rows(
    wh: Warehouse,
    ids: Sequence[str],
    *,
    rule: str | None = None,
    include_resolved: bool = False,
    limit: int = 200,
) -> tuple[list[dict[str, Any]], int]:
    """The quarantined rows of the loads ``ids`` (at most ``limit``; 0: all) and how
    many there are in all.

    Keys: load_id, file_name, line, column, rule, value, message, other_rules, resolved_by.
    """
    if not _has_ledger(wh):
        return [], 0
    where, params = _where(ids, rule=rule, include_resolved=include_resolved)
    lim = f"LIMIT {int(limit)}" if limit > 0 else ""
    names = (
        "load_id",
        "file_name",
        "line",
        "column",
        "rule",
        "value",
        "message",
        "other_rules",
        "resolved_by",
    )
    rows = wh.sql(
        f"""SELECT load_id, file_name, line, column_name, rule, value, message, other_rules,
                   resolved_by
            FROM ingest_quarantine {where} ORDER BY load_id, line {lim}""",
        params,
    )
    total = wh.scalar(f"SELECT count(*) FROM ingest_quarantine {where}", params)
    return _dicts(names, rows), int(total or 0)


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
    where, params = _where(ids, kind=kind, include_resolved=include_resolved)
    rows = wh.sql(f"SELECT DISTINCT kind FROM ingest_quarantine {where}", params)
    return sorted(r[0] for r in rows)


def quarantine_export(
    wh: Warehouse,
    ids: Sequence[str] | None = None,
    *,
    kind: str | None = None,
    include_resolved: bool = False,
) -> tuple[list[str], list[list[Any]]]:
    """The header and rows of a quarantine export: the kind's input columns holding the
    raw values, then :data:`EXPORT_EXTRA`. The selection must hold one kind only
    (check with :func:`quarantine_kinds`).
    """
    kinds = quarantine_kinds(wh, ids, kind=kind, include_resolved=include_resolved)
    fields = list(KINDS[kinds[0]].field_names) if kinds else []
    if not kinds:
        return fields + list(EXPORT_EXTRA), []
    where, params = _where(ids, kind=kind, include_resolved=include_resolved)
    rows = wh.sql(
        f"""SELECT record, load_id, file_name, line, rule, column_name, value, message,
                   resolved_by
            FROM ingest_quarantine {where} ORDER BY load_id, line""",
        params,
    )
    out = []
    for record, load_id, file_name, line, rule, column, value, message, resolved in rows:
        raw = json.loads(record) if record else {}
        out.append(
            [raw.get(f) or "" for f in fields]
            + [load_id, file_name, line, rule, column or "", value or "", message, resolved or ""]
        )
    return fields + list(EXPORT_EXTRA), out
