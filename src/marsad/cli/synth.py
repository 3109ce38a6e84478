"""``marsad synth``: write a calibrated synthetic data set (firms, rates, monthly records)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from marsad.cli.common import bar, check_out_folder, console, progress_bars, writing

#: Fewest records per year the generator accepts.
MIN_ROWS_PER_YEAR = 1_000


class SynthFormat(StrEnum):
    """The file format of the synthetic transaction files."""

    csv = "csv"
    parquet = "parquet"


def synth(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write the files into.")],
    rows_per_year: Annotated[
        int, typer.Option(help="Settlement records per year.", min=MIN_ROWS_PER_YEAR)
    ] = 300_000,
    seed: Annotated[int, typer.Option(help="Random seed: same seed, same files.")] = 2025,
    fmt: Annotated[SynthFormat, typer.Option("--format", help="csv or parquet.")] = (
        SynthFormat.csv
    ),
) -> None:
    """Write synthetic firms.csv, rates.csv and monthly transaction files, calibrated
    to the published aggregates."""
    from marsad.synth import generate

    check_out_folder(out_dir)
    with writing(out_dir), progress_bars() as progress:
        result = generate(
            out_dir,
            rows_per_year=rows_per_year,
            seed=seed,
            fmt=fmt.value,
            progress=bar(progress, "synthetic records"),
        )
    console().print(
        f"Wrote synthetic data to {out_dir}: {result.n_firms:,} firms, {result.n_rates:,} rates, "
        f"{result.n_transactions:,} records in {len(result.transaction_paths)} files. "
        "They are synthetic, calibrated to the published aggregates (see README.txt).",
        markup=False,
    )


def register(app: typer.Typer) -> None:
    """Add ``synth`` to the ``marsad`` app."""
    app.command("synth")(synth)
