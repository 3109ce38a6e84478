"""Withdrawing a load: the warehouse as if that file had never been loaded.

The rule, the simplest that is always right: after a withdrawal **each
record shows the latest version brought by a load that is not withdrawn, or
is gone if there is none.** Only the records whose current version came from
the withdrawn load change (a record it brought that a later load corrected
keeps that later version); each of them

- leaves the core table (``transactions``, ``firms`` or ``rates``) for its
  history table, marked ``superseded_by = load_id`` (its own load: withdrawn);
- and, if a load not withdrawn had brought a version of it (an earlier load
  that the withdrawn one corrected, or a load that sent the same version again,
  ``unchanged``: see ``ingest_unchanged``), the latest such version comes back
  from the history, with the load that brought it (a record sent unchanged by
  a later load stays as it was, now held by that load).

The quarantined rows that the load resolved are open again (the version that
resolved them is gone), and its own quarantined rows are no longer open. The
ledger keeps the load with who withdrew it, when and why; loading the same
file again with the same reading options is still "already loaded", with
other ones (``--decimal``, ``--sep``…: :mod:`marsad.ingest.identity`) a new
load. What the load taught its reporters (a decimal mark, a date format, column
names learnt from it or stated for it, :mod:`marsad.ingest.reporters`) is
forgotten with it: a misread file withdrawn no longer sets how the bank's next
files are read. All of it is one transaction.

>>> WithdrawReport("L00004", "transactions", removed=3, restored=1, reopened=2).summary()
'load L00004 withdrawn: 3 transactions records left the warehouse (1 returned to its previous version); 2 quarantined rows it had resolved are open again'
>>> WithdrawReport("L00004", "firms", removed=0, kept=2).summary()
'load L00004 withdrawn: 0 firms records left the warehouse (0 returned to their previous version); 2 records stay as they were, sent unchanged by a later load'
"""  # noqa: E501

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

from marsad.engine import Warehouse, quote_ident
from marsad.errors import BadArgument
from marsad.ingest import keyindex
from marsad.ingest.keys import key_cols, key_text, load_number, table_columns
from marsad.ingest.schema import KINDS, Kind

_KEYS = "_wd_keys"
_BACK = "_wd_back"


@dataclass
class WithdrawReport:
    """What a withdrawal did: records removed, restored to a previous version,
    kept (the same version, sent unchanged by another load not withdrawn),
    quarantined rows reopened; ``already`` when the load was withdrawn before."""

    load_id: str
    kind: str
    removed: int = 0
    restored: int = 0
    reopened: int = 0
    kept: int = 0
    already: str | None = None  # "on 2024-05-02 10:00 by a.benali: wrong month"
    #: reporters' settings the load taught, forgotten: "BK01's decimal ','"
    forgotten: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """The outcome in one line."""
        if self.already:
            return f"load {self.load_id} was already withdrawn ({self.already}): nothing changed"
        restored = (
            "returned to its previous version"
            if self.restored == 1
            else ("returned to their previous version")
        )
        text = (
            f"load {self.load_id} withdrawn: {self.removed:,} {self.kind} records left the "
            f"warehouse ({self.restored:,} {restored})"
        )
        if self.kept:
            text += (
                f"; {self.kept:,} record{'s' if self.kept != 1 else ''} stay as "
                f"{'they were' if self.kept != 1 else 'it was'}, sent unchanged by a later load"
            )
        if self.reopened:
            text += f"; {self.reopened:,} quarantined rows it had resolved are open again"
        if self.forgotten:
            text += f"; forgotten, as learnt from it: {', '.join(self.forgotten)}"
        return text


def withdraw(wh: Warehouse, load_id: str, reason: str, who: str) -> WithdrawReport:
    """Withdraw the load ``load_id`` (see the module's rule), in one transaction."""
    if not reason.strip():
        raise BadArgument("say why the load is withdrawn: --reason TEXT")
    kind = wh.sql("SELECT kind FROM ingest_loads WHERE load_id = ?", [load_id])
    if kind and kind[0][0] == "nil_return":  # a declared nil return: no records to take out
        from marsad.ingest.deliveries import withdraw_nil_return_load

        report = WithdrawReport(load_id, "nil_return")
        if not withdraw_nil_return_load(wh, load_id):
            report.already = "before (marsad ingest --nil-return --withdraw)"
        return report
    with wh.transaction():
        row = wh.sql(
            """SELECT kind, strftime(withdrawn_at, '%Y-%m-%d %H:%M'), withdrawn_by,
                      withdrawn_reason FROM ingest_loads WHERE load_id = ?""",
            [load_id],
        )
        if not row:
            raise BadArgument(f"no load {load_id} (see: marsad loads)")
        kind, at, by, why = row[0]
        report = WithdrawReport(load_id, kind)
        if at is not None:
            report.already = f"on {at} by {by}: {why}"
            return report
        spec = KINDS[kind]
        indexed = spec.table == "transactions" and keyindex.valid(wh)
        with _records(wh, spec, load_id):
            removed = _remove(wh, spec, load_id)
            report.restored, report.kept = _restore(wh, spec, load_id)
            report.removed = removed - report.kept
        if indexed:  # the versions brought back, in the key index (else rebuilt on next load)
            keyindex.add(wh, f"SELECT reporter, record_id, value_date FROM {_BACK}")
        report.reopened = _reopen(wh, load_id)
        report.forgotten = _forget_settings(wh, load_id)
        wh.sql(
            """UPDATE ingest_loads SET withdrawn_at = now()::TIMESTAMP, withdrawn_by = ?,
                      withdrawn_reason = ? WHERE load_id = ?""",
            [who, reason.strip(), load_id],
        )
        wh.sql(
            """INSERT INTO ingest_actions
               (acted_at, acted_by, action, load_id, selection, row_count, reason)
               VALUES (now()::TIMESTAMP, ?, 'withdraw', ?, 'all its records', ?, ?)""",
            [who, load_id, report.removed, reason.strip()],
        )
    for temp in (_KEYS, _BACK):
        wh.sql(f"DROP TABLE IF EXISTS {temp}")
    return report


