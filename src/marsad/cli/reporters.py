"""``marsad reporters``: what each reporter (bank) writes, kept with it and
applied to its later files: decimal mark, date format, column names.

``marsad reporters list`` shows them with where each came from (declared,
learnt from a file, stated for a file); ``marsad reporters set BK01 --decimal ,
--date-format %d/%m/%Y --map "Record ID=record_id"`` declares them.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer

from marsad.cli.common import WarehouseOption, console, fail, open_store

app = typer.Typer(
    help="What each reporter (bank) writes: decimal mark, date format, column names.",
    no_args_is_help=True,
)


def _shown(setting: str, value: str) -> str:
    """A setting's value in plain words."""
    if setting == "decimal":
        thousands = "'.' or a space" if value == "," else "',' or a space"
        return f"{value!r} (thousands {thousands})"
    if setting == "map":
        return ", ".join(f"{a!r} -> {b}" for a, b in json.loads(value).items())
    return value


@app.command("list")
def list_(warehouse: WarehouseOption = None) -> None:
    """Each reporter's settings, and where each was declared or learnt."""
    from rich.table import Table
    from rich.text import Text

    from marsad.ingest import reporters

    with open_store(warehouse, read_only=True) as wh:
        rows = reporters.listing(wh)
    out = console()
    if not rows:
        out.print("no reporter settings yet: they are learnt as files load", markup=False)
        return
    t = Table(title="Reporters", title_justify="left")
    for c in ("reporter", "setting", "value", "from", "since"):
        t.add_column(c)
    for reporter, setting, value, source, set_at in rows:
        cells = (reporter, setting, _shown(setting, value), source, f"{set_at:%Y-%m-%d %H:%M}")
        t.add_row(*(Text(str(c)) for c in cells))
    out.print(t)


@app.command("set")
def set_(
    reporter: Annotated[str, typer.Argument(help="The reporter, as in its files (e.g. BK01).")],
    decimal: Annotated[
        str | None, typer.Option("--decimal", help="Its decimal mark, . or , (or point, comma).")
    ] = None,
    date_format: Annotated[
        str | None,
        typer.Option("--date-format", help="How it writes dates, e.g. %d/%m/%Y."),
    ] = None,
    mapping: Annotated[
        list[str] | None,
        typer.Option("--map", help="Its name for a column: 'Record ID=record_id' (repeatable)."),
    ] = None,
    clear: Annotated[
        list[str] | None,
        typer.Option("--clear", help="Forget a setting: decimal, date_format or map."),
    ] = None,
    warehouse: WarehouseOption = None,
) -> None:
    """Declare how a reporter writes its files; its later files are read so."""
    from marsad.ingest import reporters

    changes: dict[str, str | None] = {s: None for s in clear or []}
    if unknown := [s for s in changes if s not in reporters.SETTINGS]:
        fail(f"--clear {unknown[0]!r}: use decimal, date_format or map")
    if decimal is not None:
        changes["decimal"] = reporters.check_decimal(decimal)
    if date_format is not None:
        changes["date_format"] = reporters.check_date_format(date_format)
    if mapping:
        # (a pair that renames nothing, reporter=reporter, is no mapping to keep)
        parsed = {k: v for k, v in reporters.parse_map(mapping).items() if k != v}
        if not parsed:
            fail(
                "--map renames nothing (each column already has the field's name): "
                "give NAME=field pairs that rename, or --clear map"
            )
        changes["map"] = json.dumps(parsed, ensure_ascii=False, sort_keys=True)
    if not changes:
        fail("say what to set: --decimal, --date-format, --map or --clear")
    with open_store(warehouse, read_only=False) as wh, wh.transaction():
        for setting, value in changes.items():
            reporters.declare(wh, reporter, setting, value)
    for setting, value in changes.items():
        what = "forgotten" if value is None else f"set to {_shown(setting, value)}"
        console().print(f"{reporter.strip()}: {setting} {what}", markup=False)


def register(root: typer.Typer) -> None:
    """Add ``reporters`` to the ``marsad`` app."""
    root.add_typer(app, name="reporters")
