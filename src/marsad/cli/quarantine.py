"""``marsad quarantine list|show|export``: the rows ingest set aside, with the line,
column, rule and reason; the export loads again once corrected.

Read-only: these commands never create a warehouse, and work on a read-only file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from marsad.cli.common import WarehouseOption, console, fail, open_store, plain, writing
from marsad.cli.ingest import KindName

quarantine_app = typer.Typer(
    help="Rows set aside by ingest, with the line, column, rule and reason.",
    no_args_is_help=True,
)


def _int(n: int | None) -> str:
    return f"{int(n or 0):,}"


def _loads_matching(wh, ref: str) -> list[str]:
    from marsad.ingest import find_load

    ids = find_load(wh, ref)
    if not ids:
        fail(f"no load matches {ref!r} (see: marsad loads)")
    return ids


@quarantine_app.command("list")
def quarantine_list(
    warehouse: WarehouseOption = None,
    all_: Annotated[
        bool, typer.Option("--all", help="Also loads whose quarantined rows are all resolved.")
    ] = False,
) -> None:
    """Quarantined rows per load and rule: how many are open (to fix) and resolved."""
    from rich.table import Table

    from marsad.ingest import RULES, views

    out = console()
    with open_store(warehouse, read_only=True) as wh:
        rows = views.quarantine_summary(wh, include_resolved=all_)
    if not rows:
        out.print(
            "nothing in quarantine" + ("" if all_ else " to fix (--all shows resolved rows too)"),
            markup=False,
        )
        return
    t = Table(title="Quarantine", title_justify="left")
    for c in ("load", "kind", "file", "rule", "open", "resolved", "what the rule checks"):
        t.add_column(c, justify="right" if c in ("open", "resolved") else "left")
    for r in rows:
        cells = (r["load_id"], r["kind"], r["file_name"], r["rule"])
        t.add_row(
            *_plain(*cells), _int(r["open"]), _int(r["resolved"]), *_plain(RULES.get(r["rule"], ""))
        )
    out.print(t)
    out.print("see the rows with: marsad quarantine show LOAD_ID (or FILE)", markup=False)


def _plain(*values: object) -> list:
    """Table cells that print verbatim (a ``[...]`` in a value is not rich markup, a
    control character is escaped)."""
    return [plain(v) for v in values]


@quarantine_app.command("show")
def quarantine_show(
    load: Annotated[
        str,
        typer.Argument(
            help="Load id (e.g. L00003), file name or SHA-256 prefix.", show_default=False
        ),
    ],
    warehouse: WarehouseOption = None,
    rule: Annotated[str | None, typer.Option("--rule", help="Only this rule.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Also resolved rows.")] = False,
    limit: Annotated[int, typer.Option("--limit", help="At most this many rows (0: all).")] = 200,
) -> None:
    """The quarantined rows of one load: line, column, rule, value and message."""
    from rich.table import Table

    from marsad.ingest import views

    out = console()
    with open_store(warehouse, read_only=True) as wh:
        ids = _loads_matching(wh, load)
        rows, total = views.quarantine_rows(wh, ids, rule=rule, include_resolved=all_, limit=limit)
    if not rows:
        out.print(
            "no quarantined rows" + ("" if all_ else " open (--all shows resolved ones)"),
            markup=False,
        )
        return
    t = Table(title=f"Quarantine of {', '.join(ids)}", title_justify="left")
    for c in (
        "load",
        "file",
        "line",
        "column",
        "rule",
        "value",
        "message",
        "also fails",
        "resolved by",
    ):
        t.add_column(c, overflow="fold")
    for r in rows:
        t.add_row(*_plain(*r.values()))
    out.print(t)
    if total > len(rows):
        out.print(
            f"{len(rows)} of {total} rows shown "
            "(--limit 0 shows all, or use: marsad quarantine export)",
            markup=False,
        )


@quarantine_app.command("export")
def quarantine_export(
    out_file: Annotated[Path, typer.Option("--out", help="CSV file to write.", show_default=False)],
    warehouse: WarehouseOption = None,
    load: Annotated[
        str | None, typer.Option("--load", help="Only this load (id, file name, SHA-256 prefix).")
    ] = None,
    kind: Annotated[
        KindName | None,
        typer.Option(
            "--kind", help="Only this kind (needed when loads of several kinds are selected)."
        ),
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="Also resolved rows.")] = False,
) -> None:
    """Write the quarantined rows to a CSV the compiler can correct and load again.

    The file has the kind's input columns (the raw values), then the
    quarantine's: file, line, rule, column, value and message. A corrected
    copy loads with `marsad ingest` (the extra columns are ignored).
    """
    from marsad.ingest import views

    kind_name = kind.value if kind else None
    with open_store(warehouse, read_only=True) as wh:
        ids = _loads_matching(wh, load) if load else None
        kinds = views.quarantine_kinds(wh, ids, kind=kind_name, include_resolved=all_)
        if len(kinds) > 1:
            fail(
                f"the selection holds rows of several kinds ({', '.join(kinds)}): "
                "choose one with --kind"
            )
        header, rows = views.quarantine_export(wh, ids, kind=kind_name, include_resolved=all_)
    _write_csv(out_file, header, rows)
    console().print(f"{len(rows):,} quarantined rows written to {out_file}")


def _write_csv(path: Path, header: list[str], rows: list[list]) -> None:
    import csv

    with writing(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(header)
            w.writerows(rows)


def register(app: typer.Typer) -> None:
    """Add ``quarantine list|show|export`` to the ``marsad`` app."""
    app.add_typer(quarantine_app, name="quarantine")
