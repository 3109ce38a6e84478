"""The ``marsad`` command: one Typer app, each command a thin call into a stage.

Errors that a user can fix (a missing file, nothing built yet, a missing rate)
end with a plain message on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from marsad.settings import get_settings

app = typer.Typer(
    name="marsad",
    help="Observatory of digital-services exports: ingest settlement records, build the "
    "indicators, publish the bulletin and open data.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(stderr=True)
out = Console()

WarehouseOption = Annotated[
    Path | None,
    typer.Option(
        "--warehouse",
        help="Warehouse file (default: $MARSAD_WAREHOUSE, else ./marsad.duckdb).",
        show_default=False,
    ),
]


def fail(message: str) -> typer.Exit:
    """Print a plain error and return the exit to raise (code 2)."""
    console.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(code=2)


def warehouse_path(path: Path | None) -> Path:
    return path if path is not None else get_settings().warehouse


@app.callback()
def main(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log what happens.")] = False,
) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )


@app.command()
def synth(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write the files into.")],
    rows_per_year: Annotated[int, typer.Option(help="Settlement records per year.")] = 300_000,
    seed: Annotated[int, typer.Option(help="Random seed: same seed, same files.")] = 2025,
    fmt: Annotated[str, typer.Option("--format", help="csv or parquet.")] = "csv",
) -> None:
    """Write synthetic firms.csv, rates.csv and monthly transaction files, calibrated
    to the published aggregates."""
    from marsad.commands import run_synth

    run_synth(out_dir, rows_per_year=rows_per_year, seed=seed, fmt=fmt)


@app.command()
def build(warehouse: WarehouseOption = None) -> None:
    """Classify, convert, cube and compute the indicators."""
    from marsad.commands import run_build

    run_build(warehouse_path(warehouse))


@app.command()
def export(
    fmt: Annotated[str, typer.Option("--format", help="csv.")],
    out_file: Annotated[Path, typer.Option("--out", help="File to write.")],
    warehouse: WarehouseOption = None,
) -> None:
    """Write the indicator table of the last build."""
    from marsad.commands import run_export

    run_export(warehouse_path(warehouse), fmt, out_file)


@app.command()
def bulletin(
    period: Annotated[str, typer.Option(help="Period: 2025-S1, 2024, 2024-Q3 or 2024-07.")],
    out_file: Annotated[Path, typer.Option("--out", help="FILE.html or FILE.md.")],
    lang: Annotated[str, typer.Option(help="fr, en or ar.")] = "fr",
    warehouse: WarehouseOption = None,
) -> None:
    """Write the bulletin of a period."""
    from marsad.commands import run_bulletin

    run_bulletin(warehouse_path(warehouse), period, lang, out_file)


@app.command()
def demo(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the data and outputs.")],
    rows_per_year: Annotated[int, typer.Option(help="Synthetic records per year.")] = 300_000,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 2025,
) -> None:
    """From nothing, offline: synthetic records, ingest, build, export and bulletin."""
    from marsad.commands import run_demo

    run_demo(out_dir, rows_per_year=rows_per_year, seed=seed)


def _register_subcommands() -> None:
    from marsad.ingest.cli import register

    register(app)


_register_subcommands()
