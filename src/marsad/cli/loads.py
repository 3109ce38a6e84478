"""``marsad loads``: the load ledger, each file's SHA-256, counts and control totals.

Read-only: never creates a warehouse, and works on a read-only file.
"""

from __future__ import annotations

from typing import Annotated

import typer

from marsad.cli.common import WarehouseOption, console, fail, open_store, plain

_COUNTS = ("read", "loaded", "quarantined", "duplicates", "corrections")


def _int(n: int | None) -> str:
    return f"{int(n or 0):,}"


def _money(x) -> str:
    return "" if x is None else f"{x:,.3f}"


def loads(
    warehouse: WarehouseOption = None,
    load: Annotated[
        str | None, typer.Option("--load", help="Only this load (id, file name or SHA-256 prefix).")
    ] = None,
    totals: Annotated[
        bool, typer.Option("--totals/--no-totals", help="Show the control totals per currency.")
    ] = True,
) -> None:
    """The load ledger: each file's SHA-256, rows read, loaded, quarantined and control totals."""
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
    if not ledger:
        out.print("no file loaded yet", markup=False)
        return
    out.print(_ledger_table(ledger))
    if control:
        out.print(_totals_table(control))


def _ledger_table(rows: list[dict]):
    from rich.table import Table

    t = Table(title="Loads", title_justify="left")
    for c in ("load", "kind", "file", "loaded at", "sha256", *_COUNTS):
        t.add_column(c, justify="right" if c in _COUNTS else "left", no_wrap=c == "sha256")
    for r in rows:
        t.add_row(
            *(plain(r[k]) for k in ("load_id", "kind", "file_name", "loaded_at", "sha256")),
            *(
                _int(r[k])
                for k in ("rows_read", "loaded", "quarantined", "duplicates", "corrections")
            ),
        )
    return t


def _totals_table(rows: list[dict]):
    from rich.table import Table

    t = Table(title="Control totals (amounts in original currency)", title_justify="left")
    left = ("load", "kind", "currency / segment")
    for c in (*left, "rows read", "amount read", "rows loaded", "amount loaded"):
        t.add_column(c, justify="left" if c in left else "right")
    for r in rows:
        t.add_row(
            *(plain(r[k]) for k in ("load_id", "kind", "group")),
            _int(r["rows_read"]),
            _money(r["amount_read"]),
            _int(r["rows_loaded"]),
            _money(r["amount_loaded"]),
        )
    return t


def register(app: typer.Typer) -> None:
    """Add ``loads`` to the ``marsad`` app."""
    app.command("loads")(loads)
