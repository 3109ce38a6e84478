"""Waiving quarantined rows: the compiler accepts that a refused row stays out
of the warehouse, says why, and can take it back.

A waived row stays in ``ingest_quarantine`` with who waived it, when and why;
it is no longer *open* (``marsad quarantine list`` counts it apart, the export
leaves it out) and the ledger moves it from ``quarantined`` to ``waived``, so
that for every load ``rows read = loaded + quarantined + waived``. Unwaiving
puts it back. One rule differs: a waived ``implausible`` rate (an isolated spike, which
may be right) is put in force, and unwaiving takes it out again
(:mod:`marsad.ingest.plausible`). Each act is a row of ``ingest_actions``; both are one
transaction.

>>> parse_row("L00003:4")
('L00003', 4)
"""

from __future__ import annotations

from dataclasses import dataclass

from marsad.engine import Warehouse
from marsad.errors import BadArgument, MarsadError
from marsad.ingest import plausible


@dataclass(frozen=True)
class Selection:
    """Quarantined rows of the loads ``load_ids``: one ``line``, or all (of one ``rule``)."""

    load_ids: tuple[str, ...]
    line: int | None = None
    rule: str | None = None

    def describe(self) -> str:
        """The rows in words, for the record of the act (e.g. ``line 4``)."""
        parts = []
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.rule:
            parts.append(f"rule {self.rule}")
        return ", ".join(parts) or "all rows"

    def where(self) -> tuple[str, list]:
        cond = ["list_contains(?, q.load_id)"]
        params: list = [list(self.load_ids)]
        if self.line is not None:
            cond.append("q.line = ?")
            params.append(self.line)
        if self.rule:
            cond.append("q.rule = ?")
            params.append(self.rule)
        withdrawn = "SELECT load_id FROM ingest_loads WHERE withdrawn_at IS NOT NULL"
        cond.append(f"q.load_id NOT IN ({withdrawn})")
        return " AND ".join(cond), params


def parse_row(text: str) -> tuple[str, int]:
    """``LOAD:LINE`` (e.g. ``L00003:4``, or ``bank.csv:4``) as (load, line), the line in
    digits 0-9 (``str.isdigit`` took ``²``, which ``int`` then refused with a traceback,
    and Arabic-Indic digits).

    >>> parse_row("L00003:4"), parse_row("a:b.csv:12")
    (('L00003', 4), ('a:b.csv', 12))
    """
    load, sep, line = text.rpartition(":")
    if not sep or not load or not (line.isascii() and line.isdigit()):
        raise BadArgument(f"a row is written LOAD:LINE (e.g. L00003:4), not {text!r}")
    return load, int(line)


def waive(
    wh: Warehouse, rows: Selection, reason: str, who: str, notes: list[str] | None = None
) -> int:
    """Waive the open rows of ``rows`` (neither resolved nor waived) with a
    ``reason``; returns how many. Raises :class:`MarsadError` when none is open.
    ``notes`` receives what else changed (implausible rates put in force)."""
    if not reason.strip():
        raise BadArgument("say why the rows are waived: --reason TEXT")
    where, params = rows.where()
    open_rows = f"{where} AND q.resolved_by IS NULL AND q.waived_at IS NULL"
    with wh.transaction():
        per_load = _count(wh, open_rows, params)
        if not per_load:
            raise MarsadError(_nothing(wh, rows, "open (not resolved, not waived)"))
        _move(wh, open_rows, params, n_sign=1)
        n_rates = plausible.accept_waived(wh, open_rows, params)  # a waived spike is in force
        wh.sql(
            f"""UPDATE ingest_quarantine q SET waived_at = now()::TIMESTAMP, waived_by = ?,
                       waived_reason = ? WHERE {open_rows}""",
            [who, reason.strip(), *params],
        )
        _act(wh, "waive", rows, per_load, reason.strip(), who)
    if n_rates and notes is not None:
        notes.append(_rates_note(n_rates, "put in force: the next marsad build converts with"))
    return sum(per_load.values())


def unwaive(
    wh: Warehouse, rows: Selection, reason: str, who: str, notes: list[str] | None = None
) -> int:
    """Take back the waiver of the waived rows of ``rows``; returns how many
    (``notes``: as for :func:`waive`)."""
    where, params = rows.where()
    waived = f"{where} AND q.waived_at IS NOT NULL"
    with wh.transaction():
        per_load = _count(wh, waived, params)
        if not per_load:
            raise MarsadError(_nothing(wh, rows, "waived"))
        _move(wh, waived, params, n_sign=-1)
        n_rates = plausible.revoke_waived(wh, waived, params)
        wh.sql(
            f"""UPDATE ingest_quarantine q SET waived_at = NULL, waived_by = NULL,
                       waived_reason = NULL WHERE {waived}""",
            params,
        )
        _act(wh, "unwaive", rows, per_load, reason.strip(), who)
    if n_rates and notes is not None:
        notes.append(
            _rates_note(n_rates, "taken out of force: the next marsad build no longer uses")
        )
    return sum(per_load.values())


def _rates_note(n: int, what: str) -> str:
    """What a waiver did to the rates in force, in words.

    >>> _rates_note(1, "put in force: the next marsad build converts with")
    '1 implausible rate put in force: the next marsad build converts with it'
    """
    return f"{n:,} implausible rate{'s' if n != 1 else ''} {what} {'them' if n != 1 else 'it'}"


def _count(wh: Warehouse, where: str, params: list) -> dict[str, int]:
    """Rows selected, per load."""
    rows = wh.sql(
        f"SELECT q.load_id, count(*) FROM ingest_quarantine q WHERE {where} GROUP BY 1", params
    )
    return {load_id: int(n) for load_id, n in rows}


def _move(wh: Warehouse, where: str, params: list, n_sign: int) -> None:
    """Move the rows selected from the ledger's ``quarantined`` to ``waived``
    (``n_sign`` 1), or back (-1), load by load."""
    wh.sql(
        f"""UPDATE ingest_loads l SET quarantined = l.quarantined - {n_sign} * x.n,
                   waived = coalesce(l.waived, 0) + {n_sign} * x.n
            FROM (SELECT q.load_id, count(*) AS n FROM ingest_quarantine q
                  WHERE {where} GROUP BY q.load_id) x
            WHERE l.load_id = x.load_id""",
        params,
    )


def _act(
    wh: Warehouse, action: str, rows: Selection, per_load: dict[str, int], reason: str, who: str
) -> None:
    """Record the act in ``ingest_actions``, once per load."""
    for load_id, n in sorted(per_load.items()):
        wh.sql(
            """INSERT INTO ingest_actions
               (acted_at, acted_by, action, load_id, selection, row_count, reason)
               VALUES (now()::TIMESTAMP, ?, ?, ?, ?, ?, ?)""",
            [who, action, load_id, rows.describe(), n, reason],
        )


def _nothing(wh: Warehouse, rows: Selection, state: str) -> str:
    """Why nothing was selected, in words."""
    loads = ", ".join(rows.load_ids)
    withdrawn = wh.sql(
        "SELECT load_id FROM ingest_loads WHERE list_contains(?, load_id)"
        " AND withdrawn_at IS NOT NULL",
        [list(rows.load_ids)],
    )
    if withdrawn:
        return f"load {withdrawn[0][0]} was withdrawn: its rows cannot be waived or unwaived"
    return f"no {state} quarantined row of load {loads} matches {rows.describe()}"
