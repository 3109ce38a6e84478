"""``marsad loads``: the load ledger, each file's SHA-256, counts and control totals;
``marsad loads withdraw``: take a load's records out of the warehouse.

``marsad loads`` is read-only: it never creates a warehouse, and works on a
read-only file. ``marsad loads withdraw`` writes, in one transaction.
"""

from __future__ import annotations

from typing import Annotated

import typer

from marsad.cli.common import WarehouseOption, console, fail, open_store, plain

_COUNTS = ("read", "loaded", "unchanged", "quarantined", "waived", "duplicates", "corrections")
_COUNT_KEYS = (
    "rows_read", "loaded", "unchanged", "quarantined", "waived", "duplicates", "corrections",
)  # fmt: skip

loads_app = typer.Typer(
    help="The load ledger: each file's SHA-256, rows read, loaded, quarantined, waived, "
    "and control totals per flow and currency.",
    invoke_without_command=True,
)


def _int(n: int | None) -> str:
    return f"{int(n or 0):,}"


def _money(x) -> str:
    return "" if x is None else f"{x:,.3f}"


@loads_app.callback()
def loads(
    ctx: typer.Context,
    warehouse: WarehouseOption = None,
    load: Annotated[
        str | None, typer.Option("--load", help="Only this load (id, file name or SHA-256 prefix).")
    ] = None,
    totals: Annotated[
        bool,
        typer.Option("--totals/--no-totals", help="Show the control totals per flow and currency."),
    ] = True,
) -> None:
    """The load ledger: each file's SHA-256, rows read, loaded, quarantined, waived, and
    control totals per flow and currency (to tick against the bank's cover note).

    For every load, read = loaded + unchanged + quarantined + waived (unchanged: rows
    with the same content as a record already loaded). The notes ``marsad ingest`` gave
    of each load follow its SHA-256 line (``L00002 note: ...``).
    """
    if ctx.invoked_subcommand is not None:
        return
    from marsad.ingest import find_load, views

    out = console()
    with open_store(warehouse, read_only=True) as wh:
        ids = None
        if load:
            ids = find_load(wh, load)
            if not ids:
                fail(f"no load matches {load!r}")
        ledger = views.loads(wh, ids)
        control = views.control_totals(wh, ids) if totals else []
        acts = views.actions(wh, ids)
        kept = views.notes(wh, ids)
    if not ledger:
        out.print("no file loaded yet", markup=False)
        return
    out.print(_ledger_table(ledger))
    for r in ledger:
        out.print(f"{r['load_id']} sha256 {r['sha256']}", markup=False)
        if r["withdrawn_at"]:
            out.print(
                f"{r['load_id']} withdrawn on {r['withdrawn_at']} by {r['withdrawn_by']}: "
                f"{r['withdrawn_reason']}",
                markup=False,
            )
        for note in kept.get(r["load_id"], []):
            out.print(f"{r['load_id']} note: {note}", markup=False, highlight=False)
    if control:
        out.print(_totals_table(control))
    if acts and load:
        out.print(_actions_table(acts))


@loads_app.command("withdraw")
def loads_withdraw(
    load: Annotated[
        str, typer.Argument(help="The load to withdraw (id, e.g. L00004).", show_default=False)
    ],
    reason: Annotated[
        str,
        typer.Option("--reason", help="Why, in words (kept in the ledger).", show_default=False),
    ],
    warehouse: WarehouseOption = None,
) -> None:
    """Withdraw a load: every record it brought leaves the warehouse in one step.

    The warehouse is then as if the file had never been loaded: a record the load
    had corrected returns to its previous version; the versions removed stay in the
    history, and the ledger keeps the load with who withdrew it, when and why.
    """
    from marsad.ingest import find_load
    from marsad.ingest.withdraw import withdraw
    from marsad.settings import get_settings

    with open_store(warehouse, read_only=False, must_exist=True) as wh:
        ids = find_load(wh, load)
        if len(ids) != 1:
            fail(
                f"no load matches {load!r}"
                if not ids
                else f"{load!r} names several loads ({', '.join(ids)}): give the load id"
            )
        report = withdraw(wh, ids[0], reason, get_settings().user)
    typer.echo(report.summary())


def _ledger_table(rows: list[dict]):
    from rich.table import Table

    t = Table(title="Loads", title_justify="left")
    for c in ("load", "kind", "file", "loaded at", "sha256", *_COUNTS):
        t.add_column(c, justify="right" if c in _COUNTS else "left", no_wrap=c == "sha256")
    # the first 12 hex digits in the table (`loads --load` takes them), the whole
    # digest on a line of its own under it
    for r in rows:
        t.add_row(
            *(plain(r[k]) for k in ("load_id", "kind", "file_name", "loaded_at")),
            plain((r["sha256"] or "")[:12]),
            *(_int(r[k]) for k in _COUNT_KEYS),
        )
    return t


def _totals_table(rows: list[dict]):
    from rich.table import Table

    t = Table(
        title="Control totals per flow and currency (amounts as read, in the original currency)",
        title_justify="left",
    )
    left = ("load", "kind", "flow", "currency / segment")
    right = (
        "rows read", "amount read", "rows loaded", "amount loaded", "rows unchanged",
        "amount unchanged", "rows quarantined", "amount quarantined", "rows amount not summed",
    )  # fmt: skip
    for c in (*left, *right):
        # (folded, never cut: a total must be read whole, to check it against the bank's)
        t.add_column(c, justify="left" if c in left else "right", overflow="fold")
    for r in rows:
        t.add_row(
            *(plain(r[k]) for k in ("load_id", "kind", "flow", "group")),
            _int(r["rows_read"]),
            _money(r["amount_read"]),
            _int(r["rows_loaded"]),
            _money(r["amount_loaded"]),
            _int(r["rows_unchanged"]),
            _money(r["amount_unchanged"]),
            _int(r["rows_quarantined"]),
            _money(r["amount_quarantined"]),
            "" if r["rows_no_amount"] is None else _int(r["rows_no_amount"]),
        )
    return t


def _actions_table(rows: list[dict]):
    from rich.table import Table
    from rich.text import Text

    t = Table(title="Waivers and withdrawals", title_justify="left")
    for c in ("when", "who", "action", "load", "rows", "count", "why"):
        t.add_column(c, justify="right" if c == "count" else "left")
    for r in rows:
        cells = ("acted_at", "acted_by", "action", "load_id", "selection")
        t.add_row(*(Text(str(r[k] or "")) for k in cells), _int(r["row_count"]), Text(r["reason"]))
    return t


def register(app: typer.Typer) -> None:
    """Add ``loads`` and ``loads withdraw`` to the ``marsad`` app."""
    app.add_typer(loads_app, name="loads")