def _records(wh: Warehouse, kind: Kind, load_id: str) -> contextlib.AbstractContextManager:
    """For records, the months of the record store holding the load's records, as the
    table ``transactions`` (a version brought back goes to its own month)."""
    if kind.table != "transactions":
        return contextlib.nullcontext()
    return wh.records.editing(wh.records.months_of_load(load_id))


def _remove(wh: Warehouse, kind: Kind, load_id: str) -> int:
    """Move the current versions the load brought to the history; return how many."""
    table, keys = kind.table, key_cols(kind)
    wh.sql(
        f"CREATE OR REPLACE TEMP TABLE {_KEYS} AS SELECT {keys} FROM {table} WHERE load_id = ?",
        [load_id],
    )
    cols = ", ".join(quote_ident(c) for c in table_columns(wh, table))
    wh.sql(
        f"""INSERT INTO {table}_history
            SELECT {cols}, load_id, now()::TIMESTAMP FROM {table} WHERE load_id = ?""",
        [load_id],
    )
    wh.sql(f"DELETE FROM {table} WHERE load_id = ?", [load_id])
    return int(wh.scalar(f"SELECT count(*) FROM {_KEYS}"))


def _restore(wh: Warehouse, kind: Kind, load_id: str) -> tuple[int, int]:
    """Bring back, for each record removed, the latest version of a load not
    withdrawn: one it brought, or one it sent again unchanged (then held by
    that load, at its line). Return how many of each."""
    table, keys = kind.table, key_cols(kind)
    cols = table_columns(wh, table)
    live = "SELECT load_id FROM ingest_loads WHERE withdrawn_at IS NULL AND load_id <> ?"
    # a version that came in force by a waiver (an implausible rate) comes back only while
    # it is waived: unwaived, it is in quarantine, and in no figure
    unwaived = (
        " AND NOT EXISTS (SELECT 1 FROM ingest_quarantine q WHERE q.kind = 'rates'"
        " AND q.rule = 'implausible' AND q.load_id = h.load_id AND q.line = h.line"
        " AND q.waived_at IS NULL)"
        if kind.name == "rates"
        else ""
    )
    wh.sql(
        f"""CREATE OR REPLACE TEMP TABLE {_BACK} AS
            SELECT * EXCLUDE (rn, _rank) FROM (
                SELECT *, row_number() OVER (PARTITION BY {keys}
                                             ORDER BY _rank DESC, superseded_at DESC) AS rn
                FROM (SELECT h.*, {load_number("h.load_id")} AS _rank, false AS _sent
                      FROM {table}_history h SEMI JOIN {_KEYS} USING ({keys})
                      WHERE h.load_id IN ({live}) AND h.superseded_by <> h.load_id{unwaived}
                      UNION ALL BY NAME
                      SELECT h.* REPLACE (u.load_id AS load_id, u.line AS line),
                             {load_number("u.load_id")} AS _rank, true AS _sent
                      FROM {table}_history h SEMI JOIN {_KEYS} USING ({keys})
                      JOIN ingest_unchanged u ON u.kind = ? AND u.same_as = h.load_id
                                             AND u.record_key = {key_text(kind, "h")}
                      WHERE u.load_id IN ({live}){unwaived}))
            WHERE rn = 1""",
        [load_id, kind.name, load_id],
    )
    names = ", ".join(quote_ident(c) for c in cols)
    wh.sql(f"INSERT INTO {table} ({names}) SELECT {names} FROM {_BACK}")
    match = " AND ".join(f"h.{quote_ident(k)} = b.{quote_ident(k)}" for k in kind.key)
    wh.sql(
        f"""DELETE FROM {table}_history h USING {_BACK} b
            WHERE {match} AND h.load_id = b.load_id AND h.superseded_by = b.superseded_by
              AND NOT b._sent"""
    )
    restored, kept = wh.sql(
        f"SELECT count(*) FILTER (WHERE NOT _sent), count(*) FILTER (WHERE _sent) FROM {_BACK}"
    )[0]
    return int(restored), int(kept)


def _reopen(wh: Warehouse, load_id: str) -> int:
    """Quarantined rows of other loads that this load resolved: open again."""
    n = int(
        wh.scalar(
            "SELECT count(*) FROM ingest_quarantine WHERE resolved_by = ? AND load_id <> ?",
            [load_id, load_id],
        )
    )
    wh.sql(
        "UPDATE ingest_quarantine SET resolved_by = NULL WHERE resolved_by = ? AND load_id <> ?",
        [load_id, load_id],
    )
    return n


def _forget_settings(wh: Warehouse, load_id: str) -> list[str]:
    """Delete the reporters' settings learnt from the load or stated for it (a declared
    one stays); what was forgotten, e.g. ``BK01's decimal ','``."""
    from marsad.ingest.reporters import TABLE

    if not wh.has_table(TABLE):
        return []
    mine = "source <> 'declared' AND ends_with(source, ?)"
    gone = wh.sql(
        f"SELECT reporter, setting, value FROM {TABLE} WHERE {mine} ORDER BY 1, 2",
        [f"({load_id})"],
    )
    wh.sql(f"DELETE FROM {TABLE} WHERE {mine}", [f"({load_id})"])
    return [f"{r}'s {s.replace('_', ' ')} {v!r}" for r, s, v in gone]
