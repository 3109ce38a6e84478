"""``marsad quarantine list|show|export|waive|unwaive``: the rows ingest set aside,
with the line, column, rule and reason; the export loads again once corrected; a
row the compiler accepts to leave out is waived, with a reason.

``list``, ``show`` and ``export`` are read-only: they never create a warehouse,
and work on a read-only file. ``waive`` and ``unwaive`` write (one transaction).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from marsad.cli.common import (
    WarehouseOption,
    check_out,
    check_suffix,
    console,
    fail,
    is_stdout,
    open_store,
    out_path,
    output,
    plain,
    shortened,
    shortened_in,
    wrote,
)
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
    counts = ("open", "resolved", "waived")
    for c in ("load", "kind", "file", "rule", *counts, "what the rule checks"):
        t.add_column(c, justify="right" if c in counts else "left")
    for r in rows:
        cells = (r["load_id"], r["kind"], r["file_name"], r["rule"])
        t.add_row(*_plain(*cells), *(_int(r[c]) for c in counts), *_plain(RULES.get(r["rule"], "")))
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
        "waived (who, when: why)",
    ):
        t.add_column(c, overflow="fold")
    for r in rows:  # a long raw value is cut, in its cell and in the message quoting it
        r = {**r, "value": shortened(r["value"]), "message": shortened_in(r["message"], r["value"])}
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
    out_file: Annotated[
        Path,
        typer.Option(
            "--out",
            parser=out_path,
            help="CSV file to write; - for standard output.",
            show_default=False,
        ),
    ],
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

    The file has the kind's input columns, then the quarantine's: file, line,
    rule, column, value and message. Values are canonical where they could be
    read (amounts with a point and four decimals, 1500.0000; dates YYYY-MM-DD), so a corrected copy
    loads with `marsad ingest` with the same amounts (the extra columns are
    ignored). A cell that would start a spreadsheet formula (= + - @) gets a
    leading apostrophe, which ingest removes. Waived rows are left out (--all
    includes them, and resolved rows).
    """
    from marsad.dates import source_date_epoch
    from marsad.ingest import views

    source_date_epoch()  # a SOURCE_DATE_EPOCH that is no time: refused before any work
    check_suffix(check_out(out_file, warehouse), ".csv", "quarantine export")
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
    with output(out_file, ".csv", "quarantine export") as path:
        _write_csv(path, header, rows)
    shown = "standard output" if is_stdout(out_file) else out_file
    wrote(f"{len(rows):,} quarantined rows written to {shown}", out_file)


ReasonOption = Annotated[
    str, typer.Option("--reason", help="Why, in words (kept with the rows).", show_default=False)
]


def _selection(wh, row: str | None, load: str | None, rule: str | None):
    """The rows named by ``ROW`` (LOAD:LINE) or ``--load`` (and ``--rule``)."""
    from marsad.ingest.waivers import Selection, parse_row

    if (row is None) == (load is None):
        fail("name the rows: a ROW (LOAD:LINE, e.g. L00003:4) or --load LOAD [--rule RULE]")
    if row is not None:
        ref, line = parse_row(row)
        return Selection(tuple(_loads_matching(wh, ref)), line=line, rule=rule)
    return Selection(tuple(_loads_matching(wh, load)), rule=rule)


RowArgument = Annotated[
    str | None,
    typer.Argument(help="One row: LOAD:LINE (e.g. L00003:4).", show_default=False),
]
LoadOption = Annotated[
    str | None, typer.Option("--load", help="All the rows of this load (id or file name).")
]
RuleOption = Annotated[str | None, typer.Option("--rule", help="Only the rows of this rule.")]


@quarantine_app.command("waive")
def quarantine_waive(
    reason: ReasonOption,
    row: RowArgument = None,
    load: LoadOption = None,
    rule: RuleOption = None,
    warehouse: WarehouseOption = None,
) -> None:
    """Waive open quarantined rows: they stay out of the warehouse, with who, when and why.

    Waived rows are no longer open (not exported, counted apart): for every load,
    rows read = loaded + quarantined + waived. `marsad quarantine unwaive` takes it back.
    A waived implausible rate (an isolated spike, checked and right) is loaded instead.
    """
    from marsad.ingest.waivers import waive
    from marsad.settings import get_settings

    notes: list[str] = []
    with open_store(warehouse, read_only=False, must_exist=True) as wh:
        n = waive(wh, _selection(wh, row, load, rule), reason, get_settings().user, notes)
    typer.echo(f"{n:,} quarantined rows waived")
    for note in notes:
        typer.echo(note)


@quarantine_app.command("unwaive")
def quarantine_unwaive(
    row: RowArgument = None,
    load: LoadOption = None,
    rule: RuleOption = None,
    reason: Annotated[str, typer.Option("--reason", help="Why (kept in the record).")] = "",
    warehouse: WarehouseOption = None,
) -> None:
    """Take back a waiver: the rows are open (to fix) again."""
    from marsad.ingest.waivers import unwaive
    from marsad.settings import get_settings

    notes: list[str] = []
    with open_store(warehouse, read_only=False, must_exist=True) as wh:
        n = unwaive(wh, _selection(wh, row, load, rule), reason, get_settings().user, notes)
    typer.echo(f"{n:,} quarantined rows open again")
    for note in notes:
        typer.echo(note)


def _write_csv(path: Path, header: list[str], rows: list[list]) -> None:
    """The CSV, whole or not at all (:func:`~marsad.publish.files.atomic_path`): it was
    written in place, so a failure left half a file, and a named pipe's reader got the
    rows as they came, before a failure could be known."""
    import csv

    from marsad.publish.files import atomic_path

    with atomic_path(path) as tmp, tmp.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)


def register(app: typer.Typer) -> None:
    """Add ``quarantine list|show|export|waive|unwaive`` to the ``marsad`` app."""
    app.add_typer(quarantine_app, name="quarantine")
